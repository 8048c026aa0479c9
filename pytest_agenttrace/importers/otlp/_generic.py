"""Steps for spans that no convention names, built from the kind a mapping rule gives them.

Approvals, memory and planning have no attribute convention; a rule in ``[tool.agenttrace.import]`` names
them by span name or attribute. The step's content then comes from whatever input and output attributes
the span has, in the spelling of any of the conventions; nothing is filled in that the span did not record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ...model import StepKind
from ._common import Mapped, call_arguments, mime_value, unwrap_call
from ._decode import Span
from ._json import MISSING, json_or_text

#: Where each convention records a span's input and output, in order of preference.
INPUT_KEYS: Final = (
    "input.value",
    "traceloop.entity.input",
    "langfuse.observation.input",
    "gen_ai.tool.call.arguments",
    "tool_arguments",
)
OUTPUT_KEYS: Final = (
    "output.value",
    "traceloop.entity.output",
    "langfuse.observation.output",
    "gen_ai.tool.call.result",
    "tool_response",
)
_MIME: Final = {"input.value": "input.mime_type", "output.value": "output.mime_type"}
_DECISIONS: Final = frozenset({"approved", "denied", "pending"})


def _value(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
    """The first recorded value of ``keys`` (decoded) and the attributes it came from."""
    for key in keys:
        if key in attributes:
            mime_key = _MIME.get(key)
            if mime_key is not None and mime_key in attributes:
                return mime_value(attributes[key], attributes[mime_key]), (key, mime_key)
            return json_or_text(attributes[key]), (key,)
    return MISSING, ()


def _decision(result: Any) -> str | None:
    if isinstance(result, str) and result.lower() in _DECISIONS:
        return result.lower()
    if isinstance(result, Mapping):
        if isinstance(result.get("approved"), bool):
            return "approved" if result["approved"] else "denied"
        decision = result.get("decision")
        if isinstance(decision, str) and decision.lower() in _DECISIONS:
            return decision.lower()
    return None


def map_by_rule(span: Span, kind: StepKind) -> Mapped:
    """A step of ``kind`` from the span's recorded input and output.

    An input or output attribute is consumed only when its value went into a field; otherwise it stays in
    the step's ``attributes`` (a memory write's input next to the value it stored, for example).
    """
    mapped = Mapped(kind)
    attrs = span.attributes
    raw_input, input_keys = _value(attrs, INPUT_KEYS)
    output, output_keys = _value(attrs, OUTPUT_KEYS)
    inp = unwrap_call(raw_input)
    used_input = used_output = False
    if kind == "tool":
        arguments = call_arguments(raw_input)
        mapped.fields.update(arguments)
        used_input = bool(arguments)
        mapped.put("result", output)
        used_output = output is not MISSING
    elif kind == "approval":
        approved_arguments = call_arguments(raw_input).get("arguments")
        mapped.put("arguments", approved_arguments)
        used_input = approved_arguments is not None
        mapped.put("result", output)
        used_output = output is not MISSING
        mapped.put("decision", _decision(output))
    elif kind == "memory":
        if output is not MISSING:
            mapped.put("value", output)
            used_output = True
            if isinstance(inp, Mapping) and isinstance(inp.get("key"), str) and set(inp) == {"key"}:
                mapped.fields["key"] = inp["key"]
                used_input = True
        else:
            mapped.put("value", inp)
            used_input = inp is not MISSING
    elif kind == "retrieval":
        mapped.put("query", inp)
        used_input = inp is not MISSING
        if isinstance(output, list):
            mapped.fields["documents"] = output
            used_output = True
    elif kind == "plan":
        if output is not MISSING:
            mapped.put("content", output)
            used_output = True
        else:
            mapped.put("content", inp)
            used_input = inp is not MISSING
    elif kind == "guardrail":
        mapped.put("input", inp)
        mapped.put("result", output)
        used_input, used_output = inp is not MISSING, output is not MISSING
    # kinds with nothing to put in fields (handoff, error, model) keep what was read as attributes
    if used_input:
        mapped.consumed.update(input_keys)
    if used_output:
        mapped.consumed.update(output_keys)
    return mapped
