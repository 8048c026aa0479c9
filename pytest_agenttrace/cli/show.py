"""``agenttrace show FIXTURE``: a readable timeline of a fixture's steps."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from ..report.timeline import render_timeline
from ..store import load_fixture
from ._common import HelpFormatter, add_color_option, epilog, use_color


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "show",
        help="print a fixture's steps as a timeline",
        description=(
            "Print a fixture as a timeline: each step's kind, name, key arguments, result summary, tokens "
            "and latency, with errors highlighted, followed by the run's totals. With --html, write the same "
            "as a page to open in a browser."
        ),
        formatter_class=HelpFormatter,
        epilog=epilog(
            "0 shown (or the page written), 2 a file that cannot be read or is not a valid fixture, "
            "or bad usage",
            [
                ("agenttrace show fixtures/refund.trace.json", ""),
                ("agenttrace show fixtures/*.trace.json --color never", "several, for a log"),
                ("agenttrace show fixtures/refund.trace.json --html refund.html", "an HTML page"),
            ],
        ),
    )
    parser.add_argument("fixtures", nargs="+", type=Path, metavar="FIXTURE", help="fixture file(s) to show")
    parser.add_argument(
        "--width", type=int, default=0, help="line width (default: the terminal's, at least 100)"
    )
    parser.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="write a self-contained HTML page of the timeline to FILE instead (one fixture only)",
    )
    add_color_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.html is not None:
        if len(args.fixtures) != 1:
            print("agenttrace show: --html takes exactly one FIXTURE", file=sys.stderr)
            return 2
        from ..report.html import render_html
        from ..store import atomic_write

        page = render_html(load_fixture(args.fixtures[0]))
        atomic_write(args.html, page.encode("utf-8"), force=True)
        print(f"wrote {args.html}", file=sys.stderr)
        return 0
    width = args.width or max(100, shutil.get_terminal_size((120, 24)).columns)
    color = use_color(args)
    for index, path in enumerate(args.fixtures):
        if index:
            sys.stdout.write("\n")
        sys.stdout.write(render_timeline(load_fixture(path), color=color, width=width))
    return 0
