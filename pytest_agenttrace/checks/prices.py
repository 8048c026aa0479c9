"""Model prices, the cost of a run, and the replay's own cost.

Cost comes from the recording when the source carried it (pydantic-ai's ``operation.cost``, Langfuse's
cost details, LangSmith's totals, kept in ``steps[].cost``). Otherwise it is estimated from token usage
and a price table: USD per million input, output and cached-input tokens. The defaults below are list
prices of common models at the time of writing; ``[tool.agenttrace.prices]`` overrides or adds models::

    [tool.agenttrace.prices]
    "gpt-4o" = { input = 2.5, output = 10.0, cached_input = 1.25 }
    "my-finetune" = { input = 3.0, output = 12.0 }

A model name matches its exact entry or else the longest entry it starts with (``gpt-4o-2024-08-06`` uses
``gpt-4o``, ``gpt-4o-mini-2024-07-18`` uses ``gpt-4o-mini``); a provider prefix (``openai/``) is dropped.
``input_tokens`` is taken to include cached tokens (the OpenAI convention), which are then charged at the
cached price. Every estimate is marked ``estimated``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..model import Cost, Fixture, ModelStep, Step, Usage
from ..replay.run import ActualRun

__all__ = [
    "DEFAULT_PRICES",
    "CostSummary",
    "Price",
    "PriceTable",
    "cost_line",
    "estimate_cost",
    "money",
    "recorded_cost",
    "replay_cost",
    "replay_cost_line",
    "step_cost",
]


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cached_input: float | None = None


#: List prices in USD per million tokens (input, output, cached input).
DEFAULT_PRICES: dict[str, Price] = {
    "gpt-5": Price(1.25, 10.0, 0.125),
    "gpt-5-mini": Price(0.25, 2.0, 0.025),
    "gpt-5-nano": Price(0.05, 0.40, 0.005),
    "gpt-4.1": Price(2.0, 8.0, 0.50),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.025),
    "gpt-4o": Price(2.50, 10.0, 1.25),
    "gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "gpt-4-turbo": Price(10.0, 30.0),
    "gpt-3.5-turbo": Price(0.50, 1.50),
    "o1": Price(15.0, 60.0, 7.50),
    "o1-mini": Price(1.10, 4.40, 0.55),
    "o3": Price(2.0, 8.0, 0.50),
    "o3-mini": Price(1.10, 4.40, 0.55),
    "o4-mini": Price(1.10, 4.40, 0.275),
    "claude-opus-4": Price(15.0, 75.0, 1.50),
    "claude-sonnet-4": Price(3.0, 15.0, 0.30),
    "claude-haiku-4": Price(1.0, 5.0, 0.10),
    "claude-3-7-sonnet": Price(3.0, 15.0, 0.30),
    "claude-3-5-sonnet": Price(3.0, 15.0, 0.30),
    "claude-3-5-haiku": Price(0.80, 4.0, 0.08),
    "claude-3-opus": Price(15.0, 75.0, 1.50),
    "claude-3-haiku": Price(0.25, 1.25, 0.03),
    "gemini-2.5-pro": Price(1.25, 10.0, 0.31),
    "gemini-2.5-flash": Price(0.30, 2.50, 0.075),
    "gemini-2.0-flash": Price(0.10, 0.40, 0.025),
    "gemini-1.5-pro": Price(1.25, 5.0),
    "gemini-1.5-flash": Price(0.075, 0.30),
    "mistral-large": Price(2.0, 6.0),
    "mistral-small": Price(0.20, 0.60),
}


def money(amount: float, currency: str = "USD") -> str:
    """``$0.0042``: enough digits that a small per-run cost does not print as zero."""
    symbol = "$" if currency == "USD" else f"{currency} "
    digits = 4 if amount == 0 or abs(amount) >= 0.01 else 6
    return f"{symbol}{amount:.{digits}f}"


def _normalize(name: str) -> str:
    name = name.strip().lower()
    for prefix in ("models/",):
        name = name.removeprefix(prefix)
    return name.rsplit("/", 1)[-1]


class PriceTable:
    """Model name -> price, the defaults overlaid with the project's overrides."""

    def __init__(self, prices: Mapping[str, Price] | None = None) -> None:
        self.prices = {_normalize(k): v for k, v in (DEFAULT_PRICES if prices is None else prices).items()}
        self._order = sorted(self.prices, key=len, reverse=True)

    @classmethod
    def from_config(
        cls, overrides: Mapping[str, Any] | None, *, where: str = "[tool.agenttrace.prices]"
    ) -> PriceTable:
        """The defaults plus ``[tool.agenttrace.prices]``; a bad entry is a ``ConfigError`` naming it."""
        prices = dict(DEFAULT_PRICES)
        for model, entry in (overrides or {}).items():
            if not isinstance(entry, Mapping):
                raise ConfigError(
                    f"{where} {model!r}: expected a table like {{ input = 2.5, output = 10.0 }}"
                )
            unknown = sorted(set(entry) - {"input", "output", "cached_input"})
            if unknown:
                raise ConfigError(
                    f"{where} {model!r}: unknown key {unknown[0]!r} (input, output, cached_input)"
                )
            values: dict[str, float] = {}
            for key in ("input", "output", "cached_input"):
                if key not in entry:
                    continue
                value = entry[key]
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise ConfigError(
                        f"{where} {model!r}.{key}: expected a number >= 0 (USD per million tokens)"
                    )
                values[key] = float(value)
            if "input" not in values or "output" not in values:
                raise ConfigError(f"{where} {model!r}: needs both input and output prices")
            prices[str(model)] = Price(values["input"], values["output"], values.get("cached_input"))
        return cls(prices)

    def lookup(self, model: str | None) -> Price | None:
        if not model:
            return None
        name = _normalize(model)
        if name in self.prices:
            return self.prices[name]
        for key in self._order:
            if name.startswith(key):
                return self.prices[key]
        return None


