"""The steps of a run: one model per kind, told apart by the ``kind`` field.

Every step has an ``id`` (the source's span or run id, so a fixture can be traced back to the export), a
``parent`` (the id of an earlier step, or none), its ``timing``, an ``error`` when it failed, and an
``attributes`` map that keeps every source attribute the importer did not map to a field, so that no
recorded information is lost on the way into a fixture.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue

from ._base import FormatModel
from .messages import Message, ToolDefinition

StepKind = Literal[
    "model", "tool", "approval", "memory", "retrieval", "plan", "handoff", "guardrail", "error"
]
STEP_KINDS: tuple[StepKind, ...] = (
    "model",
    "tool",
    "approval",
    "memory",
    "retrieval",
    "plan",
    "handoff",
    "guardrail",
    "error",
)


class Timing(FormatModel):
    """When a step ran, as recorded."""

    start: str | None = Field(
        default=None,
        description="Start time, ISO 8601 in UTC with microseconds (`2026-01-02T03:04:05.123456Z`).",
    )
    duration_ms: float | None = Field(default=None, ge=0, description="Wall-clock duration in milliseconds.")


class ErrorInfo(FormatModel):
    """An error a step ended with."""

    type: str | None = Field(default=None, description="Exception or error type, e.g. `RefundLimitExceeded`.")
    message: str | None = Field(default=None, description="The recorded error message.")


class Usage(FormatModel):
    """Token counts of one model call."""

    input_tokens: int | None = Field(default=None, ge=0)
    output_tokens: int | None = Field(default=None, ge=0)
    total_tokens: int | None = Field(default=None, ge=0)
    cache_read_tokens: int | None = Field(default=None, ge=0, description="Input tokens served from cache.")
    reasoning_tokens: int | None = Field(default=None, ge=0)


class Cost(FormatModel):
    """Money spent, as recorded by the source or estimated from a price table."""

    amount: float = Field(ge=0)
    currency: str = "USD"
    estimated: bool = Field(
        default=False, description="True when computed from a price table rather than recorded by the source."
    )


class _Step(FormatModel):
    kind: StepKind = Field(description="What the step is; decides which other fields it has.")
    id: str = Field(min_length=1, description="Step id, unique in the fixture; the source's span or run id.")
    parent: str | None = Field(
        default=None, description="Id of the enclosing step, which comes earlier in `steps`."
    )
    name: str | None = Field(default=None, description="The step's name: tool name, agent name, span name.")
    timing: Timing | None = None
    error: ErrorInfo | None = Field(default=None, description="Present when the step failed.")
    attributes: dict[str, JsonValue] | None = Field(
        default=None, description="Source attributes not mapped to a field, kept as recorded."
    )


class ModelStep(_Step):
    """A call to a language model: what was sent and what came back."""

    kind: Literal["model"]
    model: str | None = Field(default=None, description="Model name (the response's model when recorded).")
    provider: str | None = Field(default=None, description="Provider or system, e.g. `openai`.")
    messages: list[Message] | None = Field(default=None, description="Request messages, in order.")
    tools: list[ToolDefinition] | None = Field(default=None, description="Tools offered to the model.")
    parameters: dict[str, JsonValue] | None = Field(
        default=None, description="Request parameters such as temperature or max_tokens."
    )
    response: Message | None = Field(
        default=None, description="The assistant message returned, with the tool calls it requested."
    )
    finish_reason: str | None = None
    usage: Usage | None = None
    cost: Cost | None = None


class ToolStep(_Step):
    """A tool the agent executed."""

    kind: Literal["tool"]
    name: str = Field(min_length=1, description="Tool name.")
    call_id: str | None = Field(default=None, description="Id of the model's tool call this step executed.")
    arguments: dict[str, JsonValue] | None = Field(default=None, description="Arguments, a JSON object.")
    arguments_text: str | None = Field(
        default=None, description="The arguments as recorded when they were not a JSON object."
    )
    result: JsonValue = Field(default=None, description="What the tool returned; absent when not recorded.")


class ApprovalStep(_Step):
    """A request for approval (by a person or a system) and its decision."""

    kind: Literal["approval"]
    call_id: str | None = None
    arguments: dict[str, JsonValue] | None = Field(default=None, description="What was asked to be approved.")
    result: JsonValue = Field(default=None, description="The recorded answer.")
    decision: Literal["approved", "denied", "pending"] | None = None
    by: str | None = Field(default=None, description="Who or what decided.")


class MemoryStep(_Step):
    """A read from or write to the agent's memory."""

    kind: Literal["memory"]
    operation: Literal["read", "write", "delete", "search"] | None = None
    key: str | None = None
    value: JsonValue = None
    store: str | None = Field(default=None, description="Name of the memory store.")


class RetrievalStep(_Step):
    """A retrieval (search over documents, vector store, web)."""

    kind: Literal["retrieval"]
    query: JsonValue = None
    documents: list[JsonValue] | None = None


class PlanStep(_Step):
    """A planning step or a reasoning summary."""

    kind: Literal["plan"]
    content: JsonValue = None


class HandoffStep(_Step):
    """Control passed from one agent to another."""

    kind: Literal["handoff"]
    from_agent: str | None = None
    to_agent: str | None = None


class GuardrailStep(_Step):
    """A guardrail that inspected input or output."""

    kind: Literal["guardrail"]
    triggered: bool | None = Field(default=None, description="True when the guardrail tripped.")
    input: JsonValue = None
    result: JsonValue = None


class ErrorStep(_Step):
    """An error recorded on its own, not as the outcome of another step."""

    kind: Literal["error"]
    error: ErrorInfo = Field(description="The error.")


Step = Annotated[
    ModelStep
    | ToolStep
    | ApprovalStep
    | MemoryStep
    | RetrievalStep
    | PlanStep
    | HandoffStep
    | GuardrailStep
    | ErrorStep,
    Field(discriminator="kind"),
]
