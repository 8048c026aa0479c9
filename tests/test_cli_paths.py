"""What `agenttrace validate` and `agenttrace scan` check: explicit paths are honoured, and finding nothing
to check is an error, because a CI step that scans or validates nothing passes while guarding nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_agenttrace.store import dumps_data
from tests.factories import refund_document
from tests.test_cli import agenttrace


@pytest.mark.parametrize("command", ["scan", "validate"])
@pytest.mark.parametrize("quiet", [[], ["-q"]])
def test_an_empty_folder_is_an_error_not_a_pass(tmp_path: Path, command: str, quiet: list[str]) -> None:
    empty = tmp_path / "fixtures"
    empty.mkdir()
    (empty / "notes.json").write_text("{}")  # not a fixture file
    result = agenttrace(command, str(empty), *quiet, cwd=tmp_path)
    assert result.returncode == (2 if command == "scan" else 1)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"agenttrace {command}: no fixture files found under {empty}"]


def test_a_glob_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    result = agenttrace("scan", "fixtures/**/*.trace.json", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "agenttrace scan: no fixture files found under fixtures/**/*.trace.json"
    ]


def test_configured_folders_with_nothing_in_them_are_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.agenttrace]\nfixtures = ["fixtures", "more"]\n')
    (tmp_path / "fixtures").mkdir()
    result = agenttrace("scan", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"agenttrace scan: no fixture files found under {tmp_path / 'fixtures'}, {tmp_path / 'more'}"
    ]


def test_validate_checks_an_explicitly_named_file_whatever_its_name(tmp_path: Path) -> None:
    good = tmp_path / "refund.json"
    good.write_bytes(dumps_data(refund_document()))
    result = agenttrace("validate", str(good), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "1 valid, 0 invalid"
    broken = refund_document()
    broken["status"] = "flaky"
    bad = tmp_path / "broken.fixture"
    bad.write_bytes(dumps_data(broken))
    result = agenttrace("validate", str(bad), str(good), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{bad}: status: Input should be 'regression', 'golden' or 'known-bad'"
    ]
    assert result.stderr.strip() == "1 valid, 1 invalid"


def test_a_folder_still_means_its_trace_json_files(tmp_path: Path) -> None:
    folder = tmp_path / "fixtures"
    folder.mkdir()
    (folder / "a.trace.json").write_bytes(dumps_data(refund_document()))
    shutil.copy(folder / "a.trace.json", folder / "a.json.bak")
    result = agenttrace("validate", str(folder), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr.strip() == "1 valid, 0 invalid"


def test_scan_disable_typo_is_blamed_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "x.trace.json").write_bytes(dumps_data(refund_document()))
    result = agenttrace("scan", "x.trace.json", "--disable", "emial", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("agenttrace scan: --disable emial: unknown detector; detectors: ")
    assert "email" in line
    assert "pyproject" not in line
    assert "tool.agenttrace" not in line


def test_scan_disable_typo_in_pyproject_is_blamed_on_pyproject(tmp_path: Path) -> None:
    (tmp_path / "x.trace.json").write_bytes(dumps_data(refund_document()))
    (tmp_path / "pyproject.toml").write_text('[tool.agenttrace.redact]\ndisable = ["phnoe"]\n')
    result = agenttrace("scan", "x.trace.json", "--disable", "email", cwd=tmp_path)
    assert result.returncode == 2
    assert "disable: unknown detector 'phnoe'" in result.stderr
    assert "[tool.agenttrace.redact]" in result.stderr
