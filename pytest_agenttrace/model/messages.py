"""Messages, tool calls and tool definitions: one shape whatever the source.

The shape is OpenAI's Chat Completions message, the one most SDKs and tracing conventions already convert
to and from, so a fixture reads like the request a developer has seen a hundred times, and a replayed
model call can hand it back to an agent unchanged. Tool-call ``arguments`` stay the JSON *text* the model
produced: a model that emitted invalid JSON is exactly the kind of run worth keeping as a regression.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, JsonValue

from ._base import FormatModel

Role = Literal["system", "developer", "user", "assistant", "tool"]


class FunctionCall(FormatModel):
    """The function half of a tool call, as the model requested it."""

    name: str = Field(description="Name of the tool the model asked to call.")
    arguments: str = Field(
        description="Arguments exactly as the model wrote them: JSON text, usually an object."
    )


class ToolCall(FormatModel):
    """A tool call requested by an assistant message."""

    _always_written: ClassVar[frozenset[str]] = frozenset({"type"})

    id: str | None = Field(default=None, description="Call id that links the request to the tool step.")
    type: Literal["function"] = Field(default="function", description="Always `function`.")
    function: FunctionCall


class Message(FormatModel):
    """One chat message in the OpenAI Chat Completions shape."""

    role: Role
    content: str | list[dict[str, JsonValue]] | None = Field(
        default=None,
        description='Text, or a list of content parts (`{"type": "text", "text": ...}`, images, ...).',
    )
    name: str | None = Field(default=None, description="Optional participant name.")
    tool_calls: list[ToolCall] | None = Field(
        default=None, description="Tool calls an assistant message requested, in the order requested."
    )
    tool_call_id: str | None = Field(default=None, description="For a `tool` message: the call it answers.")


class FunctionDefinition(FormatModel):
    """A function the model was offered."""

    name: str
    description: str | None = None
    parameters: dict[str, JsonValue] | None = Field(
        default=None, description="JSON Schema of the arguments, as offered to the model."
    )
    strict: bool | None = None


class ToolDefinition(FormatModel):
    """A tool offered to the model, in the OpenAI `tools` request shape."""

    _always_written: ClassVar[frozenset[str]] = frozenset({"type"})

    type: Literal["function"] = "function"
    function: FunctionDefinition
