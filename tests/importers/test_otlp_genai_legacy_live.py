"""Real producer: the official GenAI instrumentation (opentelemetry-instrumentation-openai-v2 2.4b0) on its
legacy path, the v1.30 conventions: chat spans carry only request and response attributes (model, tokens,
finish reasons) and every message and choice is its own OTLP log record (``gen_ai.user.message``,
``gen_ai.assistant.message`` with ``tool_calls``, ``gen_ai.tool.message`` with ``id``, ``gen_ai.choice``).

openai-v2 picks the path once, in ``_instrument``, from ``opentelemetry.util.genai.utils.is_experimental_mode``:
the util-genai releases before 1.0 read ``OTEL_SEMCONV_STABILITY_OPT_IN`` there, but the pinned 1.1b0
always answers True (the utils only support the latest conventions now), so an install with the pinned pair
never reaches the legacy path from the environment. The name openai-v2 imported is switched to ``False``
below, which is exactly the answer an older util-genai gives with the opt-in unset; everything after that
is the library's own ``chat_completions_create_v_old`` and its event builders. Content capture on the legacy
path is ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``; off (the default) the records carry
roles, call ids and finish reasons only.

The agent's tool spans follow v1.30 too: ``execute_tool`` with ``gen_ai.tool.name`` and
``gen_ai.tool.call.id`` only, so tool arguments come from the assistant's ``tool_calls`` in the
``gen_ai.choice`` records, and results from the ``gen_ai.tool.message`` records of the next call."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.instrumentation.openai_v2")
pytest.importorskip("httpx2")

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
    otlp_logs_document,
    run_agent,
    run_tool,
    tool_calls,
)

SUCCESS = [
    [("call_1", "lookup_order", {"order_id": "ORD-1001"})],
    [
        ("call_2", "issue_refund", {"order_id": "ORD-1001", "amount": 45.0, "reason": "damaged"}),
        ("call_3", "send_email", {"to": "dana@example.com", "subject": "Refund", "body": "Done."}),
    ],
    "Refunded $45.00.",
]
FAILURE = [
    [("call_4", "lookup_order", {"order_id": "ORD-2002"})],
    [("call_5", "issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"})],
    "unreachable",
]
ERROR_TEXT = "refund of 850.00 exceeds auto-approval limit 500.00"


class _ToolSpan:
    def set_result(self, result: Any) -> None:
        """v1.30 has no attribute for a tool's result: it reaches the trace as the next tool message."""


def _produce(
    script: list[Any], capture: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path, FakeOpenAI, list[Any], Exception | None]:
    import opentelemetry.instrumentation.openai_v2 as openai_v2
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    monkeypatch.delenv("OTEL_SEMCONV_STABILITY_OPT_IN", raising=False)
    monkeypatch.setattr(openai_v2, "is_experimental_mode", lambda: False)
    if capture is None:
        monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    else:
        monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", capture)
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

    @contextlib.contextmanager
    def tool_span(call_id: str, name: str, args: dict[str, Any]) -> Iterator[_ToolSpan]:
        with tracer.start_as_current_span(f"execute_tool {name}", record_exception=False) as span:
            span.set_attribute("gen_ai.operation.name", "execute_tool")
            span.set_attribute("gen_ai.tool.name", name)
            span.set_attribute("gen_ai.tool.call.id", call_id)
            try:
                yield _ToolSpan()
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
    finished = spans.get_finished_spans()
    chat = [s for s in finished if s.name.startswith("chat ")]
    assert chat
    assert all("gen_ai.input.messages" not in (s.attributes or {}) for s in chat)  # the legacy path
    spans_path = tmp_path / "spans.otlp.json"
    spans_path.write_text(json.dumps(otlp_document(finished)), encoding="utf-8")
    logs_path = tmp_path / "logs.otlp.json"
    logs_path.write_text(json.dumps(otlp_logs_document(logs.get_finished_logs())), encoding="utf-8")
    return spans_path, logs_path, fake, executed, error


def _calls(script: list[Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [call for turn in script if not isinstance(turn, str) for call in turn]


def _check_models(trace: Any, fake: FakeOpenAI) -> list[dict[str, Any]]:
    models = [s for s in trace.steps if s["kind"] == "model"]
    assert len(models) == fake.calls
    assert [(m["usage"]["input_tokens"], m["usage"]["output_tokens"]) for m in models] == fake.usage
    assert {m["model"] for m in models} <= {"gpt-4o-mini", "gpt-4o-mini-2024-07-18"}
    return models


def test_successful_run_with_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spans, logs, fake, executed, error = _produce(SUCCESS, "true", tmp_path, monkeypatch)
    assert error is None
    trace = only_trace(import_file(spans, ImportOptions(logs=(logs,))))
    calls = _calls(SUCCESS)
    assert tool_calls(trace) == [(name, args) for _, name, args in calls] == executed
    tools = [s for s in trace.steps if s["kind"] == "tool"]
    assert [s["call_id"] for s in tools] == [cid for cid, _, _ in calls]
    for step, (_, name, args) in zip(tools, calls, strict=True):
        assert step["result"] == run_tool(name, args)
        assert "error" not in step
    models = _check_models(trace, fake)
    assert models[0]["messages"] == [
        {"role": "system", "content": "You are a support agent."},
        {"role": "user", "content": "Please refund my order"},
    ]
    assert models[0]["response"]["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "lookup_order", "arguments": '{"order_id": "ORD-1001"}'},
        }
    ]
    assert models[-1]["response"]["content"] == "Refunded $45.00."
    assert trace.input == "Please refund my order"
    assert trace.output == "Refunded $45.00."
    assert not trace.failed


def test_failed_run_with_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spans, logs, fake, executed, error = _produce(FAILURE, "true", tmp_path, monkeypatch)
    assert isinstance(error, RefundLimitExceeded)
    trace = only_trace(import_file(spans, ImportOptions(logs=(logs,))))
    calls = _calls(FAILURE)
    assert tool_calls(trace) == [(name, args) for _, name, args in calls] == executed
    lookup, refund = (s for s in trace.steps if s["kind"] == "tool")
    assert lookup["result"] == run_tool("lookup_order", {"order_id": "ORD-2002"})
    assert refund["error"] == {"type": "RefundLimitExceeded", "message": ERROR_TEXT}
    assert "result" not in refund
    _check_models(trace, fake)
    assert fake.calls == 2  # the agent stopped at the tool error
    assert trace.failed


def test_without_content_keeps_calls_ids_and_tokens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Capture off (the legacy default): the records still say which tools were requested, by call id
    and name, but no arguments or results; those stay unknown rather than invented."""
    spans, logs, fake, executed, _ = _produce(SUCCESS, None, tmp_path, monkeypatch)
    trace = only_trace(import_file(spans, ImportOptions(logs=(logs,))))
    calls = _calls(SUCCESS)
    assert [name for name, _ in tool_calls(trace)] == [name for name, _ in executed]
    assert all(args is None for _, args in tool_calls(trace))
    tools = [s for s in trace.steps if s["kind"] == "tool"]
    assert [s["call_id"] for s in tools] == [cid for cid, _, _ in calls]
    assert all("result" not in s for s in tools)
    models = _check_models(trace, fake)
    # the fixture's tool call needs an arguments text: empty, the importer's mark for "not recorded"
    assert models[0]["response"]["tool_calls"] == [
        {"id": "call_1", "type": "function", "function": {"name": "lookup_order", "arguments": ""}}
    ]
    assert [m.get("content") for m in models[0]["messages"]] == [None, None]
    assert trace.output is None
