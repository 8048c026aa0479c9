"""The OpenAI Python SDK replayed at the HTTP level: Chat Completions and the Responses API.

Answers are synthesized in the exact wire format (``chat.completion`` objects, Responses API output items,
and their server-sent-event streams for ``stream=True``), so the SDK's own parsing, its stream helpers and
any framework on top of it (LangChain's ``ChatOpenAI``, the Agents SDK's OpenAI models) run unchanged.
The SDK is imported only inside the functions that need it.

Three ways in, from the least to the most invasive:

- ``transport(replayer)``: a transport for a client the test builds, ``httpx2.Client(transport=...)``.
- ``client(replayer)`` / ``async_client(replayer)``: a ready ``OpenAI`` / ``AsyncOpenAI``.
- ``patch(replayer)``: for the ``with`` block, every client's default transport answers OpenAI model
  calls from the replay, including clients the agent created itself; ``adapter = "openai"`` uses this.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from ._common import Answer, ask, chat_tools, json_text, parameters_of, text_content
from ._http import Reply, Route, dummy_api_keys, patch_http, pieces, sse

if TYPE_CHECKING:
    from ..replay.replayer import Replayer

__all__ = ["OpenAIRoute", "async_client", "client", "patch", "transport"]

HttpLibrary = Literal["auto", "httpx2", "httpx"]
_CREATED = 1_700_000_000  # a fixed timestamp: the same fixture gives the same bytes on every replay
_CHAT_SKIP = frozenset({"messages", "tools", "model", "stream", "stream_options", "functions"})
_RESPONSES_SKIP = frozenset({"input", "instructions", "tools", "model", "stream", "stream_options"})


def _finish_reason(answer: Answer, has_calls: bool) -> str:
    recorded = (answer.finish_reason or "").lower()
    if has_calls:
        return "tool_calls"
    if recorded in ("length", "max_tokens", "max_output_tokens"):
        return "length"
    if recorded == "content_filter":
        return "content_filter"
    return "stop"


def _tokens(answer: Answer) -> tuple[int, int, int, int, int]:
    usage = answer.usage
    if usage is None:
        return 0, 0, 0, 0, 0
    prompt = usage.input_tokens or 0
    completion = usage.output_tokens or 0
    total = usage.total_tokens if usage.total_tokens is not None else prompt + completion
    return prompt, completion, total, usage.cache_read_tokens or 0, usage.reasoning_tokens or 0


# -- Chat Completions -------------------------------------------------------------------------------------


def _chat_usage(answer: Answer) -> dict[str, Any]:
    prompt, completion, total, cached, reasoning = _tokens(answer)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": total,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0},
    }


def _calls(answer: Answer) -> list[dict[str, Any]]:
    return [
        {
            "id": call["id"],
            "type": "function",
            "function": {"name": call["function"]["name"], "arguments": call["function"]["arguments"]},
        }
        for call in answer.message.get("tool_calls") or ()
    ]


def chat_completion(answer: Answer, model: str | None) -> dict[str, Any]:
    """A ``chat.completion`` object for one recorded answer."""
    calls = _calls(answer)
    message: dict[str, Any] = {
        "role": "assistant",
        "content": text_content(answer.message, "the Chat Completions API"),
        "refusal": None,
        "annotations": [],
    }
    if calls:
        message["tool_calls"] = calls
    return {
        "id": f"chatcmpl-agenttrace-{answer.index}",
        "object": "chat.completion",
        "created": _CREATED,
        "model": answer.model or model or "",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": _finish_reason(answer, bool(calls)),
                "logprobs": None,
            }
        ],
        "usage": _chat_usage(answer),
        "service_tier": "default",
        "system_fingerprint": None,
    }


def chat_chunks(answer: Answer, model: str | None, include_usage: bool) -> list[bytes]:
    """The SSE stream of ``chat.completion.chunk`` objects for one answer, ending with ``[DONE]``."""
    text = text_content(answer.message, "the Chat Completions API")
    calls = _calls(answer)
    head = {
        "id": f"chatcmpl-agenttrace-{answer.index}",
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": answer.model or model or "",
        "service_tier": "default",
        "system_fingerprint": None,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        body = {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}
        if include_usage:
            body["usage"] = None
        return sse(body)

    out = [chunk({"role": "assistant", "content": "", "refusal": None})]
    out.extend(chunk({"content": piece}) for piece in pieces(text or ""))
    for index, call in enumerate(calls):
        function = call["function"]
        first = {"index": index, "id": call["id"], "type": "function"}
        out.append(
            chunk({"tool_calls": [{**first, "function": {"name": function["name"], "arguments": ""}}]})
        )
        for piece in pieces(function["arguments"], 16):
            out.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
    out.append(chunk({}, _finish_reason(answer, bool(calls))))
    if include_usage:
        out.append(sse({**head, "choices": [], "usage": _chat_usage(answer)}))
    out.append(sse("[DONE]"))
    return out


# -- Responses API ----------------------------------------------------------------------------------------


def _text_of_parts(content: Any) -> Any:
    """Responses content parts as chat content: text parts joined into a string, others kept."""
    if not isinstance(content, list):
        return content
    parts: list[dict[str, Any]] = []
    for part in content:
        if isinstance(part, dict) and part.get("type") in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": part.get("text", "")})
        elif isinstance(part, dict):
            parts.append(dict(part))
    if all(part["type"] == "text" for part in parts):
        return "".join(part["text"] for part in parts)
    return parts


def responses_messages(request: dict[str, Any]) -> list[dict[str, Any]]:
    """A Responses API request's ``instructions`` and ``input`` items as chat messages.

    A ``function_call`` item joins the assistant message before it (chat puts text and tool calls in one
    message); ``function_call_output`` becomes a ``tool`` message; reasoning items carry no conversation.
    """
    out: list[dict[str, Any]] = []
    instructions = request.get("instructions")
    if instructions:
        out.append({"role": "system", "content": _text_of_parts(instructions)})
    items = request.get("input")
    if isinstance(items, str):
        return [*out, {"role": "user", "content": items}]
    for item in items or ():
        if not isinstance(item, dict):
            continue
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind == "message":
            out.append({"role": item.get("role", "user"), "content": _text_of_parts(item.get("content"))})
        elif kind == "function_call":
            call = {
                "id": item.get("call_id") or item.get("id"),
                "type": "function",
                "function": {"name": item.get("name"), "arguments": item.get("arguments", "")},
            }
            last = out[-1] if out else None
            if last is not None and last["role"] == "assistant":
                last.setdefault("tool_calls", []).append(call)
            else:
                out.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else json_text(_text_of_parts(output))
            out.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": text})
    return out


def _responses_usage(answer: Answer) -> dict[str, Any]:
    prompt, completion, total, cached, reasoning = _tokens(answer)
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": total,
    }


def _output_items(answer: Answer) -> list[dict[str, Any]]:
    text = text_content(answer.message, "the Responses API")
    calls = _calls(answer)
    items: list[dict[str, Any]] = []
    if text or not calls:
        items.append(
            {
                "id": f"msg_agenttrace{answer.index}",
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text or "", "annotations": [], "logprobs": []}],
            }
        )
    for number, call in enumerate(calls):
        items.append(
            {
                "id": f"fc_agenttrace{answer.index}_{number}",
                "type": "function_call",
                "status": "completed",
                "call_id": call["id"],
                "name": call["function"]["name"],
                "arguments": call["function"]["arguments"],
            }
        )
    return items


def response_object(
    answer: Answer | None, request: dict[str, Any], index: int, output: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A ``response`` object: completed with the answer's output, or in progress (``answer`` None)."""
    incomplete = answer is not None and _finish_reason(answer, False) == "length" and not _calls(answer)
    status = "in_progress" if answer is None else "incomplete" if incomplete else "completed"
    return {
        "id": f"resp_agenttrace{index}",
        "object": "response",
        "created_at": _CREATED,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "instructions": request.get("instructions"),
        "max_output_tokens": request.get("max_output_tokens"),
        "model": (answer.model if answer is not None else None) or request.get("model") or "",
        "output": output if output is not None else [],
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "previous_response_id": request.get("previous_response_id"),
        "reasoning": request.get("reasoning") or {"effort": None, "summary": None},
        "service_tier": "default",
        "store": request.get("store", True),
        "temperature": request.get("temperature", 1.0),
        "text": request.get("text") or {"format": {"type": "text"}},
        "tool_choice": request.get("tool_choice", "auto"),
        "tools": request.get("tools") or [],
        "top_p": request.get("top_p", 1.0),
        "truncation": request.get("truncation", "disabled"),
        "usage": _responses_usage(answer) if answer is not None else None,
        "user": None,
        "metadata": request.get("metadata") or {},
    }


