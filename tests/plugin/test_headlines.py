"""The one line that says what went wrong: in a known-bad xfail's reason, and once in an unmatched call."""

from __future__ import annotations

import pytest

from .kit import APPROVAL_POLICY, DENY_APPROVAL, fixture_doc, make_project

pytest_plugins = ["pytester"]

UNMATCHED = 'unmatched tool call request_approval({"order_id":"A1","amount":5000})'


def test_known_bad_xfail_reason_is_the_check_and_the_step(pytester: pytest.Pytester) -> None:
    doc = fixture_doc(status="known-bad", stubs=DENY_APPROVAL)
    make_project(pytester, fixtures=[doc], policies=[APPROVAL_POLICY], guard=False)
    result = pytester.runpytest("--agenttrace", "-rx")
    result.assert_outcomes(xfailed=1)
    assert (
        "XFAIL fixtures/refund-no-approval.trace.json::refund-no-approval - known-bad: policy "
        'refund-needs-approval: steps[3] issue_refund(order_id="A1", amount=5000) ran without request_approval'
    ) in result.stdout.lines
    assert "1 check failed" not in result.stdout.str()


def test_an_unmatched_call_says_its_first_line_once(pytester: pytest.Pytester) -> None:
    make_project(pytester, fixtures=[fixture_doc()])  # the fixed agent asks for approval: nothing answers it
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    lines = result.stdout.lines
    start = lines.index(UNMATCHED)
    assert lines[start : start + 4] == [
        UNMATCHED,
        "agenttrace: fixture 'refund-no-approval' (regression, fixtures/refund-no-approval.trace.json)",
        "",
        "no recorded call matches, and the fixture's stubs have no answer for it",
    ]
    assert lines.count(UNMATCHED) == 1
