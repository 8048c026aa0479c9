"""docs/redaction.md: every example runs, means what the page says, and the pre-commit hook works as shipped.

The page's blocks go through the same collector as the other pages (``bash`` commands run in a copy of the
example project with their documented exit codes, ``<!-- file: -->`` blocks are written, the hook
definition must equal ``.pre-commit-hooks.yaml``), and then each kind of example is checked for meaning:
the configuration is read by the real settings reader, the policy by the real policy parser.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from pytest_agenttrace.checks.policies import parse_policies
from pytest_agenttrace.redact import redact_document, settings_from_config
from pytest_agenttrace.store import dumps_data

from .test_markdown_examples import ROOT, blocks, how, prepare, run_page

PAGE = "redaction.md"


def test_every_example_of_the_redaction_page_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = prepare(tmp_path, "full")
    ran = run_page(PAGE, project, monkeypatch)
    kinds = [b.lang for b in blocks(PAGE)]
    assert ran == len([b for b in blocks(PAGE) if how(PAGE, b) == "run"])  # the rest say why not
    assert kinds.count("bash") >= 2
    assert (project / "handwritten.trace.json").is_file()  # the `file:` block was written, and scanned


def test_the_configuration_example_is_valid_and_does_what_its_comments_say() -> None:
    (toml,) = [b for b in blocks(PAGE) if b.lang == "toml"]
    settings = settings_from_config(tomllib.loads(toml.body)["tool"]["agenttrace"]["redact"])
    assert "phone" in settings.disabled
    assert {p.name for p in settings.patterns} == {"employee_id", "ticket_secret"}
    document = {
        "steps": [
            {
                "kind": "tool",
                "result": {
                    "customer": {"ssn": "078-05-1120"},
                    "note": "EMP-123456 wrote support@example.com",
                },
                "metadata": {"user.email": "x"},
                "attributes": {"http.request.header.cookie": "a=b"},
            }
        ],
        "input": "call +44 20 7946 0958, ticket=abcdef123456",
    }
    result = redact_document(document, settings).document
    step = result["steps"][0]
    assert step["result"] == {"customer": {}, "note": "<EMPLOYEE_ID_1> wrote support@example.com"}
    assert step["metadata"] == {}
    assert step["attributes"] == {}
    assert result["input"] == "call +44 20 7946 0958, ticket=<TICKET_SECRET_1>"  # phone is disabled


def test_the_json_examples_parse_as_what_they_show() -> None:
    policy, redaction, fixture = [json.loads(b.body) for b in blocks(PAGE) if b.lang == "json"]
    assert [p.id for p in parse_policies({"policies": [policy]})] == [policy["id"]]
    assert set(redaction["redaction"]) == {"enabled", "counts", "dropped"}
    assert fixture["steps"][0]["arguments"]["to"] == "jane.doe@example.com"


def _hook() -> dict[str, object]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "agenttrace-scan"]
    return hook


def _run_hook(hook: dict[str, object], files: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """What pre-commit does: select the files by `files` and `types`, append them to `entry`, run it."""
    selected = [
        str(path.relative_to(cwd))
        for path in files
        if re.search(str(hook["files"]), str(path.relative_to(cwd))) and path.suffix == ".json"
    ]
    words = shlex.split(str(hook["entry"]))
    script = Path(sys.executable).with_name(words[0])
    assert script.exists(), f"the hook's entry {words[0]!r} is not installed next to {sys.executable}"
    return subprocess.run(
        [str(script), *words[1:], *selected],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_pre_commit_hook_passes_a_clean_fixture_and_refuses_a_dirty_one(tmp_path: Path) -> None:
    hook = _hook()
    assert hook["language"] == "python"
    assert hook["types"] == ["json"]
    (tmp_path / "pyproject.toml").write_text("[tool.agenttrace]\n", encoding="utf-8")
    folder = tmp_path / "fixtures"
    folder.mkdir()
    document = {
        "schema": {"name": "pytest-agenttrace/fixture", "version": "1.0"},
        "id": "refund",
        "status": "regression",
        "steps": [
            {
                "kind": "tool",
                "id": "1",
                "name": "send_email",
                "arguments": {"to": "jane.doe@example.com", "card": 4111111111111111},
            }
        ],
    }
    clean = folder / "clean.trace.json"
    clean.write_bytes(dumps_data(redact_document(document).document))
    dirty = folder / "dirty.trace.json"
    dirty.write_bytes(dumps_data({**document, "id": "dirty"}))
    unrelated = folder / "notes.json"  # not a fixture: the hook's `files` leaves it out
    unrelated.write_text('{"contact": "jane.doe@example.com"}', encoding="utf-8")

    passed = _run_hook(hook, [clean, unrelated], tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout == ""

    refused = _run_hook(hook, [clean, dirty, unrelated], tmp_path)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert refused.stdout.splitlines() == [
        "fixtures/dirty.trace.json: steps[0].arguments.to: email",
        "fixtures/dirty.trace.json: steps[0].arguments.card: card_number",
    ]
    assert "jane.doe" not in refused.stdout + refused.stderr
    assert "4111111111111111" not in refused.stdout + refused.stderr