def response_events(answer: Answer, request: dict[str, Any]) -> list[bytes]:
    """The Responses API event stream for one answer, from ``response.created`` to ``response.completed``."""
    items = _output_items(answer)
    events: list[bytes] = []

    def emit(kind: str, **fields: Any) -> None:
        events.append(sse({"type": kind, "sequence_number": len(events), **fields}, event=kind))

    emit("response.created", response=response_object(None, request, answer.index))
    emit("response.in_progress", response=response_object(None, request, answer.index))
    for index, item in enumerate(items):
        item_id = item["id"]
        if item["type"] == "message":
            emit(
                "response.output_item.added",
                output_index=index,
                item={**item, "status": "in_progress", "content": []},
            )
            part = item["content"][0]
            emit(
                "response.content_part.added",
                item_id=item_id,
                output_index=index,
                content_index=0,
                part={**part, "text": ""},
            )
            for piece in pieces(part["text"]):
                emit(
                    "response.output_text.delta",
                    item_id=item_id,
                    output_index=index,
                    content_index=0,
                    delta=piece,
                    logprobs=[],
                )
            emit(
                "response.output_text.done",
                item_id=item_id,
                output_index=index,
                content_index=0,
                text=part["text"],
                logprobs=[],
            )
            emit(
                "response.content_part.done", item_id=item_id, output_index=index, content_index=0, part=part
            )
        else:
            emit(
                "response.output_item.added",
                output_index=index,
                item={**item, "status": "in_progress", "arguments": ""},
            )
            for piece in pieces(item["arguments"], 16):
                emit(
                    "response.function_call_arguments.delta", item_id=item_id, output_index=index, delta=piece
                )
            emit(
                "response.function_call_arguments.done",
                item_id=item_id,
                output_index=index,
                name=item["name"],
                arguments=item["arguments"],
            )
        emit("response.output_item.done", output_index=index, item=item)
    final = response_object(answer, request, answer.index, items)
    emit("response.incomplete" if final["status"] == "incomplete" else "response.completed", response=final)
    return events


