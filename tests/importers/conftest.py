"""Shared helpers for the importer tests: a scripted fake OpenAI endpoint and OTLP/JSON encoding.

The fake model answers ``/chat/completions`` from a script (one entry per call: tool calls or a final
text), the way the corpus generator did, so the real ``openai`` client and the real instrumentations run
unchanged and produce real spans. Spans are encoded with the OpenTelemetry SDK's own OTLP encoder.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_agenttrace.cli import main
from pytest_agenttrace.importers.base import ImportedTrace, ImportOptions, TraceProblem
from pytest_agenttrace.importers.otlp import OtlpImporter
from pytest_agenttrace.model import Fixture
from pytest_agenttrace.store import load_fixture

PREFIX = "agenttrace import-trace: error: "

#: One scripted model turn: a list of (call id, tool name, arguments) or the final answer text.
Turn = list[tuple[str, str, dict[str, Any]]] | str


class RefundLimitExceeded(Exception):
    """The tool error of the failed scenario."""


def run_tool(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """The scenario tools: deterministic results, and ``issue_refund`` refuses amounts above 500."""
    if name == "lookup_order":
        return {"order_id": args["order_id"], "customer": "dana@example.com", "amount": 45.0}
    if name == "issue_refund":
        if args["amount"] > 500:
            raise RefundLimitExceeded(f"refund of {args['amount']:.2f} exceeds auto-approval limit 500.00")
        return {"refund_id": "RF-1", "order_id": args["order_id"], "status": "issued"}
    if name == "send_email":
        return {"status": "queued"}
    if name == "web_search":
        return {"results": [f"https://docs.example.org/{args['query'][:3]}"]}
    raise KeyError(name)


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": f"The {name} tool.",
            "parameters": {"type": "object", "properties": {k: {"type": "string"} for k in keys}},
        },
    }
    for name, keys in [
        ("lookup_order", ["order_id"]),
        ("issue_refund", ["order_id", "amount", "reason"]),
        ("send_email", ["to", "subject", "body"]),
        ("web_search", ["query"]),
    ]
]


class FakeOpenAI:
    """An ``httpx2.MockTransport`` handler that answers chat completions from a script."""

    def __init__(self, script: Sequence[Turn]) -> None:
        self.script = list(script)
        self.calls = 0
        self.usage: list[tuple[int, int]] = []

    def handler(self, request: Any) -> Any:
        import httpx2

        body = json.loads(request.content)
        turn = self.script[self.calls]
        prompt_tokens = 50 + 10 * len(body["messages"])
        completion_tokens = 7 + self.calls
        self.calls += 1
        self.usage.append((prompt_tokens, completion_tokens))
        if isinstance(turn, str):
            message: dict[str, Any] = {"role": "assistant", "content": turn}
            finish = "stop"
        else:
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
                    for cid, name, args in turn
                ],
            }
            finish = "tool_calls"
        return httpx2.Response(
            200,
            json={
                "id": f"chatcmpl-{self.calls}",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": "gpt-4o-mini-2024-07-18",
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            },
        )

    def client(self) -> Any:
        import httpx2
        import openai

        return openai.OpenAI(
            api_key="sk-test",
            base_url="http://fake-openai.local/v1",
            http_client=httpx2.Client(transport=httpx2.MockTransport(self.handler)),
            max_retries=0,
        )


def run_agent(
    client: Any,
    user_text: str,
    tool_span: Callable[[str, str, dict[str, Any]], Any],
    executed: list[tuple[str, dict[str, Any]]],
) -> None:
    """A minimal agent loop; ``tool_span(call_id, name, args)`` is a context manager around each tool call.

    Appends the tool calls it executes to ``executed``, in order. A tool exception propagates, as in most
    real agents.
    """
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a support agent."},
        {"role": "user", "content": user_text},
    ]
    while True:
        completion = client.chat.completions.create(
            model="gpt-4o-mini", messages=messages, tools=TOOLS, temperature=0.2
        )
        message = completion.choices[0].message
        if not message.tool_calls:
            return
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            args = json.loads(call.function.arguments)
            executed.append((call.function.name, args))
            with tool_span(call.id, call.function.name, args) as span:
                result = run_tool(call.function.name, args)
                span.set_result(result)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})


def _hex(value: str, size: int) -> str:
    raw = base64.b64decode(value)
    assert len(raw) == size
    return raw.hex()


def otlp_document(spans: Sequence[Any], *, hex_ids: bool = True) -> dict[str, Any]:
    """Spans as OTLP/JSON, through the SDK's encoder; ids rewritten to hex (the OTLP/JSON rule)."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    doc: dict[str, Any] = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    if hex_ids:
        for resource_spans in doc.get("resourceSpans", []):
            for scope_spans in resource_spans.get("scopeSpans", []):
                for span in scope_spans.get("spans", []):
                    span["traceId"] = _hex(span["traceId"], 16)
                    span["spanId"] = _hex(span["spanId"], 8)
                    if "parentSpanId" in span:
                        span["parentSpanId"] = _hex(span["parentSpanId"], 8)
    return doc


