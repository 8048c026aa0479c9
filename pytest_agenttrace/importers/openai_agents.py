"""OpenAI Agents SDK traces, as its tracing processors export them.

Accepted shapes (a file may also be JSON Lines, one of these per line):

- ``{"trace": trace.export(), "spans": [span.export(), ...]}`` (what a custom ``TracingProcessor`` writes),
  or a list of those;
- the SDK's ``BackendSpanExporter`` POST bodies, ``[{"data": [trace, span, ...]}, ...]`` or one
  ``{"data": [...]}``;
- a flat list of ``trace`` and ``trace.span`` objects.

Spans are grouped by ``trace_id`` across the whole file. ``generation`` spans become model steps (their
input and output are Chat Completions message lists), ``response`` spans model steps with what the SDK
exports of them (the response id and usage), ``function`` spans tool steps, ``handoff`` and ``guardrail``
spans their own kinds, and ``custom`` spans the kind a mapping rule gives them. The ``agent`` span and the
SDK's ``task``/``turn`` custom spans are containers: each step records its agent and turn in
``attributes``. ``function`` spans carry no tool-call id, so they are linked to the calls the model
requested by name and order within the turn.

The SDK records no run input or output of its own. The fixture's ``input`` is what the first model call was
given after the agent's instructions (the system message), and the ``output`` is the text of the last
model response when it requested no tools; both are values recorded in the trace, not reconstructions.
Non-fatal tool errors are kept as recorded: the SDK redacts the exception text, so only its message is
there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from ._common import (
    MISSING,
    ExportError,
    as_dict,
    detach_missing_parents,
    iter_json_documents,
    link_tool_calls,
    normalize_message,
    normalize_messages,
    order_steps,
    parse_json_text,
    rule_step,
    timing,
    tool_arguments,
    usage_from,
    user_input,
)
from ._passes import ends_at
from ._shape import BOOLEAN, INTEGER, OBJECT, STRING, TIMESTAMP, USAGE, Field, ShapeError, check, check_value
from .base import MISSING_PARENTS_ATTRIBUTE, ImportedTrace, ImportOptions, StepData, TraceProblem

_CONTAINER_CUSTOM = {"task", "turn"}


class OpenAIAgentsImporter:
    """Reads OpenAI Agents SDK trace exports; see the module docstring."""

    name: ClassVar[str] = "openai-agents"

    def sniff(self, head: bytes, path: Path) -> bool:
        return b'"span_data"' in head or b'"trace.span"' in head

    def iter_traces(self, path: Path, options: ImportOptions) -> Iterator[ImportedTrace | TraceProblem]:
        try:
            yield from _stream_traces(path, options)
        except ExportError as exc:
            yield TraceProblem(str(exc), where=exc.where)


class _SpanError(ValueError):
    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.where = where


# ------------------------------------------------------------------------------------------ the fields
_ERROR = Field((dict, str), "an object, a string or null", fields={"message": STRING})
_SPAN_DATA_FIELDS = {
    "type": STRING,
    "name": STRING,
    "model": STRING,
    "model_config": OBJECT,
    "usage": USAGE,
    "response_id": STRING,
    "from_agent": STRING,
    "to_agent": STRING,
    "triggered": BOOLEAN,
    "data": Field(
        (dict,), "an object or null", fields={"turn": INTEGER, "agent_name": STRING, "usage": USAGE}
    ),
}
#: Every span field the importer reads, and what it may hold; ``null`` is always fine (nothing recorded).
SPAN_FIELDS: dict[str, Field] = {
    "object": STRING,
    "id": Field((str,), "a string"),
    "trace_id": Field((str,), "a string"),
    "parent_id": STRING,
    "started_at": TIMESTAMP,
    "ended_at": TIMESTAMP,
    "span_data": Field((dict,), "an object or null", fields=_SPAN_DATA_FIELDS),
    "error": _ERROR,
}
TRACE_FIELDS: dict[str, Field] = {
    "object": STRING,
    "id": Field((str,), "a string"),
    "workflow_name": STRING,
    "group_id": STRING,
    "metadata": OBJECT,
}
_AN_OBJECT = Field((dict,), "an object")


def _is_trace(item: Mapping[str, Any]) -> bool:
    kind = item.get("object")
    return kind == "trace" or (kind is None and "workflow_name" in item)


def _ids(document: Any, where: str) -> set[str]:
    """The trace ids a unit holds (of its trace objects and its spans), read without checking fields."""
    ids: set[str] = set()
    for _, item in _objects(document, where, strict=False):
        trace_id = item.get("id") if _is_trace(item) else item.get("trace_id")
        if isinstance(trace_id, str):
            ids.add(trace_id)
    return ids


def _stream_traces(path: Path, options: ImportOptions) -> Iterator[ImportedTrace | TraceProblem]:
    """Two passes over the file's units (list elements, lines, ``data`` entries of an ingest body).

    Pass 1 notes the last unit that holds each trace; pass 2 collects spans and builds each trace after its
    last unit, then drops it, so memory is bounded by the traces still open rather than by the file.
    """
    last: dict[str, int] = {}
    for index, (where, document) in enumerate(iter_json_documents(path, ("data",))):
        for trace_id in _ids(document, where):
            last[trace_id] = index
    ends = ends_at(last)
    del last

    traces: dict[str, dict[str, Any]] = {}
    spans: dict[str, dict[str, dict[str, Any]]] = {}
    places: dict[str, str] = {}
    broken: dict[str, TraceProblem] = {}
    found = False
    for index, (where, document) in enumerate(iter_json_documents(path, ("data",), check_depth=False)):
        try:
            for place, item in _objects(document, where, strict=True):
                found = True
                if _is_trace(item):
                    if isinstance(item.get("id"), str):
                        traces.setdefault(item["id"], {}).update(item)
                    continue
                span_id, owner = item.get("id"), item.get("trace_id")
                if not isinstance(span_id, str) or not isinstance(owner, str):
                    yield TraceProblem("span without `id` or `trace_id`", where=place)
                    continue
                trace_id = owner
                bucket = spans.setdefault(trace_id, {})
                if span_id in bucket and bucket[span_id] != item:
                    yield TraceProblem(f"duplicate span id {span_id}", trace_id=trace_id, where=place)
                    continue
                bucket[span_id] = item
                places[f"{trace_id} {span_id}"] = place
        except ShapeError as exc:
            found = True
            ids = _ids(document, where)
            for trace_id in sorted(ids):
                broken.setdefault(trace_id, TraceProblem(str(exc), trace_id=trace_id, where=exc.where))
            if not ids:
                yield TraceProblem(str(exc), where=exc.where)
        for trace_id in ends.pop(index, ()):
            yield from _finish(trace_id, traces, spans, places, broken, options)
    for trace_id in sorted({*spans, *broken}):
        yield from _finish(trace_id, traces, spans, places, broken, options)
    if not found:
        yield TraceProblem(
            'no OpenAI Agents SDK spans found (expected {"trace": ..., "spans": [...]} or [{"data": [...]}])'
        )


def _finish(
    trace_id: str,
    traces: dict[str, dict[str, Any]],
    spans: dict[str, dict[str, dict[str, Any]]],
    places: dict[str, str],
    broken: dict[str, TraceProblem],
    options: ImportOptions,
) -> Iterator[ImportedTrace | TraceProblem]:
    trace = traces.pop(trace_id, {})
    bucket = spans.pop(trace_id, {})
    wheres = {span_id: places.pop(f"{trace_id} {span_id}", "$") for span_id in bucket}
    problem = broken.pop(trace_id, None)
    if problem is not None:
        yield problem
        return
    if not bucket:
        return  # a trace object with no spans: nothing ran
    try:
        yield _build_trace(trace_id, trace, bucket, options, wheres)
    except (_SpanError, ShapeError) as exc:
        yield TraceProblem(str(exc), trace_id=trace_id, where=exc.where)


def _objects(document: Any, where: str, *, strict: bool) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(place, item)`` for every trace and span object of one unit; ``strict`` checks their fields."""
    if isinstance(document, list):
        for index, item in enumerate(document):
            yield from _objects(item, f"{where}[{index}]", strict=strict)
        return
    if not isinstance(document, dict):
        return
    if "spans" in document and isinstance(document["spans"], list):
        trace = document.get("trace")
        if strict:
            check_value(trace, Field((dict,), "an object or null"), f"{where}.trace")
        if isinstance(trace, dict):
            if strict:
                check(trace, TRACE_FIELDS, f"{where}.trace")
            yield f"{where}.trace", trace
        for index, span in enumerate(document["spans"]):
            yield from _item(span, f"{where}.spans[{index}]", strict=strict)
        return
    if "data" in document and isinstance(document["data"], list):
        for index, item in enumerate(document["data"]):
            yield from _item(item, f"{where}.data[{index}]", strict=strict)
        return
    if document.get("object") in ("trace", "trace.span") or "span_data" in document:
        yield from _item(document, where, strict=strict)


