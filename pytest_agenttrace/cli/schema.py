"""``agenttrace schema``: print or write the fixture format's JSON Schema."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..store import atomic_write, schema_text


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print or write the fixture format's JSON Schema",
        description=(
            "Print the JSON Schema of the fixture format (generated from the models), or write it to a file "
            "with --out; `agenttrace schema --out docs/fixture.schema.json` regenerates the committed copy. "
            "With --check, exit 1 if that file is not current."
        ),
    )
    parser.add_argument("--out", type=Path, metavar="FILE", help="write the schema to FILE (replacing it)")
    parser.add_argument("--check", action="store_true", help="with --out: only check that FILE is current")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.out is None:
        if args.check:
            print("agenttrace schema: --check needs --out FILE", file=sys.stderr)
            return 2
        sys.stdout.write(text)
        return 0
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else None
        if current != text:
            print(f"{args.out}: out of date; run `agenttrace schema --out {args.out}`", file=sys.stderr)
            return 1
        print(f"{args.out}: current", file=sys.stderr)
        return 0
    atomic_write(args.out, text.encode("utf-8"), force=True)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
