"""``agenttrace import-trace`` through its real entry point (a subprocess), as a user runs it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "corpus"
LS_ERROR = DATA / "langsmith" / "traceable__refund_tool_error.runs.json"
LS_LONG = DATA / "langsmith" / "traceable__refund_multi_long.runs.json"
AGENTS = DATA / "openai_agents" / "refund_tool_error.agents_export.json"
LS_ERROR_ID = "support-agent-cdbd1c87"
PREFIX = "agenttrace import-trace: error: "


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_agenttrace", "import-trace", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A project folder with a pyproject.toml (so the user's own config does not leak in)."""
    (tmp_path / "pyproject.toml").write_text('[tool.agenttrace]\nfixtures = ["recorded"]\n')
    return tmp_path


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_help_lists_every_option(work: Path) -> None:
    result = cli("--help", cwd=work)
    assert result.returncode == 0
    for option in ["--trace-id", "--failed-only", "--all", "--name", "--status", "--out", "--force", "--reset",
                   "--format", "--logs", "--no-redact", "--quiet"]:  # fmt: skip
        assert option in result.stdout


def test_import_writes_to_configured_folder_and_prints_a_line(work: Path) -> None:
    result = cli(LS_ERROR, cwd=work)
    assert result.returncode == 0, result.stderr
    path = work / "recorded" / f"{LS_ERROR_ID}.trace.json"
    # how many values are redacted is the redaction stage's business; that e-mails are, is this line's
    assert re.fullmatch(
        re.escape(f"wrote {path}: 4 steps, 2 tool calls, 1 error, redacted ") + r"\d+ \(email \d+\)\n",
        result.stdout,
    )
    assert result.stderr.endswith(
        "1 trace read (langsmith), 1 fixture written to " + str(work / "recorded") + "\n"
    )
    data = json.loads(path.read_text())
    assert data["source"] == {
        "format": "langsmith",
        "trace_id": "01a200f3-5888-7322-a373-1bfbcdbd1c87",
        "file": LS_ERROR.name,
        "importer": data["source"]["importer"],
        "redaction": {
            "enabled": True,
            "counts": {"email": data["source"]["redaction"]["counts"]["email"]},
            "dropped": 0,
        },
        "attributes": data["source"]["attributes"],
    }
    assert data["source"]["importer"].startswith("pytest-agenttrace ")
    assert data["status"] == "regression"
    assert data["totals"]["tool_calls"] == 2


def test_reimport_is_byte_identical(work: Path) -> None:
    assert cli(LS_LONG, "--out", "a", cwd=work).returncode == 0
    assert cli(LS_LONG, "--out", "b", cwd=work).returncode == 0
    [a] = (work / "a").iterdir()
    [b] = (work / "b").iterdir()
    assert a.read_bytes() == b.read_bytes()


def test_refuses_to_overwrite_then_force_keeps_human_fields_then_reset(work: Path) -> None:
    assert cli(AGENTS, "--out", "f", cwd=work).returncode == 0
    [path] = (work / "f").iterdir()
    before = path.read_bytes()
    refused = cli(AGENTS, "--out", "f", cwd=work)
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[0] == (
        f"{PREFIX}{AGENTS}: trace trace_24dbfd6f76c94828bdd8c0c93e7fe905: {Path('f') / path.name} already exists "
        "(--force replaces the recording and keeps status, reason, links, expect and stubs; --reset starts clean)"
    )
    assert path.read_bytes() == before
    data = json.loads(before)
    data.update(status="known-bad", reason="INC-42", stubs={"on_unmatched": "error"})
    path.write_text(json.dumps(data))
    forced = cli(AGENTS, "--out", "f", "--force", cwd=work)
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.startswith(f"replaced {Path('f') / path.name}: ")
    assert forced.stdout.rstrip().endswith("; kept status, reason, stubs")
    kept = json.loads(path.read_text())
    assert (kept["status"], kept["reason"], kept["stubs"]) == (
        "known-bad",
        "INC-42",
        {"on_unmatched": "error"},
    )
    assert kept["steps"] == json.loads(before)["steps"]
    reset = cli(AGENTS, "--out", "f", "--reset", cwd=work)
    assert reset.returncode == 0
    assert path.read_bytes() == before


