"""Partial traces, produced by the real OpenTelemetry SDK and OpenInference instrumentation.

Two everyday ways a trace arrives without its root: a service whose request carried a W3C
``traceparent`` from another service (the root lives upstream), and a process killed mid-run (the root
span never ended, so it was never exported). Both import, the children of the missing parent as roots,
the missing id recorded in the fixture and named by the import.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("openinference.instrumentation.openai")
pytest.importorskip("httpx2")

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from pytest_agenttrace.importers.base import MISSING_PARENTS_ATTRIBUTE

from .conftest import FakeOpenAI, RefundLimitExceeded, import_file, only_trace, otlp_document, run_agent

SCRIPT = [
    [("call_p1", "lookup_order", {"order_id": "ORD-2002"})],
    [("call_p2", "issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"})],
    "unreachable",
]
UPSTREAM_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
UPSTREAM_SPAN = "00f067aa0ba902b7"


class _ToolSpan:
    def __init__(self, span: Any) -> None:
        self.span = span

    def set_result(self, result: Any) -> None:
        self.span.set_attribute("output.value", json.dumps(result))


def _instrumented(tmp_path: Path) -> tuple[Any, InMemorySpanExporter, Any]:
    from openinference.instrumentation.openai import OpenAIInstrumentor

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    return provider.get_tracer("acme.agent"), exporter, instrumentor


def _tool_span(tracer: Any) -> Any:
    @contextlib.contextmanager
    def tool_span(call_id: str, name: str, args: dict[str, Any]) -> Iterator[_ToolSpan]:
        with tracer.start_as_current_span(name) as span:
            span.set_attribute("openinference.span.kind", "TOOL")
            span.set_attribute("tool.name", name)
            span.set_attribute("tool_call.id", call_id)
            span.set_attribute("input.value", json.dumps(args))
            yield _ToolSpan(span)

    return tool_span


def _write(exporter: InMemorySpanExporter, path: Path) -> Path:
    path.write_text(json.dumps(otlp_document(exporter.get_finished_spans())), encoding="utf-8")
    return path


def _import_cli(path: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_agenttrace", "import-trace", str(path), "--out", str(out)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def test_a_request_from_another_service_imports_under_its_remote_parent(tmp_path: Path) -> None:
    tracer, exporter, instrumentor = _instrumented(tmp_path)
    incoming = {"traceparent": f"00-{UPSTREAM_TRACE}-{UPSTREAM_SPAN}-01"}  # the HTTP request's header
    context = TraceContextTextMapPropagator().extract(incoming)
    executed: list[Any] = []
    try:
        with tracer.start_as_current_span("support-agent", context=context) as root:
            root.set_attribute("openinference.span.kind", "AGENT")
            root.set_attribute("input.value", "Refund my espresso machine")
            with contextlib.suppress(RefundLimitExceeded):
                run_agent(
                    FakeOpenAI(SCRIPT).client(), "Refund my espresso machine", _tool_span(tracer), executed
                )
    finally:
        instrumentor.uninstrument()
    path = _write(exporter, tmp_path / "service.otlp.json")

    trace = only_trace(import_file(path))
    assert trace.trace_id == UPSTREAM_TRACE
    assert trace.attributes[MISSING_PARENTS_ATTRIBUTE] == [UPSTREAM_SPAN]
    assert trace.input == "Refund my espresso machine"
    assert [(s["name"], s["arguments"]) for s in trace.steps if s["kind"] == "tool"] == executed
    assert trace.failed  # the refund's exception is still the run's failure

    result = _import_cli(path, tmp_path / "fixtures")
    assert result.returncode == 0, result.stderr
    assert f"partial trace: parent {UPSTREAM_SPAN} not in the export" in result.stdout
    [written] = (tmp_path / "fixtures").glob("*.trace.json")
    document = json.loads(written.read_text(encoding="utf-8"))
    assert document["source"]["attributes"][MISSING_PARENTS_ATTRIBUTE] == [UPSTREAM_SPAN]


def test_a_run_killed_before_its_root_span_ended_imports_its_steps(tmp_path: Path) -> None:
    tracer, exporter, instrumentor = _instrumented(tmp_path)
    executed: list[Any] = []
    root = tracer.start_span("support-agent")  # never ended: the process died holding it
    root.set_attribute("openinference.span.kind", "AGENT")
    from opentelemetry import trace as otel_trace

    try:
        with otel_trace.use_span(root, end_on_exit=False), contextlib.suppress(RefundLimitExceeded):
            run_agent(FakeOpenAI(SCRIPT).client(), "Refund my espresso machine", _tool_span(tracer), executed)
    finally:
        instrumentor.uninstrument()
    root_id = format(root.get_span_context().span_id, "016x")
    assert root_id not in {format(s.context.span_id, "016x") for s in exporter.get_finished_spans()}
    path = _write(exporter, tmp_path / "killed.otlp.json")

    trace = only_trace(import_file(path))
    assert trace.attributes[MISSING_PARENTS_ATTRIBUTE] == [root_id]
    kinds = [s["kind"] for s in trace.steps]
    assert kinds.count("model") == 2
    assert [(s["name"], s["arguments"]) for s in trace.steps if s["kind"] == "tool"] == executed
    assert all("parent" not in s for s in trace.steps)  # the steps were the root's children
    refund = next(s for s in trace.steps if s.get("name") == "issue_refund")
    assert "exceeds auto-approval limit" in refund["error"]["message"]
    assert trace.input == "Refund my espresso machine"  # from the first model request


def test_a_complete_trace_records_no_missing_parent(tmp_path: Path) -> None:
    tracer, exporter, instrumentor = _instrumented(tmp_path)
    try:
        with tracer.start_as_current_span("support-agent") as root:
            root.set_attribute("openinference.span.kind", "AGENT")
            with contextlib.suppress(RefundLimitExceeded):
                run_agent(FakeOpenAI(SCRIPT).client(), "Refund it", _tool_span(tracer), [])
    finally:
        instrumentor.uninstrument()
    trace = only_trace(import_file(_write(exporter, tmp_path / "whole.otlp.json")))
    assert MISSING_PARENTS_ATTRIBUTE not in trace.attributes