# -- the route and the ways in ----------------------------------------------------------------------------


class OpenAIRoute(Route):
    """``POST .../chat/completions`` and ``POST .../responses`` answered from the replay."""

    provider = "OpenAI"
    hosts = frozenset({"api.openai.com"})

    def is_model_call(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/").endswith(("/chat/completions", "/responses"))

    def answer(self, path: str, request: dict[str, Any]) -> Reply:
        model = request.get("model")
        model = model if isinstance(model, str) else None
        stream = bool(request.get("stream"))
        if path.rstrip("/").endswith("/chat/completions"):
            messages = list(request.get("messages") or [])
            answer = ask(
                self.replayer,
                messages,
                chat_tools(request.get("tools")),
                model=model,
                parameters=parameters_of(request, _CHAT_SKIP),
            )
            if stream:
                options = request.get("stream_options") or {}
                return Reply.events(chat_chunks(answer, model, bool(options.get("include_usage"))))
            return Reply.json(chat_completion(answer, model))
        answer = ask(
            self.replayer,
            responses_messages(request),
            chat_tools(request.get("tools")),
            model=model,
            parameters=parameters_of(request, _RESPONSES_SKIP),
        )
        if stream:
            return Reply.events(response_events(answer, request))
        return Reply.json(response_object(answer, request, answer.index, _output_items(answer)))

    def sdk_error_base(self) -> type[Exception] | None:
        import openai

        return openai.OpenAIError

    def error_reply(self, status: int, kind: str, message: str) -> Reply:
        body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        return Reply.json(body, status, {"x-should-retry": "false"})


def _library() -> str:
    """The HTTP library the installed ``openai`` is built on: ``httpx2`` (3.x) or ``httpx`` (1.x)."""
    import openai._base_client as base

    return "httpx2" if hasattr(base, "httpx2") else "httpx"


def transport(replayer: Replayer, *, library: HttpLibrary = "auto") -> Any:
    """A transport (sync and async) answering OpenAI model calls from ``replayer``, for ``http_client``.

    ``library`` picks the HTTP library of the client it is given to; ``auto`` is the one ``openai`` uses.
    """
    if library == "auto":
        library = "httpx2" if _library() == "httpx2" else "httpx"
    from ._transports import for_library

    return for_library("httpx2" if library == "httpx2" else "httpx").replay_transport(OpenAIRoute(replayer))


def client(replayer: Replayer, **kwargs: Any) -> Any:
    """An ``openai.OpenAI`` whose every request is answered by ``replayer`` (no key, no retries)."""
    import openai

    kwargs.setdefault("api_key", "agenttrace-replay-no-key")
    kwargs.setdefault("max_retries", 0)
    return openai.OpenAI(http_client=openai.DefaultHttpxClient(transport=transport(replayer)), **kwargs)


def async_client(replayer: Replayer, **kwargs: Any) -> Any:
    """An ``openai.AsyncOpenAI`` whose every request is answered by ``replayer``."""
    import openai

    kwargs.setdefault("api_key", "agenttrace-replay-no-key")
    kwargs.setdefault("max_retries", 0)
    return openai.AsyncOpenAI(
        http_client=openai.DefaultAsyncHttpxClient(transport=transport(replayer)), **kwargs
    )


@contextlib.contextmanager
def patch(replayer: Replayer) -> Iterator[Replayer]:
    """For the ``with`` block, OpenAI model calls from any client are answered by ``replayer``.

    ``OPENAI_API_KEY`` gets a placeholder when unset, so an agent that builds ``OpenAI()`` itself runs
    in CI without a secret; nothing is sent anywhere.
    """
    with dummy_api_keys("openai"), patch_http(OpenAIRoute(replayer)):
        yield replayer
