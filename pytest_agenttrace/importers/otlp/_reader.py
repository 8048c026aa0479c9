"""Read an OTLP export file and hand out its spans one trace at a time.

Memory stays bounded by the largest trace, not by the file, for JSONL (one ``ExportTraceServiceRequest``
per line, what the Collector's file exporter writes). A batching exporter splits one trace across lines, so
a trace is complete only after the *last* line that mentions it. The reader therefore makes two passes:

1. scan every line for trace ids with a byte-level regex (no JSON parsing, so this pass is cheap) and
   remember, per trace id, the index of the last line that holds it;
2. parse the lines again, collect spans per trace, and hand a trace out as soon as its last line is done.

A single JSON document larger than :data:`STREAM_DOCUMENT_BYTES` is read incrementally with ijson (its
yajl C backend), one ``resourceSpans`` entry at a time, in the same two passes: parsing it whole costs 7 to
9 times its size in memory (860 MB for a 100 MB export), streaming costs one entry (one exporter batch) plus
the traces still open. Smaller documents, the console exporter's concatenated span objects, and any
document when ijson is not installed are parsed whole, which also gives invalid JSON its exact line and
column. Gzip input is recognised by its magic bytes and read transparently.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from ...errors import TraceFormatError
from .. import _common
from .._passes import ends_at
from ..base import TraceProblem
from ._decode import (
    BadRecord,
    DecodeError,
    Span,
    _get,
    decode_console_spans,
    decode_resource_spans,
    decode_traces_request,
    is_console_spans,
    is_logs_request,
    is_traces_request,
    normalize_id,
)
from ._json import JsonError, iter_concatenated, loads

#: A single JSON document larger than this is refused: it would have to be held in memory whole.
MAX_DOCUMENT_BYTES: Final = 512 * 1024 * 1024
#: One JSONL line (one export request) larger than this is refused.
MAX_LINE_BYTES: Final = 256 * 1024 * 1024
#: A trace with more spans than this is refused rather than exhausting memory.
MAX_SPANS_PER_TRACE: Final = 500_000

#: A single JSON document larger than this (on disk; gzip counts 8 times) is streamed when ijson is installed.
STREAM_DOCUMENT_BYTES: Final = 8 * 1024 * 1024
#: Invalid JSON in a streamed document up to this size is parsed again whole, for its line and column.
REPARSE_FOR_ERROR_BYTES: Final = 64 * 1024 * 1024

_ijson: Any
try:  # pragma: no cover - exercised in whichever environment runs the tests
    _ijson = importlib.import_module("ijson")  # no type stubs: typed as Any
except ImportError:  # pragma: no cover
    _ijson = None

_TRACE_ID_RE: Final = re.compile(rb'"(?:traceId|trace_id)"\s*:\s*"([^"\\]{1,100})"')
_GZIP_MAGIC: Final = b"\x1f\x8b"
_JSONL_SUFFIXES: Final = (".jsonl", ".ndjson")


@dataclass
class TraceSpans:
    """All the spans of one trace, and the records of it that could not be decoded."""

    trace_id: str
    spans: list[Span] = field(default_factory=list)
    bad: list[BadRecord] = field(default_factory=list)
    where: str | None = None

    def add(self, record: Span | BadRecord) -> None:
        if isinstance(record, BadRecord):
            self.bad.append(record)
        elif len(self.spans) >= MAX_SPANS_PER_TRACE:
            if not self.bad:
                self.bad.append(
                    BadRecord(f"more than {MAX_SPANS_PER_TRACE:,} spans in one trace", record.where)
                )
        else:
            record.order = len(self.spans)
            self.spans.append(record)


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip (told by its magic bytes, not its name)."""
    return _common.open_binary(path)


def _logical_name(path: Path) -> str:
    name = path.name.lower()
    return name[:-3] if name.endswith(".gz") else name


