"""LangSmith runs: the run JSON of LangSmith's API, its exports, ``RunTree`` dumps and the client's ingest.

Accepted shapes (a file may also be JSON Lines, one of these per line):

- a list of runs (``{"id", "trace_id", "parent_run_id", "dotted_order", "run_type", ...}``), or
  ``{"runs": [...]}`` as the list endpoint returns it;
- one run with nested ``child_runs`` (a ``RunTree`` dumped at the end of a run), or a list of them;
- the client's ingest traffic: multipart parts named ``post.<id>``, ``post.<id>.inputs``, ...,
  ``patch.<id>...`` (as captured requests ``[{"method", "path", "decoded": {"parts": [...]}}]`` or as a
  bare list of parts), and the batch body ``{"post": [...], "patch": [...]}``. Post and patch are merged by
  run id, the patch winning, as the server does.

Runs are grouped by ``trace_id`` and ordered by ``dotted_order`` (execution order). The root run, when it is
a chain, is a container: its inputs become the fixture's ``input`` and its outputs the ``output``. ``llm``
runs become model steps (OpenAI request/ChatCompletion bodies from ``wrap_openai`` and LangChain's
serialized messages alike), ``tool`` runs tool steps, ``retriever`` runs retrieval steps; other runs
(nested chains, prompts, parsers) become steps only when a mapping rule names them. Every field not mapped
is kept in the step's ``attributes`` under ``langsmith.*``.
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
    error_from_text,
    is_lc_serialized,
    iter_json_documents,
    link_tool_calls,
    normalize_message,
    normalize_messages,
    order_steps,
    rule_step,
    timing,
    tool_arguments,
    usage_from,
    user_input,
)
from ._passes import ends_at
from ._shape import COUNT, LIST, OBJECT, STRING, TIMESTAMP, USAGE, Field, ShapeError, check, check_value
from .base import MISSING_PARENTS_ATTRIBUTE, ImportedTrace, ImportOptions, StepData, TraceProblem

_RUN_KEYS = ("run_type", "dotted_order")
_MAPPED_METADATA = {"ls_model_name", "ls_provider", "usage_metadata"}
_STEP_RUN_TYPES = {"llm", "tool", "retriever"}


class LangSmithImporter:
    """Reads LangSmith run JSON (list, run tree or ingest parts); see the module docstring."""

    name: ClassVar[str] = "langsmith"

    def sniff(self, head: bytes, path: Path) -> bool:
        if b'"run_type"' in head or b'"dotted_order"' in head:
            return True
        return b"/runs/multipart" in head or b"/runs/batch" in head

    def iter_traces(self, path: Path, options: ImportOptions) -> Iterator[ImportedTrace | TraceProblem]:
        try:
            yield from _stream_traces(path, options)
        except ExportError as exc:
            yield TraceProblem(str(exc), where=exc.where)


class _RunError(ValueError):
    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.where = where


# ------------------------------------------------------------------------------------------ the fields
_TIMESTAMP_OR_NULL = TIMESTAMP
_EXTRA_FIELDS = {
    "metadata": Field(
        (dict,),
        "an object or null",
        fields={"usage_metadata": USAGE, "ls_model_name": STRING, "ls_provider": STRING},
    ),
    "invocation_params": Field(
        (dict,), "an object or null", fields={"model": STRING, "model_name": STRING, "tools": LIST}
    ),
    "tool_call_id": STRING,
}
_COST = Field((int, float, str), "a number, a decimal string or null")
#: Every run field the importer reads, and what it may hold; ``null`` is always fine (nothing recorded).
RUN_FIELDS: dict[str, Field] = {
    "id": Field((str,), "a string"),
    "trace_id": STRING,
    "parent_run_id": STRING,
    "dotted_order": STRING,
    "run_type": STRING,
    "name": STRING,
    "start_time": _TIMESTAMP_OR_NULL,
    "end_time": _TIMESTAMP_OR_NULL,
    "error": STRING,
    "inputs": OBJECT,
    "outputs": OBJECT,
    "extra": Field((dict,), "an object or null", fields=_EXTRA_FIELDS),
    "tags": LIST,
    "events": LIST,
    "child_runs": Field((list,), "a list of runs or null", items=Field((dict,), "a run (an object)")),
    "session_name": STRING,
    "session_id": STRING,
    "reference_example_id": STRING,
    "status": STRING,
    "total_cost": _COST,
    "prompt_cost": _COST,
    "completion_cost": _COST,
    "prompt_tokens": COUNT,
    "completion_tokens": COUNT,
    "total_tokens": COUNT,
}


# ------------------------------------------------------------------------------------------ collecting
def _stream_traces(path: Path, options: ImportOptions) -> Iterator[ImportedTrace | TraceProblem]:
    """Two passes over the file's units, so that a trace is built as soon as its last run has been read.

    Pass 1 notes, for every run, its trace and the last unit (list element, line) that holds a run of
    that trace; pass 2 collects the runs and builds each trace after its last unit, then drops it. Memory
    is bounded by the traces still open, not by the file (the run ids and their trace ids are kept).
    """
    run_trace: dict[str, str] = {}
    parents: dict[str, str | None] = {}
    unknown: list[tuple[int, str]] = []
    last: dict[str, int] = {}
    for index, (where, document) in enumerate(iter_json_documents(path, ("runs",))):
        for _, run, _ in _runs_in(document, where, strict=False):
            run_id, trace_id = run.get("id"), run.get("trace_id")
            if not isinstance(run_id, str) or not run_id:
                continue
            if isinstance(trace_id, str) and trace_id:
                run_trace.setdefault(run_id, trace_id)
                last[trace_id] = index
            else:
                parent = run.get("parent_run_id")
                parents.setdefault(run_id, parent if isinstance(parent, str) else None)
                unknown.append((index, run_id))
    for index, run_id in unknown:  # a run without trace_id belongs to its nearest ancestor's trace
        trace_id = run_trace.get(run_id)
        current, seen = run_id, {run_id}
        while trace_id is None and parents.get(current) is not None:
            current = parents[current]  # type: ignore[assignment]
            if current in seen:
                break
            seen.add(current)
            trace_id = run_trace.get(current)
        trace_id = trace_id or current
        run_trace[run_id] = trace_id
        last[trace_id] = max(last.get(trace_id, index), index)
    del parents, unknown
    ends = ends_at(last)
    del last

    open_traces: dict[str, dict[str, dict[str, Any]]] = {}
    places: dict[str, str] = {}
    broken: dict[str, TraceProblem] = {}
    found = False
    for index, (where, document) in enumerate(iter_json_documents(path, ("runs",), check_depth=False)):
        try:
            for place, run, merge in _runs_in(document, where, strict=True):
                found = True
                run_id = run.get("id")
                if not isinstance(run_id, str) or not run_id:
                    yield TraceProblem("run has no `id`", where=place)
                    continue
                trace_id = run_trace.get(run_id, run_id)
                runs = open_traces.setdefault(trace_id, {})
                if run_id in runs:
                    if not merge:
                        yield TraceProblem(f"duplicate run id {run_id}", trace_id=trace_id, where=place)
                        continue
                    runs[run_id].update(
                        {k: v for k, v in run.items() if v is not None or k not in runs[run_id]}
                    )
                else:
                    runs[run_id] = dict(run)
                    places[run_id] = place
        except ShapeError as exc:
            found = True
            ids = {
                run_trace.get(run["id"], run["id"])
                for _, run, _ in _runs_in(document, where, strict=False)
                if isinstance(run.get("id"), str) and run["id"]
            }
            for trace_id in sorted(ids):
                broken.setdefault(trace_id, TraceProblem(str(exc), trace_id=trace_id, where=exc.where))
            if not ids:
                yield TraceProblem(str(exc), where=exc.where)
        for trace_id in ends.pop(index, ()):
            yield from _finish(trace_id, open_traces, places, broken, options)
    for trace_id in sorted({*open_traces, *broken}):
        yield from _finish(trace_id, open_traces, places, broken, options)
    if not found:
        yield TraceProblem(
            "no LangSmith runs found (expected a list of runs with `run_type`, a run with "
            "`child_runs`, or ingest parts `post.<id>`)"
        )


def _finish(
    trace_id: str,
    open_traces: dict[str, dict[str, dict[str, Any]]],
    places: dict[str, str],
    broken: dict[str, TraceProblem],
    options: ImportOptions,
) -> Iterator[ImportedTrace | TraceProblem]:
    runs = open_traces.pop(trace_id, {})
    wheres = {run_id: places.pop(run_id, "$") for run_id in runs}
    problem = broken.pop(trace_id, None)
    if problem is not None:
        yield problem
        return
    if not runs:
        return
    try:
        yield _build_trace(trace_id, list(runs.values()), options, wheres)
    except _RunError as exc:
        yield TraceProblem(str(exc), trace_id=trace_id, where=exc.where)
    except ShapeError as exc:
        yield TraceProblem(str(exc), trace_id=trace_id, where=exc.where)


def _runs_in(document: Any, where: str, *, strict: bool) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """``(place, run, merge)`` for every run in one document, whatever its shape.

    ``strict`` checks every field the importer reads (:data:`RUN_FIELDS`) and raises :class:`ShapeError`;
    without it, malformed parts are passed over (the first pass only looks for ids).
    """
    if isinstance(document, list):
        if document and all(_is_part(item) for item in document):
            yield from _runs_from_parts(document, where, strict=strict)
            return
        for index, item in enumerate(document):
            yield from _runs_in(item, f"{where}[{index}]", strict=strict)
        return
    if not isinstance(document, dict):
        return
    decoded = document.get("decoded")
    if isinstance(decoded, dict):  # a captured request
        parts = decoded.get("parts")
        if isinstance(parts, list):
            yield from _runs_from_parts(parts, f"{where}.decoded.parts", strict=strict)
        for key in ("value", "json"):
            if isinstance(decoded.get(key), dict):
                yield from _runs_in(decoded[key], f"{where}.decoded.{key}", strict=strict)
                break
        return
    if isinstance(document.get("runs"), list):
        yield from _runs_in(document["runs"], f"{where}.runs", strict=strict)
        return
    if _is_part(document) and "run_type" not in document:  # one part of a streamed list of parts
        yield from _runs_from_parts([document], where, strict=strict, indexed=False)
        return
    if ("post" in document or "patch" in document) and "run_type" not in document:
        for key in ("post", "patch"):
            batch = document.get(key)
            if strict:
                check_value(batch, Field((list,), "a list of runs or null"), f"{where}.{key}")
            for index, run in enumerate(batch if isinstance(batch, list) else []):
                place = f"{where}.{key}[{index}]"
                if strict:
                    check_value(run, Field((dict,), "a run (an object)"), place)
                    check(run, RUN_FIELDS, place)
                if isinstance(run, dict):
                    yield place, run, True
        return
    if "run_type" in document or "dotted_order" in document or "child_runs" in document:
        yield from _flatten_tree(document, where, strict=strict)


def _flatten_tree(
    run: dict[str, Any], where: str, *, strict: bool
) -> Iterator[tuple[str, dict[str, Any], bool]]:
    if strict:
        check(run, RUN_FIELDS, where)
    children = run.get("child_runs")
    flat = {k: v for k, v in run.items() if k != "child_runs"}
    yield where, flat, False
    for index, child in enumerate(children if isinstance(children, list) else []):
        if isinstance(child, dict):
            if child.get("parent_run_id") is None and flat.get("id"):
                child = {**child, "parent_run_id": flat["id"]}
            yield from _flatten_tree(child, f"{where}.child_runs[{index}]", strict=strict)


def _is_part(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("name"), str) and "value" in item


def _runs_from_parts(
    parts: list[Any], where: str, *, strict: bool, indexed: bool = True
) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """Reassemble runs from multipart parts: ``post.<id>`` is the run, ``post.<id>.<field>`` one field."""
    runs: dict[tuple[str, str], dict[str, Any]] = {}
    places: dict[tuple[str, str], str] = {}
    for index, part in enumerate(parts):
        if not _is_part(part):
            continue
        event, _, rest = str(part["name"]).partition(".")
        if event not in ("post", "patch") or not rest:
            continue  # attachments and feedback are not runs
        run_id, _, name = rest.partition(".")
        key = (event, run_id)
        place = f"{where}[{index}]" if indexed else where
        if key not in runs:
            runs[key] = {"id": run_id}
            places[key] = place
        if name:
            if strict and name in RUN_FIELDS:
                check_value(part["value"], RUN_FIELDS[name], f"{place}.value")
            runs[key][name] = part["value"]
        else:
            if strict:
                check_value(part["value"], Field((dict,), "a run (an object)"), f"{place}.value")
                check(part["value"], RUN_FIELDS, f"{place}.value")
            if isinstance(part["value"], dict):
                runs[key].update(part["value"])
    for key, run in runs.items():
        yield places[key], run, True


def _order_key(run: Mapping[str, Any]) -> str:
    dotted = run.get("dotted_order")
    if isinstance(dotted, str) and dotted:
        return dotted
    return f"{run.get('start_time') or ''}{run.get('id')}"


# ------------------------------------------------------------------------------------------ converting
def _build_trace(
    trace_id: str, runs: list[dict[str, Any]], options: ImportOptions, wheres: Mapping[str, str]
) -> ImportedTrace:
    by_id = {run["id"]: run for run in runs}
    missing_parents = detach_missing_parents(by_id, "parent_run_id")
    for run in runs:  # cycles
        seen = {run["id"]}
        current = run
        while current.get("parent_run_id") is not None:
            parent_id = current["parent_run_id"]
            if parent_id in seen:
                raise _RunError(
                    "runs form a cycle through parent_run_id", f"trace {trace_id}, run {run['id']}"
                )
            seen.add(parent_id)
            current = by_id[parent_id]
    roots = sorted((run for run in runs if run.get("parent_run_id") is None), key=_order_key)
    if not roots:
        raise _RunError("no root run", f"trace {trace_id}")
    root = roots[0]
    root_meta = _metadata(root)
    root_tags = root.get("tags")
    root_runtime = as_dict(root.get("extra")).get("runtime")

    containers: set[str] = set()
    steps: list[tuple[str, StepData]] = []
    is_step: dict[str, bool] = {}
    for run in sorted(runs, key=_order_key):
        step = _run_step(
            run,
            root_meta,
            root_tags,
            root_runtime,
            options,
            is_root=run is root,
            where=wheres.get(run["id"], "$"),
        )
        is_step[run["id"]] = step is not None
        if step is None:
            containers.add(run["id"])
            continue
        steps.append((_order_key(run), step))
    for _, step in steps:
        step["parent"] = _nearest_step(by_id[step["id"]], by_id, is_step)
        if step["parent"] is None:
            del step["parent"]
    ordered = order_steps(steps)
    # a container that failed: its error is its own step unless a step inside it already carries one
    for run_id in sorted(containers, key=lambda r: _order_key(by_id[r])):
        run = by_id[run_id]
        if not run.get("error") or _has_failed_descendant(run_id, by_id, ordered):
            continue
        error_step: StepData = {"kind": "error", "id": f"{run_id}.error", "name": run.get("name")}
        parent = _nearest_step(run, by_id, is_step)
        if parent is not None:
            error_step["parent"] = parent
        end = timing(run.get("end_time") or run.get("start_time"), None)
        if end:
            error_step["timing"] = end
        error_step["error"] = error_from_text(str(run["error"]))
        error_step["attributes"] = {"langsmith.error": run["error"]}
        ordered.append(error_step)
    link_tool_calls(ordered)

    trace = ImportedTrace(trace_id=trace_id, format="langsmith", steps=ordered, name=_str(root.get("name")))
    trace.failed = any(run.get("error") for run in runs)
    trace.attributes = _trace_attributes(root)
    if missing_parents:
        trace.attributes[MISSING_PARENTS_ATTRIBUTE] = missing_parents
    inputs = root.get("inputs")
    if root["id"] in containers:
        if isinstance(inputs, dict):
            trace.input, trace.has_input = _root_input(inputs), True
        outputs = root.get("outputs")
        if isinstance(outputs, dict) and not (root.get("error") and outputs in ({}, {"output": None})):
            trace.output, trace.has_output = _unwrap_output(outputs), True
    else:  # a single traced call: the step is the whole run
        if isinstance(inputs, dict):
            trace.input, trace.has_input = _root_input(inputs), True
        if isinstance(root.get("outputs"), dict) and not root.get("error"):
            trace.output, trace.has_output = _unwrap_output(root["outputs"]), True
    return trace


def _has_failed_descendant(
    run_id: str, by_id: Mapping[str, Mapping[str, Any]], steps: list[StepData]
) -> bool:
    for step in steps:
        if "error" not in step:
            continue
        current = by_id.get(step["id"])
        while current is not None and current.get("parent_run_id") is not None:
            if current["parent_run_id"] == run_id:
                return True
            current = by_id.get(current["parent_run_id"])
    return False


def _nearest_step(
    run: Mapping[str, Any], by_id: Mapping[str, Mapping[str, Any]], is_step: Mapping[str, bool]
) -> str | None:
    parent = run.get("parent_run_id")
    while parent is not None:
        if is_step.get(parent):
            return str(parent)
        parent = by_id[parent].get("parent_run_id")
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _metadata(run: Mapping[str, Any]) -> dict[str, Any]:
    extra = run.get("extra")
    metadata = extra.get("metadata") if isinstance(extra, dict) else None
    return dict(metadata) if isinstance(metadata, dict) else {}


def _trace_attributes(root: Mapping[str, Any]) -> dict[str, Any]:
    extra = as_dict(root.get("extra"))
    attributes: dict[str, Any] = {}
    if _metadata(root):
        attributes["metadata"] = _metadata(root)
    for key in ("tags", "session_name", "session_id", "reference_example_id"):
        if root.get(key) not in (None, [], ""):
            attributes[key] = root[key]
    if extra.get("runtime"):
        attributes["runtime"] = extra["runtime"]
    if root.get("error"):
        attributes["error"] = error_from_text(str(root["error"]))
    return attributes


def _root_input(inputs: dict[str, Any]) -> Any:
    """The user's request: the text when the run took one text argument, the messages of a chat."""
    if len(inputs) == 1:
        (value,) = inputs.values()
        if isinstance(value, str):
            return value
    messages = inputs.get("messages")
    if isinstance(messages, list) and len(inputs) == 1:
        if len(messages) == 1 and isinstance(messages[0], list):
            messages = messages[0]
        normalized = normalize_messages(messages)
        if normalized is not None:
            return user_input(normalized)
    return inputs


