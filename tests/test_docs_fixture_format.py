"""The examples in docs/fixture-format.md are real: the fixture loads, round-trips, and shows."""

from __future__ import annotations

import re
from pathlib import Path

from pytest_agenttrace.model import compute_totals
from pytest_agenttrace.report.timeline import render_timeline
from pytest_agenttrace.store import dump_fixture, load_fixture

DOC = Path(__file__).resolve().parents[1] / "docs" / "fixture-format.md"


def json_blocks() -> list[str]:
    return re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_documented_fixture_is_valid_and_canonical(tmp_path):
    (block,) = json_blocks()
    path = tmp_path / "refund-without-approval.trace.json"
    path.write_text(block, encoding="utf-8")
    fixture = load_fixture(path)
    assert dump_fixture(fixture) == block.encode("utf-8"), "the doc's example is not in canonical form"
    assert fixture.totals == compute_totals(fixture.steps), "the doc's totals do not add up"
    timeline = render_timeline(fixture, width=140)
    assert "✗ RefundLimitExceeded: refunds over $100 need approval" in timeline


def test_the_documented_validate_output_is_what_validate_prints(tmp_path):
    from pytest_agenttrace.store import dumps_data
    from tests.factories import refund_document
    from tests.test_cli import agenttrace

    folder = tmp_path / "fixtures"
    folder.mkdir()
    broken = refund_document()
    broken["steps"][3]["arguments"] = "ORD-2002"
    (folder / "broken.trace.json").write_bytes(dumps_data(broken))
    (folder / "cut.trace.json").write_bytes(dumps_data(refund_document())[:300])
    merged = dumps_data(refund_document()).replace(b'"id": "a2",', b'"id": "a2",\n      "id": "a3",', 1)
    (folder / "merged.trace.json").write_bytes(merged)
    result = agenttrace("validate", "fixtures", cwd=tmp_path)
    assert result.returncode == 1
    (documented,) = re.findall(r"```text\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert result.stdout == documented