def _is_jsonl(path: Path) -> bool:
    """JSONL by name, or because the first line is a complete object (a pretty-printed file starts with ``{``)."""
    if _logical_name(path).endswith(_JSONL_SUFFIXES):
        return True
    try:
        with open_binary(path) as stream:
            for line in stream:
                stripped = line.strip()
                if stripped:
                    return stripped.startswith(b"{") and stripped.endswith(b"}")
                # skip leading blank lines
    except (OSError, EOFError) as exc:
        raise TraceFormatError(f"cannot read the file: {exc}", path=str(path)) from None
    return False


def read_traces(path: Path) -> Iterator[TraceSpans | TraceProblem]:
    """Every trace of an OTLP traces export, streamed where the file allows."""
    if _is_jsonl(path):
        yield from _read_jsonl(path)
    else:
        yield from _read_document(path)


def _ids_in(line: bytes) -> list[str]:
    ids: list[str] = []
    for match in _TRACE_ID_RE.finditer(line):
        try:
            trace_id = normalize_id(match.group(1).decode("ascii", "replace"), 16)
        except DecodeError:
            continue
        if trace_id is not None and trace_id not in ids:
            ids.append(trace_id)
    return ids


def _decode_doc(doc: Any, where: str) -> Iterator[Span | BadRecord]:
    if is_traces_request(doc):
        return decode_traces_request(doc, where)
    if is_console_spans(doc):
        return decode_console_spans(doc, where)
    if is_logs_request(doc):
        raise DecodeError("this is an OTLP logs document, not traces; give it as a logs file (--logs)")
    raise DecodeError("not an OTLP traces document (no resourceSpans) nor console-exporter spans")


def _read_jsonl(path: Path) -> Iterator[TraceSpans | TraceProblem]:
    # Pass 1: where each trace ends.
    last_line: dict[str, int] = {}
    try:
        with open_binary(path) as stream:
            for index, line in enumerate(stream):
                for trace_id in _ids_in(line):
                    last_line[trace_id] = index
    except (OSError, EOFError) as exc:
        raise TraceFormatError(f"cannot read the file: {exc}", path=str(path)) from None
    ends = ends_at(last_line)
    del last_line

    # Pass 2: collect and hand out.
    open_traces: dict[str, TraceSpans] = {}
    broken: dict[str, TraceProblem] = {}
    seen_content = False
    try:
        with open_binary(path) as stream:
            for index, line in enumerate(stream):
                number = index + 1
                if line.strip():
                    first = not seen_content
                    seen_content = True
                    problem, orphans = _read_line(path, line, number, first, open_traces)
                    yield from orphans
                    if problem is not None:
                        ids = _ids_in(line)
                        if not ids:
                            yield problem
                        for trace_id in ids:
                            broken.setdefault(
                                trace_id, TraceProblem(problem.message, trace_id, problem.where)
                            )
                for trace_id in ends.pop(index, ()):
                    yield from _finish(trace_id, open_traces, broken)
    except (OSError, EOFError) as exc:  # a truncated gzip stream ends here
        raise TraceFormatError(f"cannot read the file: {exc}", path=str(path)) from None
    if not seen_content:
        raise TraceFormatError("the file is empty", path=str(path))
    # Traces whose ids pass 1 could not see (escaped keys) end with the file.
    for trace_id in list(open_traces) + [t for t in broken if t not in open_traces]:
        yield from _finish(trace_id, open_traces, broken)


