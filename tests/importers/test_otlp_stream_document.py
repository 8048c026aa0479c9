"""A big single-document OTLP export is streamed (ijson), one ``resourceSpans`` entry at a time; it must read
exactly what the whole-document parse reads, and bad input must still name the file and the place."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from pytest_agenttrace.errors import TraceFormatError
from pytest_agenttrace.importers.otlp import _reader

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"

pytest.importorskip("ijson")


def _spans(items: list[_reader.TraceSpans | object]) -> dict[str, list[tuple[object, ...]]]:
    return {
        item.trace_id: [
            (s.span_id, s.where, s.attributes, s.resource, s.scope_name, s.order) for s in item.spans
        ]
        for item in items
        if isinstance(item, _reader.TraceSpans)
    }


@pytest.fixture
def stream_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_reader, "STREAM_DOCUMENT_BYTES", 0)


@pytest.mark.usefixtures("stream_everything")
@pytest.mark.parametrize(
    "name",
    ["otel_genai/semconv_latest__all.otlp.json.gz", "openinference/openai__research_long.otlp.json.gz"],
)
def test_streamed_document_reads_what_the_whole_parse_reads(name: str, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    doc = json.loads(gzip.decompress((CORPUS / name).read_bytes()))
    # split every entry into one entry per span, interleaving traces, as batches from several runs do
    entries = [
        {**rs, "scopeSpans": [{**ss, "spans": [span]}]}
        for rs in doc["resourceSpans"]
        for ss in rs["scopeSpans"]
        for span in ss["spans"]
    ]
    entries = entries[::2] + entries[1::2]
    path.write_text(json.dumps({"resourceSpans": entries}, indent=1))  # not one line: not JSONL
    streamed = list(_reader.read_traces(path))
    whole = list(_reader._read_whole_document(path))
    assert _spans(streamed) == _spans(whole)
    assert len(_spans(streamed)) == len(
        {s["traceId"] for s in (e["scopeSpans"][0]["spans"][0] for e in entries)}
    )


@pytest.mark.usefixtures("stream_everything")
def test_invalid_json_keeps_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"resourceSpans": [\n{"resource": {}, "scopeSpans": []},\n{"resource": }\n]}')
    with pytest.raises(TraceFormatError, match=r"line 3, column"):
        list(_reader.read_traces(path))


@pytest.mark.usefixtures("stream_everything")
def test_invalid_json_in_a_huge_document_names_the_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_reader, "REPARSE_FOR_ERROR_BYTES", 0)
    path = tmp_path / "bad.json"
    path.write_text('{"resourceSpans": [\n{"resource": {}, "scopeSpans": []},\n{"resource": }]}')
    with pytest.raises(TraceFormatError, match=r"bad\.json.*after resourceSpans\[0\].*invalid JSON"):
        list(_reader.read_traces(path))
