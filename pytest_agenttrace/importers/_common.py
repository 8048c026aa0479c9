"""Helpers the LangSmith, OpenAI Agents SDK and fixture importers share.

They turn the small recurring shapes of trace exports (ISO timestamps, JSON text inside JSON, chat messages
in OpenAI or LangChain form, error strings with tracebacks) into the fixture format's fields, and they put
a finished list of steps in the one order the fixture format promises: by start time, parents before
children, ties broken by a key the importer gives, so that two imports of one export give the same bytes.

Everything here is a pure function of its input: no clock, no randomness, no global state.
"""

from __future__ import annotations

import ast
import gzip
import importlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import IO, Any, Final

from . import progress
from ._shape import check, usage_fields
from .base import ImportOptions, StepData
from .otlp._json import _constant_position

#: Marks "not recorded" where ``None`` is a recorded JSON ``null``.
MISSING: Final[Any] = type(
    "Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False}
)()

#: A single JSON document larger than this is refused rather than parsed into memory.
MAX_DOCUMENT_BYTES: Final = 1 << 30
#: How much of a file's first line is read to tell JSON Lines from one document.
JSONL_PROBE_BYTES: Final = 8 << 20
#: A streamed document with invalid JSON up to this size is parsed again whole, for the line and column.
REPARSE_FOR_ERROR_BYTES: Final = 64 << 20

_GZIP_MAGIC = b"\x1f\x8b"

ijson: Any = importlib.import_module("ijson")  # a core dependency without type stubs: typed as Any


class ExportError(ValueError):
    """A whole export cannot be read (not JSON, truncated); ``where`` is the place in the file."""

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.where = where


# --------------------------------------------------------------------------------------------- reading
def read_head(path: Path, size: int = 65536) -> bytes:
    """The first ``size`` bytes of a file, decompressed when it is gzip (so sniffing sees the JSON)."""
    with path.open("rb") as handle:
        head = handle.read(size)
    if head.startswith(_GZIP_MAGIC):
        with gzip.open(path, "rb") as handle:
            return handle.read(size)
    return head


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip; the raw file is shown to the progress display."""
    raw = path.open("rb")
    try:
        magic = raw.read(2)
        raw.seek(0)
    except OSError:
        raw.close()
        raise
    progress.watch(path, raw)
    if magic == _GZIP_MAGIC:
        return _Gzip(raw)  # type: ignore[return-value]  # a GzipFile is a binary IO
    return raw


class _Gzip(gzip.GzipFile):
    """A gzip reader that owns the raw file it reads (``GzipFile(fileobj=...)`` leaves it open)."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


def _decode(text: str, offset_line: int = 0) -> Any:
    try:
        value, end = _DECODER.raw_decode(text, _skip_ws(text, 0))
    except json.JSONDecodeError as exc:
        reason = exc.msg
        if exc.pos >= len(text.rstrip()):
            reason = "unexpected end of file (truncated?)"
        where = _position(text, exc.pos)
        if offset_line:
            where = f"line {offset_line}, column {exc.colno}"
        raise ExportError(f"invalid JSON: {reason}", where) from None
    except ValueError as exc:  # NaN / Infinity, which the stdlib reports without a place
        line, column = _constant_position(text)
        if line is not None and offset_line:
            line = offset_line
        place = f"line {line}, column {column}" if line is not None else None
        raise ExportError(f"invalid JSON: {exc}", place) from None
    except RecursionError:
        raise ExportError(
            "invalid JSON: nested too deeply", f"line {offset_line}" if offset_line else None
        ) from None
    rest = _skip_ws(text, end)
    if rest < len(text):
        raise ExportError(
            "invalid JSON: extra data after the document",
            f"line {offset_line}, column {rest + 1}" if offset_line else _position(text, rest),
        )
    return value


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _text(raw: bytes, line: int = 0) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = f"line {line}, byte {exc.start + 1}" if line else f"byte {exc.start}"
        raise ExportError(f"not UTF-8 text ({exc.reason})", where) from None


