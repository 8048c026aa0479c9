"""A terminal timeline of a fixture's steps: what ran, in order, with what, and what came of it.

It is the first thing a person looks at after an import, so it favours the questions they ask: which tool
was called with which key arguments, what came back, where the error is, what it cost in tokens and time.
Errors stand out (red when colour is on) so the failing step is found at a glance, and so do approvals'
decisions (denied in red) with who made them.

Everything printed from the fixture is trace content: text the agent, its tools and its users wrote. A
control character in it would be acted on by the terminal (an escape sequence that rewrites the title,
clears the screen or hides the rest of a line, a carriage return that overwrites what came before), so
each is shown escaped (``\x1b``, ``\r``) instead; the only escape sequences written are the colours.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from ..model import Fixture, Step
from ._text import call_text, clip, short_json

_RESET = "\x1b[0m"
_STYLES = {
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "red": "\x1b[31m",
    "green": "\x1b[32m",
    "yellow": "\x1b[33m",
    "cyan": "\x1b[36m",
    "magenta": "\x1b[35m",
}
_KIND_STYLE = {
    "model": "cyan",
    "tool": "magenta",
    "approval": "yellow",
    "error": "red",
    "guardrail": "yellow",
}


#: What a terminal acts on: C0 controls, DEL, C1 controls (``\x9b`` is a one-byte CSI), and the
#: bidirectional overrides that make text display in another order than it is stored.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_DECISION_STYLE = {"approved": "green", "denied": "red", "pending": "yellow"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every character a terminal would act on written as an escape (``\x1b``, ``\r``)."""
    return _CONTROL.sub(_escape, text)


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.color and text else text


def _start(step: Step) -> datetime | None:
    if step.timing is None or step.timing.start is None:
        return None
    try:
        return datetime.fromisoformat(step.timing.start)
    except ValueError:
        return None


def _ms(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f} ms" if value < 10_000 else f"{value / 1000:.1f} s"


