"""Fixture files as bytes: UTF-8, indented, keys in the models' order, one trailing newline.

The layout is chosen for code review: one value per line where it matters, non-ASCII text left readable,
and a load-then-save round trip that gives the same bytes, so a diff only ever shows real changes.

The bytes are defined by the standard library's ``json.dumps(indent=2, ensure_ascii=False)``. With an
indent that encoder runs in pure Python (about 25 MB/s), which made serialising the largest share of an
import after redaction, so orjson writes the same layout when it is installed (20 times faster). The two
agree on everything but a few float spellings (``1e-07`` against ``1e-7``, ``1.5e-05`` against
``0.000015``), non-finite floats (orjson writes ``null`` where the standard library refuses) and lone
surrogates. Floats of orjson's output that could be spelt differently are respelt as ``repr`` spells them
(every fixture with a cost has some); output that could hold one of the others is written by the standard
library instead, so the bytes never depend on whether orjson is installed.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from ..model import Fixture

_orjson: Any
try:  # pragma: no cover - exercised in whichever environment runs the tests
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

#: The spellings differ only for floats below 1e-4: orjson writes ``0.000015`` or ``1e-7`` where Python
#: writes ``1.5e-05`` and ``1e-07``. Both searches are led by a literal, so they run at memchr speed; a hit
#: inside a string only costs a fall-back to the standard library, never a wrong byte.
_SMALL_DECIMAL: Final = b"0.0000"
_NEGATIVE_EXPONENT: Final = re.compile(rb"e-[0-9]")


def _suspect_float(out: bytes) -> bool:
    if _SMALL_DECIMAL in out:
        return True
    return any(out[m.start() - 1 : m.start()].isdigit() for m in _NEGATIVE_EXPONENT.finditer(out))


#: One scalar per line in indented output: an optional key, then the value. A number value is never inside
#: a string there (a string value starts with a quote), so respelling the numbers of these lines is safe.
_NUMBER_LINE: Final = re.compile(rb'( *(?:"(?:[^"\\\n]|\\.)*": )?)(-?[0-9][0-9.eE+-]*)(,?)')
#: Where orjson and ``repr`` may spell a float differently (see :func:`_suspect_float`).
_CANDIDATE: Final = re.compile(rb"0\.0000|[0-9]e-[0-9]")


def _respell_floats(out: bytes) -> bytes:
    """orjson's output with the floats it may spell differently spelt as the standard library does (``repr``).

    Costs of a few cents per million tokens are floats below 1e-4 in nearly every fixture that has a cost,
    so falling back to the pure-Python encoder for them made serialising most of an import again. Only
    the lines holding a candidate spelling are looked at.
    """
    pieces: list[bytes] = []
    done = 0
    for candidate in _CANDIDATE.finditer(out):
        start = out.rfind(b"\n", 0, candidate.start()) + 1
        if start < done:
            continue  # this line was already respelt
        end = out.find(b"\n", candidate.end())
        end = len(out) if end < 0 else end
        line = _NUMBER_LINE.fullmatch(out, start, end)
        if line is None or line.group(2).isdigit() or line.group(2)[1:].isdigit():
            continue  # inside a string (a key's, say), or the value is an integer
        pieces += [out[done:start], line.group(1), repr(float(line.group(2))).encode(), line.group(3)]
        done = end
    pieces.append(out[done:])
    return b"".join(pieces)


_ENCODE_CHECK: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)


def _stdlib(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def dumps_data(data: Any) -> bytes:
    """Serialise a JSON-ready fixture document (``ValueError`` for NaN, infinities or lone surrogates)."""
    if _orjson is None:
        return _stdlib(data)
    try:
        out: bytes = _orjson.dumps(data, option=_orjson.OPT_INDENT_2 | _orjson.OPT_APPEND_NEWLINE)
    except _orjson.JSONEncodeError:  # an integer beyond 64 bits, a surrogate, a type only json knows
        return _stdlib(data)
    if _suspect_float(out):
        out = _respell_floats(out)
    # orjson writes NaN and the infinities as null: the C encoder (no indent, so fast) refuses them as the
    # standard library's indented encoder would
    _ENCODE_CHECK.encode(data)
    return out


def dump_fixture(fixture: Fixture) -> bytes:
    """The bytes of a fixture file."""
    return dumps_data(fixture.to_data())
