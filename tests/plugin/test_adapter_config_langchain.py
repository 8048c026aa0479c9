"""``adapter = "langchain"`` in ``[tool.agenttrace]``: an app on the real ``ChatOpenAI`` / ``ChatAnthropic``
replays with no change to its code, with no API key in the environment (as in CI) and sockets blocked.

The provider classes refuse to be built without a key, and the app builds its model when its module is
imported (the usual LangChain style), so the replay must supply a placeholder key from the import on.
"""

from __future__ import annotations

import json

import pytest

from tests.plugin.kit import APPROVAL_POLICY, DENY_APPROVAL, fixture_doc, write_fixture

pytest.importorskip("langchain_core")

LANGCHAIN_AGENT = """
import json
import os

from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
from {package} import {cls}

SYSTEM = "You are a support agent. Refunds over $100 need approval."
GUARD = os.environ.get("AGENT_FIXED") == "1"
TOOLS = [{{"type": "function", "function": {{"name": n, "description": n, "parameters": {{"type": "object",
          "properties": {{"order_id": {{"type": "string"}}}}}}}}}}
         for n in ("lookup_order", "issue_refund", "request_approval", "send_email")]

# built at import, as LangChain apps do: this is where a missing API key fails
llm = {cls}(model="{model}", temperature=0).bind_tools(TOOLS)


def lookup_order(order_id):
    raise RuntimeError("production database")


def issue_refund(order_id, amount):
    raise RuntimeError("production payments")


def request_approval(order_id, amount):
    raise RuntimeError("production approvals")


def send_email(to, body):
    raise RuntimeError("production mail")


def handle(request):
    messages = [SystemMessage(SYSTEM), HumanMessage(request)]
    for _ in range(10):
        reply = llm.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            return reply.content
        for call in reply.tool_calls:
            args = call["args"]
            if GUARD and call["name"] == "issue_refund" and args["amount"] > 100:
                if not request_approval(order_id=args["order_id"], amount=args["amount"])["approved"]:
                    messages.append(ToolMessage("needs approval", tool_call_id=call["id"]))
                    continue
            result = globals()[call["name"]](**args)
            messages.append(ToolMessage(json.dumps(result), tool_call_id=call["id"]))
    return "gave up"
"""

CONFTEST = """
import socket

import pytest


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access in a replay")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
"""

PROVIDERS = {
    "ChatOpenAI": ("langchain_openai", "gpt-4o-mini"),
    "ChatAnthropic": ("langchain_anthropic", "claude-sonnet-4-5"),
}


def project(pytester: pytest.Pytester, cls: str) -> None:
    package, model = PROVIDERS[cls]
    pytest.importorskip(package)
    (pytester.path / "agent.py").write_text(LANGCHAIN_AGENT.format(package=package, cls=cls, model=model))
    pytester.makeconftest(CONFTEST)
    write_fixture(pytester.path / "fixtures", fixture_doc(stubs=DENY_APPROVAL))
    pytester.makefile(".json", policies='{"policies": [' + json.dumps(APPROVAL_POLICY) + "]}")
    tools = "\n".join(
        f'{n} = "agent:{n}"' for n in ("lookup_order", "issue_refund", "request_approval", "send_email")
    )
    pytester.makepyprojecttoml(
        f"""
[tool.pytest.ini_options]
pythonpath = ["."]

[tool.agenttrace]
entrypoint = "agent:handle"
adapter = "langchain"
policies = "policies.json"

[tool.agenttrace.tools]
{tools}
"""
    )


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """No provider key anywhere, as in CI: the inner pytest inherits this environment."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "AGENT_FIXED"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("cls", sorted(PROVIDERS))
def test_the_buggy_langchain_agent_fails_on_the_policy_without_a_key(pytester: pytest.Pytester, cls: str):
    project(pytester, cls)
    result = pytester.runpytest_subprocess("--agenttrace", "-v")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*policy:refund-needs-approval*"])
    result.stdout.no_fnmatch_line("*API key*")
    result.stdout.no_fnmatch_line("*network access in a replay*")


@pytest.mark.parametrize("cls", sorted(PROVIDERS))
def test_the_fixed_langchain_agent_passes_without_a_key(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, cls: str
):
    project(pytester, cls)
    monkeypatch.setenv("AGENT_FIXED", "1")
    result = pytester.runpytest_subprocess("--agenttrace")
    result.assert_outcomes(passed=1)


def test_the_placeholder_key_is_gone_after_the_replay(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
):
    """The key is set for the replay only: a test after it sees the environment as it was."""
    project(pytester, "ChatOpenAI")
    pytester.makepyfile(
        test_after="""
import os

def test_no_key_left():
    assert "OPENAI_API_KEY" not in os.environ
"""
    )
    monkeypatch.setenv("AGENT_FIXED", "1")
    result = pytester.runpytest_subprocess("--agenttrace", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*refund-no-approval PASSED*", "*test_no_key_left PASSED*"])
