"""Property tests: random valid span trees import with order and parentage preserved, and random
malformed input never escapes as anything but a TraceFormatError or a TraceProblem."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_agenttrace.errors import TraceFormatError
from pytest_agenttrace.importers.base import ImportedTrace, ImportOptions, TraceProblem
from pytest_agenttrace.importers.otlp import OtlpImporter

from .conftest import assert_clean_outcome, validate

BASE_NS = 1_700_000_000_000_000_000
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@st.composite
def span_trees(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A root agent span and 1-25 tool/chat/plain spans, each under an earlier span, children starting no
    earlier than their parent; written in a shuffled order. Plain spans are not steps."""
    count = draw(st.integers(1, 25))
    spans: list[dict[str, Any]] = [
        {
            "id": "0000000000000001",
            "parent": None,
            "start": 0,
            "kind": "invoke_agent",
            "name": "invoke_agent root",
        }
    ]
    for index in range(count):
        # model calls are leaves: a model call inside a model call is one call recorded twice (merged)
        parent = draw(st.sampled_from([s for s in spans if s["kind"] != "chat"]))
        kind = draw(st.sampled_from(["execute_tool", "chat", "plain"]))
        start = parent["start"] + draw(st.integers(0, 1000))
        spans.append(
            {
                "id": f"{index + 2:016x}",
                "parent": parent["id"],
                "start": start,
                "kind": kind,
                "name": f"{kind} n{index}",
            }
        )
    return draw(st.permutations(spans))


def _otlp(spans: list[dict[str, Any]]) -> dict[str, Any]:
    encoded = []
    for s in spans:
        attributes = (
            []
            if s["kind"] == "plain"
            else [{"key": "gen_ai.operation.name", "value": {"stringValue": s["kind"]}}]
        )
        if s["kind"] == "execute_tool":
            attributes.append({"key": "gen_ai.tool.name", "value": {"stringValue": s["name"]}})
        item = {
            "traceId": "c" * 32,
            "spanId": s["id"],
            "name": s["name"],
            "startTimeUnixNano": str(BASE_NS + s["start"]),
            "endTimeUnixNano": str(BASE_NS + s["start"] + 10),
            "attributes": attributes,
        }
        if s["parent"]:
            item["parentSpanId"] = s["parent"]
        encoded.append(item)
    return {"resourceSpans": [{"scopeSpans": [{"spans": encoded}]}]}


