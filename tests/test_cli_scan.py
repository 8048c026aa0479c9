"""``agenttrace scan`` through the real console script: findings, clean files, unreadable files, config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pytest_agenttrace.redact import redact_document
from pytest_agenttrace.store import dumps_data

from .factories import refund_steps

KEY = "sk-proj-4fQ9xL2mN7pR1sT6vW3yZ8bC5dE0gH4jK9mN2pQ7rS1tU6vW3xY8zA5bC0dE7fG2hJ4kL9mN1pQ6rS3tU8vW"
EMAIL = "alice.smith@example.com"


def _agenttrace(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("agenttrace")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "pytest_agenttrace"]
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def _fixture(tmp_path: Path, name: str, *, secret: bool) -> Path:
    steps = refund_steps()
    if secret:
        steps[0]["messages"][0]["content"] = f"Use {KEY} and write to {EMAIL}"
        steps[0]["attributes"] = {
            "http.request.header.authorization": "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0"
        }
    document = {
        "schema": {"name": "pytest-agenttrace/fixture", "version": "1.0"},
        "id": name,
        "status": "regression",
        "steps": steps,
    }
    if not secret:
        document = redact_document(document).document
    folder = tmp_path / "fixtures"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.trace.json"
    path.write_bytes(dumps_data(document))
    return path


def test_scan_flags_a_fixture_with_a_secret(tmp_path: Path) -> None:
    path = _fixture(tmp_path, "leaky", secret=True)
    result = _agenttrace("scan", str(path), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert f"{path}: steps[0].messages[0].content: openai_key" in lines
    assert f"{path}: steps[0].messages[0].content: email" in lines
    assert f"{path}: steps[0].attributes.http.request.header.authorization: bearer_token" in lines
    for secret in (KEY, EMAIL, "9f8e7d6c5b4a39281706f5e4d3c2b1a0"):
        assert secret not in result.stdout
        assert secret not in result.stderr
    assert "1 with 3 finding(s)" in result.stderr


def test_scan_passes_a_clean_fixture_with_placeholders(tmp_path: Path) -> None:
    path = _fixture(tmp_path, "clean", secret=False)
    result = _agenttrace("scan", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_scan_defaults_to_the_configured_fixture_folders(tmp_path: Path) -> None:
    _fixture(tmp_path, "leaky", secret=True)
    (tmp_path / "pyproject.toml").write_text('[tool.agenttrace]\nfixtures = ["fixtures"]\n')
    result = _agenttrace("scan", cwd=tmp_path)
    assert result.returncode == 1
    assert "leaky.trace.json: steps[0].messages[0].content: openai_key" in result.stdout


def test_scan_respects_allowlist_and_disabled_detectors(tmp_path: Path) -> None:
    _fixture(tmp_path, "leaky", secret=True)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.agenttrace.redact]\n"
        f'allow = ["{EMAIL}"]\n'
        'disable = ["openai_key"]\n'
        'drop_attributes = ["http.request.header.authorization"]\n'
    )
    result = _agenttrace("scan", "-q", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'fixtures' / 'leaky.trace.json'}: steps[0].attributes.http.request.header.authorization: "
        "drop_attributes"
    ]
    clean = _agenttrace("scan", "--disable", "bearer_token", cwd=tmp_path)
    assert clean.returncode == 1  # the configured drop still reports the attribute


def test_scan_unreadable_file_exits_2_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "broken.trace.json"
    bad.write_text('{"schema": ')
    result = _agenttrace("scan", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert "broken.trace.json" in result.stderr
    missing = _agenttrace("scan", str(tmp_path / "nope.trace.json"), cwd=tmp_path)
    assert missing.returncode == 2
    assert "nope.trace.json: no such file or folder" in missing.stderr


def test_scan_bad_config_exits_2(tmp_path: Path) -> None:
    _fixture(tmp_path, "clean", secret=False)
    (tmp_path / "pyproject.toml").write_text('[tool.agenttrace.redact]\npatterns = { bad = "(" }\n')
    result = _agenttrace("scan", cwd=tmp_path)
    assert result.returncode == 2
    assert "patterns.bad: invalid regular expression" in result.stderr


def test_scan_help_lists_detectors_and_exit_codes(tmp_path: Path) -> None:
    result = _agenttrace("scan", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "openai_key" in result.stdout
    assert "exit codes: 0 clean, 1 findings" in result.stdout


def test_scan_flags_a_secret_in_the_file_name_without_printing_it(tmp_path: Path) -> None:
    """The file name is made from the trace's name: a fixture written before ids were redacted leaks there."""
    clean = _fixture(tmp_path, "clean", secret=False)
    leaky = clean.with_name(f"refund-{EMAIL}.trace.json")
    clean.rename(leaky)
    result = _agenttrace("scan", str(leaky), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    # the name's suffix is not read as more of the e-mail's domain: it stays visible
    assert result.stdout.splitlines() == [f"{leaky.parent / '<EMAIL_1>.trace.json'}: (file name): email"]
    assert EMAIL not in result.stdout + result.stderr
