"""``[tool.agenttrace.prices]`` under ``pytest --agenttrace``: the cost budget and the replay cost report."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from .kit import DENY_APPROVAL, fixture_doc, make_project

# the recording: one gpt-4o-mini call with usage (100 in, 10 out), two without
PRICES = '[tool.agenttrace.prices]\n"gpt-4o-mini" = { input = 1000.0, output = 1000.0 }\n'


def project(pytester: pytest.Pytester, *, prices: bool, budget: float | None = None) -> None:
    expect = {"budgets": {"max_cost": budget}} if budget is not None else None
    doc = fixture_doc(stubs=DENY_APPROVAL, **({"expect": expect} if expect else {}))
    make_project(pytester, fixtures=[doc], guard=True)
    if prices:
        pyproject = pytester.path / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + PRICES)


def test_prices_from_the_config_reach_the_cost_budget(pytester: pytest.Pytester) -> None:
    project(pytester, prices=False, budget=0.01)  # list price: 100 x $0.15 + 10 x $0.60 per million
    pytester.runpytest("--agenttrace").assert_outcomes(passed=1)
    project(pytester, prices=True, budget=0.01)  # the project's price: 110 x $1000 per million
    result = pytester.runpytest("--agenttrace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*budgets.max_cost*", "*cost: $0.1100 (estimated), limit $0.0100*"])


def test_the_replay_cost_is_reported_per_fixture(pytester: pytest.Pytester) -> None:
    project(pytester, prices=True)
    result = pytester.runpytest("--agenttrace", "-v", "--junitxml=out.xml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*agenttrace replay cost*",
            "fixtures/refund-no-approval.trace.json::refund-no-approval: replay cost $0.1100 (estimated, 2 of 3 "
            "model calls without a price) for 3 model calls, recorded $0.1100 (estimated, 2 of 3 model calls "
            "without a price) for 3: +0%",
            "total: $0.1100 for 1 fixture, recorded $0.1100: +0%",
        ]
    )
    case = next(ET.parse(pytester.path / "out.xml").iter("testcase"))
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["agenttrace_replay_cost"] == "0.11"
    assert props["agenttrace_recorded_cost"] == "0.11"
    # without -v only the total (no fixture's cost changed)
    result = pytester.runpytest("--agenttrace")
    result.stdout.fnmatch_lines(
        ["*agenttrace replay cost*", "total: $0.1100 for 1 fixture, recorded $0.1100: +0%"]
    )
    assert "::refund-no-approval: replay cost" not in result.stdout.str()


def test_a_bad_price_entry_is_a_usage_error(pytester: pytest.Pytester) -> None:
    project(pytester, prices=False)
    pyproject = pytester.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '[tool.agenttrace.prices]\n"gpt-4o" = { input = 1.0 }\n')
    result = pytester.runpytest("--agenttrace")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*pyproject.toml: [[]tool.agenttrace.prices[]] 'gpt-4o': needs both input and output prices*"]
    )
