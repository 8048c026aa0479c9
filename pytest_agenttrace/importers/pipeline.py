"""The import pipeline: export file -> importer -> filters -> redaction -> fixture -> file.

It consumes an importer's generator one trace at a time, so memory is bounded by what the importer holds,
and it turns each trace into exactly one outcome: a fixture written, a trace skipped by a filter, or a
trace that failed with a one-line error naming the file and the place. A trace that fails writes nothing
(files are written atomically, never half), while the good traces of the same file still import.

Re-importing onto an existing fixture (``force``) replaces the recording (``source``, ``input``,
``steps``, ``output``, ``totals``) and keeps what people wrote into the file (``status``, ``reason``,
``links``, ``expect``, ``stubs``); ``reset`` starts from a clean fixture. Nothing in the output depends on
the clock or on chance, so importing the same export twice gives byte-identical files.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import ValidationError

from .._version import __version__
from ..errors import FixtureError, FixtureExistsError, TraceFormatError
from ..model import FORMAT_NAME, FORMAT_VERSION, Fixture, ModelStep, Status, compute_totals
from ..redact import RedactSettings, redact_document, redact_text
from ..store import SUFFIX, atomic_write, discover, dump_fixture, fixture_path, load_fixture
from ..store.load import model_errors
from ._common import read_head
from .base import MISSING_PARENTS_ATTRIBUTE, ImportedTrace, Importer, ImportOptions, TraceProblem
from .fixture import ImportedFixture
from .naming import fixture_id
from .registry import detect, format_names, get_importer

#: The status of a fixture nobody has triaged yet.
DEFAULT_STATUS: Final = "regression"
#: ``source.format`` and ``source.trace_id`` as the store writes them, near the top of every fixture file.
_SOURCE_IDS = re.compile(
    rb'"source"\s*:\s*\{\s*"format"\s*:\s*"((?:[^"\\]|\\.)*)"\s*,\s*"trace_id"\s*:\s*"((?:[^"\\]|\\.)*)"'
)
_HEAD_BYTES = 8192

#: What people write into a fixture; a re-import with ``force`` keeps these.
HUMAN_FIELDS = ("status", "reason", "links", "expect", "stubs")
#: Fixture files being written at once. Each write ends with an fsync, which waits for the disk (about
#: 5 ms here, longer than reading and normalising a typical trace) without holding the GIL, so a few
#: writer threads hide it behind the next traces' work; the outcomes still come out in trace order.
WRITERS = 4


@dataclass(frozen=True)
class ImportSettings:
    """Everything one import is asked to do (the command line's options, resolved)."""

    out_dir: Path
    format: str | None = None
    trace_ids: tuple[str, ...] = ()
    failed_only: bool = False
    all: bool = False
    name: str | None = None
    status: Status | None = None
    force: bool = False
    reset: bool = False
    redact: bool = True
    redact_settings: RedactSettings | None = None
    options: ImportOptions = field(default_factory=ImportOptions)
    #: ``[tool.agenttrace.prices]`` over the defaults (a ``checks.prices.PriceTable``; None: the defaults),
    #: for the estimated cost of model calls whose source recorded none.
    prices: Any = None


@dataclass
class Outcome:
    """What became of one trace."""

    action: Literal["written", "failed"]
    message: str
    trace_id: str | None = None
    path: Path | None = None
    fixture: Fixture | None = None
    kept: tuple[str, ...] = ()
    replaced: bool = False


@dataclass
class Summary:
    """Counts over one file, for the summary line and the exit code."""

    path: Path
    format: str = ""
    traces: int = 0
    written: int = 0
    merged: int = 0
    failed: int = 0
    skipped: int = 0
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.missing


def resolve_importer(path: Path, name: str | None) -> Importer:
    """The importer named by ``--format``, or the one that recognises the file."""
    if not path.exists():
        raise TraceFormatError("no such file", path=str(path))
    if path.is_dir():
        raise TraceFormatError("is a folder, not an export file", path=str(path))
    if name is not None:
        return get_importer(name)
    try:
        head = read_head(path)
    except OSError as exc:
        raise TraceFormatError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    if not head.strip():
        raise TraceFormatError("empty file", path=str(path))
    importer = detect(head, path)
    if importer is None and is_logs_export(path, head):
        raise TraceFormatError(
            "this is an OTLP logs export, not spans; give the spans export it belongs to and this file "
            "after it or with --logs (import-trace SPANS.json --logs LOGS.json)",
            path=str(path),
        )
    if importer is None:
        raise TraceFormatError(
            f"not a trace export this tool recognises (formats: {', '.join(format_names())}); "
            "name the format with --format",
            path=str(path),
        )
    return importer


def is_logs_export(path: Path, head: bytes | None = None) -> bool:
    """Whether ``path`` is an OTLP *logs* export (joined to spans with ``--logs``), told by its first bytes."""
    from .otlp import sniff_logs

    if head is None:
        try:
            head = read_head(path)
        except OSError:
            return False
    return sniff_logs(head, path)


class ImportRun:
    """One file's import: iterate it for the outcomes, then read ``summary``.

    ``on_trace`` is called for every trace read (filtered or not), for a progress display.
    """

    def __init__(
        self,
        path: Path,
        settings: ImportSettings,
        *,
        on_trace: Callable[[], None] | None = None,
    ) -> None:
        self.path = path
        self.settings = settings
        self.importer = resolve_importer(path, settings.format)
        self.summary = Summary(path=path, format=self.importer.name)
        self._on_trace = on_trace
        self._taken: set[str] = set()
        self._pool: ThreadPoolExecutor | None = None
        self._by_trace: dict[tuple[str, str], Path] | None = None

    # ------------------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Outcome]:
        pending: deque[Outcome | _Pending] = deque()
        with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="agenttrace-write") as pool:
            self._pool = pool
            try:
                for outcome in self._outcomes():
                    pending.append(outcome)
                    # in order: hand out what is finished, and never hold more than a few writes
                    while pending and (len(pending) > 2 * WRITERS or _done(pending[0])):
                        yield self._settle(pending.popleft())
                while pending:
                    yield self._settle(pending.popleft())
            finally:
                self._pool = None

    def _settle(self, item: Outcome | _Pending) -> Outcome:
        """The outcome of a trace, once its file is written (or failed to be)."""
        if isinstance(item, Outcome):
            return item
        try:
            item.future.result()
        except FixtureExistsError:
            return self._fail(item.trace, f"{item.target} already exists (use --force)")
        except OSError as exc:
            return self._fail(item.trace, f"cannot write {item.target}: {exc.strerror or exc}")
        self.summary.written += 1
        if item.outcome.replaced and item.merged:
            self.summary.merged += 1
        return item.outcome

    def _outcomes(self) -> Iterator[Outcome | _Pending]:
        settings = self.settings
        # ids are compared case-insensitively: hex ids are printed in either case (W3C traceparent is
        # lowercase, some UIs and logs show them in uppercase), and no format tells two ids apart by case
        spelled = {trace_id.lower(): trace_id for trace_id in settings.trace_ids}
        wanted = set(spelled)
        found: set[str] = set()
        held: tuple[ImportedTrace, str] | None = None  # --name: the one selected trace, written at the end
        selected = 0
        for item in self.importer.iter_traces(self.path, settings.options):
            if self._on_trace is not None:
                self._on_trace()
            if isinstance(item, TraceProblem):
                self.summary.failed += 1
                yield Outcome("failed", self._problem_line(item), trace_id=item.trace_id)
                continue
            self.summary.traces += 1
            if wanted and item.trace_id.lower() not in wanted:
                self.summary.skipped += 1
                continue
            found.add(item.trace_id.lower())
            if settings.failed_only and not item.failed:
                self.summary.skipped += 1
                continue
            selected += 1
            if settings.name is not None:
                if held is None:
                    held = (item, settings.name)
                continue
            yield self._import_one(item, self._choose_id(item))
        if settings.name is not None and held is not None:
            if selected > 1:
                self.summary.failed += 1
                yield Outcome(
                    "failed",
                    f"{self.path}: --name names one fixture, but {selected} traces were selected; "
                    "pick one with --trace-id",
                )
            else:
                yield self._import_one(*held)
        self.summary.missing = sorted(spelled[trace_id] for trace_id in wanted - found)
        for trace_id in self.summary.missing:
            yield Outcome(
                "failed", f"{self.path}: trace {trace_id}: not found in the export", trace_id=trace_id
            )

    # ------------------------------------------------------------------------------------------------
    def _problem_line(self, problem: TraceProblem) -> str:
        where = problem.where or ""
        if problem.trace_id and problem.trace_id not in where:
            where = f"trace {problem.trace_id}" + (f", {where}" if where else "")
        return f"{self.path}: {where}: {problem.message}" if where else f"{self.path}: {problem.message}"

    def _choose_id(self, trace: ImportedTrace) -> str:
        # the id is the file name and the test id: made from the redacted name, so that a trace named
        # after a customer's e-mail (or holding a token) does not put it into either
        name = trace.name
        if name and self.settings.redact:
            name = redact_text(name, self.settings.redact_settings)
        if isinstance(trace, ImportedFixture) and name and name == trace.name and name not in self._taken:
            chosen = name
        else:
            chosen = fixture_id(name, trace.trace_id, self._taken)
        self._taken.add(chosen)
        return chosen

    def _existing(self, trace: ImportedTrace) -> Path | None:
        """The fixture already recorded from this trace anywhere under the output folder (the file may
        have been renamed or moved since), found by its ``source.format`` and ``source.trace_id``."""
        if self._by_trace is None:
            self._by_trace = {}
            folder = self.settings.out_dir
            for path in discover([folder]) if folder.is_dir() else []:
                ids = _source_ids(path)
                if ids is not None:
                    self._by_trace.setdefault(ids, path)
        return self._by_trace.get((trace.format, trace.trace_id))

    def _fail(self, trace: ImportedTrace, message: str) -> Outcome:
        self.summary.failed += 1
        return Outcome("failed", f"{self.path}: trace {trace.trace_id}: {message}", trace_id=trace.trace_id)

    def _import_one(self, trace: ImportedTrace, fixture_id_: str) -> Outcome | _Pending:
        settings = self.settings
        target = fixture_path(settings.out_dir, fixture_id_)
        overwrite = settings.force or settings.reset
        renamed = False
        if not target.exists() and settings.name is None and not isinstance(trace, ImportedFixture):
            found = self._existing(trace)
            if found is not None:  # re-import onto the fixture under the name people gave it
                target, renamed = found, True
                fixture_id_ = found.name.removesuffix(SUFFIX)

        human: dict[str, Any] = {}
        if isinstance(trace, ImportedFixture) and not settings.reset:
            human = {key: trace.document[key] for key in HUMAN_FIELDS if key in trace.document}
        existed = target.exists()
        if existed and not overwrite:
            return self._fail(
                trace,
                f"{target} already exists (--force replaces the recording and keeps "
                "status, reason, links, expect and stubs; --reset starts clean)",
            )
        if existed and not settings.reset:
            try:
                current = load_fixture(target).to_data()
            except FixtureError as exc:
                return self._fail(
                    trace,
                    f"cannot keep what people wrote in {target} ({exc.detail}); use --reset to replace it",
                )
            human.update({key: current[key] for key in HUMAN_FIELDS if key in current})
            if renamed and isinstance(current.get("id"), str):
                fixture_id_ = current["id"]
        if settings.status is not None:
            human["status"] = settings.status
        # "kept status" only for a status someone chose: --status was not given and the old one is not
        # the default, which a fresh import would have written anyway
        kept = tuple(
            key
            for key in HUMAN_FIELDS
            if key in human
            and not (key == "status" and (settings.status or human["status"] == DEFAULT_STATUS))
        )

        document: dict[str, Any] = {
            "schema": {"name": FORMAT_NAME, "version": FORMAT_VERSION},
            "id": fixture_id_,
            "status": human.get("status", DEFAULT_STATUS),
        }
        for key in ("reason", "links"):
            if key in human:
                document[key] = human[key]
        if trace.has_input:
            document["input"] = trace.input
        document["steps"] = trace.steps
        if trace.has_output:
            document["output"] = trace.output
        # the export's file name is data too (`alice@example.com.otlp.json`): it goes through the same
        # redaction as the trace, with the same placeholders, and is taken back out for `source.file`
        original: dict[str, Any] = {}
        if isinstance(trace, ImportedFixture):
            original = trace.document.get("source") or {}
        document["source"] = {"file": original.get("file", self.path.name)}
        if trace.attributes:
            document["source"]["attributes"] = trace.attributes

        redaction: dict[str, Any] = {"enabled": settings.redact}
        if settings.redact:
            result = redact_document(document, settings.redact_settings)
            document = result.document
            counts = dict(sorted(result.counts.items()))
            dropped = result.dropped
            if isinstance(trace, ImportedFixture):  # a re-redaction adds to what the first import did
                before = (trace.document.get("source") or {}).get("redaction") or {}
                for key, value in (before.get("counts") or {}).items():
                    counts[key] = counts.get(key, 0) + value
                counts = dict(sorted(counts.items()))
                dropped += before.get("dropped") or 0
            redaction["counts"] = counts
            redaction["dropped"] = dropped
        redacted_source = document.pop("source")
        attributes = redacted_source.get("attributes")

        source: dict[str, Any] = {
            "format": trace.format,
            "trace_id": trace.trace_id,
            "file": redacted_source["file"],
        }
        if isinstance(trace, ImportedFixture) and "trace_id" not in original:
            source.pop("trace_id")
        source["importer"] = f"pytest-agenttrace {__version__}"
        source["redaction"] = redaction
        if attributes:
            source["attributes"] = attributes
        document["source"] = source
        for key in ("expect", "stubs"):
            if key in human:
                document[key] = human[key]

        try:
            fixture = Fixture.model_validate(document)
        except ValidationError as exc:
            where, message = model_errors(exc, document)[0]
            return self._fail(trace, f"{where}: {message}")
        fixture = _with_estimated_costs(fixture, settings.prices)
        fixture = fixture.model_copy(update={"totals": compute_totals(fixture.steps)})
        try:
            data = dump_fixture(fixture)
        except ValueError as exc:  # NaN or infinity in a recorded value: JSON cannot hold it
            return self._fail(trace, f"cannot be written as JSON ({exc})")
        outcome = Outcome(
            "written",
            "",
            trace_id=trace.trace_id,
            path=target,
            fixture=fixture,
            kept=kept if existed or isinstance(trace, ImportedFixture) else (),
            replaced=existed,
        )
        if self._pool is None:  # called outside iteration: write here
            pending = _Pending(trace, target, outcome, bool(kept), _written(target, data, overwrite))
        else:
            future = self._pool.submit(atomic_write, target, data, force=overwrite)
            pending = _Pending(trace, target, outcome, bool(kept), future)
        return pending


