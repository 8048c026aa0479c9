"""The assertion text of a failed replay: every failing check, then the run beside its recording.

Short by default (what a CI log needs: which check, which step, the few lines that say what differed, a
timeline excerpt around it) and complete with ``-v`` (every detail, the structural diff, the whole
timeline). The side-by-side timeline aligns the actual run with the recording and marks the first step
where they diverge, which is usually where the story of the failure starts.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from ..checks import CheckFailure
from ..model import Fixture, Step
from ._text import clip
from .diff import diff_lines
from .timeline import _detail

__all__ = ["render_failures", "side_by_side"]

_SHORT_DETAILS = 8
_SHORT_DIFF = 6
_WINDOW = 3
_COLUMN = 58


def _step_label(step: Step) -> str:
    name = step.name or (getattr(step, "model", None) or "")
    return f"{step.kind} {name}".strip()


def _signature(step: Step) -> tuple[Any, ...]:
    if step.kind in ("tool", "approval"):
        arguments = getattr(step, "arguments", None)
        if arguments is None:
            arguments = getattr(step, "arguments_text", None)
        return (step.kind, step.name, json.dumps(arguments, sort_keys=True, default=repr))
    return (step.kind,)


@dataclass
class _Row:
    actual: int | None
    recorded: int | None
    diverges: bool


def _align(fixture: Fixture, steps: list[Step]) -> tuple[list[_Row], int | None]:
    """Rows pairing actual and recorded steps, and the index of the first diverging row."""
    kinds = {s.kind for s in steps} | {"model", "tool"}
    recorded = [i for i, s in enumerate(fixture.steps) if s.kind in kinds]
    a = [_signature(fixture.steps[i]) for i in recorded]
    b = [_signature(s) for s in steps]
    rows: list[_Row] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [_Row(j, recorded[i], False) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
            continue
        left = list(range(i1, i2))
        right = list(range(j1, j2))
        for k in range(max(len(left), len(right))):
            rows.append(
                _Row(right[k] if k < len(right) else None, recorded[left[k]] if k < len(left) else None, True)
            )
    first = next((n for n, row in enumerate(rows) if row.diverges), None)
    return rows, first


def _cell(index: int | None, steps: list[Step], width: int) -> str:
    if index is None:
        return " " * width
    step = steps[index]
    text = f"{index:>3} {step.kind:<6} {_detail(step, width - 11) or _step_label(step)}"
    if step.error is not None:
        text += " ✗ " + (step.error.type or step.error.message or "error")
    return f"{clip(text, width):<{width}}"


def side_by_side(
    fixture: Fixture,
    steps: list[Step],
    *,
    failing: set[int] | None = None,
    around: int | None = None,
    window: int | None = _WINDOW,
) -> list[str]:
    """The actual run (left) beside the recording (right); ``>`` marks the first divergence, ``✗`` a
    step a check failed on. With ``window``, only the rows within that distance of ``around`` (an actual
    step index; default the first divergence)."""
    failing = failing or set()
    rows, first = _align(fixture, steps)
    if not rows:
        return []
    centre = first if first is not None else 0
    if around is not None:
        centre = next((n for n, row in enumerate(rows) if row.actual == around), centre)
    shown = range(len(rows))
    if window is not None:
        shown = range(max(0, centre - window), min(len(rows), centre + window + 1))
    title = "actual run"
    lines = [f"    {title:<{_COLUMN}} │ recording"]
    if shown.start > 0:
        lines.append(f"    {'…':<{_COLUMN}} │ …")
    for n in shown:
        row = rows[n]
        mark = ">" if n == first else " "
        mark += "✗" if row.actual is not None and row.actual in failing else " "
        left = _cell(row.actual, steps, _COLUMN)
        right = _cell(row.recorded, list(fixture.steps), _COLUMN).rstrip()
        lines.append(f"{mark}  {left} │ {right}".rstrip())
    if shown.stop < len(rows):
        lines.append(f"    {'…':<{_COLUMN}} │ …")
    if first is None:
        lines.append("(the run follows the recording step for step)")
    else:
        row = rows[first]
        where = []
        if row.actual is not None:
            where.append(f"actual step {row.actual}")
        if row.recorded is not None:
            where.append(f"recorded step {row.recorded}")
        note = "first divergence: " + " vs ".join(where)
        if first not in shown:
            note += " (outside this excerpt; -v shows the whole run)"
        lines.append(note)
    return lines


def _header(number: int, failure: CheckFailure, steps: list[Step]) -> str:
    where = ""
    if failure.step is not None and 0 <= failure.step < len(steps):
        where = f" · step {failure.step} ({_step_label(steps[failure.step])})"
    elif failure.step is not None:
        where = f" · step {failure.step}"
    return f"[{number}] {failure.check}{where}"


def _render_one(number: int, failure: CheckFailure, steps: list[Step], verbose: bool) -> list[str]:
    lines = [_header(number, failure, steps), f"    {failure.message}"]
    details = list(failure.details)
    if not verbose and len(details) > _SHORT_DETAILS:
        hidden = len(details) - _SHORT_DETAILS
        details = [
            *details[:_SHORT_DETAILS],
            f"… {hidden} more line{'s' if hidden > 1 else ''} (-v shows all)",
        ]
    lines += [f"    {line}" for line in details]
    has_both = failure.expected is not None and failure.actual is not None
    if has_both and (verbose or not failure.details):
        structural = isinstance(failure.expected, dict | list) or isinstance(failure.actual, dict | list)
        if structural:
            diff = diff_lines(failure.expected, failure.actual, limit=None if verbose else _SHORT_DIFF)
            if diff:
                lines.append("    diff (expected → actual):")
                lines += [f"      {line}" for line in diff]
    if verbose and failure.related:
        lines.append(f"    related steps: {', '.join(map(str, failure.related))}")
    if verbose and failure.source:
        lines.append(f"    rule: {failure.source}")
    return lines


def render_failures(fixture: Fixture, run: Any, failures: list[CheckFailure], *, verbose: bool) -> str:
    """The assertion text for ``failures`` of ``run`` (an ``ActualRun``) replaying ``fixture``."""
    steps: list[Step] = list(getattr(run, "steps", []))
    count = len(failures)
    head = f"{count} check{'s' if count != 1 else ''} failed for fixture {fixture.id!r} ({fixture.status})"
    if fixture.reason:
        head += f": {fixture.reason}"
    lines = [head]
    for number, failure in enumerate(failures, 1):
        lines.append("")
        lines += _render_one(number, failure, steps, verbose)
    failing = {f.step for f in failures if f.step is not None}
    for f in failures:
        failing.update(f.related)
    first_step = min((f.step for f in failures if f.step is not None), default=None)
    timeline = side_by_side(
        fixture, steps, failing=failing, around=first_step, window=None if verbose else _WINDOW
    )
    if timeline:
        lines.append("")
        lines.append("timeline:")
        lines += timeline
    error = getattr(run, "error", None)
    if error is not None:
        lines.append("")
        lines.append(f"the agent raised {type(error).__name__}: {error}")
    return "\n".join(lines)
