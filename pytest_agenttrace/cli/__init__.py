"""``agenttrace``: the command line. Thin glue over the pipeline's stages; never imports pytest.

Each subcommand is a module here with ``register(subparsers)``, which adds its parser and sets
``handler`` to a function ``(args) -> exit code``. Exit codes: 0 ok, 1 a check failed (invalid fixture,
secret found), 2 usage or input error. An :class:`~pytest_agenttrace.errors.AgentTraceError` is printed
as one line on stderr; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import AgentTraceError
from . import import_trace, mark, scan, schema, show, validate

__all__ = ["build_parser", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_COMMANDS = (import_trace, validate, show, mark, scan, schema)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agenttrace",
        description=(
            "Turn recorded AI-agent runs into regression tests. Import a trace export into fixture files, "
            "inspect and validate them, and mark what each one stands for; `pytest --agenttrace` replays them."
        ),
        epilog="Exit codes: 0 ok, 1 a check failed, 2 usage or input error. Run `agenttrace COMMAND --help` for more.",
    )
    parser.add_argument("--version", action="version", version=f"pytest-agenttrace {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in _COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``agenttrace`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except AgentTraceError as exc:
        print(f"agenttrace: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("agenttrace: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `agenttrace show x | head`
        return EXIT_OK
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
