"""pytest-agenttrace: recorded AI-agent runs as replayable pytest regression tests.

The public API is small and listed in ``__all__``; names are imported on first use so that loading the
pytest plugin (which imports this package) costs nothing in test runs that do not use ``--agenttrace``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .errors import (
        AgentTraceError,
        FixtureError,
        FixtureExistsError,
        FixtureVersionError,
        TraceFormatError,
    )
    from .model import FORMAT_VERSION, Fixture, Message, ModelStep, Step, ToolCall, ToolStep
    from .replay.decorators import replay_model, replay_tool
    from .replay.errors import RecordedModelError, RecordedToolError, ReplayError, UnmatchedCall
    from .replay.replayer import Replayer
    from .store import dump_fixture, load_fixture, save_fixture

__all__ = [
    "FORMAT_VERSION",
    "AgentTraceError",
    "Fixture",
    "FixtureError",
    "FixtureExistsError",
    "FixtureVersionError",
    "Message",
    "ModelStep",
    "RecordedModelError",
    "RecordedToolError",
    "ReplayError",
    "Replayer",
    "Step",
    "ToolCall",
    "ToolStep",
    "TraceFormatError",
    "UnmatchedCall",
    "__version__",
    "dump_fixture",
    "load_fixture",
    "replay_model",
    "replay_tool",
    "save_fixture",
]

_LAZY = {
    "AgentTraceError": "errors",
    "FixtureError": "errors",
    "FixtureExistsError": "errors",
    "FixtureVersionError": "errors",
    "TraceFormatError": "errors",
    "FORMAT_VERSION": "model",
    "Fixture": "model",
    "Message": "model",
    "ModelStep": "model",
    "Step": "model",
    "ToolCall": "model",
    "ToolStep": "model",
    "dump_fixture": "store",
    "load_fixture": "store",
    "save_fixture": "store",
    "RecordedModelError": "replay.errors",
    "RecordedToolError": "replay.errors",
    "ReplayError": "replay.errors",
    "Replayer": "replay.replayer",
    "UnmatchedCall": "replay.errors",
    "replay_model": "replay.decorators",
    "replay_tool": "replay.decorators",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_agenttrace' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
