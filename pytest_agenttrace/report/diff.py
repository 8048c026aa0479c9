"""Structural diffs (deepdiff) rendered as one readable line per difference.

``steps[3].arguments.amount: expected 100, got 5000`` says where and what in a way a reviewer reads at a
glance, where deepdiff's own output (``root[3]['arguments']['amount']``) needs decoding. deepdiff is
imported here and only called when a failure is rendered: a passing replay never builds a diff.
"""

from __future__ import annotations

from typing import Any

from ._text import short_json

__all__ = ["diff_lines"]


def _path(parts: list[Any], root: str) -> str:
    text = root
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(value)"


def diff_lines(expected: Any, actual: Any, *, root: str = "", limit: int | None = None) -> list[str]:
    """One line per difference between ``expected`` and ``actual``; empty when they are equal."""
    if expected == actual:
        return []
    from deepdiff import DeepDiff

    tree = DeepDiff(expected, actual, view="tree", verbose_level=2)
    rows: list[tuple[list[str], str]] = []
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
            rows.append(([str(p) for p in parts], text))
    rows.sort(key=lambda row: row[0])
    lines = [text for _, text in rows]
    if limit is not None and len(lines) > limit:
        hidden = len(lines) - limit
        lines = [*lines[:limit], f"… and {hidden} more difference{'s' if hidden > 1 else ''} (-v shows all)"]
    return lines
