"""Zero-code replay: ``[tool.agenttrace]`` names the entrypoint, the model and the tools; nothing else."""

from __future__ import annotations

import pytest

from .kit import APPROVAL_POLICY, DENY_APPROVAL, fixture_doc, make_project


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_the_fixed_agent_passes_and_the_buggy_one_fails(pytester: pytest.Pytester, is_async: bool) -> None:
    make_project(
        pytester, fixtures=[fixture_doc(stubs=DENY_APPROVAL)], policies=[APPROVAL_POLICY], is_async=is_async
    )
    result = pytester.runpytest("--agenttrace", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*fixtures/refund-no-approval.trace.json::refund-no-approval PASSED*"])

    make_project(
        pytester,
        fixtures=[fixture_doc(stubs=DENY_APPROVAL)],
        policies=[APPROVAL_POLICY],
        guard=False,
        is_async=is_async,
    )
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*agenttrace: fixture 'refund-no-approval' (regression, fixtures/refund-no-approval.trace.json)*",
            "*refund-needs-approval*",
        ]
    )
