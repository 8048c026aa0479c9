"""Fixture files as bytes: UTF-8, indented, keys in the models' order, one trailing newline.

The layout is chosen for code review: one value per line where it matters, non-ASCII text left readable,
and a load-then-save round trip that gives the same bytes, so a diff only ever shows real changes.
"""

from __future__ import annotations

import json
from typing import Any

from ..model import Fixture


def dumps_data(data: Any) -> bytes:
    """Serialise a JSON-ready fixture document."""
    return (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def dump_fixture(fixture: Fixture) -> bytes:
    """The bytes of a fixture file."""
    return dumps_data(fixture.to_data())
