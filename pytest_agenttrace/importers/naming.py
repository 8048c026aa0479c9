"""Fixture ids: readable, deterministic slugs made from the trace's name and id.

An id is the pytest test id and the file name, so it must be stable across imports of the same export
(``support-agent-9ee95b85`` every time), readable in a test report, and unique within one import.
"""

from __future__ import annotations

import re

from ..model import ID_PATTERN

_NOT_SLUG = re.compile(r"[^A-Za-z0-9._-]+")
_ID = re.compile(ID_PATTERN)
_SHORT = 8


def slugify(text: str, limit: int = 80) -> str:
    """``"Support Agent / v2"`` -> ``"support-agent-v2"``; empty when nothing usable is left."""
    slug = _NOT_SLUG.sub("-", text.strip().lower()).strip("-._")
    return slug[:limit].rstrip("-._")


def short_id(trace_id: str, length: int = _SHORT) -> str:
    """The last ``length`` letters and digits of a trace id: the random part of UUIDv7 and hex ids."""
    letters = re.sub(r"[^a-z0-9]", "", trace_id.lower())
    return letters[-length:] if letters else "trace"


def fixture_id(name: str | None, trace_id: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """``<name>-<short trace id>``, longer trace-id parts when that is already ``taken``."""
    base = slugify(name or "") or "trace"
    letters = re.sub(r"[^a-z0-9]", "", trace_id.lower()) or "trace"
    for length in (_SHORT, 12, 16, len(letters)):
        candidate = f"{base}-{short_id(trace_id, length)}"
        if candidate not in taken:
            return candidate
    number = 2
    while f"{base}-{letters}-{number}" in taken:
        number += 1
    return f"{base}-{letters}-{number}"


def check_id(text: str) -> str | None:
    """An error message when ``text`` cannot be a fixture id, else ``None``."""
    if _ID.match(text):
        return None
    return "a fixture id is 1-200 letters, digits, '.', '_' or '-', starting with a letter or digit"
