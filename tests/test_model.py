"""The fixture format's models: what they accept, what they refuse, and what they write back."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pytest_agenttrace.model import (
    STEP_KINDS,
    Fixture,
    Message,
    ModelStep,
    Policy,
    ToolCall,
    ToolStep,
    compute_totals,
)
from tests.factories import refund_document, refund_steps


def test_every_step_kind_is_a_valid_step():
    extra = {
        "model": {},
        "tool": {"name": "lookup_order"},
        "approval": {"decision": "approved", "by": "ops@example.org"},
        "memory": {"operation": "write", "key": "k", "value": [1]},
        "retrieval": {"query": "q", "documents": ["d"]},
        "plan": {"content": "first look up the order"},
        "handoff": {"from_agent": "triage", "to_agent": "refunds"},
        "guardrail": {"triggered": True},
        "error": {"error": {"type": "Boom", "message": "boom"}},
    }
    steps = [{"kind": kind, "id": f"s{i}", **extra[kind]} for i, kind in enumerate(STEP_KINDS)]
    fixture = Fixture.model_validate({"id": "all-kinds", "steps": steps})
    assert [s.kind for s in fixture.steps] == list(STEP_KINDS)
    assert fixture.to_data()["steps"] == steps


def test_an_unknown_step_kind_names_the_valid_ones():
    with pytest.raises(ValidationError, match="does not match any of the expected tags: 'model', 'tool'"):
        Fixture.model_validate({"id": "x", "steps": [{"kind": "agent", "id": "a"}]})


def test_unknown_fields_are_refused_rather_than_dropped():
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Fixture.model_validate({"id": "x", "steps": [{"kind": "tool", "id": "a", "name": "t", "args": {}}]})


def test_a_recorded_null_result_differs_from_an_unrecorded_one():
    recorded = ToolStep(kind="tool", id="a", name="t", result=None)
    unrecorded = ToolStep(kind="tool", id="a", name="t")
    assert recorded.to_data() == {"kind": "tool", "id": "a", "name": "t", "result": None}
    assert unrecorded.to_data() == {"kind": "tool", "id": "a", "name": "t"}


def test_messages_keep_the_openai_chat_shape():
    message = Message.model_validate(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "function": {"name": "lookup_order", "arguments": '{"order_id": "1"}'}}
            ],
        }
    )
    assert message.to_data() == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "lookup_order", "arguments": '{"order_id": "1"}'},
            }
        ],
    }
    assert isinstance(message.tool_calls[0], ToolCall)


def test_tool_arguments_must_be_an_object():
    with pytest.raises(ValidationError, match="valid dictionary"):
        ToolStep.model_validate({"kind": "tool", "id": "a", "name": "t", "arguments": '{"a": 1}'})


def test_steps_must_have_unique_ids_and_earlier_parents():
    steps = refund_steps()
    duplicate = [*steps, {**steps[1], "id": "a1"}]
    with pytest.raises(ValidationError, match=r"steps\[4\]\.id: duplicate step id 'a1'"):
        Fixture.model_validate({"id": "x", "steps": duplicate})
    forward = [{**steps[0], "parent": "a2"}, *steps[1:]]
    with pytest.raises(ValidationError, match=r"steps\[0\]\.parent: 'a2' is not the id of an earlier step"):
        Fixture.model_validate({"id": "x", "steps": forward})


@pytest.mark.parametrize("bad_id", ["", "has space", "../escape", "-leading", "x" * 201])
def test_fixture_ids_are_slugs(bad_id):
    with pytest.raises(ValidationError):
        Fixture.model_validate({"id": bad_id})


def test_status_is_one_of_three():
    with pytest.raises(ValidationError, match="'regression', 'golden' or 'known-bad'"):
        Fixture.model_validate({"id": "x", "status": "flaky"})


def test_totals_sum_what_was_recorded():
    fixture = Fixture.model_validate(refund_document())
    totals = compute_totals(fixture.steps)
    assert (totals.steps, totals.model_calls, totals.tool_calls, totals.errors) == (4, 2, 2, 1)
    assert (totals.input_tokens, totals.output_tokens, totals.total_tokens) == (320, 45, 365)
    assert totals.duration_ms == pytest.approx(912.0)
    assert totals.cost is None  # nothing recorded a cost: absent, not zero


def test_totals_leave_unrecorded_figures_absent():
    totals = compute_totals([ModelStep(kind="model", id="m")])
    assert totals.to_data() == {"steps": 1, "model_calls": 1, "tool_calls": 0, "errors": 0}


def test_a_policy_must_have_an_effect():
    with pytest.raises(ValidationError, match="needs `requires`, `then` or `forbid: true`"):
        Policy.model_validate({"id": "p", "tool": "issue_refund"})
    policy = Policy.model_validate(
        {
            "id": "refund-needs-approval",
            "tool": "issue_refund",
            "when": {"type": "object", "properties": {"amount": {"exclusiveMinimum": 100}}},
            "requires": {"tool": "request_approval", "result": {"properties": {"approved": {"const": True}}}},
        }
    )
    assert policy.requires is not None
    assert policy.requires.tool == "request_approval"


def test_models_are_frozen():
    fixture = Fixture.model_validate(refund_document())
    with pytest.raises(ValidationError, match="frozen"):
        fixture.status = "golden"  # type: ignore[misc]
