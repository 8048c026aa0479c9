"""Steps made by mapping rules keep every recorded input and output: what fits no field of the step kind
stays in the step's ``attributes`` (OTLP: under the attribute's own name)."""

from __future__ import annotations

import json
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from pytest_agenttrace.importers._common import MISSING, rule_step
from pytest_agenttrace.importers.base import ImportOptions
from pytest_agenttrace.importers.rules import DEFAULT_RULES

from .conftest import import_file, only_trace, otlp_document


def _trace(tmp_path: Path, spans: dict[str, dict[str, str]]) -> dict[str, dict[str, object]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("acme.agent")
    with tracer.start_as_current_span("run"):
        for name, attributes in spans.items():
            with tracer.start_as_current_span(name) as span:
                for key, value in attributes.items():
                    span.set_attribute(key, value)
    path = tmp_path / "spans.otlp.json"
    path.write_text(json.dumps(otlp_document(exporter.get_finished_spans())), encoding="utf-8")
    return {
        str(s["name"]): s for s in only_trace(import_file(path, ImportOptions(rules=DEFAULT_RULES))).steps
    }


def test_otlp_memory_and_plan_rule_steps_keep_their_input(tmp_path: Path) -> None:
    steps = _trace(
        tmp_path,
        {
            "memory.read": {
                "input.value": '{"user": "dana", "topic": "tea"}',
                "input.mime_type": "application/json",
                "output.value": "likes green tea",
            },
            "memory.get": {
                "input.value": '{"key": "prefs"}',
                "input.mime_type": "application/json",
                "output.value": "tea",
            },
            "plan": {
                "traceloop.entity.input": '{"goal": "refund"}',
                "traceloop.entity.output": '["look up", "refund"]',
            },
        },
    )
    read = steps["memory.read"]
    assert read["kind"] == "memory"
    assert read["value"] == "likes green tea"
    assert read["attributes"]["input.value"] == '{"user": "dana", "topic": "tea"}'
    assert read["attributes"]["input.mime_type"] == "application/json"
    assert steps["memory.get"]["key"] == "prefs"
    assert "input.value" not in steps["memory.get"].get("attributes", {})
    plan = steps["plan"]
    assert plan["content"] == ["look up", "refund"]
    assert plan["attributes"]["traceloop.entity.input"] == '{"goal": "refund"}'


def test_shared_rule_step_keeps_retrieval_and_approval_leftovers() -> None:
    base = {"id": "s1", "name": "search"}
    step = rule_step("retrieval", base, {"query": "refund policy", "top_k": 3}, {"hits": 2})
    assert step["query"] == "refund policy"
    assert step["attributes"] == {"input": {"query": "refund policy", "top_k": 3}, "output": {"hits": 2}}
    approval = rule_step("approval", {"id": "s2"}, "refund ORD-1?", MISSING)
    assert approval["attributes"] == {"input": "refund ORD-1?"}
    memory = rule_step("memory", {"id": "s3"}, {"key": "k"}, "v")
    assert (memory["key"], memory["value"], memory["attributes"]) == ("k", "v", {"input": {"key": "k"}})
