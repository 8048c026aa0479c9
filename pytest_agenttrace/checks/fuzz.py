"""Fuzz: vary the recorded tool results (hypothesis) and check that the invariants still hold.

One bad run becomes a property: "for every order total the lookup could return, a refund over $100 is
approved first". ``expect.fuzz`` names the tools whose results vary, within a JSON Schema that is either
declared or inferred from the recorded value (numbers within a range around it, strings, lists and
objects of the same shape, JSON text kept as JSON text). Beyond valid variations it can inject tool
errors, timeouts and empty results, and reorder a model's parallel tool calls.

The run is bounded (``examples``), seeded (``seed``, by default derived from the fixture id, so CI and a
laptop see the same examples), uses no example database, and shrinks a failure to a minimal example, which
the failure text prints with the seed.

The replay is the caller's: ``run_fuzz`` gets ``replay_once(overrides)``, which replays the fixture with
``overrides`` mapping a *recorded* step index to what to answer instead:

* a JSON value: the result of that recorded tool step;
* an exception instance (``InjectedToolError``, ``InjectedTimeout``): the tool stub raises it;
* a ``Reorder``: the recorded model step's response with its tool calls in another order
  (``override.apply(message)``).

Checked on every example: policies, output invariants, budgets and tool-argument schemas; not the exact
tool path, which may rightly change with the data. An agent that lets an injected exception propagate
fails no invariant (there is no output to judge); any other exception it raises is a failure.
hypothesis is imported only when fuzzing runs.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..model import Fixture, Fuzz, Message, ModelStep, Policy, ToolStep
from ..replay.run import ActualRun
from ._failure import CheckFailure
from ._schema import SchemaProblem, compiled
from ._values import short
from .prices import PriceTable

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "DEFAULT_EXAMPLES",
    "FuzzResult",
    "InjectedTimeout",
    "InjectedToolError",
    "Reorder",
    "ReplayOnce",
    "infer_schema",
    "run_fuzz",
    "strategy_for_schema",
]

DEFAULT_EXAMPLES = 50
#: Families checked on every variation (see ``checks.evaluate``).
INVARIANTS = ("policies", "output", "budgets")


class InjectedToolError(RuntimeError):
    """A tool failure injected by the fuzzer."""


class InjectedTimeout(TimeoutError):
    """A tool timeout injected by the fuzzer."""


@dataclass(frozen=True)
class Reorder:
    """Another order for the parallel tool calls of a recorded model response."""

    order: tuple[int, ...]

    def apply(self, message: Message) -> Message:
        """``message`` with its tool calls in this order."""
        calls = list(message.tool_calls or [])
        if sorted(self.order) != list(range(len(calls))):
            return message
        return message.model_copy(update={"tool_calls": [calls[i] for i in self.order]})

    def __call__(self, message: dict[str, Any]) -> dict[str, Any]:
        """The replay's form (``Replayer(overrides=...)``): an assistant message dict, reordered."""
        calls = list(message.get("tool_calls") or [])
        if sorted(self.order) != list(range(len(calls))):
            return message
        return {**message, "tool_calls": [calls[i] for i in self.order]}


ReplayOnce = Callable[[Mapping[int, Any]], ActualRun]
_KEEP = object()


@dataclass
class FuzzResult:
    """What a fuzz run found. ``failures`` is empty when every example held."""

    seed: int
    examples: int
    failures: list[CheckFailure] = field(default_factory=list)
    example: dict[int, Any] | None = None
    run: ActualRun | None = None

    @property
    def ok(self) -> bool:
        return not self.failures


# ---------------------------------------------------------------------------------------------------
# schemas


def infer_schema(value: Any) -> dict[str, Any]:
    """A JSON Schema for values shaped like ``value``: the space the fuzzer varies a recorded result in."""
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int | float):
        kind = "integer" if isinstance(value, int) else "number"
        if value >= 0:
            return {"type": kind, "minimum": 0, "maximum": max(10, value * 10)}
        return {"type": kind, "minimum": value * 10, "maximum": 0}
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "[") and text[-1:] in ("}", "]"):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict | list):
                return {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": infer_schema(parsed),
                }
        return {"type": "string", "maxLength": max(20, 2 * len(value))}
    if isinstance(value, list):
        items = infer_schema(value[0]) if value else {}
        return {"type": "array", "items": items, "maxItems": max(3, 2 * len(value))}
    if isinstance(value, dict):
        return {
            "type": "object",
            "properties": {str(k): infer_schema(v) for k, v in value.items()},
            "required": [str(k) for k in value],
            "additionalProperties": False,
        }
    return {}


def _any_json() -> SearchStrategy[Any]:
    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=10)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=8,
    )


