"""Policy approvals: an organisation's rules about tools, checked on every fixture.

A policy names a tool and, with ``when`` (a JSON Schema on the call's arguments), the calls it governs.
It can ``forbid`` them, ``require`` an earlier step (a tool such as ``request_approval``, or any approval
step) whose result satisfies a JSON Schema and that shares named arguments with the call (``same``: the
approval must be for *this* order), or require a step ``then``, after the call (an audit log entry).

Conditions are checked on the arguments as recorded and, when that does not match, on the arguments with
JSON text decoded (a model that wrote ``{"payload": "{\\"amount\\": 5000}"}``), so a rule cannot be dodged
by how the arguments happened to be encoded. A violation names the policy, the call (step and
arguments) and what was missing: no approval at all, a denied one, or one for another order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError
from ..model import ApprovalStep, Policy, RequiredCall, Step, ToolStep
from ..replay.run import ActualRun
from ..store.load import model_errors
from ._failure import CheckFailure
from ._schema import SchemaProblem, compiled
from ._values import MISSING, arguments_of, decode_json_text, get_path, short

__all__ = ["check_policies", "load_policies", "parse_policies"]


def parse_policies(data: Any, *, path: str = "<policies>") -> list[Policy]:
    """Policies from a parsed ``{"policies": [...]}`` document; ``InputError`` names the JSON path."""
    if not isinstance(data, dict) or "policies" not in data:
        raise InputError('expected an object {"policies": [...]}', path=path, where="(top level)")
    unknown = sorted(set(data) - {"policies", "$schema", "description"})
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r}", path=path, where=unknown[0])
    items = data["policies"]
    if not isinstance(items, list):
        raise InputError(f"expected a list, got {type(items).__name__}", path=path, where="policies")
    policies: list[Policy] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        try:
            policy = Policy.model_validate(item)
        except ValidationError as exc:
            # the store's rendering: the path in the file, without pydantic's class and branch names
            problems = model_errors(exc, item, at=("policies", index))
            where, message = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise InputError(message + more, path=path, where=where) from None
        if policy.id in seen:
            raise InputError(
                f"duplicate policy id {policy.id!r} (also policies[{seen[policy.id]}])",
                path=path,
                where=f"policies[{index}].id",
            )
        seen[policy.id] = index
        for field, schema in _schemas_of(policy):
            try:
                compiled(schema)
            except SchemaProblem as exc:
                raise InputError(str(exc), path=path, where=f"policies[{index}].{field}") from None
        policies.append(policy)
    return policies


def load_policies(path: Path | str) -> list[Policy]:
    """The global policies file named by ``[tool.agenttrace] policies``; every problem is one clear line."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("policies file not found", path=name) from None
    except OSError as exc:
        raise InputError(f"cannot read the policies file: {exc.strerror}", path=name) from None
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", path=name, where=f"byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg}", path=name, where=f"line {exc.lineno}, column {exc.colno}"
        ) from None
    return parse_policies(data, path=name)


def _schemas_of(policy: Policy) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if policy.when is not None:
        out.append(("when", policy.when))
    for field, required in (("requires", policy.requires), ("then", policy.then)):
        if required is not None and required.result is not None:
            out.append((f"{field}.result", required.result))
    return out


def _holds(schema: Any, value: Any) -> bool:
    """The condition holds on the value as recorded or with its JSON text decoded."""
    validator = compiled(schema)
    if validator.is_valid(value):
        return True
    decoded = decode_json_text(value)
    return decoded is not value and decoded != value and bool(validator.is_valid(decoded))


def _result_of(step: Step) -> Any:
    if isinstance(step, ApprovalStep):
        if "result" in step.model_fields_set:
            return step.result
        return {"approved": step.decision == "approved", "decision": step.decision, "by": step.by}
    if isinstance(step, ToolStep):
        return step.result
    return None


def _same_value(a: Any, b: Any) -> bool:
    return a is not MISSING and b is not MISSING and decode_json_text(a) == decode_json_text(b)


@dataclass
class _Search:
    """What a look for a required step found: the satisfying step, or the best reason none did."""

    found: int | None = None
    candidates: int = 0
    reason: str | None = None
    step: int | None = None


class _Index:
    """Where each tool name and the approval steps occur in a run, built once for all policies."""

    def __init__(self, run: ActualRun) -> None:
        self.by_name: dict[str, list[int]] = {}
        self.approvals: list[int] = []
        for index, step in enumerate(run.steps):
            if isinstance(step, ToolStep | ApprovalStep) and step.name:
                self.by_name.setdefault(step.name, []).append(index)
            if isinstance(step, ApprovalStep):
                self.approvals.append(index)

    def candidates(self, required: RequiredCall, own: int, before: bool) -> list[int]:
        found: set[int] = set()
        if required.tool is not None:
            found.update(self.by_name.get(required.tool, ()))
        if required.approval:
            found.update(self.approvals)
        if before:  # nearest first: the approval that counts is usually the one just before the call
            return sorted((i for i in found if i < own), reverse=True)
        return sorted(i for i in found if i > own)


