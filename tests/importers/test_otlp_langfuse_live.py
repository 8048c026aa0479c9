"""Real producer: the Langfuse SDK (v3+ is OTel-based) exporting its spans offline to an in-memory exporter,
around the real openai client; the ``langfuse.*`` attributes must import to exactly the scripted run."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from .conftest import (
    TOOLS,
    FakeOpenAI,
    RefundLimitExceeded,
    import_file,
    only_trace,
    otlp_document,
    run_tool,
    tool_calls,
)

langfuse = pytest.importorskip("langfuse")
pytest.importorskip("httpx2")

SUCCESS = [
    [("call_1", "lookup_order", {"order_id": "ORD-1001"})],
    [("call_2", "issue_refund", {"order_id": "ORD-1001", "amount": 45.0, "reason": "damaged"})],
    "Refunded.",
]
FAILURE = [
    [("call_3", "lookup_order", {"order_id": "ORD-2002"})],
    [("call_4", "issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"})],
    "unreachable",
]
LONG = [
    [(f"call_p{i}", "lookup_order", {"order_id": f"ORD-{i}"}) for i in range(3)],
    *[[(f"call_s{i}", "web_search", {"query": f"q{i}"})] for i in range(4)],
    "Done.",
]


def _produce(
    script: list[Any], tmp_path: Path, key: str
) -> tuple[Path, FakeOpenAI, list[Any], Exception | None]:
    exporter = InMemorySpanExporter()
    client = langfuse.Langfuse(
        public_key=f"pk-lf-{key}",  # one client per key: the SDK keeps clients per public key
        secret_key="sk-lf-test",
        host="http://127.0.0.1:9",
        tracer_provider=TracerProvider(),
        span_exporter=exporter,
        flush_at=1,
    )
    fake = FakeOpenAI(script)
    openai_client = fake.client()
    executed: list[Any] = []
    error: Exception | None = None

    @contextlib.contextmanager
    def observation(**kwargs: Any) -> Iterator[Any]:
        with client.start_as_current_observation(**kwargs) as span:
            yield span

    try:
        with observation(
            as_type="agent", name="support-agent", input={"args": ["Refund please"], "kwargs": {}}
        ) as agent:
            messages: list[dict[str, Any]] = [{"role": "user", "content": "Refund please"}]
            while True:
                with observation(
                    as_type="generation",
                    name="llm",
                    model="gpt-4o-mini",
                    input={"tools": TOOLS, "messages": messages},
                ) as generation:
                    completion = openai_client.chat.completions.create(
                        model="gpt-4o-mini", messages=messages, tools=TOOLS
                    )
                    message = completion.choices[0].message.model_dump(exclude_none=True)
                    generation.update(
                        model=completion.model,
                        output=message,
                        usage_details={
                            "prompt_tokens": completion.usage.prompt_tokens,
                            "completion_tokens": completion.usage.completion_tokens,
                        },
                    )
                messages.append(message)
                if not message.get("tool_calls"):
                    agent.update(output=message["content"])
                    break
                for call in message["tool_calls"]:
                    name, args = call["function"]["name"], json.loads(call["function"]["arguments"])
                    executed.append((name, args))
                    with observation(as_type="tool", name=name, input={"args": [], "kwargs": args}) as tool:
                        try:
                            result = run_tool(name, args)
                        except RefundLimitExceeded as exc:
                            tool.update(level="ERROR", status_message=str(exc))
                            raise
                        tool.update(output=result)
                    messages.append(
                        {"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)}
                    )
    except RefundLimitExceeded as exc:
        error = exc
    client.flush()
    path = tmp_path / "langfuse.otlp.json"
    path.write_text(json.dumps(otlp_document(exporter.get_finished_spans())), encoding="utf-8")
    client.shutdown()
    return path, fake, executed, error


def _expected(script: list[Any]) -> list[tuple[str, Any]]:
    return [(name, args) for turn in script if not isinstance(turn, str) for _, name, args in turn]


def test_successful_run(tmp_path: Path) -> None:
    path, fake, executed, error = _produce(SUCCESS, tmp_path, "test_successful_run")
    assert error is None
    trace = only_trace(import_file(path))
    assert tool_calls(trace) == _expected(SUCCESS) == executed
    models = [s for s in trace.steps if s["kind"] == "model"]
    assert len(models) == fake.calls
    assert [(m["usage"]["input_tokens"], m["usage"]["output_tokens"]) for m in models] == fake.usage
    assert [s["call_id"] for s in trace.steps if s["kind"] == "tool"] == [
        "call_1",
        "call_2",
    ]  # by name and order
    assert trace.input == "Refund please"
    assert trace.output == "Refunded."
    assert not trace.failed


def test_failed_run(tmp_path: Path) -> None:
    path, _, executed, error = _produce(FAILURE, tmp_path, "test_failed_run")
    assert isinstance(error, RefundLimitExceeded)
    trace = only_trace(import_file(path))
    assert tool_calls(trace) == _expected(FAILURE)[:2] == executed
    refund = next(s for s in trace.steps if s.get("name") == "issue_refund")
    assert refund["error"]["message"] == str(error)
    assert trace.failed


def test_long_run_with_parallel_calls(tmp_path: Path) -> None:
    path, fake, executed, _ = _produce(LONG, tmp_path, "test_long_run_with_parallel_calls")
    trace = only_trace(import_file(path))
    assert len(trace.steps) >= 10
    assert tool_calls(trace) == _expected(LONG) == executed
    assert [s["call_id"] for s in trace.steps if s["kind"] == "tool"] == [
        cid for turn in LONG if not isinstance(turn, str) for cid, _, _ in turn
    ]
    assert len([s for s in trace.steps if s["kind"] == "model"]) == fake.calls