def _strategy(schema: Any, where: str) -> SearchStrategy[Any]:
    from hypothesis import strategies as st

    if schema is True or schema == {}:
        return _any_json()
    if not isinstance(schema, dict):
        raise InputError(f"cannot generate values for schema {short(schema, 60)}", where=where)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([_strategy(s, f"{where}.{key}[{i}]") for i, s in enumerate(schema[key])])
    if "allOf" in schema:
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            merged.update(part)
        return _strategy(merged, where)
    if schema.get("contentMediaType") == "application/json" and "contentSchema" in schema:
        inner = _strategy(schema["contentSchema"], f"{where}.contentSchema")
        return inner.map(lambda v: json.dumps(v, ensure_ascii=False))
    kind = schema.get("type")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else None
    if kind is None:
        return _any_json()
    if isinstance(kind, list):
        return st.one_of([_strategy({**schema, "type": k}, where) for k in kind])
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low = schema.get("minimum")
        high = schema.get("maximum")
        if "exclusiveMinimum" in schema:
            low = math.floor(schema["exclusiveMinimum"]) + 1
        if "exclusiveMaximum" in schema:
            high = math.ceil(schema["exclusiveMaximum"]) - 1
        return st.integers(
            min_value=None if low is None else math.ceil(low),
            max_value=None if high is None else math.floor(high),
        )
    if kind == "number":
        return st.floats(
            min_value=schema.get("minimum", schema.get("exclusiveMinimum")),
            max_value=schema.get("maximum", schema.get("exclusiveMaximum")),
            exclude_min="exclusiveMinimum" in schema,
            exclude_max="exclusiveMaximum" in schema,
            allow_nan=False,
            allow_infinity=False,
        )
    if kind == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength", 20)
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda s: low <= len(s) <= high)
        return st.text(min_size=low, max_size=high)
    if kind == "array":
        items = _strategy(schema.get("items", {}), f"{where}.items")
        return st.lists(
            items,
            min_size=schema.get("minItems", 0),
            max_size=schema.get("maxItems", 5),
            unique_by=(lambda v: json.dumps(v, sort_keys=True)) if schema.get("uniqueItems") else None,
        )
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        if not properties:
            return st.dictionaries(st.text(max_size=8), _any_json(), max_size=3)
        return st.fixed_dictionaries(
            {k: _strategy(v, f"{where}.properties.{k}") for k, v in properties.items() if k in required},
            optional={
                k: _strategy(v, f"{where}.properties.{k}") for k, v in properties.items() if k not in required
            },
        )
    raise InputError(f"cannot generate values of type {kind!r}", where=where)


def strategy_for_schema(schema: Any, *, where: str = "schema") -> SearchStrategy[Any]:
    """A hypothesis strategy for values valid against ``schema`` (a practical subset of JSON Schema).

    Supported: ``type`` (one or several), ``const``, ``enum``, ``anyOf`` / ``oneOf`` / ``allOf``, number
    bounds, string ``minLength`` / ``maxLength`` / ``pattern``, arrays (``items``, ``minItems``,
    ``maxItems``, ``uniqueItems``), objects (``properties``, ``required``), and JSON text
    (``contentMediaType: application/json`` with ``contentSchema``). Every value is also checked against
    the full schema, so a keyword this does not generate for is still respected.
    """
    try:
        validator = compiled(schema)
    except SchemaProblem as exc:
        raise InputError(str(exc), where=where) from None
    return _strategy(schema, where).filter(validator.is_valid)


def _near(value: Any, where: str) -> SearchStrategy[Any]:
    """Values of the inferred schema of ``value`` that shrink back to ``value`` leaf by leaf.

    A shrunk example then differs from the recording only where it has to, which is what a reader
    needs to see (``total: 101``, not also an emptied ``order_id``).
    """
    from hypothesis import strategies as st

    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _near(v, f"{where}.{k}") for k, v in value.items()})
    if isinstance(value, list):
        return st.one_of(st.just(value), _strategy(infer_schema(value), where))
    return st.one_of(st.just(value), _strategy(infer_schema(value), where))


# ---------------------------------------------------------------------------------------------------
# the run


def _empty_like(value: Any) -> Any:
    if isinstance(value, str):
        return ""
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {}
    return None


def _targets(fixture: Fixture, settings: Fuzz) -> list[tuple[int, ToolStep]]:
    names = set(settings.tools) if settings.tools is not None else None
    return [
        (index, step)
        for index, step in enumerate(fixture.steps)
        if isinstance(step, ToolStep) and (names is None or step.name in names)
    ]


def _overrides_strategy(fixture: Fixture, settings: Fuzz) -> SearchStrategy[dict[int, Any]]:
    from hypothesis import strategies as st

    per_step: dict[int, SearchStrategy[Any]] = {}
    for index, step in _targets(fixture, settings):
        declared = settings.tools.get(step.name) if settings.tools else None
        where = f"expect.fuzz.tools.{step.name}.schema"
        schema = declared.schema_ if declared is not None and declared.schema_ is not None else None
        if schema is None:
            valid = _near(step.result, f"steps[{index}].result (inferred)")
        else:
            valid = strategy_for_schema(schema, where=where)
        branches: list[SearchStrategy[Any]] = [st.just(_KEEP), valid]
        if settings.errors:
            message = f"injected error in {step.name} (agenttrace fuzz)"
            branches.append(st.builds(InjectedToolError, st.just(message)))
        if settings.timeouts:
            message = f"injected timeout in {step.name} (agenttrace fuzz)"
            branches.append(st.builds(InjectedTimeout, st.just(message)))
        if settings.empty:
            branches.append(st.just(_empty_like(step.result)))
        per_step[index] = st.one_of(branches)
    if settings.reorder:
        for index, model_step in enumerate(fixture.steps):
            if not isinstance(model_step, ModelStep) or model_step.response is None:
                continue
            count = len(model_step.response.tool_calls or [])
            if count >= 2:
                per_step[index] = st.permutations(range(count)).map(
                    lambda order: _KEEP if list(order) == sorted(order) else Reorder(tuple(order))
                )
    return st.fixed_dictionaries(per_step).map(lambda d: {k: v for k, v in d.items() if v is not _KEEP})


