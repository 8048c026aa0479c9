"""Bad input: every broken export gets a clear error naming the file and the place, and one broken trace
never stops the good traces of the same file from importing."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_agenttrace.errors import TraceFormatError
from pytest_agenttrace.importers.base import (
    MISSING_PARENTS_ATTRIBUTE,
    ImportedTrace,
    ImportOptions,
    MappingRule,
    TraceProblem,
)
from pytest_agenttrace.importers.otlp import OtlpImporter, _reader

from .conftest import import_file, only_trace

TRACE_A = "a" * 32
TRACE_B = "b" * 32


def span(
    trace: str, span_id: str, name: str, parent: str | None = None, start: int = 1, **attrs: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "traceId": trace,
        "spanId": span_id,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(1_700_000_000_000_000_000 + start * 1000),
        "endTimeUnixNano": str(1_700_000_000_000_000_000 + start * 1000 + 500),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {},
    }
    if parent:
        data["parentSpanId"] = parent
    return data


def request(*spans: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {"name": "t"}, "spans": list(spans)}]}]
    }


def tool(trace: str, span_id: str, name: str, parent: str | None = None, start: int = 1) -> dict[str, Any]:
    return span(
        trace,
        span_id,
        f"execute_tool {name}",
        parent,
        start,
        **{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name},
    )


def good_trace(trace: str = TRACE_B) -> dict[str, Any]:
    return tool(trace, "2" * 16, "lookup_order")


def test_truncated_document_names_file_and_position(write_json: Callable[..., Path], tmp_path: Path) -> None:
    path = tmp_path / "cut.otlp.json"
    path.write_text(json.dumps(request(good_trace()), indent=2)[:-40], encoding="utf-8")
    with pytest.raises(TraceFormatError) as info:
        import_file(path)
    assert str(path) in str(info.value)
    assert "line " in str(info.value)
    assert "column " in str(info.value)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_bytes(b"  \n")
    with pytest.raises(TraceFormatError, match="empty"):
        import_file(path)


def test_wrong_shape_is_a_format_error(write_json: Callable[..., Path]) -> None:
    path = write_json({"runs": []})
    with pytest.raises(TraceFormatError, match="not an OTLP traces document") as info:
        import_file(path)
    assert str(path) in str(info.value)


def test_logs_file_given_as_traces_says_so(write_json: Callable[..., Path]) -> None:
    with pytest.raises(TraceFormatError, match="--logs"):
        import_file(write_json({"resourceLogs": []}))


def test_broken_jsonl_line_fails_only_its_traces(tmp_path: Path) -> None:
    path = tmp_path / "export.otlp.jsonl"
    broken = json.dumps(request(tool(TRACE_A, "1" * 16, "x")))[:-10]
    path.write_text("\n".join([json.dumps(request(good_trace())), broken, ""]), encoding="utf-8")
    results = import_file(path)
    problems = [r for r in results if isinstance(r, TraceProblem)]
    assert [r.trace_id for r in results if isinstance(r, ImportedTrace)] == [TRACE_B]
    assert len(problems) == 1
    assert problems[0].trace_id == TRACE_A
    assert problems[0].where is not None
    assert problems[0].where.startswith("line 2, column ")


def test_garbage_first_jsonl_line_is_fatal(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text("not json at all\n" + json.dumps(request(good_trace())) + "\n", encoding="utf-8")
    with pytest.raises(TraceFormatError, match="line 1, column 1"):
        import_file(path)


def test_a_missing_parent_makes_a_root_not_a_failure(write_json: Callable[..., Path]) -> None:
    """A partial trace (its root upstream or never exported) imports; the missing id is recorded."""
    path = write_json(request(good_trace(), tool(TRACE_A, "1" * 16, "x", parent="9" * 16)))
    results = import_file(path)
    assert all(isinstance(r, ImportedTrace) for r in results), results
    partial = next(r for r in results if isinstance(r, ImportedTrace) and r.trace_id == TRACE_A)
    assert [(s["kind"], s["name"], s.get("parent")) for s in partial.steps] == [("tool", "x", None)]
    assert partial.attributes[MISSING_PARENTS_ATTRIBUTE] == ["9" * 16]
    whole = next(r for r in results if isinstance(r, ImportedTrace) and r.trace_id == TRACE_B)
    assert MISSING_PARENTS_ATTRIBUTE not in whole.attributes


def test_cycle(write_json: Callable[..., Path]) -> None:
    path = write_json(
        request(tool(TRACE_A, "1" * 16, "x", parent="2" * 16), tool(TRACE_A, "2" * 16, "y", parent="1" * 16))
    )
    (problem,) = import_file(path)
    assert isinstance(problem, TraceProblem)
    assert "cycle" in problem.message


def test_duplicate_span_ids(write_json: Callable[..., Path]) -> None:
    path = write_json(request(tool(TRACE_A, "1" * 16, "x"), tool(TRACE_A, "1" * 16, "y")))
    (problem,) = import_file(path)
    assert isinstance(problem, TraceProblem)
    assert "duplicate span id" in problem.message
    assert problem.where == "resourceSpans[0].scopeSpans[0].spans[1]"


def test_exact_re_export_of_a_span_is_not_a_duplicate(write_json: Callable[..., Path]) -> None:
    path = write_json(request(tool(TRACE_A, "1" * 16, "x"), tool(TRACE_A, "1" * 16, "x")))
    assert len(only_trace(import_file(path)).steps) == 1


def test_invalid_ids_name_the_span(write_json: Callable[..., Path]) -> None:
    bad = tool(TRACE_A, "zz", "x")
    (problem,) = import_file(write_json(request(bad)))
    assert isinstance(problem, TraceProblem)
    assert "invalid id" in problem.message
    assert problem.trace_id == TRACE_A
    assert problem.where == "resourceSpans[0].scopeSpans[0].spans[0]"


def test_attribute_with_invalid_json_stays_a_string(write_json: Callable[..., Path]) -> None:
    chat = span(
        TRACE_A,
        "1" * 16,
        "chat m",
        **{
            "gen_ai.operation.name": "chat",
            "gen_ai.input.messages": "[{not json",
            "gen_ai.tool.call.arguments": "{",
        },
    )
    broken_tool = span(
        TRACE_A,
        "2" * 16,
        "execute_tool t",
        start=2,
        **{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.call.arguments": "{oops"},
    )
    trace = only_trace(import_file(write_json(request(chat, broken_tool))))
    model, step = trace.steps
    assert model["attributes"]["gen_ai.input.messages"] == "[{not json"
    assert "messages" not in model
    assert step["arguments_text"] == "{oops"
    assert "arguments" not in step


def test_absurd_sizes(
    monkeypatch: pytest.MonkeyPatch, write_json: Callable[..., Path], tmp_path: Path
) -> None:
    monkeypatch.setattr(_reader, "MAX_DOCUMENT_BYTES", 100)
    with pytest.raises(TraceFormatError, match="JSONL"):
        import_file(write_json(request(good_trace())))
    monkeypatch.setattr(_reader, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "big.jsonl"
    huge = span(TRACE_A, "1" * 16, "x", blob="x" * 5000)
    path.write_text(
        json.dumps(request(good_trace())) + "\n" + json.dumps(request(huge)) + "\n", encoding="utf-8"
    )
    results = import_file(path)
    assert isinstance(results[0], ImportedTrace)
    assert isinstance(results[1], TraceProblem)
    assert results[1].trace_id == TRACE_A
    assert "larger than" in results[1].message


def test_deeply_nested_value(write_json: Callable[..., Path]) -> None:
    value: dict[str, Any] = {"stringValue": "leaf"}
    for _ in range(200):
        value = {"arrayValue": {"values": [value]}}
    bad = tool(TRACE_A, "1" * 16, "x")
    bad["attributes"].append({"key": "deep", "value": value})
    (problem,) = import_file(write_json(request(bad)))
    assert isinstance(problem, TraceProblem)
    assert "nested too deeply" in problem.message


def test_absurd_timestamps_are_dropped_not_guessed(write_json: Callable[..., Path]) -> None:
    odd = tool(TRACE_A, "1" * 16, "x")
    odd["startTimeUnixNano"] = "99999999999999999999999"
    odd["endTimeUnixNano"] = "-5"
    step = only_trace(import_file(write_json(request(odd)))).steps[0]
    assert "timing" not in step


def test_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "export.otlp.jsonl.gz"
    path.write_bytes(gzip.compress((json.dumps(request(good_trace())) + "\n").encode())[:-12])
    with pytest.raises(TraceFormatError, match="cannot read the file") as info:
        list(OtlpImporter().iter_traces(path, ImportOptions()))
    assert str(path) in str(info.value)


def test_jsonl_traces_split_across_lines_are_joined_and_streamed(tmp_path: Path) -> None:
    root = span(TRACE_A, "1" * 16, "invoke_agent a", **{"gen_ai.operation.name": "invoke_agent"})
    lines = [
        request(root, tool(TRACE_A, "2" * 16, "first", parent="1" * 16, start=2)),
        request(good_trace()),
        request(tool(TRACE_A, "3" * 16, "second", parent="1" * 16, start=3)),
    ]
    path = tmp_path / "split.otlp.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    results = import_file(path)
    # B is complete after line 2 and comes first; A waits for its last line
    assert [r.trace_id for r in results if isinstance(r, ImportedTrace)] == [TRACE_B, TRACE_A]
    trace_a = results[1]
    assert isinstance(trace_a, ImportedTrace)
    assert [s["name"] for s in trace_a.steps] == ["first", "second"]


def test_console_exporter_output(tmp_path: Path) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("console")
    with tracer.start_as_current_span("invoke_agent bot") as root:
        root.set_attribute("gen_ai.operation.name", "invoke_agent")
        with tracer.start_as_current_span("execute_tool lookup_order") as child:
            child.set_attribute("gen_ai.operation.name", "execute_tool")
            child.set_attribute("gen_ai.tool.name", "lookup_order")
            child.set_attribute("gen_ai.tool.call.arguments", '{"order_id": "ORD-1"}')
    spans = exporter.get_finished_spans()
    printed = tmp_path / "console.txt"
    printed.write_text("".join(s.to_json() + "\n" for s in spans), encoding="utf-8")
    as_array = tmp_path / "console.json"
    as_array.write_text(json.dumps([json.loads(s.to_json()) for s in spans]), encoding="utf-8")
    for path in (printed, as_array):
        assert OtlpImporter().sniff(path.read_bytes(), path)
        trace = only_trace(import_file(path))
        assert trace.trace_id == format(spans[0].context.trace_id, "032x")
        assert [(s["name"], s["arguments"]) for s in trace.steps] == [("lookup_order", {"order_id": "ORD-1"})]


def test_mapping_rules_cover_unnamed_spans_but_tools_stay_tools(write_json: Callable[..., Path]) -> None:
    root = span(TRACE_A, "1" * 16, "invoke_agent a", **{"gen_ai.operation.name": "invoke_agent"})
    approval_tool = tool(TRACE_A, "2" * 16, "request_approval", parent="1" * 16, start=2)
    approval = span(
        TRACE_A,
        "3" * 16,
        "human_approval",
        parent="1" * 16,
        start=3,
        **{"input.value": '{"amount": 850}', "output.value": '{"approved": true}'},
    )
    memory = span(TRACE_A, "4" * 16, "memory.read", parent="1" * 16, start=4, **{"output.value": "likes tea"})
    rules = (MappingRule(kind="approval", name="*approv*"), MappingRule(kind="memory", name="memory.*"))
    results = import_file(
        write_json(request(root, approval_tool, approval, memory)), ImportOptions(rules=rules)
    )
    kinds = [(s["kind"], s.get("name")) for s in only_trace(results).steps]
    assert kinds == [("tool", "request_approval"), ("approval", "human_approval"), ("memory", "memory.read")]
    steps = only_trace(results).steps
    assert steps[1]["arguments"] == {"amount": 850}
    assert steps[1]["decision"] == "approved"
    assert steps[2]["value"] == "likes tea"


def test_absurd_token_counts_are_not_usage(write_json: Callable[..., Path]) -> None:
    """A count beyond 2**53 is corruption: it does not become the step's usage (nor the totals)."""
    chat = span(TRACE_A, "1" * 16, "chat m", **{"gen_ai.operation.name": "chat"})
    chat["attributes"] += [
        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(10**40)}},
        {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "7"}},
    ]
    trace = only_trace(import_file(write_json(request(chat))))
    (model,) = trace.steps
    usage = model.get("usage") or {}
    assert usage.get("output_tokens") == 7
    assert "input_tokens" not in usage


