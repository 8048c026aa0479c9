"""The scanner: the enabled detectors compiled once, run over each string in a few gated passes.

Python's regex engine has one fast path, a literal prefix (it then searches like ``str.find``); a pattern
that starts with a class or an alternation is tried at every position, which costs tens of nanoseconds a
character. A single alternation of all detectors measured ~2 MB/s, so the detectors are grouped by what a
match must contain and each group runs only when a C-speed test on the string says it can match:

* ``at`` (e-mail, URL passwords): the string holds ``@`` (or ``%40``, a percent-encoded one);
* ``digit`` (cards, phones, IPv4, IBANs): the string holds at least four ASCII digits;
* ``ipv6``: the string holds ``::`` or five colons;
* ``key`` (API keys, tokens, PEM blocks, ``password=`` and the like): the lower-cased string holds one of
  the few literal needles every such match contains (``sk-``, ``akia``, ``bearer``, ``passw``, ...).

Within a group the patterns form one alternation, run once over the string. A candidate goes through its
detector's validator; when the validator rejects it (a Luhn failure, say), the group's other detectors
are tried at that same position only, so a rejected card candidate can still be a phone number, and the
scan moves on. User patterns cannot join an alternation (their group numbers and back-references would
clash), so each adds one pass; there are few.
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
    """A value to replace, ``text[start:end]``, found by ``detector`` (empty for an allowed value).

    ``span_start`` and ``span_end`` are the whole match (``Bearer abc...`` where only ``abc...`` is
    replaced); overlapping hits of different groups are resolved on them.
    """

    start: int
    end: int
    detector: str
    label: str
    span_start: int = 0
    span_end: int = 0


@dataclass(frozen=True)
class _Compiled:
    detector: str
    label: str
    group: str | None  # the value group's name, or None for the whole match
    validator: Validator | None
    regex: re.Pattern[str]  # this alternative alone, for the fallback after a validator's rejection
    lead: int = 0
    shrink: bool = False
    before: re.Pattern[str] | None = None  # rejects a candidate preceded by what it matches
    relabel: bool = False  # a value under a secret-named key: named as the token kind it is, if it is one
    escaped: bool = False  # the value is a JSON string's whole content: its escapes are not split


# Every match of the "key" group contains one of these (lower-cased): the gate that skips the group. A
# needle with more after it is only a first test: the string must also hold one of those (`token` alone
# would run the slow key pass for every `max_tokens` and `prompt_tokens` of a recorded request). Two levels
# keep the gate to a couple of dozen `in` tests on a clean string however many needles there are.
_KEY_NEEDLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sk", ("sk-", "sk_")),
    ("rk_", ()),
    ("whsec_", ()),
    ("akia", ()),
    ("asia", ()),
    ("aiza", ()),
    ("gh", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")),
    ("xox", ()),
    ("eyj", ()),
    ("-----begin", ()),
    ("bearer", ()),
    ("authorization", ()),
    ("pass", ("passw", "passphrase")),
    ("pwd", ()),
    ("secret", ()),
    ("cookie", ()),
    ("credential=", ()),
    (
        "token",
        (
            "access_token",
            "refresh_token",
            "auth_token",
            "session_token",
            "api_token",
            "id_token",
            "auth-token",
            "access-token",
            'token"',  # a quoted key in nested JSON text: `"token": "..."`, `\\"token\\": ...`
            "token\\",
            "token=",  # a URL query parameter
        ),
    ),
    ("key", ("api_key", "apikey", "api-key", "private_key", "private-key", "key=")),
    ("sig", ("sig=", "signature=")),
    # phone-named keys in nested JSON text (`"mobile": 5551234567`)
    ("phone", ()),
    ("mobile", ()),
    ("cell", ()),
    ("msisdn", ()),
    ("tel", ('tel"', "tel\\")),
    ("fax", ('fax"', "fax\\")),
)


def _key_gate(lowered: str) -> bool:
    """Whether the lower-cased string holds a needle of the key group (see ``_KEY_NEEDLES``)."""
    for needle, more in _KEY_NEEDLES:
        if needle in lowered and (not more or any(m in lowered for m in more)):
            return True
    return False


# Every IPv6 candidate holds "::" or, written out in full, a group between two colons: a literal-led search
# that rules out the JSON text (``"a":"b"``) whose many colons would otherwise run the slow ipv6 pass.
_IPV6_HINT = re.compile(r":[0-9A-Fa-f]{1,4}:")
_NO_DIGITS = str.maketrans("", "", "0123456789")
_BEARER_BEFORE = re.compile(r"(?<![A-Za-z0-9_-])(?i:bearer)\s+\Z")


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


class _Group:
    """One gated pass: an alternation of some detectors' patterns."""

    def __init__(self, name: str, alternatives: dict[str, _Compiled], patterns: list[str]) -> None:
        self.name = name
        self.alternatives = alternatives
        if name == "digit":
            # one shared anchor the engine skips to quickly; no digit family match starts right after a
            # digit, a lower-case letter, "_" or "."
            self.regex = re.compile(r"[0-9](?<![0-9a-z_.][0-9])(?:" + "|".join(patterns) + ")")
        else:
            self.regex = re.compile("|".join(patterns))


