"""Every worked example in docs/checks.md runs: its expect block or policies give the documented failure."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pytest_agenttrace import checks
from pytest_agenttrace.checks.policies import parse_policies
from pytest_agenttrace.report.failures import render_failures

from .builders import recorded, refund_run

DOC = Path(__file__).resolve().parents[2] / "docs" / "checks.md"
BLOCK = re.compile(r"^```(\w+) (example|failure):([\w-]+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for _lang, kind, name, body in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        found.setdefault(name, {})[kind] = body
    return found


EXAMPLES = blocks()


def test_the_doc_has_examples_for_every_family() -> None:
    assert {
        "sequence",
        "subsequence",
        "set",
        "forbidden",
        "policy",
        "policy-then",
        "output",
        "budgets",
    } <= set(EXAMPLES)
    assert all(set(pair) == {"example", "failure"} for pair in EXAMPLES.values())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_worked_example(name: str) -> None:
    data: dict[str, Any] = json.loads(EXAMPLES[name]["example"])
    policies = parse_policies({"policies": data["policies"]}) if "policies" in data else []
    fixture, run = recorded(refund_run(5000), expect=data.get("expect"), output="Refunded $5000 for ORD-1.")
    failures = checks.evaluate(fixture, run, policies=policies)
    text = render_failures(fixture, run, failures, verbose=False)
    for line in EXAMPLES[name]["failure"].splitlines():
        assert line.strip() in text, f"{line.strip()!r} not in:\n{text}"
