"""Property tests for the LangSmith and Agents SDK importers, and the contract for any malformed export.

Random valid run and span trees import with every step and its parentage kept. Random damage to real
corpus exports (a field set to any JSON value, a file cut short) and random documents go through
``agenttrace import-trace`` itself: either the import succeeds, or it exits with 2 and every error is one
line that names the file (and, for a field of the wrong type, its JSON path); every fixture it wrote is
valid and announced by a ``wrote`` line, and a failed import of a single trace writes nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_agenttrace.importers.base import ImportedTrace, ImportOptions
from pytest_agenttrace.importers.langsmith import LangSmithImporter
from pytest_agenttrace.importers.openai_agents import OpenAIAgentsImporter

from .conftest import assert_clean_outcome, run_cli, validate
from .test_otlp_properties import DOCUMENTS, JSON_VALUES

DATA = Path(__file__).resolve().parent.parent / "data" / "corpus"
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# ----------------------------------------------------------------------------------- valid random trees
@st.composite
def run_trees(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A chain root and 1-20 llm / tool / chain runs, each under an earlier run, in a shuffled order."""
    runs = [{"id": "r0", "parent": None, "type": "chain", "start": 0}]
    for index in range(draw(st.integers(1, 20))):
        parent = draw(st.sampled_from([r for r in runs if r["type"] == "chain"]))
        runs.append(
            {
                "id": f"r{index + 1}",
                "parent": parent["id"],
                "type": draw(st.sampled_from(["llm", "tool", "chain"])),
                "start": parent["start"] + draw(st.integers(0, 500)),
            }
        )
    return draw(st.permutations(runs))


