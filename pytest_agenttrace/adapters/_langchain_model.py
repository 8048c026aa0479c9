"""The LangChain chat model that answers from a replay (imports ``langchain_core``: loaded on use only)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, convert_to_openai_messages
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field

from ..replay.replayer import Replayer
from ._common import Answer, ask, chat_tools, text_content
from ._http import pieces

__all__ = ["ReplayChatModel", "patch_chat_models"]

_SDK = "a LangChain AIMessage"
_SKIP = frozenset({"tools", "stream", "stop", "agenttrace_model"})


def _usage(answer: Answer) -> dict[str, Any] | None:
    usage = answer.usage
    if usage is None:
        return None
    input_tokens = usage.input_tokens or 0
    output_tokens = usage.output_tokens or 0
    total = usage.total_tokens if usage.total_tokens is not None else input_tokens + output_tokens
    metadata: dict[str, Any] = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": total,
    }
    if usage.cache_read_tokens:
        metadata["input_token_details"] = {"cache_read": usage.cache_read_tokens}
    if usage.reasoning_tokens:
        metadata["output_token_details"] = {"reasoning": usage.reasoning_tokens}
    return metadata


def _metadata(answer: Answer) -> dict[str, Any]:
    metadata: dict[str, Any] = {"model_provider": "agenttrace-replay"}
    if answer.model:
        metadata["model_name"] = answer.model
    calls = bool(answer.message.get("tool_calls"))
    metadata["finish_reason"] = "tool_calls" if calls else (answer.finish_reason or "stop")
    return metadata


def _tool_calls(answer: Answer) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Recorded calls as LangChain ``tool_calls``; arguments that are not a JSON object become
    ``invalid_tool_calls`` (LangChain's own place for them), so they reach the agent as recorded."""
    valid: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    for call in answer.message.get("tool_calls") or ():
        function = call["function"]
        try:
            args = json.loads(function["arguments"] or "{}")
        except ValueError:
            args = None
        if isinstance(args, dict):
            valid.append({"name": function["name"], "args": args, "id": call["id"], "type": "tool_call"})
        else:
            invalid.append(
                {
                    "name": function["name"],
                    "args": function["arguments"],
                    "id": call["id"],
                    "error": "arguments are not a JSON object",
                    "type": "invalid_tool_call",
                }
            )
    return valid, invalid


def ai_message(answer: Answer) -> AIMessage:
    """The recorded answer as an ``AIMessage`` with ``tool_calls``, usage and response metadata."""
    valid, invalid = _tool_calls(answer)
    usage = _usage(answer)
    return AIMessage(
        content=text_content(answer.message, _SDK) or "",
        tool_calls=valid,
        invalid_tool_calls=invalid,
        response_metadata=_metadata(answer),
        **({"usage_metadata": usage} if usage is not None else {}),
    )


def ai_chunks(answer: Answer) -> Iterator[AIMessageChunk]:
    """The answer streamed: text pieces, then each call's argument fragments, then usage and metadata."""
    for piece in pieces(text_content(answer.message, _SDK) or ""):
        yield AIMessageChunk(content=piece)
    for index, call in enumerate(answer.message.get("tool_calls") or ()):
        function = call["function"]
        fragments = pieces(function["arguments"], 16) or [""]
        for number, fragment in enumerate(fragments):
            first = number == 0
            chunk = {
                "name": function["name"] if first else None,
                "args": fragment,
                "id": call["id"] if first else None,
                "index": index,
                "type": "tool_call_chunk",
            }
            yield AIMessageChunk(content="", tool_call_chunks=[chunk])
    usage = _usage(answer)
    yield AIMessageChunk(
        content="",
        response_metadata=_metadata(answer),
        chunk_position="last",
        **({"usage_metadata": usage} if usage is not None else {}),
    )


