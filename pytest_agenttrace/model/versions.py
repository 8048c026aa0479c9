"""Format versions, and the migrations that bring an older fixture up to the current one.

A fixture carries ``"schema": {"name": FORMAT_NAME, "version": "MAJOR.MINOR"}``. Minor versions only add
optional fields, so a reader of 1.x reads any 1.y that uses none of them; a new major version changes the
meaning of something, so a reader refuses a major version newer than its own rather than guess. Older
majors are upgraded on load by the functions in ``MIGRATIONS``, one major at a time, on the raw JSON before
validation, which keeps the models free of legacy shapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

FORMAT_NAME = "pytest-agenttrace/fixture"
FORMAT_VERSION = "1.0"
FORMAT_MAJOR = 1

_VERSION = re.compile(r"^(\d+)\.(\d+)$")

Migration = Callable[[dict[str, Any]], dict[str, Any]]

#: ``MIGRATIONS[n]`` turns a document of major version ``n`` into one of major version ``n + 1``.
#: Version 1 is the first released format, so there is nothing to migrate yet.
MIGRATIONS: dict[int, Migration] = {}


def parse_version(text: str) -> tuple[int, int]:
    """Split ``"1.0"`` into ``(1, 0)``; ``ValueError`` for anything else."""
    match = _VERSION.match(text)
    if not match:
        raise ValueError(f"format version {text!r} is not MAJOR.MINOR")
    return int(match.group(1)), int(match.group(2))


def migrate(document: dict[str, Any], major: int) -> dict[str, Any]:
    """Upgrade a raw fixture document from ``major`` to the current major version."""
    while major < FORMAT_MAJOR:
        step = MIGRATIONS.get(major)
        if step is None:
            raise ValueError(f"format version {major}.x is no longer supported; no migration from it exists")
        document = step(document)
        major += 1
    return document