def test_reimport_finds_a_renamed_or_moved_fixture_by_trace_id(work: Path) -> None:
    assert cli(AGENTS, "--out", "f", cwd=work).returncode == 0
    [path] = (work / "f").iterdir()
    first = json.loads(path.read_text())
    first.update(status="known-bad", reason="INC-7", links=["https://tracker.example/INC-7"])
    moved = work / "f" / "refunds" / "refund-over-limit.trace.json"
    moved.parent.mkdir()
    moved.write_text(json.dumps(first, indent=2))
    path.unlink()
    refused = cli(AGENTS, "--out", "f", cwd=work)
    assert refused.returncode == 2
    assert f"{Path('f') / 'refunds' / moved.name} already exists (--force" in refused.stderr
    forced = cli(AGENTS, "--out", "f", "--force", cwd=work)
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.startswith(f"replaced {Path('f') / 'refunds' / moved.name}: ")
    assert forced.stdout.rstrip().endswith("; kept status, reason, links")
    assert files(work / "f") == [moved.name]  # no duplicate under the generated name
    kept = json.loads(moved.read_text())
    assert (kept["status"], kept["reason"], kept["links"]) == (
        "known-bad",
        "INC-7",
        ["https://tracker.example/INC-7"],
    )
    assert kept["id"] == first["id"]
    assert kept["steps"] == first["steps"]
    assert kept["source"]["trace_id"] == "trace_24dbfd6f76c94828bdd8c0c93e7fe905"


def test_filters(work: Path) -> None:
    both = work / "both.json"
    both.write_text(json.dumps(json.loads(LS_ERROR.read_text()) + json.loads(LS_LONG.read_text())))
    everything = cli(both, "--out", "all", cwd=work)
    assert everything.returncode == 0
    assert len(files(work / "all")) == 2
    assert "2 traces read (langsmith), 2 fixtures written" in everything.stderr
    failed = cli(both, "--out", "failed", "--failed-only", cwd=work)
    assert files(work / "failed") == [f"{LS_ERROR_ID}.trace.json"]
    assert "1 skipped by filters" in failed.stderr
    picked = cli(
        both,
        "--out",
        "picked",
        "--trace-id",
        "01a200f3-5b19-7640-a76f-e11bc62a7b66",
        "--name",
        "long-one",
        "--status",
        "golden",
        cwd=work,
    )
    assert picked.returncode == 0, picked.stderr
    assert files(work / "picked") == ["long-one.trace.json"]
    assert json.loads((work / "picked" / "long-one.trace.json").read_text())["status"] == "golden"
    missing = cli(both, "--out", "missing", "--trace-id", "nope", cwd=work)
    assert missing.returncode == 2
    assert f"{PREFIX}{both}: trace nope: not found in the export" in missing.stderr
    named = cli(both, "--out", "named", "--name", "x", cwd=work)
    assert named.returncode == 2
    assert (
        f"{PREFIX}{both}: --name names one fixture, but 2 traces were selected; pick one with --trace-id"
        in named.stderr
    )
    assert files(work / "named") == []


def test_quiet_and_no_redact(work: Path) -> None:
    quiet = cli(LS_ERROR, "--out", "q", "--quiet", "--no-redact", cwd=work)
    assert quiet.returncode == 0
    assert quiet.stdout == ""
    assert quiet.stderr.startswith("agenttrace import-trace: warning: --no-redact")
    data = json.loads((work / "q" / f"{LS_ERROR_ID}.trace.json").read_text())
    assert data["source"]["redaction"] == {"enabled": False}
    assert "dana@example.com" in json.dumps(data)


def test_rules_from_pyproject(work: Path) -> None:
    (work / "pyproject.toml").write_text(
        '[tool.agenttrace.import]\nrules = [{ name = "lookup_*", kind = "memory" }]\n'
    )
    result = cli(LS_ERROR, "--out", "r", cwd=work)
    assert result.returncode == 0
    steps = json.loads((work / "r" / f"{LS_ERROR_ID}.trace.json").read_text())["steps"]
    assert [s["kind"] for s in steps] == ["model", "tool", "model", "tool"]  # executed tools stay tools
    (work / "pyproject.toml").write_text(
        '[tool.agenttrace.import]\nrules = [{ name = "x", kind = "nope" }]\n'
    )
    bad = cli(LS_ERROR, "--out", "r2", cwd=work)
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        f"agenttrace: error: {work / 'pyproject.toml'}: [tool.agenttrace.import] rules[0]: kind must be one of "
        "model, tool, approval, memory, retrieval, plan, handoff, guardrail, error; got 'nope'"
    )


