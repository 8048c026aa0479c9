"""The OpenAI SDK replays through the HTTP transport: Chat Completions and Responses, sync, async, streams."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from pytest_agenttrace import adapters
from pytest_agenttrace.adapters import openai as replay_openai
from pytest_agenttrace.model import ErrorInfo, Fixture, ModelStep
from pytest_agenttrace.replay import Replayer, UnmatchedCall

from ._agent import (
    CHAT_TOOLS,
    EXPECTED_CALLS,
    FINAL,
    QUESTION,
    SYSTEM,
    actual_tool_calls,
    first_request,
    model_steps,
    recorded_tool_calls,
    refund_fixture,
)

RESPONSES_TOOLS = [{"type": "function", **tool["function"]} for tool in CHAT_TOOLS]


# -- agents written on the SDK, the way an application writes them ---------------------------------------


def chat_agent(
    client: Any, replayer: Replayer, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
) -> str:
    """A plain tool loop on Chat Completions; tools are answered by the replay."""
    while True:
        completion = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tools)
        message = completion.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            return str(message.content)
        for call in message.tool_calls:
            result = replayer.answer_tool(call.function.name, json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})


def streaming_chat_agent(client: Any, replayer: Replayer) -> str:
    """The same loop, assembling each answer from ``stream=True`` chunks as streaming agents do."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": QUESTION},
    ]
    while True:
        stream = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=messages,
            tools=CHAT_TOOLS,
            stream=True,
            stream_options={"include_usage": True},
        )
        text, calls = "", {}
        for chunk in stream:
            if not chunk.choices:
                assert chunk.usage is not None
                continue
            delta = chunk.choices[0].delta
            text += delta.content or ""
            for part in delta.tool_calls or ():
                call = calls.setdefault(part.index, {"id": "", "name": "", "arguments": ""})
                call["id"] += part.id or ""
                call["name"] += (part.function.name or "") if part.function else ""
                call["arguments"] += (part.function.arguments or "") if part.function else ""
        if not calls:
            return text
        messages.append(
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": c["id"],
                        "type": "function",
                        "function": {"name": c["name"], "arguments": c["arguments"]},
                    }
                    for c in calls.values()
                ],
            }
        )
        for c in calls.values():
            result = replayer.answer_tool(c["name"], json.loads(c["arguments"]))
            messages.append({"role": "tool", "tool_call_id": c["id"], "content": json.dumps(result)})


async def async_responses_agent(client: Any, replayer: Replayer, *, stream: bool) -> str:
    """A Responses API loop on ``AsyncOpenAI``, streamed through the SDK's event helper or not."""
    items: list[Any] = [{"role": "user", "content": QUESTION}]
    while True:
        if stream:
            async with client.responses.stream(
                model="gpt-4o-mini", instructions=SYSTEM, input=items, tools=RESPONSES_TOOLS
            ) as events:
                kinds = [event.type async for event in events]
                response = await events.get_final_response()
            assert kinds[0] == "response.created"
            assert kinds[-1] == "response.completed"
        else:
            response = await client.responses.create(
                model="gpt-4o-mini", instructions=SYSTEM, input=items, tools=RESPONSES_TOOLS
            )
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            return str(response.output_text)
        for call in calls:
            items.append(
                {
                    "type": "function_call",
                    "call_id": call.call_id,
                    "name": call.name,
                    "arguments": call.arguments,
                }
            )
            result = replayer.answer_tool(call.name, json.loads(call.arguments))
            items.append(
                {"type": "function_call_output", "call_id": call.call_id, "output": json.dumps(result)}
            )


def start() -> list[dict[str, Any]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]


# -- explicit clients -------------------------------------------------------------------------------------


def test_chat_completions_sync_replays_the_tool_calls() -> None:
    replayer = Replayer(refund_fixture())
    assert chat_agent(replay_openai.client(replayer), replayer, start(), CHAT_TOOLS) == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS
    assert replayer.misses == []


def test_the_actual_run_holds_the_request_model_messages_tools_and_usage() -> None:
    replayer = Replayer(refund_fixture())
    chat_agent(replay_openai.client(replayer), replayer, start(), CHAT_TOOLS)
    first, second, _ = model_steps(replayer)
    assert first.model == "gpt-4o-mini"  # as the agent asked, not the recorded response model
    assert [m.role for m in first.messages or ()] == ["system", "user"]
    assert [t.function.name for t in first.tools or ()] == ["lookup_order", "issue_refund"]
    assert [m.role for m in second.messages or ()] == ["system", "user", "assistant", "tool"]
    assert second.usage is not None
    assert second.usage.input_tokens == 150


