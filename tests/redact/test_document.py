"""Redaction of whole fixture documents: planted data everywhere, none of it survives, matching still works."""

from __future__ import annotations

import copy
import json
from typing import Any

from pytest_agenttrace.checks.policies import check_policies, parse_policies
from pytest_agenttrace.model import Fixture
from pytest_agenttrace.redact import (
    RedactSettings,
    redact_document,
    scan_document,
    settings_from_config,
)
from pytest_agenttrace.replay.run import ActualRun
from pytest_agenttrace.store import dumps_data

from .planted import IN_CONTEXT, SECRETS

EMAIL = "alice.smith@example.com"
PHONE = "+44 20 7946 0958"
CARD = "4111 1111 1111 1111"
KEY = SECRETS["openai_key"][1]


def planted_document() -> dict[str, Any]:
    """A refund run with personal data and credentials in every place a trace keeps them."""
    every_secret = " | ".join(v for values in SECRETS.values() for v in values)
    every_context = " | ".join(text for cases in IN_CONTEXT.values() for text, _s, _k in cases)
    arguments = {"to": EMAIL, "phone": PHONE, "card": CARD, "note": every_context}
    return {
        "id": "refund-ORD-2002",
        "status": "regression",
        "input": [{"role": "user", "content": f"I'm {EMAIL}, call {PHONE}. Everything: {every_secret}"}],
        "steps": [
            {
                "kind": "model",
                "id": "4bf92f3577b34da6",
                "timing": {"start": "2026-01-02T03:04:05.123456Z", "duration_ms": 812.5},
                "messages": [
                    {"role": "system", "content": f"Use key {KEY} for the billing API."},
                    {"role": "user", "content": f"Refund ORD-2002 to {EMAIL}, card {CARD}"},
                ],
                "response": {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "send_email", "arguments": json.dumps(arguments)},
                        }
                    ],
                },
                "attributes": {
                    "http.request.header.authorization": "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0",
                    "http.request.header.x-api-key": "plainsecretvalue",
                    "client.address": "81.2.69.160",
                    "llm.input_messages": json.dumps([{"role": "user", "content": f"mail {EMAIL}"}]),
                    "gen_ai.usage.input_tokens": 120,
                },
            },
            {
                "kind": "tool",
                "id": "00f067aa0ba902b7",
                "parent": "4bf92f3577b34da6",
                "name": "send_email",
                "call_id": "call_1",
                "arguments": arguments,
                "result": {
                    "sent": True,
                    "customer": {"email": EMAIL, "iban": "DE89 3704 0044 0532 0130 00"},
                    "raw": json.dumps({"nested": json.dumps({"deeper": EMAIL, "key": KEY})}),
                    "by_address": {EMAIL: {"orders": ["ORD-2002"]}},
                },
                "attributes": {"db.connection_string": "postgres://app:s3cr3t-P4ss@db.internal:5432/shop"},
            },
        ],
        "output": f"Refund sent to {EMAIL}",
    }


def _all_planted_values() -> list[str]:
    values = [v for vals in SECRETS.values() for v in vals]
    values += [secret for cases in IN_CONTEXT.values() for _t, secret, _k in cases]
    return [*values, "plainsecretvalue"]


def test_nothing_planted_survives_bytewise() -> None:
    result = redact_document(planted_document())
    output = dumps_data(result.document)
    for value in _all_planted_values():
        assert value.encode() not in output, value
        assert json.dumps(value)[1:-1].encode() not in output, value  # nor in its escaped form
    assert scan_document(result.document) == []


def test_nested_json_stays_valid() -> None:
    doc = redact_document(planted_document()).document
    arguments = json.loads(doc["steps"][0]["response"]["tool_calls"][0]["function"]["arguments"])
    assert arguments["to"] == "<EMAIL_1>"
    raw = json.loads(doc["steps"][1]["result"]["raw"])
    system = doc["steps"][0]["messages"][0]["content"]  # "Use key <OPENAI_KEY_n> for the billing API."
    key_placeholder = system.split()[2]
    assert key_placeholder.startswith("<OPENAI_KEY_")
    assert json.loads(raw["nested"]) == {"deeper": "<EMAIL_1>", "key": key_placeholder}
    messages = json.loads(doc["steps"][0]["attributes"]["llm.input_messages"])
    assert messages == [{"role": "user", "content": "mail <EMAIL_1>"}]


