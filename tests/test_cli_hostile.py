"""Hostile input: documents nested far deeper than any trace get one line and a non-zero exit, fast.

ijson's streaming parser builds the path of every event and holds a buffer's events at once: a 1 MB
document nested 100,000 levels deep cost it more than 20 GB before the nesting guard. The standard
library's parser raises RecursionError, which every reader must turn into a line naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_agenttrace.importers._common import MAX_NESTING, nesting_depth
from tests.test_cli import agenttrace

DEPTH = 5_000


def _deep(path: Path, prefix: str = "", suffix: str = "") -> Path:
    path.write_text(prefix + "[" * DEPTH + "]" * DEPTH + suffix, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["langsmith", "openai-agents"])
def test_a_deeply_nested_export_is_refused_before_it_is_streamed(tmp_path: Path, fmt: str) -> None:
    export = _deep(tmp_path / "export.json")
    done = agenttrace("import-trace", str(export), "--format", fmt, "--out", str(tmp_path / "fx"))
    assert done.returncode == 2, done.stderr
    assert f"{export.name}: invalid JSON: nested more than {MAX_NESTING} levels deep" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "fx").exists() or not any((tmp_path / "fx").iterdir())


@pytest.mark.parametrize("command", [["validate"], ["scan"], ["show"], ["mark", "--golden"]])
def test_a_deeply_nested_fixture_is_one_line_for_every_command(tmp_path: Path, command: list[str]) -> None:
    fixture = _deep(
        tmp_path / "deep.trace.json", '{"schema": {"name": "pytest-agenttrace/fixture"}, "input": ', "}"
    )
    before = fixture.read_bytes()
    done = agenttrace(command[0], str(fixture), *command[1:])
    assert done.returncode in (1, 2), done.stdout + done.stderr
    assert "deep.trace.json: (top level): invalid JSON: nested too deeply to be a fixture" in (
        done.stdout + done.stderr
    )
    assert "Traceback" not in done.stderr
    assert fixture.read_bytes() == before  # mark wrote nothing


def test_nesting_is_measured_outside_strings(tmp_path: Path) -> None:
    """Brackets inside strings (JSON text in an attribute, escaped quotes) do not count."""
    text = tmp_path / "strings.json"
    text.write_text('[{"value": "' + "[{" * 2000 + '\\" ]]] \\\\"}]\n', encoding="utf-8")
    assert nesting_depth(text) is None
    assert nesting_depth(_deep(tmp_path / "deep.json")) == DEPTH


def test_the_nesting_guard_reads_in_blocks_whatever_the_file_size(tmp_path: Path) -> None:
    """Its memory is a constant (the block), not a share of the file: 1 MB and 16 MB cost the same."""
    import tracemalloc

    peaks = []
    for copies in (1, 16):
        path = tmp_path / f"export-{copies}.json"
        record = json.dumps(
            {"name": "x" * 200, "inputs": {"messages": [{"content": '{"a": [1, {"b": "]"}]}'}]}}
        )
        with path.open("w", encoding="utf-8") as out:
            out.write("[" + ",".join([record] * (4000 * copies)) + "]")
        tracemalloc.start()
        try:
            assert nesting_depth(path) is None
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] < 2 * peaks[0] + (1 << 20), peaks


def test_an_integer_of_thousands_of_digits_is_one_line(tmp_path: Path) -> None:
    """Python refuses to convert integers of more than 4,300 digits: a line naming the file, no traceback."""
    fixture = tmp_path / "big.trace.json"
    fixture.write_text(
        '{"schema": {"name": "pytest-agenttrace/fixture", "version": "1.0"}, "id": "x", "input": 1'
        + "0" * 5000
        + "}",
        encoding="utf-8",
    )
    for command in (["validate"], ["show"], ["scan"]):
        done = agenttrace(command[0], str(fixture))
        assert done.returncode in (1, 2), done.stdout + done.stderr
        assert "big.trace.json: (top level): invalid JSON: Exceeds the limit (4300 digits)" in (
            done.stdout + done.stderr
        )
        assert "Traceback" not in done.stderr