def _langsmith(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {r["id"]: r for r in runs}

    def dotted(run: dict[str, Any]) -> str:
        own = f"20240101T000000{run['start']:06d}Z{run['id']}"
        return own if run["parent"] is None else f"{dotted(by_id[run['parent']])}.{own}"

    return [
        {
            "id": r["id"],
            "trace_id": "r0",
            "parent_run_id": r["parent"],
            "name": f"{r['type']}-{r['id']}",
            "run_type": r["type"],
            "dotted_order": dotted(r),
            "start_time": f"2024-01-01T00:00:00.{r['start']:06d}+00:00",
            "inputs": {"x": r["id"]},
            "outputs": {"output": r["id"]},
        }
        for r in runs
    ]


@SETTINGS
@given(run_trees())
def test_random_run_trees_keep_steps_and_parentage(tmp_path: Path, runs: list[dict[str, Any]]) -> None:
    path = tmp_path / "runs.json"
    path.write_text(json.dumps(_langsmith(runs), indent=1), encoding="utf-8")
    (trace,) = LangSmithImporter().iter_traces(path, ImportOptions())
    assert isinstance(trace, ImportedTrace), trace
    validate(trace)
    by_id = {r["id"]: r for r in runs}
    assert {s["id"] for s in trace.steps} == {r["id"] for r in runs if r["type"] in ("llm", "tool")}
    for step in trace.steps:
        ancestor = by_id[step["id"]]["parent"]
        while ancestor is not None and by_id[ancestor]["type"] == "chain":
            ancestor = by_id[ancestor]["parent"]
        assert step.get("parent") == ancestor
        assert step["kind"] == ("model" if by_id[step["id"]]["type"] == "llm" else "tool")


@st.composite
def span_trees(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An agent span and 1-20 generation / function / turn spans under earlier agent or turn spans."""
    spans = [{"id": "span_0", "parent": None, "type": "agent", "start": 0}]
    for index in range(draw(st.integers(1, 20))):
        parent = draw(st.sampled_from([s for s in spans if s["type"] in ("agent", "turn")]))
        spans.append(
            {
                "id": f"span_{index + 1}",
                "parent": parent["id"],
                "type": draw(st.sampled_from(["generation", "function", "turn"])),
                "start": parent["start"] + draw(st.integers(0, 500)),
            }
        )
    return draw(st.permutations(spans))


def _agents(spans: list[dict[str, Any]]) -> dict[str, Any]:
    def data(span: dict[str, Any]) -> dict[str, Any]:
        if span["type"] == "agent":
            return {"type": "agent", "name": "a"}
        if span["type"] == "turn":
            return {"type": "custom", "name": "turn", "data": {"turn": 1, "sdk_span_type": "turn"}}
        if span["type"] == "function":
            return {"type": "function", "name": f"tool_{span['id']}", "input": '{"q": 1}', "output": "ok"}
        return {
            "type": "generation",
            "model": "m",
            "input": [{"role": "user", "content": "hi"}],
            "output": [],
        }

    return {
        "trace": {"object": "trace", "id": "trace_x", "workflow_name": "w"},
        "spans": [
            {
                "object": "trace.span",
                "id": s["id"],
                "trace_id": "trace_x",
                "parent_id": s["parent"],
                "started_at": f"2024-01-01T00:00:00.{s['start']:06d}+00:00",
                "ended_at": f"2024-01-01T00:00:01.{s['start']:06d}+00:00",
                "span_data": data(s),
                "error": None,
            }
            for s in spans
        ],
    }


@SETTINGS
@given(span_trees())
def test_random_span_trees_keep_steps_and_parentage(tmp_path: Path, spans: list[dict[str, Any]]) -> None:
    path = tmp_path / "agents.json"
    path.write_text(json.dumps(_agents(spans), indent=1), encoding="utf-8")
    (trace,) = OpenAIAgentsImporter().iter_traces(path, ImportOptions())
    assert isinstance(trace, ImportedTrace), trace
    validate(trace)
    steps = {s["id"]: s for s in trace.steps}
    assert set(steps) == {s["id"] for s in spans if s["type"] in ("generation", "function")}
    for step in trace.steps:  # containers (agent, turns) are not steps: no step has a parent here
        assert "parent" not in step
    assert [s["kind"] for s in trace.steps].count("tool") == sum(1 for s in spans if s["type"] == "function")


# -------------------------------------------------------------------------------- damaged real exports
LS_RUNS = DATA / "langsmith" / "traceable__refund_tool_error.runs.json"
LS_TREE = DATA / "langsmith" / "traceable__refund_tool_error.runtree.json"
AGENTS = DATA / "openai_agents" / "refund_tool_error.agents_export.json"
RUN_KEYS = ["id", "trace_id", "parent_run_id", "dotted_order", "run_type", "name", "start_time", "end_time",
            "error", "inputs", "outputs", "extra", "tags", "events", "child_runs", "total_tokens", "prompt_tokens",
            "session_id", "status", "total_cost", "serialized"]  # fmt: skip
SPAN_KEYS = ["object", "id", "trace_id", "parent_id", "started_at", "ended_at", "span_data", "error"]
DATA_KEYS = ["type", "name", "input", "output", "model", "model_config", "usage", "data", "triggered",
             "from_agent", "to_agent", "response_id"]  # fmt: skip
VALUES = JSON_VALUES | st.sampled_from([10**40, -1, 2**53 + 1, 1.5, "2024-01-01T00:00:00Z", "not a time"])


@SETTINGS
@given(st.integers(0, 7), st.sampled_from(RUN_KEYS), VALUES)
def test_a_damaged_langsmith_run_is_clean(tmp_path: Path, index: int, key: str, value: Any) -> None:
    runs = json.loads(LS_RUNS.read_text(encoding="utf-8"))
    runs[index % len(runs)][key] = value
    path = tmp_path / "runs.json"
    path.write_text(json.dumps(runs, indent=1), encoding="utf-8")
    assert_clean_outcome(path, tmp_path / "fixtures", single_trace=key not in ("id", "trace_id"))


@SETTINGS
@given(st.sampled_from(RUN_KEYS), VALUES)
def test_a_damaged_run_tree_is_clean(tmp_path: Path, key: str, value: Any) -> None:
    tree = json.loads(LS_TREE.read_text(encoding="utf-8"))
    tree["child_runs"][0][key] = value
    path = tmp_path / "tree.json"
    path.write_text(json.dumps(tree), encoding="utf-8")
    assert_clean_outcome(path, tmp_path / "fixtures", single_trace=key not in ("id", "trace_id"))


@SETTINGS
@given(st.integers(0, 10), st.sampled_from(SPAN_KEYS + [f"span_data.{k}" for k in DATA_KEYS]), VALUES)
def test_a_damaged_agents_span_is_clean(tmp_path: Path, index: int, key: str, value: Any) -> None:
    doc = json.loads(AGENTS.read_text(encoding="utf-8"))
    span = doc["spans"][index % len(doc["spans"])]
    if key.startswith("span_data."):
        span["span_data"][key.split(".", 1)[1]] = value
    else:
        span[key] = value
    path = tmp_path / "agents.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    assert_clean_outcome(path, tmp_path / "fixtures", single_trace=key not in ("id", "trace_id"))


@SETTINGS
@given(st.sampled_from([LS_RUNS, LS_TREE, AGENTS]), st.integers(1, 399))
def test_a_truncated_export_is_clean(tmp_path: Path, source: Path, cut: int) -> None:
    data = source.read_bytes()
    path = tmp_path / source.name
    path.write_bytes(data[: len(data) * cut // 400])
    assert_clean_outcome(path, tmp_path / "fixtures", single_trace=True)
    # named, the format reads the cut file, and the error says where the JSON stops
    format_name = "openai-agents" if source == AGENTS else "langsmith"
    code, _, stderr = run_cli(path, tmp_path / "again", "--format", format_name)
    assert code == 2
    assert re.search(r": (line \d+, column \d+|byte \d+|in \$[^:]*): invalid JSON", stderr), stderr


@SETTINGS
@given(DOCUMENTS, st.sampled_from(["otlp", "langsmith", "openai-agents", None]))
def test_random_documents_are_clean(tmp_path: Path, doc: Any, format_name: str | None) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    extra = ("--format", format_name) if format_name else ()
    assert_clean_outcome(path, tmp_path / "fixtures", *extra)
