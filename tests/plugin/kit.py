"""Real little agents and fixture files for the plugin's tests.

The agent is a tool-calling loop over a model function and four tools (``lookup_order``, ``issue_refund``,
``request_approval``, ``send_email``), in a sync and an async flavour. ``GUARD`` is the bug fix: the fixed
agent asks for approval before refunds over $100, the buggy one (the recorded production run) does not.
Fixture files are built with the model classes, so they are valid by construction.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

import pytest_agenttrace.replay.decorators  # noqa: F401  # kept across pytester's in-process runs
from pytest_agenttrace.model import Fixture
from pytest_agenttrace.store import dump_fixture

SYSTEM = "You are a support agent. Refunds over $100 need approval."
REQUEST = "Order A1 arrived broken, refund it please"

AGENT = """
import json

GUARD = {guard}
SYSTEM = {system!r}
TOOL_SPECS = [
    {{"type": "function", "function": {{"name": n, "parameters": {{"type": "object"}}}}}}
    for n in ("lookup_order", "issue_refund", "request_approval", "send_email")
]


{deco_import}
{model_deco}
{a}def call_model(messages, tools=None):
    raise RuntimeError("the real model is not reachable from tests")


{tool_deco}
{a}def lookup_order(order_id):
    raise RuntimeError("production database")


{tool_deco}
{a}def issue_refund(order_id, amount):
    raise RuntimeError("production payments")


{tool_deco}
{a}def request_approval(order_id, amount):
    raise RuntimeError("production approvals")


{tool_deco}
{a}def send_email(to, body):
    raise RuntimeError("production mail")


{a}def run_tool(name, args):
    if GUARD and name == "issue_refund" and args.get("amount", 0) > 100:
        approval = {aw}request_approval(order_id=args["order_id"], amount=args["amount"])
        if not approval.get("approved"):
            return {{"error": "refund needs approval"}}
    tool = globals()[name]
    try:
        return {aw}tool(**args)
    except Exception as exc:
        return {{"error": str(exc)}}


{a}def handle(request):
    messages = [{{"role": "system", "content": SYSTEM}}, {{"role": "user", "content": request}}]
    for _ in range(10):
        reply = {aw}call_model(messages, tools=TOOL_SPECS)
        messages.append(reply)
        calls = reply.get("tool_calls")
        if not calls:
            return reply["content"]
        for call in calls:
            result = {aw}run_tool(call["function"]["name"], json.loads(call["function"]["arguments"]))
            messages.append({{"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)}})
    return "gave up"
"""


def agent_source(*, guard: bool, is_async: bool = False, decorated: bool = False) -> str:
    return textwrap.dedent(
        AGENT.format(
            guard=guard,
            system=SYSTEM,
            a="async " if is_async else "",
            aw="await " if is_async else "",
            deco_import="from pytest_agenttrace import replay_model, replay_tool" if decorated else "",
            model_deco="@replay_model" if decorated else "",
            tool_deco="@replay_tool" if decorated else "",
        )
    )


def _call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def refund_steps(amount: float = 5000, request: str = REQUEST) -> list[dict[str, Any]]:
    """The recorded production run: lookup, then a refund without approval, then the reply."""
    first = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": request}]
    order = {"order_id": "A1", "total": amount, "email": "customer@example.org"}
    refund = {"order_id": "A1", "amount": amount}
    m1 = {
        "role": "assistant",
        "content": None,
        "tool_calls": [_call("call_1", "lookup_order", {"order_id": "A1"})],
    }
    m2 = {"role": "assistant", "content": None, "tool_calls": [_call("call_2", "issue_refund", refund)]}
    return [
        {
            "kind": "model",
            "id": "m1",
            "model": "gpt-4o-mini",
            "messages": first,
            "response": m1,
            "usage": {"input_tokens": 100, "output_tokens": 10},
        },
        {
            "kind": "tool",
            "id": "t1",
            "name": "lookup_order",
            "call_id": "call_1",
            "arguments": {"order_id": "A1"},
            "result": order,
        },
        {
            "kind": "model",
            "id": "m2",
            "model": "gpt-4o-mini",
            "messages": [
                *first,
                m1,
                {"role": "tool", "tool_call_id": "call_1", "content": json.dumps(order)},
            ],
            "response": m2,
        },
        {
            "kind": "tool",
            "id": "t2",
            "name": "issue_refund",
            "call_id": "call_2",
            "arguments": refund,
            "result": {"refund_id": "R1", "status": "issued"},
        },
        {
            "kind": "model",
            "id": "m3",
            "model": "gpt-4o-mini",
            "response": {"role": "assistant", "content": f"Refunded ${amount:g} for order A1."},
        },
    ]


APPROVAL_POLICY = {
    "id": "refund-needs-approval",
    "tool": "issue_refund",
    "when": {"type": "object", "properties": {"amount": {"type": "number", "exclusiveMinimum": 100}}},
    "requires": {
        "tool": "request_approval",
        "result": {"type": "object", "properties": {"approved": {"const": True}}, "required": ["approved"]},
    },
}

DENY_APPROVAL = {"tools": {"request_approval": [{"result": {"approved": False}}]}}


def fixture_doc(fixture_id: str = "refund-no-approval", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema": {"name": "pytest-agenttrace/fixture", "version": "1.0"},
        "id": fixture_id,
        "status": "regression",
        "source": {"format": "otlp", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"},
        "input": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": REQUEST}],
        "steps": refund_steps(),
    }
    data.update(fields)
    return Fixture.model_validate(data).to_data()


def write_fixture(folder: Path, data: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{data['id']}.trace.json"
    path.write_bytes(dump_fixture(Fixture.model_validate(data)))
    return path


def make_project(
    pytester: pytest.Pytester,
    *,
    fixtures: list[dict[str, Any]],
    guard: bool = True,
    is_async: bool = False,
    decorated: bool = False,
    zero_code: bool = True,
    patch: bool = True,
    policies: list[dict[str, Any]] | None = None,
    extra: str = "",
) -> Path:
    """A project with ``agent.py``, ``fixtures/`` and ``[tool.agenttrace]`` wired for the agent."""
    (pytester.path / "agent.py").write_text(agent_source(guard=guard, is_async=is_async, decorated=decorated))
    for data in fixtures:
        write_fixture(pytester.path / "fixtures", data)
    lines = [
        "[tool.pytest.ini_options]",
        'pythonpath = ["."]',
        'asyncio_default_fixture_loop_scope = "function"',
        "",
    ]
    lines.append("[tool.agenttrace]")
    if zero_code:
        lines.append('entrypoint = "agent:handle"')
    if patch and zero_code:
        lines.append('model = "agent:call_model"')
        lines.append("[tool.agenttrace.tools]")
        for name in ("lookup_order", "issue_refund", "request_approval", "send_email"):
            lines.append(f'{name} = "agent:{name}"')
    if policies is not None:
        (pytester.path / "policies.json").write_text(json.dumps({"policies": policies}))
        lines.insert(lines.index("[tool.agenttrace]") + 1, 'policies = "policies.json"')
    if extra:
        lines.insert(lines.index("[tool.agenttrace]") + 1, extra)
    (pytester.path / "pyproject.toml").write_text("\n".join(lines) + "\n")
    return pytester.path
