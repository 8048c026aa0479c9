"""OpenAI Agents SDK pieces answering from a replay (imports ``agents``: loaded on use only)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import json
import warnings
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Literal

from agents import Agent, FunctionTool, Model, ModelProvider, OpenAIChatCompletionsModel, OpenAIResponsesModel
from agents.run import AgentRunner
from agents.tool import maybe_invoke_function_tool_failure_error_function
from agents.tool_context import ToolContext
from agents.tracing import get_trace_provider

from ..replay.errors import RecordedToolError
from ..replay.replayer import Replayer
from .openai import async_client

__all__ = ["ReplayModelProvider", "patch_agents", "stub_tool", "stub_tools"]

Api = Literal["responses", "chat_completions"]


class ReplayModelProvider(ModelProvider):
    """Gives every agent a model answering from the replay, whatever model name it asks for.

    The models are the SDK's own OpenAI models on a client whose transport is the replay, so the
    conversion between the Agents SDK's items and the wire format is the SDK's, not a copy of it.
    """

    def __init__(self, replayer: Replayer, *, api: Api = "responses") -> None:
        self.replayer = replayer
        self.api = api
        self._client = async_client(replayer)

    def get_model(self, model_name: str | None) -> Model:
        name = model_name or "agenttrace-replay"
        if self.api == "chat_completions":
            return OpenAIChatCompletionsModel(model=name, openai_client=self._client)
        return OpenAIResponsesModel(model=name, openai_client=self._client)


def stub_tool(tool: FunctionTool, replayer: Replayer) -> FunctionTool:
    """A copy of ``tool`` answered from the recording; a recorded error reaches the model the way the
    tool's ``failure_error_function`` would have put it, as it did in production."""

    async def invoke(context: ToolContext[Any], arguments: str) -> Any:
        try:
            parsed = json.loads(arguments or "{}")
        except ValueError:
            parsed = {"arguments": arguments}
        try:
            return replayer.answer_tool(
                tool.name, parsed if isinstance(parsed, dict) else {"arguments": parsed}
            )
        except RecordedToolError as error:
            message = await maybe_invoke_function_tool_failure_error_function(
                function_tool=tool, context=context, error=error
            )
            if message is None:
                raise
            return message

    stubbed = copy.copy(tool)
    stubbed.on_invoke_tool = invoke
    return stubbed


def stub_tools(
    agent: Agent[Any], replayer: Replayer, _seen: dict[int, Agent[Any]] | None = None
) -> Agent[Any]:
    """A clone of ``agent`` (and of the agents it hands off to) whose function tools answer from the
    recording; other tools (hosted, MCP) are kept as they are."""
    seen = {} if _seen is None else _seen
    if id(agent) in seen:
        return seen[id(agent)]
    clone = agent.clone()
    seen[id(agent)] = clone
    clone.tools = [stub_tool(t, replayer) if isinstance(t, FunctionTool) else t for t in agent.tools]
    clone.handoffs = [stub_tools(h, replayer, seen) if isinstance(h, Agent) else h for h in agent.handoffs]
    return clone


@contextlib.contextmanager
def patch_agents(replayer: Replayer) -> Iterator[Replayer]:
    """For the ``with`` block, Agents SDK runs replay: model calls (through the OpenAI HTTP patch) and
    function tools answered from the recording, tracing export off (it would post to the network).

    Function tools are reached through the SDK's tool-invocation function, a private name; when a later
    SDK moves it, tools run for real and a ``RuntimeError`` says to use ``stub_tools`` instead.
    """
    from importlib import import_module

    from .openai import patch as patch_openai

    execution = import_module("agents.run_internal.tool_execution")
    name = "_invoke_function_tool_with_metadata"
    original: Callable[..., Awaitable[Any]] | None = getattr(execution, name, None)
    if original is None:
        raise RuntimeError(
            "this openai-agents version has no agents.run_internal.tool_execution."
            f"{name}; stub the tools with pytest_agenttrace.adapters.openai_agents.stub_tools(agent, replayer)"
        )
    invoke = original

    async def invoke_stubbed(
        *, function_tool: FunctionTool, context: ToolContext[Any], arguments: str
    ) -> Any:
        return await invoke(
            function_tool=stub_tool(function_tool, replayer), context=context, arguments=arguments
        )

    provider = get_trace_provider()
    was_disabled = bool(getattr(provider, "_disabled", False))
    run_sync = AgentRunner.run_sync
    setattr(execution, name, invoke_stubbed)
    AgentRunner.run_sync = _reusable_loop(run_sync)  # type: ignore[method-assign]
    provider.set_disabled(True)
    try:
        with patch_openai(replayer):
            yield replayer
    finally:
        provider.set_disabled(was_disabled)
        AgentRunner.run_sync = run_sync  # type: ignore[method-assign]
        setattr(execution, name, original)


def _reusable_loop(run_sync: Callable[..., Any]) -> Callable[..., Any]:
    """``run_sync`` leaving the thread's event loop usable by the next ``run_sync``.

    ``Runner.run_sync`` keeps one default loop per thread on purpose (sessions hold primitives bound to
    it) but ends each run with ``loop.shutdown_asyncgens()``, after which asyncio warns for every async
    generator started on that loop: the next run's first request, through httpx's
    ``Auth.async_auth_flow``, raises "ResourceWarning: asynchronous generator ... was scheduled after
    loop.shutdown_asyncgens()", an error under ``filterwarnings = ["error"]``, so the second fixture a
    replay session runs failed. The flush has already happened when ``run_sync`` returns, so the loop
    is marked as open for async generators again (CPython's flag; loops without it are left alone).
    """

    @functools.wraps(run_sync)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return run_sync(self, *args, **kwargs)
        finally:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                try:
                    loop = asyncio.get_event_loop_policy().get_event_loop()
                except RuntimeError:
                    loop = None
            if (
                loop is not None
                and not loop.is_running()
                and getattr(loop, "_asyncgens_shutdown_called", False)
            ):
                loop._asyncgens_shutdown_called = False  # type: ignore[attr-defined]

    return wrapper
