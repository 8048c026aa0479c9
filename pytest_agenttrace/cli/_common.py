"""Small helpers the subcommands share: configuration, colours, the fixture files a command works on."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path
from typing import TextIO

from ..config import Config, load_config
from ..store import discover


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


def _is_glob(entry: Path) -> bool:
    return any(ch in str(entry) for ch in "*?[")


def missing_path(paths: list[Path]) -> Path | None:
    """The first path named on the command line (not a glob) that does not exist."""
    return next((p for p in paths if not _is_glob(p) and not p.exists()), None)


def fixture_files(paths: list[Path], entries: list[Path]) -> list[Path]:
    """The ``*.trace.json`` files under ``entries``, plus every file named explicitly whatever its name.

    A folder or a glob means its fixture files; a file the user typed is what they want checked, so
    ``agenttrace validate export.json`` validates it rather than quietly finding "no fixture files".
    """
    files = discover(entries)
    seen = set(files)
    for path in paths:
        if not _is_glob(path) and path.is_file() and path not in seen:
            files.append(path)
            seen.add(path)
    return files


def report_nothing_found(command: str, entries: list[Path]) -> None:
    """One line on stderr, even with ``--quiet``: checking nothing in CI is a misconfiguration, not a pass."""
    where = ", ".join(str(e) for e in entries) or "(no paths)"
    print(f"agenttrace {command}: no fixture files found under {where}", file=sys.stderr)


class HelpFormatter(argparse.HelpFormatter):
    """Wraps a one-paragraph description as argparse does; text with line breaks (the epilog's examples and
    exit codes) is kept line for line, since an example wrapped mid-command cannot be copied."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def epilog(exit_codes: str, examples: list[tuple[str, str]]) -> str:
    """The end of a command's ``--help``: its exit codes, then examples to copy (with what each does).

    Laid out by hand, at most 78 columns, so it reads the same in any terminal and in the generated
    reference; argparse would re-wrap examples mid-command.
    """
    codes = textwrap.fill(f"exit codes: {exit_codes}", width=78, subsequent_indent="  ")
    lines = [f"  {command}  # {what}" if what else f"  {command}" for command, what in examples]
    return f"{codes}\n\nexamples:\n" + "\n".join(lines)