def _injected(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, InjectedToolError | InjectedTimeout):
            return True
        error = error.__cause__ or error.__context__
    return False


def describe_override(fixture: Fixture, index: int, value: Any) -> str:
    """``steps[1] lookup_order → {"total": 101} (recorded {"total": 50})``."""
    step = fixture.steps[index]
    name = step.name or step.kind
    if isinstance(value, Reorder):
        return f"steps[{index}] {name}: tool calls reordered to {list(value.order)}"
    if isinstance(value, BaseException):
        return f"steps[{index}] {name}: raises {type(value).__name__}({str(value)!r})"
    recorded = step.result if isinstance(step, ToolStep) else None
    return f"steps[{index}] {name} → {short(value, 80)} (recorded {short(recorded, 60)})"


def run_fuzz(
    fixture: Fixture,
    replay_once: ReplayOnce,
    *,
    policies: Sequence[Policy] = (),
    prices: PriceTable | Mapping[str, Any] | None = None,
    settings: Fuzz | None = None,
    seed: int | None = None,
    max_examples: int | None = None,
) -> FuzzResult:
    """Replay ``fixture`` with varied tool results until an invariant fails or the examples run out.

    ``settings`` defaults to ``fixture.expect.fuzz``; ``seed`` and ``max_examples`` override it (a
    ``--agenttrace-fuzz-seed`` option, say). Returns the shrunk failing example, its run and failures.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given
    from hypothesis import seed as hypothesis_seed
    from hypothesis import settings as hypothesis_settings
    from hypothesis.errors import HypothesisException

    from . import evaluate

    if settings is None:
        settings = fixture.expect.fuzz if fixture.expect is not None and fixture.expect.fuzz else Fuzz()
    chosen_seed = seed if seed is not None else settings.seed
    if chosen_seed is None:
        chosen_seed = zlib.crc32(fixture.id.encode("utf-8"))
    examples = max_examples or settings.examples or DEFAULT_EXAMPLES
    strategy = _overrides_strategy(fixture, settings)

    count = 0
    last: list[tuple[dict[int, Any], ActualRun | None, list[CheckFailure]]] = []

    class _Falsified(AssertionError):
        pass

    def body(overrides: dict[int, Any]) -> None:
        nonlocal count
        count += 1
        run: ActualRun | None
        try:
            run = replay_once(overrides)
        except Exception as exc:
            run = None
            failures = [CheckFailure("fuzz.replay", f"the replay raised {type(exc).__name__}: {exc}")]
        else:
            failures = evaluate(fixture, run, policies=policies, prices=prices, only=INVARIANTS)
            tool_schema = [f for f in evaluate(fixture, run, only=("tools",)) if f.check == "tools.arguments"]
            failures += tool_schema
            if run.error is not None and not _injected(run.error):
                failures.append(
                    CheckFailure("fuzz.error", f"the agent raised {type(run.error).__name__}: {run.error}")
                )
        if failures:
            last.append((dict(overrides), run, failures))
            raise _Falsified(failures[0].summary())

    test = given(strategy)(body)
    test = hypothesis_settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        report_multiple_bugs=False,
    )(test)
    test = hypothesis_seed(chosen_seed)(test)
    try:
        test()
    except _Falsified:
        pass
    except HypothesisException as exc:
        failure = CheckFailure("fuzz", f"fuzzing could not run: {type(exc).__name__}: {exc}")
        return FuzzResult(seed=chosen_seed, examples=count, failures=[failure])
    if not last:
        return FuzzResult(seed=chosen_seed, examples=count)
    example, run, failures = last[-1]
    lines = [describe_override(fixture, i, v) for i, v in sorted(example.items())] or [
        "(the recorded results, unchanged)"
    ]
    head = CheckFailure(
        "fuzz",
        f"an invariant fails on a variation of the recorded tool results "
        f"(seed {chosen_seed}, {count} examples run, shrunk to the example below)",
        details=[
            *lines,
            f"reproduce with seed {chosen_seed}: pytest --agenttrace --agenttrace-fuzz-seed={chosen_seed} "
            "(or expect.fuzz.seed)",
        ],
        source="expect.fuzz",
    )
    return FuzzResult(seed=chosen_seed, examples=count, failures=[head, *failures], example=example, run=run)
