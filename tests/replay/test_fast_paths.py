"""The replay's shortcuts give exactly what the slow paths give: models built without ``model_construct``,
drift settled without message keys, and sent messages reused only while unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_agenttrace.model import ErrorInfo, Fixture, FunctionCall, Message, ModelStep, ToolCall, ToolStep
from pytest_agenttrace.replay import Replayer
from pytest_agenttrace.replay._construct import construct
from pytest_agenttrace.replay.drift import message_key, request_drift


@pytest.mark.parametrize(
    ("cls", "fields"),
    [
        (Message, {"role": "user", "content": "hi"}),
        (FunctionCall, {"name": "f", "arguments": "{}"}),
        (ErrorInfo, {"type": "X", "message": "boom"}),
        (ModelStep, {"kind": "model", "id": "a", "messages": []}),
        (ToolStep, {"kind": "tool", "id": "t", "name": "x", "arguments": {"a": 1}, "result": [1]}),
    ],
)
def test_construct_is_model_construct(cls: Any, fields: dict[str, Any]) -> None:
    fast, slow = construct(cls, **fields), cls.model_construct(**fields)
    assert type(fast) is type(slow)
    assert fast.__dict__ == slow.__dict__
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.to_data() == slow.to_data()


def _recorded(content: str) -> list[Message]:
    call = ToolCall(id="c1", function=FunctionCall(name="f", arguments='{"a": 1}'))
    return [
        Message(role="user", content=content),
        Message(role="assistant", content=None, tool_calls=[call]),
        Message(role="tool", tool_call_id="c1", content='{"ok": true}'),
    ]


def _sent(content: str, arguments: str = '{"a": 1}') -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": content},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "x", "type": "function", "function": {"name": "f", "arguments": arguments}}
            ],
        },
        {"role": "tool", "tool_call_id": "x", "content": '{"ok":true}'},
    ]


@pytest.mark.parametrize(
    "sent",
    [
        _sent("hello"),
        _sent("hello!"),
        _sent("hello", '{"a":1}'),
        _sent("hello", '{"a": 2}'),
        _sent("hello")[:2],
    ],
)
def test_drift_shortcut_agrees_with_the_keys(sent: list[dict[str, Any]]) -> None:
    recorded = _recorded("hello")
    keys_equal = [message_key(m) for m in recorded] == [message_key(m) for m in sent]
    assert (request_drift(recorded, sent) == []) == keys_equal


def test_a_message_edited_in_place_is_recorded_as_sent() -> None:
    fixture = Fixture.model_validate(
        {
            "schema": {"name": "pytest-agenttrace/fixture", "version": "1.0"},
            "id": "x",
            "status": "regression",
            "steps": [
                {"kind": "model", "id": "m1", "response": {"role": "assistant", "content": "a"}},
                {"kind": "model", "id": "m2", "response": {"role": "assistant", "content": "b"}},
            ],
        }
    )
    replayer = Replayer(fixture)
    messages: list[dict[str, Any]] = [{"role": "user", "content": "first"}]
    replayer.answer_model(messages)
    messages[0]["content"] = "edited"
    replayer.answer_model(messages)
    first, second = (step.messages[0].content for step in replayer.run.steps)  # type: ignore[union-attr]
    assert (first, second) == ("first", "edited")
