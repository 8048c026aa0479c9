"""The scanner: every enabled detector compiled into one regular expression, run once over a string.

One alternation instead of one pattern per detector means one pass of the regex engine (in C) per string
instead of a Python loop over a dozen patterns. A candidate the alternation finds goes through its
detector's validator; when the validator rejects it (a Luhn failure, say), the other detectors are tried
at that same position only, so a rejected card candidate can still be a phone number, and the scan moves
on. User patterns cannot join the alternation (their group numbers and back-references would clash), so
each adds one pass; there are few.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .detectors import DETECTORS, Alternative, Validator
from .placeholders import PLACEHOLDER
from .settings import RedactSettings
from .validators import ip_is_public, ip_valid

__all__ = ["Hit", "Scanner", "scanner_for"]

# Detectors whose values are self-identifying tokens: a bearer credential that is one of these is counted
# (and named) as that kind, so a JWT gets the same placeholder bare and after "Bearer".
_TOKEN_KINDS = (
    "anthropic_key",
    "openai_key",
    "aws_access_key_id",
    "google_api_key",
    "github_token",
    "slack_token",
    "stripe_key",
    "jwt",
)


@dataclass(frozen=True)
class Hit:
    """A value to replace, ``text[start:end]``, found by ``detector`` (empty for an allowed value)."""

    start: int
    end: int
    detector: str
    label: str


@dataclass(frozen=True)
class _Compiled:
    detector: str
    label: str
    group: str | None  # the value group's name, or None for the whole match
    validator: Validator | None
    regex: re.Pattern[str]  # this alternative alone, for the fallback after a validator's rejection


def _escape_adjust(text: str, start: int, end: int) -> tuple[int, int]:
    """Keep a replacement from splitting a JSON escape sequence (``\\n``, ``\\"``, ``\\u00e9``).

    Scanning JSON text nested in a string sees escapes as plain characters: in ``"a\\nbob@x.io"`` the
    e-mail pattern starts at the ``n`` of ``\\n``. Replacing from there would leave a lone backslash and
    break the nested JSON, so the start moves past the escape and the end moves before trailing backslashes.
    """
    run = 0
    while start - run - 1 >= 0 and text[start - run - 1] == "\\":
        run += 1
    if run % 2 and start < end:
        start = min(end, start + (5 if text[start] == "u" else 1))
    while end > start and text[end - 1] == "\\":
        end -= 1
    return start, end


class Scanner:
    """Finds what :class:`RedactSettings` asks to redact in one string."""

    def __init__(self, settings: RedactSettings) -> None:
        self.settings = settings
        self._alts: dict[str, _Compiled] = {}
        parts: list[str] = []
        token_parts: list[str] = []
        for detector in DETECTORS:
            if not settings.enabled(detector.name):
                continue
            for number, alternative in enumerate(detector.alternatives):
                name = f"{detector.name}__{number}"
                validator = self._validator(detector.name, alternative)
                pattern = alternative.pattern.replace("(?P<v>", f"(?P<{name}__v>")
                group = f"{name}__v" if "(?P<v>" in alternative.pattern else None
                self._alts[name] = _Compiled(
                    detector.name,
                    detector.label,
                    group,
                    validator,
                    re.compile(alternative.pattern),
                )
                parts.append(f"(?P<{name}>{pattern})")
                if detector.name in _TOKEN_KINDS:
                    token_parts.append(f"(?P<{name}>{pattern})")
        self._regex = re.compile("|".join(parts)) if parts else None
        self._tokens = re.compile("|".join(token_parts)) if token_parts else None
        self._user = tuple(p for p in settings.patterns if p.name not in settings.disabled)
        self.min_length = 1 if self._user else 4

    def _validator(self, detector: str, alternative: Alternative) -> Validator | None:
        if detector != "ip_address":
            return alternative.validator
        check = alternative.validator
        if self.settings.ip_addresses == "all":
            return (lambda v: ip_valid(v) and check(v)) if check else ip_valid
        return (lambda v: ip_is_public(v) and check(v)) if check else ip_is_public

    def find(self, text: str) -> list[Hit]:
        """The non-overlapping values to replace in ``text``, left to right."""
        if len(text) < self.min_length:
            return []
        hits: list[Hit] = []
        regex = self._regex
        if regex is not None:
            search = regex.search
            pos = 0
            while True:
                match = search(text, pos)
                if match is None:
                    break
                hit = self._confirm(text, match, self._alts[match.lastgroup or ""])
                if hit is None:
                    hit = self._fallback(text, match.start(), match.lastgroup or "")
                if hit is None:
                    pos = match.start() + 1
                    continue
                if hit.detector:
                    hits.append(hit)
                pos = max(hit.end, match.start() + 1)
        if self._user:
            hits = self._with_user_patterns(text, hits)
        return hits

    def _confirm(self, text: str, match: re.Match[str], alt: _Compiled) -> Hit | None:
        if alt.group is not None:
            start, end = match.span(alt.group)
        else:
            start, end = match.span()
        value = text[start:end]
        if alt.validator is not None and not alt.validator(value):
            return None
        start, end = _escape_adjust(text, start, end)
        value = text[start:end]
        if not value or self.settings.allowed(value):
            return Hit(start, end, "", "")  # allowed: no replacement, but the scan moves past it
        detector, label = alt.detector, alt.label
        if detector == "bearer_token" and self._tokens is not None:
            inner = self._tokens.fullmatch(value)
            if inner is not None and inner.lastgroup:
                kind = self._alts[inner.lastgroup]
                detector, label = kind.detector, kind.label
        return Hit(start, end, detector, label)

    def _fallback(self, text: str, position: int, rejected: str) -> Hit | None:
        """After a validator's rejection, the first other detector that matches at the same position."""
        for name, alt in self._alts.items():
            if name == rejected:
                continue
            match = alt.regex.match(text, position)
            if match is None:
                continue
            match_span = match.span("v") if alt.group is not None else match.span()
            value = text[match_span[0] : match_span[1]]
            if alt.validator is not None and not alt.validator(value):
                continue
            start, end = _escape_adjust(text, *match_span)
            value = text[start:end]
            if not value or self.settings.allowed(value):
                return Hit(start, end, "", "")
            return Hit(start, end, alt.detector, alt.label)
        return None

    def _with_user_patterns(self, text: str, hits: list[Hit]) -> list[Hit]:
        found = list(hits)
        for pattern in self._user:
            group = "value" if "value" in pattern.regex.groupindex else 0
            for match in pattern.regex.finditer(text):
                start, end = match.span(group)
                if start < 0 or end <= start:
                    continue
                start, end = _escape_adjust(text, start, end)
                value = text[start:end]
                if not value or self.settings.allowed(value) or PLACEHOLDER.fullmatch(value):
                    continue
                found.append(Hit(start, end, pattern.name, pattern.label))
        if len(found) == len(hits):
            return hits
        found.sort(key=lambda h: (h.start, -(h.end - h.start)))
        kept: list[Hit] = []
        last_end = -1
        for hit in found:
            if hit.start >= last_end:
                kept.append(hit)
                last_end = hit.end
        return kept


@lru_cache(maxsize=32)
def scanner_for(settings: RedactSettings) -> Scanner:
    """The compiled scanner of ``settings``, built once per distinct settings."""
    return Scanner(settings)