def _read_line(
    path: Path, line: bytes, number: int, first: bool, open_traces: dict[str, TraceSpans]
) -> tuple[TraceProblem | None, list[TraceProblem]]:
    """Parse one line into ``open_traces``.

    Returns the problem that makes the whole line unusable (fatal on the first line, where it means the
    file is not what it claims), and the problems of single records that belong to no readable trace.
    """
    where = f"line {number}"
    if len(line) > MAX_LINE_BYTES:
        message = f"line is larger than {MAX_LINE_BYTES // (1024 * 1024)} MiB"
        if first:
            raise TraceFormatError(message, path=str(path), where=where)
        return TraceProblem(message, where=where), []
    try:
        doc = loads(line)
        records = list(_decode_doc(doc, where))
    except JsonError as exc:
        column = f", column {exc.column}" if exc.column is not None else ""
        message = f"invalid JSON: {exc}"
        if first:
            raise TraceFormatError(message, path=str(path), where=f"{where}{column}") from None
        return TraceProblem(message, where=f"{where}{column}"), []
    except DecodeError as exc:
        if first:
            raise TraceFormatError(str(exc), path=str(path), where=where) from None
        return TraceProblem(str(exc), where=where), []
    orphans: list[TraceProblem] = []
    for record in records:
        if record.trace_id is None:
            if isinstance(record, BadRecord):
                orphans.append(TraceProblem(record.message, where=record.where))
            continue
        trace = open_traces.get(record.trace_id)
        if trace is None:
            trace = open_traces[record.trace_id] = TraceSpans(record.trace_id, where=where)
        trace.add(record)
    return None, orphans


def _finish(
    trace_id: str, open_traces: dict[str, TraceSpans], broken: dict[str, TraceProblem]
) -> Iterator[TraceSpans | TraceProblem]:
    trace = open_traces.pop(trace_id, None)
    problem = broken.pop(trace_id, None)
    if problem is not None:
        yield problem
    elif trace is not None:
        yield trace


def _read_document(path: Path) -> Iterator[TraceSpans | TraceProblem]:
    if _ijson is not None:
        try:
            size = path.stat().st_size
            with path.open("rb") as probe:
                gzipped = probe.read(2) == _GZIP_MAGIC
        except OSError as exc:
            raise TraceFormatError(f"cannot read the file: {exc.strerror or exc}", path=str(path)) from None
        if size * (8 if gzipped else 1) > STREAM_DOCUMENT_BYTES:
            prefix = _stream_prefix(path)
            if prefix is not None:
                yield from _stream_document(path, prefix, size)
                return
    yield from _read_whole_document(path)


def _stream_prefix(path: Path) -> str | None:
    """The ijson path of the ``resourceSpans`` entries, or None when the document does not start as one."""
    try:
        with open_binary(path) as stream:
            head = stream.read(1 << 16)
    except (OSError, EOFError) as exc:
        raise TraceFormatError(f"cannot read the file: {exc}", path=str(path)) from None
    match = re.match(rb'\s*\{\s*"(resourceSpans|resource_spans)"\s*:', head)
    return None if match is None else match.group(1).decode() + ".item"


def _entries(path: Path, prefix: str) -> Iterator[Any]:
    with open_binary(path) as stream:
        yield from _ijson.items(stream, prefix, use_float=True)


def _entry_trace_ids(entry: Any) -> set[str]:
    """The trace ids of one ``resourceSpans`` entry's spans (what pass 1 needs; nothing is decoded)."""
    ids: set[str] = set()
    if not isinstance(entry, dict):
        return ids
    scopes = _get(entry, "scopeSpans")
    if scopes is None:
        scopes = _get(entry, "instrumentationLibrarySpans")
    for scope in scopes if isinstance(scopes, list) else ():
        spans = scope.get("spans") if isinstance(scope, dict) else None
        for span in spans if isinstance(spans, list) else ():
            if isinstance(span, dict):
                try:
                    trace_id = normalize_id(_get(span, "traceId"), 16)
                except DecodeError:
                    continue
                if trace_id is not None:
                    ids.add(trace_id)
    return ids