def test_log_records_no_step_can_use_are_kept_with_their_trace(
    write_json: Callable[..., Path], tmp_path: Path
) -> None:
    """Importing loses nothing: a trace's log records without a span id, or that are not GenAI events,
    go into ``source.attributes["otel.other_logs"]`` as recorded; other traces' records stay out."""
    spans = write_json(request(tool(TRACE_A, "1" * 16, "lookup")))
    records = [
        {
            "timeUnixNano": "1700000000000000100",
            "traceId": TRACE_A,
            "body": {"stringValue": "retrying after 429"},
            "attributes": [{"key": "http.status_code", "value": {"intValue": "429"}}],
        },
        {
            "traceId": TRACE_A,
            "spanId": "1" * 16,
            "eventName": "app.audit",
            "body": {"stringValue": "audited"},
        },
        {
            "traceId": TRACE_B,
            "spanId": "2" * 16,
            "eventName": "app.audit",
            "body": {"stringValue": "not A's"},
        },
        {"spanId": "1" * 16, "eventName": "app.orphan", "body": {"stringValue": "no trace"}},
    ]
    logs = tmp_path / "logs.json"
    logs.write_text(
        json.dumps({"resourceLogs": [{"scopeLogs": [{"scope": {"name": "app"}, "logRecords": records}]}]}),
        encoding="utf-8",
    )
    trace = only_trace(import_file(spans, ImportOptions(logs=(logs,))))
    assert trace.attributes["otel.other_logs"] == [
        {
            "time_unix_nano": "1700000000000000100",
            "body": "retrying after 429",
            "attributes": {"http.status_code": 429},
        },
        {"event": "app.audit", "span_id": "1" * 16, "body": "audited"},
    ]