def _search(run: ActualRun, indices: list[int], required: RequiredCall, arguments: Any) -> _Search:
    result = _Search()
    for index in indices:
        step = run.steps[index]
        result.candidates += 1
        label = f"{step.name or step.kind} at step {index}"
        if required.same:
            their_arguments, _ = arguments_of(step)
            differing = next(
                (
                    name
                    for name in required.same
                    if not _same_value(get_path(arguments, name), get_path(their_arguments, name))
                ),
                None,
            )
            if differing is not None:
                if result.reason is None:
                    ours, theirs = get_path(arguments, differing), get_path(their_arguments, differing)
                    theirs_text = (
                        "no " + differing if theirs is MISSING else f"{differing} {short(theirs, 40)}"
                    )
                    ours_text = "none" if ours is MISSING else short(ours, 40)
                    result.reason = f"{label} was for {theirs_text}, not {ours_text}"
                    result.step = index
                continue
        if (
            isinstance(step, ApprovalStep)
            and step.decision in ("denied", "pending")
            and required.result is None
        ):
            result.reason = f"{label} was {step.decision}"
            result.step = index
            continue
        if step.error is not None:
            error = ": ".join(p for p in (step.error.type, step.error.message) if p) or "an error"
            result.reason = f"{label} failed with {error}"
            result.step = index
            continue
        if required.result is not None and not _holds(required.result, _result_of(step)):
            denied = isinstance(step, ApprovalStep) and step.decision == "denied"
            verdict = "was denied" if denied else "did not grant it"
            result.reason = f"{label} {verdict}: result {short(_result_of(step), 60)}"
            result.step = index
            continue
        result.found = index
        return result
    return result


def _required_name(required: RequiredCall) -> str:
    if required.tool and required.approval:
        return f"{required.tool} or an approval step"
    return required.tool or "an approval step"


def _check_one(policy: Policy, run: ActualRun, source: str, index_: _Index) -> list[CheckFailure]:
    failures: list[CheckFailure] = []
    for index, step in enumerate(run.steps):
        if not isinstance(step, ToolStep) or step.name != policy.tool:
            continue
        arguments, _ = arguments_of(step)
        if policy.when is not None and not _holds(policy.when, arguments):
            continue
        call = f"{step.name} at step {index} with {short(arguments, 100)}"
        check = f"policy:{policy.id}"
        extra = [policy.description] if policy.description else []
        if policy.when is not None:
            extra.append(
                f"applies when the arguments match {short(policy.when, 1_000_000)}"
            )  # the report clips it
        if policy.forbid:
            failures.append(
                CheckFailure(
                    check=check,
                    message=f"{call}: forbidden by the policy",
                    short="forbidden by the policy",
                    step=index,
                    actual=arguments,
                    details=extra,
                    source=source,
                )
            )
        for field, required in (("requires", policy.requires), ("then", policy.then)):
            if required is None:
                continue
            indices = index_.candidates(required, index, before=field == "requires")
            found = _search(run, indices, required, arguments)
            if found.found is not None:
                continue
            name = _required_name(required)
            if found.reason is not None:
                what = found.reason
            elif field == "requires":
                what = f"no {name} before it"
            else:
                what = f"no {name} after it"
            verb = "ran without a granted approval" if field == "requires" else "was not followed as required"
            brief = "ran without a granted approval" if field == "requires" else f"was not followed by {name}"
            if field == "requires" and required.tool and not required.approval and found.candidates == 0:
                verb = f"ran without {required.tool} before it"
                brief = f"ran without {required.tool}"
                what = f"no {required.tool} call in the {index} steps before step {index}"
            details = list(extra)
            if required.result is not None:
                details.append(
                    f"the {_required_name(required)} result must match {short(required.result, 1_000_000)}"
                )
            if required.same:
                details.append(f"with the same {', '.join(required.same)}")
            failures.append(
                CheckFailure(
                    check=check,
                    message=f"{call} {verb}: {what}",
                    short=brief,
                    step=index,
                    actual=arguments,
                    details=details,
                    related=[found.step] if found.step is not None else [],
                    source=f"{source}.{field}",
                )
            )
    return failures


def check_policies(
    run: ActualRun, policies: Sequence[Policy], *, sources: Sequence[str] | None = None
) -> list[CheckFailure]:
    """Every violation of ``policies`` in ``run``; ``sources`` names where each policy was written."""
    failures: list[CheckFailure] = []
    index = _Index(run) if policies else None
    for number, policy in enumerate(policies):
        source = sources[number] if sources is not None else f"policy {policy.id}"
        try:
            assert index is not None
            failures += _check_one(policy, run, source, index)
        except SchemaProblem as exc:
            failures.append(
                CheckFailure(check=f"policy:{policy.id}", message=f"{source}: {exc}", source=source)
            )
    return failures
