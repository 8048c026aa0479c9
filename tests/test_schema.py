"""The committed JSON Schema is the one the models generate, and it describes real fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema

from pytest_agenttrace.store import fixture_json_schema, schema_text
from tests.factories import refund_document

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "fixture.schema.json"


def test_committed_schema_is_current():
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "docs/fixture.schema.json is out of date: run `agenttrace schema --out docs/fixture.schema.json`"
    )


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(fixture_json_schema())


def test_schema_accepts_a_real_fixture_and_rejects_a_broken_one():
    validator = jsonschema.Draft202012Validator(json.loads(COMMITTED.read_text(encoding="utf-8")))
    document = refund_document()
    assert list(validator.iter_errors(document)) == []
    document["steps"][1]["arguments"] = "not an object"
    assert list(validator.iter_errors(document))


def test_schema_documents_the_step_kinds_and_fields():
    schema = fixture_json_schema()
    tool = schema["$defs"]["ToolStep"]
    assert tool["properties"]["kind"]["const"] == "tool"
    assert {"name", "call_id", "arguments", "result", "error", "parent", "timing", "attributes"} <= set(
        tool["properties"]
    )
    assert "description" in tool["properties"]["arguments"]


def test_schema_check_command_detects_a_stale_file(tmp_path):
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n")
    cmd = [sys.executable, "-m", "pytest_agenttrace", "schema", "--out", str(stale), "--check"]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "out of date; run `agenttrace schema --out" in result.stderr
    subprocess.run(cmd[:-1], check=True, capture_output=True)
    assert subprocess.run(cmd, capture_output=True, check=False).returncode == 0
    assert stale.read_text(encoding="utf-8") == schema_text()
