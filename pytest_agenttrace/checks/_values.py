"""Small helpers on JSON values shared by the checks: paths, JSON text inside values, call arguments.

Paths are written the way a reader finds them in a fixture file (``steps[3].arguments.items[0].sku``), and
the same syntax is accepted in ``ignore`` / ``regex`` / ``same`` lists, with ``[*]`` and ``*`` as
wildcards, so what a failure prints can be pasted into an expectation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from ..model import ApprovalStep, Step, ToolStep

__all__ = [
    "arguments_of",
    "decode_json_text",
    "format_path",
    "get_path",
    "path_matcher",
    "short",
]

_MISSING = object()


def short(value: Any, width: int = 80) -> str:
    """A compact one-line JSON rendering for messages (checks do not depend on the report stage)."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def format_path(parts: Iterable[Any], root: str = "") -> str:
    """``("items", 0, "sku")`` under ``root`` -> ``root.items[0].sku``."""
    text = root
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


_TOKEN = re.compile(r"\[(\d+|\*)\]|\.?([^.\[\]]+)")


@lru_cache(maxsize=1024)
def _split(path: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for index, name in _TOKEN.findall(path):
        if index:
            parts.append(int(index) if index != "*" else "*")
        else:
            parts.append(name)
    return tuple(parts)


def split_path(path: str) -> list[str | int]:
    """``customer.items[0].sku`` -> ``["customer", "items", 0, "sku"]``."""
    return list(_split(path))


def get_path(value: Any, path: str) -> Any:
    """The value at ``path`` (parsing JSON text met on the way), or ``MISSING``."""
    current = value
    for part in _split(path):
        current = decode_json_text(current, deep=False)
        in_list = isinstance(part, int) and isinstance(current, list) and -len(current) <= part < len(current)
        in_dict = isinstance(part, str) and isinstance(current, dict) and part in current
        if not (in_list or in_dict):
            return _MISSING
        current = current[part]
    return current


MISSING = _MISSING


@lru_cache(maxsize=1024)
def path_matcher(pattern: str) -> re.Pattern[str]:
    """A regex for a path pattern: ``items[*].sku`` matches ``items[3].sku``; ``*`` matches one name."""
    text = re.escape(pattern).replace(r"\[\*\]", r"\[\d+\]").replace(r"\*", r"[^.\[\]]+")
    return re.compile(text)


def decode_json_text(value: Any, *, deep: bool = True) -> Any:
    """``value`` with strings that hold a JSON object or array replaced by what they hold.

    Tools and models often pass structured data as JSON text (``{"payload": "{\\"amount\\": 5000}"}``, a
    tool result that is a JSON string). Conditions are written against the structure, so they are checked
    on the decoded value as well as on the raw one.
    """
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "[") and text[-1:] in ("}", "]"):
            try:
                decoded = json.loads(text)
            except ValueError:
                return value
            return decode_json_text(decoded) if deep else decoded
        return value
    if deep and isinstance(value, dict):
        return {k: decode_json_text(v) for k, v in value.items()}
    if deep and isinstance(value, list):
        return [decode_json_text(v) for v in value]
    return value


def arguments_of(step: Step) -> tuple[Any, str | None]:
    """The arguments of a tool or approval step as JSON, and a problem when they could not be parsed.

    A step whose arguments were recorded as text (``arguments_text``) gets them parsed here, so a call the
    model wrote as a JSON string is checked like any other; text that is not JSON is reported, not guessed.
    """
    if isinstance(step, ToolStep | ApprovalStep) and step.arguments is not None:
        return step.arguments, None
    text = step.arguments_text if isinstance(step, ToolStep) else None
    if text is None:
        return {}, None
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return text, f"arguments are not valid JSON ({exc.msg} at position {exc.pos}): {short(text, 60)}"


def canonical(value: Any) -> str:
    """A stable text key for a JSON value (identical calls have identical keys)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)
