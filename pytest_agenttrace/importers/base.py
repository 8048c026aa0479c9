"""What every importer hands to the import pipeline, and what the pipeline hands to every importer.

An importer turns the records of one source format into :class:`ImportedTrace` values, one per trace, each
holding the run as JSON-ready step dicts in the fixture format (see ``pytest_agenttrace.model.steps``).
Steps stay plain dicts on this path on purpose: a large export has millions of spans, and building a
pydantic model per span would cost more than parsing the file. The pipeline validates each finished
fixture once, which catches any step an importer built wrongly.

Importers are generators so that a large export is streamed: a trace is yielded as soon as it is complete
and its records can be dropped. A trace that cannot be converted is yielded as a :class:`TraceProblem`, so
that the good traces of the same file still import.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Final, Protocol

from ..model import StepKind

#: A step in the fixture format, as a JSON-ready dict (``{"kind": "tool", "id": ..., "name": ...}``).
StepData = dict[str, Any]

#: Trace attribute listing the parent span ids that the trace's spans name but the export does not hold
#: (a partial trace: its root lives in another service, or was never exported); the import says so.
MISSING_PARENTS_ATTRIBUTE: Final = "agenttrace.missing_parents"


@dataclass
class ImportedTrace:
    """One run read from an export, ready to become a fixture."""

    trace_id: str
    format: str
    steps: list[StepData]
    input: Any = None
    output: Any = None
    name: str | None = None
    failed: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    has_input: bool = False
    has_output: bool = False


@dataclass
class TraceProblem:
    """A trace (or a part of the file) that could not be imported, and where."""

    message: str
    trace_id: str | None = None
    where: str | None = None


@dataclass(frozen=True)
class MappingRule:
    """Maps spans that no convention names (approvals, memory, planning) to a step kind.

    ``name`` is a glob on the span or run name (case-insensitive); ``attribute`` names an attribute that must
    be present, optionally with ``value``. A rule matches when every condition it gives holds.
    """

    kind: StepKind
    name: str | None = None
    attribute: str | None = None
    value: Any = None

    def matches(self, span_name: str | None, attributes: Mapping[str, Any]) -> bool:
        if self.name is not None and not fnmatch.fnmatch((span_name or "").lower(), self.name.lower()):
            return False
        if self.attribute is not None:
            if self.attribute not in attributes:
                return False
            if self.value is not None and attributes[self.attribute] != self.value:
                return False
        return self.name is not None or self.attribute is not None


@dataclass(frozen=True)
class ImportOptions:
    """Settings that shape how an importer reads a file."""

    rules: tuple[MappingRule, ...] = ()
    logs: tuple[Path, ...] = ()

    def kind_for(self, span_name: str | None, attributes: Mapping[str, Any]) -> StepKind | None:
        """The step kind a user or default mapping rule gives this span, if any."""
        for rule in self.rules:
            if rule.matches(span_name, attributes):
                return rule.kind
        return None


class Importer(Protocol):
    """A source format. Registered by ``name`` in ``pytest_agenttrace.importers``."""

    name: ClassVar[str]

    def sniff(self, head: bytes, path: Path) -> bool:
        """Cheap detection from the first bytes of the file (up to 64 KiB) and its name."""
        ...

    def iter_traces(self, path: Path, options: ImportOptions) -> Iterator[ImportedTrace | TraceProblem]:
        """Yield every trace in the file, streaming where the format allows."""
        ...
