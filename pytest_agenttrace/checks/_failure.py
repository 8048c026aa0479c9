"""The result type of every check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CheckFailure"]


@dataclass
class CheckFailure:
    """One failed check: its name, the step it concerns, and what differed.

    ``check`` names the rule (``tools.sequence``, ``policy:refund-needs-approval``, ``output.schema``,
    ``budgets.max_cost``) so a reader knows which line of the fixture or policies file to look at.
    ``step`` is an index into the *actual* run's steps (the report looks up the recorded step that answered
    it); ``details`` are ready-made lines (``steps[3].arguments.amount: expected <= 100, got 5000``);
    ``expected`` / ``actual`` are the structures compared, which the report diffs (deepdiff) only when it
    renders, so a passing run never pays for a diff.
    """

    check: str
    message: str
    step: int | None = None
    expected: Any = None
    actual: Any = None
    details: list[str] = field(default_factory=list)
    #: Further steps involved (an approval that was denied, the earlier identical calls of a loop).
    related: list[int] = field(default_factory=list)
    #: Where the rule was written: ``expect.tools.sequence[2]``, ``policies.json: policies[0]``.
    source: str | None = None
    #: What went wrong in a few words, for the test's first line and pytest's one-line summary
    #: (``ran without approval``); the report puts the check, the step and the call in front of it.
    short: str | None = None
    #: For a list ``actual`` of the run's calls: the step index of each, so a diff says ``steps[3]``.
    actual_steps: list[int] | None = None

    def summary(self) -> str:
        """``check · step N: message`` on one line."""
        where = f" · step {self.step}" if self.step is not None else ""
        return f"{self.check}{where}: {self.message}"
