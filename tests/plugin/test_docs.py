"""The examples of ``docs/replay.md`` are a real project: write its files, replay, all pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .kit import DENY_APPROVAL, fixture_doc, write_fixture

DOC = Path(__file__).resolve().parents[2] / "docs" / "replay.md"
BLOCK = re.compile(r"<!-- file: (?P<name>[\w./-]+) -->\n```\w*\n(?P<body>.*?)```", re.S)


def doc_files() -> dict[str, str]:
    return {m["name"]: m["body"] for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))}


def test_the_doc_names_its_files() -> None:
    assert set(doc_files()) == {
        "pyproject.toml",
        "shop_agent.py",
        "policies.json",
        "support_bot.py",
        "test_support_bot.py",
        "decorated_bot.py",
        "test_decorated_bot.py",
    }


def test_the_documented_examples_replay(pytester: pytest.Pytester) -> None:
    for name, body in doc_files().items():
        (pytester.path / name).write_text(body, encoding="utf-8")
    write_fixture(pytester.path / "fixtures", fixture_doc(stubs=DENY_APPROVAL))
    result = pytester.runpytest("--agenttrace", "-v", "-p", "no:randomly")
    result.assert_outcomes(passed=4)
    for line in (
        "*fixtures/refund-no-approval.trace.json::refund-no-approval PASSED*",
        "*test_support_bot.py::test_support_bot[[]refund-no-approval[]] PASSED*",
        "*test_support_bot.py::test_support_bot_calls[[]refund-no-approval[]] PASSED*",
        "*test_decorated_bot.py::test_decorated_bot[[]refund-no-approval[]] PASSED*",
    ):
        result.stdout.fnmatch_lines([line])
    # the same documented agents, without the fix, fail on the policy
    shop = pytester.path / "shop_agent.py"
    shop.write_text(shop.read_text().replace('args["amount"] > 100', "False"))
    result = pytester.runpytest("--agenttrace", "-p", "no:randomly", "-k", "refund-no-approval and not test_")
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(["*policy:refund-needs-approval*"])