def _unwrap_output(outputs: dict[str, Any]) -> Any:
    """LangSmith wraps a value that is not a dict as ``{"output": value}``; unwrap it."""
    if set(outputs) == {"output"}:
        value = outputs["output"]
        if is_lc_serialized(value):
            message = normalize_message(value)
            return message if message is not None else value
        return value
    return outputs


def _run_step(
    run: dict[str, Any],
    root_meta: Mapping[str, Any],
    root_tags: Any,
    root_runtime: Any,
    options: ImportOptions,
    *,
    is_root: bool,
    where: str,
) -> StepData | None:
    run_type = run.get("run_type")
    name = _str(run.get("name"))
    metadata = _metadata(run)
    base: StepData = {"kind": "", "id": run["id"]}
    if name:
        base["name"] = name
    span_timing = timing(run.get("start_time"), run.get("end_time"))
    if span_timing:
        base["timing"] = span_timing
    if run.get("error"):
        base["error"] = error_from_text(str(run["error"]))

    attributes: dict[str, Any] = {"langsmith.run_type": run_type}
    extra = as_dict(run.get("extra"))
    step_meta = {k: v for k, v in metadata.items() if not (k in root_meta and root_meta[k] == v)}
    for key in sorted(set(extra) - {"metadata", "runtime", "invocation_params", "tool_call_id"}):
        attributes[f"langsmith.extra.{key}"] = extra[key]
    if extra.get("runtime") and extra.get("runtime") != root_runtime:
        attributes["langsmith.extra.runtime"] = extra["runtime"]
    if run.get("tags") not in (None, [], root_tags):
        attributes["langsmith.tags"] = run["tags"]
    if run.get("events"):
        attributes["langsmith.events"] = run["events"]
    if run.get("serialized"):
        attributes["langsmith.serialized"] = run["serialized"]
    if run.get("error"):
        attributes["langsmith.error"] = run["error"]
    for key in (
        "reference_example_id",
        "session_id",
        "status",
        "total_cost",
        "prompt_cost",
        "completion_cost",
    ):
        if run.get(key) is not None and not (is_root and key == "session_id"):
            attributes[f"langsmith.{key}"] = run[key]

    inputs: Any = run["inputs"] if isinstance(run.get("inputs"), dict) else MISSING
    outputs: Any = run["outputs"] if isinstance(run.get("outputs"), dict) else MISSING

    if run_type == "llm":
        step = _model_step(base, run, inputs, outputs, metadata, extra, attributes, where)
        step_meta = {k: v for k, v in step_meta.items() if k not in _MAPPED_METADATA}
    elif run_type == "tool":
        step = _tool_step(base, inputs, outputs, extra, attributes, failed="error" in base)
    elif run_type == "retriever":
        step = dict(base, kind="retrieval")
        if inputs is not MISSING:
            step["query"] = inputs.get("query", inputs)
        if outputs is not MISSING:
            documents = outputs.get("documents")
            if isinstance(documents, list):
                step["documents"] = documents
            rest = {k: v for k, v in outputs.items() if k != "documents"}
            if rest:
                attributes["langsmith.outputs"] = rest
    else:
        kind = options.kind_for(name, {**metadata, "run_type": run_type})
        if kind is None or (is_root and kind not in ("model", "tool")):
            return None
        step = rule_step(kind, base, inputs, _unwrap_output(outputs) if outputs is not MISSING else MISSING)
    if step_meta:
        attributes["langsmith.metadata"] = step_meta
    attributes = {k: v for k, v in attributes.items() if v is not None}
    if attributes:
        step["attributes"] = {**attributes, **(step.get("attributes") or {})}
    return step


