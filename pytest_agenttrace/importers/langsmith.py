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
            runs, problems = _collect_runs(path)
        except ExportError as exc:
            yield TraceProblem(str(exc), where=exc.where)
            return
        yield from problems
        if not runs and not problems:
            yield TraceProblem(
                "no LangSmith runs found (expected a list of runs with `run_type`, a run with "
                "`child_runs`, or ingest parts `post.<id>`)"
            )
            return
        traces: dict[str, list[dict[str, Any]]] = {}
        for run in runs.values():
            traces.setdefault(_trace_id(run, runs), []).append(run)
        for trace_id in sorted(traces, key=lambda t: min(_order_key(r) for r in traces[t])):
            try:
                yield _build_trace(trace_id, traces[trace_id], options)
            except _RunError as exc:
                yield TraceProblem(str(exc), trace_id=trace_id, where=exc.where)


class _RunError(ValueError):
    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.where = where


# ------------------------------------------------------------------------------------------ collecting
def _collect_runs(path: Path) -> tuple[dict[str, dict[str, Any]], list[TraceProblem]]:
    runs: dict[str, dict[str, Any]] = {}
    problems: list[TraceProblem] = []
    for where, document in iter_json_documents(path):
        for place, run, merge in _runs_in(document, where or "(top level)"):
            run_id = run.get("id")
            if not isinstance(run_id, str) or not run_id:
                problems.append(TraceProblem("run has no `id`", where=place))
                continue
            if run_id in runs:
                if not merge:
                    problems.append(TraceProblem(f"duplicate run id {run_id}", where=place))
                    continue
                runs[run_id].update({k: v for k, v in run.items() if v is not None or k not in runs[run_id]})
            else:
                runs[run_id] = dict(run)
    return runs, problems


def _runs_in(document: Any, where: str) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """``(place, run, merge)`` for every run in one document, whatever its shape."""
    if isinstance(document, list):
        if document and all(_is_part(item) for item in document):
            yield from _runs_from_parts(document, where)
            return
        for index, item in enumerate(document):
            yield from _runs_in(item, f"{where}[{index}]" if where != "(top level)" else f"[{index}]")
        return
    if not isinstance(document, dict):
        return
    decoded = document.get("decoded")
    if isinstance(decoded, dict):  # a captured request
        parts = decoded.get("parts")
        if isinstance(parts, list):
            yield from _runs_from_parts(parts, where)
        body = decoded.get("value", decoded.get("json"))
        if isinstance(body, dict):
            yield from _runs_in(body, where)
        return
    if isinstance(document.get("runs"), list):
        yield from _runs_in(document["runs"], f"{where}.runs")
        return
    if ("post" in document or "patch" in document) and "run_type" not in document:
        for key in ("post", "patch"):
            for index, run in enumerate(document.get(key) or []):
                if isinstance(run, dict):
                    yield f"{where}.{key}[{index}]", run, True
        return
    if "run_type" in document or "dotted_order" in document or "child_runs" in document:
        yield from _flatten_tree(document, where)


def _flatten_tree(run: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any], bool]]:
    children = run.get("child_runs") or []
    flat = {k: v for k, v in run.items() if k != "child_runs"}
    yield where, flat, False
    for index, child in enumerate(children):
        if isinstance(child, dict):
            if child.get("parent_run_id") is None and flat.get("id"):
                child = {**child, "parent_run_id": flat["id"]}
            yield from _flatten_tree(child, f"{where}.child_runs[{index}]")


def _is_part(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("name"), str) and "value" in item


def _runs_from_parts(parts: list[Any], where: str) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """Reassemble runs from multipart parts: ``post.<id>`` is the run, ``post.<id>.<field>`` one field."""
    runs: dict[tuple[str, str], dict[str, Any]] = {}
    order: list[tuple[str, str]] = []
    for part in parts:
        if not _is_part(part):
            continue
        event, _, rest = str(part["name"]).partition(".")
        if event not in ("post", "patch") or not rest:
            continue  # attachments and feedback are not runs
        run_id, _, field = rest.partition(".")
        key = (event, run_id)
        if key not in runs:
            runs[key] = {"id": run_id}
            order.append(key)
        if field:
            runs[key][field] = part["value"]
        elif isinstance(part["value"], dict):
            runs[key].update(part["value"])
    for event, run_id in order:
        yield f"{where}: {event}.{run_id}", runs[(event, run_id)], True


def _trace_id(run: Mapping[str, Any], runs: Mapping[str, Mapping[str, Any]]) -> str:
    trace_id = run.get("trace_id")
    if isinstance(trace_id, str) and trace_id:
        return trace_id
    seen: set[str] = set()
    current = run
    while isinstance(current.get("parent_run_id"), str) and current["parent_run_id"] in runs:
        if current["parent_run_id"] in seen:
            break
        seen.add(current["parent_run_id"])
        current = runs[current["parent_run_id"]]
    return str(current.get("id"))


def _order_key(run: Mapping[str, Any]) -> str:
    dotted = run.get("dotted_order")
    if isinstance(dotted, str) and dotted:
        return dotted
    return f"{run.get('start_time') or ''}{run.get('id')}"


# ------------------------------------------------------------------------------------------ converting
def _build_trace(trace_id: str, runs: list[dict[str, Any]], options: ImportOptions) -> ImportedTrace:
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
        step = _run_step(run, root_meta, root_tags, root_runtime, options, is_root=run is root)
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
        step = _model_step(base, run, inputs, outputs, metadata, extra, attributes)
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
        usage = usage_from(rest_out.pop("usage_metadata", None)) or usage_from(rest_out.get("usage"))
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
                usage = usage_from(kwargs.get("usage_metadata"))
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
            usage = usage or usage_from(llm_output.get("token_usage"))
    if response is None and rest_out.get("role") is not None:
        response = normalize_message(rest_out)
        if response is not None:
            rest_out = {}

    usage = usage_from(metadata.get("usage_metadata")) or usage
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
