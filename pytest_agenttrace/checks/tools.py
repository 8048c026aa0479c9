"""Tool choice: which tools the agent called, in what order, how often, and with which arguments.

Three shapes of expectation, one per field of ``expect.tools``: ``sequence`` (exactly these calls, in
order), ``subsequence`` (these in order, others allowed between) and ``set`` (these in any order, no
others); plus ``forbidden`` tools, ``max_calls`` per tool, and the automatic check of every call's
arguments against the JSON Schema of the tool the model was offered. A golden fixture with none of the
three shapes is held to its recorded tool path.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..model import Fixture, ModelStep, ToolCallExpectation, ToolStep
from ..replay.run import ActualRun
from ._failure import CheckFailure
from ._schema import SchemaProblem, schema_errors
from ._values import arguments_of, short
from .arguments import match_arguments

__all__ = ["Call", "check_tools", "tool_calls"]


@dataclass(frozen=True)
class Call:
    """A tool call of a run: its step index, name and parsed arguments."""

    index: int
    name: str
    arguments: Any
    problem: str | None = None

    def text(self, width: int = 70) -> str:
        if isinstance(self.arguments, dict):
            inner = ", ".join(f"{k}={short(v, 30)}" for k, v in self.arguments.items())
        else:
            inner = short(self.arguments, 40)
        text = f"{self.name}({inner})"
        return text if len(text) <= width else text[: width - 1] + "…"

    def data(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments}


def tool_calls(run: ActualRun) -> list[Call]:
    """Every tool step of the run, in order."""
    calls = []
    for index, step in enumerate(run.steps):
        if isinstance(step, ToolStep):
            arguments, problem = arguments_of(step)
            calls.append(Call(index, step.name, arguments, problem))
    return calls


def _expected_text(expectation: ToolCallExpectation) -> str:
    if expectation.arguments is None:
        return f"{expectation.name}(…)"
    return Call(-1, expectation.name, expectation.arguments).text()


def _expected_data(expectation: ToolCallExpectation) -> dict[str, Any]:
    data: dict[str, Any] = {"name": expectation.name}
    if expectation.arguments is not None:
        data["arguments"] = expectation.arguments
    return data


def mismatch(expectation: ToolCallExpectation, call: Call) -> list[str] | None:
    """None when the names differ; else the argument lines (empty when the call matches)."""
    if expectation.name != call.name:
        return None
    if expectation.arguments is None and expectation.match is None:
        return []
    return match_arguments(
        expectation.arguments, call.arguments, expectation.match, root=f"steps[{call.index}].arguments"
    )


def _matches(expectation: ToolCallExpectation, call: Call) -> bool:
    lines = mismatch(expectation, call)
    return lines is not None and not lines


def _names(items: list[str]) -> str:
    return ", ".join(items) if items else "(none)"


def _check_sequence(
    expected: list[ToolCallExpectation], calls: list[Call], check: str, source: str
) -> list[CheckFailure]:
    if len(expected) == len(calls) and all(_matches(e, c) for e, c in zip(expected, calls, strict=True)):
        return []
    details = [
        f"expected: {_names([e.name for e in expected])}",
        f"actual:   {_names([c.name for c in calls])}",
    ]
    step: int | None = None
    for position, (want, call) in enumerate(zip(expected, calls, strict=False)):
        lines = mismatch(want, call)
        if lines is None:
            details.append(
                f"call {position + 1}: expected {_expected_text(want)}, got {call.text()} at step {call.index}"
            )
        elif lines:
            details.append(f"call {position + 1}: {call.name} at step {call.index} has other arguments:")
            details.extend("  " + line for line in lines)
        else:
            continue
        step = call.index
        break
    else:
        if len(calls) > len(expected):
            extra = calls[len(expected)]
            step = extra.index
            details.append(f"call {len(expected) + 1}: unexpected {extra.text()} at step {extra.index}")
        else:
            want = expected[len(calls)]
            details.append(
                f"call {len(calls) + 1}: expected {_expected_text(want)}, but the run made no more calls"
            )
    message = f"expected {len(expected)} tool calls in this order, got {len(calls)}"
    if len(expected) == len(calls):
        message = f"the {len(calls)} tool calls differ from the expected sequence"
    return [
        CheckFailure(
            check=check,
            message=message,
            step=step,
            expected=[_expected_data(e) for e in expected],
            actual=[c.data() for c in calls],
            actual_steps=[c.index for c in calls],
            details=details,
            source=source,
        )
    ]


def _closest(expectation: ToolCallExpectation, calls: list[Call]) -> tuple[Call, list[str]] | None:
    best: tuple[Call, list[str]] | None = None
    for call in calls:
        lines = mismatch(expectation, call)
        if lines is not None and (best is None or len(lines) < len(best[1])):
            best = (call, lines)
    return best


def _check_subsequence(expected: list[ToolCallExpectation], calls: list[Call]) -> list[CheckFailure]:
    position = 0
    found: list[int] = []
    for number, want in enumerate(expected):
        hit = next((i for i in range(position, len(calls)) if _matches(want, calls[i])), None)
        if hit is not None:
            found.append(calls[hit].index)
            position = hit + 1
            continue
        after = f" after step {calls[position - 1].index}" if position else ""
        details = [
            f"expected in order: {_names([e.name for e in expected])}",
            f"actual:            {_names([c.name for c in calls])}",
        ]
        if found:
            details.append("matched so far at steps " + ", ".join(map(str, found)))
        closest = _closest(want, calls[position:])
        step = None
        if closest is not None:
            call, lines = closest
            step = call.index
            details.append(f"closest: {call.text()} at step {call.index}:")
            details.extend("  " + line for line in lines)
        elif any(c.name == want.name for c in calls[:position]):
            earlier = [c.index for c in calls[:position] if c.name == want.name]
            details.append(f"{want.name} was called only earlier, at step(s) {', '.join(map(str, earlier))}")
        return [
            CheckFailure(
                check="tools.subsequence",
                message=f"expected call {number + 1} {_expected_text(want)} not found{after}",
                step=step,
                expected=[_expected_data(e) for e in expected],
                actual=[c.data() for c in calls],
                actual_steps=[c.index for c in calls],
                details=details,
                source=f"expect.tools.subsequence[{number}]",
            )
        ]
    return []


def _check_set(expected: list[ToolCallExpectation], calls: list[Call]) -> list[CheckFailure]:
    # Maximum bipartite matching (augmenting paths): a greedy pass could pair a loose expectation with
    # the only call a stricter one accepts and report a false miss.
    edges = [[j for j, call in enumerate(calls) if _matches(e, call)] for e in expected]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(expected)):
        augment(i, set())
    matched = set(owner.values())
    missing = [i for i in range(len(expected)) if i not in matched]
    extra = [calls[j] for j in range(len(calls)) if j not in owner]
    if not missing and not extra:
        return []
    details: list[str] = []
    step: int | None = None
    for i in missing:
        want = expected[i]
        details.append(f"missing: {_expected_text(want)}")
        closest = _closest(want, [calls[j] for j in range(len(calls)) if j not in owner])
        if closest is not None:
            call, lines = closest
            step = call.index if step is None else step
            details.append(f"  closest: {call.text()} at step {call.index}:")
            details.extend("    " + line for line in lines)
    for call in extra:
        details.append(f"unexpected: {call.text()} at step {call.index}")
        step = call.index if step is None else min(step, call.index)
    parts = []
    if missing:
        parts.append(f"{len(missing)} expected call{'s' if len(missing) > 1 else ''} missing")
    if extra:
        parts.append(f"{len(extra)} unexpected call{'s' if len(extra) > 1 else ''}")
    by_name = sorted(calls, key=lambda c: c.name)
    return [
        CheckFailure(
            check="tools.set",
            message=" and ".join(parts),
            step=step,
            expected=sorted((_expected_data(e) for e in expected), key=lambda d: d["name"]),
            actual=[c.data() for c in by_name],
            actual_steps=[c.index for c in by_name],
            details=details,
            source="expect.tools.set",
        )
    ]


def _offered_schemas(steps: list[Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for step in steps:
        if isinstance(step, ModelStep) and step.tools:
            for tool in step.tools:
                if tool.function.parameters is not None:
                    schemas.setdefault(tool.function.name, tool.function.parameters)
    return schemas


def _check_argument_schemas(fixture: Fixture, run: ActualRun, calls: list[Call]) -> list[CheckFailure]:
    """Each call against the schema of its tool as last offered to the model before it."""
    recorded = _offered_schemas(list(fixture.steps))
    offered: dict[str, Any] = {}
    failures = []
    steps = run.steps
    cursor = 0
    for call in calls:
        while cursor < call.index:
            step = steps[cursor]
            if isinstance(step, ModelStep) and step.tools:
                for tool in step.tools:
                    if tool.function.parameters is not None:
                        offered[tool.function.name] = tool.function.parameters
            cursor += 1
        schema = offered.get(call.name, recorded.get(call.name))
        if call.problem is not None:
            failures.append(
                CheckFailure(
                    check="tools.arguments",
                    message=f"{call.name} at step {call.index}: {call.problem}",
                    step=call.index,
                )
            )
            continue
        if schema is None:
            continue
        try:
            lines = schema_errors(schema, call.arguments, f"steps[{call.index}].arguments")
        except SchemaProblem as exc:
            failures.append(
                CheckFailure(
                    check="tools.arguments",
                    message=f"the schema offered for {call.name} is unusable: {exc}",
                    step=call.index,
                )
            )
            continue
        if lines:
            failures.append(
                CheckFailure(
                    check="tools.arguments",
                    message=f"{call.name} at step {call.index}: arguments do not match the tool's schema",
                    short="arguments do not match the tool's schema",
                    step=call.index,
                    details=lines,
                    actual=call.arguments,
                )
            )
    return failures


def _guard(check: str, source: str, run: Any) -> list[CheckFailure]:
    """Run a check, turning an invalid schema in an expectation into a failure that names it."""
    try:
        result: list[CheckFailure] = run()
    except SchemaProblem as exc:
        return [CheckFailure(check=check, message=f"{source}: {exc}", source=source)]
    return result


def check_tools(fixture: Fixture, run: ActualRun, *, golden: bool = False) -> list[CheckFailure]:
    """All tool-choice failures of ``run`` against ``fixture.expect.tools`` (and the recording if golden)."""
    calls = tool_calls(run)
    expect = fixture.expect.tools if fixture.expect is not None else None
    failures: list[CheckFailure] = []
    if expect is not None and expect.sequence is not None:
        sequence = expect.sequence
        failures += _guard(
            "tools.sequence",
            "expect.tools.sequence",
            lambda: _check_sequence(sequence, calls, "tools.sequence", "expect.tools.sequence"),
        )
    if expect is not None and expect.subsequence is not None:
        subsequence = expect.subsequence
        failures += _guard(
            "tools.subsequence", "expect.tools.subsequence", lambda: _check_subsequence(subsequence, calls)
        )
    if expect is not None and expect.set_ is not None:
        wanted = expect.set_
        failures += _guard("tools.set", "expect.tools.set", lambda: _check_set(wanted, calls))
    has_shape = expect is not None and any(
        x is not None for x in (expect.sequence, expect.subsequence, expect.set_)
    )
    if golden and not has_shape:
        recorded = [
            ToolCallExpectation(name=c.name, arguments=c.arguments if isinstance(c.arguments, dict) else None)
            for c in tool_calls(ActualRun.from_recording(fixture))
        ]
        failures += _check_sequence(recorded, calls, "golden.tools", "the recorded tool path (golden)")
    if expect is not None and expect.forbidden:
        forbidden = set(expect.forbidden)
        for call in calls:
            if call.name in forbidden:
                failures.append(
                    CheckFailure(
                        check="tools.forbidden",
                        message=f"{call.name} is forbidden, called at step {call.index}: {call.text()}",
                        short="is forbidden",
                        step=call.index,
                        source="expect.tools.forbidden",
                    )
                )
    if expect is not None and expect.max_calls:
        counts = Counter(c.name for c in calls)
        for name, limit in expect.max_calls.items():
            if counts[name] > limit:
                steps = [c.index for c in calls if c.name == name]
                failures.append(
                    CheckFailure(
                        check="tools.max_calls",
                        message=f"{name} called {counts[name]} times, limit {limit}",
                        step=steps[limit],
                        related=steps,
                        details=[f"calls at steps {', '.join(map(str, steps))}"],
                        source=f"expect.tools.max_calls.{name}",
                    )
                )
    if expect is None or expect.check_schemas is not False:
        failures += _check_argument_schemas(fixture, run, calls)
    return failures
