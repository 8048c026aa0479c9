"""Drive a real OpenLLMetry / Traceloop-instrumented agent offline and export its spans as OTLP/JSON.

``traceloop-sdk`` (which brings OpenLLMetry's ``opentelemetry-instrumentation-openai``) is initialised with
the OpenTelemetry SDK's ``InMemorySpanExporter``; the agent is a ``@workflow`` around an ``@agent`` whose
tools are ``@tool`` functions, and its model is the real ``openai`` client talking to a scripted
``/chat/completions`` endpoint through a mock transport (no network). So every span is the library's own:
the chat spans from the OpenAI instrumentation, the ``traceloop.span.kind`` workflow, agent and tool spans
from the decorators. The spans are encoded with the SDK's OTLP encoder, ids rewritten to hex.

``RELEASES`` are the two attribute sets: 0.40 (mid 2025) flattens messages into ``gen_ai.prompt.N.*`` /
``gen_ai.completion.N.*`` and offers tools as ``llm.request.functions.N.*``; 0.62 writes
``gen_ai.input.messages`` / ``gen_ai.output.messages``. traceloop-sdk is in no test extra: it pins dozens
of instrumentations, and pip backtracks for minutes against the pinned GenAI instrumentation. Even alone,
``pip install traceloop-sdk==0.62.4`` ends in ResolutionImpossible (its logging instrumentation pins
opentelemetry-instrumentation 0.59b0, its redis one a newer release), so each release goes into a venv of
its own with the few packages ``Traceloop.init(instruments={OPENAI})`` imports, and the SDK itself
``--no-deps`` (the older release needs the openai 1.x of its time)::

    COMMON="opentelemetry-sdk opentelemetry-exporter-otlp-proto-http opentelemetry-exporter-otlp-proto-grpc
      opentelemetry-instrumentation-logging opentelemetry-instrumentation-threading colorama cuid deprecated
      jinja2 tenacity pydantic aiohttp pyyaml posthog"
    python3 -m venv /tmp/tl40 && /tmp/tl40/bin/pip install $COMMON 'opentelemetry-instrumentation-openai==0.40.14' 'openai<2' httpx
    /tmp/tl40/bin/pip install --no-deps 'traceloop-sdk==0.40.14' && /tmp/tl40/bin/python tests/importers/traceloop_producer.py
    python3 -m venv /tmp/tl62 && /tmp/tl62/bin/pip install $COMMON 'opentelemetry-instrumentation-openai==0.62.4' openai httpx httpx2
    /tmp/tl62/bin/pip install --no-deps 'traceloop-sdk==0.62.4' && /tmp/tl62/bin/python tests/importers/traceloop_producer.py

Each run rewrites ``tests/data/openllmetry/traceloop_<release>__<scenario>.otlp.json`` for the installed
release (timestamps and ids differ on every run; the tests assert content, not bytes).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from importlib.metadata import version
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "openllmetry"

#: The attribute sets: release prefix of traceloop-sdk -> the name used in the file names.
RELEASES = {"0.40": "0.40", "0.62": "0.62"}

USER_TEXT = "Please refund order ORD-1001, it arrived damaged"
SYSTEM_PROMPT = "You are a refund support agent."
MODEL = "gpt-4o-mini"
RESPONSE_MODEL = "gpt-4o-mini-2024-07-18"

#: One model turn each: tool calls (id, name, arguments) or the final answer.
SUCCESS: list[Any] = [
    [("call_lookup_1", "lookup_order", {"order_id": "ORD-1001"})],
    [
        ("call_refund_2", "issue_refund", {"order_id": "ORD-1001", "amount": 45.0, "reason": "damaged"}),
        ("call_email_3", "send_email", {"to": "dana@example.com", "subject": "Refund", "body": "Done."}),
    ],
    "Refunded $45.00 and emailed you.",
]
#: issue_refund raises; the exception propagates out of the agent and the workflow.
TOOL_ERROR: list[Any] = [
    [("call_lookup_4", "lookup_order", {"order_id": "ORD-2002"})],
    [("call_refund_5", "issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"})],
    "unreachable",
]
SCENARIOS = {"refund_success": SUCCESS, "refund_tool_error": TOOL_ERROR}


class RefundLimitExceeded(Exception):
    """Raised by issue_refund above the auto-approval limit."""


def tool_results(name: str, args: dict[str, Any]) -> dict[str, Any]:
    if name == "lookup_order":
        return {"order_id": args["order_id"], "customer": "dana@example.com", "amount": 45.0}
    if name == "issue_refund":
        if args["amount"] > 500:
            raise RefundLimitExceeded(f"refund of {args['amount']:.2f} exceeds auto-approval limit 500.00")
        return {"refund_id": "RF-1", "order_id": args["order_id"], "status": "issued"}
    if name == "send_email":
        return {"status": "queued"}
    raise KeyError(name)


def usage_of(call: int, messages: int) -> tuple[int, int]:
    """The scripted token counts of model call ``call`` (0-based) given ``messages`` request messages."""
    return 50 + 10 * messages, 7 + call


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
    ]
]


def _client(script: list[Any]) -> Any:
    """A real openai client answering from ``script``; openai 1.x-2.x is built on httpx, 3.x on httpx2."""
    import openai

    http: Any
    if int(openai.__version__.split(".")[0]) >= 3:
        import httpx2 as http
    else:
        import httpx as http
    calls = [0]

    def handler(request: Any) -> Any:
        body = json.loads(request.content)
        turn = script[calls[0]]
        prompt, completion = usage_of(calls[0], len(body["messages"]))
        calls[0] += 1
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
        return http.Response(
            200,
            json={
                "id": f"chatcmpl-{calls[0]}",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": RESPONSE_MODEL,
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            },
        )

    return openai.OpenAI(
        api_key="sk-test",
        base_url="http://fake-openai.local/v1",
        http_client=http.Client(transport=http.MockTransport(handler)),
        max_retries=0,
    )


def _document(spans: Any) -> dict[str, Any]:
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    doc: dict[str, Any] = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    for resource_spans in doc.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64decode(span[key]).hex()
    return doc


def main() -> None:
    os.environ["TRACELOOP_TELEMETRY"] = "false"
    os.environ["TRACELOOP_TRACE_CONTENT"] = "true"
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from traceloop.sdk import Instruments, Traceloop
    from traceloop.sdk.decorators import agent, tool, workflow

    release = ".".join(version("traceloop-sdk").split(".")[:2])
    label = RELEASES[release]
    exporter = InMemorySpanExporter()
    Traceloop.init(
        app_name="refund-service",
        exporter=exporter,
        disable_batch=True,
        telemetry_enabled=False,
        instruments={Instruments.OPENAI},
    )

    @tool(name="lookup_order")
    def lookup_order(order_id: str) -> dict[str, Any]:
        return tool_results("lookup_order", {"order_id": order_id})

    @tool(name="issue_refund")
    def issue_refund(order_id: str, amount: float, reason: str) -> dict[str, Any]:
        return tool_results("issue_refund", {"order_id": order_id, "amount": amount, "reason": reason})

    @tool(name="send_email")
    def send_email(to: str, subject: str, body: str) -> dict[str, Any]:
        return tool_results("send_email", {"to": to, "subject": subject, "body": body})

    functions = {"lookup_order": lookup_order, "issue_refund": issue_refund, "send_email": send_email}

    def run(script: list[Any]) -> str:
        client = _client(script)

        @agent(name="support-agent")
        def support_agent(user_text: str) -> str:
            messages: list[dict[str, Any]] = [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": user_text},
            ]
            while True:
                completion = client.chat.completions.create(
                    model=MODEL, messages=messages, tools=TOOLS, temperature=0.2
                )
                message = completion.choices[0].message
                if not message.tool_calls:
                    return str(message.content)
                messages.append(message.model_dump(exclude_none=True))
                for call in message.tool_calls:
                    result = functions[call.function.name](**json.loads(call.function.arguments))
                    messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})

        @workflow(name="refund_workflow")
        def refund_workflow(user_text: str) -> str:
            return support_agent(user_text)

        return refund_workflow(USER_TEXT)

    DATA.mkdir(parents=True, exist_ok=True)
    for scenario, script in SCENARIOS.items():
        exporter.clear()
        with contextlib.suppress(RefundLimitExceeded):  # the failed scenario: the error is in the spans
            run(script)
        path = DATA / f"traceloop_{label}__{scenario}.otlp.json"
        path.write_text(
            json.dumps(_document(exporter.get_finished_spans()), indent=1) + "\n", encoding="utf-8"
        )
        print(path)


if __name__ == "__main__":
    main()
