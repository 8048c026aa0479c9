"""Zero-code Agents SDK replays calling ``Runner.run_sync``: one event loop per run, none left dangling."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_agenttrace.cli import main as cli_main

pytest_plugins = ["pytester"]

CORPUS = Path(__file__).parents[1] / "data" / "corpus" / "openai_agents"

AGENT = '''
from agents import Agent, Runner, function_tool


def _production(name):
    raise AssertionError(f"the real {name} ran during a replay")


@function_tool
def lookup_order(order_id: str) -> dict:
    """Look up an order."""
    return _production("lookup_order")


@function_tool
def request_approval(order_id: str, amount: float, reason: str) -> dict:
    """Ask finance to approve a refund over $100."""
    return _production("request_approval")


@function_tool
def issue_refund(order_id: str, amount: float, reason: str) -> dict:
    """Refund an order."""
    return _production("issue_refund")


@function_tool
def send_email(to: str, subject: str, body: str) -> dict:
    """E-mail the customer."""
    return _production("send_email")


acme_support = Agent(
    name="acme-support",
    instructions="You are Acme's support agent. Refunds over $100 need approval.",
    tools=[lookup_order, request_approval, issue_refund, send_email],
    model="gpt-4o-mini",
)


def handle(request):
    return Runner.run_sync(acme_support, request).final_output
'''

CONFTEST = """
import socket

import pytest


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access in a replay")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
"""


def test_two_run_sync_replays_in_one_process_pass_without_a_warning(pytester: pytest.Pytester) -> None:
    for name in ("refund_success", "refund_multi_long"):
        export = CORPUS / f"{name}.agents_export.json"
        assert cli_main(["import-trace", str(export), "--out", str(pytester.path / "fixtures"), "-q"]) == 0
    (pytester.path / "agent.py").write_text(AGENT)
    pytester.makeconftest(CONFTEST)
    pytester.makepyprojecttoml(
        """
[tool.pytest.ini_options]
pythonpath = ["."]
filterwarnings = ["error"]

[tool.agenttrace]
entrypoint = "agent:handle"
adapter = "openai-agents"
"""
    )
    result = pytester.runpytest_subprocess("--agenttrace", "-p", "no:cacheprovider", "-W", "error")
    output = result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=2)
    assert "Warning" not in output, output
