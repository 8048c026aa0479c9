"""Replaying a recorded run: stubs that answer the agent's model and tool calls from the recording.

Nothing here imports pytest, the importers or the store: a replay is usable from any test runner or a
script. Names load on first use, so that production code importing the decorators (``replay_tool``,
``replay_model``) does not pay for pydantic and the fixture model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .decorators import replay_model, replay_tool
    from .drift import Drift
    from .entry import call_entrypoint, resolve
    from .errors import RecordedError, RecordedModelError, RecordedToolError, ReplayError, UnmatchedCall
    from .inputs import agent_input
    from .patching import Patches
    from .replayer import Replayer
    from .run import ActualRun

__all__ = [
    "ActualRun",
    "Drift",
    "Patches",
    "RecordedError",
    "RecordedModelError",
    "RecordedToolError",
    "ReplayError",
    "Replayer",
    "UnmatchedCall",
    "agent_input",
    "call_entrypoint",
    "replay_model",
    "replay_tool",
    "resolve",
]

_LAZY = {
    "ActualRun": "run",
    "Drift": "drift",
    "Patches": "patching",
    "RecordedError": "errors",
    "RecordedModelError": "errors",
    "RecordedToolError": "errors",
    "ReplayError": "errors",
    "Replayer": "replayer",
    "UnmatchedCall": "errors",
    "agent_input": "inputs",
    "call_entrypoint": "entry",
    "replay_model": "decorators",
    "replay_tool": "decorators",
    "resolve": "entry",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
