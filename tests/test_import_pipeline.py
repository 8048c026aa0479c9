"""The import pipeline as a library: registry, detection, rules from configuration, ids, merging, order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytest_agenttrace.errors import ConfigError, TraceFormatError
from pytest_agenttrace.importers import (
    DEFAULT_RULES,
    ImportRun,
    ImportSettings,
    MappingRule,
    fixture_id,
    format_names,
    get_importer,
    resolve_importer,
    rules_from_config,
)
from pytest_agenttrace.importers._common import iso_utc, link_tool_calls, order_steps
from pytest_agenttrace.store import load_fixture

DATA = Path(__file__).parent / "data" / "corpus"
LS_ERROR = DATA / "langsmith" / "traceable__refund_tool_error.runs.json"
AGENTS_ERROR = DATA / "openai_agents" / "refund_tool_error.agents_export.json"


def test_builtin_formats_are_registered() -> None:
    assert format_names()[:4] == ["fixture", "openai-agents", "langsmith", "otlp"]
    assert get_importer("langsmith").name == "langsmith"
    with pytest.raises(
        TraceFormatError, match="unknown format 'nope'; known formats: fixture, openai-agents"
    ):
        get_importer("nope")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (LS_ERROR, "langsmith"),
        (AGENTS_ERROR, "openai-agents"),
        (DATA / "langsmith" / "traceable__refund_tool_error.ingest_raw.json", "langsmith"),
    ],
)
def test_detection(path: Path, name: str) -> None:
    assert resolve_importer(path, None).name == name


def test_detection_refuses_unknown_and_empty(tmp_path: Path) -> None:
    unknown = tmp_path / "x.json"
    unknown.write_text('{"hello": 1}')
    with pytest.raises(TraceFormatError, match=r"x.json: not a trace export this tool recognises"):
        resolve_importer(unknown, None)
    empty = tmp_path / "e.json"
    empty.write_text("  \n")
    with pytest.raises(TraceFormatError, match=r"e.json: empty file"):
        resolve_importer(empty, None)


def test_rules_from_config() -> None:
    rules = rules_from_config(
        {
            "rules": [
                {"name": "*check*", "kind": "guardrail"},
                {"attribute": "memory.op", "value": "write", "kind": "memory"},
            ]
        }
    )
    assert rules[:2] == (
        MappingRule(kind="guardrail", name="*check*"),
        MappingRule(kind="memory", attribute="memory.op", value="write"),
    )
    assert rules[2:] == DEFAULT_RULES
    assert rules_from_config({"default_rules": False}) == ()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"rule": []}, "[tool.agenttrace.import] rule: unknown key; valid keys: default_rules, rules"),
        (
            {"rules": [{"name": "x", "kind": "approve"}]},
            "rules[0]: kind must be one of model, tool, approval",
        ),
        ({"rules": [{"kind": "plan"}]}, "rules[0]: give `name` (a glob) or `attribute` (a name), or both"),
        (
            {"rules": [{"name": "x", "kind": "plan", "knd": 1}]},
            "rules[0]: unknown key 'knd'; valid keys: attribute, kind, name, value",
        ),
        ({"rules": [{"name": "x", "kind": "plan", "value": 1}]}, "rules[0]: `value` needs `attribute`"),
        ({"rules": "x"}, "rules: expected a list of tables"),
    ],
)
def test_bad_rules_are_clear_errors(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        rules_from_config(table, Path("pyproject.toml"))
    assert message in str(info.value)
    assert str(info.value).startswith("pyproject.toml: [tool.agenttrace.import]")


def test_fixture_ids_are_readable_and_unique() -> None:
    assert fixture_id("Support Agent", "01a200f3-5888-7322-a373-1bfbcdbd1c87") == "support-agent-cdbd1c87"
    assert fixture_id("agent", "x-1bfbcdbd1c87", {"agent-cdbd1c87"}) == "agent-1bfbcdbd1c87"
    assert fixture_id(None, "trace_abc") == "trace-traceabc"


def test_iso_times_are_utc_with_z() -> None:
    assert iso_utc("2026-11-22T01:51:17.640658+00:00") == "2026-11-22T01:51:17.640658Z"
    assert iso_utc("2026-11-22T03:51:17+02:00") == "2026-11-22T01:51:17.000000Z"
    assert iso_utc("not a time") is None


def test_order_puts_parents_first_and_breaks_ties_by_key() -> None:
    t = {"start": "2026-01-01T00:00:00.000000Z"}
    steps = order_steps(
        [
            ("b", {"kind": "tool", "id": "child", "parent": "parent", "name": "x", "timing": t}),
            ("c", {"kind": "model", "id": "parent", "timing": t}),
            ("a", {"kind": "tool", "id": "first", "name": "y", "timing": t}),
        ]
    )
    assert [s["id"] for s in steps] == ["first", "parent", "child"]


def test_tool_calls_link_by_name_and_order() -> None:
    def call(cid: str, name: str) -> dict[str, object]:
        return {"id": cid, "type": "function", "function": {"name": name, "arguments": "{}"}}

    steps: list[dict[str, object]] = [
        {
            "kind": "model",
            "id": "m",
            "response": {"role": "assistant", "tool_calls": [call("1", "a"), call("2", "b"), call("3", "a")]},
        },
        {"kind": "tool", "id": "t1", "name": "b"},
        {"kind": "tool", "id": "t2", "name": "a"},
        {"kind": "tool", "id": "t3", "name": "a"},
        {"kind": "tool", "id": "t4", "name": "c"},
    ]
    link_tool_calls(steps)
    assert [s.get("call_id") for s in steps[1:]] == ["2", "1", "3", None]


def test_force_keeps_human_fields_and_reset_does_not(tmp_path: Path) -> None:
    out = tmp_path / "out"
    [first] = list(ImportRun(LS_ERROR, ImportSettings(out_dir=out)))
    assert first.path is not None
    data = json.loads(first.path.read_text())
    data.update(status="known-bad", reason="INC-1", links=["https://x"], expect={"budgets": {"max_steps": 9}})
    first.path.write_text(json.dumps(data))
    [again] = list(ImportRun(LS_ERROR, ImportSettings(out_dir=out, force=True)))
    assert again.kept == ("status", "reason", "links", "expect")
    kept = load_fixture(first.path)
    assert (kept.status, kept.reason, kept.links) == ("known-bad", "INC-1", ["https://x"])
    assert kept.expect is not None
    assert kept.expect.budgets is not None
    [reset] = list(ImportRun(LS_ERROR, ImportSettings(out_dir=out, force=True, reset=True)))
    assert reset.kept == ()
    clean = load_fixture(first.path)
    assert (clean.status, clean.reason, clean.expect) == ("regression", None, None)


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    list(ImportRun(LS_ERROR, ImportSettings(out_dir=tmp_path)))
    [outcome] = list(ImportRun(LS_ERROR, ImportSettings(out_dir=tmp_path)))
    assert outcome.action == "failed"
    assert "already exists (--force replaces the recording" in outcome.message


def test_fixture_reimport_keeps_id_source_and_human_fields(tmp_path: Path) -> None:
    [first] = list(ImportRun(AGENTS_ERROR, ImportSettings(out_dir=tmp_path / "a", status="golden")))
    assert first.path is not None
    data = json.loads(first.path.read_text())
    data["reason"] = "kept"
    data["steps"][2]["result"] = "mail dana@example.com now"
    first.path.write_text(json.dumps(data))
    [again] = list(ImportRun(first.path, ImportSettings(out_dir=tmp_path / "b")))
    assert again.path is not None
    assert again.path.name == first.path.name
    fixture = load_fixture(again.path)
    assert fixture.status == "golden"
    assert fixture.reason == "kept"
    assert fixture.source is not None
    assert (fixture.source.format, fixture.source.file) == ("openai-agents", AGENTS_ERROR.name)
    assert fixture.source.trace_id == "trace_24dbfd6f76c94828bdd8c0c93e7fe905"
    assert "dana@example.com" not in again.path.read_text()


def test_name_refuses_several_traces(tmp_path: Path) -> None:
    both = tmp_path / "both.json"
    runs = json.loads(LS_ERROR.read_text()) + json.loads(
        (DATA / "langsmith" / "traceable__refund_multi_long.runs.json").read_text()
    )
    both.write_text(json.dumps(runs))
    outcomes = list(ImportRun(both, ImportSettings(out_dir=tmp_path / "out", name="one")))
    assert [o.action for o in outcomes] == ["failed"]
    assert "--name names one fixture, but 2 traces were selected" in outcomes[0].message
    assert not (tmp_path / "out").exists()


def test_failed_only_and_trace_id_filters(tmp_path: Path) -> None:
    both = tmp_path / "both.json"
    shutil.copy(LS_ERROR, tmp_path / "x.json")
    runs = json.loads(LS_ERROR.read_text()) + json.loads(
        (DATA / "langsmith" / "traceable__refund_multi_long.runs.json").read_text()
    )
    both.write_text(json.dumps(runs))
    run = ImportRun(both, ImportSettings(out_dir=tmp_path / "f", failed_only=True))
    assert [o.trace_id for o in run] == ["01a200f3-5888-7322-a373-1bfbcdbd1c87"]
    assert (run.summary.traces, run.summary.written, run.summary.skipped) == (2, 1, 1)
    run = ImportRun(both, ImportSettings(out_dir=tmp_path / "t", trace_ids=("nope",)))
    outcomes = list(run)
    assert outcomes[-1].message.endswith("trace nope: not found in the export")
    assert not run.summary.ok


def test_progress_draws_on_a_terminal_only(tmp_path: Path) -> None:
    import io

    from pytest_agenttrace.importers._common import open_binary
    from pytest_agenttrace.importers.progress import Progress

    export = tmp_path / "x.jsonl"
    export.write_bytes(b"x" * (3 << 20))
    stream = io.StringIO()
    shown = Progress("x.jsonl", 3 << 20, stream=stream, enabled=True, path=export, interval=60)
    with shown, open_binary(export) as handle:
        handle.read(1 << 20)
        shown.update(traces=2, written=1)
        shown.draw()
        drawn = stream.getvalue()
        assert shown.line().endswith(" MB/s")  # the rate, cut off above on an 80-column line
    # a third of the file read, as a bar, a percentage and bytes of the size
    assert "importing x.jsonl  33% [#######.............] 1.0/3.0 MB, 2 traces, 1 written, " in drawn
    assert stream.getvalue().endswith("\r\x1b[K")  # erased when done
    silent = io.StringIO()
    quiet = Progress("x", 1, stream=silent, path=export)  # StringIO is not a TTY
    with quiet:
        quiet.update(traces=1)
        quiet.draw()
        quiet.print("wrote x", file=silent)
    assert silent.getvalue() == "wrote x\n"