def _is_jsonl(path: Path) -> bool:
    """JSON Lines: by its name, or because its first line is a whole JSON value and more lines follow.

    A pretty-printed document starts with a line such as ``[`` that is no value on its own; a document on
    one line is one value with nothing after it. Only the first line is parsed (up to 8 MiB of it).
    """
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson")):
        return True
    with open_binary(path) as stream:
        first = b""
        for line in iter(lambda: stream.readline(JSONL_PROBE_BYTES), b""):
            if line.strip():
                first = line
                break
        if not first.endswith(b"\n"):
            return False  # the only line, or longer than the probe: one document
        if not any(line.strip() for line in iter(lambda: stream.readline(1 << 16), b"")):
            return False
    try:
        _decode(first.decode("utf-8-sig"))
    except (ExportError, UnicodeDecodeError):
        return False
    return True


def _stream_prefix(head: bytes, stream_keys: Sequence[str]) -> tuple[str, str] | None:
    """The ijson prefix of the elements to hand out one by one, and their JSON path, or None (parse whole)."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"["):
        return "item", "$"
    for key in stream_keys:
        if re.match(rb'\{\s*"' + re.escape(key.encode()) + rb'"\s*:\s*\[', text):
            return f"{key}.item", f"$.{key}"
    return None


def iter_json_documents(
    path: Path, stream_keys: Sequence[str] = (), *, check_depth: bool = True
) -> Iterator[tuple[str, Any]]:
    """Yield ``(where, value)`` for the units of a JSON or JSON Lines file, reading it incrementally.

    A unit is one line of a JSON Lines file (``where`` is ``"line N: $"``), one element of a document that
    is a JSON array (``"$[N]"``) or of the array under one of ``stream_keys`` when the document is an object
    starting with that key (``"$.runs[N]"``), else the whole document (``"$"``: a run tree, one trace's
    export). So memory is bounded by the largest unit, not by the file: streamed documents are parsed with
    ijson, one element at a time. Raises :class:`ExportError` naming the line and column (or the byte
    offset, for a streamed document too big to parse again) of the first syntax error, or saying that the
    file is empty. ``check_depth=False`` skips the nesting guard of a streamed document, for a second pass
    over a file the first pass already measured.
    """
    try:
        head = read_head(path)
    except (OSError, EOFError) as exc:
        raise ExportError(f"cannot read the file: {exc}") from None
    if not head.strip() or head.strip() == b"\xef\xbb\xbf":
        raise ExportError("empty file")
    if _is_jsonl(path):
        yield from _jsonl_units(path)
        return
    stream = _stream_prefix(head, stream_keys)
    if stream is None:
        yield "$", _whole_document(path)
        return
    if check_depth:
        check_nesting(path)
    yield from _streamed_units(path, *stream)


def _jsonl_units(path: Path) -> Iterator[tuple[str, Any]]:
    with open_binary(path) as stream:
        for number, raw in enumerate(stream, start=1):
            if len(raw) > MAX_DOCUMENT_BYTES:
                raise ExportError(f"line larger than {MAX_DOCUMENT_BYTES >> 20} MiB", f"line {number}")
            if not raw.strip():
                continue
            yield f"line {number}: $", _decode(_text(raw, number), number)


def _whole_document(path: Path) -> Any:
    with open_binary(path) as stream:
        data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ExportError(f"larger than {MAX_DOCUMENT_BYTES >> 20} MiB; split the export")
    return _decode(_text(data))


#: Deeper than any real export nests (a trace's messages inside tool arguments inside spans: a few dozen).
MAX_NESTING: Final = 512
#: The nesting guard reads a block at a time: its memory is a few times this, whatever the file's size.
BLOCK_BYTES = 1 << 20
_STRING: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # unrolled: 2.5x faster than (?:a|b)*
_STRING_REST: Final = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET: Final = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP: Final = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def nesting_depth(path: Path, limit: int = MAX_NESTING) -> int | None:
    """How deep the JSON file nests, when deeper than ``limit`` (else None), at C speed.

    ijson's streaming parser builds the path of every event (``item.item.item...``) and keeps a buffer's
    events at once, so a hostile document of a few MB nested a hundred thousand levels deep costs it tens
    of GB before it reports anything; the standard library gives up at Python's recursion limit. So the
    depth is measured before a document is streamed, a block at a time (memory stays one block): strings
    are cut out (one that runs past the block is carried into the next), everything but brackets is
    deleted, and the running sum of the brackets that remain is taken.
    """
    depth = deepest = 0
    in_string = False
    with open_binary(path) as stream:
        for block in _blocks(stream, BLOCK_BYTES):
            if in_string:  # the block starts inside a string the previous one opened
                end = _STRING_REST.match(block)
                if end is None:
                    continue
                block = block[end.end() :]
                in_string = False
            stripped = _STRING.sub(b"", block)
            opened = stripped.find(b'"')  # a string that does not end in this block
            if opened >= 0:
                stripped, in_string = stripped[:opened], True
            brackets = stripped.translate(None, _NOT_BRACKET)
            if not brackets:
                continue
            deepest = max(deepest, max(accumulate(map(_DEPTH_STEP.__getitem__, brackets), initial=depth)))
            if deepest > limit:
                return deepest
            depth += 2 * (brackets.count(b"[") + brackets.count(b"{")) - len(brackets)
    return None


def _blocks(stream: IO[bytes], size: int = BLOCK_BYTES) -> Iterator[bytes]:
    """The stream in blocks of about ``size`` bytes, never ending inside an escape (``\\x``)."""
    while block := stream.read(size):
        while block.endswith(b"\\"):
            more = stream.read(1)
            if not more:
                break
            block += more
        yield block


def check_nesting(path: Path) -> None:
    """Raise :class:`ExportError` for a document nested deeper than :data:`MAX_NESTING` levels."""
    deepest = nesting_depth(path)
    if deepest is not None:
        raise ExportError(f"invalid JSON: nested more than {MAX_NESTING} levels deep; not a trace export")


def _streamed_units(path: Path, prefix: str, base: str) -> Iterator[tuple[str, Any]]:
    done = 0
    try:
        with open_binary(path) as stream:
            if stream.read(3) != b"\xef\xbb\xbf":
                stream.seek(0)
            for value in ijson.items(stream, prefix, use_float=True):
                yield f"{base}[{done}]", value
                done += 1
    except ijson.JSONError as exc:
        if path.stat().st_size > REPARSE_FOR_ERROR_BYTES:
            detail = str(exc).splitlines()[0] if str(exc) else "invalid JSON"
            raise ExportError(f"invalid JSON: {detail}", f"in {base}[{done}]") from None
        # the stdlib parser names the line and column; or it reads what yajl cannot (integers beyond
        # 64 bits, which the fields' checks then name), and the rest of the units come from its parse
        document = _whole_document(path)
        elements = document if base == "$" else document.get(base[2:]) if isinstance(document, dict) else None
        if not isinstance(elements, list):
            raise ExportError(f"invalid JSON: {exc}", f"in {base}[{done}]") from None
        for index in range(done, len(elements)):
            yield f"{base}[{index}]", elements[index]


# ---------------------------------------------------------------------------------------------- values
def parse_json_text(text: Any) -> Any:
    """The value of JSON text, or :data:`MISSING` when ``text`` is not a string holding valid JSON."""
    if not isinstance(text, str):
        return MISSING
    try:
        return _DECODER.decode(text)
    except (ValueError, RecursionError):
        return MISSING


def iso_utc(value: Any) -> str | None:
    """An ISO 8601 timestamp in UTC with microseconds and ``Z``; ``None`` when ``value`` is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def timing(start: Any, end: Any) -> dict[str, Any] | None:
    """A step's ``timing`` from recorded start and end timestamps (either may be missing)."""
    begin = iso_utc(start)
    finish = iso_utc(end)
    result: dict[str, Any] = {}
    if begin is not None:
        result["start"] = begin
    if begin is not None and finish is not None:
        delta = datetime.fromisoformat(finish.replace("Z", "+00:00")) - datetime.fromisoformat(
            begin.replace("Z", "+00:00")
        )
        millis = delta.total_seconds() * 1000
        if millis >= 0:
            result["duration_ms"] = round(millis, 3)
    return result or None


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: for optional nested objects."""
    return value if isinstance(value, dict) else {}


def drop_none(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``mapping`` whose value is not ``None``."""
    return {key: value for key, value in mapping.items() if value is not None}


