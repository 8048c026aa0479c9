"""``agenttrace scan [PATH...]``: find secrets and personal data left in fixture files.

PLACEHOLDER until the redaction issue lands: the command is registered so that ``--help`` lists it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="find secrets and personal data in fixture files",
        description="Scan fixture files for secrets and personal data.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print("agenttrace scan: not available yet", file=sys.stderr)
    return 2