def _stream_document(path: Path, prefix: str, size: int) -> Iterator[TraceSpans | TraceProblem]:
    """A big ``ExportTraceServiceRequest``, one ``resourceSpans`` entry at a time, in two passes."""
    from .._common import ExportError, check_nesting

    try:
        check_nesting(path)
    except ExportError as exc:
        raise TraceFormatError(str(exc), path=str(path)) from None
    # Pass 1: the last entry that holds each trace.
    last_entry: dict[str, int] = {}
    count = 0
    try:
        for index, entry in enumerate(_entries(path, prefix)):
            for trace_id in _entry_trace_ids(entry):
                last_entry[trace_id] = index
            count = index + 1
    except (OSError, EOFError) as exc:
        raise TraceFormatError(f"cannot read the file: {exc}", path=str(path)) from None
    except _ijson.JSONError as exc:
        if size <= REPARSE_FOR_ERROR_BYTES:  # the whole parse reports the exact line and column
            yield from _read_whole_document(path)
            return
        detail = str(exc).splitlines()[0] if str(exc) else "invalid JSON"
        where = f"after resourceSpans[{count - 1}]" if count else None
        raise TraceFormatError(f"invalid JSON: {detail}", path=str(path), where=where) from None
    ends = ends_at(last_entry)
    del last_entry

    # Pass 2: decode, collect, and hand each trace out after its last entry.
    traces: dict[str, TraceSpans] = {}
    try:
        for index, entry in enumerate(_entries(path, prefix)):
            for record in decode_resource_spans(entry, f"resourceSpans[{index}]"):
                if record.trace_id is None:
                    assert isinstance(record, BadRecord)
                    yield TraceProblem(record.message, where=record.where)
                    continue
                trace = traces.get(record.trace_id)
                if trace is None:
                    trace = traces[record.trace_id] = TraceSpans(record.trace_id)
                trace.add(record)
            for trace_id in ends.pop(index, ()):
                finished = traces.pop(trace_id, None)
                if finished is not None:
                    yield finished
    except (OSError, EOFError) as exc:
        raise TraceFormatError(f"cannot read the file: {exc}", path=str(path)) from None
    except _ijson.JSONError as exc:  # the file changed between the passes
        raise TraceFormatError(f"invalid JSON: {exc}", path=str(path)) from None
    while traces:  # ids pass 1 could not read (a BadRecord's trace) end with the file
        yield traces.pop(next(iter(traces)))


def _read_whole_document(path: Path) -> Iterator[TraceSpans | TraceProblem]:
    try:
        with open_binary(path) as stream:
            data = stream.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise TraceFormatError(f"cannot read the file: {exc}", path=str(path)) from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise TraceFormatError(
            f"a single JSON document larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB cannot be read; "
            "export it as JSONL (one request per line)",
            path=str(path),
        )
    if not data.strip():
        raise TraceFormatError("the file is empty", path=str(path))
    docs: list[Any]
    try:
        docs = [loads(data)]
    except JsonError as exc:
        docs = _concatenated(path, data, exc)
    del data
    traces: dict[str, TraceSpans] = {}
    for index, doc in enumerate(docs):
        where = f"document {index + 1}" if len(docs) > 1 else ""
        try:
            records = list(_decode_doc(doc, where))
        except DecodeError as exc:
            raise TraceFormatError(str(exc), path=str(path), where=where or None) from None
        for record in records:
            if record.trace_id is None:
                assert isinstance(record, BadRecord)
                yield TraceProblem(record.message, where=record.where)
                continue
            trace = traces.get(record.trace_id)
            if trace is None:
                trace = traces[record.trace_id] = TraceSpans(record.trace_id)
            trace.add(record)
    del docs
    while traces:
        yield traces.pop(next(iter(traces)))


def _concatenated(path: Path, data: bytes, error: JsonError) -> list[Any]:
    """Console-exporter output: span objects printed one after another; else the original error."""
    if "extra data" in str(error).lower() or "trailing" in str(error).lower():
        try:
            return iter_concatenated(data.decode("utf-8"))
        except (JsonError, UnicodeDecodeError):
            pass
    raise TraceFormatError(f"invalid JSON: {error}", path=str(path), where=error.where) from None