def _model_step(
    base: StepData,
    run: Mapping[str, Any],
    inputs: Any,
    outputs: Any,
    metadata: Mapping[str, Any],
    extra: Mapping[str, Any],
    attributes: dict[str, Any],
    where: str,
) -> StepData:
    step: StepData = dict(base, kind="model")
    rest_in: dict[str, Any] = dict(inputs) if inputs is not MISSING else {}
    rest_out: dict[str, Any] = dict(outputs) if outputs is not MISSING else {}
    invocation = as_dict(extra.get("invocation_params"))

    response: dict[str, Any] | None = None
    finish_reason: Any = None
    model: Any = None
    usage: dict[str, int] | None = None
    # OpenAI ChatCompletion body (wrap_openai)
    choices = rest_out.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        response = normalize_message(choices[0].get("message"))
        finish_reason = choices[0].get("finish_reason")
        if response is not None:
            rest_out.pop("choices")
            if len(choices) > 1:
                attributes["langsmith.outputs.choices"] = choices[1:]
        model = rest_out.pop("model", None)
        usage = usage_from(rest_out.pop("usage_metadata", None), f"{where}.outputs.usage_metadata")
        usage = usage or usage_from(rest_out.get("usage"), f"{where}.outputs.usage")
        if usage_from(rest_out.get("usage")):
            rest_out.pop("usage")
    # LangChain LLMResult
    generations = rest_out.get("generations")
    if response is None and isinstance(generations, list) and generations:
        first = generations[0][0] if isinstance(generations[0], list) and generations[0] else generations[0]
        if isinstance(first, dict):
            message = first.get("message")
            response = normalize_message(message)
            if response is None and isinstance(first.get("text"), str):
                response = {"role": "assistant", "content": first["text"]}
            info = first.get("generation_info")
            if isinstance(info, dict):
                finish_reason = info.get("finish_reason")
            if is_lc_serialized(message):
                kwargs = as_dict(as_dict(message).get("kwargs"))
                usage = usage_from(
                    kwargs.get("usage_metadata"),
                    f"{where}.outputs.generations[0].message.kwargs.usage_metadata",
                )
                response_meta = kwargs.get("response_metadata")
                if isinstance(response_meta, dict):
                    model = response_meta.get("model_name") or response_meta.get("model")
                    finish_reason = finish_reason or response_meta.get("finish_reason")
            if response is not None:
                rest_out.pop("generations")
                attributes["langsmith.outputs.generations"] = generations
        llm_output = rest_out.get("llm_output")
        if isinstance(llm_output, dict):
            model = model or llm_output.get("model_name")
            usage = usage or usage_from(
                llm_output.get("token_usage"), f"{where}.outputs.llm_output.token_usage"
            )
    if response is None and rest_out.get("role") is not None:
        response = normalize_message(rest_out)
        if response is not None:
            rest_out = {}

    usage = usage_from(metadata.get("usage_metadata"), f"{where}.extra.metadata.usage_metadata") or usage
    if usage is None:
        usage = usage_from({k: run.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")})
    model = model or metadata.get("ls_model_name") or invocation.get("model") or invocation.get("model_name")
    model = model or rest_in.get("model")
    if isinstance(model, str):
        step["model"] = model
    if isinstance(metadata.get("ls_provider"), str):
        step["provider"] = metadata["ls_provider"]

    messages = rest_in.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], list) and len(messages) == 1:
        messages = messages[0]
    normalized = normalize_messages(messages)
    if normalized is not None:
        step["messages"] = normalized
        rest_in.pop("messages")
    tools = rest_in.get("tools", invocation.get("tools"))
    if isinstance(tools, list) and all(_is_tool_def(tool) for tool in tools):
        step["tools"] = [_tool_def(tool) for tool in tools]
        rest_in.pop("tools", None)
    parameters = {
        k: v
        for k, v in rest_in.items()
        if k not in ("model",) and isinstance(v, (int, float, str, bool, type(None)))
    }
    if parameters:
        step["parameters"] = parameters
        for key in parameters:
            rest_in.pop(key)
    if isinstance(rest_in.get("model"), str) and rest_in["model"] != step.get("model"):
        attributes["langsmith.inputs.model"] = rest_in["model"]
    rest_in.pop("model", None)
    if response is not None:
        step["response"] = response
    if isinstance(finish_reason, str):
        step["finish_reason"] = finish_reason
    if usage:
        step["usage"] = usage
    cost = run.get("total_cost")
    if isinstance(cost, (int, float)) and not isinstance(cost, bool) and cost >= 0:
        step["cost"] = {"amount": float(cost), "currency": "USD", "estimated": False}
    if rest_in:
        attributes["langsmith.inputs"] = rest_in
    if rest_out:
        attributes["langsmith.outputs"] = rest_out
    if invocation:
        attributes["langsmith.extra.invocation_params"] = invocation
    return step


