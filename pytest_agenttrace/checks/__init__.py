"""Checks of an actual run against a fixture's expectations and the global policies.

One module per family: ``tools`` (tool choice and argument schemas), ``arguments`` (matchers),
``policies`` (approvals), ``output`` (invariants), ``budgets``, ``prices`` (cost), ``fuzz`` (hypothesis
variations of tool results). ``evaluate`` runs them all and returns every failure, not just the first, so
one replay shows everything that went wrong. A passing run costs little: values are compared with ``==``
and schemas are compiled once; diffs are left to the report, which renders only failures.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ..model import Fixture, Policy
from ..replay.run import ActualRun
from ._failure import CheckFailure
from .budgets import check_budgets
from .output import Verdict, check_output
from .policies import check_policies, load_policies
from .prices import PriceTable, replay_cost, replay_cost_line
from .tools import check_tools

__all__ = [
    "FAMILIES",
    "CheckFailure",
    "PriceTable",
    "Verdict",
    "evaluate",
    "load_policies",
    "replay_cost",
    "replay_cost_line",
]

#: The check families ``evaluate(only=...)`` can select.
FAMILIES = ("tools", "golden", "policies", "output", "budgets")


def evaluate(
    fixture: Fixture,
    run: ActualRun,
    *,
    policies: Sequence[Policy] = (),
    golden: bool = False,
    prices: PriceTable | Mapping[str, Any] | None = None,
    only: Collection[str] | None = None,
) -> list[CheckFailure]:
    """Every failed check of ``run``; an empty list when the run passes.

    ``policies`` are the global ones (``load_policies``); the fixture's own ``expect.policies`` are added.
    ``golden`` holds the run to the recorded tool path when ``expect.tools`` names no sequence, subsequence
    or set. ``prices`` is a ``PriceTable`` or the ``[tool.agenttrace.prices]`` table. ``only`` limits the
    families run (see ``FAMILIES``); fuzzing uses it to check invariants, not the exact path.
    """

    def wanted(family: str) -> bool:
        return only is None or family in only

    expect = fixture.expect
    failures: list[CheckFailure] = []
    if wanted("tools") or wanted("golden"):
        tool_failures = check_tools(fixture, run, golden=golden and wanted("golden"))
        if not wanted("tools"):
            tool_failures = [f for f in tool_failures if f.check.startswith("golden")]
        failures += tool_failures
    if wanted("policies"):
        own = list(expect.policies or ()) if expect is not None else []
        sources = [f"policies[{i}] ({p.id})" for i, p in enumerate(policies)]
        sources += [f"expect.policies[{i}]" for i in range(len(own))]
        failures += check_policies(run, [*policies, *own], sources=sources)
    if expect is not None and expect.output is not None and wanted("output"):
        failures += check_output(expect.output, run)
    if expect is not None and expect.budgets is not None and wanted("budgets"):
        failures += check_budgets(expect.budgets, run, prices)
    return failures
