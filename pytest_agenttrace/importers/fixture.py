"""Re-import of fixture files (``*.trace.json``): re-redact a fixture and write it again.

Useful after tightening the redaction rules, or to bring a hand-edited recording back into the canonical
layout. The recording (input, steps, output) is read back as an :class:`ImportedFixture`, which also
carries the original document, so that the pipeline keeps the fixture's id, its ``source`` (the export it
first came from) and, on ``--force``, what people wrote into it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..errors import FixtureError
from ..model import FORMAT_NAME
from ..store import parse_json, validate_data
from ..store.load import check_version
from .base import ImportedTrace, ImportOptions, TraceProblem


@dataclass
class ImportedFixture(ImportedTrace):
    """A trace read back from a fixture file, with the document it came from."""

    document: dict[str, Any] = field(default_factory=dict)


class FixtureImporter:
    """Reads one fixture file; see the module docstring."""

    name: ClassVar[str] = "fixture"

    def sniff(self, head: bytes, path: Path) -> bool:
        return FORMAT_NAME.encode() in head or path.name.endswith(".trace.json")

    def iter_traces(self, path: Path, options: ImportOptions) -> Iterator[ImportedTrace | TraceProblem]:
        try:
            raw = path.read_bytes()
            if not raw.strip():
                yield TraceProblem("empty file")
                return
            document = check_version(parse_json(raw, path), path)
            fixture = validate_data(document, path)
        except FixtureError as exc:
            yield TraceProblem(exc.detail, where=exc.where)
            return
        data = fixture.to_data()
        source = data.get("source") or {}
        trace = ImportedFixture(
            trace_id=str(source.get("trace_id") or fixture.id),
            format=str(source.get("format") or self.name),
            steps=list(data.get("steps") or []),
            name=fixture.id,
            document=data,
        )
        trace.failed = any("error" in step for step in trace.steps)
        trace.attributes = dict(source.get("attributes") or {})
        if "input" in data:
            trace.input, trace.has_input = data["input"], True
        if "output" in data:
            trace.output, trace.has_output = data["output"], True
        yield trace
