"""``adapter = "openai"`` in ``[tool.agenttrace]``: an agent written on the real openai client replays
with no change to its code, under ``pytest --agenttrace``, with the network blocked."""

from __future__ import annotations

import json

import pytest

from tests.plugin.kit import APPROVAL_POLICY, DENY_APPROVAL, fixture_doc, write_fixture

pytest.importorskip("openai")

OPENAI_AGENT = """
import json
import os

import openai

SYSTEM = "You are a support agent. Refunds over $100 need approval."
GUARD = os.environ.get("AGENT_FIXED") == "1"
TOOLS = [{"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
         for n in ("lookup_order", "issue_refund", "request_approval", "send_email")]


def lookup_order(order_id):
    raise RuntimeError("production database")


def issue_refund(order_id, amount):
    raise RuntimeError("production payments")


def request_approval(order_id, amount):
    raise RuntimeError("production approvals")


def send_email(to, body):
    raise RuntimeError("production mail")


def handle(request):
    client = openai.OpenAI()  # the app builds its own client; the adapter answers it
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": request}]
    for _ in range(10):
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
        message = reply.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            return message.content
        for call in message.tool_calls:
            args = json.loads(call.function.arguments)
            if GUARD and call.function.name == "issue_refund" and args["amount"] > 100:
                if not request_approval(order_id=args["order_id"], amount=args["amount"])["approved"]:
                    messages.append({"role": "tool", "tool_call_id": call.id, "content": "needs approval"})
                    continue
            result = globals()[call.function.name](**args)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
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
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
"""


def project(pytester: pytest.Pytester, adapter: str = "openai") -> None:
    (pytester.path / "agent.py").write_text(OPENAI_AGENT)
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
adapter = "{adapter}"
policies = "policies.json"

[tool.agenttrace.tools]
{tools}
"""
    )


def test_the_buggy_openai_agent_fails_on_the_policy(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
):
    project(pytester)
    monkeypatch.delenv("AGENT_FIXED", raising=False)
    result = pytester.runpytest_subprocess("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*refund-needs-approval*"])


def test_the_fixed_openai_agent_passes(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    project(pytester)
    monkeypatch.setenv("AGENT_FIXED", "1")
    result = pytester.runpytest_subprocess("--agenttrace")
    result.assert_outcomes(passed=1)


def test_an_unknown_adapter_fails_the_test_with_the_valid_names(pytester: pytest.Pytester):
    project(pytester, adapter="cohere")
    result = pytester.runpytest_subprocess("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*adapter: unknown adapter 'cohere'; valid adapters: anthropic, langchain, openai, openai-agents*"]
    )
