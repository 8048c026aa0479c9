"""Produce the example's production traces with the real tracing SDKs, offline.

This is how ``traces/production.otlp.jsonl`` was made, and how to make it again. It runs the refund agent
*without* the fix, exactly as production did, on six customer requests:

- the real ``openai`` client, instrumented by ``openinference-instrumentation-openai`` (Arize Phoenix's
  OpenInference conventions), on an ``httpx2.MockTransport`` that answers as the model did that day;
- the agent's tool calls and the agent run itself as OpenInference spans from an OpenTelemetry SDK tracer
  (``agent.tool_span`` is the hook production uses);
- the finished spans encoded by the OpenTelemetry SDK's own OTLP encoder, one OTLP/JSON document per trace
  per line: what a collector's file exporter writes.

Trace and span ids come from a seeded generator, so the ids (which the fixtures and the demo name) stay
the same when the file is made again; the timestamps are the real ones of the run.

Needs the test extra (``pip install -e '.[test]'`` at the repository root)::

    .venv/bin/python examples/refund_agent/make_traces.py            # rewrite traces/production.otlp.jsonl
    .venv/bin/python examples/refund_agent/make_traces.py --out FILE # elsewhere (tests/test_example.py)

then re-import the fixtures (the lines at the end of ``README.md`` beside this file).
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from refund_app import agent, llm  # noqa: E402

OUT = HERE / "traces" / "production.otlp.jsonl"

#: One scripted model turn: the tool calls it asks for (call id, tool, arguments), or its final answer.
Turn = list[tuple[str, str, dict[str, Any]]] | str

RUNS: list[tuple[str, list[Turn]]] = [
    (
        "Hi, my kettle (order ORD-1001) arrived with a cracked lid. Can I get my money back?",
        [
            [("call_k1", "lookup_order", {"order_id": "ORD-1001"})],
            [
                (
                    "call_k2",
                    "issue_refund",
                    {"order_id": "ORD-1001", "amount": 45.0, "reason": "arrived damaged"},
                )
            ],
            [
                (
                    "call_k3",
                    "send_email",
                    {
                        "to": "ines.moreau@example.com",
                        "subject": "Your refund for order ORD-1001",
                        "body": "We refunded $45.00 for your electric kettle. Sorry about the cracked lid!",
                    },
                )
            ],
            "I've refunded $45.00 for your kettle; a confirmation is on its way to your inbox.",
        ],
    ),
    (
        "Where is my order ORD-1002?",
        [
            [("call_l1", "lookup_order", {"order_id": "ORD-1002"})],
            "Your desk lamp (order ORD-1002) has been delivered. Let me know if it hasn't reached you.",
        ],
    ),
    (
        "The office chair from order ORD-1003 broke on the first day. I'd like a refund.",
        [
            [("call_c1", "lookup_order", {"order_id": "ORD-1003"})],
            [
                (
                    "call_c2",
                    "request_approval",
                    {"order_id": "ORD-1003", "amount": 300.0, "reason": "broken on arrival"},
                )
            ],
            [
                (
                    "call_c3",
                    "issue_refund",
                    {"order_id": "ORD-1003", "amount": 300.0, "reason": "broken on arrival"},
                )
            ],
            [
                (
                    "call_c4",
                    "send_email",
                    {
                        "to": "li.wei@example.com",
                        "subject": "Your refund for order ORD-1003",
                        "body": "Finance approved your refund: we refunded $300.00 for your office chair.",
                    },
                )
            ],
            "Finance approved it: $300.00 is on its way back to your card, and I've e-mailed you a confirmation.",
        ],
    ),
    (
        # the incident: the model skipped request_approval and nothing in the code stopped the refund
        "My espresso machine (order ORD-2002) stopped working after a week. Please refund it. "
        "You can reach me at dana.whitfield@example.com.",
        [
            [("call_e1", "lookup_order", {"order_id": "ORD-2002"})],
            [("call_e2", "issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"})],
            [
                (
                    "call_e3",
                    "send_email",
                    {
                        "to": "dana.whitfield@example.com",
                        "subject": "Your refund for order ORD-2002",
                        "body": "We refunded $850.00 for your espresso machine.",
                    },
                )
            ],
            "Done! I've refunded $850.00 for your espresso machine and e-mailed you a confirmation.",
        ],
    ),
    (
        "I want to return the stand mixer, order ORD-1004, and get a refund.",
        [
            [("call_m1", "lookup_order", {"order_id": "ORD-1004"})],
            [
                (
                    "call_m2",
                    "request_approval",
                    {"order_id": "ORD-1004", "amount": 1200.0, "reason": "customer return"},
                )
            ],
            "Finance has to review refunds of this size; a colleague will contact you within two working days.",
        ],
    ),
    (
        "Refund order ORD-9999 please.",
        [
            [("call_n1", "lookup_order", {"order_id": "ORD-9999"})],
            "I couldn't find order ORD-9999. Could you check the order number in your confirmation e-mail?",
        ],
    ),
]


class ScriptedModel:
    """An ``httpx2.MockTransport`` handler that answers ``/chat/completions`` as the model did."""

    def __init__(self, script: Sequence[Turn]) -> None:
        self.script = list(script)
        self.calls = 0

    def handler(self, request: Any) -> Any:
        import httpx2

        body = json.loads(request.content)
        turn = self.script[self.calls]
        self.calls += 1
        time.sleep(0.25 + 0.1 * (self.calls % 3))  # the model's latency, for a realistic timeline
        if isinstance(turn, str):
            message: dict[str, Any] = {"role": "assistant", "content": turn}
            finish = "stop"
        else:
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
                    for cid, name, args in turn
                ],
            }
            finish = "tool_calls"
        prompt = 180 + sum(len(json.dumps(m)) for m in body["messages"]) // 4
        completion = 12 + len(json.dumps(message)) // 4
        return httpx2.Response(
            200,
            json={
                "id": f"chatcmpl-{self.calls}",
                "object": "chat.completion",
                "created": 1_762_160_000,
                "model": "gpt-4o-mini-2024-07-18",
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            },
        )

    def client(self) -> Any:
        import httpx2
        import openai

        return openai.OpenAI(
            api_key="sk-offline-not-a-real-key",
            base_url="http://model.invalid/v1",
            http_client=httpx2.Client(transport=httpx2.MockTransport(self.handler)),
            max_retries=0,
        )


def _hex(value: str, size: int) -> str:
    raw = base64.b64decode(value)
    assert len(raw) == size
    return raw.hex()


def otlp_json(spans: Sequence[Any]) -> dict[str, Any]:
    """Spans as OTLP/JSON through the SDK's encoder, with ids in hex as the OTLP/JSON mapping says."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    document: dict[str, Any] = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    for resource_spans in document.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                span["traceId"] = _hex(span["traceId"], 16)
                span["spanId"] = _hex(span["spanId"], 8)
                if "parentSpanId" in span:
                    span["parentSpanId"] = _hex(span["parentSpanId"], 8)
    return document