BAD_INPUTS = {
    "truncated": (
        lambda: LS_ERROR.read_text()[:3000],
        "line 69, column 26: invalid JSON: unexpected end of file (truncated?)",
    ),
    "malformed": (
        lambda: '[{"run_type": "llm", "id": 1,,]',
        "line 1, column 30: invalid JSON: Expecting property name enclosed in double quotes",
    ),
    "wrong": (
        lambda: '{"hello": "world"}',
        "not a trace export this tool recognises (formats: fixture, openai-agents, langsmith, otlp",
    ),
    "empty": (lambda: "", "empty file"),
    "huge": (
        lambda: '["run_type", "' + "x" * (8 << 20) + '" junk]',
        "line 1, column 8388625: invalid JSON: Expecting ',' delimiter",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_clear_line_and_writes_nothing(work: Path, case: str) -> None:
    content, message = BAD_INPUTS[case]
    path = work / f"{case}.json"
    path.write_text(content())
    result = cli(path, "--out", "out", cwd=work)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith(f"{PREFIX}{path}: {message}")
    assert files(work / "out") == []


def test_good_traces_import_when_another_fails(work: Path) -> None:
    failed = json.loads(LS_ERROR.read_text())
    chat, lookup = failed[1], failed[2]
    chat["parent_run_id"], lookup["parent_run_id"] = lookup["id"], chat["id"]  # a cycle: no run structure
    path = work / "mixed.json"
    path.write_text(json.dumps(failed + json.loads(LS_LONG.read_text())))
    result = cli(path, "--out", "out", cwd=work)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        f"{PREFIX}{path}: trace 01a200f3-5888-7322-a373-1bfbcdbd1c87, run 01a200f3-58aa-752e-be2e-62e25b8a65ce: "
        "runs form a cycle through parent_run_id"
    )
    assert files(work / "out") == ["support-agent-c62a7b66.trace.json"]
    assert result.stderr.rstrip().endswith("1 trace read (langsmith), 1 fixture written to out, 1 failed")


def test_a_trace_without_its_root_imports_and_says_so(work: Path) -> None:
    runs = [r for r in json.loads(LS_ERROR.read_text()) if r.get("parent_run_id")]
    path = work / "partial.json"
    path.write_text(json.dumps(runs))
    result = cli(path, "--out", "out", cwd=work)
    assert result.returncode == 0, result.stderr
    assert "partial trace: parent 01a200f3-5888-7322-a373-1bfbcdbd1c87 not in the export" in result.stdout
    [written] = files(work / "out")
    document = json.loads((work / "out" / written).read_text(encoding="utf-8"))
    assert document["source"]["attributes"]["agenttrace.missing_parents"] == [
        "01a200f3-5888-7322-a373-1bfbcdbd1c87"
    ]
    assert [s["kind"] for s in document["steps"]] == ["model", "tool", "model", "tool"]


def test_wrong_format_named(work: Path) -> None:
    result = cli(AGENTS, "--format", "langsmith", "--out", "out", cwd=work)
    assert result.returncode == 2
    assert "no LangSmith runs found" in result.stderr
    unknown = cli(AGENTS, "--format", "csv", cwd=work)
    assert unknown.returncode == 2
    assert "unknown format 'csv'; known formats: fixture, openai-agents, langsmith, otlp" in unknown.stderr


def test_fixture_reimport_in_place(work: Path) -> None:
    assert cli(AGENTS, "--out", "fx", "--no-redact", cwd=work).returncode == 0
    [path] = (work / "fx").iterdir()
    assert "dana@example.com" in path.read_text()
    again = cli(path, "--out", "fx", "--force", cwd=work)
    assert again.returncode == 0, again.stderr
    assert "dana@example.com" not in path.read_text()
    assert json.loads(path.read_text())["source"]["format"] == "openai-agents"


def test_shipped_entry_point(work: Path) -> None:
    exe = shutil.which("agenttrace", path=str(Path(sys.executable).parent))
    assert exe is not None
    result = subprocess.run(
        [exe, "import-trace", str(AGENTS), "--out", "e"], cwd=work, capture_output=True, text=True
    )
    assert result.returncode == 0
    assert files(work / "e") == ["acme-support-3e7fe905.trace.json"]


def test_docs_examples_run(tmp_path: Path) -> None:
    """Every `$ agenttrace ...` example in docs/importers.md runs, in order, against the files it names."""
    root = Path(__file__).parent.parent
    text = (root / "docs" / "importers.md").read_text().replace("\\\n", " ")
    commands = [line.strip()[2:] for line in text.splitlines() if line.strip().startswith("$ agenttrace ")]
    assert len(commands) >= 5
    for command in commands:
        argv = command.replace("/tmp/fx", str(tmp_path / "fx")).split()
        result = subprocess.run(
            [sys.executable, "-m", "pytest_agenttrace", *argv[1:]], cwd=root, capture_output=True, text=True
        )
        assert result.returncode == 0, (command, result.stderr)


OTEL_SUCCESS = DATA / "otel_genai" / "semconv_latest__refund_success.protobuf_json_base64ids.json"


def test_import_records_an_estimated_cost_from_the_price_table(work: Path) -> None:
    # the OTel GenAI export carries token usage but no cost: priced at the default list price
    result = cli(OTEL_SUCCESS, cwd=work)
    assert result.returncode == 0, result.stderr
    (path,) = (work / "recorded").iterdir()
    data = json.loads(path.read_text())
    models = [s for s in data["steps"] if s["kind"] == "model"]
    assert models[0]["model"] == "gpt-4o-mini-2024-07-18"
    assert models[0]["usage"] == {"input_tokens": 78, "output_tokens": 53}
    # 78 x $0.15 + 53 x $0.60 per million
    assert models[0]["cost"] == {"amount": 4.35e-05, "currency": "USD", "estimated": True}
    assert data["totals"]["cost"]["estimated"] is True
    # [tool.agenttrace.prices] overrides the default
    (work / "pyproject.toml").write_text(
        '[tool.agenttrace]\nfixtures = ["recorded"]\n[tool.agenttrace.prices]\n'
        '"gpt-4o-mini" = { input = 1.0, output = 2.0 }\n'
    )
    result = cli(OTEL_SUCCESS, "--force", cwd=work)
    assert result.returncode == 0, result.stderr
    models = [s for s in json.loads(path.read_text())["steps"] if s["kind"] == "model"]
    assert models[0]["cost"] == {"amount": 0.000184, "currency": "USD", "estimated": True}  # 78 x 1 + 53 x 2


def test_import_keeps_the_cost_the_source_recorded(work: Path) -> None:
    # the real LangSmith export, with the cost LangSmith puts on an llm run (total_cost) added to the first
    runs = json.loads(LS_ERROR.read_text())
    first = next(run for run in runs if run["run_type"] == "llm")
    first["total_cost"] = 0.5
    export = work / "runs.json"
    export.write_text(json.dumps(runs))
    result = cli(export, cwd=work)
    assert result.returncode == 0, result.stderr
    data = json.loads((work / "recorded" / f"{LS_ERROR_ID}.trace.json").read_text())
    costs = [s["cost"] for s in data["steps"] if s["kind"] == "model"]
    assert costs[0] == {"amount": 0.5, "currency": "USD", "estimated": False}  # recorded: kept as is
    assert costs[1]["estimated"] is True  # the other call had none: priced from its usage


def test_a_bad_price_entry_fails_the_import(work: Path) -> None:
    (work / "pyproject.toml").write_text(
        '[tool.agenttrace]\nfixtures = ["recorded"]\n[tool.agenttrace.prices]\n"gpt-4o-mini" = { input = -1, output = 2 }\n'
    )
    result = cli(OTEL_SUCCESS, cwd=work)
    assert result.returncode == 2
    assert "[tool.agenttrace.prices] 'gpt-4o-mini'.input: expected a number >= 0" in result.stderr
    assert not (work / "recorded").exists()