@dataclass
class _Pending:
    """A trace whose fixture file is being written by a writer thread."""

    trace: ImportedTrace
    target: Path
    outcome: Outcome
    merged: bool
    future: Future[None]


def _with_estimated_costs(fixture: Fixture, prices: Any) -> Fixture:
    """Each model call the source gave no cost for, priced from its usage (``estimated: true``).

    A budget on cost then works for every source, and the file says which figures are a guess; a model
    the price table does not know, or a call without token usage, stays without a cost.
    """
    from ..checks.prices import estimate_cost

    steps = list(fixture.steps)
    changed = False
    for index, step in enumerate(steps):
        if isinstance(step, ModelStep) and step.cost is None:
            cost = estimate_cost(step.model, step.usage, prices)
            if cost is not None:
                steps[index] = step.model_copy(update={"cost": cost})
                changed = True
    return fixture.model_copy(update={"steps": steps}) if changed else fixture


def _done(item: Outcome | _Pending) -> bool:
    return isinstance(item, Outcome) or item.future.done()


def _written(target: Path, data: bytes, overwrite: bool) -> Future[None]:
    """Write now, with the result (or the error) held in a finished future."""
    future: Future[None] = Future()
    try:
        atomic_write(target, data, force=overwrite)
    except BaseException as exc:
        future.set_exception(exc)
    else:
        future.set_result(None)
    return future


