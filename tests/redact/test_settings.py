"""``[tool.agenttrace.redact]``: good tables build settings, bad ones fail with a message naming the key."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_agenttrace.errors import ConfigError
from pytest_agenttrace.redact import RedactSettings, settings_from_config
from pytest_agenttrace.redact.paths import ANY, DEEP, INDEX, KEY, QKEY, parse_path


def test_defaults() -> None:
    settings = settings_from_config({})
    assert settings == RedactSettings()
    assert settings.ip_addresses == "public"


def test_full_table() -> None:
    settings = settings_from_config(
        {
            "disable": ["phone"],
            "ip_addresses": True,
            "allow": "support@example.com",
            "allow_patterns": [r".*@example\.com"],
            "drop_paths": ["steps[*].attributes.http.request.header.authorization"],
            "drop_attributes": ["http.request.header.cookie"],
            "patterns": [{"name": "employee_id", "regex": r"EMP-\d{6}"}],
        }
    )
    assert settings.disabled == {"phone"}
    assert settings.ip_addresses == "all"
    assert settings.allowed("support@example.com")
    assert settings.allowed("x@example.com")
    assert not settings.allowed("x@example.org")
    assert settings.patterns[0].label == "EMPLOYEE_ID"
    assert settings_from_config({"ip_addresses": False}).ip_addresses == "none"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"disabled": ["phone"]}, "unknown key 'disabled'"),
        ({"disable": ["telephone"]}, "disable: unknown detector 'telephone'"),
        ({"disable": "phone, email"}, "unknown detector 'phone, email'"),
        ({"ip_addresses": "private"}, "ip_addresses: expected"),
        ({"allow": [1]}, "allow: expected a list"),
        ({"allow_patterns": ["(unclosed"]}, "allow_patterns[0]: invalid regular expression '(unclosed'"),
        ({"patterns": {"employee_id": "EMP-(\\d"}}, "patterns.employee_id: invalid regular expression"),
        ({"patterns": {"bad name": "x"}}, "name 'bad name' must start with a letter"),
        ({"patterns": {"email": "x@y"}}, "patterns.email: 'email' is a built-in detector"),
        ({"patterns": {"opt": "a?"}}, "patterns.opt: 'a?' matches the empty string"),
        ({"patterns": {"n": 3}}, "patterns.n: expected a regular expression string"),
        ({"patterns": ["x"]}, "patterns[0]: expected a table with keys 'name' and 'regex'"),
        ({"patterns": "x"}, "patterns: expected a table"),
        ({"drop_paths": ["steps[*]..x"]}, "drop_paths[0]: empty key"),
        ({"drop_paths": ["steps[abc]"]}, "drop_paths[0]: cannot parse"),
        ({"drop_paths": ["steps.**"]}, "ends with '**'"),
        ({"drop_paths": ["steps."]}, "ends with '.'"),
        ({"drop_attributes": ["http.*"]}, "drop_attributes[0]: 'http.*' is not an attribute name"),
    ],
)
def test_bad_config_names_the_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=r"\[tool\.agenttrace\.redact\]") as info:
        settings_from_config(table)
    assert message in str(info.value)


def test_path_syntax() -> None:
    assert parse_path('a[0].b["c.d"].*.**.e[*]') == (
        (KEY, "a"),
        (INDEX, 0),
        (KEY, "b"),
        (QKEY, "c.d"),
        (ANY, None),
        (DEEP, None),
        (KEY, "e"),
        (ANY, None),
    )
