"""``agenttrace import-trace EXPORT``: turn a trace export into fixture files.

PLACEHOLDER until the importers issue lands: the command is registered so that ``--help`` lists it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import-trace",
        help="import a trace export into fixture files",
        description="Import a trace export into one fixture file per run.",
    )
    parser.add_argument("export", type=Path, metavar="EXPORT", help="the export file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print("agenttrace import-trace: not available yet", file=sys.stderr)
    return 2
