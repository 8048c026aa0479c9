"""What every attribute convention shares: the mapping result, and the value conversions they all need.

A convention module looks at one decoded span and returns a :class:`Mapped`: the step kind (or ``None`` for
a container span such as an agent run), the step's own fields, and the names of the attributes it turned
into fields. The builder keeps every other attribute in the step's ``attributes``, so nothing the export
recorded is lost; a convention marks an attribute consumed only when it really converted it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ...model import StepKind
from ._json import MISSING, dumps, parse_json_text

#: Trace-level attributes that instrumentations copy onto every span; kept once, at trace level.
TRACE_LEVEL_KEYS: Final = frozenset(
    {
        "session.id",
        "user.id",
        "metadata",
        "tag.tags",
        "langfuse.environment",
        "langfuse.release",
        "langfuse.user.id",
        "langfuse.session.id",
        "gen_ai.conversation.id",
    }
)
TRACE_LEVEL_PREFIXES: Final = ("langfuse.trace.",)


def is_trace_level(key: str) -> bool:
    """True for an attribute that describes the whole trace rather than the span it sits on."""
    return key in TRACE_LEVEL_KEYS or key.startswith(TRACE_LEVEL_PREFIXES)


@dataclass
class Mapped:
    """What a convention made of one span."""

    kind: StepKind | None
    fields: dict[str, Any] = field(default_factory=dict)
    consumed: set[str] = field(default_factory=set)
    input: Any = MISSING
    output: Any = MISSING
    error: dict[str, Any] | None = None
    name: str | None = None
    #: Indices into ``span.events`` that were turned into fields (the others are kept in ``attributes``).
    used_events: set[int] = field(default_factory=set)

    @property
    def is_step(self) -> bool:
        return self.kind is not None

    def take(self, attributes: Mapping[str, Any], key: str) -> Any:
        """The attribute's value, marked as consumed; :data:`MISSING` when absent."""
        if key not in attributes:
            return MISSING
        self.consumed.add(key)
        return attributes[key]

    def put(self, name: str, value: Any, *keys: str) -> None:
        """Set a field when the value is present, and mark the attributes it came from consumed."""
        if value is MISSING or value is None:
            return
        self.fields[name] = value
        self.consumed.update(keys)


def text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def non_negative_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            return None
    # a count beyond 2**53 is corruption, not usage (and would overflow every JSON reader's numbers)
    return value if isinstance(value, int) and 0 <= value <= 2**53 else None


def non_negative_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def tool_arguments(value: Any) -> dict[str, Any]:
    """Tool-step argument fields: ``arguments`` for a JSON object, else ``arguments_text`` as recorded."""
    if value is MISSING or value is None:
        return {}
    if isinstance(value, Mapping):
        return {"arguments": dict(value)}
    if isinstance(value, str):
        parsed = parse_json_text(value)
        if isinstance(parsed, dict):
            return {"arguments": parsed}
        return {"arguments_text": value}
    return {"arguments_text": dumps(value)}


def mime_value(value: Any, mime: Any) -> Any:
    """OpenInference's ``input.value``/``output.value``: decoded when the mime type says JSON."""
    if isinstance(value, str) and isinstance(mime, str) and "json" in mime.lower():
        parsed = parse_json_text(value)
        return value if parsed is MISSING else parsed
    return value


def unwrap_call(value: Any) -> Any:
    """Decorator-recorded input ``{"args": [...], "kwargs": {...}}``: one positional value, or the kwargs."""
    if isinstance(value, Mapping) and set(value) <= {"args", "kwargs"} and value:
        args, kwargs = value.get("args") or [], value.get("kwargs") or {}
        if isinstance(args, list) and isinstance(kwargs, Mapping):
            if not args:
                return dict(kwargs)
            if len(args) == 1 and not kwargs:
                return args[0]
    return value


