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
        help="colour the output: auto (when a terminal and NO_COLOR is unset), always, never",
    )


def use_color(args: argparse.Namespace, stream: TextIO = sys.stdout) -> bool:
    choice = getattr(args, "color", "auto")
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()
