"""OTLP traces (JSON, JSONL, gzip; the console exporter's JSON) with the agent-tracing conventions on top.

One importer reads the OpenTelemetry wire format; the attribute conventions layered on it (GenAI semconv,
OpenInference, Langfuse, OpenLLMetry, pydantic-ai) each have their own module, and every span goes to the
first one that recognises it. GenAI log records given with ``ImportOptions.logs`` are joined to their spans.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Final

from ..base import ImportedTrace, ImportOptions, TraceProblem
from ._build import build_trace
from ._logs import LogIndex, load_logs
from ._reader import read_traces

__all__ = ["OtlpImporter", "sniff_logs"]

_TRACES_MARKERS: Final = (b'"resourceSpans"', b'"resource_spans"')
_LOGS_MARKERS: Final = (b'"resourceLogs"', b'"resource_logs"')
_CONSOLE_SPAN: Final = re.compile(rb'"context"\s*:\s*\{\s*"trace_id"\s*:\s*"0x[0-9a-fA-F]{32}"')


def _text_head(head: bytes) -> bytes:
    """The first bytes as text, inflating a gzip head as far as it goes."""
    if head[:2] == b"\x1f\x8b":
        try:
            return zlib.decompressobj(wbits=31).decompress(head, 1 << 16)
        except zlib.error:
            return b""
    return head


def sniff_logs(head: bytes, path: Path) -> bool:
    """True when the file looks like an OTLP *logs* export (to be joined with ``--logs``)."""
    data = _text_head(head)
    return any(marker in data for marker in _LOGS_MARKERS) and not any(m in data for m in _TRACES_MARKERS)


class OtlpImporter:
    """OTLP/JSON traces: ``resourceSpans`` documents, one per line (JSONL), or console-exporter spans."""

    name: ClassVar[str] = "otlp"

    def sniff(self, head: bytes, path: Path) -> bool:
        data = _text_head(head)
        stripped = data.lstrip()
        if not stripped.startswith((b"{", b"[")):
            return False
        return any(marker in data for marker in _TRACES_MARKERS) or _CONSOLE_SPAN.search(data) is not None

    def iter_traces(self, path: Path, options: ImportOptions) -> Iterator[ImportedTrace | TraceProblem]:
        logs: LogIndex | None = load_logs(options.logs) if options.logs else None
        for item in read_traces(path):
            if isinstance(item, TraceProblem):
                yield item
            else:
                yield build_trace(item, options, logs)
