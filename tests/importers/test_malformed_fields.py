"""A field of the wrong type in a real LangSmith or Agents SDK export is bad input, not a crash.

Each case edits one field of a real corpus export and runs ``agenttrace import-trace`` (its ``main()``, in
this process): the import must end with exit code 2, one error line naming the file, the trace and the
JSON path of the field with what was expected and what was found, no traceback, and no fixture written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_agenttrace.cli import main

DATA = Path(__file__).resolve().parent.parent / "data" / "corpus"
RUNTREE = DATA / "langsmith" / "traceable__refund_tool_error.runtree.json"
RUNS = DATA / "langsmith" / "traceable__refund_tool_error.runs.json"
INGEST = DATA / "langsmith" / "traceable__refund_tool_error.ingest_raw.json"
AGENTS = DATA / "openai_agents" / "refund_tool_error.agents_export.json"
PAYLOAD = DATA / "openai_agents" / "refund_tool_error.ingest_payload.json"
AGENTS_TRACE = "trace_24dbfd6f76c94828bdd8c0c93e7fe905"

Edit = Callable[[Any], None]


def _set(*path: Any, value: Any) -> Edit:
    def edit(doc: Any) -> None:
        for key in path[:-1]:
            doc = doc[key]
        doc[path[-1]] = value

    return edit


def _first_llm(doc: list[dict[str, Any]]) -> dict[str, Any]:
    return next(run for run in doc if run["run_type"] == "llm")


CASES: list[tuple[str, Path, Edit, str]] = [
    # LangSmith
    ("child_runs", RUNTREE, _set("child_runs", value=True), r"\$\.child_runs: expected a list of runs or null, got true"),
    ("child run", RUNTREE, _set("child_runs", 0, value="x"), r"\$\.child_runs\[0\]: expected a run \(an object\), got the string 'x'"),
    ("parent_run_id", RUNS, _set(1, "parent_run_id", value=[1]), r"\$\[1\]\.parent_run_id: expected a string or null, got a list"),
    ("start_time", RUNS, _set(0, "start_time", value=12345), r"\$\[0\]\.start_time: expected an ISO 8601 timestamp string or null, got 12345"),
    ("inputs", RUNS, _set(1, "inputs", value="text"), r"\$\[1\]\.inputs: expected an object or null, got the string 'text'"),
    ("extra.metadata", RUNS, _set(1, "extra", value={"metadata": [1]}), r"\$\[1\]\.extra\.metadata: expected an object or null, got a list"),
    ("run_type", RUNS, _set(2, "run_type", value={"llm": 1}), r"\$\[2\]\.run_type: expected a string or null, got an object"),
    ("error", RUNS, _set(0, "error", value=["boom"]), r"\$\[0\]\.error: expected a string or null, got a list"),
    ("tokens", RUNS, lambda doc: _first_llm(doc).update(total_tokens=10**40),
     r"\$\[\d+\]\.total_tokens: expected a token count from 0 to 2\*\*53, got a number of 41 digits"),
    ("usage_metadata", RUNS, lambda doc: _first_llm(doc)["extra"]["metadata"].update(usage_metadata={"input_tokens": -3}),
     r"\$\[\d+\]\.extra\.metadata\.usage_metadata\.input_tokens: expected a token count from 0 to 2\*\*53, got -3"),
    ("part value", INGEST, _set(0, "decoded", "parts", 0, "value", value=7), r"\$\[0\]\.decoded\.parts\[0\]\.value: expected a run \(an object\), got 7"),
    # OpenAI Agents SDK
    ("parent_id", AGENTS, _set("spans", 1, "parent_id", value=[1]), r"\$\.spans\[1\]\.parent_id: expected a string or null, got a list"),
    ("started_at", AGENTS, _set("spans", 1, "started_at", value=12345), r"\$\.spans\[1\]\.started_at: expected an ISO 8601 timestamp string or null, got 12345"),
    ("span_data", AGENTS, _set("spans", 2, "span_data", value="x"), r"\$\.spans\[2\]\.span_data: expected an object or null, got the string 'x'"),
    ("custom name", AGENTS, _set("spans", 3, "span_data", "name", value={"a": 1}), r"\$\.spans\[3\]\.span_data\.name: expected a string or null, got an object"),
    ("turn", AGENTS, _set("spans", 3, "span_data", "data", "turn", value="1"), r"\$\.spans\[3\]\.span_data\.data\.turn: expected an integer or null, got the string '1'"),
    ("span error", AGENTS, _set("spans", 5, "error", value=5), r"\$\.spans\[5\]\.error: expected an object, a string or null, got 5"),
    ("error message", AGENTS, _set("spans", 5, "error", value={"message": [1]}), r"\$\.spans\[5\]\.error\.message: expected a string or null, got a list"),
    ("triggered", AGENTS, _set("spans", 0, "span_data", "triggered", value="no"), r"\$\.spans\[0\]\.span_data\.triggered: expected true, false or null, got the string 'no'"),
    ("trace metadata", AGENTS, _set("trace", "metadata", value="m"), r"\$\.trace\.metadata: expected an object or null, got the string 'm'"),
    ("span", AGENTS, _set("spans", 4, value=[]), r"\$\.spans\[4\]: expected an object, got a list"),
    ("generation usage", AGENTS, _set("spans", 1, "span_data", "usage", value={"input_tokens": 2**53 + 1}),
     r"\$\.spans\[1\]\.span_data\.usage\.input_tokens: expected a token count from 0 to 2\*\*53, got 9007199254740993"),
    ("payload", PAYLOAD, _set(0, "data", 3, "span_data", "model", value=4), r"\$\[0\]\.data\[3\]\.span_data\.model: expected a string or null, got 4"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "edit", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_field_of_the_wrong_type_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: Path, edit: Edit, message: str
) -> None:
    doc = json.loads(source.read_text(encoding="utf-8"))
    edit(doc)
    export = tmp_path / source.name
    export.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    out = tmp_path / "fixtures"

    code = main(["import-trace", str(export), "--out", str(out)])

    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    error, summary = captured.err.splitlines()
    prefix = f"agenttrace import-trace: error: {export}: trace "
    assert error.startswith(prefix), error
    trace_id = AGENTS_TRACE if "agents" in source.parent.name else doc_trace_id(source)
    import re

    assert re.fullmatch(re.escape(f"{prefix}{trace_id}, ") + message, error), error
    assert summary.endswith("0 fixtures written to " + str(out) + ", 1 failed")
    assert not out.exists() or not any(out.iterdir())


def doc_trace_id(source: Path) -> str:
    text = source.read_text(encoding="utf-8")
    return str(json.loads(text[text.index('"trace_id"') - 1 :].split(",", 1)[0].join("{}"))["trace_id"])


def test_a_good_trace_next_to_a_malformed_one_still_imports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = json.loads(AGENTS.read_text(encoding="utf-8"))
    bad = json.loads(AGENTS.read_text(encoding="utf-8"))
    bad["trace"]["id"] = "trace_" + "b" * 32
    for span in bad["spans"]:
        span["trace_id"] = bad["trace"]["id"]
    bad["spans"][2]["parent_id"] = 17
    export = tmp_path / "two.json"
    export.write_text(json.dumps([good, bad]), encoding="utf-8")

    code = main(["import-trace", str(export), "--out", str(tmp_path / "out")])

    err = capsys.readouterr().err
    assert code == 2
    assert (
        f"{export}: trace trace_{'b' * 32}, $[1].spans[2].parent_id: expected a string or null, got 17" in err
    )
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["acme-support-3e7fe905.trace.json"]
