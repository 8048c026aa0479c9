"""pydantic-ai's instrumentation (what Logfire ships): GenAI semconv plus its own extras, in two versions.

Current (v3+, the default in 2.x releases): ``invoke_agent``/``chat``/``execute_tool`` spans in the GenAI
semconv, plus ``operation.cost`` (USD) on chat spans, and ``final_result`` / ``pydantic_ai.all_messages``
on the agent span. The older version 2 names the root ``agent run`` and the tool spans ``running tool``
with ``tool_arguments`` / ``tool_response``; version 1 put the messages into an ``events`` attribute (JSON
list of GenAI events) instead of ``gen_ai.input.messages``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from . import otel_genai
from ._common import Mapped, cost, tool_arguments
from ._decode import Span
from ._json import MISSING, parse_json_text
from ._messages import conversation_input, event_messages, parts_messages

SCOPE: Final = "pydantic-ai"
COST: Final = "operation.cost"
FINAL_RESULT: Final = "final_result"
ALL_MESSAGES: Final = "pydantic_ai.all_messages"
ALL_MESSAGES_EVENTS: Final = "all_messages_events"
EVENTS: Final = "events"
TOOL_ARGUMENTS: Final = "tool_arguments"
TOOL_RESPONSE: Final = "tool_response"
AGENT_RUN: Final = "agent run"
RUNNING_TOOL: Final = "running tool"


def matches(span: Span) -> bool:
    return (
        span.scope_name in (SCOPE, "pydantic_ai")
        or span.name in (AGENT_RUN, RUNNING_TOOL)
        or TOOL_ARGUMENTS in span.attributes
        or COST in span.attributes
    )


def map_span(span: Span) -> Mapped | None:
    attrs = span.attributes
    if span.name == RUNNING_TOOL or (TOOL_ARGUMENTS in attrs and otel_genai.operation(span) is None):
        mapped = Mapped("tool")
        otel_genai.tool_fields(mapped, span)
        if (
            "arguments" not in mapped.fields
            and "arguments_text" not in mapped.fields
            and TOOL_ARGUMENTS in attrs
        ):
            arguments = tool_arguments(attrs[TOOL_ARGUMENTS])
            if arguments:
                mapped.fields.update(arguments)
                mapped.consumed.add(TOOL_ARGUMENTS)
        if "result" not in mapped.fields and TOOL_RESPONSE in attrs:
            raw = attrs[TOOL_RESPONSE]
            parsed = parse_json_text(raw) if isinstance(raw, str) else raw
            mapped.put("result", raw if parsed is MISSING else parsed, TOOL_RESPONSE)
        return mapped
    if span.name == AGENT_RUN or otel_genai.operation(span) == "invoke_agent":
        mapped = Mapped(None)
        otel_genai.container_fields(mapped, span)
        _agent(mapped, attrs)
        return mapped
    mapped_or_none = otel_genai.map_span(span)
    if mapped_or_none is None:
        return None
    mapped = mapped_or_none
    if mapped.kind == "model":
        mapped.put("cost", cost(attrs.get(COST)), COST)
        if "messages" not in mapped.fields and EVENTS in attrs:
            _version1_events(mapped, attrs)
    return mapped


def _agent(mapped: Mapped, attrs: Mapping[str, Any]) -> None:
    if mapped.input is MISSING and ALL_MESSAGES in attrs:
        messages = parts_messages(attrs[ALL_MESSAGES])
        if messages:
            first_user = next((m for m in messages if m.get("role") == "user"), None)
            if first_user is not None:
                # the run's input is its first request; the rest of the history is the run itself
                mapped.input = conversation_input([first_user])
    if mapped.output is MISSING and FINAL_RESULT in attrs:
        raw = attrs[FINAL_RESULT]
        parsed = parse_json_text(raw) if isinstance(raw, str) and raw[:1] in ("{", "[") else MISSING
        mapped.output = raw if parsed is MISSING else parsed
        mapped.consumed.add(FINAL_RESULT)


def _version1_events(mapped: Mapped, attrs: Mapping[str, Any]) -> None:
    raw = parse_json_text(attrs[EVENTS])
    if not isinstance(raw, list):
        return
    events: list[tuple[str | None, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            return
        name = item.get("event.name")
        events.append((name if isinstance(name, str) else None, item))
    messages, response, reason = event_messages(events)
    if messages:
        mapped.fields["messages"] = messages
        mapped.consumed.add(EVENTS)
    if response is not None:
        mapped.fields.setdefault("response", response)
        if reason:
            mapped.fields.setdefault("finish_reason", reason)
