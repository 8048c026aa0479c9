"""Drive a real Strands Agents agent offline and export its spans as OTLP/JSON.

The model is a scripted :class:`strands.models.Model` subclass that streams Bedrock ConverseStream events
(text, or ``toolUse`` blocks whose input is JSON text); the tools are real ``@tool`` functions, and the
spans are Strands' own, written by ``strands.telemetry.tracer`` into the OpenTelemetry SDK's
``InMemorySpanExporter`` and encoded with the SDK's OTLP encoder. ``MODES`` are the three ways Strands
records content: its default (message events holding content blocks), the current GenAI conventions in
``gen_ai.client.inference.operation.details`` events (``gen_ai_latest_experimental``), and the same on span
attributes (``gen_ai_span_attributes_only``).

Running this file rewrites the committed exports in ``tests/data/strands/`` (timestamps and ids differ on
every run; the tests assert content, not bytes)::

    PYTHONPATH=. python tests/importers/strands_producer.py
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "strands"

#: OTEL_SEMCONV_STABILITY_OPT_IN for each mode.
MODES = {
    "default": "",
    "latest": "gen_ai_latest_experimental",
    "attributes": "gen_ai_latest_experimental,gen_ai_span_attributes_only",
}

USER_TEXT = "Please refund order ORD-1001, it arrived damaged"
SYSTEM_PROMPT = "You are a refund support agent."

#: One model turn each: tool uses (id, name, input) or the final answer.
SUCCESS: list[Any] = [
    [("tooluse_lookup_1", "lookup_order", {"order_id": "ORD-1001"})],
    [
        ("tooluse_refund_2", "issue_refund", {"order_id": "ORD-1001", "amount": 45.0, "reason": "damaged"}),
        ("tooluse_email_3", "send_email", {"to": "dana@example.com", "subject": "Refund", "body": "Done."}),
    ],
    "Refunded $45.00 and emailed you.",
]
#: issue_refund raises; Strands hands the error to the model as an error tool result and goes on.
TOOL_ERROR: list[Any] = [
    [("tooluse_lookup_4", "lookup_order", {"order_id": "ORD-2002"})],
    [("tooluse_refund_5", "issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"})],
    "I could not refund that order.",
]
SCENARIOS = {"refund_success": SUCCESS, "refund_tool_error": TOOL_ERROR}


class RefundLimitExceeded(Exception):
    """Raised by issue_refund above the auto-approval limit."""


def tool_results(name: str, args: dict[str, Any]) -> dict[str, Any]:
    if name == "lookup_order":
        return {"order_id": args["order_id"], "customer": "dana@example.com", "amount": 45.0}
    if name == "issue_refund":
        if args["amount"] > 500:
            raise RefundLimitExceeded(f"refund of {args['amount']:.2f} exceeds auto-approval limit 500.00")
        return {"refund_id": "RF-1", "order_id": args["order_id"], "status": "issued"}
    if name == "send_email":
        return {"status": "queued"}
    raise KeyError(name)


def produce(mode: str, script: Sequence[Any]) -> tuple[dict[str, Any], str]:
    """Run the agent once in ``mode``; the OTLP/JSON document and the agent's answer."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from strands import Agent, tool
    from strands.models import Model
    from strands.telemetry import tracer as strands_tracer

    class ScriptedModel(Model):  # type: ignore[misc]
        """Answers each call with the next scripted turn, streamed as Bedrock ConverseStream events."""

        def __init__(self) -> None:
            self.calls = 0

        def update_config(self, **model_config: Any) -> None:
            return None

        def get_config(self) -> dict[str, Any]:
            return {"model_id": "scripted-model"}

        async def structured_output(self, *args: Any, **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
            raise NotImplementedError
            yield {}

        async def stream(self, messages: Any, *args: Any, **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
            turn = script[self.calls]
            self.calls += 1
            yield {"messageStart": {"role": "assistant"}}
            if isinstance(turn, str):
                yield {"contentBlockStart": {"start": {}}}
                yield {"contentBlockDelta": {"delta": {"text": turn}}}
                yield {"contentBlockStop": {}}
                stop = "end_turn"
            else:
                for call_id, name, arguments in turn:
                    yield {"contentBlockStart": {"start": {"toolUse": {"toolUseId": call_id, "name": name}}}}
                    yield {"contentBlockDelta": {"delta": {"toolUse": {"input": json.dumps(arguments)}}}}
                    yield {"contentBlockStop": {}}
                stop = "tool_use"
            yield {"messageStop": {"stopReason": stop}}
            prompt = 50 + 10 * len(messages)
            yield {
                "metadata": {
                    "usage": {
                        "inputTokens": prompt,
                        "outputTokens": 6 + self.calls,
                        "totalTokens": prompt + 6 + self.calls,
                    },
                    "metrics": {"latencyMs": 1},
                }
            }

    @tool
    def lookup_order(order_id: str) -> dict[str, Any]:
        """Look up an order."""
        return tool_results("lookup_order", {"order_id": order_id})

    @tool
    def issue_refund(order_id: str, amount: float, reason: str) -> dict[str, Any]:
        """Refund an order."""
        return tool_results("issue_refund", {"order_id": order_id, "amount": amount, "reason": reason})

    @tool
    def send_email(to: str, subject: str, body: str) -> dict[str, Any]:
        """Send an e-mail."""
        return tool_results("send_email", {"to": to, "subject": subject, "body": body})

    previous = os.environ.get("OTEL_SEMCONV_STABILITY_OPT_IN")
    os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = MODES[mode]
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    saved = strands_tracer._tracer_instance
    try:
        tracer = strands_tracer.Tracer()  # reads the opt-in variable
        tracer.tracer_provider = provider
        tracer.tracer = provider.get_tracer(strands_tracer.__name__)
        strands_tracer._tracer_instance = tracer
        agent = Agent(
            model=ScriptedModel(),
            tools=[lookup_order, issue_refund, send_email],
            system_prompt=SYSTEM_PROMPT,
            name="refund-agent",
            callback_handler=None,
        )
        answer = str(agent(USER_TEXT)).strip()
    finally:
        strands_tracer._tracer_instance = saved
        if previous is None:
            os.environ.pop("OTEL_SEMCONV_STABILITY_OPT_IN", None)
        else:
            os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = previous
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
    from tests.importers.conftest import otlp_document

    return otlp_document(exporter.get_finished_spans()), answer


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    for mode in MODES:
        for scenario, script in SCENARIOS.items():
            document, _ = produce(mode, script)
            path = DATA / f"strands_{mode}__{scenario}.otlp.json"
            path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
            print(path)


if __name__ == "__main__":
    main()
