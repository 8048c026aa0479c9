"""The OpenAI Agents SDK: ``Runner.run`` replays through the model provider, with function tools stubbed."""

from __future__ import annotations

from typing import Any

import pytest
from agents import Agent, RunConfig, Runner, function_tool

from pytest_agenttrace import adapters
from pytest_agenttrace.adapters import openai_agents as replay_agents
from pytest_agenttrace.model import ErrorInfo, Fixture, ToolStep
from pytest_agenttrace.replay import Replayer

from ._agent import EXPECTED_CALLS, FINAL, QUESTION, SYSTEM, actual_tool_calls, model_steps, refund_fixture


@function_tool
def lookup_order(order_id: str) -> dict[str, Any]:
    """Find an order."""
    raise AssertionError("the real tool ran during a replay")


@function_tool
def issue_refund(order_id: str, amount: float, reason: str) -> dict[str, Any]:
    """Refund an order."""
    raise AssertionError("the real tool ran during a replay")


support_agent = Agent(
    name="support", instructions=SYSTEM, tools=[lookup_order, issue_refund], model="gpt-4o-mini"
)


@pytest.mark.asyncio
@pytest.mark.parametrize("api", ["responses", "chat_completions"])
async def test_runner_run_with_the_replay_provider(api: Any) -> None:
    replayer = Replayer(refund_fixture())
    result = await Runner.run(
        replay_agents.stub_tools(support_agent, replayer),
        QUESTION,
        run_config=RunConfig(
            model_provider=replay_agents.model_provider(replayer, api=api), tracing_disabled=True
        ),
    )
    assert result.final_output == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS
    first = model_steps(replayer)[0]
    assert first.model == "gpt-4o-mini"
    assert [m.role for m in first.messages or ()] == ["system", "user"]
    assert [t.function.name for t in first.tools or ()] == ["lookup_order", "issue_refund"]


@pytest.mark.asyncio
async def test_run_streamed() -> None:
    replayer = Replayer(refund_fixture())
    result = Runner.run_streamed(
        replay_agents.stub_tools(support_agent, replayer),
        QUESTION,
        run_config=RunConfig(model_provider=replay_agents.model_provider(replayer), tracing_disabled=True),
    )
    kinds = {event.type async for event in result.stream_events()}
    assert "raw_response_event" in kinds
    assert result.final_output == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS


@pytest.mark.asyncio
async def test_zero_code() -> None:
    """An unmodified agent and ``Runner.run``, with only ``adapter = "openai-agents"`` applied."""
    replayer = Replayer(refund_fixture())
    with adapters.activate("openai-agents", replayer):
        result = await Runner.run(support_agent, QUESTION)
    assert result.final_output == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS


@pytest.mark.asyncio
async def test_a_recorded_tool_error_reaches_the_model_as_the_sdk_reports_it() -> None:
    fixture = refund_fixture()
    steps = [
        step.model_copy(
            update={"result": None, "error": ErrorInfo(type="RefundLimitExceeded", message="over $100")}
        )
        if isinstance(step, ToolStep) and step.name == "issue_refund"
        else step
        for step in fixture.steps
    ]
    replayer = Replayer(Fixture(id="refund-error", steps=steps))
    result = await Runner.run(
        replay_agents.stub_tools(support_agent, replayer),
        QUESTION,
        run_config=RunConfig(model_provider=replay_agents.model_provider(replayer), tracing_disabled=True),
    )
    assert result.final_output == FINAL
    third = model_steps(replayer)[2]
    tool_message = [m for m in third.messages or () if m.role == "tool"][-1]
    assert "error occurred" in str(tool_message.content)
