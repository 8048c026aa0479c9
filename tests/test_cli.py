"""The ``agenttrace`` command through its real entry point: help, validate, show, mark, schema."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_agenttrace.store import dumps_data, load_fixture
from tests.factories import refund_document

EXE = shutil.which("agenttrace", path=str(Path(sys.executable).parent))


def agenttrace(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [EXE] if EXE else [sys.executable, "-m", "pytest_agenttrace"]
    # a CI runner that forces colour for pytest's log would force it here too: the tests say when
    env = {k: v for k, v in os.environ.items() if k not in ("PY_COLORS", "FORCE_COLOR", "NO_COLOR")}
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=120, env=env
    )


@pytest.fixture
def fixture_file(tmp_path: Path) -> Path:
    path = tmp_path / "fixtures" / "refund-tool-error.trace.json"
    path.parent.mkdir()
    path.write_bytes(dumps_data(refund_document()))
    return path


def test_the_console_script_is_installed():
    assert EXE is not None, "the `agenttrace` console script is not installed next to the interpreter"


@pytest.mark.parametrize("command", ["import-trace", "validate", "show", "mark", "scan", "schema"])
def test_every_subcommand_has_help(command):
    result = agenttrace(command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: agenttrace {command}")
    assert len(result.stdout.splitlines()) > 4


def test_top_level_help_lists_the_commands_and_exit_codes():
    result = agenttrace("--help")
    assert result.returncode == 0
    for command in ["import-trace", "validate", "show", "mark", "scan", "schema"]:
        assert command in result.stdout
    assert "Exit codes: 0 ok, 1 a check failed, 2 usage or input error" in " ".join(result.stdout.split())


def test_usage_errors_exit_2():
    assert agenttrace().returncode == 2
    assert agenttrace("nonsense").returncode == 2
    result = agenttrace("mark", "x.trace.json")
    assert result.returncode == 2
    assert "one of the arguments --regression --golden --known-bad is required" in result.stderr


def test_validate_accepts_good_fixtures(fixture_file):
    result = agenttrace("validate", str(fixture_file.parent))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "1 valid, 0 invalid"


def test_validate_reports_every_problem_with_file_and_path(fixture_file):
    broken = refund_document()
    broken["steps"][3]["arguments"] = "ORD-2002"
    bad = fixture_file.parent / "broken.trace.json"
    bad.write_bytes(dumps_data(broken))
    truncated = fixture_file.parent / "truncated.trace.json"
    truncated.write_bytes(fixture_file.read_bytes()[:300])
    result = agenttrace("validate", str(fixture_file.parent))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{bad}: steps[3].arguments: Input should be a valid dictionary",
        f"{truncated}: line 14, column 16: invalid JSON: unexpected end of file (truncated?)",
    ]
    assert result.stderr.strip() == "1 valid, 2 invalid"


def test_validate_defaults_to_the_configured_folders(fixture_file):
    project = fixture_file.parent.parent
    (project / "pyproject.toml").write_text('[tool.agenttrace]\nfixtures = ["fixtures"]\n')
    result = agenttrace("validate", cwd=project)
    assert result.returncode == 0
    assert "1 valid" in result.stderr


def test_validate_with_nothing_to_check_fails(tmp_path):
    result = agenttrace("validate", str(tmp_path))
    assert result.returncode == 1
    assert "no fixture files found" in result.stderr
    assert agenttrace("validate", str(tmp_path / "missing")).returncode == 2


def test_show_prints_a_timeline(fixture_file):
    result = agenttrace("show", str(fixture_file), "--width", "160")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "refund-tool-error  regression  from otlp trace 4bf92f3577b34da6a3ce929d0e0e4736"
    assert lines[1] == "reason: refund of $850 issued without approval"
    assert lines[2] == 'input:  "My order (ORD-2002) stopped working"'
    body = "\n".join(lines[4:])
    assert '→ lookup_order(order_id="ORD-2002")' in body  # the model's request
    assert 'order_id="ORD-2002" → {"order_id": "ORD-2002", "total": 850.0' in body  # the tool's answer
    assert "120/15" in body
    assert "410 ms" in body
    refund = next(line for line in lines if " tool " in line and "issue_refund" in line)
    assert 'order_id="ORD-2002", amount=850.0' in refund
    assert "✗ RefundLimitExceeded: refunds over $100 need approval" in refund
    assert "\x1b[" not in result.stdout  # no colour when not a terminal
    assert lines[-1] == "totals: 4 steps, 2 model calls, 2 tool calls, 1 error, 365 tokens, 912 ms"


def test_show_colours_errors_when_asked(fixture_file):
    result = agenttrace("show", str(fixture_file), "--color", "always")
    assert "\x1b[31m✗ RefundLimitExceeded" in result.stdout


def test_show_names_a_broken_file(tmp_path):
    bad = tmp_path / "bad.trace.json"
    bad.write_text("{")
    result = agenttrace("show", str(bad))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"agenttrace: error: {bad}: line 1, column 2: invalid JSON: unexpected end of file (truncated?)"
    )


def test_mark_rewrites_status_reason_and_links(fixture_file):
    before = fixture_file.read_bytes()
    result = agenttrace(
        "mark",
        str(fixture_file),
        "--known-bad",
        "--reason",
        "still refunds without approval",
        "--link",
        "https://example.org/issues/7",
        "--link",
        "https://example.org/incidents/42",
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"{fixture_file}: regression -> known-bad (reason and links updated)"
    fixture = load_fixture(fixture_file)
    assert fixture.status == "known-bad"
    assert fixture.reason == "still refunds without approval"
    assert fixture.links == ["https://example.org/incidents/42", "https://example.org/issues/7"]
    # only those fields changed
    old, new = json.loads(before), json.loads(fixture_file.read_bytes())
    assert {k for k in old if old[k] != new.get(k)} == {"status", "reason", "links"}
    assert agenttrace("mark", str(fixture_file), "--regression").stderr.strip() == (
        f"{fixture_file}: known-bad -> regression"
    )
    assert load_fixture(fixture_file).status == "regression"
    again = agenttrace("mark", str(fixture_file), "--regression", "--link", "https://example.org/issues/7")
    assert again.stderr.strip() == f"{fixture_file}: regression (unchanged)"
    relinked = agenttrace("mark", str(fixture_file), "--regression", "--link", "https://example.org/pr/9")
    assert relinked.stderr.strip() == f"{fixture_file}: regression (links updated)"


def test_mark_refuses_an_invalid_fixture_and_writes_nothing(fixture_file, tmp_path):
    broken = tmp_path / "broken.trace.json"
    broken.write_text('{"schema": {"name": "pytest-agenttrace/fixture", "version": "9.0"}, "id": "x"}')
    before = fixture_file.read_bytes()
    result = agenttrace("mark", str(fixture_file), str(broken), "--golden")
    assert result.returncode == 2
    assert "newer than this pytest-agenttrace reads" in result.stderr
    assert fixture_file.read_bytes() == before  # all files are checked before any is rewritten


def test_schema_prints_the_json_schema():
    result = agenttrace("schema")
    assert result.returncode == 0
    assert json.loads(result.stdout)["title"].startswith("pytest-agenttrace fixture")


def test_version():
    result = agenttrace("--version")
    assert result.stdout.startswith("pytest-agenttrace ")


def test_validate_names_a_duplicate_key(fixture_file):
    text = fixture_file.read_text(encoding="utf-8")
    fixture_file.write_text(
        text.replace('"id": "a2",', '"id": "a2",\n      "id": "a3",', 1), encoding="utf-8"
    )
    result = agenttrace("validate", str(fixture_file))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f'{fixture_file}: steps[1]: duplicate key "id"']


def test_mark_adds_each_link_once_keeping_their_order(fixture_file):
    issue, pr = "https://example.org/issues/7", "https://example.org/pr/9"
    result = agenttrace("mark", str(fixture_file), "--golden", "--link", issue, "--link", pr, "--link", issue)
    assert result.returncode == 0, result.stderr
    assert load_fixture(fixture_file).links == ["https://example.org/incidents/42", issue, pr]
    again = agenttrace("mark", str(fixture_file), "--golden", "--link", pr, "--link", pr)
    assert again.stderr.strip() == f"{fixture_file}: golden (unchanged)"
    assert load_fixture(fixture_file).links == ["https://example.org/incidents/42", issue, pr]


def test_mark_with_links_drops_the_duplicates_a_file_already_had(fixture_file):
    document = json.loads(fixture_file.read_bytes())
    document["links"] = ["https://example.org/a", "https://example.org/b", "https://example.org/a"]
    fixture_file.write_bytes(dumps_data(document))
    result = agenttrace("mark", str(fixture_file), "--regression", "--link", "https://example.org/b")
    assert result.returncode == 0, result.stderr
    assert load_fixture(fixture_file).links == ["https://example.org/a", "https://example.org/b"]
    assert result.stderr.strip() == f"{fixture_file}: regression (links updated)"


@pytest.mark.parametrize("command", ["validate", "show", "mark", "scan"])
def test_help_ends_with_exit_codes_and_examples_that_parse(command):
    import shlex

    from pytest_agenttrace.cli import build_parser

    result = agenttrace(command, "--help")
    assert result.returncode == 0
    tail = result.stdout[result.stdout.index("\nexit codes: 0 ") :]
    codes, examples = tail.split("\nexamples:\n")
    assert " 2 " in " ".join(codes.split())  # every command can fail on input
    commands = [line.split("  # ")[0].strip() for line in examples.splitlines() if line.strip()]
    assert len(commands) >= 3
    parser = build_parser()
    for example in commands:
        argv = shlex.split(example)
        assert argv[:2] == ["agenttrace", command], example
        args = parser.parse_args(argv[1:])  # a usage error would exit 2 here
        assert args.command == command
    assert all(len(line) <= 80 for line in tail.splitlines()), tail  # copied whole, not re-wrapped
