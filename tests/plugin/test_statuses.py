"""Statuses in the test outcome, drift, the update flow, and pytest citizenship (-k, --lf, JUnit, xdist)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from .kit import APPROVAL_POLICY, DENY_APPROVAL, fixture_doc, make_project


def test_known_bad_is_a_strict_xfail(pytester: pytest.Pytester) -> None:
    doc = fixture_doc(status="known-bad", stubs=DENY_APPROVAL)
    make_project(pytester, fixtures=[doc], policies=[APPROVAL_POLICY], guard=False)
    result = pytester.runpytest("--agenttrace", "-rx")
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["*XFAIL*known-bad*"])
    make_project(pytester, fixtures=[doc], policies=[APPROVAL_POLICY], guard=True)
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*marked known-bad*Promote it: agenttrace mark fixtures/refund-no-approval.trace.json --regression*"]
    )


def test_regression_does_not_expect_the_recorded_bad_path(pytester: pytest.Pytester) -> None:
    # the fixed agent diverges from the recording (no refund): fine for a regression fixture ...
    make_project(pytester, fixtures=[fixture_doc(stubs=DENY_APPROVAL)])
    pytester.runpytest("--agenttrace").assert_outcomes(passed=1)
    # ... but a golden fixture holds the run to the recorded tool path
    make_project(pytester, fixtures=[fixture_doc(status="golden", stubs=DENY_APPROVAL)])
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*golden*", "*--agenttrace-update*"])


def test_update_rewrites_golden_expectations_at_session_end(pytester: pytest.Pytester) -> None:
    make_project(pytester, fixtures=[fixture_doc(status="golden", stubs=DENY_APPROVAL)])
    path = pytester.path / "fixtures" / "refund-no-approval.trace.json"
    result = pytester.runpytest("--agenttrace", "--agenttrace-update")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*agenttrace update*", "1 golden fixture updated.", "  updated *refund-no-approval.trace.json"]
    )
    sequence = json.loads(path.read_text())["expect"]["tools"]["sequence"]
    assert [entry["name"] for entry in sequence] == ["lookup_order", "request_approval"]
    assert sequence[1]["arguments"] == {"order_id": "A1", "amount": 5000}
    pytester.runpytest("--agenttrace").assert_outcomes(passed=1)  # the new path is now the expectation
    before = path.read_bytes()
    result = pytester.runpytest("--agenttrace", "--agenttrace-update")
    result.stdout.fnmatch_lines(["0 golden fixtures updated."])
    assert path.read_bytes() == before


def test_drift_is_information_unless_asked_to_fail(pytester: pytest.Pytester) -> None:
    make_project(pytester, fixtures=[fixture_doc(stubs=DENY_APPROVAL)])
    agent = pytester.path / "agent.py"
    agent.write_text(agent.read_text().replace("SYSTEM = 'You are", "SYSTEM = 'Always be polite. You are"))
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*agenttrace prompt drift*",
            "*::refund-no-approval:",
            "*model call #1 (recorded step 'm1'): the request differs",
            "*- [[]0[]] system: You are a support agent.*",
            "*+ [[]0[]] system: Always be polite. You are a support agent.*",
        ]
    )
    result = pytester.runpytest("--agenttrace", "--agenttrace-drift=fail")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*prompt drift (drift = fail):*"])
    (pytester.path / "pyproject.toml").write_text(
        (pytester.path / "pyproject.toml")
        .read_text()
        .replace("[tool.agenttrace]", '[tool.agenttrace]\ndrift = "fail"')
    )
    pytester.runpytest("--agenttrace").assert_outcomes(failed=1)
    pytester.runpytest("--agenttrace", "--agenttrace-drift=off").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "--agenttrace-drift=loud",
            "*--agenttrace-drift: invalid value 'loud'; valid values: warn, fail, off*",
        ),
        ("--agenttrace-live=tools", "*--agenttrace-live: invalid value 'tools'; valid values: off, model*"),
        ("--agenttrace-repeat=0", "*--agenttrace-repeat: invalid value '0'*"),
        ("--agenttrace-pass-rate=2", "*--agenttrace-pass-rate: invalid value '2'*"),
    ],
)
def test_bad_option_values_are_usage_errors(pytester: pytest.Pytester, option: str, message: str) -> None:
    make_project(pytester, fixtures=[])
    result = pytester.runpytest("--agenttrace", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    result = pytester.runpytest(option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*needs --agenttrace*"])


def test_k_lf_x_and_junit_properties(pytester: pytest.Pytester) -> None:
    good = fixture_doc("refund-good", stubs=DENY_APPROVAL)
    bad = fixture_doc("refund-bad")  # no stub for request_approval: fails
    make_project(pytester, fixtures=[good, bad])
    result = pytester.runpytest("--agenttrace", "-k", "good", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    result = pytester.runpytest("--agenttrace", "-x", "--junitxml=out.xml")
    result.assert_outcomes(failed=1)  # refund-bad sorts first and stops the run
    result = pytester.runpytest("--agenttrace", "--junitxml=out.xml")
    result.assert_outcomes(passed=1, failed=1)
    tree = ET.parse(pytester.path / "out.xml")
    props = {
        case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
        for case in tree.iter("testcase")
    }
    assert props["refund-good"] == {
        "agenttrace_fixture": "refund-good",
        "agenttrace_trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "agenttrace_status": "regression",
        # one gpt-4o-mini call with usage (100 in, 10 out) at list price, answered as recorded
        "agenttrace_replay_cost": "2.1e-05",
        "agenttrace_recorded_cost": "2.1e-05",
    }
    result = pytester.runpytest("--agenttrace", "--lf", "-v")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["run-last-failure: rerun previous 1 failure*"])
    result.stdout.fnmatch_lines(["*refund-bad FAILED*"])


def test_xdist_gives_the_same_ids_and_ships_drift_and_updates_to_the_controller(
    pytester: pytest.Pytester,
) -> None:
    docs = [fixture_doc(f"case-{i}", status="golden", stubs=DENY_APPROVAL) for i in range(4)]
    make_project(pytester, fixtures=docs)
    agent = pytester.path / "agent.py"
    agent.write_text(agent.read_text().replace("SYSTEM = 'You are", "SYSTEM = 'Hi. You are"))
    result = pytester.runpytest_subprocess(
        "--agenttrace", "-n", "2", "--agenttrace-update", "-p", "no:randomly"
    )
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*agenttrace prompt drift*", "4 golden fixtures updated."])
    for i in range(4):
        data = json.loads((pytester.path / "fixtures" / f"case-{i}.trace.json").read_text())
        assert data["expect"]["tools"]["sequence"][1]["name"] == "request_approval"
    pytester.runpytest_subprocess("--agenttrace", "-n", "2").assert_outcomes(passed=4)


def test_without_agenttrace_nothing_is_collected(pytester: pytest.Pytester) -> None:
    make_project(pytester, fixtures=[fixture_doc()])
    pytester.makepyfile(test_app="def test_app(agenttrace_replay):\n    raise AssertionError('not run')\n")
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*replays of recorded agent runs need pytest --agenttrace*"])


def test_known_bad_xfails_only_when_its_checks_fail(pytester: pytest.Pytester) -> None:
    doc = fixture_doc(status="known-bad", stubs=DENY_APPROVAL)
    make_project(pytester, fixtures=[doc], policies=[APPROVAL_POLICY], guard=False)
    agent = pytester.path / "agent.py"
    source = agent.read_text()
    # the agent is broken in a way unrelated to the recorded bug: a real error, with its traceback
    agent.write_text(
        source.replace("def handle(request):\n", "def handle(request):\n    import no_such_module\n")
    )
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*import no_such_module",
            "E *ModuleNotFoundError: No module named 'no_such_module'",
            "E *agenttrace: fixture 'refund-no-approval' (known-bad, fixtures/refund-no-approval.trace.json)",
            "E *known-bad: its checks were expected to fail (the recorded bad behaviour reproduced); the replay "
            "went wrong in another way, which is not the expected failure",
        ]
    )
    # an unmatched call is not the recorded bad behaviour either (no stub for the approval: a miss)
    make_project(pytester, fixtures=[fixture_doc(status="known-bad")], policies=[APPROVAL_POLICY], guard=True)
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "unmatched tool call request_approval*",
            "agenttrace: fixture 'refund-no-approval' (known-bad, *",
            "*not the expected failure",
            "no recorded call matches, *",
        ]
    )
    # the bug reproduced (the refund without approval): the expected failure
    make_project(pytester, fixtures=[doc], policies=[APPROVAL_POLICY], guard=False)
    result = pytester.runpytest("--agenttrace", "-rx")
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["*XFAIL*known-bad: *"])


def test_update_hint_only_for_a_changed_golden_path(pytester: pytest.Pytester) -> None:
    # golden, same tool path as recorded, but a policy fails: an update would change nothing
    golden = fixture_doc(status="golden", stubs=DENY_APPROVAL)
    make_project(pytester, fixtures=[golden], policies=[APPROVAL_POLICY], guard=False)
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    assert "--agenttrace-update" not in result.stdout.str()
    # golden, stopped at an unmatched call: no new path to take either
    make_project(pytester, fixtures=[fixture_doc(status="golden")], guard=True)
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    assert "--agenttrace-update" not in result.stdout.str()
    # golden whose tool path changed: the hint, naming the fixture
    make_project(pytester, fixtures=[golden], guard=True)
    result = pytester.runpytest("--agenttrace")
    result.stdout.fnmatch_lines(
        [
            "agenttrace: 1 golden fixture failed on a changed tool path; if the new path is right, re-run with "
            "--agenttrace-update to rewrite their expectations:",
            "  fixtures/refund-no-approval.trace.json::refund-no-approval",
        ]
    )


def test_update_says_which_golden_fixtures_it_did_not_update_and_why(pytester: pytest.Pytester) -> None:
    missed = fixture_doc("a-missed", status="golden")  # no stub for the approval: an unmatched call
    over_budget = fixture_doc(
        "b-over-budget", status="golden", stubs=DENY_APPROVAL, expect={"budgets": {"max_tool_calls": 1}}
    )
    fine = fixture_doc("c-fine", status="golden", stubs=DENY_APPROVAL)
    make_project(pytester, fixtures=[missed, over_budget, fine], guard=True)
    before = {p.name: p.read_bytes() for p in (pytester.path / "fixtures").iterdir()}
    result = pytester.runpytest("--agenttrace", "--agenttrace-update")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*agenttrace update*",
            "1 golden fixture updated.",
            "  updated *c-fine.trace.json",
            "2 golden fixtures not updated:",
            "  fixtures/a-missed.trace.json::a-missed: no new tool path to take: the replay stopped at an "
            "unmatched call (see its failure)",
            "  fixtures/b-over-budget.trace.json::b-over-budget: it failed other checks too (see its failure); "
            "fix them, then update",
        ]
    )
    after = {p.name: p.read_bytes() for p in (pytester.path / "fixtures").iterdir()}
    assert after["a-missed.trace.json"] == before["a-missed.trace.json"]
    assert after["b-over-budget.trace.json"] == before["b-over-budget.trace.json"]
    assert after["c-fine.trace.json"] != before["c-fine.trace.json"]
