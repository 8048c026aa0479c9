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
from ._text import call_text, clip, short_json
from .diff import diff_lines
from .timeline import _detail

__all__ = ["DIFF_HEADING", "failure_lines", "headline", "render_failures", "render_unmatched", "side_by_side"]

_SHORT_DETAILS = 8
_SHORT_DIFF = 6
_WINDOW = 3
_COLUMN = 58
#: Detail lines longer than this are cut in the short report (-v shows them whole).
_SHORT_LINE = 120


def _step_label(step: Step) -> str:
    name = step.name or (getattr(step, "model", None) or "")
    return f"{step.kind} {name}".strip()


def _signature(step: Step) -> tuple[Any, ...]:
    """What must agree for an actual step to follow the recorded one.

    A model step is identified by what the model asked for (the tool calls of its response, or that it
    answered in text), so a live model that chose another tool diverges at its own step, not only at the
    tool call that follows.
    """
    if step.kind in ("tool", "approval"):
        arguments = getattr(step, "arguments", None)
        if arguments is None:
            arguments = getattr(step, "arguments_text", None)
        return (step.kind, step.name, json.dumps(arguments, sort_keys=True, default=repr))
    if step.kind == "model":
        response = getattr(step, "response", None)
        if response is None:
            return ("model", None if step.error is None else "error")
        calls = []
        for call in response.tool_calls or ():
            try:
                parsed: Any = json.loads(call.function.arguments)
            except ValueError:
                parsed = call.function.arguments
            calls.append((call.function.name, json.dumps(parsed, sort_keys=True, default=repr)))
        return ("model", tuple(calls) if calls else "answer")
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


def _cell_text(step: Step, width: int) -> str:
    """``lookup_order(order_id="A1") → {...}`` for a call, ``gpt-4o-mini → issue_refund(...)`` for a model."""
    if step.kind in ("tool", "approval"):
        arguments = getattr(step, "arguments", None)
        if arguments is None:
            arguments = getattr(step, "arguments_text", None)
        text = call_text(step.name or "?", arguments, width)
        left = width - len(text) - 3
        if "result" in step.model_fields_set and step.error is None and left >= 6:
            text += " → " + short_json(getattr(step, "result", None), left)
        return text
    name = (getattr(step, "model", None) or step.name or "") if step.kind == "model" else (step.name or "")
    return f"{name} {_detail(step, width)}".strip()


def _cell(index: int | None, steps: list[Step], width: int) -> str:
    """One side of a timeline row: step index, kind, the tool or model name and what came of it."""
    if index is None:
        return " " * width
    step = steps[index]
    head = f"{index:>3} {step.kind:<6} "
    tail = ""
    if step.error is not None:
        tail = " ✗ " + clip(step.error.type or step.error.message or "error", 24)
    room = max(8, width - len(head) - len(tail))
    text = head + clip(_cell_text(step, room), room) + tail
    return f"{text:<{width}}"


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


DIFF_HEADING = "diff (expected → actual):"


def _header(number: int, failure: CheckFailure, steps: list[Step]) -> str:
    where = ""
    if failure.step is not None and 0 <= failure.step < len(steps):
        where = f" · step {failure.step} ({_step_label(steps[failure.step])})"
    elif failure.step is not None:
        where = f" · step {failure.step}"
    return f"[{number}] {failure.check}{where}"


def _short_line(line: str, verbose: bool) -> str:
    if verbose or len(line) <= _SHORT_LINE:
        return line
    return line[: _SHORT_LINE - 14] + "… (-v: all of it)"


def failure_lines(failure: CheckFailure, *, verbose: bool) -> list[str]:
    """What the report says under a failure's header and message, unindented, diff lines indented by 2.

    Shared by the terminal text and the HTML page (``report.html``), so the page shows the same details,
    structural diff, actual value and rule as ``-v`` does in the terminal, never fewer.
    """
    details = [_short_line(line, verbose) for line in failure.details]
    if not verbose and len(details) > _SHORT_DETAILS:
        hidden = len(details) - _SHORT_DETAILS
        details = [
            *details[:_SHORT_DETAILS],
            f"… {hidden} more line{'s' if hidden > 1 else ''} (-v shows all)",
        ]
    lines = list(details)
    has_both = failure.expected is not None and failure.actual is not None
    if has_both and (verbose or not failure.details):
        structural = isinstance(failure.expected, dict | list) or isinstance(failure.actual, dict | list)
        if structural:
            indexed = failure.actual_steps is not None
            diff = diff_lines(
                failure.expected,
                failure.actual,
                root="steps" if indexed else "",
                indices=failure.actual_steps,
                limit=None if verbose else _SHORT_DIFF,
            )
            if diff:
                lines.append(DIFF_HEADING)
                lines += [f"  {line}" for line in diff]
    elif verbose and failure.actual is not None and failure.expected is None:
        lines.append(f"actual: {json.dumps(failure.actual, ensure_ascii=False, default=repr)}")
    if verbose and failure.related:
        lines.append(f"related steps: {', '.join(map(str, failure.related))}")
    if verbose and failure.source:
        lines.append(f"rule: {failure.source}")
    return lines


def _render_one(number: int, failure: CheckFailure, steps: list[Step], verbose: bool) -> list[str]:
    lines = [_header(number, failure, steps), f"    {failure.message}"]
    return lines + [f"    {line}" for line in failure_lines(failure, verbose=verbose)]


def _check_label(check: str) -> str:
    return "policy " + check[len("policy:") :] if check.startswith("policy:") else check


def _one_line(failure: CheckFailure, steps: list[Step]) -> str:
    label = _check_label(failure.check)
    where = ""
    index = failure.step
    if index is not None and 0 <= index < len(steps):
        step = steps[index]
        if step.kind in ("tool", "approval"):
            arguments = getattr(step, "arguments", None)
            if arguments is None:
                arguments = getattr(step, "arguments_text", None)
            where = f"steps[{index}] {call_text(step.name or '?', arguments, 60)}"
        else:
            where = f"steps[{index}] {_step_label(step)}"
    elif index is not None:
        where = f"steps[{index}]"
    if failure.short:
        return f"{label}: {where} {failure.short}" if where else f"{label}: {failure.short}"
    message = clip(failure.message, 100)
    return f"{label}: {where}: {message}" if where else f"{label}: {message}"


def headline(failures: list[CheckFailure], run: Any) -> str:
    """One line for the test's first line and pytest's short summary: the lead failing check, its step
    and call and what went wrong, then the names of the other failing checks.

    A broken policy leads when there is one: it is the business rule the fixture was imported to keep
    (a refund without approval), where a changed tool path is usually its consequence.
    """
    steps: list[Step] = list(getattr(run, "steps", []))
    lead = next((f for f in failures if f.check.startswith("policy")), failures[0])
    text = _one_line(lead, steps)
    if len(failures) > 1:
        others = list(dict.fromkeys(_check_label(f.check) for f in failures if f is not lead))
        text += f" (+{len(failures) - 1} more: {', '.join(others)})"
    return clip(text, 240)


def render_unmatched(fixture: Fixture, run: Any, *, verbose: bool) -> list[str]:
    """The timeline around the calls the recording could not answer (marked ``✗``)."""
    steps: list[Step] = list(getattr(run, "steps", []))
    answered = getattr(run, "answered_by", {})
    failing = {i for i, source in answered.items() if source == "unmatched"}
    timeline = side_by_side(
        fixture,
        steps,
        failing=failing,
        around=min(failing, default=None),
        window=None if verbose else _WINDOW,
    )
    return ["timeline:", *timeline] if timeline else []


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
