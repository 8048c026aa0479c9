"""``agenttrace scan [PATH...]``: find secrets and personal data left in fixture files.

The same detectors and ``[tool.agenttrace.redact]`` settings as the import's redaction, so a fixture that
import would have written differently fails the scan: one that was imported with ``--no-redact``, edited
by hand, or written before a pattern was added to the configuration. Findings name the file, the JSON path
and the detector, never the value, because CI logs are read by more people than the repository.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import ConfigError, FixtureError
from ..redact import Finding, detector_names, redact_text, scan_document, settings_from_config
from ..store import parse_json
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

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="find secrets and personal data in fixture files",
        formatter_class=HelpFormatter,
        description=(
            "Scan fixture files (*.trace.json) for secrets and personal data with the detectors the import\n"
            "redacts with: API keys and tokens, private keys, passwords in URLs, e-mail addresses, phone and\n"
            "card numbers, IBANs, IP addresses, plus the patterns, drop paths and allowlist configured in\n"
            "[tool.agenttrace.redact]. Placeholders such as <EMAIL_1> are clean.\n\n"
            "Prints one line per finding, `FILE: JSON.PATH: DETECTOR`, never the value itself, and exits 1\n"
            "if there is any, so it can guard CI or a pre-commit hook."
        ),
        epilog="detectors: "
        + ", ".join(detector_names())
        + "\n\n"
        + epilog(
            "0 clean, 1 findings, 2 a file or folder that cannot be read, bad configuration, an unknown "
            "--disable detector, or no fixture file found at all",
            [
                ("agenttrace scan", "the fixture folders of [tool.agenttrace]"),
                ("agenttrace scan fixtures/refund.trace.json", ""),
                ("agenttrace scan 'fixtures/**/*.trace.json' --disable phone", ""),
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
    parser.add_argument(
        "--disable",
        action="append",
        default=[],
        metavar="DETECTOR",
        help="also turn off this detector for this scan (repeatable), on top of the configured `disable`",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
    add_config_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    for name in args.disable:  # blamed on the command line, not on the configuration it is added to
        try:
            settings_from_config({"disable": [name]})  # the configuration's own rule for a detector name
        except ConfigError:
            detectors = ", ".join(detector_names())
            print(
                f"agenttrace scan: --disable {name}: unknown detector; detectors: {detectors}",
                file=sys.stderr,
            )
            return EXIT_USAGE
    table = dict(config.redact)
    if args.disable:
        table["disable"] = [*table.get("disable", []), *args.disable]
    settings = settings_from_config(table)  # a ConfigError becomes one line and exit code 2
    entries = list(args.paths) or config.fixture_dirs()
    missing = missing_path(args.paths)
    if missing is not None:
        print(f"agenttrace scan: {missing}: no such file or folder", file=sys.stderr)
        return EXIT_USAGE
    # a file named explicitly is scanned even without the .trace.json suffix
    files = fixture_files(args.paths, entries)
    if not files:
        report_nothing_found("scan", entries)
        return EXIT_USAGE
    unreadable = 0
    dirty = 0
    findings = 0
    for path in files:
        try:
            document = parse_json(read_bytes(path), path)
        except FixtureError as exc:
            print(f"agenttrace scan: {exc}", file=sys.stderr)
            unreadable += 1
            continue
        # the file name is made from the trace's name: a secret in it is a finding, and is not printed
        in_name = [finding.detector for finding in scan_document(path.name, settings)]
        shown = path.with_name(redact_text(path.name, settings)) if in_name else path
        found = [Finding("(file name)", detector) for detector in in_name]
        found += scan_document(document, settings)
        for finding in found:
            print(f"{shown}: {finding.path}: {finding.detector}")
        findings += len(found)
        dirty += bool(found)
    if not args.quiet:
        print(
            f"{len(files)} file(s) scanned: {len(files) - dirty - unreadable} clean, "
            f"{dirty} with {findings} finding(s), {unreadable} unreadable",
            file=sys.stderr,
        )
    if unreadable:
        return EXIT_USAGE
    return EXIT_FOUND if dirty else EXIT_OK
