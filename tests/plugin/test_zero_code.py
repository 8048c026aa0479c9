"""Zero-code replay: ``[tool.agenttrace]`` names the entrypoint, the model and the tools; nothing else."""

from __future__ import annotations

import pytest

from .kit import APPROVAL_POLICY, DENY_APPROVAL, fixture_doc, make_project, refund_steps


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


def test_decorated_functions_are_routed_without_any_patch(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        fixtures=[fixture_doc(stubs=DENY_APPROVAL)],
        policies=[APPROVAL_POLICY],
        decorated=True,
        patch=False,
    )
    pytester.runpytest("--agenttrace").assert_outcomes(passed=1)
    make_project(
        pytester,
        fixtures=[fixture_doc(stubs=DENY_APPROVAL)],
        policies=[APPROVAL_POLICY],
        decorated=True,
        patch=False,
        is_async=True,
    )
    pytester.runpytest("--agenttrace").assert_outcomes(passed=1)


def test_an_unmatched_call_fails_naming_the_call_and_the_closest_recorded_ones(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, fixtures=[fixture_doc()])  # the fixed agent asks for approval: nothing answers it
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '*unmatched tool call request_approval({"order_id":"A1","amount":5000})*',
            "*closest recorded calls (and the matcher that failed on each):*",
            "*steps[[]3[]] issue_refund(*): name: recorded 'issue_refund'*",
            '*answer it under "stubs"*',
            "checks not run: the agent stopped at the unmatched call (steps[3]): UnmatchedCall propagated out of it",
            "timeline:",
            "*│ recording",
            '>✗    3 tool   request_approval(order_id="A1"* ✗ UnmatchedCall │   3 tool   issue_refund(*',
            "first divergence: actual step 3 vs recorded step 3",
        ]
    )


def test_on_unmatched_error_raises_in_the_agent_which_may_handle_it(pytester: pytest.Pytester) -> None:
    make_project(
        pytester, fixtures=[fixture_doc(stubs={"on_unmatched": "error"})], policies=[APPROVAL_POLICY]
    )
    # run_tool catches the error from request_approval? No: request_approval is called outside the try
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*UnmatchedCall: unmatched tool call request_approval*"])


def test_stubs_with_when_choose_the_answer_by_the_arguments(pytester: pytest.Pytester) -> None:
    stubs = {
        "tools": {
            "request_approval": [
                {"when": {"properties": {"amount": {"maximum": 1000}}}, "result": {"approved": True}},
                {"result": {"approved": False}},
            ]
        }
    }
    make_project(
        pytester, fixtures=[fixture_doc(stubs=stubs, expect={"tools": {"forbidden": ["issue_refund"]}})]
    )
    pytester.runpytest("--agenttrace").assert_outcomes(passed=1)
    small = fixture_doc(stubs=stubs, expect={"tools": {"forbidden": ["issue_refund"]}})
    small["steps"] = refund_steps(amount=500)
    make_project(pytester, fixtures=[small])
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*issue_refund*forbidden*"])


def test_a_recorded_tool_error_is_raised_as_recorded_tool_error(pytester: pytest.Pytester) -> None:
    steps = refund_steps(amount=50)
    steps[3] = {
        **{k: v for k, v in steps[3].items() if k != "result"},
        "error": {"type": "PaymentDown", "message": "gateway 503"},
    }
    pytester.makepyfile(
        probe="""
        import agent
        seen = []
        original = agent.run_tool
        def run_tool(name, args):
            try:
                return agent.globals_tool(name)(**args)
            except Exception as exc:
                seen.append(exc)
                return {"error": str(exc)}
        """
    )
    make_project(
        pytester, fixtures=[fixture_doc(steps=steps, expect={"output": {"must_contain": ["Refunded"]}})]
    )
    agent = pytester.path / "agent.py"
    agent.write_text(
        agent.read_text().replace(
            'return {"error": str(exc)}',
            "from pytest_agenttrace import RecordedToolError\n"
            '        assert isinstance(exc, RecordedToolError) and exc.error_type == "PaymentDown", exc\n'
            '        return {"error": str(exc)}',
        )
    )
    pytester.runpytest("--agenttrace").assert_outcomes(passed=1)


def test_a_fixture_that_does_not_load_is_one_failing_test(pytester: pytest.Pytester) -> None:
    broken = fixture_doc("broken")
    make_project(pytester, fixtures=[fixture_doc(stubs=DENY_APPROVAL), broken])
    path = pytester.path / "fixtures" / "broken.trace.json"
    path.write_text(
        path.read_text().replace('"name": "lookup_order",\n      "call_id"', '"name": 7,\n      "call_id"')
    )
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*cannot load the fixture: *broken.trace.json: steps[[]1[]].name: *"])


def test_input_is_the_new_user_turn_or_the_messages(pytester: pytest.Pytester) -> None:
    make_project(pytester, fixtures=[fixture_doc(stubs=DENY_APPROVAL)], extra='input = "messages"')
    agent = pytester.path / "agent.py"
    agent.write_text(
        agent.read_text().replace(
            "def handle(request):",
            "def handle(request):\n    assert isinstance(request, list), request\n    request = request[-1]['content']",
        )
    )
    pytester.runpytest("--agenttrace").assert_outcomes(passed=1)