def otlp_logs_document(records: Sequence[Any]) -> dict[str, Any]:
    """Log records as OTLP/JSON, through the SDK's encoder; trace and span ids rewritten to hex."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs

    doc: dict[str, Any] = MessageToDict(encode_logs(records), use_integers_for_enums=True)
    for resource_logs in doc.get("resourceLogs", []):
        for scope_logs in resource_logs.get("scopeLogs", []):
            for record in scope_logs.get("logRecords", []):
                for key, size in (("traceId", 16), ("spanId", 8)):
                    if key in record:
                        record[key] = _hex(record[key], size)
    return doc


def import_file(path: Path, options: ImportOptions | None = None) -> list[ImportedTrace | TraceProblem]:
    """Run the OTLP importer over a file, checking every imported trace against the fixture model."""
    results = list(OtlpImporter().iter_traces(path, options or ImportOptions()))
    for result in results:
        if isinstance(result, ImportedTrace):
            validate(result)
    return results


def validate(trace: ImportedTrace) -> Fixture:
    """The trace as a fixture: the pydantic model checks every step the importer built."""
    return Fixture.model_validate(
        {"id": "t", "input": trace.input, "output": trace.output, "steps": trace.steps}
    )


def only_trace(results: Sequence[ImportedTrace | TraceProblem]) -> ImportedTrace:
    traces = [r for r in results if isinstance(r, ImportedTrace)]
    assert len(traces) == 1, results
    assert len(traces) == len(results), results
    return traces[0]


def tool_calls(trace: ImportedTrace) -> list[tuple[str, Any]]:
    return [(s["name"], s.get("arguments")) for s in trace.steps if s["kind"] == "tool"]


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[..., Path]:
    def write(doc: Any, name: str = "export.otlp.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        return path

    return write


def run_cli(path: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["import-trace", str(path), "--out", str(out), *extra])
    return code, stdout.getvalue(), stderr.getvalue()


def assert_clean_outcome(path: Path, out: Path, *extra: str, single_trace: bool = False) -> None:
    """Success, or exit 2 with one-line errors naming the file; what was written is valid and announced."""
    if out.exists():
        shutil.rmtree(out)
    code, stdout, stderr = run_cli(path, out, *extra)
    assert "Traceback" not in stderr
    written = sorted(p.name for p in out.glob("*.trace.json")) if out.exists() else []
    announced = sorted(Path(line.split(": ", 1)[0].split(" ", 1)[1]).name for line in stdout.splitlines())
    assert written == announced, (stdout, stderr)
    for name in written:
        load_fixture(out / name)
    errors = [line for line in stderr.splitlines() if line.startswith("agenttrace")]
    if code == 0:
        assert not errors, stderr
        return
    assert code == 2, stderr
    assert errors, stderr
    for line in errors:
        assert line.startswith(f"{PREFIX}{path}: "), line
        if "expected " in line and ", got " in line:  # a field of the wrong type: its JSON path
            assert re.search(r"(\$|resourceSpans\[\d+\]|line \d+)", line), line
    if single_trace:
        assert written == [], stdout