def _item(item: Any, where: str, *, strict: bool) -> Iterator[tuple[str, dict[str, Any]]]:
    if strict:
        check_value(item, _AN_OBJECT, where)
    if not isinstance(item, dict):
        return
    if strict:
        check(item, TRACE_FIELDS if _is_trace(item) else SPAN_FIELDS, where)
    yield where, item


# ------------------------------------------------------------------------------------------ converting
def _build_trace(
    trace_id: str,
    trace: Mapping[str, Any],
    spans: dict[str, dict[str, Any]],
    options: ImportOptions,
    wheres: Mapping[str, str],
) -> ImportedTrace:
    missing_parents = detach_missing_parents(spans, "parent_id")
    for span in spans.values():
        seen = {span["id"]}
        current = span
        while current.get("parent_id") is not None:
            if current["parent_id"] in seen:
                raise _SpanError(
                    "spans form a cycle through parent_id", f"trace {trace_id}, span {span['id']}"
                )
            seen.add(current["parent_id"])
            current = spans[current["parent_id"]]

    steps: dict[str, StepData] = {}
    containers: list[dict[str, Any]] = []
    custom: list[dict[str, Any]] = []
    agents: dict[str, Any] = {}
    task_usage: Any = None
    for span in spans.values():
        data = as_dict(span.get("span_data"))
        kind = data.get("type")
        if kind == "agent" and isinstance(data.get("name"), str):
            agents[data["name"]] = {k: v for k, v in data.items() if k not in ("type", "name")}
        if kind == "custom" and data.get("name") == "task" and isinstance(data.get("data"), dict):
            task_usage = data["data"].get("usage", task_usage)
        step = _span_step(span, data, options, wheres.get(span["id"], "$"))
        if step is None:
            containers.append(span)
            if kind == "custom" and data.get("name") not in _CONTAINER_CUSTOM:
                custom.append({"id": span["id"], "name": data.get("name"), "data": data.get("data")})
            elif kind not in ("agent", "custom"):
                custom.append({"id": span["id"], "type": kind, "span_data": data})
            continue
        steps[span["id"]] = step

    for span_id, step in steps.items():
        parent, agent, turn = _context(spans[span_id], spans, steps)
        if parent is not None:
            step["parent"] = parent
        context = {k: v for k, v in (("agent", agent), ("turn", turn)) if v is not None}
        if context:
            step["attributes"] = {**context, **(step.get("attributes") or {})}
    ordered = order_steps((_tie(spans[span_id]), step) for span_id, step in steps.items())

    # a container (turn, agent, task) that failed: its error is a step of its own unless a step inside
    # it already carries one (a guardrail trip, for instance, fails the turn with no step failing)
    for span in sorted(containers, key=_tie):
        if not span.get("error") or _failed_inside(span["id"], spans, steps):
            continue
        error = span["error"]
        data = span.get("span_data") or {}
        error_step: StepData = {"kind": "error", "id": f"{span['id']}.error"}
        label = data.get("name") or data.get("type")
        if isinstance(label, str):
            error_step["name"] = label
        parent, agent, turn = _context(span, spans, steps)
        if parent is not None:
            error_step["parent"] = parent
        end = timing(span.get("ended_at") or span.get("started_at"), None)
        if end:
            error_step["timing"] = end
        error_step["error"] = _error(error)
        extra: dict[str, Any] = {k: v for k, v in (("agent", agent), ("turn", turn)) if v is not None}
        if isinstance(error, dict) and error.get("data") is not None:
            extra["error.data"] = error["data"]
        if extra:
            error_step["attributes"] = extra
        ordered.append(error_step)
    link_tool_calls(ordered)

    name = trace.get("workflow_name")
    result = ImportedTrace(
        trace_id=trace_id, format="openai-agents", steps=ordered, name=name if isinstance(name, str) else None
    )
    result.failed = any(span.get("error") for span in spans.values())
    attributes: dict[str, Any] = {
        k: v for k, v in trace.items() if k not in ("object", "id") and v not in (None, {}, [])
    }
    if agents:
        attributes["agents"] = agents
    if task_usage is not None:
        attributes["usage"] = task_usage
    if custom:
        attributes["spans"] = custom
    if missing_parents:
        attributes[MISSING_PARENTS_ATTRIBUTE] = missing_parents
    result.attributes = attributes

    models = [step for step in ordered if step["kind"] == "model"]
    first = next((s for s in models if s.get("messages")), None)
    if first is not None:
        messages = list(first["messages"])
        while messages and messages[0].get("role") in ("system", "developer"):
            messages.pop(0)
        if messages:
            result.input, result.has_input = user_input(messages), True
    if models and not any("error" in s and s["kind"] == "error" for s in ordered):
        last = models[-1].get("response")
        if isinstance(last, dict) and not last.get("tool_calls") and isinstance(last.get("content"), str):
            result.output, result.has_output = last["content"], True
    return result


