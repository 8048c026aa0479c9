"""One trace's spans into an :class:`ImportedTrace`: steps, their order and links, input, output, failure.

Each span goes to the first convention that recognises it; spans that none maps to a step kind go to the
mapping rules; what is neither (agent runs, chains, workflows, plumbing spans) is not a step, and its
children attach to the nearest ancestor that is. The trace's input and output come from its root. Tool
steps are linked to the model's requested tool calls, by recorded call id where there is one and by name
and order within the turn otherwise, and arguments or results a tool span did not record are recovered
from the model's side of the conversation when it holds them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from ..base import MISSING_PARENTS_ATTRIBUTE, ImportedTrace, ImportOptions, StepData, TraceProblem
from . import langfuse, openinference, openllmetry, otel_genai, pydantic_ai, strands
from ._common import Mapped, is_trace_level, text, tool_arguments
from ._decode import STATUS_ERROR, Span, SpanEvent
from ._generic import map_by_rule
from ._json import MISSING, json_or_text
from ._logs import LogIndex
from ._messages import final_output, first_user_input
from ._reader import TraceSpans
from ._tree import check_tree, ordered

FORMAT: Final = "otlp"
ERROR_TYPE: Final = "error.type"
EXCEPTION_EVENT: Final = "exception"
EVENTS_ATTRIBUTE: Final = "otel.events"
LINKS_ATTRIBUTE: Final = "otel.links"
SCOPE_ATTRIBUTE: Final = "otel.scope.name"
#: Trace attribute listing the spans that are no step (agent runs, chains, loop turns, HTTP or unknown
#: instrumentation) with what they recorded, so that importing loses nothing; the root's own attributes
#: are the trace's attributes and its events ``otel.events``.
OTHER_SPANS_ATTRIBUTE: Final = "otel.other_spans"
#: Trace attribute listing the log records of the trace (``--logs``) that no step could use.
OTHER_LOGS_ATTRIBUTE: Final = "otel.other_logs"

#: Conventions in the order they are tried: the most specific markers first.
CONVENTIONS: Final[tuple[tuple[Callable[[Span], bool], Callable[[Span], Mapped | None]], ...]] = (
    (langfuse.matches, langfuse.map_span),
    (openinference.matches, openinference.map_span),
    (pydantic_ai.matches, pydantic_ai.map_span),
    (openllmetry.matches, openllmetry.map_span),
    (strands.matches, strands.map_span),
    (otel_genai.matches, otel_genai.map_span),
)


def iso_time(ns: int) -> str:
    """ISO 8601 in UTC with microseconds and ``Z``."""
    moment = datetime.fromtimestamp(ns // 10**9, tz=UTC).replace(microsecond=(ns % 10**9) // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def classify(span: Span) -> Mapped | None:
    for matches, map_span in CONVENTIONS:
        if matches(span):
            return map_span(span)
    return None


def _timing(span: Span) -> dict[str, Any] | None:
    timing: dict[str, Any] = {}
    if span.start_ns is not None:
        timing["start"] = iso_time(span.start_ns)
        if span.end_ns is not None and span.end_ns >= span.start_ns:
            timing["duration_ms"] = (span.end_ns - span.start_ns) / 1_000_000
    return timing or None


def _error(span: Span, mapped: Mapped | None, attributes: dict[str, Any]) -> dict[str, Any] | None:
    """The span's error from its status, an ``exception`` event, ``error.type`` or the convention's own."""
    exception = next((e for e in span.events if e.name == EXCEPTION_EVENT), None)
    convention = mapped.error if mapped is not None else None
    if span.status_code != STATUS_ERROR and exception is None and convention is None:
        return None
    error: dict[str, Any] = {}
    exc_attrs = exception.attributes if exception is not None else {}
    kind = text(exc_attrs.get("exception.type")) or text(span.attributes.get(ERROR_TYPE))
    if kind:
        error["type"] = kind
        if text(span.attributes.get(ERROR_TYPE)) == kind:
            attributes.pop(ERROR_TYPE, None)
    message = text(exc_attrs.get("exception.message")) or span.status_message
    if message is None and convention is not None:
        message = text(convention.get("message"))
    if message and kind:
        # the SDK writes the status as "Type: message"; the type has its own field
        message = message.removeprefix(f"{kind.rsplit('.', 1)[-1]}: ").removeprefix(f"{kind}: ")
    if message:
        error["message"] = message
    for key in ("exception.stacktrace", "exception.escaped"):
        if key in exc_attrs:
            attributes[key] = exc_attrs[key]
    return error


def _extra_events(span: Span, mapped: Mapped | None) -> list[dict[str, Any]]:
    used = mapped.used_events if mapped is not None else set()
    seen_exception = False
    result = []
    for index, event in enumerate(span.events):
        if index in used or event.from_log:
            continue
        if event.name == EXCEPTION_EVENT and not seen_exception:
            seen_exception = True  # the first is the step's error
            continue
        result.append(_event_data(event))
    return result


def _event_data(event: SpanEvent) -> dict[str, Any]:
    data: dict[str, Any] = {"name": event.name}
    if event.time_ns is not None:
        data["time"] = iso_time(event.time_ns)
    if event.attributes:
        data["attributes"] = event.attributes
    return data


class _TraceBuilder:
    def __init__(self, trace: TraceSpans, options: ImportOptions, logs: LogIndex | None) -> None:
        self.trace = trace
        self.options = options
        self.logs = logs
        self.spans: dict[str, Span] = {}
        self.mapped: dict[str, Mapped | None] = {}
        self.owner: dict[str, str] = {}  # span id -> id of the step it became part of (merged duplicates)
        self.steps: dict[str, StepData] = {}
        self.derived_errors: set[str] = set()  # error steps made for failed spans that are not steps
        self.missing_parents: list[str] = []
        self.failed = False

    def build(self) -> ImportedTrace | TraceProblem:
        trace = self.trace
        if trace.bad:
            first = trace.bad[0]
            more = f" (and {len(trace.bad) - 1} more broken spans)" if len(trace.bad) > 1 else ""
            return TraceProblem(first.message + more, trace.trace_id, first.where)
        spans, problem, self.missing_parents = check_tree(trace.spans)
        if problem is not None:
            return TraceProblem(problem.message, trace.trace_id, problem.where)
        self.spans = spans
        if self.logs:
            for span in spans.values():
                span.events.extend(self.logs.events_for(span.trace_id, span.span_id))
        roots = sorted((s for s in spans.values() if s.parent_id is None), key=self._key)
        root = roots[0]
        for span in spans.values():
            self.mapped[span.span_id] = self._map(span, span is root)
        self._merge_duplicates()
        for span in spans.values():
            if self.owner.get(span.span_id, span.span_id) == span.span_id and self._is_step(span.span_id):
                self.steps[span.span_id] = self._step(span)
        self._error_steps(root)
        order = ordered(self.steps, lambda i: self.steps[i].get("parent"), self._order_key)
        steps = [self.steps[i] for i in order]
        _link_tool_calls(steps)
        attributes = self._trace_attributes(root, steps)
        result = ImportedTrace(trace_id=trace.trace_id, format=FORMAT, steps=steps, attributes=attributes)
        result.name = self._name(root)
        self._input_output(result, root, steps)
        result.failed = self.failed or any(s.get("error") for s in steps)
        return result

    # -- mapping -----------------------------------------------------------------------------------
    def _map(self, span: Span, is_root: bool) -> Mapped | None:
        mapped = classify(span)
        if mapped is not None and mapped.is_step:
            return mapped
        if mapped is not None and is_root:
            return mapped  # the run itself: its input and output are the trace's
        kind = self.options.kind_for(span.name, span.attributes)
        if kind is not None:
            return map_by_rule(span, kind)
        return mapped

    def _is_step(self, span_id: str) -> bool:
        mapped = self.mapped.get(span_id)
        return mapped is not None and mapped.is_step

    def _step_ancestor(self, span: Span) -> str | None:
        parent = span.parent_id
        while parent is not None:
            owner = self.owner.get(parent, parent)
            if self._is_step(owner):
                return owner
            parent = self.spans[parent].parent_id
        return None

    def _merge_duplicates(self) -> None:
        """Double instrumentation: a model call inside a model call (or a tool inside the same tool) is one
        call recorded twice; the inner copy fills what the outer one lacks and is not a step of its own."""
        for span in sorted(self.spans.values(), key=self._depth):
            mapped = self.mapped[span.span_id]
            if mapped is None or mapped.kind not in ("model", "tool"):
                continue
            ancestor = self._step_ancestor(span)
            if ancestor is None:
                continue
            outer = self.mapped[ancestor]
            assert outer is not None
            same_tool = mapped.kind == "tool" and (outer.name or self.spans[ancestor].name) == (
                mapped.name or span.name
            )
            if outer.kind == mapped.kind and (mapped.kind == "model" or same_tool):
                self.owner[span.span_id] = ancestor
                for name, value in mapped.fields.items():
                    outer.fields.setdefault(name, value)
                if mapped.error is not None and outer.error is None:
                    outer.error = mapped.error
                if span.status_code == STATUS_ERROR or any(e.name == EXCEPTION_EVENT for e in span.events):
                    self.failed = True

    def _depth(self, span: Span) -> int:
        depth = 0
        parent = span.parent_id
        while parent is not None:
            depth += 1
            parent = self.spans[parent].parent_id
        return depth

    # -- steps -------------------------------------------------------------------------------------
    def _step(self, span: Span) -> StepData:
        mapped = self.mapped[span.span_id]
        assert mapped is not None
        assert mapped.kind is not None
        attributes = {k: v for k, v in span.attributes.items() if k not in mapped.consumed}
        step: StepData = {"kind": mapped.kind, "id": span.span_id}
        parent = self._step_ancestor(span)
        if parent is not None:
            step["parent"] = parent
        name = mapped.name or span.name
        if mapped.kind == "tool" and not name:
            name = "unknown"
        if name:
            step["name"] = name
        timing = _timing(span)
        if timing:
            step["timing"] = timing
        error = _error(span, mapped, attributes)
        if error is not None:
            self.failed = True
            step["error"] = error
        elif mapped.kind == "error":
            step["error"] = {"message": span.status_message or span.name or "error"}
        step.update(mapped.fields)
        events = _extra_events(span, mapped)
        if events:
            attributes[EVENTS_ATTRIBUTE] = events
        if span.links:
            attributes[LINKS_ATTRIBUTE] = span.links
        if attributes:
            step["attributes"] = attributes
        return step

    def _error_steps(self, root: Span) -> None:
        """An error on a span that is not a step (the run, a chain) and that no step below it explains."""
        explained: set[str] = set()
        for step_id, step in self.steps.items():
            if step.get("error"):
                current: str | None = step_id
                while current is not None and current not in explained:
                    explained.add(current)
                    current = self.spans[current].parent_id
        for span in self.spans.values():
            if span.span_id in self.steps or span.span_id in self.owner or span.span_id in explained:
                continue
            error = _error(span, self.mapped.get(span.span_id), {})
            if error is None:
                continue
            self.failed = True
            error_step: StepData = {"kind": "error", "id": span.span_id}
            parent = self._step_ancestor(span)
            if parent is not None:
                error_step["parent"] = parent
            if span.name:
                error_step["name"] = span.name
            error_step["error"] = error or {"message": "error"}
            self.steps[span.span_id] = error_step
            self.derived_errors.add(span.span_id)

    def _key(self, span: Span) -> tuple[int, str]:
        return (span.start_ns if span.start_ns is not None else 0, span.span_id)

    def _order_key(self, step_id: str) -> tuple[int, str]:
        span = self.spans[step_id]
        if step_id in self.derived_errors:  # the error is known when the span ends
            moment = span.end_ns if span.end_ns is not None else span.start_ns
            return (moment if moment is not None else 2**63, step_id)
        return self._key(span)

    # -- trace level -------------------------------------------------------------------------------
    def _trace_attributes(self, root: Span, steps: list[StepData]) -> dict[str, Any]:
        attributes: dict[str, Any] = dict(root.resource)
        if root.scope_name:
            attributes[SCOPE_ATTRIBUTE] = root.scope_name
        if self.missing_parents:
            attributes[MISSING_PARENTS_ATTRIBUTE] = list(self.missing_parents)
        root_mapped = self.mapped[root.span_id]
        if root.span_id not in self.steps:
            consumed = root_mapped.consumed if root_mapped is not None else set()
            attributes.update({k: v for k, v in root.attributes.items() if k not in consumed})
        for span in sorted(self.spans.values(), key=self._key):
            for key, value in span.attributes.items():
                if is_trace_level(key) and key not in attributes:
                    attributes[key] = value
        if root.span_id not in self.steps:
            events = _extra_events(root, root_mapped)
            if events:
                attributes[EVENTS_ATTRIBUTE] = events
            if root.links:
                attributes[LINKS_ATTRIBUTE] = root.links
        others = [
            self._other_span(span, attributes)
            for span in sorted(self.spans.values(), key=self._key)
            if self._is_other(span, root)
        ]
        if others:
            attributes[OTHER_SPANS_ATTRIBUTE] = others
        other_logs = self.logs.other_for(self.trace.trace_id) if self.logs else []
        if other_logs:
            attributes[OTHER_LOGS_ATTRIBUTE] = other_logs
        for step in steps:
            step_attributes = step.get("attributes")
            if not step_attributes:
                continue
            for key in [k for k in step_attributes if is_trace_level(k)]:
                if attributes.get(key) == step_attributes[key]:
                    del step_attributes[key]
            if not step_attributes:
                del step["attributes"]
        return attributes

    def _is_other(self, span: Span, root: Span) -> bool:
        if span is root:
            return False
        return span.span_id not in self.steps or span.span_id in self.derived_errors

    def _other_span(self, span: Span, trace_attributes: dict[str, Any]) -> dict[str, Any]:
        """A span that is no step, as recorded: its place in the tree, timing, attributes and events
        (the trace-level attributes every span repeats are kept once, at trace level)."""
        data: dict[str, Any] = {"span_id": span.span_id, "name": span.name}
        if span.parent_id is not None:
            data["parent_span_id"] = span.parent_id
        if span.span_id in self.owner:  # a second recording of that step (double instrumentation)
            data["merged_into"] = self.owner[span.span_id]
        else:
            step = self._step_ancestor(span)
            if step is not None:
                data["step"] = step
        if span.scope_name:
            data["scope"] = span.scope_name
        timing = _timing(span)
        if timing:
            data["timing"] = timing
        if span.status_code:
            data["status"] = {"code": span.status_code}
            if span.status_message:
                data["status"]["message"] = span.status_message
        attributes = {
            k: v
            for k, v in span.attributes.items()
            if not (is_trace_level(k) and trace_attributes.get(k) == v)
        }
        if attributes:
            data["attributes"] = attributes
        events = [_event_data(e) for e in span.events if not e.from_log]
        if events:
            data["events"] = events
        if span.links:
            data["links"] = span.links
        return data

    def _name(self, root: Span) -> str | None:
        for key in ("langfuse.trace.name", "gen_ai.agent.name", "agent.name", "agent_name"):
            value = text(root.attributes.get(key))
            if value:
                return value
        return root.name or None

    def _input_output(self, result: ImportedTrace, root: Span, steps: list[StepData]) -> None:
        mapped = self.mapped[root.span_id]
        value_in = mapped.input if mapped is not None and not mapped.is_step else MISSING
        value_out = mapped.output if mapped is not None and not mapped.is_step else MISSING
        models = [s for s in steps if s["kind"] == "model"]
        if value_in is MISSING:  # fall back on the user's request as the first model call received it
            first = next((s for s in models if s.get("messages")), None)
            if first is not None:
                value_in = first_user_input(first["messages"])
        if value_out is MISSING and models:
            last = models[-1].get("response")
            if isinstance(last, dict) and isinstance(last.get("content"), str) and not last.get("tool_calls"):
                value_out = final_output(last)
        if value_in is not MISSING:
            result.input, result.has_input = value_in, True
        if value_out is not MISSING:
            result.output, result.has_output = value_out, True


def _link_tool_calls(steps: list[StepData]) -> None:
    """Give tool steps the call id of the request they executed, and recover what the tool span lacks."""
    calls: dict[str, dict[str, Any]] = {}
    tool_messages: dict[str, Any] = {}
    turn: list[dict[str, Any]] = []
    for step in steps:
        if step["kind"] == "model":
            for message in step.get("messages") or []:
                if message.get("role") == "tool" and isinstance(message.get("tool_call_id"), str):
                    tool_messages.setdefault(message["tool_call_id"], message.get("content"))
            response = step.get("response") or {}
            requested = response.get("tool_calls") or []
            if requested:
                turn = list(requested)
                for call in requested:
                    if isinstance(call.get("id"), str):
                        calls[call["id"]] = call
        elif step["kind"] == "tool":
            call_id = step.get("call_id")
            call = calls.get(call_id) if isinstance(call_id, str) else None
            if call is None and call_id is None:
                call = next((c for c in turn if c["function"]["name"] == step.get("name")), None)
                if call is not None and isinstance(call.get("id"), str):
                    step["call_id"] = call["id"]
            if call is not None:
                if call in turn:
                    turn.remove(call)
                _recover_arguments(step, call["function"]["arguments"])
    for step in steps:  # results from the tool messages of later model calls (legacy GenAI events)
        call_id = step.get("call_id")
        if (
            step["kind"] == "tool"
            and "result" not in step
            and not step.get("error")
            and call_id in tool_messages
        ):
            content = tool_messages[call_id]
            if content is not None:
                step["result"] = json_or_text(content)


def _recover_arguments(step: StepData, arguments: str) -> None:
    if "arguments" in step:
        return
    recovered = tool_arguments(arguments)
    if "arguments" in recovered:
        step["arguments"] = recovered["arguments"]
    elif "arguments_text" not in step and recovered:
        step.update(recovered)


def build_trace(
    trace: TraceSpans, options: ImportOptions, logs: LogIndex | None = None
) -> ImportedTrace | TraceProblem:
    """Convert one trace; a :class:`TraceProblem` when its spans cannot form a run."""
    return _TraceBuilder(trace, options, logs).build()
