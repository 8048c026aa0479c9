"""Checks of an actual run against a fixture's expectations and the global policies.

PLACEHOLDER until the checks issue lands: ``evaluate`` is the contract the replay codes against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import Fixture, Policy
from ..replay.run import ActualRun

__all__ = ["CheckFailure", "evaluate"]


@dataclass
class CheckFailure:
    """One failed check: its name, the step it concerns, and what differed."""

    check: str
    message: str
    step: int | None = None
    expected: Any = None
    actual: Any = None
    details: list[str] = field(default_factory=list)


def evaluate(
    fixture: Fixture, run: ActualRun, *, policies: Sequence[Policy] = (), golden: bool = False
) -> list[CheckFailure]:
    """Every failed check of ``run``; an empty list when the run passes."""
    return []
