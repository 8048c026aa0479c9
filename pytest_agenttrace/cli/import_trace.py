"""``agenttrace import-trace EXPORT``: turn a trace export into fixture files.

Thin glue over :mod:`pytest_agenttrace.importers`: it resolves the options against ``[tool.agenttrace]``,
runs the pipeline, and prints one line per fixture written (stdout), one line per failure (stderr) and a
summary. Exit code 0 when every selected trace imported, 2 when any failed or the input is unusable.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..checks.prices import PriceTable
from ..errors import TraceFormatError
from ..importers import (
    ImportRun,
    ImportSettings,
    describe,
    format_names,
    is_logs_export,
    options_from_config,
)
from ..importers.naming import check_id
from ..importers.progress import Progress
from ..model import STATUSES
from ..redact import settings_from_config
from ._common import add_config_option, config_from

_DESCRIPTION = """\
Import a trace export into one fixture file per trace (run). The format is detected from the file's
content, or named with --format. Each trace is redacted (secrets, personal data), normalised into the
fixture format and written atomically to OUT/<id>.trace.json, where <id> is the trace's name plus the end
of its trace id (or --name). An existing fixture is never overwritten without --force.

When the export holds several traces and neither --trace-id nor --all is given, all of them are imported
(the summary says how many); --all only makes that explicit.

Re-importing onto an existing fixture with --force replaces the recording (source, input, steps, output,
totals) and keeps what people wrote into it: status, reason, links, expect and stubs. --reset replaces the
whole file. A fixture file can itself be imported (--format fixture) to re-redact it in place.
"""

_EPILOG = """\
examples:
  agenttrace import-trace runs.json                          every trace in the export
  agenttrace import-trace spans.otlp.jsonl --failed-only     only the traces that failed
  agenttrace import-trace export.json --trace-id ID --name refund-over-limit --status known-bad
  agenttrace import-trace spans.json --logs logs.json        OTLP spans plus their GenAI log events
  agenttrace import-trace spans.jsonl logs.jsonl             the same: the logs file is detected
  agenttrace import-trace fixtures/x.trace.json --force      re-redact a fixture, keeping its expectations

Mapping rules (span name or attribute -> step kind) are read from [tool.agenttrace.import] in
pyproject.toml; see docs/importers.md. Exit codes: 0 every selected trace imported, 2 bad input, a trace
that failed to import, a trace id not found, or a fixture that exists (without --force).
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import-trace",
        help="import a trace export into fixture files",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "export",
        type=Path,
        nargs="+",
        metavar="EXPORT",
        help="the export file: OTLP JSON/JSONL, LangSmith runs, OpenAI Agents SDK trace, or a fixture; "
        "an OTLP spans export may be followed by its OTLP logs export (SPANS LOGS, same as --logs LOGS)",
    )
    select = parser.add_argument_group("which traces")
    select.add_argument(
        "--trace-id",
        dest="trace_ids",
        action="append",
        default=[],
        metavar="ID",
        help="import only this trace (repeatable); an id not found in the export is an error",
    )
    select.add_argument(
        "--failed-only",
        action="store_true",
        help="import only traces that failed: an error status, an exception, a failed tool",
    )
    select.add_argument(
        "--all",
        action="store_true",
        help="import every trace in the export (the default when no --trace-id is given)",
    )
    out = parser.add_argument_group("the fixtures written")
    out.add_argument(
        "--name",
        metavar="ID",
        help="fixture id (and file name) for a single trace; an error if more than one trace is selected",
    )
    out.add_argument(
        "--status",
        choices=STATUSES,
        help="what the fixture stands for (default: regression; on --force the existing status is kept)",
    )
    out.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder to write to (default: the first `fixtures` entry of [tool.agenttrace], else fixtures/)",
    )
    out.add_argument(
        "--force",
        action="store_true",
        help="replace existing fixtures' recordings, keeping status, reason, links, expect and stubs",
    )
    out.add_argument(
        "--reset", action="store_true", help="replace existing fixtures entirely (implies --force)"
    )
    read = parser.add_argument_group("reading the export")
    read.add_argument(
        "--format",
        metavar="NAME",
        help=f"the export's format instead of detecting it: {', '.join(format_names())}",
    )
    read.add_argument(
        "--logs",
        type=Path,
        action="append",
        default=[],
        metavar="LOGS.json",
        help="OTLP logs export whose GenAI events complete the spans (message content); repeatable",
    )
    read.add_argument(
        "--no-redact",
        dest="redact",
        action="store_false",
        help="write values as recorded, secrets included (prints a warning; recorded in the fixture)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print errors only: no progress, no per-fixture lines"
    )
    add_config_option(parser)
    parser.set_defaults(handler=run)


def _error(message: str) -> int:
    print(f"agenttrace import-trace: error: {message}", file=sys.stderr)
    return 2