@SETTINGS
@given(span_trees())
def test_random_trees_keep_order_and_parentage(tmp_path: Path, spans: list[dict[str, Any]]) -> None:
    path = tmp_path / "tree.otlp.json"
    path.write_text(json.dumps(_otlp(spans)), encoding="utf-8")
    (trace,) = OtlpImporter().iter_traces(path, ImportOptions())
    assert isinstance(trace, ImportedTrace)
    validate(trace)  # parents come before children, ids are unique
    by_id = {s["id"]: s for s in spans}
    steps = trace.steps
    assert {s["id"] for s in steps} == {s["id"] for s in spans if s["kind"] != "plain" and s["parent"]}
    for step in steps:
        # the parent is the nearest ancestor that is itself a step
        ancestor = by_id[step["id"]]["parent"]
        while ancestor is not None and (
            by_id[ancestor]["kind"] == "plain" or by_id[ancestor]["parent"] is None
        ):
            ancestor = by_id[ancestor]["parent"]
        assert step.get("parent") == ancestor
    keys = [(by_id[s["id"]]["start"], s["id"]) for s in steps]
    assert keys == sorted(keys)  # children never start before their parent here, so this is total order


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
ANY_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "stringValue": st.text(max_size=20) | st.integers(),
        "intValue": st.text(max_size=5) | st.integers(),
        "arrayValue": st.dictionaries(st.just("values"), st.lists(st.just({"stringValue": "x"}), max_size=2)),
        "kvlistValue": JSON_VALUES,
        "boolValue": JSON_VALUES,
    },
)
SPANS = st.fixed_dictionaries(
    {},
    optional={
        "traceId": st.sampled_from(["c" * 32, "", "zz", "AAAAAAAAAAAAAAAAAAAAAA==", 5]),
        "spanId": st.sampled_from(["0000000000000001", "0000000000000002", "", "0x0000000000000003", None]),
        "parentSpanId": st.sampled_from(["0000000000000001", "0000000000000009", "", 7]),
        "name": JSON_VALUES,
        "startTimeUnixNano": st.sampled_from(["1", "-1", "x", 10**30, None, "1700000000000000000"]),
        "endTimeUnixNano": st.sampled_from(["0", "1700000000000000001", 3.5]),
        "status": st.sampled_from([{}, {"code": 2, "message": "m"}, {"code": "bad"}, [], None]),
        "events": st.sampled_from([[], [{"name": "exception", "attributes": []}], "x", [5]]),
        "attributes": st.lists(
            st.fixed_dictionaries(
                {
                    "key": st.sampled_from(
                        [
                            "gen_ai.operation.name",
                            "gen_ai.input.messages",
                            "gen_ai.output.messages",
                            "gen_ai.tool.call.arguments",
                            "openinference.span.kind",
                            "llm.input_messages.0.message.role",
                            "langfuse.observation.type",
                            "langfuse.observation.input",
                            "traceloop.span.kind",
                            "input.value",
                        ]
                    ),
                    "value": ANY_VALUES,
                }
            ),
            max_size=4,
        )
        | JSON_VALUES,
    },
)
DOCUMENTS = (
    st.fixed_dictionaries(
        {
            "resourceSpans": st.lists(
                st.fixed_dictionaries(
                    {
                        "scopeSpans": st.lists(
                            st.fixed_dictionaries({"spans": st.lists(SPANS, max_size=5)}), max_size=2
                        )
                    }
                ),
                max_size=2,
            )
        }
    )
    | JSON_VALUES
)


def _run(path: Path) -> None:
    """The importer yields traces and problems with a place, or raises one line naming the file; and
    ``import-trace`` on it succeeds or fails cleanly (exit 2, one-line errors, only valid fixtures)."""
    try:
        for result in OtlpImporter().iter_traces(path, ImportOptions()):
            assert isinstance(result, ImportedTrace | TraceProblem)
            if isinstance(result, ImportedTrace):
                validate(result)
            else:
                assert "\n" not in result.message
                assert result.where or result.trace_id, result  # a record's problem says where it is
    except TraceFormatError as exc:
        message = str(exc)
        assert "\n" not in message
        assert message.startswith(f"{path}: "), message
        if "invalid JSON" in message:  # where the JSON breaks: a line (and column), or an entry
            assert re.search(r": (line \d+|after resourceSpans\[\d+\])", message), message
    assert_clean_outcome(path, path.parent / "fixtures", "--format", "otlp")


@SETTINGS
@given(DOCUMENTS)
def test_malformed_documents_never_crash(tmp_path: Path, doc: Any) -> None:
    path = tmp_path / "doc.otlp.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    _run(path)


@SETTINGS
@given(st.lists(DOCUMENTS, min_size=1, max_size=3))
def test_malformed_jsonl_never_crashes(tmp_path: Path, docs: list[Any]) -> None:
    path = tmp_path / "doc.otlp.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in docs), encoding="utf-8")
    _run(path)


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["x.json", "x.jsonl", "x.json.gz"]))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    OtlpImporter().sniff(data, path)
    _run(path)


@SETTINGS
@given(st.integers(10, 400))
def test_truncated_real_document_never_crashes(tmp_path: Path, cut: int) -> None:
    corpus = Path(__file__).resolve().parent.parent / "data" / "corpus" / "otel_genai"
    data = (corpus / "semconv_latest__refund_success.protobuf_json_base64ids.json").read_bytes()
    path = tmp_path / "cut.json"
    path.write_bytes(data[: len(data) * cut // 401])
    _run(path)
