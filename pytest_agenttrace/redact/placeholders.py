"""Placeholders: the same value becomes the same ``<LABEL_N>`` throughout one document.

Consistency is what keeps a redacted fixture useful: when the model asked to ``send_email`` to
``alice@example.com`` and the tool then ran with that address, both become ``<EMAIL_1>``, so replay still
matches the tool call to its recording, and a policy written against ``<EMAIL_1>`` still applies. Numbers
are allocated in document order, so re-importing the same export gives the same bytes.

A placeholder holds only ``<``, ``>``, capitals, digits and ``_``: no quote or backslash, so it can replace
text inside JSON nested in a string without breaking that JSON, and no detector matches it, so redacting a
redacted document (or scanning one) finds nothing new.
"""

from __future__ import annotations

import json
import re

__all__ = ["PLACEHOLDER", "Placeholders", "is_masked"]

#: What a placeholder looks like; scan treats text matching it as clean.
PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*_\d+>")

_MASK = re.compile(r"(?i)[\[<(*]*(?:redacted|masked|hidden|removed|filtered|scrubbed|none|null)[\]>)*]*")


def is_masked(text: str) -> bool:
    """Already hidden by someone: empty, only punctuation (``****``), ``[REDACTED]``, or a placeholder."""
    if not any(ch.isalnum() for ch in text):
        return True
    return _MASK.fullmatch(text) is not None or PLACEHOLDER.search(text) is not None


class Placeholders:
    """Allocates placeholders for one document. ``reserved`` are placeholders it already holds."""

    def __init__(self, reserved: frozenset[str] = frozenset()) -> None:
        self._by_value: dict[str, str] = {}
        self._next: dict[str, int] = {}
        self._reserved = reserved
        self.allocated: set[str] = set()

    def get(self, label: str, value: str) -> str:
        """The placeholder of ``value``; the first detector to see a value names it."""
        if "\\" in value:
            value = _unescaped(value)
        value = _normalised(label, value)
        found = self._by_value.get(value)
        if found is not None:
            return found
        number = self._next.get(label, 1)
        placeholder = f"<{label}_{number}>"
        while placeholder in self._reserved:
            number += 1
            placeholder = f"<{label}_{number}>"
        self._next[label] = number + 1
        self._by_value[value] = placeholder
        self.allocated.add(placeholder)
        return placeholder


_SAME_DIGITS = frozenset({"CARD_NUMBER", "PHONE"})


def _normalised(label: str, value: str) -> str:
    """One spelling per value, so its forms share a placeholder.

    ``4111 1111 1111 1111`` in a prompt and ``4111111111111111`` (a number) in the tool's arguments are
    one card; ``(555) 123-4567`` and ``555.123.4567`` one phone; ``jane%40example.com`` in a URL is
    ``jane@example.com``; an IBAN is the same with or without its spaces.
    """
    if label in _SAME_DIGITS:
        return "".join(ch for ch in value if ch.isdigit() or ch == "+")
    if label == "EMAIL":
        return value.replace("%40", "@").replace("%2B", "+").replace("%2b", "+")
    if label == "IBAN":
        return value.replace(" ", "")
    return value


def _unescaped(value: str) -> str:
    """A value found in JSON text nested in a string, with its escapes undone (at every nesting level).

    A PEM block inside a tool call's ``arguments`` text reads ``-----BEGIN ...\\nMIIE...``; undoing the
    escapes gives the same text as the block found in a plain string, and so the same placeholder.
    """
    for _ in range(8):
        try:
            decoded = json.loads(f'"{value}"')
        except ValueError:
            return value
        if not isinstance(decoded, str) or decoded == value:
            return value
        value = decoded
        if "\\" not in value:
            break
    return value