class Scanner:
    """Finds what :class:`RedactSettings` asks to redact in one string."""

    def __init__(self, settings: RedactSettings) -> None:
        self.settings = settings
        self._alts: dict[str, _Compiled] = {}
        by_family: dict[str, tuple[dict[str, _Compiled], list[str]]] = {}
        token_parts: list[str] = []
        for detector in DETECTORS:
            if not settings.enabled(detector.name):
                continue
            for number, alternative in enumerate(detector.alternatives):
                name = f"{detector.name}__{number}"
                pattern = alternative.pattern.replace("(?P<v>", f"(?P<{name}__v>")
                compiled = _Compiled(
                    detector.name,
                    detector.label,
                    f"{name}__v" if "(?P<v>" in alternative.pattern else None,
                    self._validator(detector.name, alternative),
                    re.compile(alternative.pattern),
                    alternative.lead,
                    alternative.shrink,
                    re.compile(alternative.before) if alternative.before else None,
                    alternative.relabel,
                    alternative.escaped,
                )
                self._alts[name] = compiled
                alts, parts = by_family.setdefault(alternative.family, ({}, []))
                alts[name] = compiled
                if alternative.family == "digit":
                    assert pattern.startswith("[0-9]"), pattern
                    pattern = pattern.removeprefix("[0-9]")
                parts.append(f"(?P<{name}>{pattern})")
                if detector.name in _TOKEN_KINDS:
                    token_parts.append(f"(?P<{name}>{pattern})")
        groups = {family: _Group(family, alts, parts) for family, (alts, parts) in by_family.items()}
        self._key = groups.get("key")
        self._at = groups.get("at")
        self._digit = groups.get("digit")
        self._ipv6 = groups.get("ipv6")
        self._tokens = re.compile("|".join(token_parts)) if token_parts else None
        self._bearer = settings.enabled("bearer_token")
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
        passes = 0
        if self._key is not None and len(text) >= 12 and _key_gate(text.lower()):
            passes += self._run(self._key, text, hits)
        if self._at is not None and ("@" in text or "%40" in text):
            passes += self._run(self._at, text, hits)
        if self._digit is not None and len(text) - len(text.translate(_NO_DIGITS)) >= 4:
            passes += self._run(self._digit, text, hits)
        if self._ipv6 is not None and (
            "::" in text or (text.count(":") >= 5 and _IPV6_HINT.search(text) is not None)
        ):
            passes += self._run(self._ipv6, text, hits)
        if self._user:
            hits = self._with_user_patterns(text, hits)
        elif passes > 1:
            hits = _without_overlaps(hits)
        return [hit for hit in hits if hit.detector]

    def _run(self, group: _Group, text: str, hits: list[Hit]) -> int:
        """Scan ``text`` with one group, appending hits (allowed values too); 1 if anything was found."""
        search = group.regex.search
        alternatives = group.alternatives
        before = len(hits)
        pos = 0
        while True:
            match = search(text, pos)
            if match is None:
                break
            name = match.lastgroup or ""
            hit = self._confirm(text, match, alternatives[name])
            if hit is None:
                hit = self._fallback(text, match.start(), name, alternatives)
            if hit is None:
                pos = match.start() + 1
                continue
            hits.append(hit)
            pos = max(hit.span_end, match.start() + 1)
        return int(len(hits) > before)

    def _confirm(self, text: str, match: re.Match[str], alt: _Compiled) -> Hit | None:
        start, end = match.span(alt.group) if alt.group is not None else match.span()
        if alt.lead:
            start -= alt.lead
        return self._hit(text, start, end, start if alt.lead else match.start(), match.end(), alt)

    def _hit(
        self, text: str, start: int, end: int, span_start: int, span_end: int, alt: _Compiled
    ) -> Hit | None:
        value = text[start:end]
        if alt.before is not None and alt.before.search(text, max(0, start - 16), start) is not None:
            return None
        if alt.validator is not None and not alt.validator(value):
            if not alt.shrink:
                return None
            # drop trailing groups one at a time: a number written right after a phone number
            while True:
                cut = max(value.rfind(" "), value.rfind("-"), value.rfind("."))
                if cut <= 0:
                    return None
                value = value[:cut]
                end = start + cut
                if alt.validator(value):
                    span_end = end
                    break
        if not alt.escaped:
            start, end = _escape_adjust(text, start, end)
        value = text[start:end]
        if not value or self.settings.allowed(value):
            return Hit(start, end, "", "", span_start, span_end)  # allowed: kept, and skipped past
        detector, label = alt.detector, alt.label
        if (detector == "bearer_token" or alt.relabel) and self._tokens is not None:
            inner = self._tokens.fullmatch(value)
            if inner is not None and inner.lastgroup:
                kind = self._alts[inner.lastgroup]
                detector, label = kind.detector, kind.label
        if (
            alt.relabel
            and detector == alt.detector
            and self._bearer
            and _BEARER_BEFORE.search(text, max(0, start - 24), start) is not None
        ):
            # `"authorization": "Bearer abc"` counts as what it is, as it does outside nested JSON text
            detector, label = "bearer_token", "BEARER_TOKEN"
        return Hit(start, end, detector, label, span_start, span_end)

    def _fallback(
        self, text: str, position: int, rejected: str, alternatives: dict[str, _Compiled]
    ) -> Hit | None:
        """After a validator's rejection, the first other detector of the group that matches there."""
        for name, alt in alternatives.items():
            if name == rejected:
                continue
            match = alt.regex.match(text, position)
            if match is None:
                continue
            start, end = match.span("v") if alt.group is not None else match.span()
            start -= alt.lead
            hit = self._hit(text, start, end, match.start() - alt.lead, match.end(), alt)
            if hit is not None:
                return hit
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
                found.append(Hit(start, end, pattern.name, pattern.label, match.start(), match.end()))
        return _without_overlaps(found)


def _without_overlaps(hits: list[Hit]) -> list[Hit]:
    """Hits of several passes, left to right; of two that overlap, the one that starts first (or is longer)."""
    hits = sorted(hits, key=lambda h: (h.span_start, -(h.span_end - h.span_start)))
    kept: list[Hit] = []
    last_end = -1
    for hit in hits:
        if hit.span_start >= last_end:
            kept.append(hit)
            last_end = hit.span_end
    return kept


@lru_cache(maxsize=32)
def scanner_for(settings: RedactSettings) -> Scanner:
    """The compiled scanner of ``settings``, built once per distinct settings."""
    return Scanner(settings)