def _tie(span: Mapping[str, Any]) -> tuple[str, str]:
    return (str(span.get("started_at") or ""), str(span.get("id")))


def _failed_inside(
    span_id: str, spans: Mapping[str, Mapping[str, Any]], steps: Mapping[str, StepData]
) -> bool:
    for step_id, step in steps.items():
        if "error" not in step:
            continue
        current = spans[step_id]
        while current.get("parent_id") is not None:
            if current["parent_id"] == span_id:
                return True
            current = spans[current["parent_id"]]
    return False


def _context(
    span: Mapping[str, Any], spans: Mapping[str, Mapping[str, Any]], steps: Mapping[str, StepData]
) -> tuple[str | None, str | None, int | None]:
    """The nearest ancestor that is a step, and the agent and turn the span ran in."""
    parent: str | None = None
    agent: str | None = None
    turn: int | None = None
    current = span.get("parent_id")
    while current is not None:
        ancestor = spans[current]
        if parent is None and current in steps:
            parent = current
        data = as_dict(ancestor.get("span_data"))
        if data.get("type") == "custom" and data.get("name") == "turn" and isinstance(data.get("data"), dict):
            if turn is None and isinstance(data["data"].get("turn"), int):
                turn = data["data"]["turn"]
            if agent is None and isinstance(data["data"].get("agent_name"), str):
                agent = data["data"]["agent_name"]
        if data.get("type") == "agent" and agent is None and isinstance(data.get("name"), str):
            agent = data["name"]
        current = ancestor.get("parent_id")
    return parent, agent, turn