def as_int(value: Any) -> int | None:
    """A non-negative token count, or ``None`` when the value is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


def usage_from(mapping: Any, where: str | None = None) -> dict[str, int] | None:
    """Token usage from any of the shapes SDKs record (``input_tokens``/``prompt_tokens``, details).

    With ``where`` (the JSON path of ``mapping``), a count that is a number but no plausible token count
    (negative, fractional, above 2**53) raises :class:`ShapeError` instead of being passed over: it is a
    corrupt export, and silently dropping it would make the fixture's totals lie.
    """
    if not isinstance(mapping, Mapping):
        return None
    if where is not None:
        check(mapping, usage_fields(), where)
    found: dict[str, int | None] = {
        "input_tokens": as_int(mapping.get("input_tokens", mapping.get("prompt_tokens"))),
        "output_tokens": as_int(mapping.get("output_tokens", mapping.get("completion_tokens"))),
        "total_tokens": as_int(mapping.get("total_tokens")),
    }
    for key in ("input_token_details", "input_tokens_details", "prompt_tokens_details"):
        details = mapping.get(key)
        if isinstance(details, Mapping):
            found["cache_read_tokens"] = as_int(details.get("cache_read", details.get("cached_tokens")))
            break
    for key in ("output_token_details", "output_tokens_details", "completion_tokens_details"):
        details = mapping.get(key)
        if isinstance(details, Mapping):
            found["reasoning_tokens"] = as_int(details.get("reasoning", details.get("reasoning_tokens")))
            break
    usage = {key: value for key, value in found.items() if value is not None}
    return usage or None


def tool_arguments(value: Any) -> dict[str, Any]:
    """``{"arguments": {...}}`` when the recorded arguments are (JSON text of) an object, else ``arguments_text``."""
    if value is MISSING:
        return {}
    if isinstance(value, dict):
        return {"arguments": value}
    if isinstance(value, str):
        parsed = parse_json_text(value)
        if isinstance(parsed, dict):
            return {"arguments": parsed}
        return {"arguments_text": value}
    if value is None:
        return {}
    return {"arguments_text": json.dumps(value, ensure_ascii=False)}


def arguments_json_text(value: Any) -> str:
    """Tool-call arguments as the JSON text the fixture format keeps (a dict is serialised compactly)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False)


