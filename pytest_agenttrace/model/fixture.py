"""The fixture: one recorded run, what it stands for, and what its replay is checked against."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar, Literal

from pydantic import Field, JsonValue, model_validator

from ._base import FormatModel
from .expect import Expect, Stubs
from .steps import Cost, ModelStep, Step, ToolStep
from .versions import FORMAT_VERSION

Status = Literal["regression", "golden", "known-bad"]
STATUSES: tuple[Status, ...] = ("regression", "golden", "known-bad")

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"


class SchemaRef(FormatModel):
    """Which format a file is in."""

    _always_written: ClassVar[frozenset[str]] = frozenset({"name", "version"})

    name: Literal["pytest-agenttrace/fixture"] = "pytest-agenttrace/fixture"
    version: str = Field(default=FORMAT_VERSION, pattern=r"^\d+\.\d+$", description="MAJOR.MINOR")


class Redaction(FormatModel):
    """What redaction did on import: counts per detector, never the values."""

    enabled: bool
    counts: dict[str, int] | None = Field(default=None, description="Detector name -> values replaced.")
    dropped: int | None = Field(default=None, ge=0, description="Attributes or paths dropped entirely.")


class Source(FormatModel):
    """Where the recording came from. Nothing here changes between two imports of the same export."""

    format: str = Field(description="Importer that read it, e.g. `otlp`, `langsmith`, `openai-agents`.")
    trace_id: str | None = Field(default=None, description="The trace's id in the source.")
    file: str | None = Field(default=None, description="File name of the export (no directory).")
    importer: str | None = Field(default=None, description="`pytest-agenttrace <version>` that imported it.")
    redaction: Redaction | None = None
    attributes: dict[str, JsonValue] | None = Field(
        default=None, description="Trace-level attributes (resource, session, user, tags), kept as recorded."
    )


class Totals(FormatModel):
    """Totals over the recorded steps, computed on import."""

    steps: int = Field(ge=0)
    model_calls: int = Field(ge=0)
    tool_calls: int = Field(ge=0)
    errors: int = Field(ge=0)
    input_tokens: int | None = Field(default=None, ge=0)
    output_tokens: int | None = Field(default=None, ge=0)
    total_tokens: int | None = Field(default=None, ge=0)
    cost: Cost | None = None
    duration_ms: float | None = Field(default=None, ge=0, description="From the first start to the last end.")


class Fixture(FormatModel):
    """One fixture file (`*.trace.json`): a recorded run that pytest replays."""

    _always_written: ClassVar[frozenset[str]] = frozenset({"format", "status"})

    format: SchemaRef = Field(default_factory=SchemaRef, alias="schema")
    id: str = Field(pattern=ID_PATTERN, description="Slug; the pytest test id.")
    status: Status = Field(default="regression", description="What the fixture stands for in CI.")
    reason: str | None = Field(default=None, description="Why it is kept: the bug, the incident.")
    links: list[str] | None = Field(default=None, description="Issue, incident or trace-viewer URLs.")
    source: Source | None = None
    input: JsonValue = Field(
        default=None, description="What the agent was given: text, messages, or a value."
    )
    steps: list[Step] = Field(default_factory=list, description="The run, in execution order.")
    output: JsonValue = Field(default=None, description="The run's final output.")
    totals: Totals | None = None
    expect: Expect | None = None
    stubs: Stubs | None = None

    @model_validator(mode="after")
    def _steps_form_a_tree(self) -> Fixture:
        seen: set[str] = set()
        for index, step in enumerate(self.steps):
            if step.id in seen:
                raise ValueError(f"steps[{index}].id: duplicate step id {step.id!r}")
            if step.parent is not None and step.parent not in seen:
                raise ValueError(f"steps[{index}].parent: {step.parent!r} is not the id of an earlier step")
            seen.add(step.id)
        return self


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def compute_totals(steps: list[Step]) -> Totals:
    """Sum what the steps recorded. A figure no step recorded stays absent rather than becoming zero."""
    model_steps = [s for s in steps if isinstance(s, ModelStep)]

    def usage_sum(field: str) -> int | None:
        values = [getattr(s.usage, field) for s in model_steps if s.usage is not None]
        present = [v for v in values if v is not None]
        return sum(present) if present else None

    input_tokens = usage_sum("input_tokens")
    output_tokens = usage_sum("output_tokens")
    total_tokens = usage_sum("total_tokens")
    if total_tokens is None and input_tokens is not None and output_tokens is not None:
        total_tokens = input_tokens + output_tokens

    costs = [s.cost for s in model_steps if s.cost is not None]
    cost = (
        Cost(
            amount=round(sum(c.amount for c in costs), 10),
            currency=costs[0].currency,
            estimated=any(c.estimated for c in costs),
        )
        if costs and len({c.currency for c in costs}) == 1
        else None
    )

    starts: list[datetime] = []
    ends: list[datetime] = []
    for step in steps:
        if step.timing is None or step.timing.start is None:
            continue
        start = _parse_time(step.timing.start)
        if start is None:
            continue
        starts.append(start)
        if step.timing.duration_ms is not None:
            ends.append(start + timedelta(milliseconds=step.timing.duration_ms))
    duration = None
    if starts and ends:
        duration = round((max(ends) - min(starts)).total_seconds() * 1000, 3)

    optional = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": total_tokens,
        "cost": cost,
        "duration_ms": duration,
    }
    return Totals(
        steps=len(steps),
        model_calls=len(model_steps),
        tool_calls=sum(1 for s in steps if isinstance(s, ToolStep)),
        errors=sum(1 for s in steps if s.error is not None),
        **{k: v for k, v in optional.items() if v is not None},
    )
