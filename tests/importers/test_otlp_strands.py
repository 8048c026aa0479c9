"""Real producer: Strands Agents' own tracer, in its default mode (message events holding Bedrock content
blocks), the latest GenAI conventions (details events) and span-attributes-only mode.

The exports in ``tests/data/strands/`` were written by ``strands_producer.py`` with strands-agents 1.62; the
live tests run the same agent again when strands-agents is installed. It is not in the ``test`` extra:
strands-agents pins opentelemetry-instrumentation-threading, whose releases pin an
opentelemetry-instrumentation that the pinned GenAI instrumentation (opentelemetry-instrumentation-openai-v2)
cannot share, so pip cannot resolve both in one environment. Install it in a venv of its own to
regenerate the exports: ``pip install -e . strands-agents && python tests/importers/strands_producer.py``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import import_file, only_trace, tool_calls
from .strands_producer import DATA, MODES, SCENARIOS, SYSTEM_PROMPT, USER_TEXT, produce, tool_results

EXPECTED_OUTPUT = {
    "refund_success": "Refunded $45.00 and emailed you.",
    "refund_tool_error": "I could not refund that order.",
}
ERROR_TEXT = "refund of 850.00 exceeds auto-approval limit 500.00"


def _calls(scenario: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [call for turn in SCENARIOS[scenario] if not isinstance(turn, str) for call in turn]


def _check(path: Path, scenario: str, answer: str | None = None) -> None:
    trace = only_trace(import_file(path))
    calls = _calls(scenario)
    assert tool_calls(trace) == [(name, args) for _, name, args in calls]
    tools = [s for s in trace.steps if s["kind"] == "tool"]
    assert [s["call_id"] for s in tools] == [call_id for call_id, _, _ in calls]
    for step, (_, name, args) in zip(tools, calls, strict=True):
        if name == "issue_refund" and args["amount"] > 500:
            assert step["error"]["type"].endswith("RefundLimitExceeded")
            assert step["error"]["message"] == ERROR_TEXT
        else:
            assert "error" not in step
            assert step["result"] == tool_results(name, args)
    models = [s for s in trace.steps if s["kind"] == "model"]
    assert len(models) == len(SCENARIOS[scenario])
    assert models[0]["messages"] == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": USER_TEXT},
    ]
    # the model's requests carry the calls, and the next call the results as tool messages
    requested = [c for m in models for c in (m["response"].get("tool_calls") or [])]
    assert [
        (c["id"], c["function"]["name"], json.loads(c["function"]["arguments"])) for c in requested
    ] == calls
    tool_messages = {m["tool_call_id"]: m["content"] for m in models[-1]["messages"] if m["role"] == "tool"}
    assert set(tool_messages) == {call_id for call_id, _, _ in calls}
    assert json.loads(tool_messages[calls[0][0]]) == tool_results(calls[0][1], calls[0][2])
    assert models[-1]["response"] == {"role": "assistant", "content": EXPECTED_OUTPUT[scenario]}
    assert trace.input == USER_TEXT
    # the agent span records str(AgentResult), which ends the text with a newline: kept as recorded
    assert trace.output == EXPECTED_OUTPUT[scenario] + "\n"
    if answer is not None:
        assert answer == EXPECTED_OUTPUT[scenario]
    assert trace.failed == (scenario == "refund_tool_error")
    # the content-block events were turned into fields, not kept twice
    for step in trace.steps:
        names = [e["name"] for e in (step.get("attributes") or {}).get("otel.events", [])]
        assert not [n for n in names if n.startswith("gen_ai.")], (step["kind"], names)


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_committed_strands_export(mode: str, scenario: str) -> None:
    _check(DATA / f"strands_{mode}__{scenario}.otlp.json", scenario)


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_live_strands_agent(mode: str, scenario: str, tmp_path: Path) -> None:
    pytest.importorskip("strands")
    document, answer = produce(mode, SCENARIOS[scenario])
    path = tmp_path / "strands.otlp.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    _check(path, scenario, answer)


def test_default_mode_tool_error_result_is_the_text_strands_gave_the_model() -> None:
    trace = only_trace(import_file(DATA / "strands_default__refund_tool_error.otlp.json"))
    refund = next(s for s in trace.steps if s.get("name") == "issue_refund")
    assert refund["result"] == f"Error: RefundLimitExceeded - {ERROR_TEXT}"
