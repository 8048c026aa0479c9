"""Strands Agents (``strands.telemetry.tracer``): GenAI semconv spans with Bedrock-style content blocks.

Strands names its spans like the GenAI conventions (``invoke_agent``, ``chat``, ``execute_tool``, and its
own ``execute_event_loop_cycle``), but records content its own way. In its default mode every message is a
span event (``gen_ai.user.message``, ``gen_ai.assistant.message``, ``gen_ai.tool.message``,
``gen_ai.choice``) whose ``content`` / ``message`` is JSON text of Bedrock Converse content blocks
(``{"text"}``, ``{"toolUse": {"toolUseId", "name", "input"}}``, ``{"toolResult": {"toolUseId", "content",
"status"}}``); on a tool span the ``gen_ai.tool.message`` event holds the arguments and ``gen_ai.choice``
the result blocks, and on the agent span ``gen_ai.choice`` holds the answer as plain text. With
``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`` it writes the current parts schema in
``gen_ai.client.inference.operation.details`` events and ``gen_ai.tool.call.*`` attributes, still with
tool results as content blocks. The message conversion is in ``_messages`` (``content_blocks``); this
module adds what only Strands does: tool content in events, results as blocks, and the agent's answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from . import otel_genai
from ._common import Mapped, tool_arguments
from ._decode import Span
from ._json import MISSING
from ._messages import blocks_result, blocks_text, content_blocks, conversation_input, decoded, event_messages

SCOPE: Final = "strands.telemetry.tracer"
PROVIDER_VALUE: Final = "strands-agents"
CYCLE_OPERATION: Final = "execute_event_loop_cycle"
TOOL_MESSAGE: Final = "gen_ai.tool.message"
USER_MESSAGE: Final = "gen_ai.user.message"
CHOICE: Final = "gen_ai.choice"


def matches(span: Span) -> bool:
    if span.scope_name == SCOPE:
        return True
    provider = span.attributes.get(otel_genai.PROVIDER, span.attributes.get(otel_genai.SYSTEM))
    return provider == PROVIDER_VALUE and otel_genai.operation(span) is not None


def map_span(span: Span) -> Mapped | None:
    if otel_genai.operation(span) == CYCLE_OPERATION:
        return Mapped(None)  # one turn of the agent loop: its messages are the chat spans' own
    mapped = otel_genai.map_span(span)
    if mapped is None:
        return None
    if mapped.kind == "tool":
        _tool(mapped, span)
    elif mapped.kind == "model":
        _model(mapped)
    elif mapped.kind is None:
        _agent(mapped, span)
    return mapped


def _tool(mapped: Mapped, span: Span) -> None:
    """Arguments and result from the default mode's events; result blocks unwrapped in either mode."""
    for index, event in enumerate(span.events):
        attrs = event.attributes
        if event.name == TOOL_MESSAGE and "content" in attrs:
            if "arguments" not in mapped.fields and "arguments_text" not in mapped.fields:
                mapped.fields.update(tool_arguments(attrs["content"]))
            mapped.used_events.add(index)
        elif event.name == CHOICE and "message" in attrs:
            if "result" not in mapped.fields:
                mapped.fields["result"] = blocks_result(attrs["message"])
            mapped.used_events.add(index)
        elif event.name == otel_genai.DETAILS_EVENT:
            # latest mode: the call as a tool_call part, the result (also an error's) as a response part
            if otel_genai.OUTPUT_MESSAGES in attrs:
                response = _tool_response(attrs[otel_genai.OUTPUT_MESSAGES])
                if response is not MISSING and "result" not in mapped.fields:
                    mapped.fields["result"] = response
            if set(attrs) <= {otel_genai.INPUT_MESSAGES, otel_genai.OUTPUT_MESSAGES} and (
                "arguments" in mapped.fields or "arguments_text" in mapped.fields or "result" in mapped.fields
            ):
                mapped.used_events.add(index)
    if "result" not in mapped.fields and otel_genai.OUTPUT_MESSAGES in span.attributes:
        response = _tool_response(span.attributes[otel_genai.OUTPUT_MESSAGES])
        mapped.put("result", response, otel_genai.OUTPUT_MESSAGES)
    if "result" in mapped.fields:
        mapped.fields["result"] = blocks_result(mapped.fields["result"])


def _tool_response(value: Any) -> Any:
    """The ``response`` of the single ``tool_call_response`` part in a tool span's output messages."""
    raw = decoded(value)
    if not isinstance(raw, list) or len(raw) != 1 or not isinstance(raw[0], Mapping):
        return MISSING
    parts = raw[0].get("parts")
    if not isinstance(parts, list) or len(parts) != 1 or not isinstance(parts[0], Mapping):
        return MISSING
    part = parts[0]
    if part.get("type") != "tool_call_response" or "response" not in part:
        return MISSING
    return part["response"]


def _model(mapped: Mapped) -> None:
    """Tool messages of the latest mode carry the result blocks as JSON text: their text instead."""
    for message in mapped.fields.get("messages") or []:
        if message.get("role") == "tool" and isinstance(message.get("content"), str):
            blocks = content_blocks(message["content"])
            text = blocks_text(blocks) if blocks is not None else None
            if text is not None:
                message["content"] = text


def _agent(mapped: Mapped, span: Span) -> None:
    """The run's request (the user message events) and answer (its ``gen_ai.choice``), default mode."""
    events: list[tuple[str | None, Any]] = []
    indices: list[int] = []
    for index, event in enumerate(span.events):
        if event.name in otel_genai.MESSAGE_EVENTS:
            events.append((event.name, event.attributes))
            indices.append(index)
    if not events:
        return
    messages, response, _ = event_messages(events)
    users = [m for m in messages if m.get("role") != "system"]
    if mapped.input is MISSING and users:
        mapped.input = conversation_input(users)
    if mapped.output is MISSING and response is not None:
        content = response.get("content")
        mapped.output = content if isinstance(content, str) and not response.get("tool_calls") else [response]
    mapped.used_events.update(indices)
