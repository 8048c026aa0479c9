"""A plain explicit stub called with positional arguments records them under the recorded names."""

from __future__ import annotations

import pytest

from .kit import APPROVAL_POLICY, REQUEST, SYSTEM, fixture_doc, make_project

pytest_plugins = ["pytester"]

TEST = """
import json

import pytest

SYSTEM = __SYSTEM__
REQUEST = __REQUEST__


def handle(model, tools):
    # the buggy agent: it refunds without asking, and calls its tools positionally
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": REQUEST}]
    for _ in range(10):
        reply = model(messages)
        messages.append(reply)
        if not reply.get("tool_calls"):
            return reply["content"]
        for call in reply["tool_calls"]:
            arguments = json.loads(call["function"]["arguments"])
            result = tools[call["function"]["name"]](*arguments.values())
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)})


@pytest.mark.agenttrace(fixtures="fixtures/*.trace.json")
def test_replay(agenttrace_replay):
    tools = {name: __STUB__ for name in ("lookup_order", "issue_refund")}
    agenttrace_replay.output = handle(agenttrace_replay.model, tools)
    assert [step.arguments for step in agenttrace_replay.run.steps if step.kind == "tool"] == [
        {"order_id": "A1"},
        {"order_id": "A1", "amount": 5000},
    ]
"""


@pytest.mark.parametrize(
    "stub", ["agenttrace_replay.tool(name)", "agenttrace_replay.replayer.tool_stub(name)"]
)
def test_positional_arguments_of_a_plain_stub_meet_the_policy(pytester: pytest.Pytester, stub: str) -> None:
    make_project(pytester, fixtures=[fixture_doc()], zero_code=False, policies=[APPROVAL_POLICY])
    source = TEST.replace("__SYSTEM__", repr(SYSTEM)).replace("__REQUEST__", repr(REQUEST))
    pytester.makepyfile(test_agent=source.replace("__STUB__", stub))
    result = pytester.runpytest_subprocess("--agenttrace", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert (
        'policy refund-needs-approval: steps[3] issue_refund(order_id="A1", amount=5000) ran without '
        "request_approval"
    ) in result.stdout.lines
    assert "arg0" not in result.stdout.str()
