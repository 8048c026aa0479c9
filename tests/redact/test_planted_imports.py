"""Planted secrets through every importer and the real ``agenttrace import-trace``: none reaches a file.

Each case takes a real export of the corpus (``tests/data/corpus``, written by the tracing libraries
themselves) or spans written by the real OpenTelemetry SDK, and plants one value of every detector's kind:

* in every string that mentions the order ``ORD-2002`` (the user's prompt, the model's tool calls, the tool's
  arguments and results, and the raw request bodies some producers record), also inside JSON text nested
  in strings, at whatever depth it is nested;
* as numbers and under secret-named keys in every tool-argument object (``{"order_id": ...}``);
* as span attributes (a header, a client address, an attribute holding JSON text) in the OTLP formats;
* in the trace's name, which the fixture's id and file name are made from.

Then the import runs as a user runs it, and the test reads back every byte and every file name in the
output folder.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_agenttrace.redact import PLACEHOLDER

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"

EMAIL = "alice.smith@example.com"
PEM_BODY = "MIIEpAIBAAKCAQEA1c2V3kR4nb9Wq8eLr7pY2Z3x"
# detector -> (the text planted, the part of it that must not survive)
PLANTED: dict[str, tuple[str, str]] = {
    "openai_key": ("sk-proj-4fQ9xL2mN7pR1sT6vW3yZ8bC5dE0gH4jK9mN2pQ7rS1tU6vW3xY8zA5bC0dE7fG2h",) * 2,
    "anthropic_key": ("sk-ant-api03-Xy7Zq2Lm9Np4Rs6Tv1Wx3Yz8Ab5Cd0Ef2Gh7Ij4Kl9Mn1Op6Qr3St8Uv-AbCdEfAA",) * 2,
    "aws_access_key_id": ("AKIAIOSFODNN7EXAMPLE",) * 2,
    "aws_secret_key": (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    "google_api_key": ("AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",) * 2,
    "github_token": ("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",) * 2,
    "slack_token": ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",) * 2,
    "stripe_key": ("sk_live_51H8abcDEFghiJKLmnoPQRstu",) * 2,
    "jwt": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFsaWNlIn0"
        ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    )
    * 2,
    "bearer_token": (
        "Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    ),
    "private_key": (
        f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\nq8eLr7pY2Z3x\n-----END RSA PRIVATE KEY-----",
        PEM_BODY,
    ),
    "password": ("postgres://app:s3cr3t-P4ss@db.internal:5432/shop", "s3cr3t-P4ss"),
    "connection_string": ("Server=db;User Id=sa;Password=Tr0ub4dorX3x;", "Tr0ub4dorX3x"),
    "email": (EMAIL, EMAIL),
    "phone": ("+44 20 7946 0958", "7946 0958"),
    "card_number": ("4111 1111 1111 1111", "4111 1111 1111 1111"),
    "iban": ("DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"),
    "ip_address": ("81.2.69.160", "81.2.69.160"),
}
TEXT = "PLANTED[ " + " | ".join(text for text, _secret in PLANTED.values()) + " ]PLANTED"
CARD_NUMBER = 4111111111111111  # the card above, as a JSON number
PHONE_NUMBER = 5551234567
FIELDS = {
    "card": CARD_NUMBER,
    "phone": PHONE_NUMBER,
    "password": "hunter2 hunter2",
    "api_token": "zq plain words",
}
FORBIDDEN = [
    *(secret for _text, secret in PLANTED.values()),
    "4111111111111111",
    str(PHONE_NUMBER),
    "hunter2",
    "zq plain words",
    "alice.smith",  # the e-mail's local part, as a slug would keep it
]
TRACE_NAMES = ("support-agent", "acme-support")


def _plant_json(value: Any) -> Any:
    """Plant into a decoded JSON value (a whole export, or JSON text found nested in one of its strings)."""
    if isinstance(value, str):
        stripped = value.lstrip()
        if stripped[:1] in ("{", "["):
            try:
                decoded = json.loads(value)
            except ValueError:
                decoded = None
            if isinstance(decoded, dict | list):
                return json.dumps(_plant_json(decoded))
        if "ORD-2002" in value:
            value = value.replace("ORD-2002", f"ORD-2002 {TEXT}")
        for name in TRACE_NAMES:
            if name in value:
                value = value.replace(name, f"{name} {EMAIL}")
        return value
    if isinstance(value, list):
        return [_plant_json(item) for item in value]
    if isinstance(value, dict):
        planted = {key: _plant_json(item) for key, item in value.items()}
        if isinstance(value.get("order_id"), str) and "ORD-2002" in value["order_id"]:
            planted.update(FIELDS)
        return planted
    return value


def _attribute(key: str, text: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": text}}


NESTED_ATTRIBUTE = json.dumps(
    {
        "request": json.dumps({"headers": {"Cookie": "sid=31d4d96e407aad42", "X-Api-Key": "zq plain words"}}),
        "customer": {"email": EMAIL, "phone": PHONE_NUMBER, "card": CARD_NUMBER},
        "note": TEXT,
    }
)


def _plant_otlp_spans(document: dict[str, Any]) -> dict[str, Any]:
    document = _plant_json(document)
    for resource in document.get("resourceSpans", []):
        for scope in resource.get("scopeSpans", []):
            for span in scope.get("spans", []):
                span.setdefault("attributes", []).extend(
                    [
                        _attribute(
                            "http.request.header.authorization", "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0"
                        ),
                        _attribute("client.address", "81.2.69.160"),
                        _attribute("app.context", NESTED_ATTRIBUTE),
                    ]
                )
    return document


def _read(name: str) -> Any:
    path = CORPUS / name
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return json.loads(data)


def _write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def otlp_json(folder: Path) -> list[Path]:
    return [
        _write(
            folder,
            "planted.otlp.json",
            _plant_otlp_spans(_read("otel_genai/semconv_latest__refund_tool_error.otlp.json.gz")),
        )
    ]


def otlp_jsonl(folder: Path) -> list[Path]:
    lines = (
        (CORPUS / "otel_genai" / "semconv_latest__all.otlp.jsonl").read_text(encoding="utf-8").splitlines()
    )
    path = folder / "planted.otlp.jsonl"
    path.write_text("".join(json.dumps(_plant_otlp_spans(json.loads(line))) + "\n" for line in lines if line))
    return [path]


def openinference(folder: Path) -> list[Path]:
    return [
        _write(
            folder,
            "planted.otlp.json",
            _plant_otlp_spans(_read("openinference/openai__refund_tool_error.otlp.json.gz")),
        )
    ]


def langfuse(folder: Path) -> list[Path]:
    return [
        _write(
            folder,
            "planted.otlp.json",
            _plant_otlp_spans(_read("langfuse/langfuse_v5__refund_tool_error.otlp.json.gz")),
        )
    ]


def otlp_logs(folder: Path) -> list[Path]:
    """Spans without message content, and the OTLP logs that carry it (structured kvlist values)."""
    spans = _read("otel_genai/semconv_latest__all.otlp.json.gz")
    for resource in spans["resourceSpans"]:
        for scope in resource["scopeSpans"]:
            for span in scope["spans"]:
                span["attributes"] = [
                    a
                    for a in span.get("attributes", [])
                    if a["key"] not in ("gen_ai.input.messages", "gen_ai.output.messages")
                ]
    logs = _write(
        folder,
        "planted.otlp_logs.json",
        _plant_json(_read("otel_genai/semconv_latest__all.otlp_logs.json.gz")),
    )
    return [_write(folder, "bare.otlp.json", _plant_otlp_spans(spans)), Path("--logs"), logs]


def langsmith(folder: Path) -> list[Path]:
    return [
        _write(
            folder,
            "planted.runs.json",
            _plant_json(_read("langsmith/traceable__refund_tool_error.runs.json")),
        )
    ]


def openai_agents(folder: Path) -> list[Path]:
    document = _plant_json(_read("openai_agents/refund_tool_error.agents_export.json"))
    return [_write(folder, "planted.agents_export.json", document)]


def console_exporter(folder: Path) -> list[Path]:
    """What ``ConsoleSpanExporter`` prints (``span.to_json()``), collected into an array, from the real SDK."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("planted")
    arguments = json.dumps({"order_id": f"ORD-2002 {TEXT}", **FIELDS})
    with tracer.start_as_current_span(f"invoke_agent support-agent {EMAIL}") as root:
        root.set_attribute("gen_ai.operation.name", "invoke_agent")
        root.set_attribute("gen_ai.agent.name", f"support-agent {EMAIL}")
        root.set_attribute(
            "gen_ai.input.messages",
            json.dumps([{"role": "user", "parts": [{"type": "text", "content": f"Refund ORD-2002 {TEXT}"}]}]),
        )
        root.set_attribute("http.request.header.authorization", "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0")
        root.set_attribute("app.context", NESTED_ATTRIBUTE)
        with tracer.start_as_current_span("execute_tool lookup_order") as child:
            child.set_attribute("gen_ai.operation.name", "execute_tool")
            child.set_attribute("gen_ai.tool.name", "lookup_order")
            child.set_attribute("gen_ai.tool.call.id", "call_1")
            child.set_attribute("gen_ai.tool.call.arguments", arguments)
            child.set_attribute(
                "gen_ai.tool.call.result", json.dumps({"order_id": f"ORD-2002 {TEXT}", **FIELDS})
            )
            child.set_attribute("client.address", "81.2.69.160")
    spans = [json.loads(span.to_json()) for span in exporter.get_finished_spans()]
    return [_write(folder, "console.json", spans)]


