"""Card and phone numbers stored as JSON numbers, secret- and phone-named keys inside nested JSON text."""

from __future__ import annotations

import json
import re

from pytest_agenttrace.redact import PLACEHOLDER, redact_document, scan_document
from pytest_agenttrace.store import dumps_data

CARD = 4111111111111111
PHONE = 5551234567


def test_numbers_in_tool_arguments_and_results_are_replaced() -> None:
    doc = {
        "steps": [
            {"kind": "tool", "name": "charge", "arguments": {"card": CARD, "amount": 45}},
            {"kind": "tool", "name": "lookup", "result": {"phone": PHONE, "mobile": [PHONE], "orders": 3}},
        ],
        "input": "charge card 4111 1111 1111 1111 and call (555) 123-4567",
    }
    result = redact_document(doc)
    steps = result.document["steps"]
    assert steps[0]["arguments"] == {"card": "<CARD_NUMBER_1>", "amount": 45}
    assert steps[1]["result"] == {"phone": "<PHONE_1>", "mobile": ["<PHONE_1>"], "orders": 3}
    # the same card and phone written as text get the same placeholders as the numbers
    assert result.document["input"] == "charge card <CARD_NUMBER_1> and call <PHONE_1>"
    assert result.counts == {"card_number": 2, "phone": 3}
    output = dumps_data(result.document)
    assert str(CARD).encode() not in output
    assert str(PHONE).encode() not in output
    assert {(f.path, f.detector) for f in scan_document(doc)} >= {
        ("steps[0].arguments.card", "card_number"),
        ("steps[1].result.phone", "phone"),
        ("steps[1].result.mobile[0]", "phone"),
    }


def test_numbers_that_are_not_cards_or_phones_stay() -> None:
    doc = {
        "a": 4111111111111112,  # fails Luhn
        "epoch_ns": 1700000000123456789,
        "input_tokens": 5551234567,  # not under a phone-named key
        "phone_count": 3,
        "phone": 12,  # too short to be a number
        "ok": True,
        "price": 4111111111111111.5,  # a float with a fraction is a measurement, not an id
        "duration_ms": 5551234567.0,  # not under a phone-named key, too short for a card
        "ratio": 0.25,
        "nan": float("nan"),
    }
    result = redact_document(doc)
    assert result.document is doc
    assert scan_document(doc) == []


def test_floats_with_no_fraction_are_numbers_like_integers() -> None:
    """Producers that write every number as a double (JavaScript, OTLP ``doubleValue``) store ``5551234567.0``."""
    nested = json.dumps(
        {"card": float(CARD), "mobile": float(PHONE), "amount": 45.5, "n": [float(CARD), 2.0]}
    )
    doc = {
        "arguments": {"card": float(CARD), "phone": float(PHONE), "amount": 45.0, "pin_password": 4321.0},
        "result": nested,
        "deeper": json.dumps({"body": nested}),
        "input": "charge card 4111 1111 1111 1111 and call (555) 123-4567",
    }
    result = redact_document(doc)
    # the same placeholders as the card and phone written as text: the digits are the same
    assert result.document["arguments"] == {
        "card": "<CARD_NUMBER_1>",
        "phone": "<PHONE_1>",
        "amount": 45.0,
        "pin_password": "<PASSWORD_1>",
    }
    expected = {
        "card": "<CARD_NUMBER_1>",
        "mobile": "<PHONE_1>",
        "amount": 45.5,
        "n": ["<CARD_NUMBER_1>", 2.0],
    }
    assert json.loads(result.document["result"]) == expected
    assert json.loads(json.loads(result.document["deeper"])["body"]) == expected
    assert result.document["input"] == "charge card <CARD_NUMBER_1> and call <PHONE_1>"
    assert result.counts == {"card_number": 6, "password": 1, "phone": 4}
    output = dumps_data(result.document)
    assert str(CARD).encode() not in output
    assert str(PHONE).encode() not in output
    assert {(f.path, f.detector) for f in scan_document(doc)} >= {
        ("arguments.card", "card_number"),
        ("arguments.phone", "phone"),
        ("arguments.pin_password", "password"),
        ("result", "card_number"),
        ("result", "phone"),
    }
    assert scan_document(result.document) == []


def test_bare_numbers_in_nested_json_text_are_quoted_so_it_still_parses() -> None:
    inner = json.dumps({"card": CARD, "phone": PHONE, "n": [CARD, 2], "x": {"mobile": PHONE}})
    doc = {
        "arguments": json.dumps({"card": CARD, "customer": {"tel": PHONE}}),
        "attributes": {"gen_ai.tool.call.result": json.dumps({"payload": inner})},
        "compact": '{"card":4111111111111111,"phone":5551234567}',
    }
    result = redact_document(doc).document
    assert json.loads(result["arguments"]) == {"card": "<CARD_NUMBER_1>", "customer": {"tel": "<PHONE_1>"}}
    payload = json.loads(json.loads(result["attributes"]["gen_ai.tool.call.result"])["payload"])
    assert payload == {
        "card": "<CARD_NUMBER_1>",
        "phone": "<PHONE_1>",
        "n": ["<CARD_NUMBER_1>", 2],
        "x": {"mobile": "<PHONE_1>"},
    }
    assert json.loads(result["compact"]) == {"card": "<CARD_NUMBER_1>", "phone": "<PHONE_1>"}
    assert scan_document(result) == []