# ------------------------------------------------------------------------------------------------ errors
_REPR = re.compile(r"^([A-Za-z_][\w.]*)\((.*)\)$", re.S)


def error_from_text(text: str) -> dict[str, str]:
    """``{type, message}`` from an error string such as LangSmith's ``repr(exc)`` plus traceback.

    The type is the exception class as written; the message is the text of the exception's single
    argument when it is a plain string literal (read with ``ast.literal_eval``, which evaluates nothing),
    else the last line of the traceback, else the first line.
    """
    first, _, rest = text.strip().partition("\n")
    match = _REPR.match(first.strip())
    if match:
        kind = match.group(1).rsplit(".", 1)[-1]
        message: str | None = None
        try:
            argument = ast.literal_eval(match.group(2)) if match.group(2).strip() else ""
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            argument = None
        if isinstance(argument, str):
            message = argument
        if message is None:
            for line in reversed(rest.strip().splitlines()):
                head, sep, tail = line.partition(": ")
                if sep and head.rsplit(".", 1)[-1] == kind:
                    message = tail
                    break
        return drop_none({"type": kind, "message": message if message is not None else first})
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if lines and lines[0].startswith("Traceback"):
        head, sep, tail = lines[-1].partition(": ")
        if sep and re.fullmatch(r"[A-Za-z_][\w.]*", head):
            return {"type": head.rsplit(".", 1)[-1], "message": tail}
    return {"message": lines[0] if lines else text}


# ---------------------------------------------------------------------------------------------- messages
_ROLES = {
    "system": "system",
    "developer": "developer",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "tool": "tool",
    "function": "tool",
}
_LC_CLASSES = {
    "SystemMessage": "system",
    "SystemMessageChunk": "system",
    "HumanMessage": "user",
    "HumanMessageChunk": "user",
    "AIMessage": "assistant",
    "AIMessageChunk": "assistant",
    "ToolMessage": "tool",
    "ToolMessageChunk": "tool",
    "FunctionMessage": "tool",
    "ChatMessage": "",
    "ChatMessageChunk": "",
}


def is_lc_serialized(value: Any) -> bool:
    """True for LangChain's serialized objects, ``{"lc": 1, "type": "constructor", "id": [...], ...}``."""
    return isinstance(value, dict) and value.get("lc") == 1 and isinstance(value.get("id"), list)


def lc_class(value: Mapping[str, Any]) -> str:
    ids = value.get("id")
    return str(ids[-1]) if isinstance(ids, list) and ids else ""


