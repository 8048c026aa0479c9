"""Compact builders for the runs the checks' tests use: a refund agent's steps, as an importer writes them."""

from __future__ import annotations

import json
from itertools import count
from typing import Any

from pytest_agenttrace.model import Fixture
from pytest_agenttrace.replay.run import ActualRun

_ids = count(1)

REFUND_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}},
                "required": ["order_id"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "request_approval",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}},
                "required": ["order_id", "amount"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "issue_refund",
            "parameters": {
                "type": "object",
                "properties": {
                    "order_id": {"type": "string", "pattern": "^ORD-\\d+$"},
                    "amount": {"type": "number", "maximum": 10000},
                    "reason": {"type": "string"},
                },
                "required": ["order_id", "amount"],
                "additionalProperties": False,
            },
        },
    },
]


def model(
    *calls: tuple[str, dict[str, Any]],
    content: str | None = None,
    tools: bool = True,
    model_name: str = "gpt-4o-mini",
    tokens: tuple[int, int] = (100, 20),
    ms: float = 400.0,
) -> dict[str, Any]:
    """A model step whose response requests ``calls`` (or answers ``content``)."""
    response: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        response["tool_calls"] = [
            {
                "id": f"call_{next(_ids)}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for name, args in calls
        ]
    step: dict[str, Any] = {
        "kind": "model",
        "id": f"s{next(_ids)}",
        "model": model_name,
        "response": response,
        "usage": {"input_tokens": tokens[0], "output_tokens": tokens[1], "total_tokens": sum(tokens)},
        "timing": {"duration_ms": ms},
    }
    if tools:
        step["tools"] = REFUND_TOOLS
    return step


def tool(
    name: str,
    arguments: dict[str, Any] | None = None,
    result: Any = None,
    *,
    error: str | None = None,
    text: str | None = None,
    ms: float = 5.0,
) -> dict[str, Any]:
    """A tool step; ``text`` records the arguments as text instead of an object."""
    step: dict[str, Any] = {
        "kind": "tool",
        "id": f"s{next(_ids)}",
        "name": name,
        "timing": {"duration_ms": ms},
    }
    if text is not None:
        step["arguments_text"] = text
    else:
        step["arguments"] = arguments or {}
    if error is not None:
        step["error"] = {"type": "ToolError", "message": error}
    else:
        step["result"] = result
    return step


def approval(decision: str, arguments: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    step = {
        "kind": "approval",
        "id": f"s{next(_ids)}",
        "name": "manager_approval",
        "decision": decision,
        "arguments": arguments or {},
    }
    step.update(extra)
    return step


def refund_run(
    amount: float = 5000,
    *,
    approved: bool | None = None,
    order: str = "ORD-1",
    approval_order: str | None = None,
) -> list[dict[str, Any]]:
    """lookup -> (request_approval) -> issue_refund -> answer."""
    steps = [
        model(("lookup_order", {"order_id": order})),
        tool(
            "lookup_order", {"order_id": order}, {"order_id": order, "total": amount, "status": "delivered"}
        ),
    ]
    if approved is not None:
        ask = {"order_id": approval_order or order, "amount": amount}
        steps += [model(("request_approval", ask)), tool("request_approval", ask, {"approved": approved})]
    refund = {"order_id": order, "amount": amount, "reason": "defective"}
    steps += [
        model(("issue_refund", refund)),
        tool("issue_refund", refund, {"refund_id": "R-9", "status": "issued"}),
        model(content=f"Refunded ${amount:g} for {order}.", tools=False),
    ]
    return steps


def make_fixture(
    steps: list[dict[str, Any]],
    *,
    expect: dict[str, Any] | None = None,
    output: Any = "done",
    status: str = "regression",
    fixture_id: str = "refund",
) -> Fixture:
    data: dict[str, Any] = {
        "id": fixture_id,
        "status": status,
        "input": "refund my order",
        "steps": steps,
        "output": output,
    }
    if expect is not None:
        data["expect"] = expect
    return Fixture.model_validate(data)


def recorded(steps: list[dict[str, Any]], **kwargs: Any) -> tuple[Fixture, ActualRun]:
    """A fixture and its recording seen as the actual run."""
    fixture = make_fixture(steps, **kwargs)
    return fixture, ActualRun.from_recording(fixture)


def replayed(fixture: Fixture, steps: list[dict[str, Any]], output: Any = "done") -> ActualRun:
    """An actual run (model and tool steps only) of ``fixture`` that did ``steps``."""
    actual = Fixture.model_validate({"id": "actual", "steps": steps}).steps
    kept = [s for s in actual if s.kind in ("model", "tool")]
    return ActualRun(
        fixture=fixture,
        steps=kept,
        output=output,
        has_output=True,
        answered_by={i: i for i in range(len(kept)) if i < len(fixture.steps)},
    )
