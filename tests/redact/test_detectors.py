"""Each detector on its own: what it must find, and what it must leave alone."""

from __future__ import annotations

import pytest

from pytest_agenttrace.redact import DETECTORS, RedactSettings, detector_names, redact_text
from pytest_agenttrace.redact.placeholders import PLACEHOLDER
from pytest_agenttrace.redact.scanner import scanner_for

from .planted import CLEAN, IN_CONTEXT, SECRETS

ALL_IPS = RedactSettings(ip_addresses="all")


def _found(text: str, settings: RedactSettings | None = None) -> list[str]:
    return [h.detector for h in scanner_for(settings or RedactSettings()).find(text)]


def test_every_detector_has_planted_examples() -> None:
    assert set(detector_names()) == set(SECRETS) | set(IN_CONTEXT)
    assert len({d.label for d in DETECTORS}) == len(DETECTORS)


@pytest.mark.parametrize(
    ("detector", "value"), [(d, v) for d, values in SECRETS.items() for v in values], ids=str
)
@pytest.mark.parametrize("template", ["{}", "x {} y", "(see {}).", '{{"v": "{}"}}', "line\n{}\nnext"])
def test_detector_finds_value(detector: str, value: str, template: str) -> None:
    text = template.format(value)
    assert _found(text) == [detector]
    redacted = redact_text(text)
    assert value not in redacted
    label = next(d.label for d in DETECTORS if d.name == detector)
    assert f"<{label}_1>" in redacted
    assert redacted.replace(f"<{label}_1>", value) == text  # nothing around it changed


@pytest.mark.parametrize(
    ("detector", "text", "secret", "kept"),
    [(d, *case) for d, cases in IN_CONTEXT.items() for case in cases],
    ids=str,
)
def test_detector_in_context(detector: str, text: str, secret: str, kept: str) -> None:
    assert detector in _found(text)
    redacted = redact_text(text)
    assert secret not in redacted
    assert kept in redacted


@pytest.mark.parametrize("text", CLEAN)
def test_false_positives_stay(text: str) -> None:
    assert _found(text) == []
    assert redact_text(text) == text


def test_private_addresses_only_with_all() -> None:
    text = "from 10.0.0.1 via 192.168.1.20"
    assert redact_text(text) == text
    assert redact_text(text, ALL_IPS) == "from <IP_ADDRESS_1> via <IP_ADDRESS_2>"
    assert redact_text("81.2.69.160", RedactSettings(ip_addresses="none")) == "81.2.69.160"


def test_bearer_jwt_is_named_as_jwt() -> None:
    jwt = SECRETS["jwt"][0]
    text = f"Authorization: Bearer {jwt} and again {jwt}"
    assert redact_text(text) == "Authorization: Bearer <JWT_1> and again <JWT_1>"


def test_card_rejected_by_luhn_can_still_be_a_phone() -> None:
    assert _found("+44 20 7946 0958") == ["phone"]


def test_anthropic_is_not_openai() -> None:
    assert _found(SECRETS["anthropic_key"][0]) == ["anthropic_key"]


def test_placeholders_never_match() -> None:
    for detector in DETECTORS:
        text = f"<{detector.label}_12>"
        assert PLACEHOLDER.fullmatch(text)
        assert _found(text, ALL_IPS) == []


def test_long_inputs_scan_in_linear_time() -> None:
    """No quadratic backtracking on long runs of the characters the patterns are made of."""
    import time

    for text in ("a." * 50_000, "1" * 100_000, "A" * 100_000, "a-" * 50_000, "1 " * 50_000, "eyJ" * 30_000):
        started = time.perf_counter()
        _found(text)
        assert time.perf_counter() - started < 2.0, text[:10]