def _is_tool_def(tool: Any) -> bool:
    if not isinstance(tool, dict):
        return False
    function = tool.get("function")
    return isinstance(function, dict) and isinstance(function.get("name"), str)


def _tool_def(tool: dict[str, Any]) -> dict[str, Any]:
    function = tool["function"]
    definition: dict[str, Any] = {"name": function["name"]}
    for key in ("description", "parameters", "strict"):
        if function.get(key) is not None:
            definition[key] = function[key]
    return {"type": "function", "function": definition}


def _tool_step(
    base: StepData,
    inputs: Any,
    outputs: Any,
    extra: Mapping[str, Any],
    attributes: dict[str, Any],
    *,
    failed: bool,
) -> StepData:
    step: StepData = dict(base, kind="tool")
    step.setdefault("name", "tool")
    if isinstance(extra.get("tool_call_id"), str):
        step["call_id"] = extra["tool_call_id"]
    if inputs is not MISSING:
        arguments: Any = inputs
        if set(inputs) == {"input"} and isinstance(inputs["input"], str):
            step.update(
                tool_arguments(inputs["input"])
                if inputs["input"].lstrip().startswith("{")
                else {"arguments": inputs}
            )
        else:
            step.update(tool_arguments(arguments))
    if outputs is not MISSING:
        result: Any = _unwrap_output(outputs)
        if (
            isinstance(result, dict)
            and result.get("role") == "tool"
            and is_lc_serialized(outputs.get("output"))
        ):
            kwargs = outputs["output"].get("kwargs") or {}
            if isinstance(kwargs.get("tool_call_id"), str):
                step.setdefault("call_id", kwargs["tool_call_id"])
            if kwargs.get("status") not in (None, "success"):
                attributes["langsmith.tool_status"] = kwargs["status"]
            if kwargs.get("artifact") is not None:
                attributes["langsmith.artifact"] = kwargs["artifact"]
            result = result.get("content")
        if not (failed and result is None):
            step["result"] = result
    elif is_lc_serialized(outputs):
        attributes["langsmith.outputs"] = outputs
    return step
