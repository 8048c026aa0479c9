"""Argument matchers: how an actual call's arguments are compared with the expected ones.

``exact`` is the default: the same keys and values, nothing more. An ``ArgumentMatch`` loosens that per
path: ``ignore`` drops paths (ids, timestamps), ``tolerance`` accepts numbers within an absolute difference,
``regex`` replaces the expected value at a path by a pattern the actual string must fully match, and
``schema`` adds a JSON Schema the actual arguments must satisfy. A plain ``==`` decides the common case;
the walk that explains a difference runs only when that fails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..model import ArgumentMatch
from ._schema import schema_errors
from ._values import MISSING, format_path, get_path, path_matcher, short, split_path

__all__ = ["match_arguments"]


def _matches_any(path: str, patterns: list[str] | None) -> bool:
    return bool(patterns) and any(path_matcher(p).fullmatch(path) for p in patterns or ())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Walker:
    def __init__(self, match: ArgumentMatch | None, root: str) -> None:
        self.ignore = match.ignore if match else None
        tolerance = match.tolerance if match else None
        self.tolerance_all = float(tolerance) if isinstance(tolerance, int | float) else 0.0
        self.tolerance_paths: Mapping[str, float] = tolerance if isinstance(tolerance, dict) else {}
        self.regex: Mapping[str, str] = (match.regex if match else None) or {}
        self.root = root
        self.lines: list[str] = []

    def tolerance(self, path: str) -> float:
        for pattern, value in self.tolerance_paths.items():
            if path_matcher(pattern).fullmatch(path):
                return float(value)
        return self.tolerance_all

    def regex_for(self, path: str) -> str | None:
        for pattern, regex in self.regex.items():
            if path_matcher(pattern).fullmatch(path):
                return regex
        return None

    def where(self, parts: list[Any]) -> str:
        return format_path(parts, self.root)

    def walk(self, expected: Any, actual: Any, parts: list[Any]) -> None:
        path = format_path(parts)
        if _matches_any(path, self.ignore):
            return
        regex = self.regex_for(path) if self.regex and parts else None
        if regex is not None:
            self.check_regex(regex, actual, parts)
            return
        if expected == actual and type(expected) is type(actual):
            return
        if isinstance(expected, dict) and isinstance(actual, dict):
            for key, value in expected.items():
                if key not in actual:
                    if not _matches_any(format_path([*parts, key]), self.ignore):
                        self.lines.append(f"{self.where([*parts, key])}: expected {short(value)}, missing")
                else:
                    self.walk(value, actual[key], [*parts, key])
            for key, value in actual.items():
                if key not in expected and not _matches_any(format_path([*parts, key]), self.ignore):
                    self.lines.append(f"{self.where([*parts, key])}: unexpected, got {short(value)}")
            return
        if isinstance(expected, list) and isinstance(actual, list):
            if len(expected) != len(actual):
                self.lines.append(f"{self.where(parts)}: expected {len(expected)} items, got {len(actual)}")
            for index, (e, a) in enumerate(zip(expected, actual, strict=False)):
                self.walk(e, a, [*parts, index])
            return
        if _is_number(expected) and _is_number(actual):
            tolerance = self.tolerance(path)
            if abs(float(expected) - float(actual)) <= tolerance:
                return
            plus = f" ± {tolerance:g}" if tolerance else ""
            self.lines.append(f"{self.where(parts)}: expected {short(expected)}{plus}, got {short(actual)}")
            return
        self.lines.append(f"{self.where(parts)}: expected {short(expected)}, got {short(actual)}")

    def check_regex(self, regex: str, actual: Any, parts: list[Any]) -> None:
        if actual is MISSING:
            self.lines.append(f"{self.where(parts)}: expected to match /{regex}/, missing")
            return
        try:
            ok = isinstance(actual, str) and re.fullmatch(regex, actual) is not None
        except re.error as exc:
            self.lines.append(f"{self.where(parts)}: invalid regex /{regex}/: {exc}")
            return
        if not ok:
            self.lines.append(f"{self.where(parts)}: expected to match /{regex}/, got {short(actual)}")


def match_arguments(
    expected: Any, actual: Any, match: ArgumentMatch | None = None, *, root: str = "arguments"
) -> list[str]:
    """Lines explaining how ``actual`` differs from ``expected`` under ``match``; empty when it matches.

    ``expected`` None means any arguments (only ``match.regex`` and ``match.schema`` then apply). Raises
    ``SchemaProblem`` if ``match.schema`` is not a valid JSON Schema.
    """
    lines: list[str] = []
    if match is not None and match.schema_ is not None:
        lines.extend(schema_errors(match.schema_, actual, root))
    walker = _Walker(match, root)
    if expected is None:
        for pattern, regex in walker.regex.items():
            if "*" in pattern:
                continue  # a wildcard without expected arguments has no concrete path to look up
            walker.check_regex(regex, get_path(actual, pattern), split_path(pattern))
        return lines + walker.lines
    if (match is None or not (match.ignore or match.tolerance or match.regex)) and expected == actual:
        return lines
    walker.walk(expected, actual, [])
    return lines + walker.lines