FORMATS: dict[str, Callable[[Path], list[Path]]] = {
    "otlp-json": otlp_json,
    "otlp-jsonl": otlp_jsonl,
    "console-span-array": console_exporter,
    "otlp-logs": otlp_logs,
    "openinference": openinference,
    "langfuse": langfuse,
    "langsmith": langsmith,
    "openai-agents": openai_agents,
}


def _strings(value: Any) -> list[str]:
    """Every string of a fixture, with the strings of JSON text nested in strings decoded, at any depth."""
    out: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            if item.lstrip()[:1] in ("{", "["):
                with contextlib.suppress(ValueError):
                    stack.append(json.loads(item))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def _values_under(value: Any, key: str) -> list[Any]:
    found: list[Any] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and item.lstrip()[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                stack.append(json.loads(item))
        elif isinstance(item, dict):
            found.extend(v for k, v in item.items() if k == key)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_no_planted_value_survives_an_import(fmt: str, tmp_path: Path) -> None:
    planted = tmp_path / "export"
    planted.mkdir()
    args = FORMATS[fmt](planted)
    planted_bytes = b"".join(p.read_bytes() for p in planted.iterdir())
    for value in FORBIDDEN:
        assert value.encode() in planted_bytes or json.dumps(value)[1:-1].encode() in planted_bytes, value
    (tmp_path / "pyproject.toml").write_text('[tool.agenttrace]\nfixtures = ["fixtures"]\n', encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "pytest_agenttrace", "import-trace", *map(str, args), "--all", "--out", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = tmp_path / "out"
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert written, result.stdout + result.stderr

    for value in FORBIDDEN:
        forms = {value, json.dumps(value)[1:-1], json.dumps(json.dumps(value))[1:-1]}
        for path in written:
            assert not any(form in str(path.relative_to(out)) for form in forms), (value, path.name)
            data = path.read_bytes()
            for form in forms:
                assert form.encode() not in data, (value, path.name)
        for form in forms:
            assert form not in result.stdout
            assert form not in result.stderr

    # within a fixture, the same value got the same placeholder wherever it was planted, at every level
    fixtures = [json.loads(path.read_bytes()) for path in written]
    planted_into = 0
    for fixture in fixtures:
        counts = fixture["source"]["redaction"]["counts"]
        assert fixture["source"]["redaction"]["enabled"] is True
        assert all(isinstance(v, int) for v in counts.values())
        # the trace's name held the e-mail: the id (and so the file name) holds its placeholder's name
        assert fixture["id"].startswith(("support-agent-email_", "acme-support-email_", "research-agent-")), (
            fixture["id"]
        )
        segments = {
            s for text in _strings(fixture) for s in re.findall(r"PLANTED\[ (.*?) \]PLANTED", text, re.S)
        }
        if not segments:
            continue  # a trace of the export that does not mention the order (research_long, say)
        planted_into += 1
        assert len(segments) == 1, segments
        (segment,) = segments
        placeholders = PLACEHOLDER.findall(segment)
        assert len(placeholders) == len(PLANTED), segment  # each planted value became one placeholder
        assert set(counts) >= {"email", "card_number", "openai_key", "private_key", "iban", "phone"}, counts
        card = next(p for p in placeholders if p.startswith("<CARD_NUMBER_"))
        # the card planted as a JSON number in the arguments got the placeholder of the card in the text
        assert all(value == card for value in _values_under(fixture, "card")), fmt
    assert planted_into, "no trace of the export was planted"
    assert any(_values_under(fixture, "card") for fixture in fixtures), "no argument object was planted"


GITHUB_TOKEN = PLANTED["github_token"][1]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_agenttrace", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_export_file_name_is_redacted_and_scanned(tmp_path: Path) -> None:
    """``source.file`` records the export's name, which people name after a customer or paste a token into."""
    raw = json.dumps(_read("otel_genai/semconv_latest__refund_tool_error.otlp.json.gz"))
    export = tmp_path / f"{EMAIL} {GITHUB_TOKEN}.otlp.json"
    export.write_text(raw.replace("support-agent", f"support-agent {EMAIL}"), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.agenttrace]\nfixtures = ["out"]\n', encoding="utf-8")

    result = _cli("import-trace", str(export), "--all", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (path,) = (tmp_path / "out").rglob("*.trace.json")
    data = path.read_bytes()
    for secret in (EMAIL, "alice.smith", GITHUB_TOKEN):
        assert secret.encode() not in data, secret
    fixture = json.loads(data)
    file_name = fixture["source"]["file"]
    # the same placeholder as the e-mail planted in the trace's name; the suffix stays readable
    (email,) = set(re.findall(r"support-agent (<EMAIL_[0-9]+>)", json.dumps(fixture)))
    assert file_name == f"{email} <GITHUB_TOKEN_1>.otlp.json"
    assert fixture["source"]["redaction"]["counts"]["github_token"] == 1

    clean = _cli("scan", str(path), cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    # a fixture written before the name was redacted (or edited by hand) fails the scan, the name unprinted
    fixture["source"]["file"] = export.name
    path.write_text(json.dumps(fixture), encoding="utf-8")
    dirty = _cli("scan", str(path), cwd=tmp_path)
    assert dirty.returncode == 1, dirty.stdout + dirty.stderr
    assert dirty.stdout.splitlines() == [f"{path}: source.file: email", f"{path}: source.file: github_token"]
    assert EMAIL not in dirty.stdout + dirty.stderr
    assert GITHUB_TOKEN not in dirty.stdout + dirty.stderr
