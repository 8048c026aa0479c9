"""Budgets: upper limits on what one run may consume, each failure showing the figure and the limit.

Figures come from the actual run; where a replayed step lacks a figure (a stub that does not copy usage
or timing), the recorded step that answered it supplies it, since that is what the real call would have
consumed. Cost is recorded cost where the source carried it and a price-table estimate elsewhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..model import Budgets, ModelStep, Step, ToolStep
from ..replay.run import ActualRun
from ._failure import CheckFailure
from ._values import arguments_of, canonical
from .prices import PriceTable, _summary, money, run_costs

__all__ = ["Figures", "check_budgets", "figures"]


@dataclass(frozen=True)
class Figures:
    """What a run consumed."""

    steps: int
    model_calls: int
    tool_calls: int
    tokens: int | None
    cost: float | None
    cost_estimated: bool
    latency_ms: float | None
    repeated: tuple[str, list[int]] | None  # the most repeated identical call and its step indices


def _recorded(run: ActualRun, index: int) -> Step | None:
    answered = run.answered_by.get(index)
    if isinstance(answered, int) and 0 <= answered < len(run.fixture.steps):
        return run.fixture.steps[answered]
    return None


def _tokens(run: ActualRun) -> int | None:
    total = 0
    seen = False
    for index, step in enumerate(run.steps):
        if not isinstance(step, ModelStep):
            continue
        usage = step.usage
        if usage is None:
            recorded = _recorded(run, index)
            usage = recorded.usage if isinstance(recorded, ModelStep) else None
        if usage is None:
            continue
        value = usage.total_tokens
        if value is None and (usage.input_tokens is not None or usage.output_tokens is not None):
            value = (usage.input_tokens or 0) + (usage.output_tokens or 0)
        if value is not None:
            total += value
            seen = True
    return total if seen else None


def _latency(run: ActualRun) -> float | None:
    spans: list[tuple[datetime | None, float]] = []
    for index, step in enumerate(run.steps):
        timing = step.timing
        if timing is None or timing.duration_ms is None:
            recorded = _recorded(run, index)
            timing = recorded.timing if recorded is not None else None
        if timing is None or timing.duration_ms is None:
            continue
        start = None
        if timing.start is not None:
            try:
                start = datetime.fromisoformat(timing.start)
            except ValueError:
                start = None
        spans.append((start, timing.duration_ms))
    if not spans:
        return None
    if all(start is not None for start, _ in spans):
        begin = min(s for s, _ in spans if s is not None)
        end = max(s + timedelta(milliseconds=d) for s, d in spans if s is not None)
        return round((end - begin).total_seconds() * 1000, 3)
    return round(sum(d for _, d in spans), 3)


def figures(run: ActualRun, prices: PriceTable | Mapping[str, Any] | None = None) -> Figures:
    """Everything the budgets are compared with."""
    groups: dict[str, list[int]] = defaultdict(list)
    tool_calls = 0
    for index, step in enumerate(run.steps):
        if isinstance(step, ToolStep):
            tool_calls += 1
            arguments, _ = arguments_of(step)
            groups[f"{step.name}({canonical(arguments)})"].append(index)
    repeated = max(groups.items(), key=lambda kv: (len(kv[1]), -kv[1][0]), default=None)
    cost = _summary(run_costs(run, prices))
    return Figures(
        steps=len(run.steps),
        model_calls=sum(1 for s in run.steps if isinstance(s, ModelStep)),
        tool_calls=tool_calls,
        tokens=_tokens(run),
        cost=cost.amount if cost is not None else None,
        cost_estimated=cost.estimated if cost is not None else False,
        latency_ms=_latency(run),
        repeated=repeated,
    )


def check_budgets(
    budgets: Budgets, run: ActualRun, prices: PriceTable | Mapping[str, Any] | None = None
) -> list[CheckFailure]:
    """Every budget the run exceeds."""
    f = figures(run, prices)
    failures: list[CheckFailure] = []

    def over(
        name: str, figure: float | None, limit: float | None, what: str, step: int | None = None
    ) -> None:
        if limit is None or figure is None or figure <= limit:
            return
        failures.append(
            CheckFailure(
                check=f"budgets.{name}",
                message=f"{what}: {figure:g}, limit {limit:g}",
                step=step,
                expected=limit,
                actual=figure,
                source=f"expect.budgets.{name}",
            )
        )

    # a count over a limit is about the whole run: no one step is to blame, so none is named
    over("max_steps", f.steps, budgets.max_steps, "steps")
    over("max_model_calls", f.model_calls, budgets.max_model_calls, "model calls")
    over("max_tool_calls", f.tool_calls, budgets.max_tool_calls, "tool calls")
    over("max_tokens", f.tokens, budgets.max_tokens, "tokens")
    if budgets.max_cost is not None and f.cost is not None and f.cost > budgets.max_cost:
        failures.append(
            CheckFailure(
                check="budgets.max_cost",
                message=f"cost: {money(f.cost)}{' (estimated)' if f.cost_estimated else ''}, "
                f"limit {money(budgets.max_cost)}",
                expected=budgets.max_cost,
                actual=f.cost,
                source="expect.budgets.max_cost",
            )
        )
    over("max_latency_ms", f.latency_ms, budgets.max_latency_ms, "recorded latency (ms)")
    if budgets.max_repeated_calls is not None and f.repeated is not None:
        call, steps = f.repeated
        if len(steps) > budgets.max_repeated_calls:
            failures.append(
                CheckFailure(
                    check="budgets.max_repeated_calls",
                    message=f"identical call repeated {len(steps)} times, limit {budgets.max_repeated_calls}: "
                    f"{call if len(call) <= 80 else call[:79] + '…'}",
                    step=steps[budgets.max_repeated_calls],
                    related=steps,
                    details=[f"at steps {', '.join(map(str, steps))}"],
                    expected=budgets.max_repeated_calls,
                    actual=len(steps),
                    source="expect.budgets.max_repeated_calls",
                )
            )
    return failures
