"""Replaying a recorded run: stubs that answer the agent's model and tool calls from the recording."""

from .run import ActualRun

__all__ = ["ActualRun"]