def _tool_call(call: Any) -> dict[str, Any] | None:
    if not isinstance(call, Mapping):
        return None
    function = call.get("function")
    if isinstance(function, Mapping):  # OpenAI: {"id", "type", "function": {"name", "arguments"}}
        name, arguments = function.get("name"), function.get("arguments")
    elif "args" in call or call.get("type") == "tool_call":  # LangChain: {"name", "args", "id"}
        name, arguments = call.get("name"), call.get("args")
    else:
        name, arguments = call.get("name"), call.get("arguments")
    if not isinstance(name, str):
        return None
    result: dict[str, Any] = {}
    if isinstance(call.get("id"), str):
        result["id"] = call["id"]
    result["type"] = "function"
    result["function"] = {"name": name, "arguments": arguments_json_text(arguments)}
    return result


def _content(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, dict) for part in value):
        return value
    return json.dumps(value, ensure_ascii=False)


def normalize_message(value: Any) -> dict[str, Any] | None:
    """A chat message in the OpenAI Chat Completions shape, from OpenAI or LangChain forms.

    Fields the fixture's message has no place for are dropped only when they are null or empty; a
    message that is not recognisable as one returns ``None`` (the caller keeps the raw value).
    """
    if is_lc_serialized(value):
        kwargs = value.get("kwargs") or {}
        role = _LC_CLASSES.get(lc_class(value))
        if role is None or not isinstance(kwargs, Mapping):
            return None
        if role == "":
            role = _ROLES.get(str(kwargs.get("role", "")), "")
            if not role:
                return None
        return _message_from(role, kwargs)
    if not isinstance(value, Mapping):
        return None
    if "role" in value:
        role = _ROLES.get(str(value["role"]))
        return None if role is None else _message_from(role, value)
    kind = value.get("type")
    data = value.get("data")
    if isinstance(kind, str) and isinstance(data, Mapping):  # langchain messages_to_dict
        role = _ROLES.get(kind) or _ROLES.get(str(data.get("role", "")))
        return None if role is None else _message_from(role, data)
    if isinstance(kind, str) and kind in _ROLES and "content" in value:
        return _message_from(_ROLES[kind], value)
    return None


