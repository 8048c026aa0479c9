"""``expect.fuzz`` under ``pytest --agenttrace``: the replay answers the fuzzed tool with generated results.

The agent takes the refund amount from the order it looked up (not from the model's arguments), so the
recorded $50 run is fine and only an order over $100 shows the bug: the buggy agent refunds it without
approval. Hypothesis has to find such a total, shrink it to the smallest one (101), and print it with the
seed; the same seed on the command line gives the same example; the fixed agent passes every example.
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from typing import Any

import pytest

from .kit import APPROVAL_POLICY, write_fixture

AGENT = """
import json

GUARD = {guard}


def call_model(messages, tools=None):
    raise RuntimeError("the real model is not reachable from tests")


def lookup_order(order_id):
    raise RuntimeError("production database")


def issue_refund(order_id, amount):
    raise RuntimeError("production payments")


def request_approval(order_id, amount):
    raise RuntimeError("production approvals")


def handle(request):
    messages = [{{"role": "user", "content": request}}]
    order = None
    for _ in range(10):
        reply = call_model(messages)
        messages.append(reply)
        if not reply.get("tool_calls"):
            return reply["content"]
        for call in reply["tool_calls"]:
            name = call["function"]["name"]
            args = json.loads(call["function"]["arguments"])
            if name == "lookup_order":
                result = order = lookup_order(**args)
            elif name == "issue_refund":
                amount = order["total"]  # the amount is the order's, whatever the model said
                result = {{"error": "refund needs approval"}}
                if not GUARD or amount <= 100 or request_approval(order_id=args["order_id"], amount=amount)["approved"]:
                    result = issue_refund(order_id=args["order_id"], amount=amount)
            messages.append({{"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)}})
    return "gave up"
"""


def _call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def small_refund(**fuzz: Any) -> dict[str, Any]:
    """A recorded $50 refund: lookup, refund (no approval needed), reply; the lookup fuzzed."""
    return {
        "schema": {"name": "pytest-agenttrace/fixture", "version": "1.0"},
        "id": "small-refund",
        "status": "regression",
        "input": "Refund order A1",
        "steps": [
            {
                "kind": "model",
                "id": "m1",
                "response": {
                    "role": "assistant",
                    "tool_calls": [_call("c1", "lookup_order", {"order_id": "A1"})],
                },
            },
            {
                "kind": "tool",
                "id": "t1",
                "name": "lookup_order",
                "arguments": {"order_id": "A1"},
                "result": {"order_id": "A1", "total": 50},
            },
            {
                "kind": "model",
                "id": "m2",
                "response": {
                    "role": "assistant",
                    "tool_calls": [_call("c2", "issue_refund", {"order_id": "A1", "amount": 50})],
                },
            },
            {
                "kind": "tool",
                "id": "t2",
                "name": "issue_refund",
                "arguments": {"order_id": "A1", "amount": 50},
                "result": {"status": "issued"},
            },
            {"kind": "model", "id": "m3", "response": {"role": "assistant", "content": "Refunded."}},
        ],
        "output": "Refunded.",
        # amounts other than the recorded 50, and approvals, are not in the recording
        "stubs": {
            "tools": {
                "issue_refund": [{"result": {"status": "issued"}}],
                "request_approval": [{"result": {"approved": True}}],
            }
        },
        "expect": {"fuzz": {"tools": {"lookup_order": {}}, "examples": 100, **fuzz}},
    }


def project(pytester: pytest.Pytester, fixture: dict[str, Any], *, guard: bool) -> None:
    (pytester.path / "agent.py").write_text(textwrap.dedent(AGENT.format(guard=guard)))
    write_fixture(pytester.path / "fixtures", fixture)
    (pytester.path / "policies.json").write_text(json.dumps({"policies": [APPROVAL_POLICY]}))
    tools = "\n".join(f'{n} = "agent:{n}"' for n in ("lookup_order", "issue_refund", "request_approval"))
    (pytester.path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\npythonpath = ["."]\n\n[tool.agenttrace]\nentrypoint = "agent:handle"\n'
        f'model = "agent:call_model"\npolicies = "policies.json"\n[tool.agenttrace.tools]\n{tools}\n'
    )


SHRUNK = 'steps[1] lookup_order → {"order_id": "A1", "total": 101} (recorded {"order_id": "A1", "total": 50})'


def _example_and_seed(text: str) -> tuple[str, str]:
    example = next(line.strip() for line in text.splitlines() if "steps[1] lookup_order →" in line)
    seed = re.search(r"--agenttrace-fuzz-seed=(\d+)", text)
    assert seed is not None, text
    return example, seed.group(1)


def test_fuzz_finds_shrinks_and_reproduces_the_bug(pytester: pytest.Pytester) -> None:
    project(pytester, small_refund(), guard=False)
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    first = text.split("agenttrace replay: small-refund", 1)[-1].splitlines()[1]
    assert first.startswith("fuzz: "), first  # the failure's first line says it took a variation
    assert "[1] fuzz" in text
    assert "an invariant fails on a variation of the recorded tool results (seed " in text
    assert SHRUNK in text
    assert "policy:refund-needs-approval" in text
    assert 'issue_refund at step 3 with {"order_id": "A1", "amount": 101}' in text
    example, seed = _example_and_seed(text)
    assert f"reproduce with seed {seed}: pytest --agenttrace --agenttrace-fuzz-seed={seed}" in text

    # the printed seed on the command line gives the same shrunk example, whatever the fixture says
    project(pytester, small_refund(seed=999_999), guard=False)
    again = pytester.runpytest("--agenttrace", f"--agenttrace-fuzz-seed={seed}")
    again.assert_outcomes(failed=1)
    assert _example_and_seed(again.stdout.str()) == (example, seed)
    # the fixture's own seed is used without the option
    own = pytester.runpytest("--agenttrace")
    assert "--agenttrace-fuzz-seed=999999" in own.stdout.str()


def test_fixed_agent_passes_every_example(pytester: pytest.Pytester) -> None:
    project(pytester, small_refund(), guard=True)
    pytester.runpytest("--agenttrace").assert_outcomes(passed=1)
    # without the fuzz block the buggy agent passes: the recorded $50 breaks nothing
    plain = small_refund()
    del plain["expect"]
    project(pytester, plain, guard=False)
    pytester.runpytest("--agenttrace").assert_outcomes(passed=1)


def test_injected_errors_reach_the_agent(pytester: pytest.Pytester) -> None:
    # the agent does not handle a failing lookup: an injected error propagates (no invariant to judge),
    # but an empty result makes it crash on its own (KeyError): a failure
    project(pytester, small_refund(empty=True, errors=True, timeouts=True, seed=3), guard=True)
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*steps[[]1[]] lookup_order → {} (recorded*",
            "*[[]2[]] fuzz.error",
            "*the agent raised KeyError: 'total'",
        ]
    )


def test_bad_seed_is_a_usage_error(pytester: pytest.Pytester) -> None:
    project(pytester, small_refund(), guard=True)
    result = pytester.runpytest("--agenttrace", "--agenttrace-fuzz-seed=abc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--agenttrace-fuzz-seed: invalid value 'abc'; valid values: an integer*"])


def test_reordered_parallel_tool_calls(pytester: pytest.Pytester) -> None:
    # the model asked for the approval and the refund in one response; the agent runs them in the order
    # given, so the other order the model may well send refunds before the approval
    from .kit import REQUEST, SYSTEM, fixture_doc, make_project

    first = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": REQUEST}]
    both = [
        _call("c2", "request_approval", {"order_id": "A1", "amount": 5000}),
        _call("c3", "issue_refund", {"order_id": "A1", "amount": 5000}),
    ]
    steps = [
        {
            "kind": "model",
            "id": "m1",
            "messages": first,
            "response": {"role": "assistant", "tool_calls": both},
        },
        {
            "kind": "tool",
            "id": "t1",
            "name": "request_approval",
            "arguments": {"order_id": "A1", "amount": 5000},
            "result": {"approved": True},
        },
        {
            "kind": "tool",
            "id": "t2",
            "name": "issue_refund",
            "arguments": {"order_id": "A1", "amount": 5000},
            "result": {"status": "issued"},
        },
        {"kind": "model", "id": "m2", "response": {"role": "assistant", "content": "Refunded."}},
    ]
    doc = fixture_doc("parallel", steps=steps, expect={"fuzz": {"tools": {}, "reorder": True, "seed": 1}})
    make_project(pytester, fixtures=[doc], policies=[APPROVAL_POLICY], guard=False, extra='drift = "off"')
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*steps[[]0[]] model: tool calls reordered to [[]1, 0[]]",
            "*reproduce with seed 1: pytest --agenttrace --agenttrace-fuzz-seed=1*",
            "*policy:refund-needs-approval*",
        ]
    )


def test_the_html_page_of_a_fuzz_failure_shows_the_shrunk_run(pytester: pytest.Pytester) -> None:
    """The page is of the run the failure was found in (the shrunk example), not of the plain replay."""
    project(pytester, small_refund(), guard=False)
    result = pytester.runpytest("--agenttrace", "--agenttrace-html=report")
    result.assert_outcomes(failed=1)
    (page,) = (pytester.path / "report").glob("*.html")
    text = html.unescape(page.read_text(encoding="utf-8"))
    # the tool path table: recorded refund of 50 beside the shrunk run's refund of the generated total
    row = '<td>issue_refund(order_id="A1", amount=50)</td><td>issue_refund(order_id="A1", amount=101)</td>'
    assert row in text
