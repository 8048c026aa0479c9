"""Loading takes a short way for documents the models accept in strict JSON mode; it must give the same
fixture as the long way, and everything else (lax values, Python names for aliases) the long way's errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_agenttrace.errors import FixtureError
from pytest_agenttrace.replay.calls import CallShape
from pytest_agenttrace.store import dumps_data, load_fixture
from pytest_agenttrace.store.load import parse_json, strict_fixture, validate_data
from tests.plugin.kit import fixture_doc


def test_short_way_gives_the_long_ways_fixture(tmp_path: Path) -> None:
    raw = dumps_data(fixture_doc())
    fast = strict_fixture(raw)
    slow = validate_data(parse_json(raw, "x"), "x")
    assert fast is not None
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.to_data() == slow.to_data()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["steps"][0]["usage"].update(input_tokens="100"), "steps[0].usage.input_tokens"),
        (lambda d: d.update(format=d.pop("schema")), "schema"),
    ],
)
def test_what_strict_mode_refuses_still_gets_the_long_ways_error(
    tmp_path: Path, change: Any, message: str
) -> None:
    data = fixture_doc()
    change(data)
    path = tmp_path / "x.trace.json"
    path.write_text(json.dumps(data))
    assert strict_fixture(path.read_bytes()) is None
    with pytest.raises(FixtureError) as info:
        load_fixture(path)
    assert message in str(info.value)


def _slow_bind(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    shape = CallShape(fn)
    shape._names = None  # the general path through inspect.Signature.bind
    return shape.bind(args, kwargs)


def _f(a: Any, b: Any = 2, *, c: Any = 3) -> None: ...


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((1,), {}),
        ((1, 5), {}),
        ((), {"b": 1, "a": 0}),
        ((1,), {"a": 2}),
        ((1, 2, 3), {}),
        ((), {"z": 1}),
        ((1,), {"c": 5}),
    ],
)
def test_call_shape_short_way_is_signature_bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    fast, slow = CallShape(_f).bind(args, kwargs), _slow_bind(_f, args, kwargs)
    assert fast == slow
    assert list(fast) == list(slow)
