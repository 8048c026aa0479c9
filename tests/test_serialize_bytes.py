"""The fixture bytes never depend on whether orjson is installed: the fast writer agrees with the
standard library's indented encoder, or hands the document to it."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_agenttrace.store import serialize

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def _stdlib_or_error(data: Any) -> bytes | type[Exception]:
    try:
        return serialize._stdlib(data)
    except ValueError as exc:  # NaN, infinities, lone surrogates (UnicodeEncodeError)
        return type(exc)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_same_bytes_as_the_standard_library(data: Any) -> None:
    expected = _stdlib_or_error(data)
    if isinstance(expected, bytes):
        assert serialize.dumps_data(data) == expected
    else:
        with pytest.raises(ValueError):
            serialize.dumps_data(data)


@pytest.mark.parametrize("value", [1.5e-05, 1e-07, 1e16, 1e300, -0.0, 0.1, 2**64, "x: 1e5", "é\u2028"])
def test_spellings_that_differ_between_encoders(value: Any) -> None:
    assert serialize.dumps_data({"v": [value]}) == serialize._stdlib({"v": [value]})


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_refused(value: float) -> None:
    with pytest.raises(ValueError):
        serialize.dumps_data({"v": value})


def test_small_floats_stay_on_the_fast_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Costs below 1e-4 are in nearly every fixture: respelt in orjson's output, not handed to the stdlib."""
    data = {
        "cost": {"amount": 0.0000412, "input": 1.5e-07},
        'a "key": 1e-7': ["0.00001 e-5 in a string", 2.5e-05, -3e-10, 12, 0.25],
        "k0.00001": 5,
        "j1e-5": -7,
    }
    expected = serialize._stdlib(data)

    def refuse(_: Any) -> bytes:
        raise AssertionError("fell back to the standard library's encoder")

    monkeypatch.setattr(serialize, "_stdlib", refuse)
    assert serialize.dumps_data(data) == expected
