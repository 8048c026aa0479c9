"""Real producer: pydantic-ai's own instrumentation (what Logfire ships) around a real ``Agent`` with an
``OpenAIChatModel`` whose openai client talks to the scripted endpoint, in every attribute set
``InstrumentationSettings(version=...)`` still writes: version 2 (root ``agent run``, tool spans
``running tool`` with ``tool_arguments`` / ``tool_response``), 3 (2 plus thinking tokens), 4 (GenAI
multimodal parts), 5 (the default: ``invoke_agent`` / ``execute_tool`` with ``gen_ai.tool.call.*``) and 6
(tool results in ``tool``-role messages). Version 1 (messages in an ``events`` attribute) is no longer
produced by any pydantic-ai release that runs with the pinned OpenTelemetry, so it is not covered here.

A tool that raises propagates out of ``run_sync`` (pydantic-ai retries only on ``ModelRetry``): the tool
and agent spans end in ERROR with an ``exception`` event."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pydantic_ai")
pytest.importorskip("httpx2")

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from .conftest import (
    FakeOpenAI,
    RefundLimitExceeded,
    import_file,
    only_trace,
    otlp_document,
    run_tool,
    tool_calls,
)

USER_TEXT = "Please refund my order"
SYSTEM_PROMPT = "You are a support agent."
SUCCESS: list[Any] = [
    [("call_1", "lookup_order", {"order_id": "ORD-1001"})],
    [
        ("call_2", "issue_refund", {"order_id": "ORD-1001", "amount": 45.0, "reason": "damaged"}),
        ("call_3", "send_email", {"to": "dana@example.com", "subject": "Refund", "body": "Done."}),
    ],
    "Refunded $45.00.",
]
FAILURE: list[Any] = [
    [("call_4", "lookup_order", {"order_id": "ORD-2002"})],
    [("call_5", "issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"})],
    "unreachable",
]
ERROR_TEXT = "refund of 850.00 exceeds auto-approval limit 500.00"
VERSIONS = [2, 3, 4, 5, 6]


def _produce(
    script: list[Any], version: int, tmp_path: Path
) -> tuple[Path, FakeOpenAI, Any, Exception | None]:
    import httpx2
    import openai
    from pydantic_ai import Agent
    from pydantic_ai.models.instrumented import InstrumentationSettings
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    fake = FakeOpenAI(script)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    client = openai.AsyncOpenAI(
        api_key="sk-test",
        base_url="http://fake-openai.local/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(fake.handler)),
        max_retries=0,
    )
    model = OpenAIChatModel("gpt-4o-mini", provider=OpenAIProvider(openai_client=client))
    agent = Agent(model, name="support-agent", system_prompt=SYSTEM_PROMPT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # versions 2-4 are deprecated, which is why they are tested
        agent.instrument = InstrumentationSettings(
            tracer_provider=provider, version=version, include_content=True
        )

    @agent.tool_plain
    def lookup_order(order_id: str) -> dict[str, Any]:
        """Look up an order."""
        return run_tool("lookup_order", {"order_id": order_id})

    @agent.tool_plain
    def issue_refund(order_id: str, amount: float, reason: str) -> dict[str, Any]:
        """Refund an order."""
        return run_tool("issue_refund", {"order_id": order_id, "amount": amount, "reason": reason})

    @agent.tool_plain
    def send_email(to: str, subject: str, body: str) -> dict[str, Any]:
        """Send an e-mail."""
        return run_tool("send_email", {"to": to, "subject": subject, "body": body})

    output: Any = None
    error: Exception | None = None
    try:
        output = agent.run_sync(USER_TEXT).output
    except RefundLimitExceeded as exc:
        error = exc
    path = tmp_path / f"pydantic_ai_v{version}.otlp.json"
    path.write_text(json.dumps(otlp_document(exporter.get_finished_spans())), encoding="utf-8")
    return path, fake, output, error


def _span_costs(path: Path) -> list[float]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    spans = [span for rs in doc["resourceSpans"] for ss in rs["scopeSpans"] for span in ss["spans"]]
    costs = [
        a["value"]["doubleValue"]
        for span in spans
        for a in span["attributes"]
        if a["key"] == "operation.cost"
    ]
    assert len(costs) == 3
    assert all(cost > 0 for cost in costs)
    return costs


def _calls(script: list[Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [call for turn in script if not isinstance(turn, str) for call in turn]


def _check_models(trace: Any, fake: FakeOpenAI) -> list[dict[str, Any]]:
    models = [s for s in trace.steps if s["kind"] == "model"]
    assert len(models) == fake.calls
    assert [(m["usage"]["input_tokens"], m["usage"]["output_tokens"]) for m in models] == fake.usage
    assert all(m["model"] in ("gpt-4o-mini", "gpt-4o-mini-2024-07-18") for m in models)
    assert models[0]["messages"] == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": USER_TEXT},
    ]
    first = models[0]["response"]["tool_calls"]
    assert [(c["id"], c["function"]["name"], json.loads(c["function"]["arguments"])) for c in first] == list(
        fake.script[0]
    )
    return models


@pytest.mark.parametrize("version", VERSIONS)
def test_successful_run(version: int, tmp_path: Path) -> None:
    path, fake, output, error = _produce(SUCCESS, version, tmp_path)
    assert error is None
    assert output == "Refunded $45.00."
    trace = only_trace(import_file(path))
    calls = _calls(SUCCESS)
    assert tool_calls(trace) == [(name, args) for _, name, args in calls]
    tools = [s for s in trace.steps if s["kind"] == "tool"]
    assert [s["call_id"] for s in tools] == [cid for cid, _, _ in calls]
    for step, (_, name, args) in zip(tools, calls, strict=True):
        assert step["result"] == run_tool(name, args)
        assert "error" not in step
    models = _check_models(trace, fake)
    assert models[-1]["response"]["content"] == "Refunded $45.00."
    # the second call saw the first tool's result, as a tool message answering call_1
    answered = [m for m in models[1]["messages"] if m.get("tool_call_id") == "call_1"]
    assert [(m["role"], json.loads(m["content"])) for m in answered] == [
        ("tool", run_tool("lookup_order", {"order_id": "ORD-1001"}))
    ]
    assert trace.input == USER_TEXT
    assert trace.output == "Refunded $45.00."
    # operation.cost (pydantic-ai prices each call itself) becomes each model step's cost
    assert sorted(m["cost"]["amount"] for m in models) == sorted(_span_costs(path))
    assert {m["cost"]["currency"] for m in models} == {"USD"}
    assert not trace.failed


@pytest.mark.parametrize("version", VERSIONS)
def test_tool_error(version: int, tmp_path: Path) -> None:
    path, fake, _, error = _produce(FAILURE, version, tmp_path)
    assert isinstance(error, RefundLimitExceeded)
    trace = only_trace(import_file(path))
    calls = _calls(FAILURE)
    assert tool_calls(trace) == [(name, args) for _, name, args in calls]
    lookup, refund = (s for s in trace.steps if s["kind"] == "tool")
    assert lookup["result"] == run_tool("lookup_order", {"order_id": "ORD-2002"})
    assert refund["call_id"] == "call_5"
    assert refund["error"]["type"].endswith("RefundLimitExceeded")
    assert refund["error"]["message"] == ERROR_TEXT
    assert "result" not in refund
    _check_models(trace, fake)
    assert fake.calls == 2
    assert trace.output is None
    assert trace.failed