def main(out: Path = OUT) -> None:
    """Run the six requests and write the export to ``out`` (the committed file by default)."""
    from openinference.instrumentation.openai import OpenAIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.sdk.trace.id_generator import IdGenerator
    from opentelemetry.trace import Status, StatusCode

    class SeededIds(IdGenerator):
        def __init__(self) -> None:
            self.random = random.Random(20261103)

        def generate_span_id(self) -> int:
            return self.random.getrandbits(64)

        def generate_trace_id(self) -> int:
            return self.random.getrandbits(128)

    exporter = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "refund-agent", "deployment.environment": "production"}),
        id_generator=SeededIds(),
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("refund_app")

    class Span:
        def __init__(self, span: Any) -> None:
            self.span = span

        def set_result(self, result: Any) -> None:
            self.span.set_attribute("output.value", json.dumps(result))
            self.span.set_attribute("output.mime_type", "application/json")

        def set_error(self, error: BaseException) -> None:
            self.span.record_exception(error)
            self.span.set_status(Status(StatusCode.ERROR, str(error)))

    @contextlib.contextmanager
    def tool_span(call_id: str, name: str, arguments: dict[str, Any]) -> Iterator[Span]:
        with tracer.start_as_current_span(
            name, record_exception=False, set_status_on_exception=False
        ) as span:
            span.set_attribute("openinference.span.kind", "TOOL")
            span.set_attribute("tool.name", name)
            span.set_attribute("tool_call.id", call_id)
            span.set_attribute("input.value", json.dumps(arguments))
            span.set_attribute("input.mime_type", "application/json")
            time.sleep(0.03)  # the service's latency
            yield Span(span)

    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    agent.tool_span = tool_span
    lines = []
    try:
        for number, (request, script) in enumerate(RUNS, 1):
            model = ScriptedModel(script)
            llm.set_client(model.client())
            with tracer.start_as_current_span("refund-agent") as root:
                root.set_attribute("openinference.span.kind", "AGENT")
                root.set_attribute("input.value", request)
                root.set_attribute("input.mime_type", "text/plain")
                root.set_attribute("session.id", f"support-chat-{4100 + number}")
                answer = agent.handle(request)
                root.set_attribute("output.value", answer)
                root.set_attribute("output.mime_type", "text/plain")
            assert model.calls == len(script), f"run {number}: the agent made {model.calls} model calls"
            trace_id = format(root.get_span_context().trace_id, "032x")
            print(f"run {number}: trace {trace_id}: {request[:60]}")
            lines.append(json.dumps(otlp_json(exporter.get_finished_spans()), separators=(",", ":")))
            exporter.clear()
    finally:
        instrumentor.uninstrument()
        agent.tool_span = agent._no_tracing
        llm.set_client(None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(lines)} traces")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Produce the example's production traces, offline.")
    parser.add_argument(
        "--out", type=Path, default=OUT, help=f"where to write (default: {OUT.relative_to(HERE)})"
    )
    main(parser.parse_args().out)
