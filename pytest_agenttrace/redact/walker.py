"""Walking a fixture document: replace what the scanner finds, drop configured paths, count.

The walk is copy-on-write: a subtree with nothing to redact is returned as the same object, so a clean
document costs one read of each value and no allocation, and the caller's document is never changed.
Each distinct string is scanned once per document: a run's model steps repeat the whole conversation
so far, so the same prompt appears N times in N steps, and a cache keyed by the string turns that
quadratic cost back into a linear one.

Object keys are data too: a key is scanned like a value and replaced by the same placeholder its value
would get (``{"alice@example.com": ...}`` -> ``{"<EMAIL_1>": ...}``). Attribute names never match a
detector, and they repeat, so the cache makes this nearly free.

A string stored under a secret-named key (``password``, ``api_key``, ``authorization``, ...) is replaced
whole when no detector found anything in it, unless it is already masked (``***``, ``[REDACTED]``); one
under a phone-named key (``phone``, ``mobile``, ``tel``) when it reads as a phone number.

Numbers are data too: a card number or a phone number stored as a JSON number (``{"card":
4111111111111111}``, ``{"mobile": 5551234567}``, also as a float, ``5551234567.0``) is replaced by its
placeholder, a string. Only numbers of 13 digits or more can be cards, and only those under a phone- or secret-named key are looked at
otherwise, so the token counts and timings that make up most numbers cost one comparison each.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .detectors import DETECTORS, field_detector
from .paths import PathSet, State, parse_path
from .placeholders import PLACEHOLDER, Placeholders, is_masked
from .scanner import Hit, Scanner, scanner_for
from .settings import RedactSettings
from .validators import card_number_valid, phone_field_valid

__all__ = ["Finding", "path_set", "redact_tree", "scan_tree"]

_LABELS = {d.name: d.label for d in DETECTORS}
_NO_STATES: frozenset[State] = frozenset()
_SCHEME = re.compile(r"(?i:(bearer)|basic|token|digest)\s+(?=\S)")


def field_kind(value: str, detector: str, settings: RedactSettings) -> str:
    """The detector a value replaced whole under a secret-named key counts as.

    ``Bearer ...`` is a bearer token whatever key holds it and however short it is, so
    ``{"authorization": "Bearer abc"}`` counts the same in a document and in JSON text nested in one.
    """
    if detector != "phone" and settings.enabled("bearer_token"):
        scheme = _SCHEME.match(value)
        if scheme is not None and scheme.group(1) is not None:
            return "bearer_token"
    return detector


@dataclass(frozen=True)
class Finding:
    """Something :func:`scan_tree` found: where (a JSON path) and which detector; never the value."""

    path: str
    detector: str


def path_set(settings: RedactSettings) -> PathSet | None:
    """The drop paths of ``settings`` (``drop_attributes`` become ``**.attributes.NAME``), or None."""
    paths = [parse_path(p) for p in settings.drop_paths]
    origins = ["drop_paths"] * len(paths)
    for name in settings.drop_attributes:
        paths.append(parse_path(f"**.attributes.{name}"))
        origins.append("drop_attributes")
    return PathSet(tuple(paths), tuple(origins)) if paths else None


def _field_of(key: str, scanner: Scanner) -> str | None:
    detector = field_detector(key)
    if detector is None or not scanner.settings.enabled(detector):
        return None
    return detector


_CARD_MIN = 10**12  # the smallest 13-digit number: below it, an integer cannot be a card number


def number_detector(value: int | float, field: str | None, settings: RedactSettings) -> str | None:
    """The detector that finds the number ``value`` (stored under a key whose field detector is ``field``).

    A float with no fraction is read as the integer it is: a producer that stores every number as a double
    (JavaScript, OTLP's ``doubleValue``, a spreadsheet export) writes ``5551234567.0`` and
    ``4111111111111111.0``, whose digits are the phone or card all the same.
    """
    if field is None and -_CARD_MIN < value < _CARD_MIN:
        return None
    if type(value) is float:
        if not value.is_integer():  # a measurement (and NaN, infinity)
            return None
        value = int(value)
    text = str(value)
    if settings.allowed(text):
        return None
    if field == "phone":
        return "phone" if phone_field_valid(text) else None
    if field is not None:  # a number under "password", "api_key", ...: a PIN or a numeric key
        return field if abs(value) >= 1000 else None
    if settings.enabled("card_number") and card_number_valid(text):
        return "card_number"
    return None


_FRACTION = re.compile(r"\.0+(?![0-9eE])")


def _bare_number(text: str, start: int, end: int) -> tuple[str, int, int] | None:
    """How to replace a number that stands bare in JSON text: ``(quote, digits end, number end)``, else None.

    ``{"card": 4111111111111111}`` nested in a string must become ``{"card": "<CARD_NUMBER_1>"}``, or the
    nested text stops being JSON. The quote is written as the nearest quote before it is (``"``, ``\\"``,
    ...), which is the escaping level of the JSON text the number is in. A float with no fraction
    (``5551234567.0``, as a producer that writes every number as a double does) is replaced up to its
    end, the placeholder being that of its digits (``text[start:digits end]``).
    """
    value = text[start:end]
    whole, dot, fraction = value.partition(".")
    digits_end = number_end = end
    if dot:  # the match took the fraction in (a value under a phone-named key)
        if not fraction or fraction.strip("0"):
            return None
        value, digits_end = whole, start + len(whole)
    else:
        zeros = _FRACTION.match(text, end)
        if zeros is not None:
            number_end = zeros.end()
    if not value.lstrip("+-").isdigit():
        return None
    before = start - 1
    while before >= 0 and text[before] in " \t\r\n":
        before -= 1
    after = number_end
    while after < len(text) and text[after] in " \t\r\n":
        after += 1
    if before < 0 or text[before] not in ":,[" or (after < len(text) and text[after] not in ",}]"):
        return None
    quote = text.rfind('"', 0, start)
    escapes = 0
    while quote - escapes - 1 >= 0 and text[quote - escapes - 1] == "\\":
        escapes += 1
    return "\\" * escapes + '"', digits_end, number_end


class _Redactor:
    def __init__(self, settings: RedactSettings, reserved: frozenset[str]) -> None:
        self.scanner = scanner_for(settings)
        self.settings = settings
        self.paths = path_set(settings)
        self.placeholders = Placeholders(reserved)
        self.counts: Counter[str] = Counter()
        self.dropped = 0
        self.existing: set[str] = set()  # placeholders the input already held
        self._cache: dict[str, tuple[str, tuple[str, ...]]] = {}
        # the same few hundred attribute names come back in every step: decide each one once
        self._fields: dict[str, str | None] = {}

    def field_of(self, key: str) -> str | None:
        """The secret-field detector for values under ``key`` (None for most keys), cached per key."""
        try:
            return self._fields[key]
        except KeyError:
            found = self._fields[key] = _field_of(key, self.scanner)
            return found

    def text(self, text: str) -> str:
        cached = self._cache.get(text)
        if cached is None:
            if len(text) < self.scanner.min_length and "<" not in text:
                return text  # too short for any detector: not worth a cache entry
            if "<" in text:
                self.existing.update(PLACEHOLDER.findall(text))
            hits = self.scanner.find(text)
            cached = (self._replace(text, hits), tuple(h.detector for h in hits)) if hits else (text, ())
            self._cache[text] = cached
        if cached[1]:
            for detector in cached[1]:
                self.counts[detector] += 1
        return cached[0]

    def _replace(self, text: str, hits: list[Hit]) -> str:
        pieces: list[str] = []
        last = 0
        json_text = text.lstrip()[:1] in ("{", "[")
        for hit in hits:
            pieces.append(text[last : hit.start])
            bare = _bare_number(text, hit.start, hit.end) if json_text else None
            if bare is None:
                pieces.append(self.placeholders.get(hit.label, text[hit.start : hit.end]))
                last = hit.end
            else:
                quote, digits_end, last = bare
                pieces.append(quote + self.placeholders.get(hit.label, text[hit.start : digits_end]) + quote)
        pieces.append(text[last:])
        return "".join(pieces)

    def field_text(self, text: str, detector: str) -> str:
        """A string under a secret-named key: scanned, and replaced whole if the scan found nothing."""
        result = self.text(text)
        if detector == "phone" and not phone_field_valid(text):
            return result
        # `==`, not `is`: the cache hands back the first string object of that value, not this one
        if result == text and not is_masked(text) and not self.settings.allowed(text):
            detector = field_kind(text, detector, self.settings)
            self.counts[detector] += 1
            scheme = _SCHEME.match(text)  # `Bearer abc`: the scheme stays, as the detectors keep it
            if scheme is not None:
                return scheme.group() + self.placeholders.get(_LABELS[detector], text[scheme.end() :])
            return self.placeholders.get(_LABELS[detector], text)
        return result

    def number(self, value: int | float, field: str | None) -> int | float | str:
        """A number, or the placeholder of the card or phone number (or numeric secret) it is."""
        detector = number_detector(value, field, self.settings)
        if detector is None:
            return value
        self.counts[detector] += 1
        # a float's digits as the integer it is: the card written as 4111111111111111.0 and as text
        # get one placeholder
        return self.placeholders.get(_LABELS[detector], str(int(value)))

    def node(self, value: Any, field: str | None, states: frozenset[State]) -> Any:
        kind = type(value)
        if kind is str:
            return self.text(value) if field is None else self.field_text(value, field)
        if kind is int or kind is float:
            return self.number(value, field)
        if kind is dict:
            return self.mapping(value, states)
        if kind is list:
            return self.sequence(value, field, states)
        return value

    def mapping(self, value: dict[str, Any], states: frozenset[State]) -> dict[str, Any]:
        if not states or self.paths is None:
            return self._plain_mapping(value)
        out: dict[str, Any] | None = None
        paths = self.paths
        for index, (key, item) in enumerate(value.items()):
            child_states = _NO_STATES
            if states and paths is not None:
                child_states, done = paths.step(states, key)
                if done >= 0:
                    self.dropped += 1
                    if out is None:
                        out = dict(list(value.items())[:index])
                    continue
            new_key = self.text(key) if type(key) is str else key
            new_item = self.node(item, self.field_of(key), child_states)
            if out is None and (new_key is not key or new_item is not item):
                out = dict(list(value.items())[:index])
            if out is not None:
                out[new_key] = new_item
        return value if out is None else out

    def _plain_mapping(self, value: dict[str, Any]) -> dict[str, Any]:
        """:meth:`mapping` where no drop path can apply (the common case), with the walk inlined.

        This loop visits every key and value of every document, so it avoids a call per value where it
        can: strings and nested containers go straight to their handler.
        """
        out: dict[str, Any] | None = None
        text = self.text
        field_of = self.field_of
        for index, (key, item) in enumerate(value.items()):
            new_key = text(key) if type(key) is str else key
            kind = type(item)
            if kind is str:
                field = field_of(key)
                new_item: Any = text(item) if field is None else self.field_text(item, field)
            elif kind is dict:
                new_item = self._plain_mapping(item)
            elif kind is list:
                new_item = self.sequence(item, field_of(key), _NO_STATES)
            elif kind is int or kind is float:
                new_item = self.number(item, field_of(key))
            else:
                new_item = item
            if out is None and (new_key is not key or new_item is not item):
                out = dict(list(value.items())[:index])
            if out is not None:
                out[new_key] = new_item
        return value if out is None else out

    def sequence(self, value: list[Any], field: str | None, states: frozenset[State]) -> list[Any]:
        out: list[Any] | None = None
        paths = self.paths
        for index, item in enumerate(value):
            child_states = _NO_STATES
            if states and paths is not None:
                child_states, done = paths.step(states, index)
                if done >= 0:
                    self.dropped += 1
                    if out is None:
                        out = value[:index]
                    continue
            new_item = self.node(item, field, child_states)
            if out is None and new_item is not item:
                out = value[:index]
            if out is not None:
                out.append(new_item)
        return value if out is None else out


def redact_tree(document: Any, settings: RedactSettings) -> tuple[Any, Counter[str], int]:
    """Redact a JSON-ready value: ``(new value, counts per detector, values dropped)``."""
    redactor = _Redactor(settings, frozenset())
    start = redactor.paths.start() if redactor.paths is not None else _NO_STATES
    result = redactor.node(document, None, start)
    clash = redactor.existing & redactor.placeholders.allocated
    if clash:
        # The input already held placeholders (a fixture imported again) and a new value was given one of
        # their numbers: redo the walk with those numbers reserved. Rare, so the common path pays nothing.
        redactor = _Redactor(settings, frozenset(redactor.existing))
        result = redactor.node(document, None, start)
    return result, redactor.counts, redactor.dropped


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if key and all(ch.isalnum() or ch in "_-." for ch in key):
        return f"{path}.{key}" if path else key
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'{path}["{escaped}"]'


def scan_tree(document: Any, settings: RedactSettings) -> list[Finding]:
    """Every place in ``document`` that redaction with ``settings`` would change, in document order.

    A key that would be replaced is reported at its own path; a value that a drop path or attribute would
    remove is reported under ``drop_paths`` or ``drop_attributes``.
    """
    scanner = scanner_for(settings)
    paths = path_set(settings)
    findings: list[Finding] = []
    cache: dict[str, tuple[str, ...]] = {}

    def detectors_in(text: str) -> tuple[str, ...]:
        found = cache.get(text)
        if found is None:
            found = cache[text] = tuple(dict.fromkeys(h.detector for h in scanner.find(text)))
        return found

    def visit(value: Any, path: str, field: str | None, states: frozenset[State]) -> None:
        if isinstance(value, str):
            found = detectors_in(value)
            if (
                not found
                and field is not None
                and not is_masked(value)
                and not settings.allowed(value)
                and (field != "phone" or phone_field_valid(value))
            ):
                found = (field_kind(value, field, settings),)
            findings.extend(Finding(path or "(top level)", d) for d in found)
        elif type(value) is int or type(value) is float:
            number = number_detector(value, field, settings)
            if number is not None:
                findings.append(Finding(path or "(top level)", number))
        elif isinstance(value, dict):
            for key, item in value.items():
                child = _join(path, key)
                child_states = _NO_STATES
                if states and paths is not None:
                    child_states, done = paths.step(states, key)
                    if done >= 0:
                        findings.append(Finding(child, paths.origins[done]))
                        continue
                in_key = detectors_in(key)
                if in_key:
                    # the path must not show the value it reports: the key stands in as its detector
                    child = f"{path}[<{in_key[0]}>]"
                    findings.extend(Finding(f"{child} (key)", d) for d in in_key)
                visit(item, child, _field_of(key, scanner), child_states)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                child = _join(path, index)
                child_states = _NO_STATES
                if states and paths is not None:
                    child_states, done = paths.step(states, index)
                    if done >= 0:
                        findings.append(Finding(child, paths.origins[done]))
                        continue
                visit(item, child, field, child_states)

    visit(document, "", None, paths.start() if paths is not None else _NO_STATES)
    return findings