def call_arguments(value: Any) -> dict[str, Any]:
    """Tool arguments from a decorator record: the kwargs object when there are no positional values."""
    if isinstance(value, Mapping) and set(value) <= {"args", "kwargs"} and value:
        args, kwargs = value.get("args") or [], value.get("kwargs") or {}
        if isinstance(args, list) and not args and isinstance(kwargs, Mapping):
            return {"arguments": dict(kwargs)}
    return tool_arguments(value)


def usage(
    input_tokens: Any = None,
    output_tokens: Any = None,
    total_tokens: Any = None,
    cache_read_tokens: Any = None,
    reasoning_tokens: Any = None,
) -> dict[str, int] | None:
    """A usage dict of the counts that were recorded as valid non-negative integers."""
    values = {
        "input_tokens": non_negative_int(input_tokens),
        "output_tokens": non_negative_int(output_tokens),
        "total_tokens": non_negative_int(total_tokens),
        "cache_read_tokens": non_negative_int(cache_read_tokens),
        "reasoning_tokens": non_negative_int(reasoning_tokens),
    }
    result = {k: v for k, v in values.items() if v is not None}
    return result or None


def cost(amount: Any, currency: Any = None) -> dict[str, Any] | None:
    number = non_negative_number(amount)
    if number is None:
        return None
    return {"amount": number, "currency": currency if isinstance(currency, str) and currency else "USD"}


def indexed(attributes: Mapping[str, Any], prefix: str) -> list[tuple[int, dict[str, Any], list[str]]]:
    """Flattened ``prefix.N.rest`` attributes grouped by N, sorted numerically (10 after 9; gaps allowed).

    Returns ``(N, {rest: value}, [full keys])`` per index.
    """
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)\.(.+)$")
    groups: dict[int, tuple[dict[str, Any], list[str]]] = {}
    for key, value in attributes.items():
        if not key.startswith(prefix):
            continue
        match = pattern.match(key)
        if match is None:
            continue
        values, keys = groups.setdefault(int(match.group(1)), ({}, []))
        values[match.group(2)] = value
        keys.append(key)
    return [(index, *groups[index]) for index in sorted(groups)]


def flat_messages(
    mapped: Mapped,
    attributes: Mapping[str, Any],
    prefix: str,
    convert: Callable[[dict[str, Any]], dict[str, Any] | None],
) -> list[dict[str, Any]] | None:
    """Messages flattened as ``prefix.N.rest`` (OpenInference, OpenLLMetry), each built by ``convert``.

    All or nothing: if one message cannot be read the attributes stay unconsumed, so they are kept in the
    step's ``attributes`` rather than half-mapped.
    """
    groups = indexed(attributes, prefix)
    if not groups:
        return None
    messages = []
    for _, values, _ in groups:
        message = convert(values)
        if message is None:
            return None
        messages.append(message)
    for _, _, keys in groups:
        mapped.consumed.update(keys)
    return messages


def keys_with_prefix(attributes: Iterable[str], prefix: str) -> list[str]:
    return [key for key in attributes if key.startswith(prefix)]


#: ``gen_ai.request.*`` names and the request-parameter names a fixture uses for them.
_PARAMETER_NAMES: Final = {
    "temperature": "temperature",
    "max_tokens": "max_tokens",
    "top_p": "top_p",
    "top_k": "top_k",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "stop_sequences": "stop",
    "seed": "seed",
    "choice.count": "n",
    "reasoning_effort": "reasoning_effort",
    "encoding_formats": "encoding_formats",
}


def request_parameters(
    mapped: Mapped, attributes: Mapping[str, Any], prefix: str = "gen_ai.request."
) -> None:
    """Fill ``parameters`` from ``gen_ai.request.*`` (everything but the model name)."""
    parameters: dict[str, Any] = dict(mapped.fields.get("parameters") or {})
    for suffix, name in _PARAMETER_NAMES.items():
        key = prefix + suffix
        if key in attributes and attributes[key] is not None:
            parameters[name] = attributes[key]
            mapped.consumed.add(key)
    if parameters:
        mapped.fields["parameters"] = parameters
