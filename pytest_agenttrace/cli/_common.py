"""Small helpers the subcommands share: configuration, colours, fixture arguments."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from ..config import Config, load_config


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PYPROJECT",
        type=Path,
        help="pyproject.toml to read [tool.agenttrace] from (default: the nearest one above the current folder)",
    )


def config_from(args: argparse.Namespace) -> Config:
    path: Path | None = getattr(args, "config", None)
    return load_config(Path.cwd(), pyproject=path)


def add_color_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help=(
            "colour the output: auto (on a terminal, unless NO_COLOR is set or TERM=dumb; PY_COLORS=1 or "
            "FORCE_COLOR forces it, PY_COLORS=0 turns it off, as for pytest), always, never"
        ),
    )


def use_color(args: argparse.Namespace, stream: TextIO = sys.stdout) -> bool:
    """Whether to write colour codes: the option first, then the environment pytest's own output obeys.

    The order is pytest's (``_pytest._io.terminalwriter.should_do_markup``), so ``agenttrace show`` and
    ``pytest --agenttrace`` colour, or not, under the same settings in a CI log or a terminal.
    """
    choice = getattr(args, "color", "auto")
    if choice == "always":
        return True
    if choice == "never":
        return False
    py_colors = os.environ.get("PY_COLORS")
    if py_colors == "1":
        return True
    if py_colors == "0":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"
