"""OpenLLMetry / Traceloop: flattened ``gen_ai.prompt.N.*`` / ``gen_ai.completion.N.*`` and ``traceloop.*``.

Older releases flatten messages into indexed attributes and offer tools as ``llm.request.functions.N.*``;
newer ones (0.62+) write ``gen_ai.input.messages`` like the GenAI semconv, so the chat mapping starts from
the semconv one and fills in from the flattened keys. Workflow, agent, task and tool spans come from the
traceloop SDK: ``traceloop.span.kind`` plus ``traceloop.entity.input`` / ``.output`` as JSON text, the
input being ``{"args": [...], "kwargs": {...}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from . import otel_genai
from ._common import (
    Mapped,
    call_arguments,
    flat_messages,
    indexed,
    keys_with_prefix,
    text,
    unwrap_call,
    usage,
)
from ._decode import Span
from ._json import MISSING, json_or_text, parse_json_text
from ._messages import Message, openai_message, tool_call

SPAN_KIND: Final = "traceloop.span.kind"
ENTITY_NAME: Final = "traceloop.entity.name"
ENTITY_INPUT: Final = "traceloop.entity.input"
ENTITY_OUTPUT: Final = "traceloop.entity.output"
REQUEST_TYPE: Final = "llm.request.type"
PROMPT: Final = "gen_ai.prompt"
COMPLETION: Final = "gen_ai.completion"
FUNCTIONS: Final = "llm.request.functions"
TOTAL_TOKENS: Final = "llm.usage.total_tokens"
PROMPT_TOKENS: Final = "gen_ai.usage.prompt_tokens"
COMPLETION_TOKENS: Final = "gen_ai.usage.completion_tokens"
CACHE_READ_TOKENS: Final = "gen_ai.usage.cache_read_input_tokens"

CONTAINER_KINDS: Final = frozenset({"workflow", "agent", "task"})


def matches(span: Span) -> bool:
    attrs = span.attributes
    if SPAN_KIND in attrs or REQUEST_TYPE in attrs:
        return True
    return any(key.startswith(("gen_ai.prompt.", "gen_ai.completion.")) for key in attrs)


def map_span(span: Span) -> Mapped | None:
    attrs = span.attributes
    kind = attrs.get(SPAN_KIND)
    if kind == "tool":
        mapped = Mapped("tool")
        mapped.name = text(attrs.get(ENTITY_NAME)) or span.name
        mapped.consumed.update(k for k in (SPAN_KIND, ENTITY_NAME) if k in attrs)
        arguments = call_arguments(_json(attrs, ENTITY_INPUT))
        if arguments:
            mapped.fields.update(arguments)
            mapped.consumed.add(ENTITY_INPUT)
        if ENTITY_OUTPUT in attrs:
            mapped.put("result", json_or_text(_json(attrs, ENTITY_OUTPUT)), ENTITY_OUTPUT)
        return mapped
    if isinstance(kind, str) and kind in CONTAINER_KINDS:
        mapped = Mapped(None)
        mapped.input = unwrap_call(_json(attrs, ENTITY_INPUT))
        mapped.output = unwrap_call(_json(attrs, ENTITY_OUTPUT))
        mapped.consumed.update(k for k in (SPAN_KIND, ENTITY_INPUT, ENTITY_OUTPUT) if k in attrs)
        return mapped
    if kind is not None:
        return None
    if (
        attrs.get(REQUEST_TYPE) == "embedding"
        or otel_genai.operation(span) in otel_genai.EMBEDDING_OPERATIONS
    ):
        # a retrieval step, not a model step (see otel_genai.EMBEDDING_OPERATIONS); the texts embedded
        mapped = Mapped("retrieval")
        texts = [values.get("content") for _, values, _ in indexed(attrs, PROMPT)]
        if texts and all(isinstance(t, str) for t in texts):
            mapped.fields["query"] = texts[0] if len(texts) == 1 else texts
            mapped.consumed.update(f"{PROMPT}.{i}.content" for i, _, _ in indexed(attrs, PROMPT))
        return mapped
    mapped = Mapped("model")
    mapped.take(attrs, otel_genai.OPERATION)
    otel_genai.model_fields(mapped, span)
    if REQUEST_TYPE in attrs:
        mapped.consumed.add(REQUEST_TYPE)
    if "messages" not in mapped.fields:
        mapped.put("messages", flat_messages(mapped, attrs, PROMPT, _flat_message))
    if "response" not in mapped.fields:
        completions = indexed(attrs, COMPLETION)
        if completions:
            _, values, keys = completions[0]
            message = _flat_message({"role": "assistant", **values})
            if message is not None:
                mapped.fields["response"] = message
                mapped.consumed.update(keys if len(completions) == 1 else [])
                reason = values.get("finish_reason")
                if isinstance(reason, str):
                    mapped.fields.setdefault("finish_reason", reason)
    if "tools" not in mapped.fields:
        _functions(mapped, attrs)
    _usage(mapped, attrs)
    return mapped


def _json(attributes: Mapping[str, Any], key: str) -> Any:
    if key not in attributes:
        return MISSING
    raw = attributes[key]
    parsed = parse_json_text(raw) if isinstance(raw, str) else raw
    return raw if parsed is MISSING else parsed


def _flat_message(values: Mapping[str, Any]) -> Message | None:
    raw = {key: values[key] for key in ("role", "content", "name", "tool_call_id") if key in values}
    message = openai_message(raw)
    if message is None:
        return None
    calls = []
    for _, call, _ in indexed(values, "tool_calls"):
        converted = tool_call(call.get("id"), call.get("name"), call.get("arguments"))
        if converted is None:
            return None
        calls.append(converted)
    if calls:
        message["tool_calls"] = calls
    return message


def _functions(mapped: Mapped, attrs: Mapping[str, Any]) -> None:
    tools = []
    groups = indexed(attrs, FUNCTIONS)
    for _, values, _ in groups:
        name = values.get("name")
        if not isinstance(name, str):
            return
        function: dict[str, Any] = {"name": name}
        if isinstance(values.get("description"), str):
            function["description"] = values["description"]
        parameters = values.get("parameters")
        parameters = parse_json_text(parameters) if isinstance(parameters, str) else parameters
        if isinstance(parameters, dict):
            function["parameters"] = parameters
        elif parameters is not None and parameters is not MISSING:
            return
        tools.append({"type": "function", "function": function})
    if tools:
        mapped.fields["tools"] = tools
        mapped.consumed.update(keys_with_prefix(attrs, FUNCTIONS + "."))


def _usage(mapped: Mapped, attrs: Mapping[str, Any]) -> None:
    existing = dict(mapped.fields.get("usage") or {})
    extra = usage(
        attrs.get(PROMPT_TOKENS),
        attrs.get(COMPLETION_TOKENS),
        attrs.get(TOTAL_TOKENS),
        attrs.get(CACHE_READ_TOKENS),
    )
    if not extra:
        return
    keys = {
        "input_tokens": PROMPT_TOKENS,
        "output_tokens": COMPLETION_TOKENS,
        "total_tokens": TOTAL_TOKENS,
        "cache_read_tokens": CACHE_READ_TOKENS,
    }
    for name, value in extra.items():
        if name not in existing:
            existing[name] = value
            mapped.consumed.add(keys[name])
    mapped.fields["usage"] = existing
