"""Real producer: OpenLLMetry / Traceloop (traceloop-sdk with its OpenAI instrumentation), in the older
flattened attribute set (0.40: ``gen_ai.prompt.N.*``, ``gen_ai.completion.N.*``, ``llm.request.functions``)
and the newer one (0.62: ``gen_ai.input.messages`` / ``gen_ai.output.messages``), with the
``traceloop.span.kind`` workflow, agent and tool spans of its decorators.

The exports in ``tests/data/openllmetry/`` were written by ``traceloop_producer.py`` (its docstring says how
to re-run it): traceloop-sdk pins dozens of instrumentations that pip cannot resolve together with the
pinned GenAI instrumentation, so it is in no test extra and these tests read the committed exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import import_file, only_trace, tool_calls
from .traceloop_producer import (
    DATA,
    RELEASES,
    SCENARIOS,
    SYSTEM_PROMPT,
    TOOLS,
    USER_TEXT,
    tool_results,
    usage_of,
)

EXPECTED_OUTPUT = {"refund_success": "Refunded $45.00 and emailed you.", "refund_tool_error": None}
ERROR_TEXT = "refund of 850.00 exceeds auto-approval limit 500.00"
CASES = [(release, scenario) for release in RELEASES.values() for scenario in SCENARIOS]


def _calls(scenario: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [call for turn in SCENARIOS[scenario] if not isinstance(turn, str) for call in turn]


@pytest.mark.parametrize(("release", "scenario"), CASES)
def test_committed_export(release: str, scenario: str) -> None:
    path = DATA / f"traceloop_{release}__{scenario}.otlp.json"
    trace = only_trace(import_file(path))
    calls = _calls(scenario)
    failed = scenario == "refund_tool_error"
    assert tool_calls(trace) == [(name, args) for _, name, args in calls]
    tools = [s for s in trace.steps if s["kind"] == "tool"]
    assert [s["call_id"] for s in tools] == [cid for cid, _, _ in calls]  # linked through the requests
    for step, (_, name, args) in zip(tools, calls, strict=True):
        if name == "issue_refund" and args["amount"] > 500:
            assert step["error"]["type"].endswith("RefundLimitExceeded")
            assert step["error"]["message"] == ERROR_TEXT
            assert "result" not in step
        else:
            assert "error" not in step
            assert step["result"] == tool_results(name, args)
    models = [s for s in trace.steps if s["kind"] == "model"]
    turns = [turn for turn in SCENARIOS[scenario] if not (failed and isinstance(turn, str))]
    assert len(models) == len(turns)
    assert {m["model"] for m in models} == {"gpt-4o-mini-2024-07-18"}
    assert models[0]["messages"] == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": USER_TEXT},
    ]
    assert [t["function"]["name"] for t in models[0]["tools"]] == [t["function"]["name"] for t in TOOLS]
    for index, (model, turn) in enumerate(zip(models, turns, strict=True)):
        prompt, completion = usage_of(index, len(model["messages"]))
        assert (model["usage"]["input_tokens"], model["usage"]["output_tokens"]) == (prompt, completion)
        if isinstance(turn, str):
            assert model["response"]["content"] == turn
        else:
            requested = [
                (c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
                for c in model["response"]["tool_calls"]
            ]
            assert requested == list(turn)
    # the second call saw the first tool's result as a tool message
    first_id, first_name, first_args = calls[0]
    answered = [m for m in models[1]["messages"] if m.get("tool_call_id") == first_id]
    assert [json.loads(m["content"]) for m in answered] == [tool_results(first_name, first_args)]
    # the @workflow root: its entity input/output are the fixture's input/output
    assert trace.input == USER_TEXT
    assert trace.output == EXPECTED_OUTPUT[scenario]
    assert trace.failed is failed


def test_both_releases_committed() -> None:
    names = sorted(p.name for p in Path(DATA).glob("*.otlp.json"))
    assert names == sorted(f"traceloop_{r}__{s}.otlp.json" for r, s in CASES)
