"""The Anthropic SDK replays through the HTTP transport: Messages API with tool use, sync, async, streams."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import pytest

from pytest_agenttrace import adapters
from pytest_agenttrace.adapters import AdapterError
from pytest_agenttrace.adapters import anthropic as replay_anthropic
from pytest_agenttrace.model import Fixture, FunctionCall, Message, ModelStep, ToolCall
from pytest_agenttrace.replay import Replayer, UnmatchedCall

from ._agent import (
    EXPECTED_CALLS,
    FINAL,
    LOOKUP_SCHEMA,
    QUESTION,
    REFUND_SCHEMA,
    SYSTEM,
    actual_tool_calls,
    model_steps,
    recorded_tool_calls,
    refund_fixture,
)

TOOLS = [
    {"name": "lookup_order", "description": "Find an order.", "input_schema": LOOKUP_SCHEMA},
    {"name": "issue_refund", "description": "Refund an order.", "input_schema": REFUND_SCHEMA},
]


def claude_agent(
    client: Any,
    replayer: Replayer,
    *,
    stream: bool = False,
    tools: list[dict[str, Any]] = TOOLS,
    system: str = SYSTEM,
    question: str = QUESTION,
) -> str:
    """The tool-use loop from Anthropic's documentation: tool_use blocks in, tool_result blocks out."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": question}]
    while True:
        if stream:
            with client.messages.stream(
                model="claude-opus-4-7", max_tokens=1024, system=system, messages=messages, tools=tools
            ) as events:
                for _ in events:
                    pass
                message = events.get_final_message()
        else:
            message = client.messages.create(
                model="claude-opus-4-7", max_tokens=1024, system=system, messages=messages, tools=tools
            )
        messages.append(
            {
                "role": "assistant",
                "content": [
                    block.model_dump(exclude_none=True, exclude={"parsed_output"})
                    for block in message.content
                ],
            }
        )
        uses = [block for block in message.content if block.type == "tool_use"]
        if message.stop_reason != "tool_use":
            return "".join(block.text for block in message.content if block.type == "text")
        results = []
        for use in uses:
            result = replayer.answer_tool(use.name, use.input)
            results.append({"type": "tool_result", "tool_use_id": use.id, "content": json.dumps(result)})
        messages.append({"role": "user", "content": results})


async def async_claude_agent(client: Any, replayer: Replayer, *, stream: bool) -> str:
    messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    while True:
        if stream:
            async with client.messages.stream(
                model="claude-opus-4-7", max_tokens=1024, system=SYSTEM, messages=messages, tools=TOOLS
            ) as events:
                kinds = [event.type async for event in events]
                message = await events.get_final_message()
            assert "input_json" in kinds or "text" in kinds
        else:
            message = await client.messages.create(
                model="claude-opus-4-7", max_tokens=1024, system=SYSTEM, messages=messages, tools=TOOLS
            )
        messages.append(
            {
                "role": "assistant",
                "content": [
                    block.model_dump(exclude_none=True, exclude={"parsed_output"})
                    for block in message.content
                ],
            }
        )
        uses = [block for block in message.content if block.type == "tool_use"]
        if not uses:
            return "".join(block.text for block in message.content if block.type == "text")
        messages.append(
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": u.id,
                        "content": json.dumps(replayer.answer_tool(u.name, u.input)),
                    }
                    for u in uses
                ],
            }
        )


@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
def test_messages_api_sync(stream: bool) -> None:
    replayer = Replayer(refund_fixture())
    assert claude_agent(replay_anthropic.client(replayer), replayer, stream=stream) == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS
    assert replayer.misses == []


@pytest.mark.asyncio
@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
async def test_messages_api_async(stream: bool) -> None:
    replayer = Replayer(refund_fixture())
    assert await async_claude_agent(replay_anthropic.async_client(replayer), replayer, stream=stream) == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS


def test_requests_are_recorded_in_the_chat_shape() -> None:
    replayer = Replayer(refund_fixture())
    claude_agent(replay_anthropic.client(replayer), replayer)
    second = model_steps(replayer)[1]
    assert second.model == "claude-opus-4-7"
    assert second.parameters == {"max_tokens": 1024}
    roles = [(m.role, m.tool_call_id) for m in second.messages or ()]
    assert roles == [("system", None), ("user", None), ("assistant", None), ("tool", "call_lookup")]
    assert (second.messages or [])[2].tool_calls[0].function.name == "lookup_order"  # type: ignore[index]
    assert [t.function.name for t in second.tools or ()] == ["lookup_order", "issue_refund"]
    assert second.tools[0].function.parameters == LOOKUP_SCHEMA  # type: ignore[index]


def test_message_body_has_tool_use_blocks_and_recorded_usage() -> None:
    replayer = Replayer(refund_fixture())
    message = replay_anthropic.client(replayer).messages.create(
        model="claude-opus-4-7", max_tokens=10, messages=[{"role": "user", "content": QUESTION}]
    )
    assert message.stop_reason == "tool_use"
    (block,) = message.content
    assert block.type == "tool_use"
    assert (block.id, block.name, block.input) == ("call_lookup", "lookup_order", {"order_id": "ORD-1001"})
    assert (message.usage.input_tokens, message.usage.output_tokens) == (100, 20)


def test_zero_code_patch_without_api_key() -> None:
    replayer = Replayer(refund_fixture())
    with adapters.activate("anthropic", replayer):
        assert claude_agent(anthropic.Anthropic(), replayer, stream=True) == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS


def test_unmatched_call_is_raised_not_sent() -> None:
    replayer = Replayer(Fixture(id="empty"))
    with (
        adapters.activate("anthropic", replayer),
        pytest.raises(UnmatchedCall, match="recording has 0 model"),
    ):
        anthropic.Anthropic().messages.create(
            model="m", max_tokens=5, messages=[{"role": "user", "content": "hi"}]
        )


def test_arguments_that_are_not_an_object_cannot_be_replayed_as_tool_use() -> None:
    call = ToolCall(id="c1", function=FunctionCall(name="lookup_order", arguments='"ORD-1"'))
    step = ModelStep(kind="model", id="m1", response=Message(role="assistant", tool_calls=[call]))
    replayer = Replayer(Fixture(id="text-args", steps=[step]))
    with pytest.raises(AdapterError, match="not a JSON object"):
        replay_anthropic.client(replayer).messages.create(
            model="m", max_tokens=5, messages=[{"role": "user", "content": "hi"}]
        )


def test_imported_openai_trace_replays_through_the_anthropic_sdk(corpus_fixture: Fixture) -> None:
    """Fidelity across SDKs: a run recorded on OpenAI (OpenInference) answers an agent written on Claude."""
    replayer = Replayer(corpus_fixture)
    first = next(step for step in corpus_fixture.steps if isinstance(step, ModelStep))
    tools = [
        {
            "name": t.function.name,
            "description": t.function.description or "",
            "input_schema": t.function.parameters,
        }
        for t in first.tools or ()
    ]
    system = next(str(m.content) for m in first.messages or () if m.role == "system")
    question = next(str(m.content) for m in first.messages or () if m.role == "user")
    with adapters.activate("anthropic", replayer):
        answer = claude_agent(anthropic.Anthropic(), replayer, tools=tools, system=system, question=question)
    assert "refunded" in answer
    assert actual_tool_calls(replayer) == recorded_tool_calls(corpus_fixture)
