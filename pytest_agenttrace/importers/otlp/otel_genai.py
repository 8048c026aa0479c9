"""OpenTelemetry GenAI semantic conventions (``gen_ai.*``), current and older.

Current (1.37+): ``gen_ai.input.messages`` / ``gen_ai.output.messages`` / ``gen_ai.system_instructions`` /
``gen_ai.tool.definitions`` as JSON text in the parts schema on the span (structures in log records).
Up to 1.30: no content on the span; message events ``gen_ai.{system,user,assistant,tool}.message`` and
``gen_ai.choice``, as span events or as log records joined to the span by the importer. Before that:
``gen_ai.content.prompt`` / ``gen_ai.content.completion`` span events holding JSON text.

The functions here are reused by the pydantic-ai and OpenLLMetry modules, whose spans follow the same
conventions with extras.
"""

from __future__ import annotations

from typing import Any, Final

from ._common import Mapped, request_parameters, text, tool_arguments, usage
from ._decode import Span
from ._json import MISSING, parse_json_text
from ._messages import (
    conversation_input,
    event_messages,
    final_output,
    openai_messages,
    parts_messages,
    parts_response,
    system_message,
    tool_definitions,
)

OPERATION: Final = "gen_ai.operation.name"
PROVIDER: Final = "gen_ai.provider.name"
SYSTEM: Final = "gen_ai.system"
REQUEST_MODEL: Final = "gen_ai.request.model"
RESPONSE_MODEL: Final = "gen_ai.response.model"
FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
INPUT_MESSAGES: Final = "gen_ai.input.messages"
OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"
TOOL_DEFINITIONS: Final = "gen_ai.tool.definitions"
INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
PROMPT_TOKENS: Final = "gen_ai.usage.prompt_tokens"
COMPLETION_TOKENS: Final = "gen_ai.usage.completion_tokens"
TOTAL_TOKENS: Final = "gen_ai.usage.total_tokens"
CACHE_READ_TOKENS: Final = "gen_ai.usage.cache_read.input_tokens"
CACHE_READ_TOKENS_OLD: Final = "gen_ai.usage.cache_read_input_tokens"
REASONING_TOKENS: Final = "gen_ai.usage.reasoning.output_tokens"
REASONING_TOKENS_DETAIL: Final = "gen_ai.usage.details.reasoning_tokens"
TOOL_NAME: Final = "gen_ai.tool.name"
TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
TOOL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"
TOOL_RESULT: Final = "gen_ai.tool.call.result"
AGENT_NAME: Final = "gen_ai.agent.name"
PROMPT_ATTR: Final = "gen_ai.prompt"
COMPLETION_ATTR: Final = "gen_ai.completion"
DETAILS_EVENT: Final = "gen_ai.client.inference.operation.details"
PROMPT_EVENT: Final = "gen_ai.content.prompt"
COMPLETION_EVENT: Final = "gen_ai.content.completion"
MESSAGE_EVENTS: Final = frozenset(
    {
        "gen_ai.system.message",
        "gen_ai.user.message",
        "gen_ai.assistant.message",
        "gen_ai.tool.message",
        "gen_ai.choice",
    }
)

MODEL_OPERATIONS: Final = frozenset(
    {"chat", "text_completion", "generate_content", "completion", "responses"}
)
#: Embedding calls are ``retrieval`` steps, not model steps: replay answers the recorded model steps to the
#: agent's chat calls in order, and an embedding among them would answer a chat call (docs/importers.md).
EMBEDDING_OPERATIONS: Final = frozenset({"embeddings", "embedding"})
TOOL_OPERATIONS: Final = frozenset({"execute_tool"})
CONTAINER_OPERATIONS: Final = frozenset({"invoke_agent", "create_agent", "invoke_workflow"})
_NAME_PREFIXES: Final = {"chat ": "chat", "execute_tool ": "execute_tool", "invoke_agent": "invoke_agent"}


def operation(span: Span) -> str | None:
    """The GenAI operation of a span, from the attribute or, failing that, the span name."""
    value = span.attributes.get(OPERATION)
    if isinstance(value, str) and value:
        return value
    if PROVIDER in span.attributes or SYSTEM in span.attributes:
        for prefix, op in _NAME_PREFIXES.items():
            if span.name.startswith(prefix):
                return op
    return None


def matches(span: Span) -> bool:
    return operation(span) is not None


def map_span(span: Span) -> Mapped | None:
    op = operation(span)
    if op in MODEL_OPERATIONS:
        mapped = Mapped("model")
        mapped.take(span.attributes, OPERATION)
        model_fields(mapped, span)
        return mapped
    if op in EMBEDDING_OPERATIONS:
        mapped = Mapped("retrieval")
        mapped.take(span.attributes, OPERATION)
        return mapped
    if op in TOOL_OPERATIONS:
        mapped = Mapped("tool")
        mapped.take(span.attributes, OPERATION)
        tool_fields(mapped, span)
        return mapped
    if op in CONTAINER_OPERATIONS:
        mapped = Mapped(None)
        container_fields(mapped, span)
        return mapped
    return None


