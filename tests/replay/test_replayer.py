"""The replay core without pytest: answers, copies, matchers, input rules, drift, decorators."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from pytest_agenttrace.model import ArgumentMatch, Fixture
from pytest_agenttrace.replay import RecordedToolError, Replayer, UnmatchedCall, agent_input, replay_tool
from pytest_agenttrace.replay.matching import argument_differences
from tests.plugin.kit import REQUEST, SYSTEM, fixture_doc


def replayer(**fields: Any) -> Replayer:
    return Replayer(Fixture.model_validate(fixture_doc(**fields)))


def test_model_answers_have_the_openai_chat_shape() -> None:
    r = replayer()
    first = r.answer_model([{"role": "user", "content": REQUEST}])
    assert first == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "lookup_order", "arguments": '{"order_id": "A1"}'},
            }
        ],
    }
    r.answer_model([])
    assert r.answer_model([]) == {
        "role": "assistant",
        "content": "Refunded $5000 for order A1.",
    }  # no tool_calls key


def test_answers_are_copies_the_agent_may_mutate() -> None:
    r = replayer()
    r.answer_tool("lookup_order", {"order_id": "A1"})["total"] = 0
    again = r.answer_tool("lookup_order", {"order_id": "A1"})  # a repeat gets the recorded answer again
    assert again["total"] == 5000
    assert r.run.steps[0].result["total"] == 5000


def test_matchers_tolerance_ignore_regex() -> None:
    assert argument_differences({"amount": 10.0}, {"amount": 10.004}, ArgumentMatch(tolerance=0.01)) == []
    assert argument_differences({"a": 1, "t": "x"}, {"a": 1, "t": "y"}, ArgumentMatch(ignore=["t"])) == []
    assert argument_differences({"id": "A1"}, {"id": "A77"}, ArgumentMatch(regex={"id": r"A\d+"})) == []
    assert argument_differences({"amount": 10}, {"amount": 11}, ArgumentMatch(tolerance=0.5)) == [
        "tolerance: amount = 11, recorded 10 (± 0.5)"
    ]


def test_matchers_from_expect_apply_to_replay_matching() -> None:
    expect = {"tools": {"subsequence": [{"name": "issue_refund", "match": {"tolerance": 1}}]}}
    r = replayer(expect=expect)
    assert r.answer_tool("issue_refund", {"order_id": "A1", "amount": 5000.5}) == {
        "refund_id": "R1",
        "status": "issued",
    }


def test_recorded_errors_and_unmatched_calls() -> None:
    doc = fixture_doc()
    doc["steps"][3].pop("result")
    doc["steps"][3]["error"] = {"type": "PaymentDown", "message": "gateway 503"}
    r = Replayer(Fixture.model_validate(doc))
    with pytest.raises(RecordedToolError, match="PaymentDown: gateway 503") as info:
        r.answer_tool("issue_refund", {"order_id": "A1", "amount": 5000})
    assert info.value.message == "gateway 503"
    with pytest.raises(UnmatchedCall):
        r.answer_tool("send_email", {"to": "x"})
    assert len(r.misses) == 1  # on_unmatched = fail: kept even if the agent swallows it
    r2 = replayer(stubs={"on_unmatched": "error"})
    with pytest.raises(UnmatchedCall):
        r2.answer_tool("send_email", {"to": "x"})
    assert r2.misses == []


@pytest.mark.parametrize(
    ("recorded", "mode", "expected"),
    [
        ("hello", "auto", "hello"),
        ([{"role": "system", "content": SYSTEM}, {"role": "user", "content": "hi"}], "auto", "hi"),
        ({"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}, "auto", "hi"),
        ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "auto", None),
        ({"order": "A1"}, "auto", {"order": "A1"}),
        ("hello", "messages", [{"role": "user", "content": "hello"}]),
    ],
)
def test_input_rules(recorded: Any, mode: Any, expected: Any) -> None:
    value = agent_input(recorded, mode)
    assert value == (recorded if expected is None else expected)


def test_drift_ignores_ids_and_json_spacing() -> None:
    r = replayer()
    r.answer_model([{"role": "system", "content": SYSTEM}, {"role": "user", "content": REQUEST}])
    sent = [
        {"role": "system", "content": [{"type": "text", "text": SYSTEM}]},
        {"role": "user", "content": REQUEST},
        r.run.steps[0].response.to_data(),
        {
            "role": "tool",
            "tool_call_id": "other",
            "content": '{"order_id":"A1","total":5000,"email":"customer@example.org"}',
        },
    ]
    r.answer_model(sent)
    assert r.drifts == []
    r.answer_model([{"role": "user", "content": "changed"}])
    assert r.drifts == []  # the third recorded step has no request messages: nothing to compare


def test_decorators_call_through_outside_a_replay_and_route_inside() -> None:
    @replay_tool
    def lookup_order(order_id: str) -> str:
        return "production"

    assert lookup_order("A1") == "production"
    r = replayer()
    with r.activate():
        assert lookup_order("A1")["total"] == 5000
    assert lookup_order("A1") == "production"


def test_replay_imports_neither_pytest_nor_the_store() -> None:
    code = (
        "import sys; import pytest_agenttrace.replay.replayer, pytest_agenttrace.replay.patching; "
        "print([m for m in ('pytest', 'pytest_agenttrace.store', 'pytest_agenttrace.importers') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_plain_stub_names_positional_arguments_from_the_recording() -> None:
    replayer = Replayer(Fixture.model_validate(fixture_doc()))
    replayer.tool_stub("lookup_order")("A1")
    replayer.tool_stub("issue_refund")("A1", amount=5000)
    with pytest.raises(UnmatchedCall):
        replayer.tool_stub("send_email")("a@example.org", "hi")  # never recorded: nothing to name them by
    assert [step.arguments for step in replayer.run.steps] == [
        {"order_id": "A1"},
        {"order_id": "A1", "amount": 5000},
        {"arg0": "a@example.org", "arg1": "hi"},
    ]
