"""Prompt drift: how the messages an agent sends differ from the request that was recorded.

A recording answers by position, so a changed prompt still gets the old answer; that is convenient and is
also the most common complaint about record/replay tools, because a stale recording passes silently. The
replay therefore compares each request with the recorded one and keeps a compact diff, shown as a warning
(or a failure with ``drift = "fail"``). The comparison ignores what cannot matter (call ids, JSON spacing,
how text parts are split) so that only a real change in what the model was told is reported.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..model import Message, ModelStep
from .inputs import text_of

__all__ = ["Closest", "Drift", "closest_model_call", "message_key", "request_drift", "tools_drift"]

_MAX_LINES = 12
_WIDTH = 110


@dataclass(frozen=True, slots=True)
class Drift:
    """The diff of one model call's request: which call, which recorded step, the diff lines."""

    call: int
    step_id: str
    lines: tuple[str, ...]

    def render(self) -> str:
        head = f"model call #{self.call + 1} (recorded step {self.step_id!r}): the request differs"
        return "\n".join([head, *("    " + line for line in self.lines)])


def _canonical_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (ValueError, TypeError):
        return text


def _as_dict(message: Any) -> dict[str, Any]:
    if isinstance(message, dict):
        return message
    if isinstance(message, Message):
        return message.to_data()
    dump = getattr(message, "model_dump", None)  # SDK message objects
    if callable(dump):
        data = dump()
        if isinstance(data, dict):
            return data
    return {"role": "?", "content": repr(message)}


def message_key(message: Any) -> str:
    """A one-line, comparison-ready form of a message, the same for a recorded and a sent one."""
    data = _as_dict(message)
    role = str(data.get("role"))
    content = data.get("content")
    text = text_of(content)
    if text is None:
        text = "" if content is None else json.dumps(content, sort_keys=True, ensure_ascii=False)
    elif role == "tool":
        text = _canonical_json(text)
    calls = []
    for call in data.get("tool_calls") or ():
        function = _as_dict(call).get("function") or {}
        if not isinstance(function, dict):
            function = _as_dict(function)
        arguments = function.get("arguments")
        arguments = _canonical_json(arguments) if isinstance(arguments, str) else json.dumps(arguments)
        calls.append(f"{function.get('name')}({arguments})")
    key = f"{role}: {text}"
    if calls:
        key += " → " + "; ".join(calls)
    return key.replace("\n", "⏎")


def _clip(text: str, width: int = _WIDTH, start: int = 0) -> str:
    """``text`` cut to ``width`` characters from ``start`` (the diff's context), ``…`` where it was cut."""
    if len(text) <= width:
        return text
    start = max(0, min(start, len(text) - width + 1))
    head = "…" if start > 0 else ""
    body = text[start : start + width - len(head)]
    if start + len(body) < len(text):
        body = body[:-1] + "…"
    return head + body


def _clip_pair(want: str, got: str, width: int = _WIDTH) -> tuple[str, str]:
    """Both cut around their first differing character, so a change far into a long system prompt shows."""
    if len(want) <= width and len(got) <= width:
        return want, got
    role, sep, _ = want.partition(": ")
    if sep and got.startswith(role + sep) and len(role) < width // 4:  # keep "system: " in view
        head = role + sep
        a, b = _clip_around(want[len(head) :], got[len(head) :], width - len(head))
        return head + a, head + b
    return _clip_around(want, got, width)


def _clip_around(want: str, got: str, width: int) -> tuple[str, str]:
    first = next(
        (i for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b), min(len(want), len(got))
    )
    start = first - width // 3 if first > width - width // 3 else 0
    return _clip(want, width, start), _clip(got, width, start)


def _plainly_same(recorded: Message, sent: Any) -> bool:
    """True when a sent chat dict repeats the recorded message field for field, so their keys are equal.

    Most replays send exactly what was recorded; this settles those with a few comparisons instead of
    building both keys (a model dump and JSON canonicalisation per message, the larger part of a stubbed
    model call). Anything else (text parts, SDK objects, respaced JSON) goes to :func:`message_key`.
    """
    if type(sent) is not dict or sent.get("role") != recorded.role:
        return False
    content = recorded.content
    if not (content is None or type(content) is str) or sent.get("content") != content:
        return False
    calls = recorded.tool_calls or ()
    sent_calls = sent.get("tool_calls") or ()
    if len(calls) != len(sent_calls):
        return False
    for call, other in zip(calls, sent_calls, strict=True):
        function = other.get("function") if type(other) is dict else None
        if (
            type(function) is not dict
            or function.get("name") != call.function.name
            or function.get("arguments") != call.function.arguments
        ):
            return False
    return True