_DEFAULT_TABLE = PriceTable()


def _table(prices: PriceTable | Mapping[str, Any] | None) -> PriceTable:
    if prices is None:
        return _DEFAULT_TABLE
    if isinstance(prices, PriceTable):
        return prices
    return PriceTable.from_config(prices)


def estimate_cost(
    model: str | None, usage: Usage | None, prices: PriceTable | Mapping[str, Any] | None = None
) -> Cost | None:
    """The price-table cost of one model call, marked estimated; None without usage or a known model.

    The importers use this to fill ``steps[].cost`` (``estimated: true``) where the source has no cost.
    """
    price = _table(prices).lookup(model)
    if price is None or usage is None:
        return None
    input_tokens = usage.input_tokens
    output_tokens = usage.output_tokens
    if input_tokens is None and output_tokens is None:
        return None
    input_tokens = input_tokens or 0
    cached = usage.cache_read_tokens or 0
    # More cache reads than input tokens means a source that counts them apart (Anthropic's convention).
    uncached = input_tokens if cached > input_tokens else input_tokens - cached
    cached_price = price.cached_input if price.cached_input is not None else price.input
    amount = (uncached * price.input + cached * cached_price + (output_tokens or 0) * price.output) / 1e6
    return Cost(amount=round(amount, 10), currency="USD", estimated=True)


def step_cost(step: Step, prices: PriceTable | Mapping[str, Any] | None = None) -> Cost | None:
    """A model step's recorded cost, else its estimate; None for other steps or when unknown."""
    if not isinstance(step, ModelStep):
        return None
    if step.cost is not None:
        return step.cost
    return estimate_cost(step.model, step.usage, prices)


@dataclass(frozen=True)
class CostSummary:
    """The cost of a run's model calls."""

    amount: float
    currency: str
    estimated: bool
    model_calls: int
    unpriced: int = 0

    def __str__(self) -> str:
        text = money(self.amount, self.currency)
        notes = []
        if self.estimated:
            notes.append("estimated")
        if self.unpriced:
            notes.append(f"{self.unpriced} of {self.model_calls} model calls without a price")
        return text + (f" ({', '.join(notes)})" if notes else "")


def _summary(costs: list[Cost | None]) -> CostSummary | None:
    known = [c for c in costs if c is not None]
    if not known:
        return None
    currencies = {c.currency for c in known}
    currency = known[0].currency if len(currencies) == 1 else "mixed"
    return CostSummary(
        amount=round(sum(c.amount for c in known), 10),
        currency=currency,
        estimated=any(c.estimated for c in known),
        model_calls=len(costs),
        unpriced=len(costs) - len(known),
    )


def _answering_step(run: ActualRun, index: int) -> Step | None:
    answered = run.answered_by.get(index)
    if isinstance(answered, int) and 0 <= answered < len(run.fixture.steps):
        return run.fixture.steps[answered]
    return None


def run_costs(run: ActualRun, prices: PriceTable | Mapping[str, Any] | None = None) -> list[Cost | None]:
    """For each model call of the run: what the recorded answer it consumed cost (or would have).

    A call answered from the recording costs what the recorded call cost; a stubbed answer, what its own
    usage (if any) would cost at list price.
    """
    table = _table(prices)
    out: list[Cost | None] = []
    for index, step in enumerate(run.steps):
        if not isinstance(step, ModelStep):
            continue
        recorded = _answering_step(run, index)
        cost = step_cost(recorded, table) if isinstance(recorded, ModelStep) else None
        out.append(cost if cost is not None else step_cost(step, table))
    return out


def replay_cost(run: ActualRun, prices: PriceTable | Mapping[str, Any] | None = None) -> CostSummary | None:
    """What the recorded answers the replay consumed would have cost; None when nothing is priced."""
    return _summary(run_costs(run, prices))


def recorded_cost(
    fixture: Fixture, prices: PriceTable | Mapping[str, Any] | None = None
) -> CostSummary | None:
    """The recorded run's cost (recorded where the source had it, estimated elsewhere)."""
    table = _table(prices)
    return _summary([step_cost(s, table) for s in fixture.steps if isinstance(s, ModelStep)])


def replay_cost_line(
    fixture: Fixture, run: ActualRun, prices: PriceTable | Mapping[str, Any] | None = None
) -> str | None:
    """``refund-5000: replay cost $0.0042 (estimated), recorded $0.0021: +100%``, for the plugin to print."""
    now = replay_cost(run, prices)
    if now is None:
        return None
    return f"{fixture.id}: {cost_line(now, recorded_cost(fixture, prices))}"


def cost_line(now: CostSummary, before: CostSummary | None) -> str:
    """:func:`replay_cost_line` without the fixture id, from costs already worked out (the plugin needs
    the figures too)."""
    line = f"replay cost {now} for {now.model_calls} model calls"
    if before is not None and before.currency == now.currency:
        line += f", recorded {before} for {before.model_calls}"
        if before.amount > 0:
            change = (now.amount - before.amount) / before.amount * 100
            line += f": {change:+.0f}%"
    return line
