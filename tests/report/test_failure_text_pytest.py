"""The failure text of real ``pytest --agenttrace`` runs: first line, summary line, timeline, diffs, -v.

Each test runs pytest (``pytester``) on a project with the refund agent of ``tests/plugin/kit.py`` and
its fixture files, and asserts the text a person reads in the CI log.
"""

from __future__ import annotations

import json

import pytest

from tests.plugin.kit import APPROVAL_POLICY, DENY_APPROVAL, SYSTEM, fixture_doc, make_project

APPROVE = {"tools": {"request_approval": [{"result": {"approved": True}}]}}


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest cuts the short summary line at the terminal width; CI logs are wider than 80 columns."""
    monkeypatch.setenv("COLUMNS", "240")


def test_first_line_and_short_summary_name_the_check_the_step_and_the_call(pytester: pytest.Pytester) -> None:
    make_project(
        pytester, fixtures=[fixture_doc(stubs=DENY_APPROVAL)], policies=[APPROVAL_POLICY], guard=False
    )
    result = pytester.runpytest("--agenttrace", "-rf")
    result.assert_outcomes(failed=1)
    line = 'policy refund-needs-approval: steps[3] issue_refund(order_id="A1", amount=5000) ran without request_approval'
    lines = result.stdout.lines
    banner = next(i for i, text in enumerate(lines) if "agenttrace replay: refund-no-approval" in text)
    assert lines[banner + 1] == line
    assert lines[banner + 2] == (
        "agenttrace: fixture 'refund-no-approval' (regression, fixtures/refund-no-approval.trace.json)"
    )
    assert f"FAILED fixtures/refund-no-approval.trace.json::refund-no-approval - Failed: {line}" in lines


def test_several_failing_checks_are_all_reported_and_named_on_the_first_line(
    pytester: pytest.Pytester,
) -> None:
    doc = fixture_doc(
        stubs=DENY_APPROVAL,
        expect={"tools": {"forbidden": ["lookup_order"]}, "budgets": {"max_tool_calls": 1}},
    )
    make_project(pytester, fixtures=[doc], policies=[APPROVAL_POLICY], guard=False)
    result = pytester.runpytest("--agenttrace", "-rf")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            # a broken policy leads the line: the business rule, of which a changed path is the consequence
            "FAILED *::refund-no-approval - Failed: policy refund-needs-approval: steps[[]3[]] "
            'issue_refund(order_id="A1", amount=5000) ran without request_approval '
            "(+2 more: tools.forbidden, budgets.max_tool_calls)",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "3 checks failed for fixture 'refund-no-approval' (regression)",
            "[[]1[]] tools.forbidden · step 1 (tool lookup_order)",
            "*",
            "[[]2[]] policy:refund-needs-approval · step 3 (tool issue_refund)",
            "*",
            "*",
            "*",
            "[[]3[]] budgets.max_tool_calls",
            "    tool calls: 2, limit 1",
        ]
    )


def test_timeline_rows_show_index_kind_and_tool_or_model_name_with_the_divergence_marked(
    pytester: pytest.Pytester,
) -> None:
    # the fixed agent asks for approval (denied) where the recording refunded: a golden fixture fails
    make_project(pytester, fixtures=[fixture_doc(status="golden", stubs=DENY_APPROVAL)])
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "timeline:",
            "    actual run * │ recording",
            '      0 model  gpt-4o-mini → lookup_order(order_id="A1") * │   0 model  gpt-4o-mini → lookup_order(*',
            '      1 tool   lookup_order(order_id="A1") → {"order_id": "A1* │   1 tool   lookup_order(order_id="A1")*',
            "      2 model  gpt-4o-mini → issue_refund(*│   2 model  gpt-4o-mini → issue_refund(*",
            '>✗    3 tool   request_approval(order_id="A1", amount=5000) * │   3 tool   issue_refund(order_id="A1", *',
            "first divergence: actual step 3 vs recorded step 3",
        ]
    )


def test_one_inserted_call_is_one_insertion_in_the_diff_with_step_paths(pytester: pytest.Pytester) -> None:
    # approved: the fixed agent makes one more call (request_approval) and then the recorded refund
    make_project(pytester, fixtures=[fixture_doc(status="golden", stubs=APPROVE)])
    result = pytester.runpytest("--agenttrace", "-v")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "    diff (expected → actual):",
            '      steps[3]: unexpected, got request_approval(order_id="A1", amount=5000)',
        ]
    )
    text = result.stdout.str()
    diff = text[text.index("diff (expected → actual):") : text.index("timeline:")]
    assert diff.count("\n      ") == 1, diff  # nothing about the refund that merely moved to steps[4]
    assert "[1].name" not in text
    assert "[2]" not in diff


def test_verbose_shows_the_whole_policy_schema_and_budgets_name_no_step(pytester: pytest.Pytester) -> None:
    doc = fixture_doc(stubs=DENY_APPROVAL, expect={"budgets": {"max_steps": 3}})
    make_project(pytester, fixtures=[doc], policies=[APPROVAL_POLICY], guard=False)
    when = json.dumps(APPROVAL_POLICY["when"], separators=(", ", ": "))
    short = pytester.runpytest("--agenttrace")
    short.assert_outcomes(failed=1)
    assert f"applies when the arguments match {when}" not in short.stdout.str()
    short.stdout.fnmatch_lines(['    applies when the arguments match {"type": "object"*… (-v: all of it)'])
    verbose = pytester.runpytest("--agenttrace", "-v")
    verbose.assert_outcomes(failed=1)
    verbose.stdout.fnmatch_lines([f"    applies when the arguments match {when}"])
    verbose.stdout.fnmatch_lines(['    actual: {"order_id": "A1", "amount": 5000}'])
    # the step budget is about the whole run: the figure and the limit, no step to blame
    verbose.stdout.fnmatch_lines(["[[]2[]] budgets.max_steps", "    steps: 5, limit 3"])
    assert "budgets.max_steps · step" not in verbose.stdout.str()


def test_an_unmatched_call_the_agent_caught_says_so_and_shows_the_timeline(pytester: pytest.Pytester) -> None:
    make_project(pytester, fixtures=[fixture_doc()])  # nothing answers request_approval
    agent = pytester.path / "agent.py"
    source = agent.read_text()
    call = 'approval = request_approval(order_id=args["order_id"], amount=args["amount"])'
    assert call in source
    agent.write_text(
        source.replace(
            call, f"try:\n            {call}\n        except LookupError:\n            approval = {{}}"
        )
    )
    result = pytester.runpytest("--agenttrace", "-rf")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "FAILED *::refund-no-approval - Failed: unmatched tool call request_approval("
            '{"order_id":"A1","amount":5000})',
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "checks not run: the agent caught the unmatched call (steps[3]) and went on to its output "
            "(1 more step), so what it did after it was not the recorded run",
            "timeline:",
            "*│ recording",
            '>✗    3 tool   request_approval(order_id="A1"* ✗ UnmatchedCall │   3 tool   issue_refund(*',
            '      4 model  gpt-4o-mini → "Refunded $5000 for order A1."*',
        ]
    )
    assert "the replay stopped" not in result.stdout.str()


ASSERTS = """
import pytest