def request_drift(recorded: Sequence[Message], sent: Sequence[Any]) -> list[str]:
    """Diff lines (``- [i] recorded`` / ``+ [i] sent``), or an empty list when the requests agree."""
    if len(recorded) == len(sent) and all(map(_plainly_same, recorded, sent)):
        return []
    want = [message_key(m) for m in recorded]
    got = [message_key(m) for m in sent]
    if want == got:
        return []
    lines: list[str] = []
    matcher = difflib.SequenceMatcher(a=want, b=got, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and a1 - a0 == b1 - b0:  # changed messages: cut each pair around the change
            pairs = [_clip_pair(want[a0 + k], got[b0 + k]) for k in range(a1 - a0)]
            lines.extend(f"- [{a0 + k}] {pair[0]}" for k, pair in enumerate(pairs))
            lines.extend(f"+ [{b0 + k}] {pair[1]}" for k, pair in enumerate(pairs))
            continue
        lines.extend(f"- [{i}] {_clip(want[i])}" for i in range(a0, a1))
        lines.extend(f"+ [{i}] {_clip(got[i])}" for i in range(b0, b1))
    if len(lines) > _MAX_LINES:
        lines = [*lines[:_MAX_LINES], f"… {len(lines) - _MAX_LINES} more lines"]
    return lines


@dataclass(frozen=True, slots=True)
class Closest:
    """The recorded model call most like an unmatched request: a clause for the one-line summary, and the
    lines of the full explanation."""

    clause: str
    lines: tuple[str, ...]


def closest_model_call(
    recorded: Sequence[tuple[int, ModelStep]], sent: Sequence[Any], model: str | None
) -> Closest | None:
    """The recorded model call most like this request, and what differs from it.

    ``recorded`` is (call number, step) for each recorded model call. Closeness is the model name first
    (the same model, or an unknown one on either side), then how much of the conversation is the same
    message for message, then how alike the last messages are (what the agent has just added is what set
    this call apart), then the later call: so an agent that makes one call too many is shown the call it
    continues, with the messages that differ.
    """
    if not recorded:
        return None
    sent_keys = [message_key(m) for m in sent]
    last_sent = sent_keys[-1] if sent_keys else ""

    def score(item: tuple[int, ModelStep]) -> tuple[bool, float, float, int]:
        number, step = item
        same_model = model is None or step.model is None or _same_model(step.model, model)
        keys = [message_key(m) for m in step.messages or ()]
        conversation = difflib.SequenceMatcher(a=keys, b=sent_keys, autojunk=False).ratio()
        last = keys[-1] if keys else ""
        ratio = difflib.SequenceMatcher(a=last, b=last_sent, autojunk=False).ratio() if last_sent else 0.0
        return same_model, conversation, ratio, number

    number, step = max(recorded, key=score)
    name = f"#{number + 1} (step {step.id!r}" + (f", model {step.model})" if step.model else ")")
    lines = [f"closest recorded model call: {name}, already answered"]
    differences: list[str] = []
    if model is not None and step.model is not None and not _same_model(step.model, model):
        lines.append(f"  model: asked for {model!r}, recorded {step.model!r}")
        differences.append(f"model {model!r} asked, {step.model!r} recorded")
    if step.messages is None:
        lines.append("  the recording kept no request messages to compare")
        differences.append("no recorded messages to compare")
        return Closest(f"closest recorded call {name}: " + "; ".join(differences), tuple(lines))
    lines.append(f"  messages: {len(sent)} sent, {len(step.messages)} recorded")
    diff = request_drift(step.messages, sent)
    if diff:
        changed = len({line.split("]", 1)[0][3:] for line in diff if line[:3] in ("- [", "+ [")})
        differences.append(
            f"{changed} of {max(len(sent), len(step.messages))} messages differ"
            + (
                f" ({len(sent)} sent, {len(step.messages)} recorded)"
                if len(sent) != len(step.messages)
                else ""
            )
        )
        lines.append("  what differs (- recorded, + sent):")
        lines.extend("    " + line for line in diff[:8])
        if len(diff) > 8:
            lines.append(f"    … {len(diff) - 8} more lines")
    else:
        differences.append("the same messages, sent again")
        lines.append("  the same messages were sent again: the agent repeats that call")
    return Closest(f"closest recorded call {name}: " + "; ".join(differences), tuple(lines))


def _same_model(recorded: str, asked: str) -> bool:
    """``gpt-4o-mini`` asked, ``gpt-4o-mini-2024-07-18`` recorded (the provider's dated name): the same."""
    return recorded == asked or recorded.startswith(asked + "-") or asked.startswith(recorded + "-")


def _tool_key(tool: Any) -> tuple[str, str]:
    """(name, canonical JSON of the whole definition) of an offered tool, a recorded or a sent one."""
    data = _as_dict(tool)
    function = data.get("function")
    if not isinstance(function, dict):
        function = _as_dict(function) if function is not None else {}
    name = str(function.get("name") or data.get("name") or "?")
    return name, json.dumps(data, sort_keys=True, ensure_ascii=False, default=repr)


def tools_drift(recorded: Sequence[Any], offered: Sequence[Any]) -> list[str]:
    """Lines for the tools offered to the model that differ from the recorded request's.

    A tool added to or removed from the request changes what the model may choose, which the recorded
    answer cannot reflect, so it is drift as much as a changed prompt is.
    """
    want = dict(_tool_key(t) for t in recorded)
    got = dict(_tool_key(t) for t in offered)
    if want == got:
        return []
    lines = [f"- tool offered in the recording, not now: {name}" for name in want if name not in got]
    lines += [f"+ tool offered now, not in the recording: {name}" for name in got if name not in want]
    lines += [
        f"~ tool {name}: its definition differs" for name in want if name in got and want[name] != got[name]
    ]
    return lines
