"""A small refund agent's recorded run, built with the model classes, and its tools.

Every adapter test replays the same run through a different SDK, so a test can assert the one thing that
matters: the actual run holds the recorded tool calls, in order, with the recorded arguments.
"""

from __future__ import annotations

import json
from typing import Any

from pytest_agenttrace.model import (
    Fixture,
    FunctionCall,
    FunctionDefinition,
    Message,
    ModelStep,
    ToolCall,
    ToolDefinition,
    ToolStep,
    Usage,
    compute_totals,
)
from pytest_agenttrace.replay import Replayer

SYSTEM = "You are a support agent. Refunds above $100 need approval."
QUESTION = "Please refund order ORD-1001, the kettle arrived broken."
FINAL = "Refunded $45.00 for ORD-1001 (refund RF-1)."

LOOKUP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"order_id": {"type": "string"}},
    "required": ["order_id"],
}
REFUND_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "order_id": {"type": "string"},
        "amount": {"type": "number"},
        "reason": {"type": "string"},
    },
    "required": ["order_id", "amount", "reason"],
}
TOOLS = [
    ToolDefinition(
        function=FunctionDefinition(
            name="lookup_order", description="Find an order.", parameters=LOOKUP_SCHEMA
        )
    ),
    ToolDefinition(
        function=FunctionDefinition(
            name="issue_refund", description="Refund an order.", parameters=REFUND_SCHEMA
        )
    ),
]
CHAT_TOOLS: list[dict[str, Any]] = [tool.to_data() for tool in TOOLS]

LOOKUP_ARGS = {"order_id": "ORD-1001"}
REFUND_ARGS = {"order_id": "ORD-1001", "amount": 45.0, "reason": "arrived broken"}
LOOKUP_RESULT = {"order_id": "ORD-1001", "item": "Kettle", "amount": 45.0, "status": "delivered"}
REFUND_RESULT = {"refund_id": "RF-1", "status": "issued"}
EXPECTED_CALLS = [("lookup_order", LOOKUP_ARGS), ("issue_refund", REFUND_ARGS)]


def _call(call_id: str, name: str, arguments: dict[str, Any]) -> ToolCall:
    return ToolCall(id=call_id, function=FunctionCall(name=name, arguments=json.dumps(arguments)))


def refund_fixture() -> Fixture:
    """model -> lookup_order -> model -> issue_refund -> model (final text), with usage on each call."""
    user = [Message(role="system", content=SYSTEM), Message(role="user", content=QUESTION)]
    steps = [
        ModelStep(
            kind="model",
            id="m1",
            model="gpt-4o-mini-2024-07-18",
            messages=user,
            tools=TOOLS,
            response=Message(
                role="assistant", tool_calls=[_call("call_lookup", "lookup_order", LOOKUP_ARGS)]
            ),
            finish_reason="tool_calls",
            usage=Usage(input_tokens=100, output_tokens=20, total_tokens=120),
        ),
        ToolStep(
            kind="tool",
            id="t1",
            name="lookup_order",
            call_id="call_lookup",
            arguments=LOOKUP_ARGS,
            result=LOOKUP_RESULT,
        ),
        ModelStep(
            kind="model",
            id="m2",
            model="gpt-4o-mini-2024-07-18",
            response=Message(
                role="assistant", tool_calls=[_call("call_refund", "issue_refund", REFUND_ARGS)]
            ),
            finish_reason="tool_calls",
            usage=Usage(input_tokens=150, output_tokens=30, total_tokens=180),
        ),
        ToolStep(
            kind="tool",
            id="t2",
            name="issue_refund",
            call_id="call_refund",
            arguments=REFUND_ARGS,
            result=REFUND_RESULT,
        ),
        ModelStep(
            kind="model",
            id="m3",
            model="gpt-4o-mini-2024-07-18",
            response=Message(role="assistant", content=FINAL),
            finish_reason="stop",
            usage=Usage(input_tokens=200, output_tokens=12, total_tokens=212),
        ),
    ]
    return Fixture(id="refund-ok", input=QUESTION, steps=steps, output=FINAL, totals=compute_totals(steps))


def actual_tool_calls(replayer: Replayer) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls the agent made during the replay, as (name, arguments)."""
    return [(step.name, dict(step.arguments or {})) for step in replayer.run.steps if step.kind == "tool"]  # type: ignore[union-attr]


def recorded_tool_calls(fixture: Fixture) -> list[tuple[str, dict[str, Any]]]:
    return [(step.name, dict(step.arguments or {})) for step in fixture.steps if isinstance(step, ToolStep)]


def model_steps(replayer: Replayer) -> list[ModelStep]:
    return [step for step in replayer.run.steps if isinstance(step, ModelStep)]


def first_request(fixture: Fixture) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The messages and tools of the recording's first model call: what the agent starts from."""
    step = next(step for step in fixture.steps if isinstance(step, ModelStep))
    return [m.to_data() for m in step.messages or ()], [t.to_data() for t in step.tools or ()]
