"""The bundled example end to end: what the README's demo promises, checked on every run of the suite.

- the incident's trace imports from the committed export, redacted (counts recorded, nothing left for
  ``agenttrace scan``), and re-importing gives the committed fixtures byte for byte;
- ``pytest --agenttrace`` in the example fails on the agent as it ran in production, naming the policy,
  and passes on the fixed agent;
- the demo script runs to completion;
- `make_traces.py` regenerates, offline, an export that imports into the committed fixtures;
- ``fixtures/`` at the repository root holds the same fixtures, and under ``pytest --agenttrace`` they
  are replayed here against the fixed agent (explicit mode), checked against the example's policies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_agenttrace.checks import evaluate
from pytest_agenttrace.checks.policies import load_policies
from tests.test_cli import agenttrace

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "refund_agent"
EXPORT = EXAMPLE / "traces" / "production.otlp.jsonl"
INCIDENT = "4329e3e8fc1085b64887ef8a967c1b07"
GOLDEN = {
    "refund-small-order": "29be5d2129810b3824c2771116e58928",
    "refund-with-approval": "347dfac9e08f377374186a9956ff9f67",
}
TOOLS = ("lookup_order", "issue_refund", "request_approval", "send_email")


def _demo() -> Any:
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import demo
    finally:
        sys.path.remove(str(ROOT / "examples"))
    return demo


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example without its fixtures."""
    target = tmp_path / "refund_agent"
    shutil.copytree(
        EXAMPLE, target, ignore=shutil.ignore_patterns("fixtures", "__pycache__", ".pytest_cache")
    )
    return target


