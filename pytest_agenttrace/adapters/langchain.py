"""LangChain: a chat model answering from the recording, for LangChain and LangGraph agents.

Two ways in:

- explicit: ``chat_model(replayer)`` is a :class:`ReplayChatModel` (a ``BaseChatModel``) to give the agent
  where it takes a model; it binds tools like ``ChatOpenAI`` does and returns ``AIMessage`` values with
  ``tool_calls``, usage and streaming chunks;
- zero-code: ``patch(replayer)`` (what ``adapter = "langchain"`` uses) makes *every* LangChain chat model
  answer from the recording for the ``with`` block, whichever provider class the agent built.

``langchain_core`` is imported on first use only (the model class lives in ``_langchain_model``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..replay.replayer import Replayer
    from ._langchain_model import ReplayChatModel

__all__ = ["ReplayChatModel", "chat_model", "patch"]


def chat_model(replayer: Replayer, *, model_name: str | None = None) -> ReplayChatModel:
    """A LangChain chat model answering from ``replayer``; ``model_name`` is what the actual run records."""
    from ._langchain_model import ReplayChatModel

    return ReplayChatModel(replayer=replayer, model_name=model_name)


@contextlib.contextmanager
def patch(replayer: Replayer) -> Iterator[Replayer]:
    """For a ``with`` block, every LangChain chat model answers from ``replayer``.

    ``OPENAI_API_KEY`` and ``ANTHROPIC_API_KEY`` get placeholders when unset: ``ChatOpenAI()`` and
    ``ChatAnthropic()`` refuse to be built without a key, and a replay in CI has none (nor needs one).
    """
    from ._http import dummy_api_keys
    from ._langchain_model import patch_chat_models

    with dummy_api_keys("openai", "anthropic"), patch_chat_models(replayer) as patched:
        yield patched


def __getattr__(name: str) -> Any:
    if name == "ReplayChatModel":
        from ._langchain_model import ReplayChatModel

        return ReplayChatModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