def test_chat_completion_wire_body_carries_recorded_usage_and_model() -> None:
    replayer = Replayer(refund_fixture())
    completion = replay_openai.client(replayer).chat.completions.create(model="gpt-4o-mini", messages=start())
    assert completion.object == "chat.completion"
    assert completion.model == "gpt-4o-mini-2024-07-18"
    assert completion.choices[0].finish_reason == "tool_calls"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (100, 20)


def test_chat_completions_stream_replays_argument_fragments() -> None:
    replayer = Replayer(refund_fixture())
    assert streaming_chat_agent(replay_openai.client(replayer), replayer) == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS


@pytest.mark.asyncio
@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
async def test_responses_api_async(stream: bool) -> None:
    replayer = Replayer(refund_fixture())
    answer = await async_responses_agent(replay_openai.async_client(replayer), replayer, stream=stream)
    assert answer == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS
    second = model_steps(replayer)[1]
    assert [m.role for m in second.messages or ()] == ["system", "user", "assistant", "tool"]
    assert [t.function.name for t in second.tools or ()] == ["lookup_order", "issue_refund"]


@pytest.mark.asyncio
async def test_chat_completions_async() -> None:
    replayer = Replayer(refund_fixture())
    client = replay_openai.async_client(replayer)
    messages = start()
    while True:
        completion = await client.chat.completions.create(
            model="gpt-4o-mini", messages=messages, tools=CHAT_TOOLS
        )
        message = completion.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            break
        for call in message.tool_calls:
            result = replayer.answer_tool(call.function.name, json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
    assert message.content == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS


def test_a_classic_httpx_client_replays_too() -> None:
    replayer = Replayer(refund_fixture())
    http_client = httpx.Client(transport=replay_openai.transport(replayer, library="httpx"))
    client = openai.OpenAI(api_key="unused", http_client=http_client, max_retries=0)  # type: ignore[arg-type]
    assert chat_agent(client, replayer, start(), CHAT_TOOLS) == FINAL


# -- zero-code: clients the agent builds itself ---------------------------------------------------------


def test_patch_answers_a_client_the_agent_built_without_an_api_key() -> None:
    replayer = Replayer(refund_fixture())
    with adapters.activate("openai", replayer):
        client = openai.OpenAI()  # no key in the environment, default HTTP client
        assert chat_agent(client, replayer, start(), CHAT_TOOLS) == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS


def test_patch_reaches_a_client_built_before_the_replay_and_is_undone_after() -> None:
    prebuilt = openai.OpenAI(api_key="sk-not-used", max_retries=0)
    replayer = Replayer(refund_fixture())
    with adapters.activate("openai", replayer):
        assert chat_agent(prebuilt, replayer, start(), CHAT_TOOLS) == FINAL
    with pytest.raises(openai.APIConnectionError):  # after the block: the real transport, and no network
        prebuilt.chat.completions.create(model="gpt-4o-mini", messages=start())


@pytest.mark.asyncio
async def test_patch_answers_async_streams_of_a_custom_base_url() -> None:
    replayer = Replayer(refund_fixture())
    with adapters.activate("openai", replayer):
        client = openai.AsyncOpenAI(base_url="https://llm-gateway.example.internal/v1")
        answer = await async_responses_agent(client, replayer, stream=True)
    assert answer == FINAL


# -- isolation and errors ---------------------------------------------------------------------------------


def test_a_call_beyond_the_recording_fails_with_unmatched_call_and_never_reaches_the_network() -> None:
    replayer = Replayer(refund_fixture())
    with adapters.activate("openai", replayer):
        client = openai.OpenAI()
        chat_agent(client, replayer, start(), CHAT_TOOLS)
        with pytest.raises(UnmatchedCall, match="unmatched model call #4"):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "again?"}]
            )
    assert len(replayer.misses) == 1
    assert "the recording has 3 model call(s)" in replayer.misses[0].description


