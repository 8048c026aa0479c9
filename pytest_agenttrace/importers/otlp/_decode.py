"""Decode OTLP/JSON (and the Python SDK's console JSON) into plain span and log records.

The protobuf JSON mapping has more than one spelling in the wild, so this module accepts all of them and
hands the conventions one clean shape: lowerCamelCase and snake_case keys, ids in hex (the OTLP/JSON rule),
base64 (plain ``json_format``/``protojson`` output) or ``0x``-prefixed hex (``span.to_json()``), int64
values as strings or numbers, enums as numbers or names, and proto3's omitted defaults (``status: {}`` is
UNSET, a root has no ``parentSpanId``). Attribute values become Python values; JSON text inside them is left
alone here: which attributes hold JSON is a matter for each convention.

A record that cannot be decoded becomes a :class:`BadRecord` naming its place, so the reader can report the
one trace it belongs to and keep importing the others.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

#: AnyValue nesting deeper than this is refused (a real exporter never comes close).
MAX_VALUE_DEPTH: Final = 64
#: Latest timestamp accepted, in ns (year 9999); later values are treated as absent.
MAX_TIME_NS: Final = 253_402_300_799 * 10**9

STATUS_UNSET: Final = 0
STATUS_OK: Final = 1
STATUS_ERROR: Final = 2

_STATUS_NAMES: Final = {"UNSET": 0, "OK": 1, "ERROR": 2}
_KIND_NAMES: Final = {"UNSPECIFIED": 0, "INTERNAL": 1, "SERVER": 2, "CLIENT": 3, "PRODUCER": 4, "CONSUMER": 5}
_HEX: Final = re.compile(r"^[0-9a-fA-F]+$")


class DecodeError(ValueError):
    """A record that does not have the shape of an OTLP span or log record."""


@dataclass(slots=True)
class SpanEvent:
    """A span event (``exception``, GenAI message events, ...)."""

    name: str
    time_ns: int | None
    attributes: dict[str, Any]
    #: True for a GenAI log record joined to its span (content the span itself did not carry).
    from_log: bool = False


@dataclass(slots=True)
class Span:
    """One decoded span, with the resource and scope it was exported under."""

    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    kind: int
    start_ns: int | None
    end_ns: int | None
    attributes: dict[str, Any]
    events: list[SpanEvent]
    status_code: int
    status_message: str | None
    resource: dict[str, Any]
    scope_name: str | None
    scope_version: str | None
    schema_url: str | None
    links: list[dict[str, Any]] = field(default_factory=list)
    where: str = ""
    order: int = 0

    def same_content(self, other: Span) -> bool:
        """True for an exact re-export of the same span (exporters retry), which is not a conflict."""
        return (
            self.parent_id == other.parent_id
            and self.name == other.name
            and self.start_ns == other.start_ns
            and self.end_ns == other.end_ns
            and self.attributes == other.attributes
            and self.status_code == other.status_code
        )


@dataclass(slots=True)
class BadRecord:
    """A span that could not be decoded; ``trace_id`` when it could still be read."""

    message: str
    where: str
    trace_id: str | None = None


@dataclass(slots=True)
class LogRecord:
    """One OTLP log record, reduced to what the GenAI event join needs."""

    trace_id: str | None
    span_id: str | None
    event_name: str | None
    time_ns: int | None
    body: Any
    attributes: dict[str, Any]
    order: int = 0


def _get(mapping: Mapping[str, Any], camel: str, snake: str | None = None) -> Any:
    if camel in mapping:
        return mapping[camel]
    if snake is None:
        snake = re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()
    return mapping.get(snake)


def normalize_id(value: Any, size: int) -> str | None:
    """An id as lowercase hex of ``size`` bytes; ``None`` when absent; ``DecodeError`` when invalid.

    The length tells the encodings apart: ``2*size`` hex digits, or base64 of ``size`` bytes (24 or 12
    characters with padding). All-zero ids are invalid in OTLP and mean "no id", like an empty string.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise DecodeError(f"id must be a string, not {type(value).__name__}")
    text = value.strip()
    if text[:2].lower() == "0x":
        text = text[2:]
    if not text:
        return None
    if len(text) == 2 * size and _HEX.match(text):
        result = text.lower()
    else:
        try:
            raw = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != size:
            raise DecodeError(
                f"invalid id {value[:64]!r}: neither {2 * size} hex digits nor base64 of {size} bytes"
            )
        result = raw.hex()
    if result.strip("0") == "":
        return None
    return result


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def time_ns(value: Any) -> int | None:
    """Nanoseconds since the epoch from an int64 (string or number) or an ISO-8601 string."""
    ns = _int(value)
    if ns is None and isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
        ns = (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000
    if ns is None or ns <= 0 or ns > MAX_TIME_NS:
        return None
    return ns


def any_value(value: Any, depth: int = 0) -> Any:
    """An OTLP AnyValue as a Python value (``intValue`` strings become ints, kvlists dicts, ...)."""
    if depth > MAX_VALUE_DEPTH:
        raise DecodeError("attribute value nested too deeply")
    if not isinstance(value, Mapping):
        raise DecodeError(f"attribute value must be an object, not {type(value).__name__}")
    if not value:
        return None
    for key, convert in _SCALARS:
        if key in value:
            return convert(value[key])
    array = _get(value, "arrayValue")
    if array is not None:
        items = _get(array, "values") if isinstance(array, Mapping) else None
        return [any_value(item, depth + 1) for item in _list(items)]
    kvlist = _get(value, "kvlistValue")
    if kvlist is not None:
        items = _get(kvlist, "values") if isinstance(kvlist, Mapping) else None
        return key_values(items, depth + 1)
    raise DecodeError(f"unknown attribute value type {sorted(value)[:3]}")


def _string(value: Any) -> Any:
    if not isinstance(value, str):
        raise DecodeError("stringValue must be a string")
    return value


def _integer(value: Any) -> Any:
    result = _int(value)
    if result is None:
        raise DecodeError(f"intValue must be an integer, not {value!r:.40}")
    return result


def _double(value: Any) -> Any:
    if isinstance(value, str):  # proto3 JSON writes NaN and the infinities as strings; keep them so
        try:
            number = float(value)
        except ValueError:
            raise DecodeError(f"doubleValue must be a number, not {value!r:.40}") from None
        return number if math.isfinite(number) else value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DecodeError("doubleValue must be a number")
    return float(value)


def _boolean(value: Any) -> Any:
    if not isinstance(value, bool):
        raise DecodeError("boolValue must be true or false")
    return value


def _bytes(value: Any) -> Any:
    if not isinstance(value, str):
        raise DecodeError("bytesValue must be a base64 string")
    return value  # kept as the recorded base64 text: a fixture holds JSON, not bytes


_SCALARS: Final = (
    ("stringValue", _string),
    ("string_value", _string),
    ("intValue", _integer),
    ("int_value", _integer),
    ("doubleValue", _double),
    ("double_value", _double),
    ("boolValue", _boolean),
    ("bool_value", _boolean),
    ("bytesValue", _bytes),
    ("bytes_value", _bytes),
)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DecodeError(f"expected a list, not {type(value).__name__}")
    return value


def key_values(items: Any, depth: int = 0) -> dict[str, Any]:
    """A list of ``{key, value}`` as a dict (later keys win, as in the SDKs)."""
    result: dict[str, Any] = {}
    for item in _list(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            raise DecodeError("attribute must be an object with a string key")
        raw = item.get("value")
        result[item["key"]] = None if raw is None else any_value(raw, depth)
    return result


def _plain_attributes(value: Any) -> dict[str, Any]:
    """Attributes printed by ``span.to_json()``: already a plain JSON object."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DecodeError("attributes must be an object")
    return {str(k): v for k, v in value.items()}


def _enum(value: Any, names: Mapping[str, int], prefix: str) -> int:
    if value is None:
        return 0
    number = _int(value)
    if number is not None:
        return number
    if isinstance(value, str):
        name = value.rsplit(".", 1)[-1].upper().removeprefix(prefix)
        if name in names:
            return names[name]
    raise DecodeError(f"unknown enum value {value!r:.40}")


def _events(raw: Any, plain: bool) -> list[SpanEvent]:
    events = []
    for item in _list(raw):
        if not isinstance(item, Mapping):
            raise DecodeError("span event must be an object")
        name = item.get("name")
        attributes = item.get("attributes")
        events.append(
            SpanEvent(
                name=name if isinstance(name, str) else "",
                time_ns=time_ns(item.get("timestamp") if plain else _get(item, "timeUnixNano")),
                attributes=_plain_attributes(attributes) if plain else key_values(attributes),
            )
        )
    return events


def _links(raw: Any, plain: bool) -> list[dict[str, Any]]:
    links = []
    for item in _list(raw):
        if not isinstance(item, Mapping):
            raise DecodeError("span link must be an object")
        context = item.get("context") if plain else item
        if not isinstance(context, Mapping):
            raise DecodeError("span link has no context")
        link: dict[str, Any] = {
            "trace_id": normalize_id(_get(context, "traceId"), 16),
            "span_id": normalize_id(_get(context, "spanId"), 8),
        }
        attributes = (
            _plain_attributes(item.get("attributes")) if plain else key_values(item.get("attributes"))
        )
        if attributes:
            link["attributes"] = attributes
        links.append(link)
    return links


def _scope_of(scope_spans: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    scope = _get(scope_spans, "scope")
    if scope is None:
        scope = _get(scope_spans, "instrumentationLibrary")
    if not isinstance(scope, Mapping):
        scope = {}
    name, version = scope.get("name"), scope.get("version")
    url = _get(scope_spans, "schemaUrl")
    return (
        name if isinstance(name, str) and name else None,
        version if isinstance(version, str) and version else None,
        url if isinstance(url, str) and url else None,
    )


def _decode_otlp_span(
    raw: Any, resource: dict[str, Any], scope: tuple[str | None, str | None, str | None], where: str
) -> Span | BadRecord:
    trace_id: str | None = None
    try:
        if not isinstance(raw, Mapping):
            raise DecodeError("span must be an object")
        trace_id = normalize_id(_get(raw, "traceId"), 16)
        if trace_id is None:
            raise DecodeError("span has no traceId")
        span_id = normalize_id(_get(raw, "spanId"), 8)
        if span_id is None:
            raise DecodeError("span has no spanId")
        status = _get(raw, "status") or {}
        if not isinstance(status, Mapping):
            raise DecodeError("status must be an object")
        message = status.get("message")
        name = raw.get("name")
        return Span(
            trace_id=trace_id,
            span_id=span_id,
            parent_id=normalize_id(_get(raw, "parentSpanId"), 8),
            name=name if isinstance(name, str) else "",
            kind=_enum(raw.get("kind"), _KIND_NAMES, "SPAN_KIND_"),
            start_ns=time_ns(_get(raw, "startTimeUnixNano")),
            end_ns=time_ns(_get(raw, "endTimeUnixNano")),
            attributes=key_values(raw.get("attributes")),
            events=_events(raw.get("events"), plain=False),
            status_code=_enum(status.get("code"), _STATUS_NAMES, "STATUS_CODE_"),
            status_message=message if isinstance(message, str) and message else None,
            resource=resource,
            scope_name=scope[0],
            scope_version=scope[1],
            schema_url=scope[2],
            links=_links(raw.get("links"), plain=False),
            where=where,
        )
    except DecodeError as exc:
        return BadRecord(str(exc), where, trace_id)


def is_traces_request(doc: Any) -> bool:
    """True for an ``ExportTraceServiceRequest`` (or a Collector file-exporter line)."""
    return isinstance(doc, Mapping) and (_get(doc, "resourceSpans") is not None)


def is_console_spans(doc: Any) -> bool:
    """True for what ``span.to_json()`` prints: one span object, or a list of them."""
    items = doc if isinstance(doc, list) else [doc]
    return bool(items) and all(
        isinstance(item, Mapping) and isinstance(item.get("context"), Mapping) and "name" in item
        for item in items
    )


def decode_traces_request(doc: Any, where: str = "") -> Iterator[Span | BadRecord]:
    """Every span of one ``ExportTraceServiceRequest``; ``DecodeError`` when the document is not one."""
    if not is_traces_request(doc):
        raise DecodeError("not an OTLP traces document (no resourceSpans)")
    prefix = f"{where}: " if where else ""
    for r_index, resource_spans in enumerate(_list(_get(doc, "resourceSpans"))):
        yield from decode_resource_spans(resource_spans, f"{prefix}resourceSpans[{r_index}]")


def decode_resource_spans(resource_spans: Any, r_where: str) -> Iterator[Span | BadRecord]:
    """Every span of one ``resourceSpans`` entry (the unit a streaming reader hands out)."""
    try:
        if not isinstance(resource_spans, Mapping):
            raise DecodeError("resourceSpans entry must be an object")
        resource_raw = resource_spans.get("resource") or {}
        if not isinstance(resource_raw, Mapping):
            raise DecodeError("resource must be an object")
        resource = key_values(resource_raw.get("attributes"))
        scopes = _get(resource_spans, "scopeSpans")
        if scopes is None:
            scopes = _get(resource_spans, "instrumentationLibrarySpans")
        scope_list = _list(scopes)
    except DecodeError as exc:
        yield BadRecord(str(exc), r_where)
        return
    for s_index, scope_spans in enumerate(scope_list):
        s_where = f"{r_where}.scopeSpans[{s_index}]"
        if not isinstance(scope_spans, Mapping):
            yield BadRecord("scopeSpans entry must be an object", s_where)
            continue
        try:
            scope = _scope_of(scope_spans)
            spans = _list(scope_spans.get("spans"))
        except DecodeError as exc:
            yield BadRecord(str(exc), s_where)
            continue
        for index, raw in enumerate(spans):
            yield _decode_otlp_span(raw, resource, scope, f"{s_where}.spans[{index}]")


def _decode_console_span(raw: Mapping[str, Any], where: str) -> Span | BadRecord:
    trace_id: str | None = None
    try:
        context = raw.get("context")
        if not isinstance(context, Mapping):
            raise DecodeError("span has no context")
        trace_id = normalize_id(context.get("trace_id"), 16)
        if trace_id is None:
            raise DecodeError("span has no trace_id")
        span_id = normalize_id(context.get("span_id"), 8)
        if span_id is None:
            raise DecodeError("span has no span_id")
        status = raw.get("status") or {}
        if not isinstance(status, Mapping):
            raise DecodeError("status must be an object")
        resource_raw = raw.get("resource") or {}
        resource = (
            _plain_attributes(resource_raw.get("attributes")) if isinstance(resource_raw, Mapping) else {}
        )
        scope = raw.get("instrumentation_scope") or raw.get("instrumentation_info") or {}
        scope_name = scope.get("name") if isinstance(scope, Mapping) else None
        scope_version = scope.get("version") if isinstance(scope, Mapping) else None
        message = status.get("description")
        name = raw.get("name")
        return Span(
            trace_id=trace_id,
            span_id=span_id,
            parent_id=normalize_id(raw.get("parent_id"), 8),
            name=name if isinstance(name, str) else "",
            kind=_enum(raw.get("kind"), _KIND_NAMES, "SPAN_KIND_"),
            start_ns=time_ns(raw.get("start_time")),
            end_ns=time_ns(raw.get("end_time")),
            attributes=_plain_attributes(raw.get("attributes")),
            events=_events(raw.get("events"), plain=True),
            status_code=_enum(status.get("status_code"), _STATUS_NAMES, "STATUS_CODE_"),
            status_message=message if isinstance(message, str) and message else None,
            resource=resource,
            scope_name=scope_name if isinstance(scope_name, str) else None,
            scope_version=scope_version if isinstance(scope_version, str) else None,
            schema_url=None,
            links=_links(raw.get("links"), plain=True),
            where=where,
        )
    except DecodeError as exc:
        return BadRecord(str(exc), where, trace_id)


def decode_console_spans(doc: Any, where: str = "") -> Iterator[Span | BadRecord]:
    """Spans printed by the Python SDK's ``ConsoleSpanExporter`` (one object or a list of them)."""
    items = doc if isinstance(doc, list) else [doc]
    prefix = f"{where}: " if where else ""
    for index, raw in enumerate(items):
        yield _decode_console_span(raw, f"{prefix}[{index}]")


def is_logs_request(doc: Any) -> bool:
    """True for an ``ExportLogsServiceRequest``."""
    return isinstance(doc, Mapping) and _get(doc, "resourceLogs") is not None


def decode_logs_request(doc: Any) -> Iterator[LogRecord]:
    """Every log record of one ``ExportLogsServiceRequest`` that can be read; broken records are skipped.

    Logs only add content to spans, so a record that cannot be read costs that content and nothing else.
    """
    if isinstance(doc, Mapping) and not doc:
        return  # an empty request: proto3 JSON omits the empty list
    if not is_logs_request(doc):
        raise DecodeError("not an OTLP logs document (no resourceLogs)")
    for resource_logs in _list(_get(doc, "resourceLogs")):
        if not isinstance(resource_logs, Mapping):
            continue
        scopes = _get(resource_logs, "scopeLogs")
        if scopes is None:
            scopes = _get(resource_logs, "instrumentationLibraryLogs")
        for scope_logs in scopes if isinstance(scopes, list) else []:
            records = (
                scope_logs.get("logRecords", scope_logs.get("log_records"))
                if isinstance(scope_logs, Mapping)
                else None
            )
            for raw in records if isinstance(records, list) else []:
                record = _decode_log(raw)
                if record is not None:
                    yield record


def _decode_log(raw: Any) -> LogRecord | None:
    if not isinstance(raw, Mapping):
        return None
    try:
        attributes = key_values(raw.get("attributes"))
        body_raw = raw.get("body")
        body = any_value(body_raw) if isinstance(body_raw, Mapping) else None
        trace_id = normalize_id(_get(raw, "traceId"), 16)
        span_id = normalize_id(_get(raw, "spanId"), 8)
    except DecodeError:
        return None
    event_name = _get(raw, "eventName")
    if not isinstance(event_name, str) or not event_name:
        legacy = attributes.get("event.name")  # SDKs before eventName existed
        event_name = legacy if isinstance(legacy, str) else None
    moment = time_ns(_get(raw, "timeUnixNano")) or time_ns(_get(raw, "observedTimeUnixNano"))
    return LogRecord(trace_id, span_id, event_name, moment, body, attributes)
