"""Tool calls matched to recorded tool steps by name and arguments, then by order; then ``stubs.tools``.

Recorded approval steps that carry a name answer calls of that name too: an approval is usually a tool
(``request_approval``) in the agent's code, even where the tracing stack recorded it as its own kind.
A recorded step is answered once before any repeat: identical calls take the matching steps in recorded
order, and a call repeated more often than recorded gets the last matching answer again (the budgets
check, not the replay, is what catches a loop).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model import ApprovalStep, ArgumentMatch, Fixture, StubAnswer, ToolCallExpectation, ToolStep
from ._copy import Frozen
from .matching import argument_differences, schema_matches, short

__all__ = ["ToolAnswer", "ToolBook", "call_text", "match_rules"]

AnswerStep = ToolStep | ApprovalStep


def call_text(name: str, arguments: Any, width: int = 100) -> str:
    return f"{name}({short(arguments, width)})"


@dataclass(frozen=True, slots=True)
class ToolAnswer:
    """What a tool call gets: a result or an error, and where it came from."""

    source: int | str  # index of the recorded step in ``fixture.steps``, or "stub"
    step: AnswerStep | None
    result: Frozen | None
    raw_result: Any
    error: tuple[str, str | None] | None  # (message, type)


def match_rules(fixture: Fixture) -> dict[str, ArgumentMatch]:
    """Per-tool matchers declared in the fixture's ``expect.tools`` (the first one given for a name)."""
    rules: dict[str, ArgumentMatch] = {}
    tools = fixture.expect.tools if fixture.expect is not None else None
    if tools is None:
        return rules
    entries: list[ToolCallExpectation] = [
        *(tools.sequence or ()),
        *(tools.subsequence or ()),
        *(tools.set_ or ()),
    ]
    for entry in entries:
        if entry.match is not None:
            rules.setdefault(entry.name, entry.match)
    return rules


def _approval_result(step: ApprovalStep) -> Any:
    if "result" in step.model_fields_set:
        return step.result
    if step.decision is not None:
        return {"approved": step.decision == "approved", "decision": step.decision}
    return None


class ToolBook:
    """The recorded tool steps, indexed by name, and the stubs for calls the recording lacks."""

    __slots__ = ("_by_name", "_frozen", "_names", "_stub_frozen", "_used", "match", "steps", "stubs")

    def __init__(self, fixture: Fixture, match: Mapping[str, ArgumentMatch] | None = None) -> None:
        self.steps: list[tuple[int, AnswerStep]] = []
        self._by_name: dict[str, list[int]] = {}
        for index, step in enumerate(fixture.steps):
            if isinstance(step, ToolStep) or (isinstance(step, ApprovalStep) and step.name):
                assert step.name is not None
                self._by_name.setdefault(step.name, []).append(len(self.steps))
                self.steps.append((index, step))
        self._frozen: dict[int, Frozen] = {}
        self._used: set[int] = set()
        self.match = {**match_rules(fixture), **(match or {})}
        stubs = fixture.stubs.tools if fixture.stubs is not None and fixture.stubs.tools else {}
        self.stubs: dict[str, list[StubAnswer]] = dict(stubs)
        self._stub_frozen: dict[tuple[str, int], Frozen] = {}
        self._names: dict[str, tuple[str, ...]] = {}

    def argument_names(self, name: str) -> tuple[str, ...]:
        """The argument names the recorded calls of tool ``name`` used, in the order they were recorded.

        A stub with no function behind it has no signature to bind positional arguments by; the
        recording has the names (``issue_refund("A1", 5000)`` recorded as ``{"order_id": "A1", "amount":
        5000}``), so ``amount`` stays ``amount`` for policies and matchers. Empty when no call was recorded.
        """
        names = self._names.get(name)
        if names is None:
            found: dict[str, None] = {}
            for position in self._by_name.get(name, ()):
                arguments = self.steps[position][1].arguments
                if isinstance(arguments, dict):
                    found.update(dict.fromkeys(arguments))
            names = self._names[name] = tuple(found)
        return names

    def names(self) -> list[str]:
        """Every tool name the recording or the stubs can answer, in first-seen order."""
        return list(dict.fromkeys([*self._by_name, *self.stubs]))

    def _answer_of(self, position: int) -> ToolAnswer:
        index, step = self.steps[position]
        if step.error is not None:
            message = step.error.message or f"{step.name} failed"
            return ToolAnswer(index, step, None, None, (message, step.error.type))
        result = _approval_result(step) if isinstance(step, ApprovalStep) else step.result
        frozen = self._frozen.get(position)
        if frozen is None:
            frozen = self._frozen[position] = Frozen(result)
        return ToolAnswer(index, step, frozen, result, None)

    def _differences(self, position: int, arguments: Any) -> list[str]:
        _, step = self.steps[position]
        assert step.name is not None
        return argument_differences(step.arguments, arguments, self.match.get(step.name))

    def answer(self, name: str, arguments: Mapping[str, Any]) -> ToolAnswer | None:
        """The recorded answer for this call, else a stub's, else None."""
        repeat: int | None = None
        for position in self._by_name.get(name, ()):
            if self._differences(position, arguments):
                continue
            if position not in self._used:
                self._used.add(position)
                return self._answer_of(position)
            repeat = position
        if repeat is not None:
            return self._answer_of(repeat)
        return self._stub(name, arguments)

    def _stub(self, name: str, arguments: Mapping[str, Any]) -> ToolAnswer | None:
        for number, stub in enumerate(self.stubs.get(name, ())):
            if stub.when is not None and schema_matches(stub.when, dict(arguments)) is not None:
                continue
            if stub.error is not None:
                return ToolAnswer("stub", None, None, None, (stub.error, None))
            frozen = self._stub_frozen.get((name, number))
            if frozen is None:
                frozen = self._stub_frozen[(name, number)] = Frozen(stub.result)
            return ToolAnswer("stub", None, frozen, stub.result, None)
        return None

    def explain_miss(self, name: str, arguments: Mapping[str, Any], *, limit: int = 3) -> list[str]:
        """The closest recorded calls and which matcher failed on each, then the stubs that did not apply."""
        scored: list[tuple[tuple[int, int, int], str]] = []
        for position, (index, step) in enumerate(self.steps):
            assert step.name is not None
            reasons: list[str] = []
            if step.name != name:
                reasons.append(f"name: recorded {step.name!r}")
            reasons.extend(self._differences(position, arguments))
            key = (int(step.name != name), len(reasons), index)
            shown = call_text(step.name, step.arguments, 60)
            scored.append((key, f"steps[{index}] {shown}: " + "; ".join(reasons)))
        lines = []
        if scored:
            lines.append("closest recorded calls (and the matcher that failed on each):")
            lines.extend("  " + text for _, text in sorted(scored)[:limit])
        else:
            lines.append("the recording has no tool calls")
        for number, stub in enumerate(self.stubs.get(name, ())):
            if stub.when is not None:
                problem = schema_matches(stub.when, dict(arguments))
                lines.append(f"stubs.tools.{name}[{number}]: `when` does not match: {problem}")
        return lines
