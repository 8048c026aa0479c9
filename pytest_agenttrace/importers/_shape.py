"""Type checks for the fields an importer reads, with errors that name the JSON path.

Every importer reads untyped JSON. A field of the wrong type (``child_runs: true``, ``parent_id: [1]``)
must not surface as a Python ``TypeError`` deep in a converter: it is bad input, and the user needs to
know which file, which place and what was expected. This module is the one place that words such an error
(``$.spans[3].parent_id: expected a string or null, got a list``), for the OTLP decoder and the
LangSmith and Agents SDK importers alike, so that they all read the same.

A :class:`Field` spec says which JSON types a field may hold; :func:`check` walks a record against a spec
and raises :class:`ShapeError` at the first mismatch. ``null`` is always accepted for an optional field:
an exporter that writes ``null`` recorded nothing, which the importers already treat as absent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

#: The largest token count accepted: the largest integer a JSON number holds exactly (a double's 53 bits).
MAX_TOKEN_COUNT: Final = 2**53


class ShapeError(ValueError):
    """A value of the wrong JSON type at ``where`` (a JSON path such as ``$.spans[0].parent_id``)."""

    def __init__(self, where: str, expected: str, value: Any) -> None:
        super().__init__(f"expected {expected}, got {describe(value)}")
        self.where = where


def describe(value: Any) -> str:
    """How a JSON value is named in an error: its type, and the value itself when it is short."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        text = repr(value)
        return text if len(text) <= 24 else f"a number of {len(str(int(value)))} digits"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) <= 40 else f"a string of {len(value)} characters"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__  # pragma: no cover - JSON holds nothing else


def key_path(where: str, key: str) -> str:
    """``where`` extended by one object key (``$.a`` + ``b`` -> ``$.a.b``; odd keys are quoted)."""
    if key.isidentifier():
        return f"{where}.{key}"
    return f"{where}[{key!r}]"


@dataclass(frozen=True)
class Field:
    """What one field may hold: JSON types (``str``, ``dict``, ``list``, ``int``, ...), and nested fields."""

    types: tuple[type, ...]
    expected: str
    fields: Mapping[str, Field] = field(default_factory=dict)
    items: Field | None = None
    timestamp: bool = False
    count: bool = False


def _matches(value: Any, spec: Field) -> bool:
    if isinstance(value, bool):
        return bool in spec.types
    return isinstance(value, spec.types)


def check_value(value: Any, spec: Field, where: str) -> None:
    """Raise :class:`ShapeError` when ``value`` (not ``null``) does not fit ``spec``."""
    if value is None:
        return
    if not _matches(value, spec):
        raise ShapeError(where, spec.expected, value)
    if spec.timestamp and isinstance(value, str) and not _is_timestamp(value):
        raise ShapeError(where, spec.expected, value)
    if spec.count:
        check_count(value, where)
    if spec.fields and isinstance(value, Mapping):
        check(value, spec.fields, where)
    if spec.items is not None and isinstance(value, list):
        for index, item in enumerate(value):
            check_value(item, spec.items, f"{where}[{index}]")


def check(record: Mapping[str, Any], fields: Mapping[str, Field], where: str) -> None:
    """Check every field of ``record`` that ``fields`` names (absent fields are fine)."""
    for key, spec in fields.items():
        if key in record:
            check_value(record[key], spec, key_path(where, key))


def check_count(value: Any, where: str) -> None:
    """A token count: a whole number from 0 to 2**53 (a larger one is not a count but corruption)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ShapeError(where, "a token count (a whole number)", value)
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise ShapeError(where, "a token count (a whole number)", value)
    if not 0 <= value <= MAX_TOKEN_COUNT:
        raise ShapeError(where, "a token count from 0 to 2**53", value)


def _is_timestamp(value: str) -> bool:
    try:
        datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------------ shorthands
STRING: Final = Field((str,), "a string or null")
OBJECT: Final = Field((dict,), "an object or null")
LIST: Final = Field((list,), "a list or null")
BOOLEAN: Final = Field((bool,), "true, false or null")
INTEGER: Final = Field((int,), "an integer or null")
NUMBER: Final = Field((int, float), "a number or null")
TIMESTAMP: Final = Field((str,), "an ISO 8601 timestamp string or null", timestamp=True)
COUNT: Final = Field((int, float), "a token count or null", count=True)
STRINGS: Final = Field((list,), "a list of strings or null", items=Field((str,), "a string"))


def usage_fields() -> dict[str, Field]:
    """The token-count fields of every usage shape the SDKs record (OpenAI, LangChain, Agents SDK)."""
    counts = dict.fromkeys(
        (
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "prompt_tokens",
            "completion_tokens",
            "cached_tokens",
            "reasoning_tokens",
            "cache_read",
            "reasoning",
        ),
        COUNT,
    )
    details = Field((dict,), "an object or null", fields=counts)
    return {
        **counts,
        **dict.fromkeys(
            (
                "input_token_details",
                "input_tokens_details",
                "prompt_tokens_details",
                "output_token_details",
                "output_tokens_details",
                "completion_tokens_details",
            ),
            details,
        ),
    }


USAGE: Final = Field((dict,), "an object or null", fields=usage_fields())
