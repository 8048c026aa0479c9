"""LangChain: the replay chat model, the zero-code patch of every chat model, and a LangGraph agent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from pytest_agenttrace import adapters
from pytest_agenttrace.adapters import langchain as replay_langchain
from pytest_agenttrace.model import Fixture, FunctionCall, Message, ModelStep, ToolCall
from pytest_agenttrace.replay import Replayer

from ._agent import EXPECTED_CALLS, FINAL, QUESTION, SYSTEM, actual_tool_calls, model_steps, refund_fixture


def make_tools(replayer: Replayer) -> list[Any]:
    """The agent's tools; their bodies are the replay's answers, as a zero-code config would patch them."""

    @tool
    def lookup_order(order_id: str) -> str:
        """Find an order."""
        return json.dumps(replayer.answer_tool("lookup_order", {"order_id": order_id}))

    @tool
    def issue_refund(order_id: str, amount: float, reason: str) -> str:
        """Refund an order."""
        arguments = {"order_id": order_id, "amount": amount, "reason": reason}
        return json.dumps(replayer.answer_tool("issue_refund", arguments))

    return [lookup_order, issue_refund]


def langchain_agent(llm: Any, replayer: Replayer, *, stream: bool = False) -> AIMessage:
    tools = {t.name: t for t in make_tools(replayer)}
    bound = llm.bind_tools(list(tools.values()))
    messages: list[BaseMessage] = [SystemMessage(SYSTEM), HumanMessage(QUESTION)]
    while True:
        if stream:
            message: Any = None
            for chunk in bound.stream(messages):
                message = chunk if message is None else message + chunk
        else:
            message = bound.invoke(messages)
        messages.append(message)
        if not message.tool_calls:
            return message  # type: ignore[no-any-return]
        for call in message.tool_calls:
            messages.append(ToolMessage(tools[call["name"]].invoke(call["args"]), tool_call_id=call["id"]))


async def async_langchain_agent(llm: Any, replayer: Replayer) -> AIMessage:
    tools = {t.name: t for t in make_tools(replayer)}
    bound = llm.bind_tools(list(tools.values()))
    messages: list[BaseMessage] = [SystemMessage(SYSTEM), HumanMessage(QUESTION)]
    while True:
        message: Any = None
        async for chunk in bound.astream(messages):
            message = chunk if message is None else message + chunk
        messages.append(message)
        if not message.tool_calls:
            return message  # type: ignore[no-any-return]
        for call in message.tool_calls:
            messages.append(
                ToolMessage(await tools[call["name"]].ainvoke(call["args"]), tool_call_id=call["id"])
            )


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_replay_chat_model(stream: bool) -> None:
    replayer = Replayer(refund_fixture())
    llm = replay_langchain.chat_model(replayer, model_name="gpt-4o-mini")
    final = langchain_agent(llm, replayer, stream=stream)
    assert final.content == FINAL
    assert final.usage_metadata is not None
    assert final.usage_metadata["input_tokens"] == 200
    assert actual_tool_calls(replayer) == EXPECTED_CALLS
    first = model_steps(replayer)[0]
    assert first.model == "gpt-4o-mini"
    assert [t.function.name for t in first.tools or ()] == ["lookup_order", "issue_refund"]


@pytest.mark.asyncio
async def test_replay_chat_model_async_stream() -> None:
    replayer = Replayer(refund_fixture())
    final = await async_langchain_agent(replay_langchain.chat_model(replayer), replayer)
    assert final.content == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS


class ProviderModel(GenericFakeChatModel):
    """Stands for a provider's chat model (``ChatOpenAI``, ``ChatAnthropic``): a real ``BaseChatModel``
    subclass with its own ``_generate`` and ``bind_tools``, which must never answer during a replay."""

    model_name: str = "claude-opus-4-7"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        from langchain_core.utils.function_calling import convert_to_openai_tool

        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_zero_code_patch_answers_any_chat_model(stream: bool) -> None:
    replayer = Replayer(refund_fixture())
    llm = ProviderModel(messages=iter([]))  # would raise StopIteration if it answered itself
    with adapters.activate("langchain", replayer):
        final = langchain_agent(llm, replayer, stream=stream)
    assert final.content == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS
    assert model_steps(replayer)[0].model == "claude-opus-4-7"
    with pytest.raises(StopIteration):  # the patch is undone
        llm.invoke("hi")


def test_arguments_that_are_not_an_object_reach_the_agent_as_invalid_tool_calls() -> None:
    call = ToolCall(id="c1", function=FunctionCall(name="lookup_order", arguments="{not json"))
    step = ModelStep(kind="model", id="m1", response=Message(role="assistant", tool_calls=[call]))
    replayer = Replayer(Fixture(id="bad-json", steps=[step]))
    message = replay_langchain.chat_model(replayer).invoke("hi")
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["args"] == "{not json"


@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")  # its successor needs `langchain`
def test_langgraph_react_agent_replays() -> None:
    langgraph_prebuilt = pytest.importorskip("langgraph.prebuilt")
    replayer = Replayer(refund_fixture())
    agent = langgraph_prebuilt.create_react_agent(
        replay_langchain.chat_model(replayer), make_tools(replayer), prompt=SYSTEM
    )
    state = agent.invoke({"messages": [HumanMessage(QUESTION)]})
    assert state["messages"][-1].content == FINAL
    assert actual_tool_calls(replayer) == EXPECTED_CALLS
