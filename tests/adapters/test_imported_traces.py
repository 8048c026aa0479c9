"""LangChain / LangGraph and the OpenAI Agents SDK replaying fixtures imported from real trace exports.

The other adapter tests replay a hand-built fixture; these take exports that real tracing libraries wrote
(``tests/data/corpus``: the Agents SDK's own trace export, LangSmith's ``@traceable`` runs, OpenInference
spans around the openai client), import them with ``agenttrace import-trace`` as a user would, and replay
them into an agent loop written on each SDK: the actual run must hold the recorded tool calls, in order,
with the recorded arguments, and the agent must end with the recorded answer. Sockets are blocked and no
API key is set (``conftest.py``).
"""

from __future__ import annotations

import json
from typing import Any

import hypothesis  # noqa: F401  # see below
import pytest
from agents import Agent, RunConfig, Runner, function_tool
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import StructuredTool

from pytest_agenttrace import adapters
from pytest_agenttrace.adapters import langchain as replay_langchain
from pytest_agenttrace.adapters import openai_agents as replay_agents
from pytest_agenttrace.cli import main as cli_main
from pytest_agenttrace.model import Fixture, ModelStep, ToolStep
from pytest_agenttrace.replay import Replayer
from pytest_agenttrace.store import load_fixture

from ._agent import actual_tool_calls, recorded_tool_calls
from .conftest import CORPUS

# hypothesis is imported here, not first by its pytest plugin at the end of the session: run alone, this
# module otherwise ends with CPython 3.11's "SystemError: AST constructor recursion depth mismatch" while
# pytest rewrites hypothesis's modules after the Agents SDK and LangGraph runs (all tests passed by then).


