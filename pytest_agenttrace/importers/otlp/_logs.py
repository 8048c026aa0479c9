"""OTLP log files with GenAI events, joined to their spans by trace and span id.

The GenAI conventions up to 1.30 put message content in log records, not on spans (one record per
message and per choice); later ones can emit one ``gen_ai.client.inference.operation.details`` record per
call. Either way the importer attaches each record to its span as a :class:`SpanEvent` marked
``from_log``, and the conventions read it like a span event. Records of a trace that no step can use
(without a span id, or not a GenAI event) are kept for that trace's ``source.attributes``
(``otel.other_logs``), so that importing loses nothing; only records with no trace id at all, which
belong to no fixture, are left out. A record repeated verbatim (same event, time and content) is kept once.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...errors import TraceFormatError
from ._decode import DecodeError, LogRecord, SpanEvent, decode_logs_request
from ._json import JsonError, dumps, loads
from ._reader import open_binary

SpanKey = tuple[str, str]


class LogIndex:
    """GenAI log records by (trace id, span id), in file order."""

    def __init__(self) -> None:
        self._records: dict[SpanKey, list[SpanEvent]] = {}
        self._other: dict[str, list[dict[str, Any]]] = {}  # trace id -> records no step can use
        self._seen: set[tuple[SpanKey | str, str | None, int | None, str]] = set()

    def __bool__(self) -> bool:
        return bool(self._records or self._other)

    def add(self, record: LogRecord) -> None:
        if record.trace_id is None:
            return
        if record.span_id is None or not (record.event_name or "").startswith("gen_ai."):
            self._keep_other(record)
            return
        attributes: dict[str, Any] = dict(record.attributes)
        if isinstance(record.body, dict):
            attributes.update(record.body)
        elif record.body is not None:
            attributes["body"] = record.body
        key = (record.trace_id, record.span_id)
        fingerprint = (key, record.event_name, record.time_ns, dumps(attributes))
        if fingerprint in self._seen:
            return
        self._seen.add(fingerprint)
        event = SpanEvent(record.event_name or "", record.time_ns, attributes, from_log=True)
        self._records.setdefault(key, []).append(event)

    def _keep_other(self, record: LogRecord) -> None:
        assert record.trace_id is not None
        data: dict[str, Any] = {}
        if record.event_name:
            data["event"] = record.event_name
        if record.span_id is not None:
            data["span_id"] = record.span_id
        if record.time_ns is not None:
            data["time_unix_nano"] = str(record.time_ns)
        if record.body is not None:
            data["body"] = record.body
        if record.attributes:
            data["attributes"] = dict(record.attributes)
        fingerprint = (record.trace_id, record.event_name, record.time_ns, dumps(data))
        if fingerprint in self._seen:
            return
        self._seen.add(fingerprint)
        self._other.setdefault(record.trace_id, []).append(data)

    def events_for(self, trace_id: str, span_id: str) -> list[SpanEvent]:
        return self._records.get((trace_id, span_id), [])

    def other_for(self, trace_id: str) -> list[dict[str, Any]]:
        """The trace's log records that no step can use, as recorded (for ``source.attributes``)."""
        return self._other.get(trace_id, [])


def load_logs(paths: Iterable[Path]) -> LogIndex:
    """Read every logs file (OTLP/JSON, JSONL, gzip) into one index; a file that cannot be read is fatal."""
    index = LogIndex()
    for path in paths:
        for doc, where in _documents(path):
            try:
                for record in decode_logs_request(doc):
                    index.add(record)
            except DecodeError as exc:
                raise TraceFormatError(str(exc), path=str(path), where=where) from None
    return index


def _documents(path: Path) -> Iterable[tuple[Any, str | None]]:
    try:
        with open_binary(path) as stream:
            data = stream.read()
    except (OSError, EOFError) as exc:
        raise TraceFormatError(f"cannot read the logs file: {exc}", path=str(path)) from None
    try:
        yield loads(data), None
        return
    except JsonError as whole_error:
        error = whole_error
    lines = data.splitlines()
    if len(lines) < 2:
        raise TraceFormatError(f"invalid JSON: {error}", path=str(path), where=error.where)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield loads(line), f"line {number}"
        except JsonError as exc:
            column = f", column {exc.column}" if exc.column is not None else ""
            raise TraceFormatError(
                f"invalid JSON: {exc}", path=str(path), where=f"line {number}{column}"
            ) from None