def model_fields(mapped: Mapped, span: Span) -> None:
    """Fill a model step from ``gen_ai.*`` attributes, then from message events for what is missing."""
    attrs = span.attributes
    response_model = text(attrs.get(RESPONSE_MODEL))
    request_model = text(attrs.get(REQUEST_MODEL))
    if response_model:
        mapped.put("model", response_model, RESPONSE_MODEL)
        if request_model == response_model:
            mapped.consumed.add(REQUEST_MODEL)
    elif request_model:
        mapped.put("model", request_model, REQUEST_MODEL)
    provider_key = PROVIDER if text(attrs.get(PROVIDER)) else SYSTEM
    mapped.put("provider", text(attrs.get(provider_key)), provider_key)
    if provider_key == PROVIDER and attrs.get(SYSTEM) == attrs.get(PROVIDER):
        mapped.consumed.add(SYSTEM)

    messages = parts_messages(attrs[INPUT_MESSAGES]) if INPUT_MESSAGES in attrs else None
    if messages is not None:
        mapped.consumed.add(INPUT_MESSAGES)
        system = system_message(attrs[SYSTEM_INSTRUCTIONS]) if SYSTEM_INSTRUCTIONS in attrs else None
        if system is not None:
            mapped.consumed.add(SYSTEM_INSTRUCTIONS)
            if not messages or messages[0].get("role") != "system":
                messages.insert(0, system)
        mapped.fields["messages"] = messages
    if TOOL_DEFINITIONS in attrs:
        mapped.put("tools", tool_definitions(attrs[TOOL_DEFINITIONS]), TOOL_DEFINITIONS)
    request_parameters(mapped, attrs)
    if OUTPUT_MESSAGES in attrs:
        response, reason, choices = parts_response(attrs[OUTPUT_MESSAGES])
        if response is not None:
            mapped.fields["response"] = response
            if choices == 1:
                mapped.consumed.add(OUTPUT_MESSAGES)
            if reason:
                mapped.fields["finish_reason"] = reason
    reasons = attrs.get(FINISH_REASONS)
    if isinstance(reasons, list) and reasons and all(isinstance(r, str) for r in reasons):
        mapped.fields.setdefault("finish_reason", reasons[0])
        if len(reasons) == 1 and mapped.fields["finish_reason"] == reasons[0]:
            mapped.consumed.add(FINISH_REASONS)
    usage_fields(mapped, span)
    event_fields(mapped, span)


def usage_fields(mapped: Mapped, span: Span) -> None:
    attrs = span.attributes
    input_key = INPUT_TOKENS if INPUT_TOKENS in attrs else PROMPT_TOKENS
    output_key = OUTPUT_TOKENS if OUTPUT_TOKENS in attrs else COMPLETION_TOKENS
    cache_key = CACHE_READ_TOKENS if CACHE_READ_TOKENS in attrs else CACHE_READ_TOKENS_OLD
    reasoning_key = REASONING_TOKENS if REASONING_TOKENS in attrs else REASONING_TOKENS_DETAIL
    counts = usage(
        attrs.get(input_key),
        attrs.get(output_key),
        attrs.get(TOTAL_TOKENS),
        attrs.get(cache_key),
        attrs.get(reasoning_key),
    )
    if counts:
        mapped.fields["usage"] = counts
        names = {
            "input_tokens": input_key,
            "output_tokens": output_key,
            "total_tokens": TOTAL_TOKENS,
            "cache_read_tokens": cache_key,
            "reasoning_tokens": reasoning_key,
        }
        mapped.consumed.update(names[name] for name in counts)


