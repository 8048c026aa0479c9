"""Fixture files on disk: round trips, atomic writes, and errors that name the file and the place."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_agenttrace.errors import FixtureError, FixtureExistsError, FixtureVersionError
from pytest_agenttrace.model import Fixture
from pytest_agenttrace.store import (
    atomic_write,
    discover,
    dump_fixture,
    dumps_data,
    load_fixture,
    save_fixture,
)
from tests.factories import refund_document, refund_steps

REPO = Path(__file__).resolve().parents[1]


def write(path: Path, data: object) -> Path:
    path.write_bytes(dumps_data(data))
    return path


def test_load_then_save_gives_the_same_bytes(tmp_path):
    path = write(tmp_path / "refund.trace.json", refund_document())
    original = path.read_bytes()
    assert dump_fixture(load_fixture(path)) == original


def test_committed_fixtures_round_trip_byte_for_byte():
    files = discover([REPO / "fixtures", REPO / "examples"])
    for path in files:
        assert dump_fixture(load_fixture(path)) == path.read_bytes(), path


def test_files_are_utf8_indented_with_one_trailing_newline(tmp_path):
    document = refund_document(input="Rückerstattung für 北京")
    save_fixture(Fixture.model_validate(document), tmp_path / "x.trace.json")
    raw = (tmp_path / "x.trace.json").read_bytes()
    assert raw.endswith(b"}\n")
    assert not raw.endswith(b"\n\n")
    assert "Rückerstattung für 北京".encode() in raw  # readable, not \u-escaped
    assert raw.startswith(
        b'{\n  "schema": {\n    "name": "pytest-agenttrace/fixture",\n    "version": "1.0"\n  },\n  "id"'
    )


def test_key_order_follows_the_format_not_the_input(tmp_path):
    document = refund_document()
    shuffled = dict(reversed(list(document.items())))
    path = write(tmp_path / "x.trace.json", shuffled)
    assert dump_fixture(load_fixture(path)) == dumps_data(document)


def test_writes_refuse_to_overwrite_unless_forced(tmp_path):
    target = tmp_path / "x.trace.json"
    atomic_write(target, b"first\n")
    with pytest.raises(
        FixtureExistsError, match=r"x\.trace\.json: already exists \(use --force to overwrite\)"
    ):
        atomic_write(target, b"second\n")
    assert target.read_bytes() == b"first\n"
    atomic_write(target, b"second\n", force=True)
    assert target.read_bytes() == b"second\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.trace.json"]  # no temporary files left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "x.trace.json"
    target.write_bytes(b"old\n")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, b"new\n", force=True)
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.trace.json"]


def test_writes_create_missing_folders(tmp_path):
    atomic_write(tmp_path / "a" / "b" / "x.trace.json", b"{}\n")
    assert (tmp_path / "a" / "b" / "x.trace.json").read_bytes() == b"{}\n"


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            '{"schema": {"name": "pytest-agenttrace/fixture", "version": "1.0"},\n  "id": "x",,\n}',
            "line 2, column 13",
            "invalid JSON",
        ),
        (
            '{"schema": {"name": "pytest-agenttrace/fixture", "version": "1.0"},\n  "id": "x", "steps": [',
            "line 2",
            "unexpected end of file (truncated?)",
        ),
        ("", "line 1, column 1", "unexpected end of file (truncated?)"),
        ("[1, 2]", "(top level)", "expected a JSON object, got list"),
        ('{"id": "x"}', "schema", "not a pytest-agenttrace fixture"),
    ],
)
def test_unparseable_files_name_the_place(tmp_path, text, where, message):
    path = tmp_path / "bad.trace.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FixtureError) as caught:
        load_fixture(path)
    line = str(caught.value)
    assert line.startswith(f"{path}: {where}"), line
    assert message in line
    assert "\n" not in line


def test_invalid_utf8_is_named(tmp_path):
    path = tmp_path / "bad.trace.json"
    path.write_bytes(b'{"id": "\xff"}')
    with pytest.raises(FixtureError, match=r"bad\.trace\.json: byte \d+: not UTF-8 text"):
        load_fixture(path)


@pytest.mark.parametrize(
    ("mutate", "where", "message"),
    [
        (lambda d: d["steps"][3].update(arguments="ORD-2002"), "steps[3].arguments", "valid dictionary"),
        (lambda d: d["steps"][0]["usage"].update(input_tokens="120"), "steps[0].usage.input_tokens", ""),
        (lambda d: d["steps"][1].update(kind="tol"), "steps[1]", "does not match any of the expected tags"),
        (lambda d: d["steps"][2].update(parent="nope"), "steps[2].parent", "not the id of an earlier step"),
        (lambda d: d.update(status="flaky"), "status", "'regression', 'golden' or 'known-bad'"),
        (lambda d: d.update(surprise=1), "surprise", "Extra inputs are not permitted"),
        (lambda d: d["steps"][0]["response"].update(role="robot"), "steps[0].response.role", ""),
    ],
)
def test_wrong_types_name_the_json_path(tmp_path, mutate, where, message):
    document = refund_document()
    mutate(document)
    path = write(tmp_path / "bad.trace.json", document)
    with pytest.raises(FixtureError) as caught:
        load_fixture(path)
    assert str(caught.value).startswith(f"{path}: {where}: "), str(caught.value)
    assert message in str(caught.value)


def test_a_newer_major_version_is_refused_clearly(tmp_path):
    path = write(
        tmp_path / "new.trace.json",
        refund_document(schema={"name": "pytest-agenttrace/fixture", "version": "2.0"}),
    )
    with pytest.raises(FixtureVersionError) as caught:
        load_fixture(path)
    assert str(caught.value) == (
        f"{path}: schema.version: written in fixture format 2.0, newer than this pytest-agenttrace reads (1.0); "
        "upgrade pytest-agenttrace"
    )


def test_an_older_major_version_goes_through_the_migrations(tmp_path, monkeypatch):
    from pytest_agenttrace.model import versions

    def from_v0(document: dict) -> dict:
        document = dict(document)
        document["schema"] = {"name": "pytest-agenttrace/fixture", "version": "1.0"}
        document["steps"] = [
            dict(s, kind="tool") if s.get("kind") == "tool_call" else s for s in document["steps"]
        ]
        return document

    monkeypatch.setitem(versions.MIGRATIONS, 0, from_v0)
    old = refund_document(schema={"name": "pytest-agenttrace/fixture", "version": "0.3"})
    old["steps"][1]["kind"] = "tool_call"
    fixture = load_fixture(write(tmp_path / "old.trace.json", old))
    assert fixture.steps[1].kind == "tool"
    assert fixture.format.version == "1.0"


def test_an_unsupported_old_version_is_refused(tmp_path):
    path = write(
        tmp_path / "old.trace.json",
        refund_document(schema={"name": "pytest-agenttrace/fixture", "version": "0.1"}),
    )
    with pytest.raises(
        FixtureVersionError, match=r"schema\.version: format version 0\.x is no longer supported"
    ):
        load_fixture(path)


def test_missing_files_and_folders_are_named(tmp_path):
    with pytest.raises(FixtureError, match=r"missing\.trace\.json: no such file"):
        load_fixture(tmp_path / "missing.trace.json")
    with pytest.raises(FixtureError, match="is a folder"):
        load_fixture(tmp_path)


def test_discover_finds_fixture_files_sorted(tmp_path):
    for name in ["b/z.trace.json", "a/y.trace.json", "x.trace.json", "notes.json", "a/ignored.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    found = discover([tmp_path, tmp_path / "x.trace.json", str(tmp_path / "*" / "*.trace.json")])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a/y.trace.json",
        "b/z.trace.json",
        "x.trace.json",
    ]


def test_a_50_mb_fixture_loads_and_round_trips(tmp_path):
    big_result = {
        "rows": [{"sku": f"SKU-{i:06d}", "name": "widget " * 8, "price": i * 0.5} for i in range(400)]
    }
    lookup = refund_steps()[1]
    steps = [dict(lookup, id=f"t{i}", result=big_result) for i in range(1000)]
    document = refund_document(
        steps=steps, totals={"steps": 1000, "model_calls": 0, "tool_calls": 1000, "errors": 0}
    )
    raw = dumps_data(document)
    assert len(raw) > 50_000_000
    path = tmp_path / "big.trace.json"
    path.write_bytes(raw)
    started = time.perf_counter()
    fixture = load_fixture(path)
    elapsed = time.perf_counter() - started
    assert len(fixture.steps) == 1000
    assert dump_fixture(fixture) == raw
    assert elapsed < 60  # a generous bound: this guards against pathological (quadratic) behaviour only


json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    arguments=st.dictionaries(st.text(max_size=10), json_value, max_size=5), result=json_value, text=st.text()
)
def test_any_json_in_steps_round_trips(tmp_path, arguments, result, text):
    document = refund_document(input=text)
    document["steps"][1]["arguments"] = arguments
    document["steps"][1]["result"] = result
    path = tmp_path / "prop.trace.json"
    path.write_bytes(dumps_data(document))
    loaded = load_fixture(path)
    assert loaded.steps[1].arguments == arguments
    assert dump_fixture(loaded) == path.read_bytes()


@pytest.mark.parametrize(
    ("edit", "where", "key"),
    [
        (
            lambda t: t.replace('"status": "regression",', '"status": "regression",\n  "status": "golden",'),
            "(top level)",
            "status",
        ),
        (
            lambda t: t.replace(
                '"order_id": "ORD-2002",', '"order_id": "ORD-2002",\n "order_id": "ORD-9",', 1
            ),
            "steps[1].result",
            "order_id",
        ),
        (
            lambda t: t.replace('"role": "system",', '"role": "system", "role": "user",', 1),
            "steps[0].messages[0]",
            "role",
        ),
    ],
)
def test_a_key_written_twice_is_refused_with_its_path(tmp_path, edit, where, key):
    from pytest_agenttrace.store import parse_json, validation_problems

    text = dumps_data(refund_document()).decode()
    changed = edit(text)
    assert changed != text
    path = tmp_path / "dup.trace.json"
    path.write_text(changed, encoding="utf-8")
    with pytest.raises(FixtureError) as caught:
        load_fixture(path)
    assert str(caught.value) == f'{path}: {where}: duplicate key "{key}"'
    with pytest.raises(FixtureError):
        validation_problems(parse_json(path.read_bytes(), path), path)


def test_duplicate_keys_are_counted_and_the_first_named(tmp_path):
    path = tmp_path / "dup.trace.json"
    path.write_text('{"a": {"x": 1, "x": 2}, "b": [{"y": 1, "y": 1}]}', encoding="utf-8")
    with pytest.raises(FixtureError) as caught:
        load_fixture(path)
    assert str(caught.value) == f'{path}: a: duplicate key "x" (and 1 more object(s) with a duplicate key)'


@pytest.mark.parametrize(
    ("mutate", "problems"),
    [
        # a plain union (text | content parts): pydantic names both branches' types in the location
        (
            lambda d: d["steps"][0]["messages"][1].update(content=5),
            [("steps[0].messages[1].content", "Input should be a valid string or a valid list")],
        ),
        # a model step has a `model` key and the discriminator tag `model`: the path is the file's
        (
            lambda d: d["steps"][0]["messages"][1].update(role="robot"),
            [
                (
                    "steps[0].messages[1].role",
                    "Input should be 'system', 'developer', 'user', 'assistant' or 'tool'",
                )
            ],
        ),
        # str | RegexRule: an object is meant as a rule, so the rule's own errors, not the string branch's
        (
            lambda d: d.update(expect={"output": {"must_contain": [5, {"regex": 3}, {"rx": "a"}]}}),
            [
                ("expect.output.must_contain[0]", "Input should be a valid string or a valid dictionary"),
                ("expect.output.must_contain[1].regex", "Input should be a valid string"),
                ("expect.output.must_contain[2].regex", "Field required"),
                ("expect.output.must_contain[2].rx", "Extra inputs are not permitted"),
            ],
        ),
        (
            lambda d: d.update(expect={"tools": {"sequence": [{"name": "x", "match": {"tolerance": "a"}}]}}),
            [
                (
                    "expect.tools.sequence[0].match.tolerance",
                    "Input should be a valid number or a valid dictionary",
                )
            ],
        ),
        (lambda d: d["steps"].append(5), [("steps[4]", "Input should be a valid dictionary")]),
    ],
)
def test_problem_paths_are_places_in_the_file_not_union_branches(tmp_path, mutate, problems):
    from pytest_agenttrace.store import parse_json, validation_problems

    document = refund_document()
    mutate(document)
    path = write(tmp_path / "bad.trace.json", document)
    assert validation_problems(parse_json(path.read_bytes(), path), path) == problems
    with pytest.raises(FixtureError) as caught:
        load_fixture(path)
    where, message = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    assert str(caught.value) == f"{path}: {where}: {message}{more}"


def test_a_newer_minor_version_loads_when_it_uses_only_known_fields(tmp_path):
    path = write(
        tmp_path / "newer.trace.json",
        refund_document(schema={"name": "pytest-agenttrace/fixture", "version": "1.7"}),
    )
    fixture = load_fixture(path)
    assert fixture.format.version == "1.7"
    assert dump_fixture(fixture) == path.read_bytes()  # nothing lost on a rewrite (`agenttrace mark`)


def test_a_field_added_by_a_newer_minor_version_is_named_as_such(tmp_path):
    document = refund_document(schema={"name": "pytest-agenttrace/fixture", "version": "1.7"})
    document["steps"][1]["retries"] = 2
    path = write(tmp_path / "newer.trace.json", document)
    with pytest.raises(FixtureError) as caught:
        load_fixture(path)
    assert str(caught.value) == (
        f"{path}: steps[1].retries: not a field of fixture format 1.0; the file is in format 1.7, "
        "a newer minor version: upgrade pytest-agenttrace to read it"
    )


def test_a_newer_major_version_is_refused_before_its_content_is_judged(tmp_path):
    document = refund_document(schema={"name": "pytest-agenttrace/fixture", "version": "2.0"})
    document["steps"][1]["kind"] = "tool_invocation"  # whatever 2.0 changed
    path = write(tmp_path / "new.trace.json", document)
    with pytest.raises(
        FixtureVersionError, match=r"new\.trace\.json: schema\.version: written in fixture format 2\.0"
    ):
        load_fixture(path)


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (1.0, 'expected a string "MAJOR.MINOR" (e.g. "1.0"), got the number 1.0'),
        (1, 'expected a string "MAJOR.MINOR" (e.g. "1.0"), got the number 1'),
        (True, 'expected a string "MAJOR.MINOR" (e.g. "1.0"), got true'),
        (None, 'expected a string "MAJOR.MINOR" (e.g. "1.0"), got null'),
        (["1", "0"], 'expected a string "MAJOR.MINOR" (e.g. "1.0"), got an array'),
        ("v1", 'format version "v1" is not "MAJOR.MINOR" (e.g. "1.0")'),
    ],
)
def test_a_version_that_is_not_a_version_string_is_named(tmp_path, version, message):
    path = write(
        tmp_path / "odd.trace.json",
        refund_document(schema={"name": "pytest-agenttrace/fixture", "version": version}),
    )
    with pytest.raises(FixtureError) as caught:
        load_fixture(path)
    assert str(caught.value) == f"{path}: schema.version: {message}"


def test_a_missing_version_is_named(tmp_path):
    path = write(tmp_path / "odd.trace.json", refund_document(schema={"name": "pytest-agenttrace/fixture"}))
    with pytest.raises(FixtureError) as caught:
        load_fixture(path)
    assert str(caught.value) == f'{path}: schema.version: missing (expected "MAJOR.MINOR", e.g. "1.0")'
