"""Structural diffs (deepdiff) rendered as one readable line per difference.

``steps[3].arguments.amount: expected 100, got 5000`` says where and what in a way a reviewer reads at a
glance, where deepdiff's own output (``root[3]['arguments']['amount']``) needs decoding. deepdiff is
imported here and only called when a failure is rendered: a passing replay never builds a diff.

Lists of records (calls, steps, messages) are aligned before they are compared (difflib on the tool
name, kind or role of each record), because a positional diff cascades: one inserted call would make
every later call show as changed, where a reader wants to see one insertion.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from typing import Any

from ._text import call_text, short_json

__all__ = ["diff_lines"]


def _path(parts: list[Any], root: str) -> str:
    text = root
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(value)"


def _is_records(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(item, dict) for item in value)


def _key(record: dict[str, Any]) -> str:
    """What identifies a record for the alignment: a call's name, a step's kind and name, a role."""
    parts = [record.get(field) for field in ("kind", "name", "role")]
    if all(part is None for part in parts):
        return json.dumps(record, sort_keys=True, default=repr)
    return json.dumps(parts, default=repr)


def _describe(record: Any) -> str:
    """A record as a reader recognises it: a call as ``name(args)``, a step by kind and name, a message by role."""
    if not isinstance(record, dict):
        return short_json(record, 60)
    name, kind, role = record.get("name"), record.get("kind"), record.get("role")
    if isinstance(name, str) and set(record) <= {"name", "arguments"}:
        return call_text(name, record.get("arguments"), 70)
    if kind in ("tool", "approval") and isinstance(name, str):
        return f"{kind} {call_text(name, record.get('arguments', record.get('arguments_text')), 70)}"
    if isinstance(kind, str):
        return f"{kind} {record.get('model') or name or ''}".strip()
    if isinstance(role, str):
        return f"{role}: {short_json(record.get('content'), 60)}"
    return short_json(record, 60)


def _deep(expected: Any, actual: Any, root: str) -> list[tuple[str, str]]:
    """(sort key, line) for each difference deepdiff finds."""
    from deepdiff import DeepDiff

    tree = DeepDiff(expected, actual, view="tree", verbose_level=2)
    rows: list[tuple[str, str]] = []
    for change, levels in tree.items():
        for level in levels:
            parts = level.path(output_format="list")
            path = _path(parts, root)
            before = short_json(level.t1, 60)
            after = short_json(level.t2, 60)
            if change in ("values_changed", "type_changes"):
                text = f"{path}: expected {before}, got {after}"
            elif change in ("dictionary_item_added", "iterable_item_added", "attribute_added"):
                text = f"{path}: unexpected, got {after}"
            elif change in ("dictionary_item_removed", "iterable_item_removed", "attribute_removed"):
                text = f"{path}: expected {before}, missing"
            elif change == "repetition_change":
                text = f"{path}: repeated differently ({before})"
            else:
                text = f"{path}: {change.replace('_', ' ')}"
            rows.append(("\x00".join(f"{p:>8}" if isinstance(p, int) else str(p) for p in parts), text))
    rows.sort(key=lambda row: row[0])
    return rows


def _item(root: str, index: int, indices: Sequence[int] | None) -> str:
    return f"{root}[{indices[index] if indices is not None and index < len(indices) else index}]"


def _aligned(
    expected: Sequence[dict[str, Any]],
    actual: Sequence[dict[str, Any]],
    root: str,
    indices: Sequence[int] | None,
) -> list[str]:
    """Lines for two lists of records, aligned so that one insertion or removal is one line."""
    lines: list[str] = []
    matcher = difflib.SequenceMatcher(
        a=[_key(r) for r in expected], b=[_key(r) for r in actual], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                if expected[i] != actual[j]:
                    lines += _lines(expected[i], actual[j], _item(root, j, indices), None)
            continue
        pairs = min(i2 - i1, j2 - j1)
        for k in range(pairs):
            path = _item(root, j1 + k, indices)
            lines.append(f"{path}: expected {_describe(expected[i1 + k])}, got {_describe(actual[j1 + k])}")
        for j in range(j1 + pairs, j2):
            lines.append(f"{_item(root, j, indices)}: unexpected, got {_describe(actual[j])}")
        for i in range(i1 + pairs, i2):
            where = f"expected[{i}]" if indices is not None else f"[{i}]"
            lines.append(f"{root}{where}: expected {_describe(expected[i])}, missing")
    return lines


def _lines(expected: Any, actual: Any, root: str, indices: Sequence[int] | None) -> list[str]:
    if expected == actual:
        return []
    if _is_records(expected) and _is_records(actual):
        return _aligned(expected, actual, root, indices)
    if isinstance(expected, dict) and isinstance(actual, dict):
        record_keys = [
            k for k in expected if k in actual and _is_records(expected[k]) and _is_records(actual[k])
        ]
        if record_keys:
            lines: list[str] = []
            for key in record_keys:
                lines += _lines(expected[key], actual[key], _path([key], root), None)
            rest_e = {k: v for k, v in expected.items() if k not in record_keys}
            rest_a = {k: v for k, v in actual.items() if k not in record_keys}
            if rest_e != rest_a:
                lines += [text for _, text in _deep(rest_e, rest_a, root)]
            return lines
    return [text for _, text in _deep(expected, actual, root)]


def diff_lines(
    expected: Any,
    actual: Any,
    *,
    root: str = "",
    limit: int | None = None,
    indices: Sequence[int] | None = None,
) -> list[str]:
    """One line per difference between ``expected`` and ``actual``; empty when they are equal.

    ``indices`` gives, for a list ``actual``, the index each element has under ``root`` (a list of the
    run's tool calls is rendered ``steps[3]`` by the step each call was, not ``[1]`` by its position).
    """
    lines = _lines(expected, actual, root, indices)
    if limit is not None and len(lines) > limit:
        hidden = len(lines) - limit
        lines = [*lines[:limit], f"… and {hidden} more difference{'s' if hidden > 1 else ''} (-v shows all)"]
    return lines
