"""The OpenAI Agents SDK: ``Runner.run`` replays with a model provider and function tools from the recording.

- ``model_provider(replayer)`` is a ``ModelProvider`` for ``RunConfig(model_provider=...)``: every agent's
  model answers from the recording (Responses API by default, ``api="chat_completions"`` for the other);
- ``stub_tools(agent, replayer)`` is a clone of the agent (and of the agents it hands off to) whose
  function tools return the recorded results;
- ``patch(replayer)`` (what ``adapter = "openai-agents"`` uses) does both for an unmodified agent.

``agents`` is imported on first use only (the classes live in ``_agents_model``).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..replay.replayer import Replayer

__all__ = ["model", "model_provider", "patch", "stub_tools"]


def model_provider(replayer: Replayer, *, api: Literal["responses", "chat_completions"] = "responses") -> Any:
    """An Agents SDK ``ModelProvider`` whose models answer from ``replayer``."""
    from ._agents_model import ReplayModelProvider

    return ReplayModelProvider(replayer, api=api)


def model(
    replayer: Replayer,
    name: str | None = None,
    *,
    api: Literal["responses", "chat_completions"] = "responses",
) -> Any:
    """An Agents SDK ``Model`` answering from ``replayer``, to set as ``Agent(model=...)``."""
    return model_provider(replayer, api=api).get_model(name)


def stub_tools(agent: Any, replayer: Replayer) -> Any:
    """A clone of ``agent`` whose function tools return the recorded results (handoffs included)."""
    from ._agents_model import stub_tools as stub

    return stub(agent, replayer)


def patch(replayer: Replayer) -> contextlib.AbstractContextManager[Replayer]:
    """For a ``with`` block, unmodified Agents SDK runs replay from ``replayer``."""
    from ._agents_model import patch_agents

    return patch_agents(replayer)
