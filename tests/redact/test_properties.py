"""Property tests: secrets embedded in random text are always removed; clean random text is never touched."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_agenttrace.redact import RedactSettings, redact_document, redact_text, scan_document
from pytest_agenttrace.redact.scanner import scanner_for

from .planted import SECRETS

SEPARATORS = st.sampled_from([" ", "\n", "\t", ", ", ": ", " (", ") ", '"', "'", "=", "; ", " <", "> ", "|"])
# Random surrounding text: words, numbers, punctuation, timestamps, ids; nothing detector-shaped.
WORD = st.one_of(
    # words that name a secret ("passwd: x") make what follows a secret by design, so none are generated
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10).filter(
        lambda w: not any(k in w for k in ("pass", "pwd", "bearer", "secret", "token", "key", "auth"))
    ),
    st.integers(min_value=0, max_value=999_999).map(str),
    st.sampled_from(
        ["ORD-2002", "2026-01-02T03:04:05Z", "v1.2.3", "$19.99", "4bf92f3577b34da6", "12:30", "ok.", "#42"]
    ),
)
CLEAN_TEXT = st.lists(st.tuples(WORD, SEPARATORS), max_size=12).map(
    lambda parts: "".join(w + s for w, s in parts)
)
PLANTED = st.sampled_from([(d, v) for d, values in SECRETS.items() for v in values])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(before=CLEAN_TEXT, planted=PLANTED, sep1=SEPARATORS, sep2=SEPARATORS, after=CLEAN_TEXT)
def test_embedded_secret_is_removed(
    before: str, planted: tuple[str, str], sep1: str, sep2: str, after: str
) -> None:
    _detector, value = planted
    text = before + sep1 + value + sep2 + after
    redacted = redact_text(text, RedactSettings(ip_addresses="all"))
    assert value not in redacted
    assert before.rstrip() in redacted or not before.strip()


@settings(max_examples=300)
@given(text=CLEAN_TEXT)
def test_clean_text_is_left_alone(text: str) -> None:
    assert scanner_for(RedactSettings()).find(text) == []
    assert redact_text(text) == text


@settings(max_examples=150)
@given(before=CLEAN_TEXT, planted=PLANTED, after=CLEAN_TEXT)
def test_nested_json_stays_valid_and_clean(before: str, planted: tuple[str, str], after: str) -> None:
    _detector, value = planted
    inner = {"text": f"{before} {value} {after}", "again": value}
    document = {"arguments": json.dumps({"payload": json.dumps(inner)}), "plain": value}
    result = redact_document(document, RedactSettings(ip_addresses="all"))
    decoded = json.loads(json.loads(result.document["arguments"])["payload"])
    assert value not in json.dumps(result.document)
    assert decoded["again"] == result.document["plain"]  # same value, same placeholder at every level
    assert scan_document(result.document, RedactSettings(ip_addresses="all")) == []
