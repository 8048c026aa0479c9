"""Embedding calls are ``retrieval`` steps, not model steps: replay hands the recorded model steps to the
agent's chat calls in order, so an embedding recorded as a model step would answer the next chat call.

Real producer: openinference-instrumentation-openai around the real openai client (an embeddings call,
then a chat call); the GenAI ``embeddings`` operation and Langfuse's ``embedding`` observation with the SDK
tracer, as those conventions name them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from pytest_agenttrace.replay.cursor import ModelCursor

from .conftest import FakeOpenAI, import_file, only_trace, otlp_document, validate

QUESTION = "How do I return a damaged order?"


class _FakeWithEmbeddings(FakeOpenAI):
    def handler(self, request: Any) -> Any:
        import httpx2

        if request.url.path.endswith("/embeddings"):
            body = json.loads(request.content)
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [{"object": "embedding", "index": i, "embedding": [0.25, -0.5]} for i in range(len(texts))]
            return httpx2.Response(
                200,
                json={
                    "object": "list",
                    "data": data,
                    "model": "text-embedding-3-small",
                    "usage": {"prompt_tokens": 8, "total_tokens": 8},
                },
            )
        return super().handler(request)


def _provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def _check(path: Path, query: Any) -> None:
    trace = only_trace(import_file(path))
    kinds = [s["kind"] for s in trace.steps]
    assert kinds == ["retrieval", "model"]
    assert trace.steps[0]["query"] == query
    cursor = ModelCursor(validate(trace))
    assert cursor.recorded == 1
    answer = cursor.next()
    assert answer is not None
    assert answer.response is not None
    assert answer.response.content == "Use the returns form."


def test_openinference_embedding_span_is_not_a_model_step(tmp_path: Path) -> None:
    pytest.importorskip("openinference.instrumentation.openai")
    pytest.importorskip("httpx2")
    from openinference.instrumentation.openai import OpenAIInstrumentor

    provider, exporter = _provider()
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        client = _FakeWithEmbeddings(["Use the returns form."]).client()
        with provider.get_tracer("acme.rag").start_as_current_span("rag"):
            client.embeddings.create(model="text-embedding-3-small", input=QUESTION)
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": QUESTION}]
            )
    finally:
        instrumentor.uninstrument()
    path = tmp_path / "oi.otlp.json"
    path.write_text(json.dumps(otlp_document(exporter.get_finished_spans())), encoding="utf-8")
    _check(path, QUESTION)
    trace = only_trace(import_file(path))
    attributes = trace.steps[0]["attributes"]
    assert attributes["embedding.model_name"] == "text-embedding-3-small"
    assert attributes["embedding.embeddings.0.embedding.vector"] == [0.25, -0.5]  # kept, not dropped


@pytest.mark.parametrize("convention", ["gen_ai", "langfuse"])
def test_convention_embedding_span_is_not_a_model_step(convention: str, tmp_path: Path) -> None:
    provider, exporter = _provider()
    tracer = provider.get_tracer("acme.rag")
    with tracer.start_as_current_span("rag"):
        with tracer.start_as_current_span("embeddings text-embedding-3-small") as span:
            if convention == "gen_ai":
                span.set_attribute("gen_ai.operation.name", "embeddings")
                span.set_attribute("gen_ai.request.model", "text-embedding-3-small")
                span.set_attribute("gen_ai.usage.input_tokens", 8)
            else:
                span.set_attribute("langfuse.observation.type", "embedding")
                span.set_attribute("langfuse.observation.input", json.dumps(QUESTION))
        with tracer.start_as_current_span("chat gpt-4o-mini") as span:
            span.set_attribute("gen_ai.operation.name", "chat")
            span.set_attribute(
                "gen_ai.output.messages",
                json.dumps(
                    [{"role": "assistant", "parts": [{"type": "text", "content": "Use the returns form."}]}]
                ),
            )
    path = tmp_path / "spans.otlp.json"
    path.write_text(json.dumps(otlp_document(exporter.get_finished_spans())), encoding="utf-8")
    trace = only_trace(import_file(path))
    assert [s["kind"] for s in trace.steps] == ["retrieval", "model"]
    if convention == "gen_ai":
        assert "query" not in trace.steps[0]  # the convention records no input: not invented
        assert trace.steps[0]["attributes"]["gen_ai.usage.input_tokens"] == 8
        assert trace.steps[0]["attributes"]["gen_ai.request.model"] == "text-embedding-3-small"
    else:
        assert trace.steps[0]["query"] == QUESTION
    assert ModelCursor(validate(trace)).recorded == 1
