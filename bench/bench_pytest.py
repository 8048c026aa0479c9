"""Per-test overhead of ``pytest --agenttrace`` against a bare pytest suite doing the same work by hand.

A temporary project holds a small tool-calling agent (the plugin tests' refund agent), ``N`` fixture files
of its recorded run, and ``[tool.agenttrace]`` naming its entrypoint, model and tools. Two suites replay
every file:

* plugin: ``pytest --agenttrace fixtures`` (zero-code: the plugin generates, loads, stubs, checks);
* bare: ``pytest bare``, one test parametrized over the same files that loads each (json), answers the
  agent's model and tool calls from it with ``monkeypatch``, and runs the agent.

Both run with ``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1`` (the plugin named with ``-p``), so only the plugin under
test differs. Whole-process wall time, interleaved rounds, medians. Also ``--collect-only`` of both, and the
plugin suite under pytest-xdist ``-n 2`` against ``-n 0``.

    .venv/bin/python bench/bench_pytest.py [--sizes 1000 10000] [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pytest_agenttrace.store.serialize import dumps_data  # noqa: E402
from tests.plugin.kit import agent_source, fixture_doc  # noqa: E402

PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["."]

[tool.agenttrace]
entrypoint = "agent:handle"
model = "agent:call_model"

[tool.agenttrace.tools]
lookup_order = "agent:lookup_order"
issue_refund = "agent:issue_refund"
request_approval = "agent:request_approval"
send_email = "agent:send_email"
"""

BARE = '''\
"""The same replay by hand: load the file, answer the agent's calls from it, run the agent."""

import json
from pathlib import Path

import pytest

import agent

FILES = sorted((Path(__file__).resolve().parent.parent / "fixtures").glob("*.trace.json"))


@pytest.mark.parametrize("path", FILES, ids=[p.name[: -len(".trace.json")] for p in FILES])
def test_replay(path, monkeypatch):
    fixture = json.loads(path.read_bytes())
    replies = iter([json.dumps(s["response"]) for s in fixture["steps"] if s["kind"] == "model"])
    results = {}
    for step in fixture["steps"]:
        if step["kind"] == "tool":
            results.setdefault(step["name"], []).append(json.dumps(step["result"]))
    monkeypatch.setattr(agent, "call_model", lambda messages, tools=None: json.loads(next(replies)))
    for name, answers in results.items():
        answer = iter(answers)
        monkeypatch.setattr(agent, name, lambda _answer=answer, **kwargs: json.loads(next(_answer)))
    assert isinstance(agent.handle(fixture["input"][-1]["content"]), str)
'''


def make_project(folder: Path, count: int) -> None:
    """The agent, ``count`` fixture files (the same run under different ids and amounts), both suites."""
    (folder / "agent.py").write_text(agent_source(guard=False))
    (folder / "pyproject.toml").write_text(PYPROJECT)
    (folder / "bare").mkdir()
    (folder / "bare" / "test_bare.py").write_text(BARE)
    fixtures = folder / "fixtures"
    fixtures.mkdir()
    template = fixture_doc()
    for index in range(count):
        data = copy.deepcopy(template)
        data["id"] = f"refund-{index:05d}"
        fixtures.joinpath(f"{data['id']}.trace.json").write_bytes(dumps_data(data))


def run(folder: Path, args: list[str]) -> float:
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"pytest {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return elapsed


PLUGIN = ["-p", "pytest_agenttrace.plugin", "--agenttrace", "fixtures"]
CASES: dict[str, list[str]] = {
    "bare": ["bare"],
    "plugin": PLUGIN,
    "bare --collect-only": ["--collect-only", "bare"],
    "plugin --collect-only": ["--collect-only", *PLUGIN],
}
XDIST = {
    "plugin -n 0": ["-p", "xdist.plugin", "-n", "0", *PLUGIN],
    "plugin -n 2": ["-p", "xdist.plugin", "-n", "2", *PLUGIN],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1,000 fixtures, one round")
    parser.add_argument("--no-xdist", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.rounds = [1000], 1
    for count in args.sizes:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            make_project(folder, count)
            cases = dict(CASES)
            if not args.no_xdist and count == max(args.sizes):
                cases.update(XDIST)
            times: dict[str, list[float]] = {key: [] for key in cases}
            for key, case in cases.items():  # warm-up: page cache and .pyc files
                run(folder, case) if key.startswith("bare") else None
            for _ in range(args.rounds):
                for key, case in cases.items():
                    times[key].append(run(folder, case))

        def med(key: str, values: dict[str, list[float]] = times) -> float:
            return statistics.median(values[key])

        print(f"{count:,} fixtures, {args.rounds} interleaved rounds, whole-process wall s, median (min-max)")
        for key, values in times.items():
            print(
                f"  {key:<24} {med(key):7.2f} ({min(values):.2f}-{max(values):.2f})  {med(key) / count * 1e3:.2f} ms/test"
            )
        print(f"  plugin / bare: {med('plugin') / med('bare'):.2f} (target <= 1.5)")
        ratio = med("plugin --collect-only") / med("bare --collect-only")
        print(f"  plugin / bare, --collect-only: {ratio:.2f} (target <= 1.5)")
        if "plugin -n 2" in times:
            print(f"  -n 0 / -n 2: {med('plugin -n 0') / med('plugin -n 2'):.2f}x faster (target >= 1.5)")


if __name__ == "__main__":
    main()
