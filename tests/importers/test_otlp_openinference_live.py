"""Real producer: openinference-instrumentation-openai around the real openai client, tool spans by OITracer
conventions, exported with the SDK's OTLP encoder; the importer must recover exactly the scripted run."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("openinference.instrumentation.openai")
pytest.importorskip("httpx2")

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from .conftest import (
    FakeOpenAI,
    RefundLimitExceeded,
    import_file,
    only_trace,
    otlp_document,
    run_agent,
    tool_calls,
)

SUCCESS = [
    [("call_a1", "lookup_order", {"order_id": "ORD-1001"})],
    [("call_a2", "issue_refund", {"order_id": "ORD-1001", "amount": 45.0, "reason": "damaged"})],
    [("call_a3", "send_email", {"to": "dana@example.com", "subject": "Refund", "body": "Done."})],
    "Refunded $45.00.",
]
FAILURE = [
    [("call_b1", "lookup_order", {"order_id": "ORD-2002"})],
    [("call_b2", "issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"})],
    "unreachable",
]
LONG = [
    [(f"call_c{i}", "lookup_order", {"order_id": f"ORD-{i}"}) for i in range(3)],  # parallel calls
    *[[(f"call_d{i}", "web_search", {"query": f"q{i}"})] for i in range(5)],
    [("call_e1", "issue_refund", {"order_id": "ORD-1", "amount": 10.0, "reason": "x"})],
    "All done.",
]


class _ToolSpan:
    def __init__(self, span: Any) -> None:
        self.span = span

    def set_result(self, result: Any) -> None:
        self.span.set_attribute("output.value", json.dumps(result))
        self.span.set_attribute("output.mime_type", "application/json")


def _produce(
    script: list[Any], user_text: str, tmp_path: Path
) -> tuple[Path, FakeOpenAI, list[Any], Exception | None]:
    from openinference.instrumentation.openai import OpenAIInstrumentor

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("acme.agent")
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    fake = FakeOpenAI(script)
    executed: list[Any] = []
    error: Exception | None = None

    @contextlib.contextmanager
    def tool_span(call_id: str, name: str, args: dict[str, Any]) -> Iterator[_ToolSpan]:
        with tracer.start_as_current_span(name) as span:
            span.set_attribute("openinference.span.kind", "TOOL")
            span.set_attribute("tool.name", name)
            span.set_attribute("tool_call.id", call_id)
            span.set_attribute("input.value", json.dumps(args))
            span.set_attribute("input.mime_type", "application/json")
            yield _ToolSpan(span)

    try:
        with tracer.start_as_current_span("support-agent") as root:
            root.set_attribute("openinference.span.kind", "AGENT")
            root.set_attribute("input.value", user_text)
            root.set_attribute("input.mime_type", "text/plain")
            root.set_attribute("session.id", "sess-1")
            try:
                run_agent(fake.client(), user_text, tool_span, executed)
            except RefundLimitExceeded as exc:
                error = exc
                root.set_status(Status(StatusCode.ERROR, str(exc)))
                root.record_exception(exc)
            else:
                root.set_attribute("output.value", "final")
    finally:
        instrumentor.uninstrument()
    path = tmp_path / "openinference.otlp.json"
    path.write_text(json.dumps(otlp_document(exporter.get_finished_spans())), encoding="utf-8")
    return path, fake, executed, error


def _expected_calls(script: list[Any]) -> list[tuple[str, Any]]:
    return [(name, args) for turn in script if not isinstance(turn, str) for _, name, args in turn]


def test_successful_run_recovers_every_call(tmp_path: Path) -> None:
    path, fake, executed, error = _produce(SUCCESS, "My kettle arrived broken", tmp_path)
    assert error is None
    trace = only_trace(import_file(path))
    assert tool_calls(trace) == _expected_calls(SUCCESS) == executed
    models = [s for s in trace.steps if s["kind"] == "model"]
    assert len(models) == fake.calls == 4
    assert [m["usage"]["input_tokens"] for m in models] == [u[0] for u in fake.usage]
    assert sum(m["usage"]["output_tokens"] for m in models) == sum(u[1] for u in fake.usage)
    assert [s.get("call_id") for s in trace.steps if s["kind"] == "tool"] == ["call_a1", "call_a2", "call_a3"]
    assert trace.input == "My kettle arrived broken"
    assert trace.output == "final"
    assert not trace.failed
    assert trace.attributes["session.id"] == "sess-1"
    assert models[-1]["response"] == {"role": "assistant", "content": "Refunded $45.00."}
    assert models[0]["messages"][0] == {"role": "system", "content": "You are a support agent."}
    assert [t["function"]["name"] for t in models[0]["tools"]] == [
        "lookup_order",
        "issue_refund",
        "send_email",
        "web_search",
    ]


def test_failed_run_keeps_the_tool_error(tmp_path: Path) -> None:
    path, fake, executed, error = _produce(FAILURE, "My espresso machine stopped working", tmp_path)
    assert isinstance(error, RefundLimitExceeded)
    trace = only_trace(import_file(path))
    assert tool_calls(trace) == _expected_calls(FAILURE)[:2] == executed
    refund = next(s for s in trace.steps if s.get("name") == "issue_refund")
    assert refund["error"]["type"].endswith("RefundLimitExceeded")
    assert "exceeds auto-approval limit" in refund["error"]["message"]
    assert "result" not in refund
    assert trace.failed
    assert len([s for s in trace.steps if s["kind"] == "model"]) == fake.calls == 2


def test_long_run_with_parallel_calls_keeps_order(tmp_path: Path) -> None:
    path, fake, executed, error = _produce(LONG, "Refund all three orders", tmp_path)
    assert error is None
    trace = only_trace(import_file(path))
    assert len(trace.steps) >= 10
    assert tool_calls(trace) == _expected_calls(LONG) == executed
    assert len([s for s in trace.steps if s["kind"] == "model"]) == fake.calls
    starts = [s["timing"]["start"] for s in trace.steps]
    assert starts == sorted(starts)
    # every tool step is linked to the call the model requested
    requested = {
        c["id"]
        for s in trace.steps
        if s["kind"] == "model"
        for c in (s.get("response") or {}).get("tool_calls", [])
    }
    assert {s["call_id"] for s in trace.steps if s["kind"] == "tool"} == requested
