"""Where fixture files live and how they are found."""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path

SUFFIX = ".trace.json"


def fixture_path(folder: Path, fixture_id: str) -> Path:
    """The file a fixture with this id is written to."""
    return folder / f"{fixture_id}{SUFFIX}"


def discover(entries: Iterable[Path | str]) -> list[Path]:
    """Every ``*.trace.json`` under the given files, folders or globs, sorted, without duplicates.

    Sorted so that collection order (and thus pytest-xdist's distribution) is the same on every machine.
    """
    found: set[Path] = set()
    for entry in entries:
        text = str(entry)
        matches = (
            [Path(m) for m in sorted(glob.glob(text, recursive=True))]
            if glob.has_magic(text)
            else [Path(text)]
        )
        for path in matches:
            if path.is_dir():
                found.update(p for p in path.rglob(f"*{SUFFIX}") if p.is_file())
            elif path.is_file() and path.name.endswith(SUFFIX):
                found.add(path)
    return sorted(found)
