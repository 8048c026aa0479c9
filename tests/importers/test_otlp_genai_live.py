"""Real producer: the official GenAI instrumentation (opentelemetry-instrumentation-openai-v2 with
opentelemetry-util-genai) around the real openai client. Content on the spans (span_only) and content only
in OTLP log records (event_only, joined through ``ImportOptions.logs``) must import to the same run."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.instrumentation.openai_v2")
pytest.importorskip("opentelemetry.util.genai")
pytest.importorskip("httpx2")

from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from pytest_agenttrace.importers.base import ImportOptions

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
    [("call_1", "lookup_order", {"order_id": "ORD-1001"})],
    [("call_2", "issue_refund", {"order_id": "ORD-1001", "amount": 45.0, "reason": "damaged"})],
    [("call_3", "send_email", {"to": "dana@example.com", "subject": "Refund", "body": "Done."})],
    "Refunded $45.00.",
]
FAILURE = [
    [("call_4", "lookup_order", {"order_id": "ORD-2002"})],
    [("call_5", "issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"})],
    "unreachable",
]
LONG = [
    [(f"call_p{i}", "lookup_order", {"order_id": f"ORD-{i}"}) for i in range(3)],
    *[[(f"call_s{i}", "web_search", {"query": f"query {i}"})] for i in range(6)],
    "Summary.",
]


class _ToolSpan:
    def __init__(self, span: Any, record_content: bool) -> None:
        self.span = span
        self.record_content = record_content

    def set_result(self, result: Any) -> None:
        if self.record_content:
            self.span.set_attribute("gen_ai.tool.call.result", json.dumps(result))


def _produce(
    script: list[Any], mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path, FakeOpenAI, list[Any], Exception | None]:
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    from opentelemetry.util.genai import handler as genai_handler

    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", mode)
    monkeypatch.delattr(genai_handler.get_telemetry_handler, "_default_handler", raising=False)
    spans, logs = InMemorySpanExporter(), InMemoryLogRecordExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    tracer = provider.get_tracer("acme.agent")
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider, logger_provider=logger_provider)
    fake = FakeOpenAI(script)
    executed: list[Any] = []
    error: Exception | None = None
    on_span = mode == "SPAN_ONLY"

    @contextlib.contextmanager
    def tool_span(call_id: str, name: str, args: dict[str, Any]) -> Iterator[_ToolSpan]:
        with tracer.start_as_current_span(f"execute_tool {name}", record_exception=False) as span:
            span.set_attribute("gen_ai.operation.name", "execute_tool")
            span.set_attribute("gen_ai.tool.name", name)
            span.set_attribute("gen_ai.tool.call.id", call_id)
            if on_span:
                span.set_attribute("gen_ai.tool.call.arguments", json.dumps(args))
            try:
                yield _ToolSpan(span, on_span)
            except Exception as exc:
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                span.set_attribute("error.type", type(exc).__qualname__)
                raise

    try:
        with tracer.start_as_current_span("invoke_agent support-agent", record_exception=False) as root:
            root.set_attribute("gen_ai.operation.name", "invoke_agent")
            root.set_attribute("gen_ai.agent.name", "support-agent")
            try:
                run_agent(fake.client(), "Please refund my order", tool_span, executed)
            except RefundLimitExceeded as exc:
                error = exc
                root.set_status(Status(StatusCode.ERROR, str(exc)))
    finally:
        instrumentor.uninstrument()
    spans_path = tmp_path / "spans.otlp.json"
    spans_path.write_text(json.dumps(otlp_document(spans.get_finished_spans())), encoding="utf-8")
    logs_doc = MessageToDict(encode_logs(logs.get_finished_logs()), use_integers_for_enums=True)
    for resource_logs in logs_doc.get("resourceLogs", []):
        for scope_logs in resource_logs.get("scopeLogs", []):
            for record in scope_logs.get("logRecords", []):
                for key, size in (("traceId", 16), ("spanId", 8)):
                    if key in record:
                        import base64

                        record[key] = base64.b64decode(record[key]).hex()
                        assert len(record[key]) == 2 * size
    logs_path = tmp_path / "logs.otlp.json"
    logs_path.write_text(json.dumps(logs_doc), encoding="utf-8")
    return spans_path, logs_path, fake, executed, error


def _expected(script: list[Any]) -> list[tuple[str, Any]]:
    return [(name, args) for turn in script if not isinstance(turn, str) for _, name, args in turn]


@pytest.mark.parametrize("mode", ["SPAN_ONLY", "EVENT_ONLY"])
def test_successful_run(mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spans, logs, fake, executed, error = _produce(SUCCESS, mode, tmp_path, monkeypatch)
    assert error is None
    trace = only_trace(import_file(spans, ImportOptions(logs=(logs,))))
    assert tool_calls(trace) == _expected(SUCCESS) == executed
    models = [s for s in trace.steps if s["kind"] == "model"]
    assert len(models) == fake.calls
    assert sum(m["usage"]["input_tokens"] + m["usage"]["output_tokens"] for m in models) == sum(
        a + b for a, b in fake.usage
    )
    assert models[0]["messages"][-1] == {"role": "user", "content": "Please refund my order"}
    assert models[-1]["response"]["content"] == "Refunded $45.00."
    assert trace.input == "Please refund my order"
    assert trace.output == "Refunded $45.00."
    tools = [s for s in trace.steps if s["kind"] == "tool"]
    # results: on the span, or recovered from the tool messages of the following model call
    assert tools[0]["result"]["order_id"] == "ORD-1001"
    assert not trace.failed


@pytest.mark.parametrize("mode", ["SPAN_ONLY", "EVENT_ONLY"])
def test_failed_run(mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spans, logs, _fake, executed, error = _produce(FAILURE, mode, tmp_path, monkeypatch)
    assert isinstance(error, RefundLimitExceeded)
    trace = only_trace(import_file(spans, ImportOptions(logs=(logs,))))
    assert tool_calls(trace) == _expected(FAILURE)[:2] == executed
    refund = next(s for s in trace.steps if s["kind"] == "tool" and s["name"] == "issue_refund")
    assert refund["error"] == {"type": "RefundLimitExceeded", "message": str(error)}
    assert trace.failed


def test_long_run_without_logs_keeps_structure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Content capture off (the default): tool arguments are still recovered from the model's requests
    only when the model side was recorded; here nothing was, so only names, order and tokens remain."""
    spans, _, fake, executed, _ = _produce(LONG, "NO_CONTENT", tmp_path, monkeypatch)
    trace = only_trace(import_file(spans))
    assert [name for name, _ in tool_calls(trace)] == [name for name, _ in executed]
    assert all(args is None for _, args in tool_calls(trace))  # not recorded: not invented
    assert len(trace.steps) >= 10
    assert len([s for s in trace.steps if s["kind"] == "model"]) == fake.calls


def test_long_run_with_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spans, _, _fake, executed, _ = _produce(LONG, "SPAN_ONLY", tmp_path, monkeypatch)
    trace = only_trace(import_file(spans))
    assert tool_calls(trace) == _expected(LONG) == executed
    assert [s["call_id"] for s in trace.steps if s["kind"] == "tool"] == [
        cid for turn in LONG if not isinstance(turn, str) for cid, _, _ in turn
    ]
