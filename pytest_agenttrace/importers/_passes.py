"""The bookkeeping of a two-pass streaming read, shared by the OTLP, LangSmith and Agents SDK readers.

Pass 1 notes the last unit (a JSONL line, a ``resourceSpans`` entry, an array element) that holds each
trace; pass 2 builds a trace as soon as that unit has been read and drops it, so memory is bounded by the
traces still open rather than by the file.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["ends_at"]


def ends_at(last: Mapping[str, int]) -> dict[int, list[str]]:
    """The trace ids to hand out after each unit, from each trace's last unit (``trace id -> index``)."""
    ends: dict[int, list[str]] = {}
    for trace_id, index in last.items():
        ends.setdefault(index, []).append(trace_id)
    return ends
