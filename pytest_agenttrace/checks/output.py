"""Output invariants: what the final output must be, whatever path the agent took to it.

``schema`` is a JSON Schema (text output that holds JSON is parsed first); ``must_contain`` and
``must_not_contain`` are plain substrings or ``{"regex": ...}`` rules, applied to the output's text (its
JSON rendering when it is not text); ``predicates`` and ``model`` name code in the user's own repository by
dotted path, never code from the fixture.

A predicate is called as ``predicate(output, run)`` and returns its verdict as one of:

* ``True`` / ``False`` (a failure then says which predicate returned False);
* ``(ok, message)``, a bool and a string that explains the verdict;
* a :class:`Verdict` (or any object with ``ok`` and ``message`` attributes).

Raising ``AssertionError`` is a failure with its message, as in a pytest test. Any other return value
(including ``None``, the usual sign of a forgotten ``return``) and any other exception fail the check
with a message saying so, rather than passing silently.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ..model import OutputExpect, RegexRule
from ..replay.run import ActualRun
from ._failure import CheckFailure
from ._schema import SchemaProblem, schema_errors
from ._values import short

__all__ = ["Verdict", "check_output", "output_text", "resolve"]


@dataclass(frozen=True)
class Verdict:
    """A predicate's answer: whether the output is acceptable, and why."""

    ok: bool
    message: str = ""


def resolve(dotted: str) -> Any:
    """``pkg.mod:attr`` or ``pkg.mod.attr`` -> the object (``ImportError`` / ``AttributeError``)."""
    if ":" in dotted:
        module_name, _, attribute = dotted.partition(":")
    else:
        module_name, _, attribute = dotted.rpartition(".")
    if not module_name or not attribute:
        raise ImportError(f"{dotted!r} is not a dotted path like 'myapp.checks:no_pii'")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


def output_text(output: Any) -> str:
    """The text the text rules look at: the output itself, or its JSON rendering."""
    if isinstance(output, str):
        return output
    return json.dumps(output, ensure_ascii=False, default=repr)


def _parsed(output: Any) -> Any:
    if isinstance(output, str):
        try:
            return json.loads(output)
        except ValueError:
            return output
    return output


def _rule_text(rule: str | RegexRule) -> str:
    return f"/{rule.regex}/" if isinstance(rule, RegexRule) else json.dumps(rule, ensure_ascii=False)


def _find(rule: str | RegexRule, text: str) -> tuple[int, int] | None:
    if isinstance(rule, RegexRule):
        match = re.search(rule.regex, text)
        return match.span() if match else None
    at = text.find(rule)
    return (at, at + len(rule)) if at >= 0 else None


def _excerpt(text: str, span: tuple[int, int], width: int = 30) -> str:
    start, end = span
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    left = "…" if start > width else ""
    right = "…" if end + width < len(text) else ""
    return " ".join(f"{left}{before}[{text[start:end]}]{after}{right}".split())


def _verdict(value: Any, name: str) -> tuple[bool, str]:
    if isinstance(value, bool):
        return value, "" if value else f"{name} returned False"
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], bool):
        return value[0], str(value[1])
    ok = getattr(value, "ok", None)
    if isinstance(ok, bool):
        return ok, str(getattr(value, "message", "") or "")
    raise TypeError(
        f"{name} returned {short(value, 60) if value is not None else 'None'}; "
        "a predicate returns True/False, (ok, message) or a Verdict"
    )


def _check_predicates(predicates: list[str], run: ActualRun) -> list[CheckFailure]:
    failures = []
    for number, dotted in enumerate(predicates):
        source = f"expect.output.predicates[{number}]"
        check = f"output.predicate:{dotted}"
        try:
            predicate = resolve(dotted)
        except (ImportError, AttributeError) as exc:
            failures.append(CheckFailure(check, f"cannot import predicate {dotted!r}: {exc}", source=source))
            continue
        try:
            value = predicate(run.output, run)
        except AssertionError as exc:
            ok, message = False, str(exc) or f"{dotted} raised AssertionError"
        except Exception as exc:
            ok, message = False, f"{dotted} raised {type(exc).__name__}: {exc}"
        else:
            try:
                ok, message = _verdict(value, dotted)
            except TypeError as exc:
                ok, message = False, str(exc)
        if not ok:
            failures.append(
                CheckFailure(
                    check, message or f"{dotted} rejected the output", actual=run.output, source=source
                )
            )
    return failures


def _check_model(dotted: str, output: Any) -> list[CheckFailure]:
    source = "expect.output.model"
    try:
        model = resolve(dotted)
    except (ImportError, AttributeError) as exc:
        return [CheckFailure("output.model", f"cannot import model {dotted!r}: {exc}", source=source)]
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return [CheckFailure("output.model", f"{dotted} is not a pydantic model", source=source)]
    try:
        if isinstance(output, str | bytes):
            model.model_validate_json(output)
        else:
            model.model_validate(output)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where = "output" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
            lines.append(
                f"{where}: {error['msg']}" + (f", got {short(error['input'], 40)}" if error["loc"] else "")
            )
        return [
            CheckFailure(
                "output.model",
                f"the output does not validate as {model.__name__} ({exc.error_count()} errors)",
                details=lines,
                actual=output,
                source=source,
            )
        ]
    return []


def check_output(expect: OutputExpect, run: ActualRun) -> list[CheckFailure]:
    """Every output invariant ``run`` breaks."""
    if not run.has_output and run.error is not None:
        return []  # the run raised; the replay reports that, and there is no output to judge
    failures: list[CheckFailure] = []
    output = run.output
    if expect.schema_ is not None:
        parsed = _parsed(output)
        try:
            lines = schema_errors(expect.schema_, parsed, "output")
        except SchemaProblem as exc:
            lines = []
            failures.append(CheckFailure("output.schema", f"expect.output.schema: {exc}"))
        if lines:
            note = " (text that is not JSON)" if isinstance(output, str) and parsed is output else ""
            failures.append(
                CheckFailure(
                    "output.schema",
                    f"the output{note} does not match the schema",
                    details=lines,
                    actual=parsed,
                    source="expect.output.schema",
                )
            )
    if expect.must_contain or expect.must_not_contain:
        text = output_text(output)
        for number, rule in enumerate(expect.must_contain or ()):
            try:
                found = _find(rule, text)
            except re.error as exc:
                failures.append(
                    CheckFailure("output.must_contain", f"invalid regex {_rule_text(rule)}: {exc}")
                )
                continue
            if found is None:
                failures.append(
                    CheckFailure(
                        "output.must_contain",
                        f"the output does not contain {_rule_text(rule)}",
                        details=[f"output: {short(text, 200)}"],
                        source=f"expect.output.must_contain[{number}]",
                    )
                )
        for number, rule in enumerate(expect.must_not_contain or ()):
            try:
                found = _find(rule, text)
            except re.error as exc:
                failures.append(
                    CheckFailure("output.must_not_contain", f"invalid regex {_rule_text(rule)}: {exc}")
                )
                continue
            if found is not None:
                failures.append(
                    CheckFailure(
                        "output.must_not_contain",
                        f"the output contains {_rule_text(rule)} at character {found[0]}",
                        details=[f"output: {_excerpt(text, found)}"],
                        source=f"expect.output.must_not_contain[{number}]",
                    )
                )
    if expect.predicates:
        failures += _check_predicates(expect.predicates, run)
    if expect.model is not None:
        failures += _check_model(expect.model, output)
    return failures
