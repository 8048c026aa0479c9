"""Real exports from the shared corpus (written by the real tracing libraries; copies, gzip-compressed, in
``tests/data/corpus``), checked against the scripted ground truth of each scenario."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from pytest_agenttrace.importers.base import ImportedTrace, ImportOptions, TraceProblem
from pytest_agenttrace.importers.otlp import OtlpImporter

from .conftest import import_file, only_trace

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"

#: What each scripted run executed: groups of tool calls per model turn (a group = parallel calls).
SCENARIOS: dict[str, list[list[tuple[str, dict[str, Any]]]]] = {
    "refund_success": [
        [("lookup_order", {"order_id": "ORD-1001"})],
        [("issue_refund", {"order_id": "ORD-1001", "amount": 45.0, "reason": "arrived damaged"})],
        [
            (
                "send_email",
                {
                    "to": "dana@example.com",
                    "subject": "Your refund for ORD-1001",
                    "body": "We refunded $45.00.",
                },
            )
        ],
    ],
    "refund_tool_error": [
        [("lookup_order", {"order_id": "ORD-2002"})],
        [("issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"})],
    ],
    "refund_policy_violation": [
        [("lookup_order", {"order_id": "ORD-2002"})],
        [("issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"})],
        [
            (
                "send_email",
                {"to": "dana@example.com", "subject": "Refund for ORD-2002", "body": "We refunded $850.00."},
            )
        ],
    ],
    "refund_multi_long": [
        [
            ("lookup_order", {"order_id": "ORD-1001"}),
            ("lookup_order", {"order_id": "ORD-2002"}),
            ("lookup_order", {"order_id": "ORD-3003"}),
        ],
        [
            (
                "request_approval",
                {"order_id": "ORD-2002", "amount": 850.0, "reason": "account closure, above limit"},
            )
        ],
        [("issue_refund", {"order_id": "ORD-1001", "amount": 45.0, "reason": "account closure"})],
        [("issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "account closure (APR-7731)"})],
        [("issue_refund", {"order_id": "ORD-3003", "amount": 120.0, "reason": "account closure"})],
        [
            (
                "send_email",
                {
                    "to": "dana@example.com",
                    "subject": "Your refunds",
                    "body": "Refunded $45.00, $850.00 and $120.00.",
                },
            )
        ],
    ],
    "research_long": [
        [("web_search", {"query": "OpenTelemetry GenAI semantic conventions tool call span"})],
        [
            ("fetch_url", {"url": "https://docs.example.org/a/0"}),
            ("fetch_url", {"url": "https://docs.example.org/a/1"}),
        ],
        [("web_search", {"query": "gen_ai.tool.call.arguments attribute"})],
        [("fetch_url", {"url": "https://docs.example.org/b/0"})],
        [("fetch_url", {"url": "https://docs.example.org/b/2"})],
        [("web_search", {"query": "execute_tool span kind INTERNAL"})],
        [("fetch_url", {"url": "https://docs.example.org/c/0"})],
    ],
}
USER_TEXT = {
    "refund_success": "ORD-1001) arrived broken",
    "refund_tool_error": "ORD-2002) stopped working",
    "refund_policy_violation": "ORD-2002) stopped working",
    "refund_multi_long": "ORD-1001, ORD-2002 and ORD-3003",
    "research_long": "GenAI semantic conventions for tool calls",
}
#: Model calls per scenario, and the token totals the producers recorded for the failed run.
MODEL_CALLS = {"refund_success": 4, "refund_tool_error": 2, "refund_policy_violation": 4}
FAILED_RUN_TOKENS = {
    "otel_genai": (262, 118),
    "openinference": (262, 118),
    "langfuse": (262, 118),
    "pydantic_ai": (264, 118),
}

FILES = {
    "otel_genai": "otel_genai/semconv_latest__{}.otlp.json.gz",
    "openinference": "openinference/openai__{}.otlp.json.gz",
    "pydantic_ai": "pydantic_ai/instr_v5__{}.otlp.json.gz",
    "langfuse": "langfuse/langfuse_v5__{}.otlp.json.gz",
}
CASES = [
    (producer, scenario)
    for producer in FILES
    for scenario in SCENARIOS
    if producer != "langfuse" or scenario in ("refund_success", "refund_tool_error")
]


def assert_matches_scenario(trace: ImportedTrace, scenario: str) -> None:
    """Tool calls in scenario order; within a group of parallel calls, in any order."""
    tools = [s for s in trace.steps if s["kind"] == "tool"]
    position = 0
    for group in SCENARIOS[scenario]:
        got = tools[position : position + len(group)]
        position += len(group)
        key = lambda call: json.dumps(call, sort_keys=True)  # noqa: E731
        assert sorted(map(key, [(s["name"], s["arguments"]) for s in got])) == sorted(map(key, group))
    assert position == len(tools)
    assert USER_TEXT[scenario] in json.dumps(trace.input)


@pytest.mark.parametrize(("producer", "scenario"), CASES)
def test_corpus_export_recovers_the_scripted_run(producer: str, scenario: str) -> None:
    trace = only_trace(import_file(CORPUS / FILES[producer].format(scenario)))
    assert_matches_scenario(trace, scenario)
    assert trace.failed == (scenario == "refund_tool_error")
    models = [s for s in trace.steps if s["kind"] == "model"]
    if scenario in MODEL_CALLS:
        assert len(models) == MODEL_CALLS[scenario]
    assert all(m["usage"]["input_tokens"] > 0 for m in models)
    tools = [s for s in trace.steps if s["kind"] == "tool"]
    # every executed tool is linked to the call the model requested (recorded id, or name and order)
    requested = [c["id"] for m in models for c in (m.get("response") or {}).get("tool_calls", [])]
    assert sorted(s["call_id"] for s in tools) == sorted(requested)
    if scenario == "refund_tool_error":
        refund = next(s for s in tools if s["name"] == "issue_refund")
        assert "exceeds auto-approval limit 500.00" in refund["error"]["message"]
        assert "result" not in refund
        tokens = (
            sum(m["usage"]["input_tokens"] for m in models),
            sum(m["usage"]["output_tokens"] for m in models),
        )
        assert tokens == FAILED_RUN_TOKENS[producer]
    else:
        assert all("result" in s and "error" not in s for s in tools)
        assert isinstance(trace.output, str)


def test_langfuse_trace_attributes_are_kept_once() -> None:
    trace = only_trace(import_file(CORPUS / FILES["langfuse"].format("refund_success")))
    assert trace.attributes["langfuse.trace.tags"] == ["prod", "support"]
    assert trace.attributes["session.id"] == "sess-refund_success"
    for step in trace.steps:
        assert not any(
            k.startswith("langfuse.trace.") or k == "session.id" for k in step.get("attributes", {})
        )
    guardrails = [s for s in trace.steps if s["kind"] == "guardrail"]
    assert guardrails
    assert guardrails[0]["input"] == {"amount": 45.0, "limit": 500.0}
    assert guardrails[0]["parent"] == next(s["id"] for s in trace.steps if s.get("name") == "issue_refund")


def test_pydantic_ai_cost_and_final_result() -> None:
    trace = only_trace(import_file(CORPUS / FILES["pydantic_ai"].format("refund_success")))
    models = [s for s in trace.steps if s["kind"] == "model"]
    assert all(m["cost"]["currency"] == "USD" and m["cost"]["amount"] > 0 for m in models)
    assert trace.output == "I've refunded $45.00 for order ORD-1001 and emailed you a confirmation."
    assert models[0]["messages"][0]["role"] == "system"
    assert models[0]["finish_reason"] == "tool_call"


@pytest.mark.parametrize("name", ["semconv_latest__all.otlp.json.gz", "semconv_latest__all.otlp.jsonl"])
def test_multi_trace_exports_split_into_every_scenario(name: str) -> None:
    results = import_file(CORPUS / "otel_genai" / name)
    traces = [r for r in results if isinstance(r, ImportedTrace)]
    assert len(traces) == len(results) == 5
    for trace in traces:
        scenario = next(s for s in SCENARIOS if USER_TEXT[s] in json.dumps(trace.input))
        if scenario in ("refund_tool_error", "refund_policy_violation"):
            names = [s["name"] for s in trace.steps if s["kind"] == "tool"]
            scenario = "refund_policy_violation" if "send_email" in names else "refund_tool_error"
        assert_matches_scenario(trace, scenario)


def test_base64_ids_are_normalised_to_hex() -> None:
    base64_trace = only_trace(
        import_file(CORPUS / "otel_genai" / "semconv_latest__refund_success.protobuf_json_base64ids.json")
    )
    hex_trace = only_trace(import_file(CORPUS / FILES["otel_genai"].format("refund_success")))
    assert base64_trace.trace_id == hex_trace.trace_id
    assert base64_trace.steps == hex_trace.steps


def _strip_content(doc: dict[str, Any]) -> dict[str, Any]:
    for resource_spans in doc["resourceSpans"]:
        for scope_spans in resource_spans["scopeSpans"]:
            for span in scope_spans["spans"]:
                span["attributes"] = [
                    a
                    for a in span.get("attributes", [])
                    if a["key"] not in ("gen_ai.input.messages", "gen_ai.output.messages")
                ]
    return doc


def test_logs_restore_content_that_spans_do_not_carry(tmp_path: Path) -> None:
    original = json.loads(gzip.decompress((CORPUS / FILES["otel_genai"].format("all")).read_bytes()))
    bare = tmp_path / "bare.otlp.json"
    bare.write_text(json.dumps(_strip_content(original)), encoding="utf-8")
    logs = CORPUS / "otel_genai" / "semconv_latest__all.otlp_logs.json.gz"
    with_logs = import_file(bare, ImportOptions(logs=(logs,)))
    reference = import_file(CORPUS / FILES["otel_genai"].format("all"))
    without_logs = import_file(bare)
    assert len(with_logs) == len(reference) == 5
    for joined, full, bare_trace in zip(with_logs, reference, without_logs, strict=True):
        assert isinstance(joined, ImportedTrace)
        assert isinstance(full, ImportedTrace)
        assert isinstance(bare_trace, ImportedTrace)
        joined_models = [s for s in joined.steps if s["kind"] == "model"]
        full_models = [s for s in full.steps if s["kind"] == "model"]
        assert [m["messages"] for m in joined_models] == [m["messages"] for m in full_models]
        assert [m["response"] for m in joined_models] == [m["response"] for m in full_models]
        assert all("messages" not in s for s in bare_trace.steps)


OTLP_DIRS = ("otel_genai", "openinference", "pydantic_ai", "langfuse")


def test_sniff_recognises_every_otlp_export_and_nothing_else() -> None:
    """Also run over the other formats' corpus copies, when other importers' tests have added them."""
    importer = OtlpImporter()
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file():
            expected = path.parent.name in OTLP_DIRS and "otlp_logs" not in path.name
            assert importer.sniff(path.read_bytes()[:65536], path) is expected, path
    assert not importer.sniff(b'[{"id": "r1", "run_type": "chain", "trace_id": "x"}]', Path("runs.json"))
    assert not importer.sniff(b'{"trace": {"object": "trace"}, "spans": []}', Path("a.json"))


def test_no_problem_anywhere_in_the_corpus() -> None:
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.parent.name in OTLP_DIRS and "otlp_logs" not in path.name:
            assert not [r for r in import_file(path) if isinstance(r, TraceProblem)], path
