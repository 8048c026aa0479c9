"""Reading fixture files: parse, check the format version, migrate, validate.

Every problem becomes one :class:`~pytest_agenttrace.errors.FixtureError` line that names the file and
the JSON path (``steps[3].arguments``) or the line and column of a syntax error, because the person who
reads it has to find the place in a file that may be thousands of lines long. Loading never executes
anything from the file: it is JSON, checked against a schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

import jsonschema
from pydantic import ValidationError

from ..errors import FixtureError, FixtureVersionError
from ..model import FORMAT_MAJOR, FORMAT_NAME, FORMAT_VERSION, STEP_KINDS, Fixture
from ..model.versions import migrate, parse_version
from .schema import fixture_json_schema


def json_path(location: Iterable[str | int]) -> str:
    """``("steps", 3, "arguments")`` -> ``steps[3].arguments``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


class _DuplicateKey:
    """Stands in for an object that has a key twice, so that the walk after parsing can name its path."""

    __slots__ = ("key", "value")

    def __init__(self, key: str, value: dict[str, Any]) -> None:
        self.key = key
        self.value = value


def _first_duplicate(data: Any) -> tuple[list[str | int], str, int] | None:
    """The path of the first object (in document order) with a duplicate key, the key, and how many there are."""
    found: list[tuple[list[str | int], str]] = []
    stack: list[tuple[list[str | int], Any]] = [([], data)]
    while stack:
        location, value = stack.pop()
        if isinstance(value, _DuplicateKey):
            found.append((location, value.key))
            value = value.value
        if isinstance(value, dict):
            stack.extend(([*location, k], v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(([*location, i], v) for i, v in reversed(list(enumerate(value))))
    if not found:
        return None
    return found[0][0], found[0][1], len(found)


def parse_json(raw: bytes, path: Path | str) -> Any:
    """Parse JSON bytes; a syntax error names the line and column (or says the file was cut short).

    A key written twice in one object is an error naming the object's path: JSON parsers keep the last
    value without a word, so a hand edit that added ``"status"`` next to the old one, or a merge that kept
    both sides, would otherwise be replayed with whichever came last. The standard library's parser with
    a pairs hook sees every pair and costs about what orjson does on a big file (tens of microseconds on a
    small one).
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        raise FixtureError(
            f"not UTF-8 text ({bad.reason})", path=str(path), where=f"byte {bad.start}"
        ) from None
    duplicates = False

    def unique_keys(pairs: list[tuple[str, Any]]) -> Any:
        nonlocal duplicates
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        duplicates = True
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                return _DuplicateKey(key, obj)
            seen.add(key)
        return obj  # pragma: no cover - unreachable: fewer keys than pairs means a repeat

    try:
        data = json.loads(text, object_pairs_hook=unique_keys)
    except RecursionError:  # a hostile or broken file: no fixture nests this deep
        raise FixtureError(
            "invalid JSON: nested too deeply to be a fixture", path=str(path), where="(top level)"
        ) from None
    except json.JSONDecodeError as exc:
        _syntax_error(exc, text, path)
    except ValueError as exc:  # an integer of more than 4,300 digits (Python's int_max_str_digits)
        reason = str(exc).split(";")[0]
        raise FixtureError(f"invalid JSON: {reason}", path=str(path), where="(top level)") from None
    if duplicates:
        first = _first_duplicate(data)
        if first is not None:
            location, key, count = first
            more = f" (and {count - 1} more object(s) with a duplicate key)" if count > 1 else ""
            raise FixtureError(
                f"duplicate key {json.dumps(key, ensure_ascii=False)}{more}",
                path=str(path),
                where=json_path(location),
            )
    return data


def _syntax_error(exc: json.JSONDecodeError, text: str, path: Path | str) -> NoReturn:
    """A syntax error as a FixtureError naming the line and column (or saying the file was cut short)."""
    end = len(text.rstrip())
    if exc.pos >= end or exc.msg.startswith("Unterminated string"):
        line, col = _line_col(text, end)
        raise FixtureError(
            "invalid JSON: unexpected end of file (truncated?)",
            path=str(path),
            where=f"line {line}, column {col}",
        ) from None
    line, col = _line_col(text, exc.pos)
    raise FixtureError(
        f"invalid JSON: {exc.msg}", path=str(path), where=f"line {line}, column {col}"
    ) from None


def _json_kind(value: Any) -> str:
    """A non-string JSON value as a person would name it: ``the number 1.0``, ``true``, ``an object``."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return f"the number {json.dumps(value)}"
    return "an array" if isinstance(value, list) else "an object"


def check_version(data: Any, path: Path | str) -> dict[str, Any]:
    """Refuse documents that are not fixtures or are of a newer major version; migrate older ones."""
    if not isinstance(data, dict):
        raise FixtureError(
            f"expected a JSON object, got {type(data).__name__}", path=str(path), where="(top level)"
        )
    schema = data.get("schema")
    if not isinstance(schema, dict) or schema.get("name") != FORMAT_NAME:
        raise FixtureError(
            f'not a pytest-agenttrace fixture (expected "schema": {{"name": "{FORMAT_NAME}", ...}})',
            path=str(path),
            where="schema",
        )
    if "version" not in schema:
        raise FixtureError(
            f'missing (expected "MAJOR.MINOR", e.g. "{FORMAT_VERSION}")',
            path=str(path),
            where="schema.version",
        )
    version = schema["version"]
    if not isinstance(version, str):
        raise FixtureError(
            f'expected a string "MAJOR.MINOR" (e.g. "{FORMAT_VERSION}"), got {_json_kind(version)}',
            path=str(path),
            where="schema.version",
        )
    try:
        major, _minor = parse_version(version)
    except ValueError:
        raise FixtureError(
            f'format version {json.dumps(version, ensure_ascii=False)} is not "MAJOR.MINOR" '
            f'(e.g. "{FORMAT_VERSION}")',
            path=str(path),
            where="schema.version",
        ) from None
    if major > FORMAT_MAJOR:
        raise FixtureVersionError(
            f"written in fixture format {version}, newer than this pytest-agenttrace reads "
            f"({FORMAT_VERSION}); upgrade pytest-agenttrace",
            path=str(path),
            where="schema.version",
        )
    if major < FORMAT_MAJOR:
        try:
            data = migrate(data, major)
        except ValueError as exc:
            raise FixtureVersionError(str(exc), path=str(path), where="schema.version") from None
    return dict(data)


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = fixture_json_schema()
    cls = jsonschema.validators.validator_for(schema)
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator


def schema_errors(data: Any) -> list[tuple[str, str]]:
    """``(json path, message)`` for every place ``data`` breaks the committed JSON Schema."""
    found = []
    for error in _validator().iter_errors(data):
        best = _branch_error(error)
        message = best.message
        if len(message) > 200:
            message = message[:197] + "..."
        found.append((json_path(best.absolute_path), message))
    return sorted(found)


def _branch_error(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For a step that fits no branch of the kinds' ``oneOf``, the error of the branch of its own kind."""
    while error.validator in ("oneOf", "anyOf") and error.context:
        by_branch: dict[Any, list[jsonschema.ValidationError]] = {}
        for sub in error.context:
            by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)
        own = [
            errs for errs in by_branch.values() if not any(list(e.relative_path) == ["kind"] for e in errs)
        ]
        if len(own) != 1:
            best: jsonschema.ValidationError = jsonschema.exceptions.best_match([error])
            return best
        error = own[0][0]
    return error


_MISSING = object()
#: Where a union was met (the clean location of its value) and the branch an error came from.
_Union = tuple[tuple[str | int, ...], str | int]
# a JSON path our own validators put in front of their message ("steps[2].parent: ..."); a message
# that merely contains ": " ("... or `forbid: true`") is not one
_PATH = re.compile(r"[A-Za-z_$][\w$-]*(?:\[\d+\]|\.[A-Za-z_$][\w$-]*)*")
_INSTANCE_OF = re.compile(r" or instance of \w+| or object to extract fields from")


def _real_location(
    loc: Sequence[str | int], data: Any, error_type: str
) -> tuple[list[str | int], _Union | None]:
    """The place in ``data`` a pydantic error location points at, and the first union it went through.

    Pydantic puts the branch of a union in the location: the tag of a discriminated union
    (``steps.0.model.messages``) and, for a plain union, the branch's type (``content.str``,
    ``must_contain.0.RegexRule.regex``, ``function-after[...]``). None of that is in the file, so the
    location is walked through the document itself: a part that is a key or an index there is kept, a
    step's kind right after its index is the tag, a part the document does not have is a branch name
    (unless it is the last part of a "field required" error: the key the user has to add).
    """
    clean: list[str | int] = []
    union: _Union | None = None
    node: Any = data
    tag_seen = False
    for index, part in enumerate(loc):
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            clean.append(part)
            node, tag_seen = node[part], False
            continue
        if isinstance(node, dict) and isinstance(part, str):
            is_step = len(clean) >= 2 and clean[-2] == "steps" and isinstance(clean[-1], int)
            if is_step and not tag_seen and part in STEP_KINDS and node.get("kind") == part:
                tag_seen = True  # the discriminated union's tag: the kind, already in the file
                continue
            if part in node:
                clean.append(part)
                node, tag_seen = node[part], False
                continue
            if index == len(loc) - 1 and error_type == "missing":
                clean.append(part)
                node = _MISSING
                continue
        if union is None:
            union = (tuple(clean), part)
    return clean, union


def _merge_alternatives(messages: list[str]) -> str:
    """``Input should be a valid string`` + ``... a valid list`` -> ``... a valid string or a valid list``."""
    prefix = "Input should be "
    if all(m.startswith(prefix) for m in messages):
        # "a valid number, unable to parse string as a number" -> "a valid number": the alternatives say it
        wanted = [m.removeprefix(prefix).split(",")[0] for m in messages]
        return prefix + " or ".join(dict.fromkeys(wanted))
    return "; ".join(dict.fromkeys(messages))


def _prefixed(at: Sequence[str | int], where: str) -> str:
    """``policies[0]`` + ``requires.result`` -> ``policies[0].requires.result``."""
    if not at:
        return where
    if where == json_path(()):
        return json_path(at)
    return json_path(at) + ("" if where.startswith("[") else ".") + where


def model_errors(
    exc: ValidationError, data: Any = _MISSING, *, at: Sequence[str | int] = ()
) -> list[tuple[str, str]]:
    """``(json path, message)`` for each pydantic error, at the place in the file, without union branch names.

    With the validated ``data`` the paths are the real locations (see :func:`_real_location`), and the
    failures of a union's branches are told as one problem: when the value had the shape of one branch
    (an object where a string or an object is allowed), that branch's errors; when it had none, one line
    listing what would have been accepted. Without ``data`` only the step kinds are left out of paths.
    ``at`` is where ``data`` sits in its file (``("policies", 0)`` for one policy of a policies file),
    put in front of every path, so that a part of a file validated on its own is still named in full.
    """
    # (path text for our own validators' errors, location, the union it went through, message)
    located: list[tuple[str | None, list[str | int], _Union | None, str]] = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        message = _INSTANCE_OF.sub("", error["msg"])  # "or instance of RegexRule" is Python, not JSON
        if message.startswith("Value error, "):
            # our own validators put the path in the message: "steps[2].parent: ..."
            message = message.removeprefix("Value error, ")
            where, _, rest = message.partition(": ")
            if rest and not loc and _PATH.fullmatch(where):
                located.append((where, [], None, rest))
                continue
        if data is _MISSING:
            location = [
                part
                for i, part in enumerate(loc)
                if not (
                    part in STEP_KINDS and i >= 2 and isinstance(loc[i - 1], int) and loc[i - 2] == "steps"
                )
            ]
            located.append((None, location, None, message))
        else:
            location, union = _real_location(loc, data, error["type"])
            located.append((None, location, union, message))

    # the branches of each union, by the place of the union, in order of appearance
    branches: dict[tuple[str | int, ...], dict[str | int, list[tuple[list[str | int], str]]]] = {}
    for _, location, union, message in located:
        if union is not None:
            branches.setdefault(union[0], {}).setdefault(union[1], []).append((location, message))
    found: list[tuple[str, str]] = []
    done: set[tuple[str | int, ...]] = set()
    for given, location, union, message in located:
        if union is None:
            found.append((_prefixed(at, given or json_path(location)), message))
            continue
        place = union[0]
        if place in done:
            continue
        done.add(place)
        alternatives = branches[place]
        # a branch whose errors are inside the value is the one the value was meant for
        inside = [
            errors for errors in alternatives.values() if any(len(loc) > len(place) for loc, _ in errors)
        ]
        if inside:
            for errors in inside:
                found.extend((_prefixed(at, json_path(loc)), msg) for loc, msg in errors)
        else:
            messages = [msg for errors in alternatives.values() for _, msg in errors]
            found.append((_prefixed(at, json_path(list(place))), _merge_alternatives(messages)))
    return list(dict.fromkeys(found))


def validate_data(data: Any, path: Path | str) -> Fixture:
    """Turn a parsed document into a :class:`Fixture`, or raise the first problem as one line."""
    fixture, problems = _validated(data, path)
    if fixture is None or problems:
        where, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise FixtureError(message + more, path=str(path), where=where)
    return fixture


def validation_problems(data: Any, path: Path | str) -> list[tuple[str, str]]:
    """Every problem with a document: version, JSON Schema, then the model's own rules."""
    return _validated(data, path)[1]


def _validated(data: Any, path: Path | str) -> tuple[Fixture | None, list[tuple[str, str]]]:
    data = check_version(data, path)
    try:
        fixture = Fixture.model_validate(data)
    except ValidationError as exc:
        problems = model_errors(exc, data)  # pydantic knows the step kinds, so its paths are the precise ones
        return None, _newer_minor(data, problems)
    return fixture, schema_errors(data)  # what lax parsing let through (a number written as a string, say)


def _newer_minor(data: dict[str, Any], problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """In a file of a newer minor version, an unknown field is one that version added: say so.

    Minor versions only add optional fields, so such a file loads here as long as it uses none of them;
    when it does, "Extra inputs are not permitted" would read as a broken file rather than an old reader.
    """
    version = data["schema"]["version"]
    if parse_version(version) <= parse_version(FORMAT_VERSION):
        return problems
    return [
        (
            where,
            f"not a field of fixture format {FORMAT_VERSION}; the file is in format {version}, a newer "
            "minor version: upgrade pytest-agenttrace to read it"
            if message == "Extra inputs are not permitted"
            else message,
        )
        for where, message in problems
    ]


def strict_fixture(raw: bytes) -> Fixture | None:
    """The fixture in ``raw`` when it passes the models in strict JSON mode, else None (take the long way).

    The JSON Schema check on load exists for what pydantic's lax mode lets through (``"5"`` for a number,
    a field's Python name for its alias). Strict JSON validation with aliases only lets none of that
    through, and the schema is generated from these same models, so a document it accepts is one the
    schema accepts: the schema walk (2-5 ms for a small fixture, most of a replay test's cost) is only
    needed to name the problems of a document that fails here. Call it after :func:`check_version` has
    seen the parsed document (a missing ``schema`` would take the model's default here); older format
    versions are migrated on the long way.
    """
    try:
        fixture = Fixture.model_validate_json(raw, strict=True, by_alias=True, by_name=False)
    except ValidationError:
        return None
    try:
        major, _minor = parse_version(fixture.format.version)
    except ValueError:
        return None
    return fixture if major == FORMAT_MAJOR and fixture.format.name == FORMAT_NAME else None


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FixtureError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise FixtureError("is a folder, not a fixture file", path=str(path)) from None
    except OSError as exc:
        raise FixtureError(f"cannot read: {exc.strerror}", path=str(path)) from None


def load_fixture(path: Path | str) -> Fixture:
    """Read and validate one fixture file."""
    path = Path(path)
    raw = read_bytes(path)
    data = check_version(parse_json(raw, path), path)
    fixture = strict_fixture(raw)
    if fixture is not None:
        return fixture
    return validate_data(data, path)


def load_fixtures(paths: Sequence[Path]) -> list[Fixture]:
    return [load_fixture(p) for p in paths]
