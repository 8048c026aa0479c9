"""Steps for spans that no convention names, built from the kind a mapping rule gives them.

Approvals, memory and planning have no attribute convention; a rule in ``[tool.agenttrace.import]`` names
them by span name or attribute. The step's content then comes from whatever input and output attributes
the span has, in the spelling of any of the conventions; nothing is filled in that the span did not record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ...model import StepKind
from ._common import Mapped, call_arguments, json_or_text, mime_value, unwrap_call
from ._decode import Span
from ._json import MISSING

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


def _value(mapped: Mapped, attributes: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in attributes:
            mapped.consumed.add(key)
            mime_key = _MIME.get(key)
            if mime_key is not None and mime_key in attributes:
                mapped.consumed.add(mime_key)
                return mime_value(attributes[key], attributes[mime_key])
            return json_or_text(attributes[key])
    return MISSING


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
    """A step of ``kind`` from the span's recorded input and output."""
    mapped = Mapped(kind)
    attrs = span.attributes
    raw_input = _value(mapped, attrs, INPUT_KEYS)
    output = _value(mapped, attrs, OUTPUT_KEYS)
    inp = unwrap_call(raw_input)
    if kind == "tool":
        mapped.fields.update(call_arguments(raw_input))
        mapped.put("result", output)
    elif kind == "approval":
        arguments = call_arguments(raw_input).get("arguments")
        mapped.put("arguments", arguments)
        mapped.put("result", output)
        mapped.put("decision", _decision(output))
    elif kind == "memory":
        mapped.put("value", output if output is not MISSING else inp)
    elif kind == "retrieval":
        mapped.put("query", inp)
        if isinstance(output, list):
            mapped.fields["documents"] = output
    elif kind == "plan":
        mapped.put("content", output if output is not MISSING else inp)
    elif kind == "guardrail":
        mapped.put("input", inp)
        mapped.put("result", output)
    if kind in ("handoff", "error", "model"):
        # nothing to put in fields: keep what was read as attributes
        mapped.consumed.clear()
    return mapped
