"""Langfuse's OTel attributes (``langfuse.observation.*``, ``langfuse.trace.*``), as the v3+ SDKs send them.

The observation type says what a span is. Input and output are JSON text: for ``@observe`` functions the
input is ``{"args": [...], "kwargs": {...}}``; for an OpenAI generation it is ``{"tools", "messages"}`` and
the output is the assistant message. Failure is ``level`` ERROR plus ``status_message`` (no exception event).
Trace-level attributes are copied onto every span; the builder keeps them once, at trace level. Tool
observations carry no call id, so the builder links them by name and order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._common import Mapped, call_arguments, cost, text, unwrap_call, usage
from ._decode import Span
from ._json import MISSING, json_or_text, parse_json_text
from ._messages import openai_message, openai_messages, tool_definitions

OBSERVATION_TYPE: Final = "langfuse.observation.type"
INPUT: Final = "langfuse.observation.input"
OUTPUT: Final = "langfuse.observation.output"
MODEL_NAME: Final = "langfuse.observation.model.name"
MODEL_PARAMETERS: Final = "langfuse.observation.model.parameters"
USAGE_DETAILS: Final = "langfuse.observation.usage_details"
COST_DETAILS: Final = "langfuse.observation.cost_details"
LEVEL: Final = "langfuse.observation.level"
STATUS_MESSAGE: Final = "langfuse.observation.status_message"
TRACE_INPUT: Final = "langfuse.trace.input"
TRACE_OUTPUT: Final = "langfuse.trace.output"
TRACE_NAME: Final = "langfuse.trace.name"

CONTAINER_TYPES: Final = frozenset({"agent", "chain", "span"})


def matches(span: Span) -> bool:
    return OBSERVATION_TYPE in span.attributes


def _json(attributes: Mapping[str, Any], key: str) -> Any:
    """A JSON-text attribute decoded; text that is not JSON stays as recorded."""
    if key not in attributes:
        return MISSING
    raw = attributes[key]
    parsed = parse_json_text(raw) if isinstance(raw, str) else raw
    return raw if parsed is MISSING else parsed


def map_span(span: Span) -> Mapped | None:
    attrs = span.attributes
    kind = attrs.get(OBSERVATION_TYPE)
    kind = kind.lower() if isinstance(kind, str) else ""
    if kind == "generation":
        mapped = Mapped("model")
        _generation(mapped, span)
    elif kind == "embedding":  # a retrieval step, not a model step (see otel_genai.EMBEDDING_OPERATIONS)
        mapped = Mapped("retrieval")
        mapped.put("query", unwrap_call(_json(attrs, INPUT)), INPUT)
    elif kind == "tool":
        mapped = Mapped("tool")
        mapped.name = span.name
        arguments = call_arguments(_json(attrs, INPUT))
        if arguments:
            mapped.fields.update(arguments)
            mapped.consumed.add(INPUT)
        if OUTPUT in attrs:
            mapped.put("result", json_or_text(_json(attrs, OUTPUT)), OUTPUT)
    elif kind == "guardrail":
        mapped = Mapped("guardrail")
        mapped.put("input", _json(attrs, INPUT), INPUT)
        mapped.put("result", _json(attrs, OUTPUT), OUTPUT)
    elif kind == "retriever":
        mapped = Mapped("retrieval")
        mapped.put("query", unwrap_call(_json(attrs, INPUT)), INPUT)
        documents = _json(attrs, OUTPUT)
        if isinstance(documents, list):
            mapped.put("documents", documents, OUTPUT)
    elif kind in CONTAINER_TYPES:
        mapped = Mapped(None)
        mapped.input = unwrap_call(_json(attrs, INPUT))
        mapped.output = _json(attrs, OUTPUT)
        mapped.consumed.update(k for k in (INPUT, OUTPUT) if k in attrs)
    else:  # event, evaluator, ...: left to the mapping rules
        return None
    mapped.consumed.add(OBSERVATION_TYPE)
    if attrs.get(LEVEL) == "ERROR":
        mapped.error = {"message": text(attrs.get(STATUS_MESSAGE)) or "error"}
        mapped.consumed.update(k for k in (LEVEL, STATUS_MESSAGE) if k in attrs)
    return mapped


def _generation(mapped: Mapped, span: Span) -> None:
    attrs = span.attributes
    mapped.put("model", text(attrs.get(MODEL_NAME)), MODEL_NAME)
    request = _json(attrs, INPUT)
    if isinstance(request, dict) and ("messages" in request or "tools" in request):
        messages = openai_messages(request.get("messages")) if "messages" in request else None
        tools = tool_definitions(request.get("tools")) if "tools" in request else None
        if ("messages" not in request or messages is not None) and (
            "tools" not in request or tools is not None
        ):
            mapped.put("messages", messages)
            mapped.put("tools", tools)
            mapped.consumed.add(INPUT)
    elif isinstance(request, list):
        mapped.put("messages", openai_messages(request), INPUT)
    response = _json(attrs, OUTPUT)
    if isinstance(response, dict):
        mapped.put("response", openai_message({"role": "assistant", **response}), OUTPUT)
    elif isinstance(response, str):
        mapped.put("response", {"role": "assistant", "content": response}, OUTPUT)
    parameters = _json(attrs, MODEL_PARAMETERS)
    if isinstance(parameters, dict):
        mapped.put("parameters", parameters, MODEL_PARAMETERS)
    details = _json(attrs, USAGE_DETAILS)
    if isinstance(details, dict):
        prompt_details = details.get("prompt_tokens_details")
        completion_details = details.get("completion_tokens_details")
        counts = usage(
            _first(details, "input", "input_tokens", "prompt_tokens"),
            _first(details, "output", "output_tokens", "completion_tokens"),
            _first(details, "total", "total_tokens"),
            _first(details, "input_cached_tokens", "cache_read_input_tokens")
            if not isinstance(prompt_details, dict)
            else prompt_details.get("cached_tokens"),
            completion_details.get("reasoning_tokens") if isinstance(completion_details, dict) else None,
        )
        mapped.put("usage", counts, USAGE_DETAILS)
    details = _json(attrs, COST_DETAILS)
    if isinstance(details, dict):
        mapped.put("cost", cost(details.get("total")), COST_DETAILS)


def _first(values: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in values:
            return values[key]
    return None
