"""The one argument a zero-code replay passes to the agent's entrypoint, from the fixture's ``input``.

``handle(request: str)`` is the most common agent signature, and tracing stacks record the same request in
different shapes (OTel GenAI's ``invoke_agent`` records a message list, LangSmith a dict, others the text).
So a recorded conversation whose new turn is one user text message becomes that text, whatever the
source format recorded, and the same run always gives the same argument. ``input = "messages"`` in
``[tool.agenttrace]`` asks for the message list instead.
"""

from __future__ import annotations

from typing import Any, Literal

from ._copy import thaw

__all__ = ["InputMode", "agent_input", "as_messages", "text_of"]

InputMode = Literal["auto", "messages"]
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
_TEXT_PARTS = frozenset({"text", "input_text", "output_text"})
_PROMPT_ROLES = frozenset({"system", "developer"})


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and value.get("role") in _ROLES


def _conversation(value: Any) -> list[dict[str, Any]] | None:
    """The message list a recorded input holds, or None when it is not a conversation."""
    if isinstance(value, dict):
        if _is_message(value):
            return [value]
        if set(value) == {"messages"}:
            value = value["messages"]
    if isinstance(value, list) and value and all(_is_message(item) for item in value):
        return value
    return None


def text_of(content: Any) -> str | None:
    """Text content: a string, or a list of text parts joined; None for anything else (images, ...)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and content:
        texts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") not in _TEXT_PARTS:
                return None
            text = part.get("text")
            if not isinstance(text, str):
                return None
            texts.append(text)
        return "".join(texts)
    return None


def _new_turn_text(messages: list[dict[str, Any]]) -> str | None:
    """The text of the new turn when it is exactly one user text message (system prompts aside)."""
    turn: list[dict[str, Any]] = []
    for message in reversed(messages):
        if message["role"] in ("assistant", "tool"):
            break
        if message["role"] not in _PROMPT_ROLES:
            turn.append(message)
    if len(turn) != 1 or turn[0]["role"] != "user":
        return None
    return text_of(turn[0].get("content"))


def as_messages(value: Any) -> list[dict[str, Any]]:
    """The input as a chat message list: a conversation as recorded, any other value as one user message."""
    conversation = _conversation(value)
    if conversation is not None:
        return [dict(m) for m in thaw(conversation)]
    if value is None:
        return []
    return [{"role": "user", "content": value if isinstance(value, str) else thaw(value)}]


def agent_input(value: Any, mode: InputMode = "auto") -> Any:
    """The entrypoint's argument for a recorded ``input`` (a fresh copy: the agent may mutate it)."""
    if mode == "messages":
        return as_messages(value)
    if isinstance(value, str) or value is None:
        return value
    conversation = _conversation(value)
    if conversation is not None:
        text = _new_turn_text(conversation)
        if text is not None:
            return text
    return thaw(value)
