"""Readable ``assert`` comparisons of trace values, for a ``pytest_assertrepr_compare`` hook.

pytest's own rendering of two unequal pydantic models is a wall of ``repr``; this renders them as the
fixture file would show them, with one line per difference (``steps[2].arguments.amount: expected 100,
got 5000``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .diff import diff_lines

__all__ = ["trace_assertrepr_compare"]


def _is_trace_value(value: Any) -> bool:
    if isinstance(value, BaseModel):
        return True
    if isinstance(value, list | tuple) and value and all(isinstance(v, BaseModel) for v in value):
        return True
    return type(value).__name__ == "ActualRun" and hasattr(value, "steps")


def _data(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, list | tuple):
        return [_data(v) for v in value]
    if type(value).__name__ == "ActualRun":
        data: dict[str, Any] = {"steps": [_data(s) for s in value.steps]}
        if getattr(value, "has_output", False):
            data["output"] = value.output
        if getattr(value, "error", None) is not None:
            data["error"] = repr(value.error)
        return data
    return value


def _label(value: Any) -> str:
    if isinstance(value, list | tuple):
        return f"{len(value)} {type(value[0]).__name__} values"
    return type(value).__name__


def trace_assertrepr_compare(op: str, left: Any, right: Any, *, verbose: int = 0) -> list[str] | None:
    """Lines for ``assert left == right`` on steps, messages, fixtures or runs; None for other values."""
    if op != "==" or not (_is_trace_value(left) or _is_trace_value(right)):
        return None
    lines = diff_lines(_data(right), _data(left), limit=None if verbose > 0 else 20)
    if not lines:
        return None
    return [f"{_label(left)} == {_label(right)}: trace values differ (right → left):", *lines]
