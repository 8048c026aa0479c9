"""The model call: one Chat Completions request, the assistant message back as a plain dict.

The agent only ever sees dicts in the OpenAI chat shape, which is also what ``pytest --agenttrace``
answers with when it patches :func:`chat` during a replay. ``openai`` is imported on the first real call
only, so a replay (and the demo) needs neither the SDK nor a key.
"""

from __future__ import annotations

import os
from typing import Any

MODEL = os.environ.get("REFUND_APP_MODEL", "gpt-4o-mini")

_client: Any = None


def set_client(client: Any) -> None:
    """Use this OpenAI client instead of one built from the environment (``make_traces.py`` does)."""
    global _client
    _client = client


def _get_client() -> Any:
    global _client
    if _client is None:
        import openai  # production only: needs OPENAI_API_KEY

        _client = openai.OpenAI()
    return _client


def chat(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Ask the model for the next step: ``{"role": "assistant", "content": ..., "tool_calls": [...]}``."""
    extra: dict[str, Any] = {"tools": tools} if tools else {}
    completion = _get_client().chat.completions.create(model=MODEL, messages=messages, temperature=0, **extra)
    message: dict[str, Any] = completion.choices[0].message.model_dump(exclude_none=True)
    return message
