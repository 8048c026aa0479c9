"""Microbenchmark: throughput of ``redact_document`` against ``json.loads`` of the same bytes.

Redaction runs inside the import's streaming path, whose target is at least half the throughput of bare
JSON parsing plus the decoding of nested JSON strings; this prints both sides so a regression is visible.
Two documents: a realistic run (each model step repeats the conversation so far, as recorded traces do)
and a worst case where every string is distinct, so the per-document string cache cannot help.

    python bench/bench_redact.py [--steps N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from typing import Any

from pytest_agenttrace.redact import redact_document

_WORDS = [
    "order",
    "refund",
    "customer",
    "shipping",
    "delayed",
    "warehouse",
    "invoice",
    "the",
    "a",
    "to",
    "of",
    "and",
    "please",
    "check",
    "status",
    "account",
    "subscription",
    "plan",
    "upgrade",
    "annual",
    "monthly",
    "support",
    "ticket",
    "escalate",
    "agent",
    "tool",
    "result",
]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _text(rng: random.Random, unique: int) -> str:
    parts = [_sentence(rng, rng.randint(6, 18)) for _ in range(rng.randint(2, 6))]
    if rng.random() < 0.15:
        parts.append(f"Contact me at user{unique}@example.com or +44 20 7946 {unique % 10000:04d}.")
    parts.append(
        f"Order ORD-{2000 + unique} placed 2026-01-{1 + unique % 28:02d}T10:15:{unique % 60:02d}Z, total $1{unique % 1000}.99."
    )
    return " ".join(parts)


def make_document(steps: int, *, repeat_history: bool, seed: int = 7) -> dict[str, Any]:
    """A fixture-shaped document with model and tool steps, OTel-style attributes and some personal data."""
    rng = random.Random(seed)
    history: list[dict[str, Any]] = [{"role": "system", "content": "You are a support agent. " * 20}]
    out_steps: list[dict[str, Any]] = []
    for index in range(steps):
        span = f"{rng.getrandbits(64):016x}"
        attributes = {
            "gen_ai.system": "openai",
            "gen_ai.request.model": "gpt-4o-mini-2024-07-18",
            "otel.trace_id": f"{rng.getrandbits(128):032x}",
            "otel.span_id": span,
            "service.version": "1.4.2",
            "http.response.status_code": 200,
            "session.id": f"{rng.getrandbits(128):032x}",
        }
        if index % 2 == 0:
            history.append({"role": "user", "content": _text(rng, index)})
            messages = history if repeat_history else [history[0], history[-1]]
            arguments = json.dumps({"order_id": f"ORD-{2000 + index}", "email": f"user{index}@example.com"})
            out_steps.append(
                {
                    "kind": "model",
                    "id": span,
                    "timing": {"start": f"2026-01-02T03:04:{index % 60:02d}.123456Z", "duration_ms": 812.5},
                    "model": "gpt-4o-mini",
                    "messages": [dict(m) for m in messages],
                    "response": {
                        "role": "assistant",
                        "content": _text(rng, index + 1),
                        "tool_calls": [
                            {
                                "id": f"call_{rng.getrandbits(64):x}",
                                "type": "function",
                                "function": {"name": "lookup_order", "arguments": arguments},
                            }
                        ],
                    },
                    "usage": {"input_tokens": 1200 + index, "output_tokens": 80},
                    "attributes": attributes,
                }
            )
            history.append({"role": "assistant", "content": out_steps[-1]["response"]["content"]})
        else:
            result = {
                "order_id": f"ORD-{2000 + index}",
                "status": "shipped",
                "items": [{"sku": f"SKU-{rng.randint(10000, 99999)}", "price": 19.99} for _ in range(5)],
                "customer": {"name": "A. Customer", "email": f"user{index}@example.com"},
                "note": _text(rng, index + 2),
            }
            out_steps.append(
                {
                    "kind": "tool",
                    "id": span,
                    "name": "lookup_order",
                    "arguments": {"order_id": f"ORD-{2000 + index}"},
                    "result": json.dumps(result),
                    "attributes": attributes,
                }
            )
            history.append({"role": "tool", "content": out_steps[-1]["result"]})
    return {"id": "bench", "status": "regression", "input": history[1]["content"], "steps": out_steps}


def _nested_decode(value: Any) -> Any:
    """What the importer does besides parsing: decode JSON held in strings (arguments, results)."""
    if isinstance(value, dict):
        return {k: _nested_decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nested_decode(v) for v in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for label, repeat_history in (("realistic run", True), ("all strings distinct", False)):
        raw = json.dumps(make_document(args.steps, repeat_history=repeat_history)).encode()
        megabytes = len(raw) / 1e6
        parse = _best(lambda raw=raw: json.loads(raw), args.repeat)
        parse_nested = _best(lambda raw=raw: _nested_decode(json.loads(raw)), args.repeat)
        redact = _best(lambda raw=raw: redact_document(json.loads(raw)), args.repeat) - parse
        print(f"{label}: {megabytes:.2f} MB")
        print(f"  json.loads                  {megabytes / parse:8.1f} MB/s")
        print(f"  json.loads + nested decode  {megabytes / parse_nested:8.1f} MB/s")
        print(f"  redact_document             {megabytes / redact:8.1f} MB/s")
        print(f"  redact / (loads + nested)   {parse_nested / redact:8.2f}")


if __name__ == "__main__":
    main()