def test_placeholders_are_consistent_across_the_document() -> None:
    doc = redact_document(planted_document()).document
    tool = doc["steps"][1]
    assert tool["arguments"]["to"] == "<EMAIL_1>"
    assert tool["result"]["customer"]["email"] == "<EMAIL_1>"
    assert doc["output"] == "Refund sent to <EMAIL_1>"
    assert "<EMAIL_1>" in doc["steps"][0]["messages"][1]["content"]
    assert tool["arguments"]["phone"] == "<PHONE_1>"
    assert tool["arguments"]["card"] == "<CARD_NUMBER_1>"
    model_args = json.loads(doc["steps"][0]["response"]["tool_calls"][0]["function"]["arguments"])
    assert model_args == tool["arguments"]  # the model's call and the tool's run still match


def test_keys_are_redacted_too() -> None:
    doc = redact_document(planted_document()).document
    assert doc["steps"][1]["result"]["by_address"] == {"<EMAIL_1>": {"orders": ["ORD-2002"]}}
    assert "http.request.header.authorization" in doc["steps"][0]["attributes"]


def test_secret_named_fields_are_replaced_whole() -> None:
    attributes = redact_document(planted_document()).document["steps"][0]["attributes"]
    assert attributes["http.request.header.x-api-key"].startswith("<SECRET_")
    assert attributes["http.request.header.authorization"] == "Bearer <BEARER_TOKEN_1>"
    assert attributes["client.address"] == "<IP_ADDRESS_1>"
    assert attributes["gen_ai.usage.input_tokens"] == 120
    masked = redact_document({"password": "***", "api_key": "[REDACTED]", "headers": {"cookie": ["a=b1"]}})
    assert masked.document == {
        "password": "***",
        "api_key": "[REDACTED]",
        "headers": {"cookie": ["<SECRET_1>"]},
    }


def _redacted_run(verified: str) -> ActualRun:
    """The planted refund run with a ``verify_customer`` call before the e-mail, redacted, as a fixture."""
    document = planted_document()
    verify = {"kind": "tool", "id": "verify", "name": "verify_customer", "arguments": {"to": verified}}
    document["steps"].insert(1, verify)
    document["schema"] = {"name": "pytest-agenttrace/fixture", "version": "1.0"}
    fixture = Fixture.model_validate(redact_document(document).document)
    return ActualRun.from_recording(fixture)


def test_a_policy_on_redacted_arguments_still_matches() -> None:
    """Policies written against the redacted fixture, run by the real policy check, match its arguments.

    ``when`` matches the placeholder the customer's address became, and ``same`` finds the verification of
    that same address before the e-mail: only because the address got one placeholder everywhere.
    """
    policies = parse_policies(
        {
            "policies": [
                {
                    "id": "no-mail-to-this-customer",
                    "tool": "send_email",
                    "when": {"properties": {"to": {"const": "<EMAIL_1>"}}, "required": ["to"]},
                    "forbid": True,
                },
                {
                    "id": "no-mail-to-someone-else",
                    "tool": "send_email",
                    "when": {"properties": {"to": {"const": "<EMAIL_2>"}}, "required": ["to"]},
                    "forbid": True,
                },
                {
                    "id": "verify-the-address-first",
                    "tool": "send_email",
                    "requires": {"tool": "verify_customer", "same": ["to"]},
                },
            ]
        }
    )
    failures = check_policies(_redacted_run(verified=EMAIL), policies)
    assert [(f.check, f.step) for f in failures] == [("policy:no-mail-to-this-customer", 2)]
    assert failures[0].actual["to"] == "<EMAIL_1>"
    # verified a different address: it became <EMAIL_2>, so the `same` requirement is not met
    failures = check_policies(_redacted_run(verified="someone.else@example.org"), policies)
    assert [f.check for f in failures] == [
        "policy:no-mail-to-this-customer",
        "policy:verify-the-address-first",
    ]


def test_counts_and_no_values_in_the_result() -> None:
    result = redact_document(planted_document())
    assert result.counts["email"] >= 8
    assert result.counts["openai_key"] >= 3
    assert set(result.counts) >= {"phone", "card_number", "iban", "password", "bearer_token", "secret"}
    assert result.dropped == 0
    assert all(isinstance(v, int) for v in result.counts.values())


def test_input_document_is_not_changed_and_clean_one_is_returned_as_is() -> None:
    original = planted_document()
    before = copy.deepcopy(original)
    redact_document(original)
    assert original == before
    clean = {
        "id": "x",
        "steps": [{"kind": "tool", "id": "1", "name": "lookup", "arguments": {"o": "ORD-2002"}}],
    }
    result = redact_document(clean)
    assert result.document is clean
    assert result.counts == {}


