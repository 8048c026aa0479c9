"""The span tree of one trace: checked for the ways an export can be broken, and walked in order.

A trace is refused (as a :class:`TreeProblem`, which becomes a ``TraceProblem``) when a span id appears
twice with different content, or when parent links form a cycle: a fixture built from such a tree would
have to guess at the run's structure. Exact re-exports of the same span (exporters retry) are dropped
silently.

A span whose parent the export does not hold is kept, as a root. That is what a service exports when its
request came with a ``traceparent`` from another service (the trace's root lives upstream), and what a
process killed mid-run leaves behind (its root span never ended, so it was never exported): both are
runs worth replaying, the second one especially. The missing parent ids are returned so that the fixture
records them and the import says so.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from ._decode import Span

K = TypeVar("K")


@dataclass
class TreeProblem:
    message: str
    where: str


def _label(span: Span) -> str:
    return f"span {span.span_id}" + (f" ({span.name!r})" if span.name else "")


def check_tree(spans: list[Span]) -> tuple[dict[str, Span], TreeProblem | None, list[str]]:
    """Spans by id, the first structural problem found, and the parent ids the trace does not hold.

    Spans under a missing parent become roots (their ``parent_id`` is cleared), so that everything after
    this sees a tree whose every parent link resolves.
    """
    by_id: dict[str, Span] = {}
    for span in spans:
        other = by_id.get(span.span_id)
        if other is None:
            by_id[span.span_id] = span
        elif not other.same_content(span):
            return (
                by_id,
                TreeProblem(
                    f"duplicate span id: {_label(span)} also at {other.where or 'an earlier place'}",
                    span.where,
                ),
                [],
            )
    missing: set[str] = set()
    for span in by_id.values():
        if span.parent_id is not None and span.parent_id not in by_id:
            missing.add(span.parent_id)
            span.parent_id = None
    state: dict[str, int] = {}  # 1: on the current path, 2: known to reach a root
    for start in by_id.values():
        path: list[str] = []
        current: Span | None = start
        while current is not None and state.get(current.span_id) != 2:
            if state.get(current.span_id) == 1:
                return (
                    by_id,
                    TreeProblem(f"parent links form a cycle through {_label(current)}", current.where),
                    sorted(missing),
                )
            state[current.span_id] = 1
            path.append(current.span_id)
            current = by_id.get(current.parent_id) if current.parent_id is not None else None
        for span_id in path:
            state[span_id] = 2
    return by_id, None, sorted(missing)


def ordered(
    ids: Iterable[str], parent_of: Callable[[str], str | None], key: Callable[[str], tuple[int, str]]
) -> list[str]:
    """Ids ordered by ``key`` (start time, then id), but never a child before its parent."""
    children: dict[str | None, list[str]] = {}
    for item in ids:
        children.setdefault(parent_of(item), []).append(item)
    heap = [(key(item), item) for item in children.get(None, [])]
    heapq.heapify(heap)
    result: list[str] = []
    while heap:
        _, item = heapq.heappop(heap)
        result.append(item)
        for child in children.get(item, []):
            heapq.heappush(heap, (key(child), child))
    return result