def test_an_unmatched_call_names_the_closest_recorded_call_and_what_differs(corpus_fixture: Fixture) -> None:
    """After the recorded run, the agent asks again with one more message: the error names the recorded
    call it is most like (by model and last message) and what differs, in the exception's own message."""
    replayer = Replayer(corpus_fixture)
    messages, tools = first_request(corpus_fixture)
    recorded = [s for s in corpus_fixture.steps if isinstance(s, ModelStep)]
    last = recorded[-1]
    assert last.messages is not None
    again = [m.to_data() for m in last.messages] + [{"role": "user", "content": "and the lid?"}]
    with adapters.activate("openai", replayer):
        client = openai.OpenAI()
        chat_agent(client, replayer, messages, tools)
        with pytest.raises(UnmatchedCall) as raised:
            client.chat.completions.create(model="gpt-4o-mini", messages=again, tools=tools)
    assert str(raised.value) == (
        f"unmatched model call #{len(recorded) + 1} to 'gpt-4o-mini': the recording has {len(recorded)} model "
        f"call(s), all already answered; closest recorded call #{len(recorded)} (step {last.id!r}, model "
        f"{last.model}): 1 of {len(again)} messages differ ({len(again)} sent, {len(again) - 1} recorded)"
    )
    (miss,) = replayer.misses
    assert "  what differs (- recorded, + sent):" in miss.description
    assert f"    + [{len(again) - 1}] user: and the lid?" in miss.description


def test_an_unmatched_call_to_another_model_says_so() -> None:
    replayer = Replayer(refund_fixture())
    with adapters.activate("openai", replayer):
        client = openai.OpenAI()
        chat_agent(client, replayer, start(), CHAT_TOOLS)
        with pytest.raises(UnmatchedCall) as raised:
            client.chat.completions.create(model="gpt-4.1", messages=start(), tools=CHAT_TOOLS)
    assert "model 'gpt-4.1' asked, 'gpt-4o-mini-2024-07-18' recorded" in str(raised.value)
    assert "closest recorded call #1 (step 'm1'" in str(raised.value)  # the same messages as the first
    assert "the same messages, sent again" in str(raised.value)
    assert "  model: asked for 'gpt-4.1', recorded 'gpt-4o-mini-2024-07-18'" in replayer.misses[0].description


def test_other_provider_endpoints_are_refused_not_sent() -> None:
    replayer = Replayer(refund_fixture())
    with (
        adapters.activate("openai", replayer),
        pytest.raises(openai.NotFoundError, match="never reaches the network"),
    ):
        openai.OpenAI().models.list()


def test_a_recorded_model_error_is_the_sdks_own_exception_without_retries() -> None:
    fixture = refund_fixture()
    failed = ModelStep(kind="model", id="m0", error=ErrorInfo(type="RateLimitError", message="slow down"))
    replayer = Replayer(Fixture(id="rate-limited", steps=[failed, *fixture.steps]))
    client = replay_openai.client(replayer, max_retries=2)
    with pytest.raises(openai.RateLimitError, match="slow down"):
        client.chat.completions.create(model="gpt-4o-mini", messages=start())
    assert len(model_steps(replayer)) == 1  # not retried: one call, one step


def test_without_the_adapter_the_sdk_cannot_connect() -> None:
    """The guard of this folder works: a request that escaped the replay would fail, not go out."""
    with pytest.raises(openai.APIConnectionError):
        openai.OpenAI(api_key="sk-not-used", max_retries=0).chat.completions.create(
            model="m", messages=start()
        )


# -- a fixture imported from a real trace ---------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "stream"])
def test_imported_openinference_trace_replays(corpus_fixture: Fixture, mode: str) -> None:
    replayer = Replayer(corpus_fixture)
    messages, tools = first_request(corpus_fixture)
    with adapters.activate("openai", replayer):
        if mode == "sync":
            answer = chat_agent(openai.OpenAI(), replayer, messages, tools)
        else:
            answer = _stream_loop(openai.OpenAI(), replayer, messages, tools)
    assert "refunded" in answer
    assert actual_tool_calls(replayer) == recorded_tool_calls(corpus_fixture)
    assert replayer.misses == []


def _stream_loop(
    client: Any, replayer: Replayer, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
) -> str:
    while True:
        with client.chat.completions.stream(model="gpt-4o-mini", messages=messages, tools=tools) as stream:
            for _ in stream:
                pass
            message = stream.get_final_completion().choices[0].message
        messages.append(
            {
                "role": "assistant",
                "content": message.content,
                **(
                    {"tool_calls": [c.model_dump() for c in message.tool_calls]} if message.tool_calls else {}
                ),
            }
        )
        if not message.tool_calls:
            return str(message.content)
        for call in message.tool_calls:
            result = replayer.answer_tool(call.function.name, json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
