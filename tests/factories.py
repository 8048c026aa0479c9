"""Fixture documents for the foundation's tests, built through the public models.

A realistic refund run (model -> tool -> model -> tool with an error), shaped like what the importers write.
"""

from __future__ import annotations

import json
from typing import Any

from pytest_agenttrace.model import Fixture, compute_totals


def refund_steps(amount: float = 850.0) -> list[dict[str, Any]]:
    args = json.dumps({"order_id": "ORD-2002"})
    refund_args = {"order_id": "ORD-2002", "amount": amount, "reason": "defective"}
    return [
        {
            "kind": "model",
            "id": "a1",
            "name": "chat gpt-4o-mini",
            "timing": {"start": "2026-11-01T10:00:00.000000Z", "duration_ms": 410.5},
            "model": "gpt-4o-mini",
            "provider": "openai",
            "messages": [
                {"role": "system", "content": "You are a support agent."},
                {"role": "user", "content": "My order (ORD-2002) stopped working"},
            ],
            "tools": [
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
                }
            ],
            "response": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "lookup_order", "arguments": args},
                    }
                ],
            },
            "finish_reason": "tool_calls",
            "usage": {"input_tokens": 120, "output_tokens": 15, "total_tokens": 135},
        },
        {
            "kind": "tool",
            "id": "a2",
            "name": "lookup_order",
            "timing": {"start": "2026-11-01T10:00:00.420000Z", "duration_ms": 3.0},
            "call_id": "call_1",
            "arguments": {"order_id": "ORD-2002"},
            "result": {"order_id": "ORD-2002", "total": 850.0, "status": "delivered"},
        },
        {
            "kind": "model",
            "id": "a3",
            "name": "chat gpt-4o-mini",
            "timing": {"start": "2026-11-01T10:00:00.500000Z", "duration_ms": 380.0},
            "model": "gpt-4o-mini",
            "response": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "issue_refund", "arguments": json.dumps(refund_args)},
                    }
                ],
            },
            "usage": {"input_tokens": 200, "output_tokens": 30, "total_tokens": 230},
        },
        {
            "kind": "tool",
            "id": "a4",
            "name": "issue_refund",
            "timing": {"start": "2026-11-01T10:00:00.900000Z", "duration_ms": 12.0},
            "call_id": "call_2",
            "arguments": refund_args,
            "error": {"type": "RefundLimitExceeded", "message": "refunds over $100 need approval"},
            "attributes": {"gen_ai.tool.type": "function", "server.port": 443},
        },
    ]


def refund_document(**overrides: Any) -> dict[str, Any]:
    """A complete, valid fixture document as it would be on disk."""
    steps = refund_steps()
    totals = compute_totals(Fixture.model_validate({"id": "tmp", "steps": steps}).steps).to_data()
    fixture = Fixture.model_validate(
        {
            "schema": {"name": "pytest-agenttrace/fixture", "version": "1.0"},
            "id": "refund-tool-error",
            "status": "regression",
            "reason": "refund of $850 issued without approval",
            "links": ["https://example.org/incidents/42"],
            "source": {
                "format": "otlp",
                "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
                "file": "export.json",
            },
            "input": "My order (ORD-2002) stopped working",
            "steps": steps,
            "totals": totals,
        }
    )
    data = fixture.to_data()
    data.update(overrides)
    return data