import agent


@pytest.mark.agenttrace(check=False)
def test_step_compare(agenttrace_replay):
    agent.call_model = agenttrace_replay.model
    for name, stub in agenttrace_replay.tools().items():
        setattr(agent, name, stub)
    agent.handle(agenttrace_replay.input)
    step = agenttrace_replay.run.steps[3]
    expected = step.model_copy(update={"arguments": {"order_id": "A1", "amount": 100}})
    assert step == expected


@pytest.mark.agenttrace(check=False)
def test_steps_compare(agenttrace_replay):
    agent.call_model = agenttrace_replay.model
    for name, stub in agenttrace_replay.tools().items():
        setattr(agent, name, stub)
    agent.handle(agenttrace_replay.input)
    tools = [s for s in agenttrace_replay.run.steps if s.kind == "tool"]
    assert tools == tools[:1]


def test_plain_dicts():
    assert {"order_id": "A1", "amount": 5000} == {"order_id": "A1", "amount": 100}
"""


def test_assert_on_trace_values_gives_a_structural_diff_and_plain_dicts_stay_pytests(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, fixtures=[fixture_doc(stubs=DENY_APPROVAL)], zero_code=False, guard=False)
    pytester.makepyfile(test_asserts=ASSERTS)
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            "E       assert ToolStep == ToolStep: trace values differ (expected = right, got = left):",
            "E         arguments.amount: expected 100, got 5000",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E       assert 2 ToolStep values == 1 ToolStep values: trace values differ*",
            'E         steps[[]1[]]: unexpected, got tool issue_refund(order_id="A1", amount=5000)',
        ]
    )
    plain = result.stdout.str()
    plain = plain[plain.index("def test_plain_dicts") : plain.index("short test summary")]
    assert "trace values differ" not in plain
    assert "Differing items:" in plain  # pytest's own dict comparison


LONG = (
    "You are the support agent of Example Outdoor Gear. Be brief, friendly and precise; never promise "
    "delivery dates. Refunds over $100 need approval."
)
SPECS = [
    {"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
    for n in ("lookup_order", "issue_refund", "request_approval", "send_email")
]


def test_drift_shows_a_change_past_the_cut_and_the_tools_offered(pytester: pytest.Pytester) -> None:
    doc = fixture_doc(stubs=DENY_APPROVAL)
    for step in doc["steps"]:
        if step["kind"] == "model":
            step["tools"] = SPECS
            for message in step.get("messages", ()):
                if message["role"] == "system":
                    message["content"] = LONG
    make_project(pytester, fixtures=[doc])
    agent = pytester.path / "agent.py"
    source = agent.read_text()
    changed = LONG.replace("over $100", "over $500")
    source = source.replace(f"SYSTEM = {SYSTEM!r}", f"SYSTEM = {changed!r}")
    source = source.replace('"send_email")', '"send_email", "cancel_order")')
    agent.write_text(source)
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*model call #1 (recorded step 'm1'): the request differs",
            "*- [[]0[]] system: …*Refunds over $100 need approval.",
            "*+ [[]0[]] system: …*Refunds over $500 need approval.",
            "*+ tool offered now, not in the recording: cancel_order",
        ]
    )
