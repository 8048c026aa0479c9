"""``agenttrace show`` through its real entry point: trace content cannot drive the terminal, approvals show
their decision and who made it, and colour follows the terminal and the usual environment switches."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_agenttrace.store import dumps_data
from tests.factories import refund_document
from tests.test_cli import agenttrace

#: What `show` itself writes to colour its output: SGR sequences, nothing else.
SGR = re.compile(r"\x1b\[[0-9;]*m")
#: Characters a terminal acts on: C0 controls but newline, DEL, C1 controls (\x9b is a one-byte CSI).
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def approvals_document() -> dict:
    document = refund_document()
    document["steps"] += [
        {
            "kind": "approval",
            "id": "p1",
            "name": "refund_approval",
            "arguments": {"order_id": "ORD-2002", "amount": 850.0},
            "decision": "denied",
            "by": "alice@support",
        },
        {
            "kind": "approval",
            "id": "p2",
            "name": "refund_approval",
            "arguments": {"order_id": "ORD-2002", "amount": 80.0},
            "result": {"approved": True},
            "decision": "approved",
            "by": "policy-engine",
        },
        {"kind": "approval", "id": "p3", "name": "manager_sign_off", "decision": "pending"},
    ]
    return document


def hostile_document() -> dict:
    """Trace content is whatever the agent, its tools and its users wrote: here, terminal escapes."""
    document = refund_document(reason="refund\x1b]0;pwned\x07 issued\r\x1b[2K without approval")
    steps = document["steps"]
    steps[1]["name"] = "lookup_order\x1b[31m"
    steps[1]["result"] = {"note": "ok\x9b2J", "\x1b[8mkey": "v"}
    steps[3]["error"] = {"type": "Boom\x1b[2J", "message": "bell\x07 and del\x7f here"}
    steps.append({"kind": "handoff", "id": "h1", "from_agent": "triage\x1b[1A", "to_agent": "refunds"})
    return document


def write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "x.trace.json"
    path.write_bytes(dumps_data(document))
    return path


@pytest.mark.parametrize("color", ["never", "always"])
def test_control_characters_in_trace_content_are_shown_escaped(tmp_path: Path, color: str) -> None:
    result = agenttrace("show", str(write(tmp_path, hostile_document())), "--width", "200", "--color", color)
    assert result.returncode == 0, result.stderr
    printed = SGR.sub("", result.stdout) if color == "always" else result.stdout
    assert not CONTROL.findall(printed), CONTROL.findall(printed)
    plain = SGR.sub("", result.stdout)
    assert r"reason: refund\x1b]0;pwned\x07 issued\r\x1b[2K without approval" in plain
    assert r"lookup_order\x1b[31m" in plain
    assert r"Boom\x1b[2J: bell\x07 and del\x7f here" in plain
    assert r"triage\x1b[1A → refunds" in plain
    assert r"\x9b2J" in plain


def test_approvals_show_the_decision_and_who_made_it(tmp_path: Path) -> None:
    result = agenttrace("show", str(write(tmp_path, approvals_document())), "--width", "160")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line[:3].strip().isdigit()}
    assert "approval" in lines["4"]
    assert 'order_id="ORD-2002", amount=850.0' in lines["4"]
    assert lines["4"].endswith("→ denied by alice@support")
    assert lines["5"].endswith("→ approved by policy-engine")
    assert lines["6"].endswith("→ pending")
    assert "\x1b[" not in result.stdout


def test_a_denial_is_red_and_an_approval_green_when_colour_is_on(tmp_path: Path) -> None:
    result = agenttrace("show", str(write(tmp_path, approvals_document())), "--color", "always")
    assert "\x1b[31m→ denied by alice@support\x1b[0m" in result.stdout
    assert "\x1b[32m→ approved by policy-engine\x1b[0m" in result.stdout
    assert "\x1b[33m→ pending\x1b[0m" in result.stdout


def _show_in_a_terminal(path: Path, **env: str) -> str:
    """Run `agenttrace show` with its stdout on a real pseudo-terminal, as a person at a shell would."""
    import pty

    command = [sys.executable, "-m", "pytest_agenttrace", "show", str(path), "--width", "160"]
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PY_COLORS")}
    environment["TERM"] = "xterm-256color"
    environment.update(env)
    leader, follower = pty.openpty()
    try:
        process = subprocess.run(
            command, stdout=follower, stderr=subprocess.PIPE, env=environment, timeout=120, check=False
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal has no writer left
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert process.returncode == 0, process.stderr
    return b"".join(chunks).decode("utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize(
    ("env", "coloured"),
    [
        ({}, True),
        ({"NO_COLOR": "1"}, False),
        ({"TERM": "dumb"}, False),
        ({"PY_COLORS": "0"}, False),
    ],
)
def test_colour_is_on_in_a_terminal_unless_switched_off(tmp_path: Path, env: dict, coloured: bool) -> None:
    out = _show_in_a_terminal(write(tmp_path, approvals_document()), **env)
    assert "→ denied by alice@support" in out
    assert ("\x1b[31m→ denied by alice@support" in out) is coloured


@pytest.mark.parametrize("env", [{"PY_COLORS": "1"}, {"FORCE_COLOR": "1"}])
def test_colour_can_be_forced_without_a_terminal(tmp_path: Path, env: dict) -> None:
    path = write(tmp_path, approvals_document())
    result = subprocess.run(
        [sys.executable, "-m", "pytest_agenttrace", "show", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )
    assert "\x1b[31m→ denied by alice@support" in result.stdout