def test_the_incident_imports_redacted_and_as_committed(project: Path) -> None:
    result = agenttrace(
        "import-trace", "traces/production.otlp.jsonl", "--trace-id", INCIDENT, "--name", "refund-without-approval",
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "6 traces read (otlp), 1 fixture written" in result.stderr
    assert "redacted 26 (email 21, stripe_key 5)" in result.stdout
    fixture = project / "fixtures" / "refund-without-approval.trace.json"
    data = json.loads(fixture.read_text(encoding="utf-8"))
    assert data["source"]["redaction"]["counts"] == {"email": 21, "stripe_key": 5}
    text = fixture.read_text(encoding="utf-8")
    for secret in ("dana.whitfield@example.com", "sk_live_"):
        assert secret in EXPORT.read_text(encoding="utf-8")  # the production export holds them ...
        assert secret not in text  # ... the fixture does not
    scan = agenttrace("scan", "fixtures", cwd=project)
    assert scan.returncode == 0, scan.stdout + scan.stderr

    demo = _demo()
    marked = agenttrace(
        "mark", str(fixture), "--regression", "--reason", demo.REASON, "--link", demo.LINK, cwd=project
    )
    assert marked.returncode == 0, marked.stderr
    demo.add_triage(fixture)
    assert fixture.read_bytes() == (EXAMPLE / "fixtures" / fixture.name).read_bytes()


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_the_golden_runs_import_as_committed(project: Path, name: str) -> None:
    result = agenttrace(
        "import-trace", "traces/production.otlp.jsonl", "--trace-id", GOLDEN[name], "--name", name,
        "--status", "golden", cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    fixture = project / "fixtures" / f"{name}.trace.json"
    reason = "a good run: the tool path a refund should take"
    assert agenttrace("mark", str(fixture), "--golden", "--reason", reason).returncode == 0
    assert fixture.read_bytes() == (EXAMPLE / "fixtures" / fixture.name).read_bytes()


def test_failed_only_finds_the_run_whose_tool_failed(project: Path) -> None:
    result = agenttrace(
        "import-trace", "traces/production.otlp.jsonl", "--failed-only", "--out", "failed", cwd=project
    )
    assert result.returncode == 0, result.stderr
    [written] = (project / "failed").glob("*.trace.json")
    steps = json.loads(written.read_text(encoding="utf-8"))["steps"]
    assert [s["error"]["message"] for s in steps if "error" in s] == ["no order ORD-9999"]


def _replay(cwd: Path, *args: str, fixed: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REFUND_APP_FIXED", "PYTEST_ADDOPTS")}
    if fixed:
        env["REFUND_APP_FIXED"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--agenttrace", "-p", "no:cacheprovider", *args],
        cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


def test_the_buggy_agent_fails_on_the_policy_and_the_fixed_one_passes(tmp_path: Path) -> None:
    project = tmp_path / "refund_agent"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    buggy = _replay(project, fixed=False)
    assert buggy.returncode == 1, buggy.stdout + buggy.stderr
    out = buggy.stdout
    assert "1 failed, 2 passed" in out
    assert "FAILED fixtures/refund-without-approval.trace.json::refund-without-approval" in out
    assert "policy:refund-needs-approval · step 3 (tool issue_refund)" in out
    assert 'expected call 2 request_approval(order_id="ORD-2002", amount=850.0) not found' in out
    assert "PytestDeprecationWarning" not in buggy.stderr  # the example's ini keeps the demo's output clean

    verbose = _replay(project, "-v", "-k", "without", fixed=False)
    assert "diff (expected → actual):" in verbose.stdout
    assert (
        'steps[3]: expected request_approval(order_id="ORD-2002", amount=850.0), '
        'got issue_refund(order_id="ORD-2002", amount=850.0, reason="defective")'
    ) in verbose.stdout

    fixed = _replay(project, fixed=True)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "3 passed" in fixed.stdout


def test_the_demo_runs_to_completion() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REFUND_APP_FIXED", "PYTEST_ADDOPTS")}
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    out = result.stdout
    for heading in (
        "== 1. Import the failed production run (redacted on the way in)",
        "== 2. What the agent did: the run as a timeline",
        "== 3. Make it a regression test",
        "== 4. Replay it against the agent as it ran in production",
        "== 5. Replay it against the fixed agent (REFUND_APP_FIXED=1)",
        "== Done",
    ):
        assert heading in out
    assert f"$ agenttrace import-trace traces/production.otlp.jsonl --trace-id {INCIDENT}" in out
    assert "redacted 26 (email 21, stripe_key 5)" in out
    assert "policy:refund-needs-approval" in out
    assert "1 failed in" in out
    assert "$ REFUND_APP_FIXED=1 pytest --agenttrace" in out
    assert "1 passed in" in out


def test_the_root_fixtures_are_the_examples() -> None:
    root = sorted(p.name for p in (ROOT / "fixtures").glob("*.trace.json"))
    assert root == sorted(p.name for p in (EXAMPLE / "fixtures").glob("*.trace.json"))
    for name in root:
        assert (ROOT / "fixtures" / name).read_bytes() == (EXAMPLE / "fixtures" / name).read_bytes(), name
    result = agenttrace("validate", "fixtures", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def fixed_agent(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.setenv("REFUND_APP_FIXED", "1")
    from refund_app import agent

    return agent


@pytest.mark.agenttrace(fixtures="fixtures/*.trace.json", check=False)
def test_root_fixtures_replay_against_the_fixed_agent(
    agenttrace_replay: Any, fixed_agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under ``pytest --agenttrace`` at the repository root: each root fixture, explicit mode."""
    from refund_app import llm, tools

    monkeypatch.setattr(llm, "chat", agenttrace_replay.model)
    for name in TOOLS:
        monkeypatch.setattr(tools, name, agenttrace_replay.tool(name))
    agenttrace_replay.output = fixed_agent.handle(agenttrace_replay.input)
    assert not agenttrace_replay.misses
    fixture = agenttrace_replay.fixture
    failures = evaluate(
        fixture,
        agenttrace_replay.run,
        policies=load_policies(EXAMPLE / "policies.json"),
        golden=fixture.status == "golden",
    )
    assert not failures, [f.summary() for f in failures]


def test_the_root_fixtures_replay_under_agenttrace() -> None:
    """Runs the test above the way it is meant to run: ``pytest --agenttrace`` at the repository root."""
    count = len(list((ROOT / "fixtures").glob("*.trace.json")))
    node = "tests/test_example.py::test_root_fixtures_replay_against_the_fixed_agent"
    result = _replay(ROOT, node, "-p", "no:xdist", "-q", fixed=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{count} passed" in result.stdout, result.stdout


def _incident_replay(monkeypatch: pytest.MonkeyPatch, *, fixed: bool) -> tuple[Any, list[Any]]:
    """The incident's committed fixture replayed in-process against the agent, checked as the plugin does."""
    from pytest_agenttrace.replay import Replayer
    from pytest_agenttrace.store import load_fixture

    monkeypatch.syspath_prepend(str(EXAMPLE))
    if fixed:
        monkeypatch.setenv("REFUND_APP_FIXED", "1")
    else:
        monkeypatch.delenv("REFUND_APP_FIXED", raising=False)
    from refund_app import agent, llm, tools

    fixture = load_fixture(EXAMPLE / "fixtures" / "refund-without-approval.trace.json")
    replayer = Replayer(fixture)
    monkeypatch.setattr(llm, "chat", replayer.model_stub(llm.chat))
    for name in TOOLS:
        monkeypatch.setattr(tools, name, replayer.tool_stub(name, getattr(tools, name)))
    output = agent.handle(fixture.input if isinstance(fixture.input, str) else json.dumps(fixture.input))
    replayer.finish(output)
    failures = evaluate(fixture, replayer.run, policies=load_policies(EXAMPLE / "policies.json"))
    return replayer, failures


def test_the_fixed_agent_tells_the_customer_what_actually_happened(monkeypatch: pytest.MonkeyPatch) -> None:
    """The refund did not run (finance said no), so the fixed agent must not say or e-mail that it did."""
    replayer, failures = _incident_replay(monkeypatch, fixed=True)
    assert not replayer.misses
    assert failures == []
    names = [getattr(step, "name", None) for step in replayer.run.steps if step.kind != "model"]
    assert names == ["lookup_order", "request_approval"]  # no refund, and no e-mail confirming one
    output = replayer.run.output
    assert "refunded" not in output.lower()
    assert "$850.00" in output
    assert "APR-7310" in output  # finance's ticket: from the approval the fixed agent asked for


def test_the_incident_fixture_checks_the_output_the_buggy_agent_gave(monkeypatch: pytest.MonkeyPatch) -> None:
    """``expect.output.must_not_contain`` is what catches the dishonest answer, not only the tool path."""
    data = json.loads((EXAMPLE / "fixtures" / "refund-without-approval.trace.json").read_text("utf-8"))
    assert data["expect"]["output"]["must_not_contain"]
    _, failures = _incident_replay(monkeypatch, fixed=False)
    by_check = {failure.check: failure for failure in failures}
    assert "output.must_not_contain" in by_check, [f.summary() for f in failures]
    assert "Done! I've [refunded $850].00" in "\n".join(by_check["output.must_not_contain"].details)


_TIMING = {"start", "end", "duration_ms", "latency_ms", "service.instance.id"}


def _untimed(value: Any) -> Any:
    """The document without what a new run cannot reproduce: clock times, durations, the process's id."""
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k not in _TIMING}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def test_make_traces_regenerates_an_export_that_imports_into_the_committed_fixtures(tmp_path: Path) -> None:
    """The example's export is reproducible: the script (real openai client, OpenInference instrumentation,
    the OTel SDK's OTLP encoder, a mock transport: offline) writes traces the importer reads into the
    committed fixtures' steps, input and output, the same up to clock times."""
    out = tmp_path / "regenerated.otlp.jsonl"
    made = subprocess.run(
        [sys.executable, str(EXAMPLE / "make_traces.py"), "--out", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
        env={k: v for k, v in os.environ.items() if k != "REFUND_APP_FIXED"},
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"wrote {out}: 6 traces" in made.stdout
    committed_export = (EXAMPLE / "traces" / "production.otlp.jsonl").read_text(encoding="utf-8")
    assert committed_export != out.read_text(encoding="utf-8")  # a new run (new timestamps), not a copy
    for name, trace_id in {"refund-without-approval": INCIDENT, **GOLDEN}.items():
        result = agenttrace(
            "import-trace", str(out), "--trace-id", trace_id, "--name", name, "--out", "fx", cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        fresh = json.loads((tmp_path / "fx" / f"{name}.trace.json").read_text(encoding="utf-8"))
        committed = json.loads((EXAMPLE / "fixtures" / f"{name}.trace.json").read_text(encoding="utf-8"))
        assert fresh["source"]["trace_id"] == committed["source"]["trace_id"] == trace_id
        assert fresh["source"]["redaction"] == committed["source"]["redaction"]
        for key in ("steps", "input", "output", "totals"):
            assert _untimed(fresh[key]) == _untimed(committed[key]), f"{name}: {key} differs"
        assert len(fresh["steps"]) == committed["totals"]["steps"]
