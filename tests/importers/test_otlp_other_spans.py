"""Spans that are no step (HTTP client spans, unknown instrumentation, agent loop turns, double-recorded
calls) keep everything they recorded in the trace's ``otel.other_spans``, linked to their nearest step;
the root's events are the trace's ``otel.events``. Real OTel SDK spans, the SDK's OTLP encoder."""

from __future__ import annotations

import json
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from .conftest import import_file, only_trace, otlp_document, validate


def test_spans_that_are_no_step_are_kept(tmp_path: Path) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("acme.agent")
    with tracer.start_as_current_span("invoke_agent support") as root:
        root.set_attribute("gen_ai.operation.name", "invoke_agent")
        root.add_event("agent.started", {"attempt": 1})
        with tracer.start_as_current_span("execute_tool lookup_order") as tool:
            tool.set_attribute("gen_ai.operation.name", "execute_tool")
            tool.set_attribute("gen_ai.tool.name", "lookup_order")
            with tracer.start_as_current_span("GET", kind=SpanKind.CLIENT) as http:
                http.set_attribute("http.request.method", "GET")
                http.set_attribute("url.full", "https://orders.example/ORD-1")
                http.set_attribute("http.response.status_code", 503)
                http.add_event("retry", {"http.retry_count": 1})
                http.set_status(Status(StatusCode.ERROR, "Service Unavailable"))
        with tracer.start_as_current_span("cache.lookup") as unknown:
            unknown.set_attribute("cache.hit", False)
    path = tmp_path / "spans.otlp.json"
    path.write_text(json.dumps(otlp_document(exporter.get_finished_spans())), encoding="utf-8")
    trace = only_trace(import_file(path))
    validate(trace)
    tool_step = next(s for s in trace.steps if s["kind"] == "tool")
    assert trace.attributes["otel.events"] == [
        {
            "name": "agent.started",
            "time": trace.attributes["otel.events"][0]["time"],
            "attributes": {"attempt": 1},
        }
    ]
    others = {o["name"]: o for o in trace.attributes["otel.other_spans"]}
    assert set(others) == {"GET", "cache.lookup"}
    http = others["GET"]
    assert http["parent_span_id"] == tool_step["id"]
    assert http["step"] == tool_step["id"]
    assert http["scope"] == "acme.agent"
    assert http["status"] == {"code": 2, "message": "Service Unavailable"}
    assert http["attributes"] == {
        "http.request.method": "GET",
        "url.full": "https://orders.example/ORD-1",
        "http.response.status_code": 503,
    }
    assert [(e["name"], e["attributes"]) for e in http["events"]] == [("retry", {"http.retry_count": 1})]
    assert http["timing"]["duration_ms"] >= 0
    assert others["cache.lookup"]["attributes"] == {"cache.hit": False}
    assert "step" not in others["cache.lookup"]  # under the run, not under a step
