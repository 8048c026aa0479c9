"""Readable ``assert`` comparisons of trace values, behind the plugin's ``pytest_assertrepr_compare`` hook.

pytest's own rendering of two unequal pydantic models is a wall of ``repr``; this renders them as the
fixture file would show them, with one line per difference (``steps[2].arguments.amount: expected 100,
got 5000``). Only this package's own values take this path (steps, messages, tool calls, fixtures, the
actual run, and lists of them): a comparison of plain dicts, lists or another library's models is left to
pytest, which already does those well.
"""

from __future__ import annotations

from typing import Any

from ..model._base import FormatModel
from ..model.messages import Message, ToolCall
from ..replay.run import ActualRun
from .diff import diff_lines

__all__ = ["is_trace_value", "trace_assertrepr_compare"]


def is_trace_value(value: Any) -> bool:
    """A model object of this package, a non-empty list of them, or an actual run."""
    if isinstance(value, FormatModel | ActualRun):
        return True
    return isinstance(value, list | tuple) and bool(value) and all(isinstance(v, FormatModel) for v in value)


def _data(value: Any) -> Any:
    if isinstance(value, FormatModel):
        return value.to_data()
    if isinstance(value, list | tuple):
        return [_data(v) for v in value]
    if isinstance(value, ActualRun):
        data: dict[str, Any] = {"steps": [_data(s) for s in value.steps]}
        if value.has_output:
            data["output"] = value.output
        if value.error is not None:
            data["error"] = repr(value.error)
        return data
    return value


def _label(value: Any) -> str:
    if isinstance(value, list | tuple):
        kinds = sorted({type(v).__name__ for v in value}) or ["no"]
        return f"{len(value)} {'/'.join(kinds)} values"
    return type(value).__name__


def _root(value: Any) -> str:
    """``steps`` for a list of steps (so paths read ``steps[3].name``), ``messages``, ``tool_calls``."""
    if not isinstance(value, list | tuple) or not value:
        return ""
    if all(isinstance(v, Message) for v in value):
        return "messages"
    if all(isinstance(v, ToolCall) for v in value):
        return "tool_calls"
    if all(isinstance(v, FormatModel) and isinstance(getattr(v, "kind", None), str) for v in value):
        return "steps"
    return ""


def trace_assertrepr_compare(op: str, left: Any, right: Any, *, verbose: int = 0) -> list[str] | None:
    """Lines for ``assert left == right`` on trace values; None for anything else (pytest's own then)."""
    if op != "==" or not (is_trace_value(left) or is_trace_value(right)):
        return None
    head = f"{_label(left)} == {_label(right)}"
    if type(left) is not type(right) and not (
        isinstance(left, list | tuple) and isinstance(right, list | tuple)
    ):
        head += f" (a {type(left).__name__} is never equal to a {type(right).__name__})"
    root = _root(left) or _root(right)
    lines = diff_lines(_data(right), _data(left), root=root, limit=None if verbose > 0 else 20)
    if not lines:
        if type(left) is type(right):
            return None
        return [head]
    return [f"{head}: trace values differ (expected = right, got = left):", *lines]