def test_redaction_is_deterministic_and_idempotent() -> None:
    first = redact_document(planted_document())
    second = redact_document(planted_document())
    assert dumps_data(first.document) == dumps_data(second.document)
    again = redact_document(first.document)
    assert again.document == first.document
    assert again.counts == {}


def test_existing_placeholders_are_not_reused_for_new_values() -> None:
    doc = {"a": "known <EMAIL_1>", "b": "new bob@example.org"}
    assert redact_document(doc).document == {"a": "known <EMAIL_1>", "b": "new <EMAIL_2>"}


def test_drop_paths_and_attributes() -> None:
    settings = settings_from_config(
        {
            "drop_paths": ["steps[*].result.customer", "steps[0].messages[0]"],
            "drop_attributes": ["client.address", "db.connection_string"],
        }
    )
    result = redact_document(planted_document(), settings)
    steps = result.document["steps"]
    assert "customer" not in steps[1]["result"]
    assert len(steps[0]["messages"]) == 1
    assert "client.address" not in steps[0]["attributes"]
    assert "db.connection_string" not in steps[1]["attributes"]
    assert result.dropped == 4


def test_drop_attribute_matches_nested_attribute_objects() -> None:
    settings = settings_from_config({"drop_attributes": ["http.request.header.authorization"]})
    doc = {
        "steps": [
            {"attributes": {"http": {"request": {"header": {"authorization": "x", "accept": "json"}}}}},
            {"attributes": {"http.request": {"header.authorization": "y"}}},
            {"result": {"http.request.header.authorization": "not an attributes map"}},
        ]
    }
    result = redact_document(doc, settings)
    assert result.document["steps"][0] == {
        "attributes": {"http": {"request": {"header": {"accept": "json"}}}}
    }
    assert result.document["steps"][1] == {"attributes": {"http.request": {}}}
    assert result.dropped == 2


def test_drop_path_wildcards() -> None:
    settings = settings_from_config({"drop_paths": ['**.metadata["user.email"]', "input.*.ssn"]})
    doc = {
        "input": {"a": {"ssn": "1", "k": 1}, "b": {"ssn": "2"}},
        "steps": [{"metadata": {"user.email": "z", "other": 1}}],
    }
    result = redact_document(doc, settings)
    assert result.document == {"input": {"a": {"k": 1}, "b": {}}, "steps": [{"metadata": {"other": 1}}]}


def test_allowlist_and_disable() -> None:
    settings = settings_from_config(
        {"allow": ["support@example.com"], "allow_patterns": [r".*@corp\.example"], "disable": ["phone"]}
    )
    text = "write support@example.com or jo@corp.example, not eve@evil.io; call +44 20 7946 0958"
    doc = redact_document({"t": text}, settings).document
    assert doc["t"] == "write support@example.com or jo@corp.example, not <EMAIL_1>; call +44 20 7946 0958"
    assert scan_document({"t": "support@example.com"}, settings) == []


def test_user_patterns() -> None:
    settings = settings_from_config(
        {"patterns": {"employee_id": r"EMP-\d{6}", "ticket": r"ticket=(?P<value>[a-z0-9]{12})"}}
    )
    doc = {"t": "EMP-123456 opened ticket=abcdef123456 for EMP-123456", "u": "ORD-2002"}
    result = redact_document(doc, settings)
    assert result.document["t"] == "<EMPLOYEE_ID_1> opened ticket=<TICKET_1> for <EMPLOYEE_ID_1>"
    assert result.counts == {"employee_id": 2, "ticket": 1}


def test_scan_reports_paths_and_detectors_never_values() -> None:
    findings = scan_document(planted_document())
    paths = {(f.path, f.detector) for f in findings}
    assert ("steps[1].arguments.to", "email") in paths
    assert ("steps[1].result.by_address[<email>] (key)", "email") in paths
    assert not any(EMAIL in f.path for f in findings)
    assert ("steps[0].attributes.http.request.header.x-api-key", "secret") in paths
    settings = settings_from_config({"drop_attributes": ["client.address"]})
    dropped = {(f.path, f.detector) for f in scan_document(planted_document(), settings)}
    assert ("steps[0].attributes.client.address", "drop_attributes") in dropped


def test_default_settings_object() -> None:
    assert (
        redact_document({"a": EMAIL}, None).document
        == redact_document({"a": EMAIL}, RedactSettings()).document
    )
