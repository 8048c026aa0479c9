"""OpenInference (Arize Phoenix) attributes: ``openinference.span.kind`` and the flattened ``llm.*`` keys.

Messages are flattened as ``llm.input_messages.N.message.role`` etc., with tool calls one level deeper
(``...message.tool_calls.M.tool_call.function.arguments``, JSON text). Indices sort numerically and may be
sparse. OTLP ``kind`` is INTERNAL even for LLM calls, so only the attribute tells the span kinds apart.
The LangChain instrumentor's TOOL spans carry no call id, and a single-argument tool records the bare
value as ``input.value``; the builder links such steps to the model's request by name and order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._common import Mapped, cost, flat_messages, indexed, mime_value, text, tool_arguments, usage
from ._decode import Span
from ._json import MISSING, json_or_text, parse_json_text
from ._messages import Message, openai_message, openai_messages, tool_call, tool_definition

SPAN_KIND: Final = "openinference.span.kind"
INPUT_VALUE: Final = "input.value"
INPUT_MIME: Final = "input.mime_type"
OUTPUT_VALUE: Final = "output.value"
OUTPUT_MIME: Final = "output.mime_type"
MODEL_NAME: Final = "llm.model_name"
PROVIDER: Final = "llm.provider"
SYSTEM: Final = "llm.system"
INVOCATION_PARAMETERS: Final = "llm.invocation_parameters"
INPUT_MESSAGES: Final = "llm.input_messages"
OUTPUT_MESSAGES: Final = "llm.output_messages"
TOOLS: Final = "llm.tools"
FINISH_REASON: Final = "llm.finish_reason"
TOKENS_PROMPT: Final = "llm.token_count.prompt"
TOKENS_COMPLETION: Final = "llm.token_count.completion"
TOKENS_TOTAL: Final = "llm.token_count.total"
TOKENS_CACHE_READ: Final = "llm.token_count.prompt_details.cache_read"
TOKENS_REASONING: Final = "llm.token_count.completion_details.reasoning"
COST_TOTAL: Final = "llm.cost.total"
TOOL_NAME: Final = "tool.name"
TOOL_CALL_ID: Final = "tool_call.id"
TOOL_CALL_NAME: Final = "tool_call.function.name"
TOOL_CALL_ARGUMENTS: Final = "tool_call.function.arguments"
EMBEDDING_MODEL: Final = "embedding.model_name"
EMBEDDINGS: Final = "embedding.embeddings"
EMBEDDING_TEXT: Final = "embedding.text"
RETRIEVAL_DOCUMENTS: Final = "retrieval.documents"
RERANKER_QUERY: Final = "reranker.query"
RERANKER_OUTPUT: Final = "reranker.output_documents"

CONTAINER_KINDS: Final = frozenset({"AGENT", "CHAIN"})


def matches(span: Span) -> bool:
    return SPAN_KIND in span.attributes


def map_span(span: Span) -> Mapped | None:
    kind = span.attributes.get(SPAN_KIND)
    kind = kind.upper() if isinstance(kind, str) else None
    if kind == "LLM":
        mapped = Mapped("model")
        _model(mapped, span)
    elif kind == "EMBEDDING":
        # not a model step: replay answers model steps to chat calls in order (docs/importers.md)
        mapped = Mapped("retrieval")
        texts = [values.get(EMBEDDING_TEXT) for _, values, _ in indexed(span.attributes, EMBEDDINGS)]
        if texts and all(isinstance(t, str) for t in texts):
            mapped.fields["query"] = texts[0] if len(texts) == 1 else texts
            mapped.consumed.update(
                key
                for _, values, keys in indexed(span.attributes, EMBEDDINGS)
                for key in keys
                if key.endswith("." + EMBEDDING_TEXT)
            )
    elif kind == "TOOL":
        mapped = Mapped("tool")
        _tool(mapped, span)
    elif kind in ("RETRIEVER", "RERANKER"):
        mapped = Mapped("retrieval")
        _retrieval(mapped, span, kind)
    elif kind == "GUARDRAIL":
        mapped = Mapped("guardrail")
        mapped.put("input", _io(mapped, span, INPUT_VALUE, INPUT_MIME), INPUT_VALUE, INPUT_MIME)
        mapped.put("result", _io(mapped, span, OUTPUT_VALUE, OUTPUT_MIME), OUTPUT_VALUE, OUTPUT_MIME)
    elif kind in CONTAINER_KINDS:
        mapped = Mapped(None)
        mapped.input = _io(mapped, span, INPUT_VALUE, INPUT_MIME)
        mapped.output = _io(mapped, span, OUTPUT_VALUE, OUTPUT_MIME)
        mapped.consumed.update(
            k for k in (INPUT_VALUE, INPUT_MIME, OUTPUT_VALUE, OUTPUT_MIME) if k in span.attributes
        )
    else:  # EVALUATOR, PROMPT, UNKNOWN: left to the mapping rules
        return None
    mapped.consumed.add(SPAN_KIND)
    return mapped


def _io(mapped: Mapped, span: Span, value_key: str, mime_key: str) -> Any:
    if value_key not in span.attributes:
        return MISSING
    return mime_value(span.attributes[value_key], span.attributes.get(mime_key))


def _flat_message(values: Mapping[str, Any]) -> Message | None:
    """One message from its flattened keys (``message.role``, ``message.tool_calls.0.tool_call.id``, ...)."""
    raw: dict[str, Any] = {}
    for key in ("role", "content", "name", "tool_call_id"):
        if f"message.{key}" in values:
            raw[key] = values[f"message.{key}"]
    parts = indexed(values, "message.contents")
    if parts and "content" not in raw:
        content = []
        for _, part, _ in parts:
            kind = part.get("message_content.type")
            if kind == "text" and isinstance(part.get("message_content.text"), str):
                content.append({"type": "text", "text": part["message_content.text"]})
            elif kind == "image" and isinstance(part.get("message_content.image.image.url"), str):
                content.append(
                    {"type": "image_url", "image_url": {"url": part["message_content.image.image.url"]}}
                )
            else:
                content.append({k.removeprefix("message_content."): v for k, v in part.items()})
        raw["content"] = content
    message = openai_message(raw)
    if message is None:
        return None
    calls = []
    for _, call, _ in indexed(values, "message.tool_calls"):
        converted = tool_call(call.get(TOOL_CALL_ID), call.get(TOOL_CALL_NAME), call.get(TOOL_CALL_ARGUMENTS))
        if converted is None:
            return None
        calls.append(converted)
    if calls:
        message["tool_calls"] = calls
    return message


def _usage(mapped: Mapped, attrs: Mapping[str, Any]) -> None:
    counts = usage(
        attrs.get(TOKENS_PROMPT),
        attrs.get(TOKENS_COMPLETION),
        attrs.get(TOKENS_TOTAL),
        attrs.get(TOKENS_CACHE_READ),
        attrs.get(TOKENS_REASONING),
    )
    if counts:
        mapped.fields["usage"] = counts
        keys = {
            "input_tokens": TOKENS_PROMPT,
            "output_tokens": TOKENS_COMPLETION,
            "total_tokens": TOKENS_TOTAL,
            "cache_read_tokens": TOKENS_CACHE_READ,
            "reasoning_tokens": TOKENS_REASONING,
        }
        mapped.consumed.update(keys[name] for name in counts)


def _model(mapped: Mapped, span: Span) -> None:
    attrs = span.attributes
    mapped.put("model", text(attrs.get(MODEL_NAME)), MODEL_NAME)
    provider_key = PROVIDER if text(attrs.get(PROVIDER)) else SYSTEM
    mapped.put("provider", text(attrs.get(provider_key)), provider_key)
    if attrs.get(SYSTEM) == attrs.get(PROVIDER):
        mapped.consumed.add(SYSTEM)

    request = (
        parse_json_text(attrs.get(INPUT_VALUE))
        if "json" in str(attrs.get(INPUT_MIME, "")).lower()
        else MISSING
    )
    messages = flat_messages(mapped, attrs, INPUT_MESSAGES, _flat_message)
    if messages is None and isinstance(request, dict):  # content only in the raw request body
        messages = openai_messages(request.get("messages"))
    mapped.put("messages", messages)

    tools: list[dict[str, Any]] = []
    tool_groups = indexed(attrs, TOOLS)
    for _, values, _ in tool_groups:
        definition = tool_definition(values.get("tool.json_schema"))
        if definition is None:
            tools = []
            break
        tools.append(definition)
    if tools:
        mapped.fields["tools"] = tools
        for _, _, keys in tool_groups:
            mapped.consumed.update(keys)

    parameters = parse_json_text(attrs.get(INVOCATION_PARAMETERS))
    if isinstance(parameters, dict):
        mapped.put("parameters", {k: v for k, v in parameters.items() if k not in ("messages", "tools")})
        mapped.consumed.add(INVOCATION_PARAMETERS)

    outputs = flat_messages(mapped, attrs, OUTPUT_MESSAGES, _flat_message)
    reason = text(attrs.get(FINISH_REASON))
    if reason:
        mapped.put("finish_reason", reason, FINISH_REASON)
    response_body = (
        parse_json_text(attrs.get(OUTPUT_VALUE))
        if "json" in str(attrs.get(OUTPUT_MIME, "")).lower()
        else MISSING
    )
    if outputs:
        mapped.fields["response"] = outputs[0]
    elif isinstance(response_body, dict):
        choices = response_body.get("choices")
        first = choices[0] if isinstance(choices, list) and choices else None
        if isinstance(first, dict):
            converted = openai_message(first.get("message"))
            if converted is not None:
                mapped.fields["response"] = converted
            if isinstance(first.get("finish_reason"), str):
                mapped.fields.setdefault("finish_reason", first["finish_reason"])
    _usage(mapped, attrs)
    mapped.put("cost", cost(attrs.get(COST_TOTAL)), COST_TOTAL)


def _tool(mapped: Mapped, span: Span) -> None:
    attrs = span.attributes
    name = text(attrs.get(TOOL_NAME))
    if name:
        mapped.consumed.add(TOOL_NAME)
    mapped.name = name or span.name
    mapped.put("call_id", text(attrs.get(TOOL_CALL_ID)), TOOL_CALL_ID)
    if INPUT_VALUE in attrs:
        raw = attrs[INPUT_VALUE]
        value = mime_value(raw, attrs.get(INPUT_MIME))
        arguments = tool_arguments(value if isinstance(value, dict) else raw)
        if arguments:
            mapped.fields.update(arguments)
            mapped.consumed.update(k for k in (INPUT_VALUE, INPUT_MIME) if k in attrs)
    if OUTPUT_VALUE in attrs:
        raw = attrs[OUTPUT_VALUE]
        value = mime_value(raw, attrs.get(OUTPUT_MIME))
        mapped.fields["result"] = json_or_text(value) if value is raw else value
        mapped.consumed.update(k for k in (OUTPUT_VALUE, OUTPUT_MIME) if k in attrs)


def _documents(attrs: Mapping[str, Any], prefix: str) -> tuple[list[Any], list[str]]:
    documents: list[Any] = []
    keys: list[str] = []
    for _, values, group_keys in indexed(attrs, prefix):
        document = {k.removeprefix("document."): v for k, v in values.items()}
        if isinstance(document.get("metadata"), str):
            parsed = parse_json_text(document["metadata"])
            if parsed is not MISSING:
                document["metadata"] = parsed
        documents.append(document)
        keys.extend(group_keys)
    return documents, keys


def _retrieval(mapped: Mapped, span: Span, kind: str) -> None:
    attrs = span.attributes
    if kind == "RERANKER" and RERANKER_QUERY in attrs:
        mapped.put("query", attrs[RERANKER_QUERY], RERANKER_QUERY)
    else:
        mapped.put("query", _io(mapped, span, INPUT_VALUE, INPUT_MIME), INPUT_VALUE, INPUT_MIME)
    documents, keys = _documents(attrs, RERANKER_OUTPUT if kind == "RERANKER" else RETRIEVAL_DOCUMENTS)
    if documents:
        mapped.fields["documents"] = documents
        mapped.consumed.update(keys)