def event_fields(mapped: Mapped, span: Span) -> None:
    """Content from events: joined log records and the older span events. The span's own values win."""
    message_events: list[tuple[str | None, Any]] = []
    message_indices: list[int] = []
    # a producer may write the system instructions in a details event of their own (Strands does)
    system: dict[str, Any] | None = None
    system_index: int | None = None
    for index, event in enumerate(span.events):
        if event.name == DETAILS_EVENT and SYSTEM_INSTRUCTIONS in event.attributes:
            system = system_message(event.attributes[SYSTEM_INSTRUCTIONS])
            if system is not None:
                system_index = index
                break
    for index, event in enumerate(span.events):
        attrs = event.attributes
        if event.name == DETAILS_EVENT:
            used = False
            if "messages" not in mapped.fields and INPUT_MESSAGES in attrs:
                messages = parts_messages(attrs[INPUT_MESSAGES])
                if messages is not None:
                    if system is not None and (not messages or messages[0].get("role") != "system"):
                        messages.insert(0, system)
                        if system_index is not None:
                            mapped.used_events.add(system_index)
                    mapped.fields["messages"] = messages
                    used = True
            if "response" not in mapped.fields and OUTPUT_MESSAGES in attrs:
                response, reason, _ = parts_response(attrs[OUTPUT_MESSAGES])
                if response is not None:
                    mapped.fields["response"] = response
                    if reason:
                        mapped.fields.setdefault("finish_reason", reason)
                    used = True
            if "tools" not in mapped.fields and TOOL_DEFINITIONS in attrs:
                tools = tool_definitions(attrs[TOOL_DEFINITIONS])
                if tools is not None:
                    mapped.fields["tools"] = tools
            if used or event.from_log:
                mapped.used_events.add(index)
        elif event.name in MESSAGE_EVENTS:
            message_events.append((event.name, attrs))
            message_indices.append(index)
        elif event.name == PROMPT_EVENT and "messages" not in mapped.fields:
            messages = openai_messages(parse_json_text(attrs.get(PROMPT_ATTR)))
            if messages is not None:
                mapped.fields["messages"] = messages
                mapped.used_events.add(index)
        elif event.name == COMPLETION_EVENT and "response" not in mapped.fields:
            choices = parse_json_text(attrs.get(COMPLETION_ATTR))
            first = choices[0] if isinstance(choices, list) and choices else MISSING
            if isinstance(first, dict):
                reason = first.get("finish_reason")
                converted = openai_messages([first.get("message", first)])
                if converted:
                    mapped.fields["response"] = converted[0]
                    if isinstance(reason, str):
                        mapped.fields.setdefault("finish_reason", reason)
                    mapped.used_events.add(index)
    if message_events:
        messages, response, reason = event_messages(message_events)
        if messages and "messages" not in mapped.fields:
            mapped.fields["messages"] = messages
        if response is not None and "response" not in mapped.fields:
            mapped.fields["response"] = response
            if reason:
                mapped.fields.setdefault("finish_reason", reason)
        mapped.used_events.update(message_indices)


def tool_fields(mapped: Mapped, span: Span) -> None:
    attrs = span.attributes
    name = text(attrs.get(TOOL_NAME))
    if name:
        mapped.consumed.add(TOOL_NAME)
    else:
        name = span.name.removeprefix("execute_tool").strip() or span.name
    mapped.name = name
    mapped.put("call_id", text(attrs.get(TOOL_CALL_ID)), TOOL_CALL_ID)
    if TOOL_ARGUMENTS in attrs:
        arguments = tool_arguments(attrs[TOOL_ARGUMENTS])
        if arguments:
            mapped.fields.update(arguments)
            mapped.consumed.add(TOOL_ARGUMENTS)
    if TOOL_RESULT in attrs:
        raw = attrs[TOOL_RESULT]
        parsed = parse_json_text(raw) if isinstance(raw, str) else raw
        mapped.fields["result"] = raw if parsed is MISSING else parsed
        mapped.consumed.add(TOOL_RESULT)


def container_fields(mapped: Mapped, span: Span) -> None:
    """An agent span: the user's request and the final answer, when recorded."""
    attrs = span.attributes
    if INPUT_MESSAGES in attrs:
        messages = parts_messages(attrs[INPUT_MESSAGES])
        if messages is not None:
            mapped.input = conversation_input(messages)
            if mapped.input is not MISSING:
                mapped.consumed.add(INPUT_MESSAGES)
    if OUTPUT_MESSAGES in attrs:
        response, _, choices = parts_response(attrs[OUTPUT_MESSAGES])
        if response is not None and choices == 1:
            mapped.output = final_output(response)
            mapped.consumed.add(OUTPUT_MESSAGES)
    for index, event in enumerate(span.events):  # the same content in details events
        if event.name != DETAILS_EVENT:
            continue
        event_attrs = event.attributes
        used = False
        if mapped.input is MISSING and INPUT_MESSAGES in event_attrs:
            messages = parts_messages(event_attrs[INPUT_MESSAGES])
            if messages is not None:
                mapped.input = conversation_input(messages)
                used = mapped.input is not MISSING
        if mapped.output is MISSING and OUTPUT_MESSAGES in event_attrs:
            response, _, choices = parts_response(event_attrs[OUTPUT_MESSAGES])
            if response is not None and choices == 1:
                mapped.output = final_output(response)
                used = True
        if used and set(event_attrs) <= {INPUT_MESSAGES, OUTPUT_MESSAGES}:
            mapped.used_events.add(index)
