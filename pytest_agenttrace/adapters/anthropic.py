"""The Anthropic Python SDK replayed at the HTTP level: the Messages API with tool use, streaming too.

Recorded answers are in the OpenAI chat shape whatever the source; here they become Anthropic content
blocks (``text``, ``tool_use``) and the Messages event stream (``message_start``, ``content_block_*``,
``input_json_delta``, ``message_delta``, ``message_stop``). The agent's requests are turned the other way
(``tool_use`` / ``tool_result`` blocks into ``tool_calls`` and ``tool`` messages) for the actual run. What
has no Anthropic form (tool arguments that are not a JSON object, an image in an answer) is an
:class:`AdapterError`, not a silent change. The SDK is imported only inside the functions that need it.

Ways in: ``transport(replayer)``, ``client(replayer)`` / ``async_client(replayer)``, and ``patch(replayer)``
(every client, including ones the agent builds itself; what ``adapter = "anthropic"`` uses).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._common import Answer, arguments_object, ask, chat_tools, json_text, parameters_of, text_content
from ._http import Reply, Route, dummy_api_keys, patch_http, pieces, sse

if TYPE_CHECKING:
    from ..replay.replayer import Replayer

__all__ = ["AnthropicRoute", "async_client", "client", "patch", "transport"]

_SDK = "the Anthropic Messages API"
_SKIP = frozenset({"messages", "system", "tools", "model", "stream"})


def _text(content: Any) -> Any:
    """Anthropic content as chat content: text blocks joined, other blocks kept as parts."""
    if not isinstance(content, list):
        return content
    parts = [dict(block) for block in content if isinstance(block, dict)]
    if all(part.get("type") == "text" for part in parts):
        return "".join(str(part.get("text", "")) for part in parts)
    return parts


def request_messages(request: dict[str, Any]) -> list[dict[str, Any]]:
    """An Anthropic request's ``system`` and ``messages`` as chat messages.

    ``tool_use`` blocks become the assistant's ``tool_calls``; each ``tool_result`` block becomes a
    ``tool`` message (before the user's text in the same turn, the order the model reads them in).
    """
    out: list[dict[str, Any]] = []
    system = request.get("system")
    if system:
        out.append({"role": "system", "content": _text(system)})
    for message in request.get("messages") or ():
        if not isinstance(message, dict):
            continue
        role = message.get("role", "user")
        content = message.get("content")
        if not isinstance(content, list):
            out.append({"role": role, "content": content})
            continue
        rest: list[dict[str, Any]] = []
        calls: list[dict[str, Any]] = []
        for block in content:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "tool_use":
                arguments = json_text(block.get("input") or {})
                calls.append(
                    {
                        "id": block.get("id"),
                        "type": "function",
                        "function": {"name": block.get("name"), "arguments": arguments},
                    }
                )
            elif kind == "tool_result":
                result = block.get("content")
                text = _text(result) if isinstance(result, list) else result
                out.append(
                    {
                        "role": "tool",
                        "tool_call_id": block.get("tool_use_id"),
                        "content": text if isinstance(text, str) else json_text(text),
                    }
                )
            elif kind not in ("thinking", "redacted_thinking"):
                rest.append(block)
        if rest or calls:
            built: dict[str, Any] = {"role": role, "content": _text(rest) if rest else None}
            if calls:
                built["tool_calls"] = calls
            out.append(built)
    return out


def _stop_reason(answer: Answer, has_calls: bool) -> str:
    recorded = (answer.finish_reason or "").lower()
    if has_calls:
        return "tool_use"
    if recorded in ("length", "max_tokens", "max_output_tokens"):
        return "max_tokens"
    if recorded in ("stop_sequence", "refusal", "pause_turn"):
        return recorded
    return "end_turn"


def _blocks(answer: Answer) -> list[dict[str, Any]]:
    text = text_content(answer.message, _SDK)
    blocks: list[dict[str, Any]] = []
    if text:
        blocks.append({"type": "text", "text": text})
    for call in answer.message.get("tool_calls") or ():
        blocks.append(
            {
                "type": "tool_use",
                "id": call["id"],
                "name": call["function"]["name"],
                "input": arguments_object(call, _SDK),
            }
        )
    if not blocks:
        blocks.append({"type": "text", "text": ""})
    return blocks


def _usage(answer: Answer) -> dict[str, Any]:
    usage = answer.usage
    return {
        "input_tokens": (usage.input_tokens if usage else None) or 0,
        "output_tokens": (usage.output_tokens if usage else None) or 0,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": (usage.cache_read_tokens if usage else None) or 0,
    }


def message_object(answer: Answer, model: str | None) -> dict[str, Any]:
    """A ``message`` response for one recorded answer."""
    blocks = _blocks(answer)
    return {
        "id": f"msg_agenttrace{answer.index}",
        "type": "message",
        "role": "assistant",
        "model": answer.model or model or "",
        "content": blocks,
        "stop_reason": _stop_reason(answer, any(b["type"] == "tool_use" for b in blocks)),
        "stop_sequence": None,
        "usage": _usage(answer),
    }


def message_events(answer: Answer, model: str | None) -> list[bytes]:
    """The Messages API event stream for one answer."""
    final = message_object(answer, model)
    events: list[bytes] = []

    def emit(kind: str, **fields: Any) -> None:
        events.append(sse({"type": kind, **fields}, event=kind))

    start = {**final, "content": [], "stop_reason": None, "usage": {**final["usage"], "output_tokens": 0}}
    emit("message_start", message=start)
    calls = iter(answer.message.get("tool_calls") or ())
    for index, block in enumerate(final["content"]):
        if block["type"] == "text":
            emit("content_block_start", index=index, content_block={"type": "text", "text": ""})
            for piece in pieces(block["text"]):
                emit("content_block_delta", index=index, delta={"type": "text_delta", "text": piece})
        else:
            call = next(calls)
            emit("content_block_start", index=index, content_block={**block, "input": {}})
            for piece in pieces(call["function"]["arguments"], 16):  # the recorded JSON text, as written
                emit(
                    "content_block_delta",
                    index=index,
                    delta={"type": "input_json_delta", "partial_json": piece},
                )
        emit("content_block_stop", index=index)
    emit(
        "message_delta",
        delta={"stop_reason": final["stop_reason"], "stop_sequence": None},
        usage={"output_tokens": final["usage"]["output_tokens"]},
    )
    emit("message_stop")
    return events


class AnthropicRoute(Route):
    """``POST .../v1/messages`` answered from the replay."""

    provider = "Anthropic"
    hosts = frozenset({"api.anthropic.com"})

    def is_model_call(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/").endswith("/messages") and "/batches" not in path

    def answer(self, path: str, request: dict[str, Any]) -> Reply:
        model = request.get("model")
        model = model if isinstance(model, str) else None
        answer = ask(
            self.replayer,
            request_messages(request),
            chat_tools(request.get("tools")),
            model=model,
            parameters=parameters_of(request, _SKIP),
        )
        if request.get("stream"):
            return Reply.events(message_events(answer, model))
        return Reply.json(message_object(answer, model))

    def sdk_error_base(self) -> type[Exception] | None:
        import anthropic

        return anthropic.AnthropicError

    def error_reply(self, status: int, kind: str, message: str) -> Reply:
        body = {"type": "error", "error": {"type": kind, "message": message}}
        return Reply.json(body, status, {"x-should-retry": "false"})


def transport(replayer: Replayer) -> Any:
    """A transport (sync and async) answering Anthropic model calls from ``replayer``."""
    import anthropic._base_client as base

    from ._transports import for_library

    # anthropic before 2.x is built on httpx
    return for_library("httpx2" if hasattr(base, "httpx2") else "httpx").replay_transport(
        AnthropicRoute(replayer)
    )


def client(replayer: Replayer, **kwargs: Any) -> Any:
    """An ``anthropic.Anthropic`` whose every request is answered by ``replayer`` (no key, no retries)."""
    import anthropic

    kwargs.setdefault("api_key", "agenttrace-replay-no-key")
    kwargs.setdefault("max_retries", 0)
    return anthropic.Anthropic(
        http_client=anthropic.DefaultHttpxClient(transport=transport(replayer)), **kwargs
    )


def async_client(replayer: Replayer, **kwargs: Any) -> Any:
    """An ``anthropic.AsyncAnthropic`` whose every request is answered by ``replayer``."""
    import anthropic

    kwargs.setdefault("api_key", "agenttrace-replay-no-key")
    kwargs.setdefault("max_retries", 0)
    return anthropic.AsyncAnthropic(
        http_client=anthropic.DefaultAsyncHttpxClient(transport=transport(replayer)), **kwargs
    )


@contextlib.contextmanager
def patch(replayer: Replayer) -> Iterator[Replayer]:
    """For the ``with`` block, Anthropic model calls from any client are answered by ``replayer``."""
    with dummy_api_keys("anthropic"), patch_http(AnthropicRoute(replayer)):
        yield replayer
