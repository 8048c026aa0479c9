"""The actual run: what the agent did during a replay, in the same step shapes as the recording.

Keeping the actual run in the fixture's own step models means every check works the same on a recording
(``agenttrace`` can check an imported bad run against the policies before any replay) and on a replay,
and a report can put the two side by side step by step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Fixture, Step


@dataclass
class ActualRun:
    """Every model and tool call the agent made, in order, with what it got, plus its output.

    ``steps`` holds ``ModelStep`` (request ``messages``, ``tools`` offered, the ``response`` it was given)
    and ``ToolStep`` (``name``, ``call_id``, ``arguments``, ``result`` or ``error``) values; ``answered_by``
    maps a step's index to the index of the recorded step (or ``"stub"``) that answered it.
    """

    fixture: Fixture
    steps: list[Step] = field(default_factory=list)
    output: Any = None
    has_output: bool = False
    error: BaseException | None = None
    answered_by: dict[int, int | str] = field(default_factory=dict)

    @classmethod
    def from_recording(cls, fixture: Fixture) -> ActualRun:
        """The recorded run seen as if it were an actual one (to check a recording itself)."""
        return cls(
            fixture=fixture,
            steps=list(fixture.steps),
            output=fixture.output,
            has_output="output" in fixture.model_fields_set,
            answered_by={i: i for i in range(len(fixture.steps))},
        )
