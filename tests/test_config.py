"""``[tool.agenttrace]``: the keys users write, and clear errors for the ones they mistype."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_agenttrace.config import load_config
from pytest_agenttrace.errors import ConfigError

FULL = """
[tool.agenttrace]
fixtures = ["fixtures", "more/*.trace.json"]
entrypoint = "refund_app.agent:handle"
model = "refund_app.llm:chat"
policies = "policies.json"
input = "messages"

[tool.agenttrace.tools]
lookup_order = "refund_app.tools:lookup_order"
issue_refund = "refund_app.tools:issue_refund"

[tool.agenttrace.redact]
drop = ["http.request.header.authorization"]
"""


def project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    (tmp_path / "src" / "deep").mkdir(parents=True)
    return tmp_path / "src" / "deep"


def test_the_documented_keys_are_read(tmp_path):
    config = load_config(project(tmp_path, FULL))
    assert config.root == tmp_path
    assert config.fixtures == ("fixtures", "more/*.trace.json")
    assert config.entrypoint == "refund_app.agent:handle"
    assert config.model == "refund_app.llm:chat"
    assert dict(config.tools) == {
        "lookup_order": "refund_app.tools:lookup_order",
        "issue_refund": "refund_app.tools:issue_refund",
    }
    assert config.policies_path() == tmp_path / "policies.json"
    assert config.input == "messages"
    assert config.redact == {"drop": ["http.request.header.authorization"]}
    assert config.fixture_dirs() == [tmp_path / "fixtures", tmp_path / "more/*.trace.json"]


def test_defaults_without_a_table(tmp_path):
    config = load_config(project(tmp_path, "[project]\nname = 'x'\n"))
    assert config.fixtures == ("fixtures",)
    assert config.entrypoint is None
    assert config.root == tmp_path


def test_a_mistyped_key_lists_the_valid_ones(tmp_path):
    with pytest.raises(
        ConfigError, match=r"unknown key 'entry_point'; valid keys: adapter, drift, entrypoint"
    ):
        load_config(project(tmp_path, '[tool.agenttrace]\nentry_point = "a:b"\n'))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fixtures = 3", "fixtures: expected a list of folders or globs, got int"),
        ('input = "dict"', "input: expected 'auto' or 'messages', got 'dict'"),
        ("tools = {lookup = 3}", "tools.lookup: expected an import path"),
        ('drift = "loud"', "drift: expected 'warn', 'fail' or 'off'"),
    ],
)
def test_wrong_values_are_named(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(project(tmp_path, f"[tool.agenttrace]\n{text}\n"))


def test_broken_toml_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"pyproject\.toml: cannot read"):
        load_config(project(tmp_path, "[tool.agenttrace\n"))