def imported(export: str, tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    """The one fixture ``agenttrace import-trace EXPORT`` writes."""
    out = tmp_path_factory.mktemp("imported")
    assert cli_main(["import-trace", str(CORPUS / export), "--out", str(out), "-q"]) == 0
    (path,) = out.glob("*.trace.json")
    return load_fixture(path)


def final_text(fixture: Fixture) -> str:
    last = [step for step in fixture.steps if isinstance(step, ModelStep)][-1]
    assert last.response is not None
    assert isinstance(last.response.content, str)
    return last.response.content


def batches(steps: Any) -> list[list[tuple[str, str]]]:
    """The tool calls of each model turn, as sorted (name, arguments) pairs: LangGraph runs the calls of
    one turn in parallel threads, so within a turn the order is the scheduler's, between turns it is not."""
    out: list[list[tuple[str, str]]] = []
    for step in steps:
        if isinstance(step, ModelStep):
            out.append([])
        elif isinstance(step, ToolStep) and out:
            out[-1].append((step.name, json.dumps(step.arguments, sort_keys=True)))
    return [sorted(batch) for batch in out if batch]


def user_request(fixture: Fixture) -> str:
    value = fixture.input
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # LangSmith keeps the traced function's keyword arguments
        (text,) = [v for v in value.values() if isinstance(v, str)]
        return text
    raise AssertionError(f"unexpected input {value!r}")


# -- the OpenAI Agents SDK on its own trace export ------------------------------------------------------


@pytest.fixture(scope="module", params=["refund_success", "refund_multi_long"])
def agents_fixture(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    return imported(f"openai_agents/{request.param}.agents_export.json", tmp_path_factory)


def _production(name: str) -> Any:
    raise AssertionError(f"the real {name} ran during a replay")


@function_tool
def lookup_order(order_id: str) -> dict[str, Any]:
    """Look up an order."""
    return _production("lookup_order")  # type: ignore[no-any-return]


@function_tool
def request_approval(order_id: str, amount: float, reason: str) -> dict[str, Any]:
    """Ask finance to approve a refund over $100."""
    return _production("request_approval")  # type: ignore[no-any-return]


@function_tool
def issue_refund(order_id: str, amount: float, reason: str) -> dict[str, Any]:
    """Refund an order."""
    return _production("issue_refund")  # type: ignore[no-any-return]


@function_tool
def send_email(to: str, subject: str, body: str) -> dict[str, Any]:
    """E-mail the customer."""
    return _production("send_email")  # type: ignore[no-any-return]


acme_support = Agent(
    name="acme-support",
    instructions="You are Acme's support agent. Refunds over $100 need approval.",
    tools=[lookup_order, request_approval, issue_refund, send_email],
    model="gpt-4o-mini",
)


def _check_agents_replay(fixture: Fixture, replayer: Replayer, final_output: Any) -> None:
    assert final_output == final_text(fixture) == fixture.output
    assert actual_tool_calls(replayer) == recorded_tool_calls(fixture)
    assert replayer.misses == []
    assert {step.model for step in replayer.run.steps if isinstance(step, ModelStep)} == {"gpt-4o-mini"}


@pytest.mark.asyncio
async def test_agents_sdk_runner_run_replays_its_imported_export(agents_fixture: Fixture) -> None:
    replayer = Replayer(agents_fixture)
    result = await Runner.run(
        replay_agents.stub_tools(acme_support, replayer),
        user_request(agents_fixture),
        run_config=RunConfig(model_provider=replay_agents.model_provider(replayer), tracing_disabled=True),
    )
    _check_agents_replay(agents_fixture, replayer, result.final_output)


def test_agents_sdk_run_sync_replays_its_imported_export(agents_fixture: Fixture) -> None:
    replayer = Replayer(agents_fixture)
    result = Runner.run_sync(
        replay_agents.stub_tools(acme_support, replayer),
        user_request(agents_fixture),
        run_config=RunConfig(model_provider=replay_agents.model_provider(replayer), tracing_disabled=True),
    )
    _check_agents_replay(agents_fixture, replayer, result.final_output)


@pytest.mark.asyncio
async def test_agents_sdk_zero_code_replays_its_imported_export(agents_fixture: Fixture) -> None:
    """``Runner.run`` on the unmodified agent, only ``adapter = "openai-agents"`` applied."""
    replayer = Replayer(agents_fixture)
    with adapters.activate("openai-agents", replayer):
        result = await Runner.run(acme_support, user_request(agents_fixture))
    _check_agents_replay(agents_fixture, replayer, result.final_output)


def test_the_multi_call_export_has_parallel_tool_calls(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The replay above is only a test of parallel calls if the export really holds them."""
    fixture = imported("openai_agents/refund_multi_long.agents_export.json", tmp_path_factory)
    first = next(step for step in fixture.steps if isinstance(step, ModelStep))
    assert first.response is not None
    assert [c.function.name for c in first.response.tool_calls or ()] == ["lookup_order"] * 3


# -- LangChain and LangGraph on LangSmith and OpenInference exports -----------------------------------


@pytest.fixture(scope="module")
def langsmith_fixture(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    """LangSmith ``@traceable`` runs of a real agent (parallel lookups, an approval, three refunds)."""
    return imported("langsmith/traceable__refund_multi_long.runs.json", tmp_path_factory)


def recorded_tools(fixture: Fixture, replayer: Replayer) -> list[StructuredTool]:
    """LangChain tools with the recorded names and schemas; their bodies ask the replay, as a zero-code
    config patches the app's tool functions."""
    definitions = {}
    for step in fixture.steps:
        if isinstance(step, ModelStep):
            for definition in step.tools or ():
                definitions.setdefault(definition.function.name, definition.function)
    if not definitions:  # the export kept no tool schemas: the names the recording used
        for step in fixture.steps:
            if isinstance(step, ToolStep):
                definitions.setdefault(step.name, None)

    def make(name: str, schema: dict[str, Any]) -> StructuredTool:
        def run(**arguments: Any) -> str:
            return json.dumps(replayer.answer_tool(name, arguments))

        async def arun(**arguments: Any) -> str:
            return json.dumps(replayer.answer_tool(name, arguments))

        return StructuredTool.from_function(
            func=run, coroutine=arun, name=name, description=name, args_schema=schema
        )

    tools = []
    for name, function in definitions.items():
        schema = dict(function.parameters) if function is not None and function.parameters else {}
        schema.setdefault("type", "object")
        schema.setdefault("properties", {})
        tools.append(make(name, schema))
    return tools


def langchain_loop(llm: Any, tools: list[StructuredTool], request: str, system: str | None) -> AIMessage:
    by_name = {t.name: t for t in tools}
    bound = llm.bind_tools(tools)
    messages: list[BaseMessage] = [*([SystemMessage(system)] if system else []), HumanMessage(request)]
    while True:
        message = bound.invoke(messages)
        messages.append(message)
        if not message.tool_calls:
            return message  # type: ignore[no-any-return]
        for call in message.tool_calls:
            messages.append(ToolMessage(by_name[call["name"]].invoke(call["args"]), tool_call_id=call["id"]))


def system_prompt(fixture: Fixture) -> str | None:
    first = next(step for step in fixture.steps if isinstance(step, ModelStep))
    for message in first.messages or ():
        if message.role == "system" and isinstance(message.content, str):
            return message.content
    return None


@pytest.mark.parametrize("model", ["replay chat model", "ChatOpenAI, zero-code"])
def test_a_langchain_loop_replays_an_imported_langsmith_trace(langsmith_fixture: Fixture, model: str) -> None:
    replayer = Replayer(langsmith_fixture)
    with adapters.activate("langchain", replayer):
        if model == "replay chat model":
            llm: Any = replay_langchain.chat_model(replayer, model_name="gpt-4o-mini")
        else:  # the provider model the app built itself; no key is set
            llm = pytest.importorskip("langchain_openai").ChatOpenAI(model="gpt-4o-mini")
        answer = langchain_loop(
            llm,
            recorded_tools(langsmith_fixture, replayer),
            user_request(langsmith_fixture),
            system_prompt(langsmith_fixture),
        )
    assert answer.content == final_text(langsmith_fixture)
    assert actual_tool_calls(replayer) == recorded_tool_calls(langsmith_fixture)
    assert replayer.misses == []
    assert {step.model for step in replayer.run.steps if isinstance(step, ModelStep)} == {"gpt-4o-mini"}


@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")  # its successor needs `langchain`
def test_a_langgraph_agent_replays_an_imported_openinference_trace(corpus_fixture: Fixture) -> None:
    langgraph_prebuilt = pytest.importorskip("langgraph.prebuilt")
    replayer = Replayer(corpus_fixture)
    agent = langgraph_prebuilt.create_react_agent(
        replay_langchain.chat_model(replayer, model_name="gpt-4o-mini"),
        recorded_tools(corpus_fixture, replayer),
        prompt=system_prompt(corpus_fixture),
    )
    state = agent.invoke({"messages": [HumanMessage(user_request(corpus_fixture))]})
    assert state["messages"][-1].content == final_text(corpus_fixture)
    assert batches(replayer.run.steps) == batches(corpus_fixture.steps)
    assert len(batches(corpus_fixture.steps)[0]) == 3  # the three lookups of one turn, run in parallel
    assert replayer.misses == []


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")
async def test_a_langgraph_agent_replays_an_imported_trace_async(langsmith_fixture: Fixture) -> None:
    langgraph_prebuilt = pytest.importorskip("langgraph.prebuilt")
    replayer = Replayer(langsmith_fixture)
    agent = langgraph_prebuilt.create_react_agent(
        replay_langchain.chat_model(replayer, model_name="gpt-4o-mini"),
        recorded_tools(langsmith_fixture, replayer),
        prompt=system_prompt(langsmith_fixture),
    )
    state = await agent.ainvoke({"messages": [HumanMessage(user_request(langsmith_fixture))]})
    assert state["messages"][-1].content == final_text(langsmith_fixture)
    assert batches(replayer.run.steps) == batches(langsmith_fixture.steps)
    assert replayer.misses == []
