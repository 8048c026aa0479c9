"""``--agenttrace-repeat`` and ``expect.fuzz`` for explicit tests (``agenttrace_replay``): the body re-runs.

An explicit test drives the agent itself, so a repetition or a fuzz example is the test body run again
with a fresh replay as its argument; where the body cannot be re-run (it calls ``check()`` itself, or turns
checking off) a warning says so once, instead of silently replaying once.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET

import pytest

from .kit import APPROVAL_POLICY, DENY_APPROVAL, fixture_doc, make_project
from .test_fuzz import SHRUNK, project, small_refund

EXPLICIT = """
import agent

RUNS = []


def test_refund(agenttrace_replay, monkeypatch):
    RUNS.append(agenttrace_replay)
    monkeypatch.setattr(agent, "call_model", agenttrace_replay.model)
    for name, stub in agenttrace_replay.tools("lookup_order", "issue_refund", "request_approval").items():
        monkeypatch.setattr(agent, name, stub)
    agenttrace_replay.output = agent.handle(agenttrace_replay.input)
    {extra}


def test_zz_count():
    print("BODY RUNS", len(RUNS), "DISTINCT", len({{id(r) for r in RUNS}}))
"""


def explicit_test(pytester: pytest.Pytester, extra: str = "") -> None:
    pytester.makepyfile(test_app=textwrap.dedent(EXPLICIT.format(extra=extra)))


def test_repeat_reruns_the_explicit_test_body(pytester: pytest.Pytester) -> None:
    make_project(pytester, fixtures=[fixture_doc(stubs=DENY_APPROVAL)], zero_code=False, guard=True)
    explicit_test(pytester)
    result = pytester.runpytest("--agenttrace", "--agenttrace-repeat=3", "-s", "--junitxml=out.xml")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*BODY RUNS 3 DISTINCT 3*", "*agenttrace pass rates*", "*3/3 passed (100%*"])
    case = next(
        c for c in ET.parse(pytester.path / "out.xml").iter("testcase") if "refund" in c.get("name", "")
    )
    assert {p.get("name"): p.get("value") for p in case.iter("property")}["agenttrace_pass_rate"] == "3/3"


def test_repeat_counts_failing_repetitions(pytester: pytest.Pytester) -> None:
    # the buggy agent refunds without approval on every repetition: 0/2, the first failure is shown
    make_project(pytester, fixtures=[fixture_doc()], zero_code=False, guard=False, policies=[APPROVAL_POLICY])
    explicit_test(pytester)
    result = pytester.runpytest("--agenttrace", "--agenttrace-repeat=2", "-s")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*BODY RUNS 2 DISTINCT 2*", "*passed 0/2 repetitions (0%), required 100%*"])


def test_repeat_warns_once_where_the_body_cannot_rerun(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        fixtures=[fixture_doc("one", stubs=DENY_APPROVAL), fixture_doc("two", stubs=DENY_APPROVAL)],
        zero_code=False,
    )
    explicit_test(pytester, extra="agenttrace_replay.check()")
    # in-process, the inner run inherits this suite's "error" warning filter: shown as for a user instead
    result = pytester.runpytest(
        "--agenttrace", "--agenttrace-repeat=3", "-s", "-W", "default::pytest.PytestWarning"
    )
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*BODY RUNS 2 DISTINCT 2*",
            "*PytestWarning: agenttrace: --agenttrace-repeat=3 not applied to test_app.py::test_refund[[]one[]]: "
            "check() was called in the test, so the test body is not re-run*",
        ]
    )
    assert result.stdout.str().count("not applied to") == 1


FUZZ_EXPLICIT = """
import agent


def test_refund(agenttrace_replay, monkeypatch):
    monkeypatch.setattr(agent, "call_model", agenttrace_replay.model)
    for name, stub in agenttrace_replay.tools("lookup_order", "issue_refund", "request_approval").items():
        monkeypatch.setattr(agent, name, stub)
    agenttrace_replay.output = agent.handle(agenttrace_replay.input)
"""


@pytest.mark.parametrize("guard", [False, True])
def test_fuzz_runs_for_explicit_tests(pytester: pytest.Pytester, guard: bool) -> None:
    project(pytester, small_refund(seed=5), guard=guard)
    (pytester.path / "pyproject.toml").write_text(
        (pytester.path / "pyproject.toml").read_text().replace('entrypoint = "agent:handle"\n', "")
    )
    pytester.makepyfile(test_app=FUZZ_EXPLICIT)
    result = pytester.runpytest("--agenttrace")
    if guard:
        result.assert_outcomes(passed=1)
        return
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert SHRUNK in text
    assert "reproduce with seed 5: pytest --agenttrace --agenttrace-fuzz-seed=5" in text
