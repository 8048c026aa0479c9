"""Model calls answered in recorded order, then from ``stubs.model``.

A model call carries no key to match on that survives a prompt fix (the messages are exactly what drifts),
so the recorded answers are handed out in order, as a recorded conversation would be replayed. Each answer
is turned into the OpenAI chat message shape once, when the cursor is built, and copied per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import Fixture, Message, ModelStep
from ._copy import Frozen
from .inputs import text_of

__all__ = ["ModelAnswer", "ModelCursor", "assistant_message"]


def assistant_message(message: Message | None, *, call_prefix: str) -> dict[str, Any]:
    """A recorded response as ``{"role": "assistant", "content": ..., "tool_calls": [...]}``.

    ``tool_calls`` is left out when there are none (several agent loops test ``"tool_calls" in message``), a
    call without a recorded id gets a stable one (the agent echoes it back in its tool message), and text
    parts are joined so that ``content`` is ``str | None`` as the chat API returns it.
    """
    content: Any = None
    calls: list[dict[str, Any]] = []
    if message is not None:
        content = message.content
        if isinstance(content, list):
            text = text_of(content)
            content = text if text is not None else [dict(part) for part in content]
        for index, call in enumerate(message.tool_calls or ()):
            calls.append(
                {
                    "id": call.id or f"{call_prefix}_{index}",
                    "type": "function",
                    "function": {"name": call.function.name, "arguments": call.function.arguments},
                }
            )
    answer: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        answer["tool_calls"] = calls
    return answer


@dataclass(frozen=True, slots=True)
class ModelAnswer:
    """One answer the cursor can give: where it came from and the message, frozen."""

    source: int | str  # index of the recorded step in ``fixture.steps``, or "stub"
    step: ModelStep | None
    response: Message | None
    message: Frozen

    @property
    def error(self) -> tuple[str, str | None] | None:
        """The recorded error (message, type) when the recorded call failed without a response."""
        if self.step is None or self.step.error is None or self.response is not None:
            return None
        return (self.step.error.message or "recorded model error", self.step.error.type)


class ModelCursor:
    """Hands out the recorded model answers in order, then the stubbed ones; None when both ran out."""

    __slots__ = ("_answers", "_next", "recorded")

    def __init__(self, fixture: Fixture) -> None:
        answers: list[ModelAnswer] = []
        for index, step in enumerate(fixture.steps):
            if isinstance(step, ModelStep):
                message = assistant_message(step.response, call_prefix=f"call_{step.id}")
                answers.append(ModelAnswer(index, step, step.response, Frozen(message)))
        self.recorded = len(answers)
        stubs = fixture.stubs.model if fixture.stubs is not None and fixture.stubs.model else []
        for number, response in enumerate(stubs):
            message = assistant_message(response, call_prefix=f"call_stub{number}")
            answers.append(ModelAnswer("stub", None, response, Frozen(message)))
        self._answers = answers
        self._next = 0

    @property
    def position(self) -> int:
        """How many answers were given."""
        return self._next

    def next(self) -> ModelAnswer | None:
        if self._next >= len(self._answers):
            return None
        answer = self._answers[self._next]
        self._next += 1
        return answer

    def remaining(self) -> int:
        return len(self._answers) - self._next
