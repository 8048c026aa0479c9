"""Live model mode against a real OpenAI-compatible HTTP server on loopback, with scripted answers."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .kit import fixture_doc, make_project

STUBS = {
    "tools": {
        "request_approval": [{"result": {"approved": False}}],
        "send_email": [{"result": {"sent": True}}],
    }
}


class ScriptedModel:
    """Answers chat completions by the conversation's state; every other conversation sends an e-mail."""

    def __init__(self) -> None:
        self.conversations = 0
        self.requests: list[dict[str, Any]] = []

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        messages = request["messages"]
        last = messages[-1]
        if last["role"] == "user":
            self.conversations += 1
            return self.call("lookup_order", {"order_id": "A1"})
        if last["role"] == "tool" and "total" in last["content"]:
            if self.conversations % 2 == 0:
                return self.call("send_email", {"to": "customer@example.org", "body": "refund soon"})
            return self.call("issue_refund", {"order_id": "A1", "amount": 5000})
        return {"role": "assistant", "content": "A refund over $100 needs approval; I asked for it."}

    @staticmethod
    def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        call = {
            "id": f"call_{name}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
        return {"role": "assistant", "content": None, "tool_calls": [call]}


@pytest.fixture
def model_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedModel]:
    script = ScriptedModel()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            message = script.answer(body)
            payload = json.dumps(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": message,
                            "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AGENT_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
    yield script
    server.shutdown()
    server.server_close()


REAL_MODEL = """def call_model(messages, tools=None):
    import os
    from openai import OpenAI

    client = OpenAI(base_url=os.environ["AGENT_BASE_URL"], api_key="test-key", max_retries=0)
    response = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tools)
    return response.choices[0].message.model_dump(exclude_none=True)
"""


def _live_project(pytester: pytest.Pytester) -> None:
    doc = fixture_doc(stubs=STUBS, expect={"tools": {"forbidden": ["send_email"]}})
    make_project(pytester, fixtures=[doc])
    agent = pytester.path / "agent.py"
    source = agent.read_text()
    start = source.index("def call_model")
    end = source.index("\n\n\n", start)
    agent.write_text(source[:start] + REAL_MODEL + source[end:])


def test_the_real_model_answers_and_the_tools_stay_stubbed(
    pytester: pytest.Pytester, model_server: ScriptedModel
) -> None:
    _live_project(pytester)
    result = pytester.runpytest("--agenttrace", "--agenttrace-live=model")
    result.assert_outcomes(passed=1)
    assert model_server.conversations == 1
    assert len(model_server.requests) == 3  # lookup, refund (held for approval), final answer
    assert model_server.requests[2]["messages"][-1]["content"] == json.dumps(
        {"error": "refund needs approval"}
    )


def test_repeat_and_pass_rate(pytester: pytest.Pytester, model_server: ScriptedModel) -> None:
    _live_project(pytester)
    result = pytester.runpytest(
        "--agenttrace",
        "--agenttrace-live=model",
        "--agenttrace-repeat=4",
        "--agenttrace-pass-rate=50%",
        "--junitxml=out.xml",
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*agenttrace pass rates*", "*::refund-no-approval: 2/4 passed (50%, required 50%)"]
    )
    assert model_server.conversations == 4
    [case] = ET.parse(pytester.path / "out.xml").iter("testcase")
    assert {p.get("name"): p.get("value") for p in case.iter("property")}["agenttrace_pass_rate"] == "2/4"
    result = pytester.runpytest(
        "--agenttrace", "--agenttrace-live=model", "--agenttrace-repeat=4", "--agenttrace-pass-rate=0.75"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*passed 2/4 repetitions (50%), required 75%; the first failing one:*", "*send_email*"]
    )


def test_without_live_mode_the_server_is_never_called(
    pytester: pytest.Pytester, model_server: ScriptedModel
) -> None:
    _live_project(pytester)
    pytester.runpytest("--agenttrace").assert_outcomes(passed=1)
    assert model_server.requests == []


def test_a_live_model_that_chose_another_tool_diverges_at_its_own_step(
    pytester: pytest.Pytester, model_server: ScriptedModel
) -> None:
    _live_project(pytester)
    # the second conversation's model sends an e-mail (forbidden) where the recording refunded
    result = pytester.runpytest("--agenttrace", "--agenttrace-live=model", "--agenttrace-repeat=2")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "> *2 model *→ send_email(to=* │   2 model  gpt-4o-mini → issue_refund(*",
            " ✗ *3 tool   send_email(to=* │   3 tool   issue_refund(*",
            "first divergence: actual step 2 vs recorded step 2",
        ]
    )
