"""The exception tree of pytest-agenttrace.

Every error a user can cause derives from :class:`AgentTraceError` and also from the builtin it resembles,
so ``except ValueError`` in a caller keeps working::

    AgentTraceError
    ├── InputError(ValueError)            bad input: a file, a place in it, one line to show
    │   ├── FixtureError                  a fixture file that cannot be read or is invalid
    │   │   └── FixtureVersionError       written by a newer, incompatible format version
    │   └── TraceFormatError              an export that cannot be imported
    ├── FixtureExistsError(FileExistsError)  a write that would overwrite without ``force``
    └── ConfigError(ValueError)           bad ``[tool.agenttrace]`` configuration

The CLI turns any of these into one line on stderr and exit code 2; nothing else is caught there, so a bug
in the tool still shows its traceback.
"""

from __future__ import annotations

__all__ = [
    "AgentTraceError",
    "ConfigError",
    "FixtureError",
    "FixtureExistsError",
    "FixtureVersionError",
    "InputError",
    "TraceFormatError",
]


class AgentTraceError(Exception):
    """Root of every error pytest-agenttrace raises on purpose."""


class InputError(AgentTraceError, ValueError):
    """Input that cannot be used; ``str()`` is one line naming the file and the place in it."""

    def __init__(self, message: str, *, path: str | None = None, where: str | None = None) -> None:
        self.path = path
        self.where = where
        self.detail = message
        prefix = path or ""
        if where:
            prefix = f"{prefix}: {where}" if prefix else where
        super().__init__(f"{prefix}: {message}" if prefix else message)


class FixtureError(InputError):
    """A fixture file that cannot be parsed or does not match the fixture format."""


class FixtureVersionError(FixtureError):
    """A fixture written in a format version this release cannot read."""


class TraceFormatError(InputError):
    """A trace export that is malformed, truncated, or of an unknown format."""


class FixtureExistsError(AgentTraceError, FileExistsError):
    """A fixture file already exists and overwriting it was not asked for."""


class ConfigError(AgentTraceError, ValueError):
    """Invalid ``[tool.agenttrace]`` settings in ``pyproject.toml``."""