def _detail(step: Step, width: int) -> str:
    if step.kind == "model":
        response = step.response
        if response is not None and response.tool_calls:
            calls = []
            for call in response.tool_calls:
                try:
                    arguments: Any = json.loads(call.function.arguments)
                except ValueError:
                    arguments = call.function.arguments
                calls.append(call_text(call.function.name, arguments, 50))
            return clip("→ " + "; ".join(calls), width)
        if response is not None and isinstance(response.content, str):
            return clip("→ " + short_json(response.content, width), width)
        return ""
    if step.kind in ("tool", "approval"):
        arguments = step.arguments if step.arguments is not None else getattr(step, "arguments_text", None)
        text = call_text("", arguments, width // 2 + 10)[1:-1]  # the name is in its own column
        decided = step.kind == "approval" and step.decision is not None  # the decision says it: see _decision
        if "result" in step.model_fields_set and step.error is None and not decided:
            text += " → " + short_json(step.result, width // 2)
        return clip(text, width)
    if step.kind == "handoff":
        return f"{step.from_agent or '?'} → {step.to_agent or '?'}"
    if step.kind == "guardrail":
        return "tripped" if step.triggered else "passed" if step.triggered is False else ""
    if step.kind == "memory":
        return clip(f"{step.operation or ''} {step.key or ''} {short_json(step.value, 40)}".strip(), width)
    if step.kind == "retrieval":
        count = len(step.documents) if step.documents is not None else "?"
        return clip(f"{short_json(step.query, 40)} → {count} documents", width)
    if step.kind == "plan":
        return short_json(step.content, width)
    return ""


def _decision(step: Step, paint: _Painter) -> str:
    """``→ denied by alice``: an approval's outcome and who decided, red when denied."""
    if step.kind != "approval" or (step.decision is None and step.by is None):
        return ""
    text = "→ " + (step.decision or "decided") + (f" by {clip(printable(step.by), 40)}" if step.by else "")
    return paint(text, _DECISION_STYLE.get(step.decision or "", "dim"))


def _label(step: Step) -> str:
    if step.kind == "model":
        return step.model or step.name or ""
    return step.name or ""


def _depths(steps: list[Step]) -> list[int]:
    depth: dict[str, int] = {}
    out = []
    for step in steps:
        d = depth.get(step.parent, -1) + 1 if step.parent is not None else 0
        depth[step.id] = d
        out.append(d)
    return out


def render_timeline(fixture: Fixture, *, color: bool = False, width: int = 120) -> str:
    """The timeline as text lines, ready to print."""
    paint = _Painter(color)
    lines: list[str] = []
    source = fixture.source
    head = [
        paint(printable(fixture.id), "bold"),
        paint(fixture.status, "red" if fixture.status == "known-bad" else "green"),
    ]
    if source is not None:
        head.append(
            paint(
                printable(f"from {source.format}" + (f" trace {source.trace_id}" if source.trace_id else "")),
                "dim",
            )
        )
    lines.append("  ".join(head))
    if fixture.reason:
        lines.append(f"reason: {printable(fixture.reason)}")
    if fixture.input is not None:
        lines.append("input:  " + printable(short_json(_text_of(fixture.input), width - 8)))

    starts = [s for s in (_start(step) for step in fixture.steps) if s is not None]
    origin = min(starts) if starts else None
    lines.append(
        paint(f"{'#':>3}  {'at':>8}  {'kind':<9} {'name':<24} {'tokens':>11} {'time':>8}  details", "dim")
    )
    for index, (step, depth) in enumerate(zip(fixture.steps, _depths(fixture.steps), strict=True)):
        start = _start(step)
        offset = "+" + _ms((start - origin).total_seconds() * 1000) if start and origin else ""
        tokens = ""
        if step.kind == "model" and step.usage is not None:
            tokens = f"{step.usage.input_tokens or 0}/{step.usage.output_tokens or 0}"
        duration = _ms(step.timing.duration_ms if step.timing else None)
        name = clip("  " * min(depth, 4) + printable(_label(step)), 24)
        detail = printable(_detail(step, max(20, width - 70)))
        kind = paint(f"{step.kind:<9}", _KIND_STYLE.get(step.kind, "dim"))
        line = f"{index:>3}  {offset:>8}  {kind} {name:<24} {tokens:>11} {duration:>8}  {detail}"
        decision = _decision(step, paint)
        if decision:
            line = f"{line.rstrip()}  {decision}"
        if step.error is not None:
            error = ": ".join(p for p in (step.error.type, step.error.message) if p) or "error"
            line += "  " + paint("✗ " + clip(printable(error), 80), "red")
        lines.append(line.rstrip())
    if "output" in fixture.model_fields_set:
        lines.append("output: " + printable(short_json(_text_of(fixture.output), width - 8)))
    totals = fixture.totals
    if totals is not None:
        parts = [
            f"{totals.steps} steps",
            f"{totals.model_calls} model calls",
            f"{totals.tool_calls} tool calls",
        ]
        if totals.errors:
            parts.append(paint(f"{totals.errors} error{'s' if totals.errors != 1 else ''}", "red"))
        if totals.total_tokens is not None:
            parts.append(f"{totals.total_tokens} tokens")
        if totals.cost is not None:
            parts.append(f"${totals.cost.amount:.4f}" + (" (estimated)" if totals.cost.estimated else ""))
        if totals.duration_ms is not None:
            parts.append(_ms(totals.duration_ms))
        lines.append("totals: " + ", ".join(parts))
    return "\n".join(lines) + "\n"


def _text_of(value: Any) -> Any:
    """The last user text of a message list, which is what a person recognises a run by."""
    if isinstance(value, list) and value and all(isinstance(m, dict) and "role" in m for m in value):
        for message in reversed(value):
            if message.get("role") == "user" and isinstance(message.get("content"), str):
                return message["content"]
    return value
