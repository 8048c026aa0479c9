"""What every adapter shares: asking the replay for the next answer, and the errors of conversion.

An adapter speaks an SDK's language on one side and the replay's OpenAI-chat-shaped messages on the
other. Each request is converted to chat messages (so the actual run, the checks and the drift report see
one shape whatever SDK the agent uses), answered by :meth:`Replayer.answer_model`, and the answer is
converted back. Nothing here imports an SDK.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..replay.errors import ReplayError

if TYPE_CHECKING:
    from ..model import Usage
    from ..replay.replayer import Replayer

__all__ = [
    "AdapterError",
    "Answer",
    "arguments_object",
    "ask",
    "chat_tools",
    "json_text",
    "text_content",
]


class AdapterError(ReplayError, ValueError):
    """A recorded step that the agent's SDK cannot represent, or a request an adapter cannot read.

    Raised instead of dropping what does not fit (an image in an assistant answer given to a text-only
    format, tool arguments that are not a JSON object for an SDK that wants an object), because a replay
    that silently answers something else than the recording tests nothing.
    """


@dataclass(frozen=True, slots=True)
class Answer:
    """One model answer: the assistant message (chat shape) and what the recording says about it."""

    message: dict[str, Any]
    model: str | None
    """The recorded response model, else the requested one."""
    usage: Usage | None
    finish_reason: str | None
    index: int
    """Position of the model step in the actual run: a stable number for synthesized ids."""


def ask(
    replayer: Replayer,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    *,
    model: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> Answer:
    """The next recorded answer; the actual run's step also gets the requested model and parameters.

    ``Replayer.answer_model`` keeps the recorded model name on the actual step; what the agent asked for
    is what a check or the drift report wants to see, so the step is updated with it afterwards (also
    when the call raised: an unmatched call still shows which model was asked).
    """
    steps = replayer.run.steps
    before = len(steps)
    recorded_model: str | None = None
    try:
        message = replayer.answer_model(messages, tools, model=model)
    finally:
        if len(steps) > before:
            step = steps[before]
            recorded_model = getattr(step, "model", None)
            update: dict[str, Any] = {}
            if model is not None:
                update["model"] = model
            if parameters:
                update["parameters"] = dict(parameters)
            if update:
                steps[before] = step.model_copy(update=update)
    step = steps[before]
    return Answer(
        message=message,
        model=recorded_model or model,
        usage=getattr(step, "usage", None),
        finish_reason=getattr(step, "finish_reason", None),
        index=before,
    )


def text_content(message: Mapping[str, Any], sdk: str) -> str | None:
    """The assistant text of an answer; content parts other than text cannot be replayed as an answer."""
    content = message.get("content")
    if content is None or isinstance(content, str):
        return content
    texts: list[str] = []
    for part in content:
        if isinstance(part, Mapping) and part.get("type") in ("text", "output_text") and "text" in part:
            texts.append(str(part["text"]))
        else:
            kind = part.get("type") if isinstance(part, Mapping) else type(part).__name__
            raise AdapterError(
                f"the recorded answer holds a {kind!r} content part, which {sdk} cannot return as an "
                "assistant answer; replace it with text in the fixture, or answer this call from stubs"
            )
    return "".join(texts)


def arguments_object(call: Mapping[str, Any], sdk: str) -> dict[str, Any]:
    """A tool call's arguments as a JSON object, for SDKs that carry objects instead of JSON text."""
    function = call.get("function") or {}
    text = function.get("arguments") or "{}"
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise AdapterError(
            f"the recorded call to {function.get('name')!r} has arguments {text[:120]!r}, not a JSON "
            f"object; {sdk} carries tool input as an object, so this answer cannot be replayed through it"
        )
    return value


def json_text(value: Any) -> str:
    """JSON text of a value as an SDK would send it (non-ASCII kept, no spaces lost)."""
    return json.dumps(value, ensure_ascii=False)


def chat_tools(tools: Any) -> list[dict[str, Any]] | None:
    """Tools offered in any SDK's shape, as OpenAI chat ``tools`` (what the actual run keeps).

    Chat Completions (``{"type": "function", "function": {...}}``), Responses API (``{"type":
    "function", "name", "parameters"}``) and Anthropic (``{"name", "input_schema"}``) are understood;
    provider-hosted tools (web search, code interpreter) are kept by name only, with their type.
    """
    if not isinstance(tools, list | tuple):
        return None
    out: list[dict[str, Any]] = []
    for tool in tools:
        if not isinstance(tool, Mapping):
            continue
        function = tool.get("function")
        if isinstance(function, Mapping) and "name" in function:
            out.append({"type": "function", "function": dict(function)})
            continue
        name = tool.get("name")
        if not isinstance(name, str):
            continue
        definition: dict[str, Any] = {"name": name}
        if tool.get("description") is not None:
            definition["description"] = tool["description"]
        schema = tool.get("parameters", tool.get("input_schema"))
        if schema is not None:
            definition["parameters"] = schema
        if tool.get("strict") is not None:
            definition["strict"] = tool["strict"]
        out.append({"type": "function", "function": definition})
    return out


def parameters_of(body: Mapping[str, Any], skip: frozenset[str]) -> dict[str, Any]:
    """Request parameters (temperature, max_tokens, ...) from a request body, without the conversation."""
    return {key: value for key, value in body.items() if key not in skip and value is not None}
