"""Comparing a call's arguments with recorded ones: exact, ignored fields, numeric tolerance, regex, schema.

The matchers are the ``ArgumentMatch`` of the fixture format, so one vocabulary serves both the checks
(``expect.tools``) and the replay. A comparison returns the *reasons* it failed rather than a bool, because
a miss has to tell the user which argument differed and how (vcrpy's lesson: "no match" alone sends people
diffing JSON by hand).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from ..model import ArgumentMatch

__all__ = ["argument_differences", "flatten", "schema_matches", "short"]

_MISSING = object()


def short(value: Any, width: int = 60) -> str:
    """A value as compact one-line JSON, clipped."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=repr)
    except ValueError:
        text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(path, leaf)`` pairs; paths read ``customer.id`` and ``items[0].sku`` like the matcher options."""
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, value


def _covered(path: str, prefixes: list[str]) -> bool:
    return any(path == p or path.startswith((p + ".", p + "[")) for p in prefixes)


def _tolerance(path: str, tolerance: float | dict[str, float] | None) -> float | None:
    if tolerance is None:
        return None
    if isinstance(tolerance, dict):
        for prefix, allowed in tolerance.items():
            if _covered(path, [prefix]):
                return allowed
        return None
    return tolerance


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def schema_matches(schema: Mapping[str, Any], value: Any) -> str | None:
    """None when ``value`` satisfies the JSON Schema, else the first reason. jsonschema loads on first use."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    error = next(iter(validator.iter_errors(value)), None)
    if error is None:
        return None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    return f"{where + ': ' if where else ''}{error.message}"


@lru_cache(maxsize=256)
def _validator(schema_text: str) -> Any:
    import jsonschema

    schema = json.loads(schema_text)
    return jsonschema.validators.validator_for(schema)(schema)


def argument_differences(
    expected: Mapping[str, Any] | None,
    actual: Mapping[str, Any] | None,
    match: ArgumentMatch | None = None,
    *,
    limit: int = 3,
) -> list[str]:
    """Why ``actual`` does not match ``expected`` under ``match``; an empty list when it matches."""
    if match is None and expected == actual:
        return []
    reasons: list[str] = []
    if match is not None and match.schema_ is not None:
        problem = schema_matches(match.schema_, dict(actual or {}))
        if problem is not None:
            reasons.append(f"schema: {problem}")
    ignore = list(match.ignore or []) if match is not None else []
    regex = dict(match.regex or {}) if match is not None else {}
    tolerance = match.tolerance if match is not None else None
    want = {p: v for p, v in flatten(dict(expected or {})) if not _covered(p, ignore)}
    got = {p: v for p, v in flatten(dict(actual or {})) if not _covered(p, ignore)}
    for path in sorted(set(want) | set(got), key=lambda p: (p not in want, p)):
        if len(reasons) >= limit:
            reasons.append("…")
            break
        label = path or "(arguments)"
        value = got.get(path, _MISSING)
        pattern = next((r for p, r in regex.items() if _covered(path, [p])), None)
        if pattern is not None:
            if not isinstance(value, str) or _regex(pattern).fullmatch(value) is None:
                shown = "missing" if value is _MISSING else short(value, 40)
                reasons.append(f"regex: {label} = {shown} does not match /{pattern}/")
            continue
        recorded = want.get(path, _MISSING)
        if recorded is _MISSING:
            reasons.append(f"exact: {label} not in the recording (got {short(value, 40)})")
            continue
        if value is _MISSING:
            reasons.append(f"exact: {label} missing (recorded {short(recorded, 40)})")
            continue
        allowed = _tolerance(path, tolerance)
        if allowed is not None and _is_number(recorded) and _is_number(value):
            if abs(recorded - value) > allowed:
                reasons.append(f"tolerance: {label} = {value}, recorded {recorded} (± {allowed:g})")
            continue
        if recorded != value or isinstance(recorded, bool) is not isinstance(value, bool):
            reasons.append(f"exact: {label} = {short(value, 40)}, recorded {short(recorded, 40)}")
    return reasons
