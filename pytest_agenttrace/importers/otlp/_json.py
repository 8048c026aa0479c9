"""JSON parsing for the OTLP importers: orjson when installed, the stdlib otherwise.

Both parsers are made to agree on what is valid: the stdlib accepts ``NaN`` and ``Infinity`` literals, which
would put values into a fixture that JSON cannot hold, so they are refused here as orjson refuses them.
Attribute values that hold JSON text are decoded through :func:`parse_json_text`, which never raises: text
that is not valid JSON simply stays a string, as recorded.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

_orjson: Any
try:  # pragma: no cover - exercised in whichever environment runs the tests
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

#: Marks "not decoded" where ``None`` is a real (JSON ``null``) value.
MISSING: Final[Any] = type(
    "Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False}
)()


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


class JsonError(ValueError):
    """Invalid JSON, with the 1-based line and column of the problem when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column

    @property
    def where(self) -> str | None:
        if self.line is None:
            return None
        return f"line {self.line}, column {self.column}" if self.column is not None else f"line {self.line}"


def loads(data: bytes | str) -> Any:
    """Parse one JSON document; raise :class:`JsonError` with a position on failure."""
    if _orjson is not None:
        try:
            return _orjson.loads(data)
        except _orjson.JSONDecodeError:
            pass  # the stdlib decides, so that both parsers agree (orjson refuses integers above 64 bits)
    text = ""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:  # orjson.JSONDecodeError derives from it
        raise JsonError(exc.msg, exc.lineno, exc.colno) from None
    except UnicodeDecodeError as exc:  # the place of the first byte that is not UTF-8
        assert isinstance(data, bytes)
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise JsonError(f"not UTF-8 text ({exc.reason})", line, column) from None
    except (ValueError, RecursionError) as exc:
        raise JsonError(str(exc) or "invalid JSON", *_constant_position(text)) from None


_CONSTANT: Final = re.compile(r'(?<![\w"])(?:-?Infinity|NaN)(?![\w"])')


def _constant_position(text: str) -> tuple[int | None, int | None]:
    """Line and column of the first ``NaN``/``Infinity`` literal, which the stdlib reports without one."""
    match = _CONSTANT.search(text)
    if match is None:
        return None, None
    start = match.start()
    return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1


def iter_concatenated(text: str) -> list[Any]:
    """Parse several JSON values written one after another (what ``ConsoleSpanExporter`` prints)."""
    values: list[Any] = []
    pos = 0
    end = len(text)
    while True:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            return values
        try:
            value, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise JsonError(exc.msg, exc.lineno, exc.colno) from None
        except (ValueError, RecursionError) as exc:
            raise JsonError(str(exc) or "invalid JSON") from None
        values.append(value)


def parse_json_text(text: Any) -> Any:
    """Decode an attribute that should hold JSON text; :data:`MISSING` when it is not valid JSON."""
    if not isinstance(text, str):
        return MISSING
    stripped = text.strip()
    if not stripped:
        return MISSING
    try:
        return loads(stripped)
    except JsonError:
        return MISSING


def dumps(value: Any) -> str:
    """JSON text as OpenAI writes tool-call arguments (``{"a": 1}``), for values recorded as objects."""
    return json.dumps(value, ensure_ascii=False)


def json_or_text(value: Any) -> Any:
    """A recorded result: JSON text that holds an object or a list is decoded, other text stays text."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "["):
            parsed = parse_json_text(stripped)
            if parsed is not MISSING:
                return parsed
    return value