class ReplayChatModel(BaseChatModel):
    """A chat model whose every answer is the next recorded model call of ``replayer``.

    Tools are bound the way ``ChatOpenAI`` binds them (``bind_tools`` converts them to OpenAI tool
    definitions), so the actual run records the tools offered as the agent offered them.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    replayer: Replayer = Field(exclude=True)
    model_name: str | None = Field(default=None, description="The model name the actual run records.")

    @property
    def _llm_type(self) -> str:
        return "agenttrace-replay"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        formatted = [convert_to_openai_tool(tool) for tool in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=formatted, **kwargs)

    def _ask(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Answer:
        sent = convert_to_openai_messages(messages)
        model = kwargs.get("agenttrace_model") or self.model_name
        parameters = {k: v for k, v in kwargs.items() if k not in _SKIP and _is_json(v)}
        return ask(self.replayer, sent, chat_tools(kwargs.get("tools")), model=model, parameters=parameters)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=ai_message(self._ask(messages, kwargs)))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop, None, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in ai_chunks(self._ask(messages, kwargs)):
            if run_manager is not None and isinstance(chunk.content, str) and chunk.content:
                run_manager.on_llm_new_token(chunk.content, chunk=ChatGenerationChunk(message=chunk))
            yield ChatGenerationChunk(message=chunk)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in ai_chunks(self._ask(messages, kwargs)):
            if run_manager is not None and isinstance(chunk.content, str) and chunk.content:
                await run_manager.on_llm_new_token(chunk.content, chunk=ChatGenerationChunk(message=chunk))
            yield ChatGenerationChunk(message=chunk)


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _model_name(model: BaseChatModel) -> str | None:
    for attribute in ("model_name", "model", "model_id"):
        value = getattr(model, attribute, None)
        if isinstance(value, str):
            return value
    return None


@contextlib.contextmanager
def patch_chat_models(replayer: Replayer) -> Iterator[Replayer]:
    """For the ``with`` block, every LangChain chat model answers from ``replayer``.

    The patch is on ``BaseChatModel`` (the methods every chat model's ``invoke``, ``ainvoke``, ``stream``
    and ``astream`` go through), so ``ChatOpenAI``, ``ChatAnthropic`` or any other provider's model,
    created before or during the replay, needs no change; tools its ``bind_tools`` bound are recorded in
    the provider's shape, read back as OpenAI tool definitions. The model's name is recorded as asked.
    """
    replay = ReplayChatModel(replayer=replayer)
    base = BaseChatModel
    originals = {
        name: base.__dict__[name]
        for name in ("_generate_with_cache", "_agenerate_with_cache", "stream", "astream")
    }

    def generate(
        self: BaseChatModel,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if isinstance(self, ReplayChatModel):
            return originals["_generate_with_cache"](self, messages, stop, run_manager, **kwargs)  # type: ignore[no-any-return]
        return replay._generate(messages, stop, run_manager, agenttrace_model=_model_name(self), **kwargs)

    async def agenerate(
        self: BaseChatModel,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if isinstance(self, ReplayChatModel):
            return await originals["_agenerate_with_cache"](self, messages, stop, run_manager, **kwargs)  # type: ignore[no-any-return]
        return replay._generate(messages, stop, None, agenttrace_model=_model_name(self), **kwargs)

    def stream(
        self: BaseChatModel, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        if isinstance(self, ReplayChatModel):
            yield from originals["stream"](self, input, config, **kwargs)
            return
        yield from replay.stream(input, config, agenttrace_model=_model_name(self), **kwargs)

    async def astream(
        self: BaseChatModel, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        if isinstance(self, ReplayChatModel):
            async for chunk in originals["astream"](self, input, config, **kwargs):
                yield chunk
            return
        async for chunk in replay.astream(input, config, agenttrace_model=_model_name(self), **kwargs):
            yield chunk

    replacements = {
        "_generate_with_cache": generate,
        "_agenerate_with_cache": agenerate,
        "stream": stream,
        "astream": astream,
    }
    for name, function in replacements.items():
        setattr(base, name, function)
    try:
        yield replayer
    finally:
        for name, function in originals.items():
            setattr(base, name, function)