@contextlib.contextmanager
def _quiet_gc() -> Iterator[None]:
    """Make the cyclic GC cheap for the import loop, which allocates millions of short-lived objects.

    Every trace is parsed, normalised, redacted, validated and dropped, so almost nothing survives, yet
    the default thresholds run a collection every 700 allocations, and each older-generation pass walks
    the tens of thousands of objects the imports created (pydantic's schemas above all). Freezing those
    and collecting the young generation less often measured about 10% of a 50 MB import; memory stays
    bounded (the short-lived cycles are still collected). The settings are put back afterwards, for
    callers of ``main()`` that live on (the tests).
    """
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _split_exports(files: list[Path]) -> tuple[Path, list[Path]] | str:
    """The export and the logs files among the positional files (``SPANS LOGS``), or what is wrong."""
    if len(files) == 1:
        return files[0], []
    if len(files) > 2:
        return (
            "give one export (and at most its OTLP logs export after it); import other exports one at a time"
        )
    for path in files:
        if not path.is_file():
            return f"{path}: no such file"
    logs = [path for path in files if is_logs_export(path)]
    if len(logs) == 1:
        return next(path for path in files if path not in logs), logs
    if not logs:
        return (
            f"two exports given ({files[0]}, {files[1]}); a second file is accepted only when it is the "
            "OTLP logs export of the first; import other exports one at a time"
        )
    return f"{files[0]} and {files[1]} are both OTLP logs exports; give the spans export they belong to"


def run(args: argparse.Namespace) -> int:
    split = _split_exports(args.export)
    if isinstance(split, str):
        return _error(split)
    args.export, extra_logs = split
    args.logs = [*extra_logs, *args.logs]
    if args.name is not None and (problem := check_id(args.name)) is not None:
        return _error(f"--name {args.name!r}: {problem}")
    if args.name is not None and len(args.trace_ids) > 1:
        return _error("--name names one fixture; give at most one --trace-id with it")
    if args.all and args.trace_ids:
        return _error("--all and --trace-id contradict each other; give one of them")
    for logs in args.logs:
        if not logs.is_file():
            return _error(f"{logs}: no such file (--logs)")
    config = config_from(args)
    out_dir: Path = (
        args.out
        if args.out is not None
        else config.root / (config.fixtures[0] if config.fixtures else "fixtures")
    )
    options = options_from_config(config.import_, logs=tuple(args.logs), source=config.path)
    settings = ImportSettings(
        out_dir=out_dir,
        format=args.format,
        trace_ids=tuple(dict.fromkeys(args.trace_ids)),
        failed_only=args.failed_only,
        all=args.all,
        name=args.name,
        status=args.status,
        force=args.force or args.reset,
        reset=args.reset,
        redact=args.redact,
        redact_settings=settings_from_config(config.redact) if args.redact else None,
        options=options,
        prices=PriceTable.from_config(
            config.prices,
            where=f"{config.path}: [tool.agenttrace.prices]" if config.path else "[tool.agenttrace.prices]",
        ),
    )
    if not args.redact:
        print(
            "agenttrace import-trace: warning: --no-redact: fixtures keep secrets and personal data as "
            "recorded; do not commit them without `agenttrace scan`",
            file=sys.stderr,
        )
    size = args.export.stat().st_size if args.export.is_file() else 0
    progress = Progress(args.export.name, size, enabled=False if args.quiet else None, path=args.export)
    try:
        importer_run = ImportRun(args.export, settings, on_trace=lambda: progress.update(traces=1))
    except TraceFormatError as exc:
        return _error(str(exc))
    with _quiet_gc(), progress:
        try:
            for outcome in importer_run:
                if outcome.action == "failed":
                    progress.update(failed=1)
                    progress.print(f"agenttrace import-trace: error: {outcome.message}", file=sys.stderr)
                else:
                    progress.update(written=1)
                    if not args.quiet:
                        progress.print(describe(outcome))
        except TraceFormatError as exc:  # the whole file is unusable (invalid JSON found while reading)
            progress.stop()
            importer_run.summary.failed += 1
            print(f"agenttrace import-trace: error: {exc}", file=sys.stderr)
    summary = importer_run.summary
    if not args.quiet:
        parts = [f"{summary.traces} {'trace' if summary.traces == 1 else 'traces'} read ({summary.format})"]
        parts.append(
            f"{summary.written} {'fixture' if summary.written == 1 else 'fixtures'} written to {out_dir}"
        )
        if summary.merged:
            parts.append(f"{summary.merged} kept what people wrote")
        if summary.skipped:
            parts.append(f"{summary.skipped} skipped by filters")
        if summary.failed or summary.missing:
            parts.append(f"{summary.failed + len(summary.missing)} failed")
        print(f"{args.export}: " + ", ".join(parts), file=sys.stderr)
    return 0 if summary.ok else 2
