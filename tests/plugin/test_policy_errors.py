"""A broken policies file or import names the place in the file, never pydantic's class or branch names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .kit import fixture_doc, make_project

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("rule", "line"),
    [
        (
            {"requires": {"tool": "request_approval", "result": True}},
            "policies.json: policies[0].requires.result: Input should be a valid dictionary",
        ),
        ({"requires": 5}, "policies.json: policies[0].requires: Input should be a valid dictionary"),
        ({}, "policies.json: policies[0]: a policy needs `requires`, `then` or `forbid: true`"),
    ],
)
def test_a_bad_rule_in_the_policies_file_names_its_json_path(
    pytester: pytest.Pytester, rule: dict[str, object], line: str
) -> None:
    make_project(
        pytester,
        fixtures=[fixture_doc()],
        policies=[{"id": "refund-needs-approval", "tool": "issue_refund", **rule}],
    )
    result = pytester.runpytest_subprocess("--agenttrace")
    output = result.stdout.str() + result.stderr.str()
    assert result.ret != 0
    assert f"ERROR: {pytester.path}/{line}" in output.splitlines(), output
    for name in ("RequiredCall", "Policy", "function-after"):
        assert name not in output


def test_an_import_the_model_rejects_names_the_place_in_the_fixture(tmp_path: Path) -> None:
    """Validation of the imported document (here made invalid by a drop path) reads like the store's."""
    export = ROOT / "tests/data/corpus/langsmith/traceable__refund_tool_error.runs.json"
    (tmp_path / "pyproject.toml").write_text('[tool.agenttrace.redact]\ndrop_paths = ["steps[*].name"]\n')
    result = subprocess.run(
        [sys.executable, "-m", "pytest_agenttrace", "import-trace", str(export), "--out", "fixtures"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert result.returncode != 0
    assert (
        f"agenttrace import-trace: error: {export}: trace 01a200f3-5888-7322-a373-1bfbcdbd1c87: "
        "steps[1].name: Field required"
    ) in result.stderr.splitlines(), result.stderr
    assert not (tmp_path / "fixtures").exists()
