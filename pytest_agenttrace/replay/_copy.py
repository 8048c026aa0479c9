"""Handing out answers the agent may mutate without touching the recording.

An agent that appends to the message list it was given, or edits a tool result in place, must not change
what the next test (or the next repetition) is answered with. Answers are frozen once per fixture as JSON
bytes and thawed into fresh objects on every call: one ``orjson.loads`` (a few microseconds), far cheaper
than ``copy.deepcopy`` and than any validation, which matters when ten thousand fixtures replay.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["Frozen", "freeze", "thaw"]

_dumps: Callable[[Any], bytes | str]
_loads: Callable[[bytes | str], Any]
try:
    import orjson

    _dumps = orjson.dumps
    _loads = orjson.loads
except ImportError:  # pragma: no cover - exercised only without orjson
    _dumps = json.dumps
    _loads = json.loads

_IMMUTABLE = (str, int, float, bool, type(None))


class Frozen:
    """A JSON value kept as bytes; ``thaw()`` gives a new copy each time (scalars are returned as they are)."""

    __slots__ = ("_data", "_scalar", "_value")

    def __init__(self, value: Any) -> None:
        self._scalar = isinstance(value, _IMMUTABLE)
        self._value = value
        self._data: bytes | str | None = None
        if not self._scalar:
            try:
                self._data = _dumps(value)
            except (TypeError, ValueError):  # not JSON (a live model's SDK object): fall back to deepcopy
                self._data = None

    def thaw(self) -> Any:
        if self._scalar:
            return self._value
        if self._data is not None:
            return _loads(self._data)
        import copy

        return copy.deepcopy(self._value)


def freeze(value: Any) -> Frozen:
    return Frozen(value)


def thaw(value: Any) -> Any:
    """A fresh copy of a JSON value in one step (for values used once)."""
    return Frozen(value).thaw()
