"""Exceptions a replay raises *inside the agent*, where the agent's own error handling sees them.

They derive from :class:`~pytest_agenttrace.errors.AgentTraceError` and from the builtin they resemble, so
an agent that catches ``RuntimeError`` around a tool call handles a recorded tool error the way it handled
the real one in production, and a test can still tell a replay problem from a bug in the agent.
"""

from __future__ import annotations

from typing import Any

from ..errors import AgentTraceError

__all__ = ["RecordedError", "RecordedModelError", "RecordedToolError", "ReplayError", "UnmatchedCall"]


class ReplayError(AgentTraceError):
    """Root of the errors a replay raises in the agent."""


class RecordedError(ReplayError, RuntimeError):
    """A call whose recorded outcome was an error: raised again, carrying the recorded message.

    ``error_type`` is the recorded exception type name (``RefundLimitExceeded``), kept as text because the
    class itself may not exist in the agent's code any more, and a fixture never names code to import.
    """

    def __init__(self, message: str, *, name: str, error_type: str | None = None) -> None:
        self.name = name
        self.error_type = error_type
        self.message = message
        super().__init__(f"{error_type}: {message}" if error_type else message)


class RecordedToolError(RecordedError):
    """A tool call answered with the error the tool raised in the recording (or a stub's ``error``)."""


class RecordedModelError(RecordedError):
    """A model call whose recorded step ended in an error (a rate limit, a refusal, a timeout)."""


class UnmatchedCall(ReplayError, LookupError):
    """A call that neither the recording nor the fixture's ``stubs`` can answer.

    ``description`` is the full explanation (the call, its arguments, the closest recorded calls and which
    matcher failed on each). With ``on_unmatched = "fail"`` the replay also keeps it, so the test fails even
    when the agent swallows the exception; with ``"error"`` it is only raised, like a tool failure.
    """

    def __init__(self, summary: str, *, description: str, kind: str, name: str, arguments: Any) -> None:
        self.summary = summary
        self.description = description
        self.kind = kind
        self.name = name
        self.arguments = arguments
        super().__init__(summary)
