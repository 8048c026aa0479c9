"""Fuzz: a real little agent loop replayed with varied tool results through the ``run_fuzz`` seam."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from pytest_agenttrace.checks.fuzz import (
    InjectedTimeout,
    InjectedToolError,
    Reorder,
    infer_schema,
    run_fuzz,
    strategy_for_schema,
)
from pytest_agenttrace.checks.policies import parse_policies
from pytest_agenttrace.model import Fixture, Message, ModelStep, ToolStep
from pytest_agenttrace.replay.run import ActualRun
from pytest_agenttrace.report.failures import render_failures

from .builders import make_fixture, model, tool

POLICIES = parse_policies(
    {
        "policies": [
            {
                "id": "refund-needs-approval",
                "tool": "issue_refund",
                "when": {
                    "type": "object",
                    "properties": {"amount": {"type": "number", "exclusiveMinimum": 100}},
                    "required": ["amount"],
                },
                "requires": {"tool": "request_approval", "same": ["order_id"]},
            }
        ]
    }
)


def small_refund_fixture(**fuzz: Any) -> Fixture:
    """A recorded run of $50: lookup, refund (no approval needed), answer."""
    steps = [
        model(("lookup_order", {"order_id": "ORD-7"})),
        tool("lookup_order", {"order_id": "ORD-7"}, {"order_id": "ORD-7", "total": 50}),
        model(("issue_refund", {"order_id": "ORD-7", "amount": 50})),
        tool("issue_refund", {"order_id": "ORD-7", "amount": 50}, {"status": "issued"}),
        model(content="Refunded.", tools=False),
    ]
    return make_fixture(
        steps,
        output="Refunded.",
        expect={"fuzz": {"tools": {"lookup_order": {}}, "examples": 200, **fuzz}},
        fixture_id="small-refund",
    )


class Replayer:
    """A minimal replay: tools answered from the recording by name (in order), overrides applied."""

    def __init__(self, fixture: Fixture, overrides: Mapping[int, Any]) -> None:
        self.fixture = fixture
        self.overrides = overrides
        self.steps: list[Any] = []
        self.answered: dict[int, int | str] = {}
        self.used: set[int] = set()

    def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        index = next(
            (
                i
                for i, s in enumerate(self.fixture.steps)
                if isinstance(s, ToolStep) and s.name == name and i not in self.used
            ),
            None,
        )
        step_no = len(self.steps)
        if index is None:  # a call the recording lacks: a stub that grants approvals
            self.answered[step_no] = "stub"
            result: Any = {"approved": True}
            self.steps.append(
                ToolStep(kind="tool", id=f"a{step_no}", name=name, arguments=arguments, result=result)
            )
            return result
        self.used.add(index)
        self.answered[step_no] = index
        recorded = self.fixture.steps[index]
        assert isinstance(recorded, ToolStep)
        value = self.overrides.get(index, recorded.result)
        if isinstance(value, BaseException):
            self.steps.append(
                ToolStep(
                    kind="tool",
                    id=f"a{step_no}",
                    name=name,
                    arguments=arguments,
                    error={"type": type(value).__name__, "message": str(value)},
                )
            )
            raise value
        self.steps.append(
            ToolStep(kind="tool", id=f"a{step_no}", name=name, arguments=arguments, result=value)
        )
        return value


def agent(replayer: Replayer, order_id: str, *, threshold: float) -> str:
    """The agent under test: its own code decides when to ask for approval (the bug: the threshold)."""
    order = replayer.call_tool("lookup_order", {"order_id": order_id})
    if isinstance(order, str):
        order = json.loads(order)
    amount = order["total"]
    if amount > threshold:
        verdict = replayer.call_tool("request_approval", {"order_id": order_id, "amount": amount})
        if not verdict.get("approved"):
            return "Refund needs approval."
    replayer.call_tool("issue_refund", {"order_id": order_id, "amount": amount})
    return f"Refunded ${amount}."


def replay_with(fixture: Fixture, threshold: float, *, swallow: bool = False) -> Any:
    def replay_once(overrides: Mapping[int, Any]) -> ActualRun:
        replayer = Replayer(fixture, overrides)
        run = ActualRun(fixture=fixture)
        try:
            run.output = agent(replayer, "ORD-7", threshold=threshold)
            run.has_output = True
        except Exception as exc:
            if swallow:
                run.output, run.has_output = "Sorry, try again later.", True
            else:
                run.error = exc
        run.steps = replayer.steps
        run.answered_by = replayer.answered
        return run

    return replay_once


def test_buggy_agent_fails_with_a_shrunk_seeded_example() -> None:
    fixture = small_refund_fixture(seed=1234)
    result = run_fuzz(fixture, replay_with(fixture, threshold=1000), policies=POLICIES)
    assert not result.ok
    assert result.seed == 1234
    # Shrunk: the smallest total that breaks the policy, the rest of the recorded result unchanged.
    assert result.example == {1: {"order_id": "ORD-7", "total": 101}}
    assert result.run is not None
    text = render_failures(fixture, result.run, result.failures, verbose=False)
    assert "[1] fuzz" in text
    assert "seed 1234" in text
    assert (
        'steps[1] lookup_order → {"order_id": "ORD-7", "total": 101} (recorded {"order_id": "ORD-7", "total": 50})'
        in text
    )
    assert "[2] policy:refund-needs-approval · step 1 (tool issue_refund)" in text
    assert "reproduce with seed 1234" in text


def test_fuzz_is_reproducible() -> None:
    fixture = small_refund_fixture(seed=99, examples=30)
    first = run_fuzz(fixture, replay_with(fixture, threshold=1000), policies=POLICIES)
    second = run_fuzz(fixture, replay_with(fixture, threshold=1000), policies=POLICIES)
    assert first.example == second.example
    assert first.examples == second.examples
    assert [f.message for f in first.failures] == [f.message for f in second.failures]


def test_fixed_agent_passes_all_examples() -> None:
    fixture = small_refund_fixture(examples=60)
    result = run_fuzz(fixture, replay_with(fixture, threshold=100), policies=POLICIES)
    assert result.ok, result.failures
    assert result.examples == 60


def test_default_seed_comes_from_the_fixture_id() -> None:
    fixture = small_refund_fixture(examples=5)
    result = run_fuzz(fixture, replay_with(fixture, threshold=100), policies=POLICIES)
    again = run_fuzz(fixture, replay_with(fixture, threshold=100), policies=POLICIES)
    assert result.seed == again.seed
    assert run_fuzz(fixture, replay_with(fixture, threshold=100), seed=7).seed == 7


def test_injected_errors_are_reported_when_the_agent_crashes_on_them() -> None:
    fixture = small_refund_fixture(errors=True, timeouts=True, examples=100)
    # The agent lets an injected error propagate: no invariant to judge, so no failure ...
    assert run_fuzz(fixture, replay_with(fixture, threshold=100)).ok
    # ... but an empty result makes it crash with its own KeyError, which is a failure.
    fixture = small_refund_fixture(empty=True, examples=100, seed=3)
    result = run_fuzz(fixture, replay_with(fixture, threshold=100))
    assert not result.ok
    assert result.example == {1: {}}
    assert any(f.check == "fuzz.error" and "KeyError" in f.message for f in result.failures)


def test_output_invariants_hold_under_injected_timeouts() -> None:
    fixture = small_refund_fixture(timeouts=True, examples=50)
    data = fixture.to_data()
    data["expect"]["output"] = {"must_contain": [{"regex": "Refunded"}]}
    fixture = Fixture.model_validate(data)
    result = run_fuzz(fixture, replay_with(fixture, threshold=100, swallow=True))
    assert not result.ok
    assert isinstance(result.example[1], InjectedTimeout)  # type: ignore[index]
    assert "raises InjectedTimeout" in result.failures[0].details[0]
    assert result.failures[1].check == "output.must_contain"


def test_inferred_schema_and_strategy() -> None:
    from hypothesis import given, settings

    schema = infer_schema({"total": 50, "items": ["a"], "note": '{"x": 1.5}', "ok": True})
    assert schema["properties"]["total"] == {"type": "integer", "minimum": 0, "maximum": 500}
    assert schema["properties"]["note"]["contentMediaType"] == "application/json"

    @settings(max_examples=30, database=None)
    @given(strategy_for_schema(schema))
    def check(value: Any) -> None:
        assert 0 <= value["total"] <= 500
        assert isinstance(json.loads(value["note"])["x"], float)

    check()


def test_reorder_permutes_parallel_calls() -> None:
    step = model(("lookup_order", {"order_id": "A"}), ("lookup_order", {"order_id": "B"}))
    message = ModelStep.model_validate(step).response
    assert message is not None
    swapped = Reorder((1, 0)).apply(message)
    assert [json.loads(c.function.arguments)["order_id"] for c in swapped.tool_calls or []] == ["B", "A"]
    assert Reorder((0,)).apply(message) is message
    assert isinstance(swapped, Message)


def test_injected_error_types() -> None:
    assert issubclass(InjectedTimeout, TimeoutError)
    assert issubclass(InjectedToolError, RuntimeError)


def test_unsupported_declared_schema_is_a_clear_error() -> None:
    data = small_refund_fixture().to_data()
    data["expect"]["fuzz"]["tools"]["lookup_order"] = {"schema": {"type": "object", "minProperties": "x"}}
    fixture = Fixture.model_validate(data)
    with pytest.raises(ValueError, match=r"expect\.fuzz\.tools\.lookup_order\.schema"):
        run_fuzz(fixture, replay_with(fixture, threshold=100))