def _error(error: Any) -> dict[str, Any]:
    if isinstance(error, dict):
        message = error.get("message")
        return {"message": message if isinstance(message, str) else str(error)}
    return {"message": str(error)}


def _span_step(
    span: Mapping[str, Any], data: Mapping[str, Any], options: ImportOptions, where: str
) -> StepData | None:
    kind = data.get("type")
    base: StepData = {"kind": "", "id": span["id"]}
    span_timing = timing(span.get("started_at"), span.get("ended_at"))
    attributes: dict[str, Any] = {}
    if span.get("error"):
        base["error"] = _error(span["error"])
        if isinstance(span["error"], dict) and span["error"].get("data") is not None:
            attributes["error.data"] = span["error"]["data"]

    def finish(step: StepData, name: Any = None) -> StepData:
        if isinstance(name, str) and name:
            step["name"] = name
        if span_timing:
            step["timing"] = span_timing
        step.pop("kind")
        step = {"kind": kind_name, **step}
        rest = {k: v for k, v in attributes.items() if v is not None}
        if rest:
            step["attributes"] = rest
        return _ordered(step)

    if kind == "generation":
        kind_name = "model"
        step = dict(base)
        if isinstance(data.get("model"), str):
            step["model"] = data["model"]
        messages = normalize_messages(data.get("input"))
        if messages is not None:
            step["messages"] = messages
        elif data.get("input") is not None:
            attributes["input"] = data["input"]
        config = data.get("model_config")
        if isinstance(config, dict):
            parameters = {k: v for k, v in config.items() if v is not None}
            if parameters:
                step["parameters"] = parameters
        output = data.get("output")
        if isinstance(output, list) and output:
            response = normalize_message(output[-1])
            if response is not None:
                step["response"] = response
                if len(output) > 1:
                    attributes["output"] = output
            else:
                attributes["output"] = output
        elif output is not None:
            attributes["output"] = output
        usage = usage_from(data.get("usage"), f"{where}.span_data.usage")
        if usage:
            step["usage"] = usage
        if isinstance(data.get("usage"), dict) and data["usage"].get("requests") is not None:
            attributes["usage.requests"] = data["usage"]["requests"]
        return finish(step)
    if kind == "response":
        kind_name = "model"
        step = dict(base)
        usage = usage_from(data.get("usage"), f"{where}.span_data.usage")
        if usage:
            step["usage"] = usage
        if data.get("response_id") is not None:
            attributes["response_id"] = data["response_id"]
        return finish(step)
    if kind == "function":
        kind_name = "tool"
        step = dict(base)
        arguments = data.get("input")
        step.update(tool_arguments(arguments if arguments is not None else MISSING))
        if data.get("output") is not None:
            step["result"] = data["output"]
        if data.get("mcp_data") is not None:
            attributes["mcp_data"] = data["mcp_data"]
        return finish(step, data.get("name") or "function")
    if kind == "handoff":
        kind_name = "handoff"
        step = dict(base)
        for key in ("from_agent", "to_agent"):
            if isinstance(data.get(key), str):
                step[key] = data[key]
        return finish(step, f"{data.get('from_agent')} -> {data.get('to_agent')}")
    if kind == "guardrail":
        kind_name = "guardrail"
        step = dict(base)
        if isinstance(data.get("triggered"), bool):
            step["triggered"] = data["triggered"]
        return finish(step, data.get("name"))
    if kind == "custom":
        name = data.get("name")
        if (
            name in _CONTAINER_CUSTOM
            and isinstance(data.get("data"), dict)
            and "sdk_span_type" in data["data"]
        ):
            return None
        payload = as_dict(data.get("data"))
        rule_kind = options.kind_for(name if isinstance(name, str) else None, payload)
        if rule_kind is None:
            return None
        kind_name = rule_kind
        inputs = payload.get("input", payload.get("arguments", MISSING))
        outputs = payload.get("output", payload.get("result", MISSING))
        if isinstance(inputs, str) and rule_kind in ("tool", "approval"):
            parsed = parse_json_text(inputs)
            inputs = parsed if isinstance(parsed, dict) else inputs
        step = rule_step(rule_kind, base, inputs, outputs)
        rest = {k: v for k, v in payload.items() if k not in ("input", "arguments", "output", "result")}
        if rest:
            attributes["data"] = rest
        attributes.update(step.pop("attributes", None) or {})
        return finish(step, name)
    return None


def _ordered(step: StepData) -> StepData:
    """Common fields first, in the model's order, so the file reads the same for every step."""
    head = ("kind", "id", "parent", "name", "timing", "error")
    ordered = {key: step[key] for key in head if key in step}
    ordered.update({key: value for key, value in step.items() if key not in head and key != "attributes"})
    if "attributes" in step:
        ordered["attributes"] = step["attributes"]
    return ordered
