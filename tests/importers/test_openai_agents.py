"""The OpenAI Agents SDK importer against traces the real SDK produces, and against the corpus exports.

The producer is the real ``openai-agents`` runner with its real Chat Completions model, whose OpenAI client
talks to a scripted ``httpx2.MockTransport`` (no network), and a ``TracingProcessor`` that writes
``{"trace": trace.export(), "spans": [span.export(), ...]}`` like the processors users write. The default
processor (which would upload to OpenAI) is replaced. Each test compares the imported fixture with what
the scripted run really did: tool calls (names, arguments, order), model calls, tokens and errors.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pytest_agenttrace.importers import ImportOptions, ImportRun, ImportSettings
from pytest_agenttrace.importers.base import MISSING_PARENTS_ATTRIBUTE, ImportedTrace, TraceProblem
from pytest_agenttrace.importers.openai_agents import OpenAIAgentsImporter
from pytest_agenttrace.importers.rules import DEFAULT_RULES
from pytest_agenttrace.model import Fixture

agents = pytest.importorskip("agents")
httpx2 = pytest.importorskip("httpx2")
openai = pytest.importorskip("openai")

CORPUS = Path(__file__).parent.parent / "data" / "corpus" / "openai_agents"


class Recorder(agents.TracingProcessor):  # type: ignore[misc,name-defined]
    """Collects what the SDK exports, as a file-writing processor would."""

    def __init__(self) -> None:
        self.traces: list[dict[str, Any]] = []
        self.spans: list[dict[str, Any]] = []

    def on_trace_start(self, trace: Any) -> None:
        pass

    def on_trace_end(self, trace: Any) -> None:
        exported = trace.export()
        if exported:
            self.traces.append(exported)

    def on_span_start(self, span: Any) -> None:
        pass

    def on_span_end(self, span: Any) -> None:
        exported = span.export()
        if exported:
            self.spans.append(exported)

    def shutdown(self) -> None:
        pass

    def force_flush(self) -> None:
        pass

    def export(self) -> dict[str, Any]:
        assert len(self.traces) == 1
        return {"trace": self.traces[0], "spans": self.spans}


class Script:
    """Answers ``/chat/completions`` in order; records the usage it reported per call."""

    def __init__(self, turns: list[list[tuple[str, str, dict[str, Any]]] | str]) -> None:
        self.turns = turns
        self.usage: list[tuple[int, int]] = []

    def handler(self, request: Any) -> Any:
        body = json.loads(request.content)
        turn = self.turns[len(self.usage)]
        usage = (40 + 5 * len(body["messages"]), 3 + len(self.usage))
        self.usage.append(usage)
        if isinstance(turn, str):
            message: dict[str, Any] = {"role": "assistant", "content": turn}
            finish = "stop"
        else:
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
                    for cid, name, args in turn
                ],
            }
            finish = "tool_calls"
        return httpx2.Response(
            200,
            json={
                "id": f"chatcmpl-{len(self.usage)}",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": "gpt-4o-mini-2024-07-18",
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": {
                    "prompt_tokens": usage[0],
                    "completion_tokens": usage[1],
                    "total_tokens": sum(usage),
                },
            },
        )


class RefundLimitExceeded(Exception):
    pass


EXECUTED: list[tuple[str, dict[str, Any]]] = []


@agents.function_tool  # type: ignore[misc,untyped-decorator]
def lookup_order(order_id: str) -> dict[str, Any]:
    """Look up an order by id."""
    EXECUTED.append(("lookup_order", {"order_id": order_id}))
    return {"order_id": order_id, "amount": 45.0}


@agents.function_tool  # type: ignore[misc,untyped-decorator]
def issue_refund(order_id: str, amount: float, reason: str) -> dict[str, Any]:
    """Issue a refund."""
    EXECUTED.append(("issue_refund", {"order_id": order_id, "amount": amount, "reason": reason}))
    if amount > 500:
        raise RefundLimitExceeded(f"refund of {amount:.2f} exceeds the limit")
    return {"refund_id": "RF-1", "status": "issued"}


@agents.function_tool  # type: ignore[misc,untyped-decorator]
def send_email(to: str, subject: str, body: str) -> str:
    """Send an email."""
    EXECUTED.append(("send_email", {"to": to, "subject": subject, "body": body}))
    return "queued"


def run_agent(tmp_path: Path, script: Script, question: str) -> tuple[Path, Any]:
    """Run the real SDK against the script; the export file and the run result."""
    EXECUTED.clear()
    recorder = Recorder()
    agents.set_trace_processors([recorder])
    client = openai.AsyncOpenAI(
        api_key="sk-test",
        base_url="http://fake-openai.local/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(script.handler)),
        max_retries=0,
    )
    model = agents.OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=client)
    agent = agents.Agent(
        name="support-agent",
        instructions="You are a support agent.",
        tools=[lookup_order, issue_refund, send_email],
        model=model,
    )
    config = agents.RunConfig(workflow_name="acme-support", trace_include_sensitive_data=True)
    try:
        result = asyncio.run(agents.Runner.run(agent, question, run_config=config, max_turns=30))
    finally:
        agents.set_trace_processors([])
    path = tmp_path / "run.agents_export.json"
    path.write_text(json.dumps(recorder.export()), encoding="utf-8")
    return path, result


def import_one(path: Path, options: ImportOptions | None = None) -> ImportedTrace:
    results = list(OpenAIAgentsImporter().iter_traces(path, options or ImportOptions(rules=DEFAULT_RULES)))
    assert all(isinstance(r, ImportedTrace) for r in results), results
    assert len(results) == 1
    trace = results[0]
    assert isinstance(trace, ImportedTrace)
    Fixture.model_validate({"id": "t", "input": trace.input, "steps": trace.steps, "output": trace.output})
    return trace


def tools_of(trace: ImportedTrace) -> list[tuple[str, Any]]:
    return [(s["name"], s.get("arguments")) for s in trace.steps if s["kind"] == "tool"]


def test_successful_run(tmp_path: Path) -> None:
    script = Script(
        [
            [("call_1", "lookup_order", {"order_id": "ORD-1"})],
            [("call_2", "issue_refund", {"order_id": "ORD-1", "amount": 45.0, "reason": "damaged"})],
            [("call_3", "send_email", {"to": "dana@example.com", "subject": "Refund", "body": "Done."})],
            "Your refund is on its way.",
        ]
    )
    path, result = run_agent(tmp_path, script, "Refund ORD-1 please")
    trace = import_one(path)
    assert tools_of(trace) == EXECUTED
    tool_steps = [s for s in trace.steps if s["kind"] == "tool"]
    assert [s["call_id"] for s in tool_steps] == ["call_1", "call_2", "call_3"]
    assert tool_steps[0]["result"] == str({"order_id": "ORD-1", "amount": 45.0})
    models = [s for s in trace.steps if s["kind"] == "model"]
    assert len(models) == 4
    assert [(m["usage"]["input_tokens"], m["usage"]["output_tokens"]) for m in models] == script.usage
    assert trace.input == "Refund ORD-1 please"
    assert trace.output == result.final_output == "Your refund is on its way."
    assert not trace.failed
    assert not any("error" in s for s in trace.steps)
    assert models[0]["messages"][0] == {"role": "system", "content": "You are a support agent."}
    assert trace.attributes["agents"]["support-agent"]["tools"] == [
        "lookup_order",
        "issue_refund",
        "send_email",
    ]


def test_failed_tool_is_recorded_as_the_sdk_recorded_it(tmp_path: Path) -> None:
    script = Script(
        [
            [("call_1", "lookup_order", {"order_id": "ORD-2"})],
            [("call_2", "issue_refund", {"order_id": "ORD-2", "amount": 850.0, "reason": "broken"})],
            "Sorry, I could not refund it.",
        ]
    )
    path, _ = run_agent(tmp_path, script, "Refund ORD-2 please")
    trace = import_one(path)
    assert tools_of(trace) == EXECUTED
    refund = next(s for s in trace.steps if s.get("name") == "issue_refund")
    # the SDK redacts the exception text: only its own message is recorded, and nothing is invented
    assert refund["error"] == {"message": "Error running tool (non-fatal)"}
    assert "type" not in refund["error"]
    assert trace.failed
    assert trace.output == "Sorry, I could not refund it."
    assert sum(1 for s in trace.steps if "error" in s) == 1


def test_long_run_with_parallel_calls_keeps_order_and_links(tmp_path: Path) -> None:
    turns: list[list[tuple[str, str, dict[str, Any]]] | str] = [
        [(f"call_l{i}", "lookup_order", {"order_id": f"ORD-{i}"}) for i in range(3)],
    ]
    turns += [
        [(f"call_r{i}", "issue_refund", {"order_id": f"ORD-{i}", "amount": 10.0 * (i + 1), "reason": "x"})]
        for i in range(3)
    ]
    turns += [
        [(f"call_m{i}", "send_email", {"to": "a@b.c", "subject": f"s{i}", "body": "b"})] for i in range(3)
    ]
    turns.append("All done.")
    script = Script(turns)
    path, _ = run_agent(tmp_path, script, "Refund everything")
    trace = import_one(path)
    # parallel calls may execute in any order; each must link to the call that asked for it
    tool_steps = [s for s in trace.steps if s["kind"] == "tool"]
    assert len(tool_steps) == 9
    assert sorted(tools_of(trace)[:3], key=str) == sorted(EXECUTED[:3], key=str)
    assert tools_of(trace)[3:] == EXECUTED[3:]
    requested = {
        call["id"]: json.loads(call["function"]["arguments"])
        for s in trace.steps
        if s["kind"] == "model"
        for call in s["response"].get("tool_calls", [])
    }
    for step in tool_steps:
        assert requested[step["call_id"]] == step["arguments"]
    models = [s for s in trace.steps if s["kind"] == "model"]
    assert len(models) == 8
    total = sum(m["usage"]["input_tokens"] + m["usage"]["output_tokens"] for m in models)
    assert total == sum(a + b for a, b in script.usage)
    turns_seen = [s["attributes"]["turn"] for s in models]
    assert turns_seen == sorted(turns_seen)
    starts = [s["timing"]["start"] for s in trace.steps]
    assert starts == sorted(starts)


def test_handoff_and_guardrail_spans(tmp_path: Path) -> None:
    script = Script(
        [
            [("call_h", "transfer_to_refund_agent", {})],
            "Refund agent here, done.",
        ]
    )
    EXECUTED.clear()
    recorder = Recorder()
    agents.set_trace_processors([recorder])
    client = openai.AsyncOpenAI(
        api_key="sk-test",
        base_url="http://fake-openai.local/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(script.handler)),
        max_retries=0,
    )
    model = agents.OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=client)

    @agents.input_guardrail  # type: ignore[misc,untyped-decorator]
    def injection_check(ctx: Any, agent: Any, text: Any) -> Any:
        return agents.GuardrailFunctionOutput(output_info={"ok": True}, tripwire_triggered=False)

    refund_agent = agents.Agent(name="refund_agent", instructions="Refunds.", model=model)
    triage = agents.Agent(
        name="triage_agent",
        instructions="Triage.",
        handoffs=[refund_agent],
        model=model,
        input_guardrails=[injection_check],
    )
    try:
        asyncio.run(
            agents.Runner.run(triage, "I want a refund", run_config=agents.RunConfig(workflow_name="triage"))
        )
    finally:
        agents.set_trace_processors([])
    path = tmp_path / "handoff.json"
    path.write_text(json.dumps(recorder.export()), encoding="utf-8")
    trace = import_one(path)
    kinds = [s["kind"] for s in trace.steps]
    assert "handoff" in kinds
    assert "guardrail" in kinds
    handoff = next(s for s in trace.steps if s["kind"] == "handoff")
    assert (handoff["from_agent"], handoff["to_agent"]) == ("triage_agent", "refund_agent")
    guardrail = next(s for s in trace.steps if s["kind"] == "guardrail")
    assert guardrail["name"] == "injection_check"
    assert guardrail["triggered"] is False
    assert set(trace.attributes["agents"]) == {"triage_agent", "refund_agent"}


@pytest.mark.parametrize(
    "name", ["refund_tool_error.agents_export.json", "refund_tool_error.ingest_payload.json"]
)
def test_corpus_export_and_ingest_payload_agree(name: str) -> None:
    trace = import_one(CORPUS / name)
    assert tools_of(trace) == [
        ("lookup_order", {"order_id": "ORD-2002"}),
        ("issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"}),
    ]
    assert trace.trace_id == "trace_24dbfd6f76c94828bdd8c0c93e7fe905"
    assert trace.name == "acme-support"
    assert [s["kind"] for s in trace.steps] == ["guardrail", "model", "tool", "model", "tool", "model"]
    assert sum(s["usage"]["total_tokens"] for s in trace.steps if s["kind"] == "model") == 684


def test_a_missing_parent_imports_as_a_partial_trace(tmp_path: Path) -> None:
    """The agent span ends last: a process that died mid-run exported its steps without it."""
    data = json.loads((CORPUS / "refund_tool_error.agents_export.json").read_text())
    agent_ids = sorted(s["id"] for s in data["spans"] if s["span_data"]["type"] == "agent")
    data["spans"] = [s for s in data["spans"] if s["span_data"]["type"] != "agent"]
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(data))
    trace = import_one(path)
    whole = import_one(CORPUS / "refund_tool_error.agents_export.json")
    assert trace.attributes[MISSING_PARENTS_ATTRIBUTE] == agent_ids
    assert tools_of(trace) == tools_of(whole)
    assert [s["kind"] for s in trace.steps] == [s["kind"] for s in whole.steps]


def test_cycles_are_problems(tmp_path: Path) -> None:
    data = json.loads((CORPUS / "refund_tool_error.agents_export.json").read_text())
    first, second = data["spans"][0], data["spans"][1]
    first["parent_id"], second["parent_id"] = second["id"], first["id"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    [problem] = list(OpenAIAgentsImporter().iter_traces(path, ImportOptions()))
    assert isinstance(problem, TraceProblem)
    assert problem.message == "spans form a cycle through parent_id"
    assert problem.where is not None
    assert problem.where.startswith("trace trace_24dbfd6f76c94828bdd8c0c93e7fe905, span span_")


def test_custom_span_mapped_by_rule(tmp_path: Path) -> None:
    recorder = Recorder()
    agents.set_trace_processors([recorder])
    try:
        with agents.trace("approvals"):
            with agents.custom_span(
                "request_approval", data={"input": {"amount": 850}, "output": {"approved": True}}
            ):
                pass
            with agents.custom_span("cache_warmup", data={"n": 1}):
                pass
    finally:
        agents.set_trace_processors([])
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(recorder.export()))
    trace = import_one(path)
    [step] = trace.steps
    assert step["kind"] == "approval"
    assert step["arguments"] == {"amount": 850}
    assert step["decision"] == "approved"
    # the unmapped custom span is not lost
    assert trace.attributes["spans"] == [
        {"id": trace.attributes["spans"][0]["id"], "name": "cache_warmup", "data": {"n": 1}}
    ]


def test_pipeline_writes_corpus_fixture(tmp_path: Path) -> None:
    source = tmp_path / "x.agents_export.json"
    shutil.copy(CORPUS / "refund_tool_error.agents_export.json", source)
    run = ImportRun(source, ImportSettings(out_dir=tmp_path / "out"))
    [outcome] = list(run)
    assert outcome.action == "written"
    assert outcome.fixture is not None
    assert outcome.fixture.totals is not None
    assert outcome.fixture.totals.tool_calls == 2
    assert outcome.fixture.totals.total_tokens == 684
