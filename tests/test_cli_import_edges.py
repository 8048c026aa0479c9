"""``agenttrace import-trace`` edge cases through the real entry point: the progress bar on a real terminal
(a pty), a truncated OTLP document, trace ids in upper case, "kept status", and spans + logs given as two
files."""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from .test_cli_import import AGENTS, DATA, PREFIX, cli, files

OTEL = DATA / "otel_genai"
SPANS = OTEL / "semconv_latest__all.otlp.json.gz"
LOGS = OTEL / "semconv_latest__all.otlp_logs.json.gz"
AGENTS_TRACE = "trace_24dbfd6f76c94828bdd8c0c93e7fe905"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.agenttrace]\nfixtures = ["recorded"]\n')
    return tmp_path


def _big_export(folder: Path, copies: int = 150) -> Path:
    text = AGENTS.read_text(encoding="utf-8")
    exports = [json.loads(text.replace("trace_24dbfd6f", f"trace_{copy:08x}")) for copy in range(copies)]
    path = folder / "traces.json"
    path.write_text(json.dumps(exports, indent=1), encoding="utf-8")
    return path


def _run_in_pty(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal; everything it wrote, raw."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))  # 200 columns
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_agenttrace", *args], cwd=cwd, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def _screen_lines(raw: str) -> list[str]:
    """What a terminal shows of each line: text after the last carriage return, erase codes applied."""
    lines = []
    for line in raw.replace("\r\n", "\n").split("\n"):
        lines.append(line.rsplit("\r", 1)[-1].replace("\x1b[K", ""))
    return lines


def test_progress_bar_on_a_terminal_is_cleared_around_each_line(work: Path) -> None:
    export = _big_export(work)
    code, raw = _run_in_pty(["import-trace", str(export), "--out", "out"], work)
    assert code == 0, raw
    # a real bar was drawn: percentage, bytes of the size, rate
    bars = re.findall(r"(?:scanning|importing) traces\.json +\d+% \[[#.]{20}\] [\d.]+/[\d.]+ MB, \d+ traces, "
                      r"\d+ written, [\d.]+ MB/s", raw)  # fmt: skip
    assert bars, raw[:2000]
    shown = _screen_lines(raw)
    wrote = [line for line in shown if line.startswith("wrote ")]
    assert len(wrote) == 150
    # no "wrote" line shares its screen line with the bar, and every one starts at the left margin
    assert not [line for line in shown if "wrote " in line and not line.startswith("wrote ")]
    assert not [line for line in shown if "% [" in line and "wrote" in line]
    # the bar is erased before each line is printed and drawn again after
    assert raw.count("\r\x1b[Kwrote ") >= 1
    # at the end it is gone: the last screen lines are the summary, not a bar
    assert shown[-2].startswith(f"{export}: 150 traces read (openai-agents), 150 fixtures written")
    assert "% [" not in shown[-1]


def test_no_progress_when_not_a_terminal(work: Path) -> None:
    export = _big_export(work, copies=40)
    result = cli(export, "--out", "out", cwd=work)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr + result.stdout
    assert "MB/s" not in result.stderr


def test_truncated_single_otlp_document_names_file_and_line(work: Path) -> None:
    data = gzip.decompress((OTEL / "semconv_latest__refund_success.otlp.json.gz").read_bytes())
    path = work / "cut.otlp.json"
    path.write_bytes(data[:5000])
    result = cli(path, "--out", "out", cwd=work)
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert re.fullmatch(re.escape(f"{PREFIX}{path}: line ") + r"\d+, column \d+: invalid JSON: .+", first), (
        first
    )
    assert "Traceback" not in result.stderr
    assert files(work / "out") == []


def test_trace_id_in_upper_case_is_found(work: Path) -> None:
    result = cli(AGENTS, "--trace-id", AGENTS_TRACE.upper(), "--out", "out", cwd=work)
    assert result.returncode == 0, result.stderr
    assert files(work / "out") == ["acme-support-3e7fe905.trace.json"]
    missing = cli(AGENTS, "--trace-id", "TRACE_NOPE", "--out", "out2", cwd=work)
    assert missing.returncode == 2
    assert "trace TRACE_NOPE: not found in the export" in missing.stderr


def test_kept_status_only_when_someone_chose_it(work: Path) -> None:
    assert cli(AGENTS, "--out", "out", cwd=work).returncode == 0
    again = cli(AGENTS, "--out", "out", "--force", cwd=work)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("replaced ")
    assert "kept" not in again.stdout  # the default status is not something anyone kept
    assert "kept what people wrote" not in again.stderr
    assert cli(AGENTS, "--out", "out", "--force", "--status", "known-bad", cwd=work).returncode == 0
    third = cli(AGENTS, "--out", "out", "--force", cwd=work)
    assert third.stdout.rstrip().endswith("; kept status")
    assert "1 kept what people wrote" in third.stderr


def test_spans_and_logs_as_two_files_is_the_same_as_logs_option(work: Path) -> None:
    both = cli(SPANS, LOGS, "--out", "a", cwd=work)
    assert both.returncode == 0, both.stderr
    option = cli(SPANS, "--logs", LOGS, "--out", "b", cwd=work)
    assert option.returncode == 0, option.stderr
    assert files(work / "a") == files(work / "b") != []
    for name in files(work / "a"):
        assert (work / "a" / name).read_bytes() == (work / "b" / name).read_bytes()
    # the order of the two files does not matter: the logs file is told by its content
    swapped = cli(LOGS, SPANS, "--out", "c", cwd=work)
    assert swapped.returncode == 0, swapped.stderr
    assert files(work / "c") == files(work / "a")


def test_a_logs_file_alone_suggests_logs_option(work: Path) -> None:
    result = cli(LOGS, "--out", "out", cwd=work)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{PREFIX}{LOGS}: this is an OTLP logs export, not spans; give the spans export it belongs to and "
        "this file after it or with --logs (import-trace SPANS.json --logs LOGS.json)"
    ]
    assert files(work / "out") == []


def test_two_span_exports_are_refused(work: Path) -> None:
    result = cli(SPANS, AGENTS, "--out", "out", cwd=work)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{PREFIX}two exports given ({SPANS}, {AGENTS}); a second file is accepted only when it is the "
        "OTLP logs export of the first; import other exports one at a time"
    ]
    assert files(work / "out") == []


def test_two_logs_files_or_three_files_are_refused(work: Path) -> None:
    both = cli(LOGS, LOGS, "--out", "out", cwd=work)
    assert both.returncode == 2
    assert both.stderr.splitlines() == [
        f"{PREFIX}{LOGS} and {LOGS} are both OTLP logs exports; give the spans export they belong to"
    ]
    three = cli(SPANS, LOGS, AGENTS, "--out", "out", cwd=work)
    assert three.returncode == 2
    assert three.stderr.splitlines() == [
        f"{PREFIX}give one export (and at most its OTLP logs export after it); import other exports one at a time"
    ]
    assert files(work / "out") == []
    assert files(work / "out") == []
