"""``agenttrace validate [PATH...]``: check fixture files against the format, one line per problem."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import FixtureError
from ..store import parse_json, validation_problems
from ..store.load import read_bytes
from ._common import (
    HelpFormatter,
    add_config_option,
    config_from,
    epilog,
    fixture_files,
    missing_path,
    report_nothing_found,
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check fixture files against the fixture format",
        description=(
            "Check fixture files (*.trace.json) against the fixture format: JSON syntax, format version, "
            "the JSON Schema and the model's own rules (unique step ids, parents before children). Prints one "
            "line per problem, naming the file and the JSON path, and exits 1 if there is any."
        ),
        formatter_class=HelpFormatter,
        epilog=epilog(
            "0 every file valid, 1 a problem found (or no fixture file found at all), "
            "2 a path that does not exist or bad configuration",
            [
                ("agenttrace validate", "the fixture folders of [tool.agenttrace]"),
                ("agenttrace validate fixtures/refund.trace.json", "one file, any name"),
                ("agenttrace validate 'fixtures/**/*.trace.json' -q", "a glob; problems only"),
            ],
        ),
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        type=Path,
        help="fixture files, folders or globs (default: the `fixtures` folders of [tool.agenttrace])",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print problems only, no summary")
    add_config_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    entries = list(args.paths) or config_from(args).fixture_dirs()
    missing = missing_path(args.paths)
    if missing is not None:
        print(f"{missing}: no such file or folder", file=sys.stderr)
        return 2
    files = fixture_files(args.paths, entries)
    if not files:
        report_nothing_found("validate", entries)
        return 1
    bad = 0
    for path in files:
        try:
            problems = validation_problems(parse_json(read_bytes(path), path), path)
        except FixtureError as exc:
            problems = [(exc.where or "", exc.detail)]
        for where, message in problems:
            print(f"{path}: {where}: {message}" if where else f"{path}: {message}")
        bad += bool(problems)
    if not args.quiet:
        print(f"{len(files) - bad} valid, {bad} invalid", file=sys.stderr)
    return 1 if bad else 0
