"""LangSmith and Agents SDK exports are streamed: a trace is handed out while the file is still being read,
and memory is bounded by a trace, not by the file.

The export is a real corpus trace repeated under new ids (60 traces, a few MB). The readers show every file
they open to the progress display (``progress.watch``); the test records those files and looks at the
offset of the one being read when the first trace comes out.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import IO, Any

import pytest

from pytest_agenttrace.importers import _common
from pytest_agenttrace.importers.base import ImportedTrace, ImportOptions
from pytest_agenttrace.importers.langsmith import LangSmithImporter
from pytest_agenttrace.importers.openai_agents import OpenAIAgentsImporter

DATA = Path(__file__).resolve().parent.parent / "data" / "corpus"
COPIES = 60


def _langsmith_runs(copies: int = COPIES) -> list[dict[str, Any]]:
    text = (DATA / "langsmith" / "traceable__refund_multi_long.runs.json").read_text(encoding="utf-8")
    runs: list[dict[str, Any]] = []
    for copy in range(copies):
        # every id (run ids, trace id, dotted order) gets a distinct last group: a new trace each time
        runs.extend(json.loads(text.replace("-", f"-{copy:03d}", 1).replace("01a200f3-", f"{copy:08x}-")))
    return runs


def _agents_exports(copies: int = COPIES) -> list[dict[str, Any]]:
    text = (DATA / "openai_agents" / "refund_tool_error.agents_export.json").read_text(encoding="utf-8")
    return [json.loads(text.replace("trace_24dbfd6f", f"trace_{copy:08x}")) for copy in range(copies)]


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[IO[bytes]]:
    files: list[IO[bytes]] = []
    monkeypatch.setattr(_common.progress, "watch", lambda path, raw: files.append(raw))
    return files


@pytest.mark.parametrize(
    ("importer", "make", "name"),
    [
        (LangSmithImporter(), _langsmith_runs, "runs.json"),
        (LangSmithImporter(), lambda: {"runs": _langsmith_runs()}, "runs-endpoint.json"),
        (OpenAIAgentsImporter(), _agents_exports, "agents.json"),
        (OpenAIAgentsImporter(), lambda: [{"data": [e["trace"], *e["spans"]]} for e in _agents_exports()], "ingest.json"),
    ],
    ids=["langsmith list", "langsmith {runs}", "agents exports", "agents ingest bodies"],
)  # fmt: skip
def test_the_first_trace_comes_out_before_the_file_is_read(
    tmp_path: Path, opened: list[IO[bytes]], importer: Any, make: Any, name: str
) -> None:
    path = tmp_path / name
    path.write_text(json.dumps(make(), indent=1), encoding="utf-8")  # pretty-printed: one document
    size = path.stat().st_size
    traces = importer.iter_traces(path, ImportOptions())
    first = next(traces)
    assert isinstance(first, ImportedTrace), first
    offset = opened[-1].tell()
    assert offset < size / 4, (offset, size)  # read a few chunks, not the whole file
    rest = list(traces)
    assert len(rest) == COPIES - 1
    assert all(isinstance(trace, ImportedTrace) for trace in rest)
    assert len({trace.trace_id for trace in [first, *rest]}) == COPIES


@pytest.mark.parametrize("kind", ["langsmith", "agents"])
def test_memory_is_bounded_by_a_trace_not_the_file(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc: Any = _langsmith_runs(4 * COPIES) if kind == "langsmith" else _agents_exports(4 * COPIES)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    size = path.stat().st_size
    del doc
    importer: Any = LangSmithImporter() if kind == "langsmith" else OpenAIAgentsImporter()
    # the nesting guard's blocks cost a constant (tests/test_cli_hostile.py bounds it), which this small
    # file would make look like a share of its size
    monkeypatch.setattr(_common, "BLOCK_BYTES", 1 << 14)
    tracemalloc.start()
    try:
        count = sum(1 for _ in importer.iter_traces(path, ImportOptions()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 4 * COPIES
    # parsing the file whole costs several times its size; streaming, a few traces' worth
    assert peak < size / 3, (peak, size)


def test_jsonl_is_read_line_by_line(tmp_path: Path, opened: list[IO[bytes]]) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in _agents_exports()) + "\n", encoding="utf-8")
    traces = OpenAIAgentsImporter().iter_traces(path, ImportOptions())
    assert isinstance(next(traces), ImportedTrace)
    assert opened[-1].tell() < path.stat().st_size / 4
    assert len(list(traces)) == COPIES - 1
