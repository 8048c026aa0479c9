"""A self-contained HTML page of a fixture, and of a replay that failed its checks.

A timeline a person would rather look at than read: one row per step, a bar placed by when the step
started and sized by how long it took, coloured by kind, errors in red, and every row opens to show the
full arguments, result or messages. For a failed replay the page adds the failed checks and the recorded
tool path beside the actual one, with the first divergence marked. One file, no network: CSS inline,
no scripts needed to read it (a few lines of script only record what the browser laid out, for tests).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any

from ..model import Fixture, Step
from ._text import call_text, short_json
from .failures import DIFF_HEADING, failure_lines

if TYPE_CHECKING:
    from ..checks import CheckFailure
    from ..replay.run import ActualRun

__all__ = ["render_html"]

_CSS = """
:root { --model:#2f6fdf; --tool:#9b3fc2; --approval:#c98a00; --error:#d3302f; --other:#5f6b7a;
        --bg:#fbfbfd; --fg:#1d2330; --muted:#6b7385; --line:#e3e6ee; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg);
       background:var(--bg); }
header { padding:20px 28px 12px; border-bottom:1px solid var(--line); background:#fff; }
h1 { font-size:20px; margin:0 0 6px; } h2 { font-size:15px; margin:22px 0 8px; }
main { padding:0 28px 40px; max-width:1400px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600;
         color:#fff; background:var(--other); vertical-align:middle; margin-left:8px; }
.badge.regression { background:#2e7d32; } .badge.golden { background:#b8860b; }
.badge.known-bad, .badge.failed { background:var(--error); }
.meta { color:var(--muted); font-size:13px; } .meta a { color:inherit; }
.cards { display:flex; flex-wrap:wrap; gap:10px; margin:14px 0 4px; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:8px 14px; min-width:110px; }
.card b { display:block; font-size:18px; } .card span { color:var(--muted); font-size:12px; }
.card.bad b { color:var(--error); }
.io { background:#fff; border:1px solid var(--line); border-radius:8px; padding:10px 14px; white-space:pre-wrap;
      font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12.5px; max-height:240px; overflow:auto; }
.timeline { background:#fff; border:1px solid var(--line); border-radius:8px; }
.step { border-top:1px solid var(--line); } .step:first-child { border-top:0; }
.step > summary { display:grid; grid-template-columns:44px 84px minmax(180px,2fr) minmax(240px,3fr) 90px;
        gap:10px; align-items:center; padding:6px 12px; cursor:pointer; list-style:none; }
.step > summary::-webkit-details-marker { display:none; }
.step.error > summary { background:#fdecec; }
.idx { color:var(--muted); font-variant-numeric:tabular-nums; }
.kind { font-size:11px; font-weight:700; text-transform:uppercase; letter-spacing:.04em; color:var(--other); }
.kind.model { color:var(--model); } .kind.tool { color:var(--tool); } .kind.approval { color:var(--approval); }
.kind.error { color:var(--error); }
.label { overflow:hidden; text-overflow:ellipsis; white-space:nowrap; font-family:ui-monospace,Menlo,monospace;
         font-size:12.5px; }
.label .err { display:block; color:var(--error); font-weight:600; overflow:hidden; text-overflow:ellipsis; }
.track { position:relative; height:14px; background:#f1f3f8; border-radius:7px; }
.bar { position:absolute; top:2px; height:10px; min-width:3px; border-radius:5px; background:var(--other); }
.bar.model { background:var(--model); } .bar.tool { background:var(--tool); }
.bar.approval { background:var(--approval); } .bar.error, .step.error .bar { background:var(--error); }
.dur { text-align:right; color:var(--muted); font-variant-numeric:tabular-nums; font-size:12px; }
.detail { padding:4px 12px 12px 150px; }
.detail pre { margin:6px 0; background:#f6f7fb; border-radius:6px; padding:8px 10px; overflow:auto;
              max-height:320px; font-size:12px; }
.detail h4 { margin:8px 0 2px; font-size:12px; color:var(--muted); text-transform:uppercase; }
.failure { background:#fff; border:1px solid #f2c4c4; border-left:4px solid var(--error); border-radius:6px;
           padding:8px 12px; margin:8px 0; }
.failure .check { font-weight:700; color:var(--error); font-family:ui-monospace,Menlo,monospace; }
.failure li.diff { list-style:none; margin-left:12px; white-space:pre-wrap; }
.failure li.diff-heading { list-style:none; margin-left:-18px; font-weight:600; }
.failure ul { margin:4px 0 0; padding-left:18px; font-family:ui-monospace,Menlo,monospace; font-size:12.5px; }
table.paths { border-collapse:collapse; background:#fff; border:1px solid var(--line); width:100%; }
table.paths th, table.paths td { padding:5px 10px; border-top:1px solid var(--line); text-align:left;
           font-family:ui-monospace,Menlo,monospace; font-size:12.5px; vertical-align:top; }
table.paths th { font-family:inherit; color:var(--muted); font-size:12px; }
tr.diverged td { background:#fdecec; } tr.diverged td:first-child::before { content:"▶ "; color:var(--error); }
footer { color:var(--muted); font-size:12px; padding:0 28px 24px; }
"""

# Records what the browser laid out (rows, visible bars), so a test in a real browser can read it back.
_SCRIPT = """
addEventListener("load", function () {
  var bars = document.querySelectorAll(".bar"), visible = 0;
  bars.forEach(function (b) { if (b.getBoundingClientRect().width > 0) visible++; });
  var out = document.getElementById("layout");
  out.dataset.rows = document.querySelectorAll(".step").length;
  out.dataset.visibleBars = visible;
  out.dataset.errorRows = document.querySelectorAll(".step.error").length;
});
"""


def _start(step: Step) -> datetime | None:
    if step.timing is None or step.timing.start is None:
        return None
    try:
        return datetime.fromisoformat(step.timing.start)
    except ValueError:
        return None


def _pretty(value: Any) -> str:
    return escape(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _step_label(step: Step) -> str:
    if step.kind == "model":
        response = step.response
        name = step.model or step.name or "model"
        if response is not None and response.tool_calls:
            calls = ", ".join(call.function.name for call in response.tool_calls)
            return f"{name} → {calls}"
        if response is not None and isinstance(response.content, str):
            return f"{name} → {short_json(response.content, 60)}"
        return name
    if step.kind in ("tool", "approval"):
        return call_text(step.name or "?", step.arguments, 90)
    if step.kind == "handoff":
        return f"{step.from_agent or '?'} → {step.to_agent or '?'}"
    return step.name or step.kind


def _step_detail(step: Step) -> str:
    data = step.to_data()
    parts = []
    for key in (
        "messages",
        "response",
        "arguments",
        "arguments_text",
        "result",
        "error",
        "usage",
        "cost",
        "tools",
        "value",
        "query",
        "documents",
        "content",
        "input",
        "attributes",
    ):
        if key in data:
            parts.append(f"<h4>{escape(key)}</h4><pre>{_pretty(data[key])}</pre>")
    return "".join(parts) or "<p class=meta>nothing more recorded</p>"


def _timeline(steps: Sequence[Step], *, marked: int | None = None) -> str:
    starts = [_start(s) for s in steps]
    known = [s for s in starts if s is not None]
    origin = min(known) if known else None
    ends = []
    for step, start in zip(steps, starts, strict=True):
        if start is not None and origin is not None:
            ends.append(
                (start - origin).total_seconds() * 1000 + (step.timing.duration_ms or 0 if step.timing else 0)
            )
    span = max(ends) if ends and max(ends) > 0 else None
    rows = []
    for index, (step, start) in enumerate(zip(steps, starts, strict=True)):
        duration = step.timing.duration_ms if step.timing else None
        if span and start is not None and origin is not None:
            left = (start - origin).total_seconds() * 1000 / span * 100
            width = (duration or 0) / span * 100
            bar = f'<div class="bar {step.kind}" style="left:{left:.2f}%;width:{max(width, 0.4):.2f}%"></div>'
        else:  # no timing recorded: one equal slot per step, in order
            slot = 100 / max(len(steps), 1)
            bar = f'<div class="bar {step.kind}" style="left:{index * slot:.2f}%;width:{slot:.2f}%"></div>'
        error = ""
        if step.error is not None:
            error = (
                " <span class=err>✗ "
                + escape(": ".join(p for p in (step.error.type, step.error.message) if p))
                + "</span>"
            )
        classes = (
            "step" + (" error" if step.error is not None else "") + (" marked" if index == marked else "")
        )
        dur = f"{duration:.0f} ms" if duration is not None else ""
        rows.append(
            f'<details class="{classes}" id="step-{index}"><summary><span class=idx>#{index}</span>'
            f'<span class="kind {step.kind}">{escape(step.kind)}</span>'
            f'<span class=label title="{escape(_step_label(step))}">{escape(_step_label(step))}{error}</span>'
            f"<span class=track>{bar}</span><span class=dur>{dur}</span></summary>"
            f"<div class=detail>{_step_detail(step)}</div></details>"
        )
    return '<div class="timeline">' + "".join(rows) + "</div>"


def _cards(fixture: Fixture) -> str:
    totals = fixture.totals
    if totals is None:
        return ""
    cards: list[tuple[str, int | str, bool]] = [
        ("steps", totals.steps, False),
        ("model calls", totals.model_calls, False),
        ("tool calls", totals.tool_calls, False),
        ("errors", totals.errors, totals.errors > 0),
    ]
    if totals.total_tokens is not None:
        cards.append(("tokens", totals.total_tokens, False))
    if totals.cost is not None:
        cards.append(
            ("cost" + (" (est.)" if totals.cost.estimated else ""), f"${totals.cost.amount:.4f}", False)
        )
    if totals.duration_ms is not None:
        cards.append(("duration", f"{totals.duration_ms / 1000:.2f} s", False))
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card{" bad" if bad else ""}"><b>{escape(str(value))}</b><span>{escape(label)}</span></div>'
            for label, value, bad in cards
        )
        + "</div>"
    )


def _tool_path(steps: Sequence[Step]) -> list[str]:
    return [call_text(s.name or "?", s.arguments, 90) for s in steps if s.kind == "tool"]


def _paths_table(recorded: list[str], actual: list[str]) -> str:
    diverged = next((i for i, (a, b) in enumerate(zip(recorded, actual, strict=False)) if a != b), None)
    if diverged is None and len(recorded) != len(actual):
        diverged = min(len(recorded), len(actual))
    rows = []
    for i in range(max(len(recorded), len(actual))):
        mark = ' class="diverged"' if i == diverged else ""
        rec = escape(recorded[i]) if i < len(recorded) else "—"
        act = escape(actual[i]) if i < len(actual) else "—"
        rows.append(f"<tr{mark}><td>{i}</td><td>{rec}</td><td>{act}</td></tr>")
    return (
        '<table class="paths"><tr><th>#</th><th>recorded tool calls</th><th>actual tool calls</th></tr>'
        + "".join(rows)
        + "</table>"
    )


def render_html(
    fixture: Fixture, *, run: ActualRun | None = None, failures: Sequence[CheckFailure] = ()
) -> str:
    """The page, as one self-contained HTML document."""
    source = fixture.source
    meta = []
    if source is not None:
        meta.append(
            f"from {escape(source.format)}"
            + (f" · trace {escape(source.trace_id)}" if source.trace_id else "")
        )
        if source.file:
            meta.append(f"file {escape(source.file)}")
    links = " · ".join(f'<a href="{escape(link)}">{escape(link)}</a>' for link in fixture.links or [])
    status = "failed" if failures else fixture.status
    title = f"{fixture.id} — " + ("replay failed" if failures else "agent run")
    body = [
        f"<header><h1>{escape(fixture.id)}<span class='badge {escape(fixture.status)}'>{escape(fixture.status)}</span>"
        + (
            f"<span class='badge failed'>{len(failures)} failed check{'s' if len(failures) != 1 else ''}</span>"
            if failures
            else ""
        )
        + "</h1>",
        f"<div class=meta>{' · '.join(meta)}</div>",
        f"<div class=meta>{escape(fixture.reason)}</div>" if fixture.reason else "",
        f"<div class=meta>{links}</div>" if links else "",
        _cards(fixture),
        "</header><main>",
    ]
    if failures:
        body.append("<h2>Failed checks</h2>")
        for failure in failures:
            step = f" · step {failure.step}" if failure.step is not None else ""
            # the same lines as the terminal's -v: details, the structural diff, the actual value, the rule
            details = "".join(
                f"<li class=diff>{escape(line.strip())}</li>"
                if line.startswith("  ")
                else f"<li class=diff-heading>{escape(line)}</li>"
                if line == DIFF_HEADING
                else f"<li>{escape(line)}</li>"
                for line in failure_lines(failure, verbose=True)
            )
            body.append(
                f"<div class=failure><span class=check>{escape(failure.check)}</span>{escape(step)}: "
                f"{escape(failure.message)}{'<ul>' + details + '</ul>' if details else ''}</div>"
            )
    if run is not None:
        body.append("<h2>Recorded vs actual tool path</h2>")
        body.append(_paths_table(_tool_path(fixture.steps), _tool_path(run.steps)))
    if fixture.input is not None:
        body.append(f"<h2>Input</h2><div class=io>{_pretty(fixture.input)}</div>")
    body.append(
        f"<h2>Recorded timeline <span class=meta>({len(fixture.steps)} steps; click a row for details)</span></h2>"
    )
    body.append(_timeline(fixture.steps))
    if run is not None:
        marked = failures[0].step if failures else None
        body.append(f"<h2>Actual run <span class=meta>({len(run.steps)} calls)</span></h2>")
        body.append(_timeline(run.steps, marked=marked))
        if run.has_output:
            body.append(f"<h2>Actual output</h2><div class=io>{_pretty(run.output)}</div>")
    if "output" in fixture.model_fields_set:
        body.append(f"<h2>Recorded output</h2><div class=io>{_pretty(fixture.output)}</div>")
    body.append("</main><footer>pytest-agenttrace · status " + escape(status) + "</footer>")
    body.append('<div id="layout" hidden></div>')
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        + "".join(body)
        + f"<script>{_SCRIPT}</script></body></html>\n"
    )
