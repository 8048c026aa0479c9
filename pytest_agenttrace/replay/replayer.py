"""The replay of one fixture: answers model and tool calls, and keeps the actual run.

Every way of replaying (import-path patches, the explicit pytest fixture, the decorators) ends up here,
so matching, stubs, ``on_unmatched``, drift and the actual run behave the same whichever the user chose.
Nothing on the per-call path validates with pydantic or diffs structures: the recorded answers are
prepared once, each call costs a lookup, a comparison and a copy.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

from ..model import (
    ApprovalStep,
    ArgumentMatch,
    ErrorInfo,
    Fixture,
    FunctionCall,
    FunctionDefinition,
    Message,
    ModelStep,
    ToolCall,
    ToolDefinition,
    ToolStep,
)
from . import decorators
from ._construct import construct
from ._copy import Frozen, _dumps, _loads
from .calls import model_request, shape_of
from .cursor import ModelCursor
from .drift import Drift, closest_model_call, request_drift, tools_drift
from .errors import RecordedModelError, RecordedToolError, UnmatchedCall
from .matching import short
from .run import ActualRun
from .tools import ToolBook, call_text

__all__ = ["DriftMode", "Replayer"]

DriftMode = Literal["warn", "fail", "off"]


def _message(value: Any) -> Message:
    """A sent message as a ``Message`` without validation (:func:`construct`): cheap, and never raises."""
    if isinstance(value, Message):
        return value
    data = value if isinstance(value, dict) else getattr(value, "model_dump", dict)()
    if not isinstance(data, dict):
        data = {}
    fields: dict[str, Any] = {"role": data.get("role", "user")}
    for key in ("content", "name", "tool_call_id"):
        if key in data and data[key] is not None:
            fields[key] = data[key]
    calls = data.get("tool_calls")
    if calls:
        built = []
        for call in calls:
            call = call if isinstance(call, dict) else getattr(call, "model_dump", dict)()
            function = call.get("function") or {}
            built.append(
                construct(
                    ToolCall,
                    id=call.get("id"),
                    type="function",
                    function=construct(
                        FunctionCall, name=str(function.get("name")), arguments=str(function.get("arguments"))
                    ),
                )
            )
        fields["tool_calls"] = built
    return construct(Message, **fields)


# A sent message, or a list of offered tools, as its JSON bytes -> what it converts to. Process-wide: the
# replays of one session send the same system prompt, the same tools and mostly the same turns, so each
# distinct message is converted once per process instead of once per test. The models are frozen, so steps
# of different replays can share them. Cleared when full, which bounds memory whatever the suite's size.
_CACHE_LIMIT = 8192
_MESSAGES: dict[bytes | str, Message] = {}
_OFFERED: dict[bytes | str, tuple[ToolDefinition, ...]] = {}


def _tool_definitions(tools: Any) -> list[ToolDefinition] | None:
    if not isinstance(tools, list | tuple):
        return None
    out = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and "name" in function:
            keys = ("name", "description", "parameters", "strict")
            definition = construct(FunctionDefinition, **{k: function[k] for k in keys if k in function})
            out.append(construct(ToolDefinition, type="function", function=definition))
    return out


def _response_message(value: Any) -> Message | None:
    """What a live model returned, as a Message: a chat message dict, an SDK object, or a whole completion."""
    data = value if isinstance(value, dict) else getattr(value, "model_dump", None)
    if callable(data):
        data = data()
    if not isinstance(data, dict):
        return None
    choices = data.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        data = choices[0].get("message") or {}
    if data.get("role") != "assistant":
        return None
    return _message(data)


class Replayer:
    """Answers one fixture's calls and records what the agent did.

    ``match`` adds per-tool argument matchers to the ones the fixture declares in ``expect.tools``.
    ``live_model``: model calls go to the real function (which must be given) and are recorded.
    ``overrides`` maps a recorded step index to another answer for it (what fuzzing varies): for a tool
    step, a JSON value is given as its result and an exception instance is raised by the stub; for a model
    step, a callable receives the recorded assistant message (a fresh dict) and returns the one to give
    (reordered parallel tool calls, say). The recorded answer is used for every step not named.
    """

    def __init__(
        self,
        fixture: Fixture,
        *,
        match: Mapping[str, ArgumentMatch] | None = None,
        live_model: bool = False,
        drift: DriftMode = "warn",
        overrides: Mapping[int, Any] | None = None,
    ) -> None:
        self.fixture = fixture
        self.overrides: Mapping[int, Any] = overrides or {}
        self.run = ActualRun(fixture=fixture)
        self.models = ModelCursor(fixture)
        self.tools = ToolBook(fixture, match)
        self.live_model = live_model
        self.drift_mode: DriftMode = drift
        stubs = fixture.stubs
        self.on_unmatched = (stubs.on_unmatched if stubs is not None else None) or "fail"
        self.misses: list[UnmatchedCall] = []
        self.drifts: list[Drift] = []
        self._model_calls = 0
        self._pending: list[tuple[str, str, Any]] = []  # (call id, name, arguments) requested, not yet run

    # -- the actual run ---------------------------------------------------------------------------------

    def _append(self, step: Any, source: int | str) -> None:
        self.run.answered_by[len(self.run.steps)] = source
        self.run.steps.append(step)

    def _next_id(self) -> str:
        return f"actual-{len(self.run.steps)}"

    def finish(self, output: Any) -> None:
        """Record the agent's final output."""
        self.run.output = output
        self.run.has_output = True

    # -- model calls ------------------------------------------------------------------------------------

    def answer_model(
        self, messages: list[Any], tools: Any = None, *, model: str | None = None
    ) -> dict[str, Any]:
        """The next recorded assistant message for this request (OpenAI chat shape, a fresh copy).

        ``model`` is the model name the agent asked for, when the caller knows it (the SDK adapters do):
        an unmatched call then names the closest recorded call by it too.
        """
        call = self._model_calls
        self._model_calls += 1
        answer = self.models.next()
        fields: dict[str, Any] = {
            "kind": "model",
            "id": self._next_id(),
            "messages": self._sent(messages),
        }
        offered = self._offered(tools)
        if offered is not None:
            fields["tools"] = offered
        if answer is None:
            stubbed = self.fixture.stubs is not None and self.fixture.stubs.model
            recorded = [
                (number, step)
                for number, step in enumerate(s for s in self.fixture.steps if isinstance(s, ModelStep))
            ]
            closest = closest_model_call(recorded, messages, model)
            summary = (
                f"unmatched model call #{call + 1}"
                + (f" to {model!r}" if model else "")
                + f": the recording has {self.models.recorded} model call(s)"
                + (f" and stubs.model {len(stubbed)} more" if stubbed else "")
                + ", all already answered"
                + (f"; {closest.clause}" if closest is not None else "")
            )
            description = "\n".join(
                [
                    summary,
                    "last message sent: "
                    + short(_message(messages[-1]).to_data() if messages else None, 200),
                    *(closest.lines if closest is not None else ()),
                    'add the assistant message to give under "stubs": {"model": [...]} in the fixture, '
                    'or set "on_unmatched": "error" to raise it in the agent',
                ]
            )
            fields["error"] = construct(ErrorInfo, type="UnmatchedCall", message=summary)
            self._append(construct(ModelStep, **fields), "unmatched")
            raise self._unmatched(
                UnmatchedCall(summary, description=description, kind="model", name="model", arguments=None)
            )
        step = answer.step
        if step is not None:
            for key in ("model", "provider", "usage", "cost", "finish_reason"):
                value = getattr(step, key)
                if value is not None:
                    fields[key] = value
            if self.drift_mode != "off":
                lines = request_drift(step.messages, messages) if step.messages is not None else []
                if step.tools is not None and offered is not None and step.tools != offered:
                    lines += tools_drift(step.tools, offered)
                if lines:
                    self.drifts.append(Drift(call, step.id, tuple(lines)))
        error = answer.error
        if error is not None:
            fields["error"] = step.error if step is not None else None
            self._append(construct(ModelStep, **fields), answer.source)
            raise RecordedModelError(
                error[0], name=(step.name if step is not None else None) or "model", error_type=error[1]
            )
        message = answer.message.thaw()
        if answer.response is not None:
            fields["response"] = answer.response
        override = self.overrides.get(answer.source) if isinstance(answer.source, int) else None
        if callable(override):
            message = override(message)
            fields["response"] = _message(message)
        self._append(construct(ModelStep, **fields), answer.source)
        self._expect_calls(message)
        return message  # type: ignore[no-any-return]

    def _sent(self, messages: list[Any]) -> list[Message]:
        """The sent messages as ``Message`` objects, each distinct message converted once per process.

        An agent loop sends the same growing list on every call, and every replay of a suite sends the
        same system prompt: converting every message every time is quadratic in the conversation and
        repeated across tests. A dict message is looked up by its JSON bytes (an agent that edits a
        message in place sends new bytes, and gets a new conversion).
        """
        out: list[Message] = []
        cache = _MESSAGES
        for message in messages:
            if type(message) is not dict:
                out.append(_message(message))
                continue
            try:
                data = _dumps(message)
            except (TypeError, ValueError):  # SDK objects inside: no cache
                out.append(_message(message))
                continue
            converted = cache.get(data)
            if converted is None:
                converted = _message(message)
                if len(cache) >= _CACHE_LIMIT:
                    cache.clear()
                cache[data] = converted
            out.append(converted)
        return out

    def _offered(self, tools: Any) -> list[ToolDefinition] | None:
        """``_tool_definitions``, converted once per process for each distinct list of tools."""
        if not isinstance(tools, list | tuple):
            return None
        try:
            data = _dumps(tools)
        except (TypeError, ValueError):
            return _tool_definitions(tools)
        cached = _OFFERED.get(data)
        if cached is None:
            offered = _tool_definitions(tools)
            if offered is None:
                return None
            if len(_OFFERED) >= _CACHE_LIMIT:
                _OFFERED.clear()
            cached = _OFFERED[data] = tuple(offered)
        return list(cached)  # a list of its own per step: a user's edit of one step's list stays there

    def record_live_model(self, messages: list[Any], tools: Any, response: Any) -> None:
        """Keep a call the real model answered (live mode)."""
        self._model_calls += 1
        fields: dict[str, Any] = {
            "kind": "model",
            "id": self._next_id(),
            "messages": [_message(m) for m in messages],
        }
        offered = _tool_definitions(tools)
        if offered is not None:
            fields["tools"] = offered
        message = _response_message(response)
        if message is not None:
            fields["response"] = message
            self._expect_calls(message.to_data())
        self._append(construct(ModelStep, **fields), "live")

    def _expect_calls(self, message: Mapping[str, Any]) -> None:
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            try:
                arguments = _loads(function.get("arguments") or "null")
            except ValueError:  # orjson's decode error is a ValueError too
                arguments = None
            self._pending.append((str(call.get("id")), str(function.get("name")), arguments))

    # -- tool calls -------------------------------------------------------------------------------------

    def _call_id(self, name: str, arguments: Mapping[str, Any]) -> str | None:
        for index, (call_id, pending_name, pending_args) in enumerate(self._pending):
            if pending_name == name and pending_args == arguments:
                del self._pending[index]
                return call_id
        for index, (call_id, pending_name, _) in enumerate(self._pending):
            if pending_name == name:
                del self._pending[index]
                return call_id
        return None

    def answer_tool(self, name: str, arguments: Mapping[str, Any]) -> Any:
        """The recorded (or stubbed) result of this call, a fresh copy; raises the recorded error."""
        answer = self.tools.answer(name, arguments)
        fields: dict[str, Any] = {"id": self._next_id(), "name": name, "arguments": dict(arguments)}
        call_id = self._call_id(name, arguments)
        if call_id is not None:
            fields["call_id"] = call_id
        approval = answer is not None and isinstance(answer.step, ApprovalStep)
        cls: type[ToolStep] | type[ApprovalStep] = ApprovalStep if approval else ToolStep
        fields["kind"] = "approval" if approval else "tool"
        if answer is None:
            summary = f"unmatched tool call {call_text(name, dict(arguments))}"
            lines = [summary, "no recorded call matches, and the fixture's stubs have no answer for it"]
            lines.extend(self.tools.explain_miss(name, arguments))
            lines.append(
                f'answer it under "stubs": {{"tools": {{"{name}": [{{"when": {{...}}, "result": ...}}]}}}} '
                'in the fixture, or set "on_unmatched": "error" to raise it in the agent'
            )
            fields["error"] = construct(ErrorInfo, type="UnmatchedCall", message=summary)
            self._append(construct(cls, **fields), "unmatched")
            raise self._unmatched(
                UnmatchedCall(
                    summary, description="\n".join(lines), kind="tool", name=name, arguments=dict(arguments)
                )
            )
        if isinstance(answer.step, ApprovalStep) and answer.step.decision is not None:
            fields["decision"] = answer.step.decision
        if answer.error is not None:
            message, error_type = answer.error
            error_fields: dict[str, Any] = {"message": message}
            if error_type:
                error_fields["type"] = error_type
            fields["error"] = construct(ErrorInfo, **error_fields)
            self._append(construct(cls, **fields), answer.source)
            raise RecordedToolError(message, name=name, error_type=error_type)
        if isinstance(answer.source, int) and answer.source in self.overrides:
            return self._overridden(cls, fields, answer.source)
        fields["result"] = answer.raw_result
        self._append(construct(cls, **fields), answer.source)
        assert answer.result is not None
        return answer.result.thaw()

    def _overridden(
        self, cls: type[ToolStep] | type[ApprovalStep], fields: dict[str, Any], source: int
    ) -> Any:
        """The override of recorded step ``source`` (see ``overrides``): raised, or a fresh copy returned."""
        value = self.overrides[source]
        if isinstance(value, BaseException):
            fields["error"] = construct(ErrorInfo, type=type(value).__name__, message=str(value))
            self._append(construct(cls, **fields), source)
            raise value
        fields["result"] = value
        self._append(construct(cls, **fields), source)
        return Frozen(value).thaw()

    def _unmatched(self, error: UnmatchedCall) -> UnmatchedCall:
        if self.on_unmatched == "fail":
            self.misses.append(error)
        return error

    # -- the seams: routed calls, explicit stubs, activation -------------------------------------------------

    def call_tool(
        self, name: str, original: Callable[..., Any] | None, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        shape = shape_of(original)
        if args and not shape.signed:  # a plain stub: the recording names the positional arguments
            return self.answer_tool(name, shape.bind(args, kwargs, self.tools.argument_names(name)))
        return self.answer_tool(name, shape.bind(args, kwargs))

    async def acall_tool(
        self, name: str, original: Callable[..., Any] | None, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        return self.call_tool(name, original, args, kwargs)

    def call_model(
        self, original: Callable[..., Any] | None, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        messages, tools = model_request(shape_of(original).bind(args, kwargs))
        if self.live_model and original is not None:
            sent = list(messages)
            response = original(*args, **kwargs)
            self.record_live_model(sent, tools, response)
            return response
        return self.answer_model(messages, tools)

    async def acall_model(
        self, original: Callable[..., Any] | None, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        messages, tools = model_request(shape_of(original).bind(args, kwargs))
        if self.live_model and original is not None:
            sent = list(messages)
            response = original(*args, **kwargs)
            if inspect.isawaitable(response):
                response = await response
            self.record_live_model(sent, tools, response)
            return response
        return self.answer_model(messages, tools)

    def model_stub(
        self, original: Callable[..., Any] | None = None, *, is_async: bool | None = None
    ) -> Callable[..., Any]:
        """A stand-in for the model function ``original`` (or ``model(messages, tools=None, **params)``).

        Sync or async like ``original`` unless ``is_async`` says; live mode calls ``original`` itself.
        """
        if is_async is None:
            is_async = original is not None and inspect.iscoroutinefunction(original)
        if is_async:

            async def amodel(*args: Any, **kwargs: Any) -> Any:
                return await self.acall_model(original, args, kwargs)

            return _named(amodel, original, "model")

        def model(*args: Any, **kwargs: Any) -> Any:
            return self.call_model(original, args, kwargs)

        return _named(model, original, "model")

    def tool_stub(
        self, name: str, original: Callable[..., Any] | None = None, *, is_async: bool | None = None
    ) -> Callable[..., Any]:
        """A stand-in for the tool ``name``: call it with keyword arguments, or one dict of arguments.

        Without ``original``, positional arguments take the names the recorded calls of ``name`` used.
        """
        if is_async is None:
            is_async = original is not None and inspect.iscoroutinefunction(original)
        if is_async:

            async def atool(*args: Any, **kwargs: Any) -> Any:
                return self.call_tool(name, original, args, kwargs)

            return _named(atool, original, name)

        def tool(*args: Any, **kwargs: Any) -> Any:
            return self.call_tool(name, original, args, kwargs)

        return _named(tool, original, name)

    @contextlib.contextmanager
    def activate(self) -> Iterator[Replayer]:
        """Route ``@replay_tool`` / ``@replay_model`` functions to this replay for the ``with`` block."""
        previous = decorators.set_router(self)
        try:
            yield self
        finally:
            decorators.set_router(previous)


def _named(stub: Callable[..., Any], original: Callable[..., Any] | None, name: str) -> Callable[..., Any]:
    if original is not None:
        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            with contextlib.suppress(AttributeError):
                setattr(stub, attribute, getattr(original, attribute))
        stub.__wrapped__ = original  # type: ignore[attr-defined]
    else:
        stub.__name__ = stub.__qualname__ = name
    return stub
