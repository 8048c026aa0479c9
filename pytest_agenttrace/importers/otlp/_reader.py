"""Read an OTLP export file and hand out its spans one trace at a time.

Memory stays bounded by the largest trace, not by the file, for JSONL (one ``ExportTraceServiceRequest``
per line, what the Collector's file exporter writes). A batching exporter splits one trace across lines, so
a trace is complete only after the *last* line that mentions it. The reader therefore makes two passes:

1. scan every line for trace ids with a byte-level regex (no JSON parsing, so this pass is cheap) and
   remember, per trace id, the index of the last line that holds it;
2. parse the lines again, collect spans per trace, and hand a trace out as soon as its last line is done.

A single JSON document (or the console exporter's concatenated span objects) is parsed whole; there is no
incremental parser in the standard library, and a single-document export is small in practice. Gzip input
is recognised by its magic bytes and read transparently.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from ...errors import TraceFormatError
from ..base import TraceProblem
from ._decode import (
    BadRecord,
    DecodeError,
    Span,
    decode_console_spans,
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
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]  # GzipFile is a binary IO
    return path.open("rb")


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
    ends: dict[int, list[str]] = {}
    for trace_id, index in last_line.items():
        ends.setdefault(index, []).append(trace_id)
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