def test_secret_named_keys_inside_nested_json_are_redacted() -> None:
    inner = {
        "password": "correct horse battery",
        "api_key": "plainlowercasekey",
        "token": "abc",
        "authorization": "Bearer short",
        "Proxy-Authorization": "Basic Zm9vOmJhcg==",
        "cookie": "sid=1; theme=dark",
        "Set-Cookie": "sid=1; Path=/",
        "X-Api-Key": "k",
        "client_secret": "two words",
        "secret": "***",  # already masked: stays
        "max_tokens": 100,
        "note": "nothing here",
    }
    doc = {
        "attributes": {"llm.invocation_parameters": json.dumps(inner)},
        "deeper": json.dumps({"headers": json.dumps(inner)}),
        "top": inner,
    }
    result = redact_document(doc)
    nested = json.loads(result.document["attributes"]["llm.invocation_parameters"])
    deeper = json.loads(json.loads(result.document["deeper"])["headers"])
    top = result.document["top"]
    for redacted in (nested, deeper, top):
        assert redacted["secret"] == "***"
        assert redacted["max_tokens"] == 100
        assert redacted["note"] == "nothing here"
        for key in ("password", "api_key", "token", "cookie", "Set-Cookie", "X-Api-Key", "client_secret"):
            assert PLACEHOLDER.fullmatch(redacted[key]), (key, redacted[key])
        assert redacted["authorization"].startswith("Bearer <")
        assert redacted["Proxy-Authorization"].startswith("Basic <")
    # the same value gets the same placeholder at every level
    assert nested == deeper == top
    output = dumps_data(result.document)
    for key in ("password", "api_key", "client_secret", "cookie", "Set-Cookie"):
        assert inner[key].encode() not in output, key
    assert scan_document(result.document) == []


def test_secret_values_with_json_escapes_in_nested_json_are_replaced_whole() -> None:
    """``\\n``, ``\\"``, ``\\\\`` and ``\\u00e9`` inside the value: the whole value goes, and the text still parses."""
    values = {
        "password": 'p"a\\ss\nw\u00f6rd',  # a quote, a backslash, a newline, a non-ASCII letter
        "api_key": "zq\tplain\\",  # ends with a backslash: its escape is part of the value
        "authorization": 'Bearer 9f8e"7d6c\\5b4a',
        "client_secret": "caf\u00e9 cr\u00e8me",
    }
    inner = {**values, "note": 'kept "as is"\n'}
    doc = {
        "ascii": json.dumps(inner),
        "unicode": json.dumps(inner, ensure_ascii=False),
        "deeper": json.dumps({"body": json.dumps(inner)}),
        "deepest": json.dumps({"wrap": json.dumps({"body": json.dumps(inner)})}),
    }
    result = redact_document(doc).document
    levels = [
        json.loads(result["ascii"]),
        json.loads(result["unicode"]),
        json.loads(json.loads(result["deeper"])["body"]),
        json.loads(json.loads(json.loads(result["deepest"])["wrap"])["body"]),
    ]
    for redacted in levels:
        assert redacted["note"] == inner["note"]
        assert PLACEHOLDER.fullmatch(redacted["password"]), redacted
        assert PLACEHOLDER.fullmatch(redacted["api_key"]), redacted
        assert PLACEHOLDER.fullmatch(redacted["client_secret"]), redacted
        assert re.fullmatch(r"Bearer <[A-Z_]+_[0-9]+>", redacted["authorization"]), redacted
    output = dumps_data(result)
    for fragment in ("w\\u00f6rd", "wörd", "a\\\\ss", "zq", "plain", "7d6c", "5b4a", "cr\\u00e8me", "crème"):
        assert fragment.encode() not in output, fragment
    assert scan_document(result) == []


def test_an_authorization_value_counts_as_what_it_is_at_every_level() -> None:
    """``Bearer ...`` is a bearer token in a document and in JSON text nested in it; ``Basic ...`` a secret."""
    headers = {
        "authorization": "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "proxy-authorization": "Bearer short",
        "x-api-key": "Basic Zm9vOmJhcg==",
    }
    for where in ("top", "nested", "deeper"):
        doc: dict[str, object] = {
            "top": {"attributes": headers},
            "nested": {"attributes": json.dumps(headers)},
            "deeper": {"attributes": json.dumps({"request": json.dumps({"headers": headers})})},
        }
        result = redact_document({where: doc[where]})
        assert result.counts == {"bearer_token": 2, "secret": 1}, where
        text = json.dumps(result.document)
        assert "Bearer <BEARER_TOKEN_1>" in text
        assert "Bearer <BEARER_TOKEN_2>" in text
        assert "9f8e7d6c5b4a39281706f5e4d3c2b1a0" not in text
        assert "short" not in text
        assert "Basic <SECRET_1>" in text
        assert "Zm9vOmJhcg" not in text
        # scan names the same detectors the import counts
        assert {f.detector for f in scan_document({where: doc[where]})} == {"bearer_token", "secret"}, where


def test_phone_named_string_values_are_phones_when_they_read_as_one() -> None:
    doc = {
        "customer": {
            "phone": "5551234567",
            "mobile": "+44 7700 900123",
            "tel": "n/a",
            "phone_verified_at": "2026-01-02",
            "work_phone": "555 1234567",
        }
    }
    customer = redact_document(doc).document["customer"]
    assert customer == {
        "phone": "<PHONE_1>",
        "mobile": "<PHONE_2>",
        "tel": "n/a",
        "phone_verified_at": "2026-01-02",
        "work_phone": "<PHONE_1>",  # the same digits as "phone"
    }


def test_percent_encoded_email_shares_the_placeholder_of_the_plain_one() -> None:
    doc = {"a": "from jane@example.com", "b": "https://x.io/unsubscribe?email=jane%40example.com&t=1"}
    result = redact_document(doc).document
    assert result == {"a": "from <EMAIL_1>", "b": "https://x.io/unsubscribe?email=<EMAIL_1>&t=1"}
