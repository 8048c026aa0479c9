"""JSON Schema conditions, compiled once and explained in one line per problem.

Every condition in a fixture or a policies file is a JSON Schema, so checking never evaluates code from a
data file. A replay checks the same few schemas against hundreds of calls, and a fuzz run replays hundreds
of times, so each schema is compiled (meta-validated, validator class chosen, format checker attached)
once and kept, keyed by the schema object and, for equal schemas built separately, by its JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import exceptions as js_exceptions
from jsonschema import validators as js_validators
from jsonschema.protocols import Validator

from ._values import format_path, short

__all__ = ["SchemaProblem", "compiled", "explain", "schema_errors"]


class SchemaProblem(ValueError):
    """A condition that is not a valid JSON Schema; checks turn it into a failure naming where it is."""


_BY_ID: dict[int, tuple[Any, Validator]] = {}
_BY_TEXT: dict[str, Validator] = {}
_MAX_CACHED = 4096


def compiled(schema: Mapping[str, Any] | bool) -> Validator:
    """The validator for ``schema``, built on first use (``SchemaProblem`` if the schema is invalid)."""
    hit = _BY_ID.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    try:
        text = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise SchemaProblem(f"not JSON: {exc}") from None
    validator = _BY_TEXT.get(text)
    if validator is None:
        cls = js_validators.validator_for(schema, default=js_validators.Draft202012Validator)
        try:
            cls.check_schema(schema)  # type: ignore[arg-type]
        except js_exceptions.SchemaError as exc:
            where = format_path(exc.absolute_path) or "(top level)"
            raise SchemaProblem(f"invalid JSON Schema at {where}: {exc.message}") from None
        validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
        if len(_BY_TEXT) >= _MAX_CACHED:
            _BY_TEXT.clear()
        _BY_TEXT[text] = validator
    if len(_BY_ID) >= _MAX_CACHED:
        _BY_ID.clear()
    # Keeping the schema object alive keeps its id from being reused by another object.
    _BY_ID[id(schema)] = (schema, validator)
    return validator


def _sorted_errors(validator: Validator, value: Any) -> Iterator[js_exceptions.ValidationError]:
    errors = list(validator.iter_errors(value))
    errors.sort(key=lambda e: ([str(p) for p in e.absolute_path], str(e.validator)))
    return iter(errors)


def explain(error: js_exceptions.ValidationError, root: str) -> str:
    """One readable line: ``steps[3].arguments.amount: expected <= 100, got 5000``."""
    path = format_path(error.absolute_path, root)
    got = short(error.instance)
    kind = str(error.validator)
    want = error.validator_value
    bounds = {"maximum": "<=", "minimum": ">=", "exclusiveMaximum": "<", "exclusiveMinimum": ">"}
    if kind in bounds:
        return f"{path}: expected {bounds[kind]} {short(want)}, got {got}"
    if kind == "type":
        want_text = " or ".join(want) if isinstance(want, list) else str(want)
        return f"{path}: expected {want_text}, got {got}"
    if kind == "const":
        return f"{path}: expected {short(want)}, got {got}"
    if kind == "enum":
        return f"{path}: expected one of {short(want)}, got {got}"
    if kind == "required":
        name = error.message.split(" is a required property")[0].strip("'\"")
        return f"{format_path([*error.absolute_path, name], root)}: required, missing"
    if kind == "pattern":
        return f"{path}: expected to match /{want}/, got {got}"
    if kind in ("minLength", "minItems", "minProperties"):
        return f"{path}: expected length >= {want}, got {got}"
    if kind in ("maxLength", "maxItems", "maxProperties"):
        return f"{path}: expected length <= {want}, got {got}"
    if kind == "not":
        return f"{path}: must not match {short(want)}, got {got}"
    return f"{path}: {short(error.message, 160)}"


def schema_errors(schema: Mapping[str, Any] | bool, value: Any, root: str, *, limit: int = 20) -> list[str]:
    """Readable lines for everything ``value`` gets wrong against ``schema``; empty when it is valid."""
    validator = compiled(schema)
    if validator.is_valid(value):
        return []
    lines: list[str] = []
    for error in _sorted_errors(validator, value):
        if len(lines) >= limit:
            lines.append("…")
            break
        lines.append(explain(error, root))
    return lines


def is_valid(schema: Mapping[str, Any] | bool, value: Any) -> bool:
    """Whether ``value`` satisfies ``schema`` (compiled once)."""
    return bool(compiled(schema).is_valid(value))
