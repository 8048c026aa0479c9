"""``agenttrace mark FIXTURE --regression|--golden|--known-bad``: record what a fixture stands for."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..model import Fixture
from ..store import atomic_write, dump_fixture, load_fixture
from ._common import HelpFormatter, epilog


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "mark",
        help="set a fixture's status (regression, golden, known-bad), reason and links",
        description=(
            "Record what a fixture stands for, rewriting the file in place (atomically). regression: a bug "
            "that must stay fixed, the replay must pass its checks. golden: a good run whose tool path must "
            "keep matching. known-bad: a run that still fails; CI expects it to fail (strict xfail) and tells "
            "you to promote it the day it passes."
        ),
        formatter_class=HelpFormatter,
        epilog=epilog(
            "0 marked, 2 a file that cannot be read or is not a valid fixture (then no file is rewritten), "
            "or bad usage",
            [
                ('agenttrace mark fixtures/refund.trace.json --regression --reason "no approval"', ""),
                ("agenttrace mark fixtures/refund.trace.json --known-bad --link https://ex.org/7", ""),
                ("agenttrace mark fixtures/good-*.trace.json --golden", "several at once"),
            ],
        ),
    )
    parser.add_argument("fixtures", nargs="+", type=Path, metavar="FIXTURE", help="fixture file(s) to mark")
    status = parser.add_mutually_exclusive_group(required=True)
    status.add_argument(
        "--regression",
        dest="status",
        action="store_const",
        const="regression",
        help="a fixed bug: the replay must pass its checks",
    )
    status.add_argument(
        "--golden",
        dest="status",
        action="store_const",
        const="golden",
        help="a good run: the replay must keep the recorded tool path",
    )
    status.add_argument(
        "--known-bad",
        dest="status",
        action="store_const",
        const="known-bad",
        help="a run that still fails: expected to fail until fixed (strict xfail)",
    )
    parser.add_argument("--reason", metavar="TEXT", help="why the fixture is kept (replaces the old reason)")
    parser.add_argument(
        "--link",
        metavar="URL",
        action="append",
        default=[],
        help="add an issue, incident or trace URL (repeatable; duplicates are ignored)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    fixtures = [(path, load_fixture(path)) for path in args.fixtures]  # all valid before any is rewritten
    for path, fixture in fixtures:
        update: dict[str, Any] = {"status": args.status}
        if args.reason is not None:
            update["reason"] = args.reason
        if args.link:
            # each link once, in the order first given: the file's own, then the new ones
            update["links"] = list(dict.fromkeys([*(fixture.links or []), *args.link]))
        marked = fixture.model_copy(update=update)
        atomic_write(path, dump_fixture(marked), force=True)
        print(f"{path}: {_describe(fixture, marked)}", file=sys.stderr)
    return 0


def _describe(before: Fixture, after: Fixture) -> str:
    """What the mark changed, so that a re-run that only adds a reason or a link does not read as a no-op."""
    status = after.status if before.status == after.status else f"{before.status} -> {after.status}"
    updated = [name for name in ("reason", "links") if getattr(before, name) != getattr(after, name)]
    if updated:
        return f"{status} ({' and '.join(updated)} updated)"
    return status if before.status != after.status else f"{status} (unchanged)"