def describe(outcome: Outcome) -> str:
    """The line printed for a fixture written: path, steps, tool calls, errors, redactions, kept fields."""
    fixture = outcome.fixture
    if fixture is None or outcome.path is None:
        return outcome.message
    totals = fixture.totals
    parts = []
    if totals is not None:
        parts.append(_plural(totals.steps, "step"))
        parts.append(_plural(totals.tool_calls, "tool call"))
        parts.append(_plural(totals.errors, "error"))
    redaction = fixture.source.redaction if fixture.source is not None else None
    if redaction is not None and not redaction.enabled:
        parts.append("NOT redacted")
    elif redaction is not None and redaction.counts:
        detail = ", ".join(f"{key} {value}" for key, value in redaction.counts.items() if value)
        total = sum(redaction.counts.values())
        parts.append(f"redacted {total}" + (f" ({detail})" if detail else ""))
    else:
        parts.append("nothing redacted")
    line = f"{'replaced' if outcome.replaced else 'wrote'} {outcome.path}: " + ", ".join(parts)
    if outcome.kept:
        line += f"; kept {', '.join(outcome.kept)}"
    attributes = fixture.source.attributes if fixture.source is not None else None
    missing = (attributes or {}).get(MISSING_PARENTS_ATTRIBUTE)
    if isinstance(missing, list) and missing:
        ids = ", ".join(str(span_id) for span_id in missing)
        line += f"; partial trace: parent {ids} not in the export (its children are roots)"
    return line


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _source_ids(path: Path) -> tuple[str, str] | None:
    """A fixture file's ``(source.format, source.trace_id)``, read from its head; a file edited by hand
    into another key order is parsed whole. ``None`` for a file that has none or cannot be read."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
            match = _SOURCE_IDS.search(head)
            if match is not None:
                return json.loads(b'"' + match.group(1) + b'"'), json.loads(b'"' + match.group(2) + b'"')
            if b'"trace_id"' not in head and len(head) < _HEAD_BYTES:
                return None
            data = json.loads(head + handle.read())
    except (OSError, ValueError):
        return None
    source = data.get("source") if isinstance(data, dict) else None
    if (
        isinstance(source, dict)
        and isinstance(source.get("format"), str)
        and isinstance(source.get("trace_id"), str)
    ):
        return source["format"], source["trace_id"]
    return None
