"""The Quick start demo: a real failed production run becomes a regression test that catches the bug.

Run from the repository root after installing (the README's first command does both)::

    .venv/bin/python examples/demo.py

It copies the example project ``examples/refund_agent`` (a refund agent, its global policies and the
OpenTelemetry/OpenInference export of a day in production) to a temporary folder and, printing every
command before it runs it so that you can run them yourself:

1. imports the run in which the agent refunded $850 without approval (redacted on the way in);
2. shows it as a timeline;
3. marks it as a regression, and writes down what a fixed agent must do;
4. replays it with ``pytest --agenttrace`` against the agent as it was in production: it fails, naming the
   policy, with the structural diff of expected and actual tool calls;
5. replays it against the fixed agent (``REFUND_APP_FIXED=1``): it asks finance, is refused, does not
   refund, and tells the customer so (no "refunded $850" in its answer): it passes.

Nothing here needs a network, an API key or the tracing SDKs: only ``pip install -e .``.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE / "refund_agent"
BIN = Path(sys.executable).parent

#: The incident: the trace id the support ticket named, and the fixture it becomes.
TRACE_ID = "4329e3e8fc1085b64887ef8a967c1b07"
FIXTURE_ID = "refund-without-approval"
REASON = "refunded $850 for ORD-2002 without an approval (INC-4711)"
LINK = "https://tracker.example/INC-4711"

#: What the person who triaged the incident wrote into the fixture: what a fixed agent must do with this
#: conversation (look the order up, then ask finance), what it must not tell the customer (that $850 was
#: refunded: it was not), and what finance answers when it is asked, a call the bad run never made, so the
#: recording cannot answer it.
TRIAGE: dict[str, Any] = {
    "expect": {
        "tools": {
            "subsequence": [
                {"name": "lookup_order", "arguments": {"order_id": "ORD-2002"}},
                {
                    "name": "request_approval",
                    "arguments": {"order_id": "ORD-2002", "amount": 850.0},
                    "match": {"ignore": ["reason"]},
                },
            ]
        },
        "output": {"must_not_contain": ["refunded $850"]},
    },
    "stubs": {
        "tools": {
            "request_approval": [
                {
                    "result": {
                        "order_id": "ORD-2002",
                        "approved": False,
                        "approver": "finance-oncall",
                        "ticket": "APR-7310",
                    }
                }
            ]
        }
    },
}

_TTY = sys.stdout.isatty()


def heading(text: str) -> None:
    print(f"\n\033[1;36m== {text}\033[0m" if _TTY else f"\n== {text}", flush=True)


def say(text: str) -> None:
    print(text, flush=True)


def run(shown: str, argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> int:
    """Print the command as a person would type it, run it with this terminal, return its exit code."""
    prompt = f"\033[1m$ {shown}\033[0m" if _TTY else f"$ {shown}"
    print(prompt, flush=True)
    return subprocess.run(argv, cwd=cwd, env=env, check=False).returncode


def tool(name: str) -> list[str]:
    """The installed console script beside this Python, or its module form."""
    script = BIN / name
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "pytest_agenttrace" if name == "agenttrace" else name]


def agenttrace(project: Path, *args: str) -> None:
    code = run("agenttrace " + shlex.join(args), [*tool("agenttrace"), *args], project)
    if code != 0:
        sys.exit(f"demo: agenttrace {args[0]} failed (exit {code})")


def prepare(into: Path) -> Path:
    """A copy of the example project without its committed fixtures: the demo makes its own."""
    project = into / "refund_agent"
    shutil.copytree(
        EXAMPLE,
        project,
        ignore=shutil.ignore_patterns("fixtures", "__pycache__", ".pytest_cache", "make_traces.py"),
    )
    return project


def add_triage(path: Path) -> None:
    """Write ``TRIAGE`` into the fixture, checked by the fixture model, as a person would edit it."""
    from pytest_agenttrace.model import Fixture
    from pytest_agenttrace.store import save_fixture

    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(TRIAGE)
    save_fixture(Fixture.model_validate(data), path, force=True)


def replay_env(fixed: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REFUND_APP_FIXED", "PYTEST_ADDOPTS")}
    if fixed:
        env["REFUND_APP_FIXED"] = "1"
    return env


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="agenttrace-demo-"))
    project = prepare(workdir)
    fixture = f"fixtures/{FIXTURE_ID}.trace.json"
    say("pytest-agenttrace demo: a failed production run of an AI agent becomes a regression test.")
    say(f"Working in a copy of examples/refund_agent: cd {project}")

    heading("1. Import the failed production run (redacted on the way in)")
    say("The refund agent's OpenTelemetry export (OpenInference spans around the real openai client) holds")
    say(f"six production runs; the incident ticket names trace {TRACE_ID}.")
    agenttrace(
        project,
        "import-trace",
        "traces/production.otlp.jsonl",
        "--trace-id",
        TRACE_ID,
        "--name",
        FIXTURE_ID,
    )
    say("The customer's e-mail address and the payment provider's live key were replaced by placeholders.")

    heading("2. What the agent did: the run as a timeline")
    agenttrace(project, "show", fixture)

    heading("3. Make it a regression test")
    agenttrace(project, "mark", fixture, "--regression", "--reason", REASON, "--link", LINK)
    say("\nWhat a fixed agent must do with this conversation, what it must not tell the customer, and what")
    say(f"finance answers when asked (a call the bad run never made). Added to {fixture}:")
    say(json.dumps(TRIAGE, indent=2))
    add_triage(project / fixture)
    agenttrace(project, "validate", "fixtures")
    say("\nThe global policies every fixture is checked against (policies.json):")
    for policy in json.loads((project / "policies.json").read_text(encoding="utf-8"))["policies"]:
        say(f"  {policy['id']}: {policy['description']}")

    heading("4. Replay it against the agent as it ran in production")
    pytest = [*tool("pytest"), "--agenttrace", "-p", "no:cacheprovider"]
    report = workdir / "report"
    buggy = run(
        f"pytest --agenttrace -v --agenttrace-html={report}",
        [*pytest, "-v", f"--agenttrace-html={report}"],
        project,
        replay_env(fixed=False),
    )
    if buggy != 1:
        sys.exit(f"demo: expected the replay to fail on the buggy agent (exit 1), got exit {buggy}")
    say("\nThe replay fails: the refund ran without finance's approval (policy refund-needs-approval),")
    say("the diff shows where the actual tool calls left the expected ones, and the agent told the")
    say('customer "refunded $850" (expect.output.must_not_contain).')
    pages = sorted(report.glob("*.html"))
    if pages:
        say(f"An HTML page of the failed replay: {pages[0]}")

    heading("5. Replay it against the fixed agent (REFUND_APP_FIXED=1)")
    fixed = run("REFUND_APP_FIXED=1 pytest --agenttrace", pytest, project, replay_env(fixed=True))
    if fixed != 0:
        sys.exit(f"demo: expected the replay to pass on the fixed agent, got exit {fixed}")
    say("\nThe fixed agent asked finance, was refused, issued no refund, and told the customer just that.")

    heading("Done")
    say("The bug is caught by a test that runs offline in a second, and the fix makes it pass.")
    say(f"The project, with its new fixture, is in {project}")
    say("Next: docs/quickstart.md (do this for your own agent), docs/ci.md (run it in CI).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