def _message_from(role: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": role}
    content = _content(fields.get("content"))
    if (content is not None and content != "") or role != "assistant":
        message["content"] = content if content is not None else None
    if isinstance(fields.get("name"), str) and role != "tool":
        message["name"] = fields["name"]
    calls = fields.get("tool_calls")
    if not calls:
        extra = fields.get("additional_kwargs")
        if isinstance(extra, Mapping):
            calls = extra.get("tool_calls")
    if isinstance(calls, list) and calls:
        converted = [_tool_call(call) for call in calls]
        message["tool_calls"] = [call for call in converted if call is not None]
    if role == "tool" and isinstance(fields.get("tool_call_id"), str):
        message["tool_call_id"] = fields["tool_call_id"]
    if "content" not in message and "tool_calls" not in message:
        message["content"] = None
    return message


def normalize_messages(values: Any) -> list[dict[str, Any]] | None:
    """A list of chat messages, or ``None`` when any entry is not recognisable as a message."""
    if not isinstance(values, list):
        return None
    messages = [normalize_message(value) for value in values]
    if any(message is None for message in messages):
        return None
    return [message for message in messages if message is not None]


def user_input(messages: Sequence[Mapping[str, Any]]) -> Any:
    """The user's request: plain text when it is one text message, else the messages themselves."""
    if (
        len(messages) == 1
        and messages[0].get("role") == "user"
        and isinstance(messages[0].get("content"), str)
    ):
        return messages[0]["content"]
    return [dict(message) for message in messages]


# ------------------------------------------------------------------------------------- generic rule steps
def rule_step(kind: str, base: StepData, inputs: Any, outputs: Any) -> StepData:
    """A step of a kind a mapping rule chose, filled from the span's recorded input and output."""
    step = dict(base)
    step["kind"] = kind
    if kind == "tool":
        step.update(tool_arguments(inputs))
        if outputs is not MISSING:
            step["result"] = outputs
    elif kind == "approval":
        if isinstance(inputs, dict):
            step["arguments"] = inputs
        if outputs is not MISSING:
            step["result"] = outputs
            approved = outputs.get("approved") if isinstance(outputs, dict) else None
            if isinstance(approved, bool):
                step["decision"] = "approved" if approved else "denied"
    elif kind == "memory":
        if isinstance(inputs, dict) and isinstance(inputs.get("key"), str):
            step["key"] = inputs["key"]
        if outputs is not MISSING:
            step["value"] = outputs
    elif kind == "retrieval":
        if inputs is not MISSING:
            step["query"] = inputs.get("query", inputs) if isinstance(inputs, dict) else inputs
        if isinstance(outputs, list):
            step["documents"] = outputs
    elif kind == "plan":
        if outputs is not MISSING:
            step["content"] = outputs
    elif kind == "guardrail":
        if inputs is not MISSING:
            step["input"] = inputs
        if outputs is not MISSING:
            step["result"] = outputs
    elif kind == "error" and "error" not in step:
        step["error"] = {"message": "error"}
    # what went into no field stays, as recorded, in the attributes
    unplaced_input = (kind == "approval" and not isinstance(inputs, dict)) or (
        kind == "retrieval" and isinstance(inputs, dict) and set(inputs) - {"query"} and "query" in inputs
    )
    unplaced_output = kind == "retrieval" and not isinstance(outputs, list)
    if (kind in ("memory", "plan", "handoff", "error", "model") or unplaced_input) and inputs is not MISSING:
        attributes = dict(step.get("attributes") or {})
        attributes["input"] = inputs
        step["attributes"] = attributes
    if (kind in ("model", "handoff", "error") or unplaced_output) and outputs is not MISSING:
        attributes = dict(step.get("attributes") or {})
        attributes["output"] = outputs
        step["attributes"] = attributes
    if kind == "tool" and not step.get("name"):
        step["name"] = "tool"
    return step


def kind_for(options: ImportOptions, name: str | None, attributes: Mapping[str, Any]) -> str | None:
    """The kind the mapping rules give a span that no convention names."""
    return options.kind_for(name, attributes)


# ------------------------------------------------------------------------------------------------ order
def detach_missing_parents(records: Mapping[Any, dict[str, Any]], parent_key: str) -> list[str]:
    """Make roots of the records whose parent the export does not hold; the missing ids, sorted.

    A partial trace (its root in another service, filtered out, or never exported because the process
    died first) is still a run worth replaying; refusing it would lose exactly the crashed runs. The
    caller records the ids (``MISSING_PARENTS_ATTRIBUTE``) so that nothing about the gap is lost.
    """
    missing: set[str] = set()
    for record in records.values():
        parent = record.get(parent_key)
        if parent is not None and parent not in records:
            missing.add(str(parent))
            record[parent_key] = None
    return sorted(missing)


def order_steps(steps: Iterable[tuple[Any, StepData]]) -> list[StepData]:
    """Steps sorted by ``(start, tie key)`` with every parent before its children.

    ``steps`` pairs each step with its tie-break key (the source's own order: LangSmith's dotted order, the
    span id). A child that sorts before its parent (clock skew, equal timestamps) waits for the parent.
    """
    ranked = sorted(steps, key=lambda pair: ((pair[1].get("timing") or {}).get("start") or "", pair[0]))
    ids = {step["id"] for _, step in ranked}
    emitted: set[str] = set()
    waiting: dict[str, list[StepData]] = {}
    ordered: list[StepData] = []

    def emit(step: StepData) -> None:
        ordered.append(step)
        emitted.add(step["id"])
        for child in waiting.pop(step["id"], []):
            emit(child)

    for _, step in ranked:
        parent = step.get("parent")
        if parent is None or parent in emitted or parent not in ids:
            if parent is not None and parent not in ids:
                step["parent"] = None
            emit(step)
        else:
            waiting.setdefault(parent, []).append(step)
    return ordered


def link_tool_calls(steps: list[StepData]) -> None:
    """Give tool steps without a call id the id of the call the model requested, by name and order.

    Calls are taken from the most recent model responses first, in the order the model listed them, and
    each requested call links to at most one tool step. A tool step with no requested call of its name
    keeps no call id: nothing is guessed.
    """
    pending: list[tuple[str, str]] = []
    for step in steps:
        if step.get("kind") == "model":
            response = step.get("response") or {}
            calls = [
                (call["id"], call["function"]["name"])
                for call in response.get("tool_calls") or []
                if call.get("id")
            ]
            if calls:
                pending = calls + pending
        elif step.get("kind") in ("tool", "approval"):
            if step.get("call_id"):
                pending = [call for call in pending if call[0] != step["call_id"]]
                continue
            name = step.get("name")
            for index, (call_id, call_name) in enumerate(pending):
                if call_name == name:
                    step["call_id"] = call_id
                    del pending[index]
                    break
