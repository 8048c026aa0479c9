"""What a replay is checked against (``expect``) and the answers for calls the recording lacks (``stubs``).

Conditions on arguments and results are JSON Schemas, never code: a fixture is data that anyone can commit,
and loading or checking one must never execute anything from it. Code-level checks (predicates, pydantic
models) are referred to by dotted path and live in the user's own repository.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, JsonValue, model_validator

from ._base import FormatModel
from .messages import Message

JsonSchema = dict[str, JsonValue]


class RegexRule(FormatModel):
    """A text rule written as a regular expression (Python `re` syntax)."""

    regex: str


TextRule = str | RegexRule


class ArgumentMatch(FormatModel):
    """How the arguments of an actual call are compared with the expected ones."""

    ignore: list[str] | None = Field(
        default=None, description="Argument paths left out of the comparison (`customer.id`, `items[0].sku`)."
    )
    tolerance: float | dict[str, float] | None = Field(
        default=None, description="Allowed absolute difference for numbers, for all or per argument path."
    )
    regex: dict[str, str] | None = Field(
        default=None, description="Argument path -> regular expression the actual string must fully match."
    )
    schema_: JsonSchema | None = Field(
        default=None, alias="schema", description="JSON Schema the actual arguments must satisfy."
    )


class ToolCallExpectation(FormatModel):
    """One expected tool call."""

    name: str
    arguments: dict[str, JsonValue] | None = Field(
        default=None, description="Expected arguments; absent means any arguments."
    )
    match: ArgumentMatch | None = None


class ToolsExpect(FormatModel):
    """Expectations on which tools are called, in what order, and how often."""

    sequence: list[ToolCallExpectation] | None = Field(
        default=None, description="Exactly these calls, in order."
    )
    subsequence: list[ToolCallExpectation] | None = Field(
        default=None, description="These calls in this order, other calls allowed between them."
    )
    set_: list[ToolCallExpectation] | None = Field(
        default=None, alias="set", description="These calls in any order, and no others."
    )
    forbidden: list[str] | None = Field(default=None, description="Tools that must not be called.")
    max_calls: dict[str, int] | None = Field(default=None, description="Tool name -> the most calls allowed.")
    check_schemas: bool | None = Field(
        default=None,
        description="Validate every call's arguments against the schema of the tool offered to the model "
        "(on unless false).",
    )


class RequiredCall(FormatModel):
    """A call that must happen before (``requires``) or after (``then``) a policy's tool call."""

    tool: str | None = Field(default=None, description="Name of the tool or approval step that satisfies it.")
    approval: bool | None = Field(default=None, description="True: any approval step satisfies it.")
    result: JsonSchema | None = Field(
        default=None, description="JSON Schema its result must satisfy (e.g. `approved` is true)."
    )
    same: list[str] | None = Field(
        default=None, description="Argument names whose values must equal those of the policy's call."
    )

    @model_validator(mode="after")
    def _names_something(self) -> RequiredCall:
        if not self.tool and not self.approval:
            raise ValueError("name a `tool` or set `approval: true`")
        return self


class Policy(FormatModel):
    """An organisation's rule about a tool: when it may run, what must come before or after it."""

    id: str = Field(min_length=1)
    description: str | None = None
    tool: str = Field(description="The tool the policy governs.")
    when: JsonSchema | None = Field(
        default=None, description="JSON Schema on the call's arguments; the policy applies when it matches."
    )
    requires: RequiredCall | None = Field(
        default=None, description="What must have happened before the call."
    )
    then: RequiredCall | None = Field(default=None, description="What must happen after the call.")
    forbid: bool | None = Field(
        default=None, description="True: the call is not allowed at all when `when` holds."
    )

    @model_validator(mode="after")
    def _has_effect(self) -> Policy:
        if not (self.requires or self.then or self.forbid):
            raise ValueError("a policy needs `requires`, `then` or `forbid: true`")
        return self


class OutputExpect(FormatModel):
    """Invariants on the final output."""

    schema_: JsonSchema | None = Field(
        default=None,
        alias="schema",
        description="JSON Schema of the output (parsed from JSON text when text).",
    )
    must_contain: list[TextRule] | None = None
    must_not_contain: list[TextRule] | None = None
    predicates: list[str] | None = Field(
        default=None, description="Dotted paths (`myapp.checks:no_pii`) of functions that judge the output."
    )
    model: str | None = Field(
        default=None, description="Dotted path of a pydantic model the output must validate."
    )


class Budgets(FormatModel):
    """Upper limits on what one run may consume."""

    max_steps: int | None = Field(default=None, ge=0)
    max_model_calls: int | None = Field(default=None, ge=0)
    max_tool_calls: int | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=0)
    max_cost: float | None = Field(default=None, ge=0, description="In the recording's currency (USD).")
    max_latency_ms: float | None = Field(default=None, ge=0)
    max_repeated_calls: int | None = Field(
        default=None, ge=1, description="Most identical calls (same tool, same arguments) allowed: loops."
    )


class FuzzTool(FormatModel):
    """How one tool's recorded results are varied."""

    schema_: JsonSchema | None = Field(
        default=None,
        alias="schema",
        description="JSON Schema of the results; inferred from the recording if absent.",
    )


class Fuzz(FormatModel):
    """Property-based variation of recorded tool results (hypothesis)."""

    tools: dict[str, FuzzTool] | None = None
    examples: int | None = Field(default=None, ge=1, description="How many variations to run.")
    seed: int | None = None
    errors: bool | None = Field(default=None, description="Also inject tool errors.")
    timeouts: bool | None = Field(default=None, description="Also inject tool timeouts.")
    empty: bool | None = Field(default=None, description="Also try empty results.")
    reorder: bool | None = Field(default=None, description="Also reorder parallel tool calls.")


class Expect(FormatModel):
    """Everything a replay of this fixture is checked against."""

    tools: ToolsExpect | None = None
    policies: list[Policy] | None = Field(default=None, description="Policies added to the global ones.")
    output: OutputExpect | None = None
    budgets: Budgets | None = None
    fuzz: Fuzz | None = None


class StubAnswer(FormatModel):
    """An answer for a tool call the recording does not have."""

    when: JsonSchema | None = Field(
        default=None, description="JSON Schema on the arguments; absent matches any."
    )
    result: JsonValue = None
    error: str | None = Field(
        default=None, description="Raise an error with this message instead of answering."
    )


class Stubs(FormatModel):
    """Answers for calls that the recorded run never made, and what to do with an unanswerable call."""

    tools: dict[str, list[StubAnswer]] | None = None
    model: list[Message] | None = Field(
        default=None, description="Assistant messages for model calls beyond the recorded ones, in order."
    )
    on_unmatched: Literal["fail", "error"] | None = Field(
        default=None,
        description="`fail` (default): the test fails naming the call; `error`: the call raises in the agent.",
    )
