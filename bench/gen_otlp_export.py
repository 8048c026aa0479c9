"""Write a deterministic OTLP/JSON export of a chosen size, for the import benchmarks.

The spans are not invented: every trace is a copy of a real run recorded by the official GenAI
instrumentation or by OpenInference (the gzip-compressed corpus under ``tests/data/corpus``), with fresh
trace and span ids, shifted timestamps, and its texts varied per copy (order numbers, the customer's e-mail
address, and now and then an API key pasted into the user's message), so the redactor has real work and no
two traces are byte-identical. The JSON-text attributes (``gen_ai.input.messages``, ``input.value``,
``llm.input_messages.N...``) stay JSON text, as the instrumentations write them.

The layout is what a batching exporter produces: several traces are open at once, each line (one
``ExportTraceServiceRequest``) carries a batch of spans from some of them, so a trace is split across lines
and lines interleave traces. ``--document`` writes the same spans as one JSON document instead (one
``resourceSpans`` entry per batch), the shape that must be read incrementally.

    .venv/bin/python bench/gen_otlp_export.py OUT.jsonl --mb 100
    .venv/bin/python bench/gen_otlp_export.py OUT.json --mb 100 --document
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "corpus"
TEMPLATES = [
    *(CORPUS / "otel_genai").glob("semconv_latest__*_*.otlp.json.gz"),
    *(CORPUS / "openinference").glob("openai__*.otlp.json.gz"),
]
#: Fake keys of the real shape (the redaction tests plant the same kind).
KEYS = (
    "sk-proj-{h}{h}",
    "AKIA{u}",
    "ghp_{h}abcd",
)


@dataclass
class Template:
    """One recorded trace: its spans with the resource and scope each was exported under."""

    name: str
    spans: list[tuple[int, int, dict[str, Any]]]  # (resource index, scope index, span)
    resources: list[dict[str, Any]]
    scopes: list[dict[str, Any]]


def load_templates() -> list[Template]:
    """The single-trace corpus files, sorted by name so that the output never depends on the file system."""
    templates = []
    for path in sorted(p for p in TEMPLATES if "__all" not in p.name):
        doc = json.loads(gzip.decompress(path.read_bytes()))
        resources: list[dict[str, Any]] = []
        scopes: list[dict[str, Any]] = []
        spans: list[tuple[int, int, dict[str, Any]]] = []
        for resource_spans in doc["resourceSpans"]:
            resources.append(resource_spans.get("resource", {}))
            for scope_spans in resource_spans["scopeSpans"]:
                scopes.append(scope_spans.get("scope", {}))
                spans.extend((len(resources) - 1, len(scopes) - 1, s) for s in scope_spans["spans"])
        templates.append(Template(path.name, spans, resources, scopes))
    if not templates:
        raise SystemExit(f"no corpus templates under {CORPUS}")
    return templates


def _hex(seed: str, digits: int) -> str:
    return hashlib.blake2b(seed.encode(), digest_size=digits // 2).hexdigest()


def _vary(text: str, n: int, key: str | None) -> str:
    """The same substitutions in every string of trace ``n``; JSON-text attributes stay valid JSON."""
    text = (
        text.replace("dana@example.com", f"customer.{n}@mail{n % 97}.example.com")
        .replace("ORD-1001", f"ORD-{100000 + n}")
        .replace("ORD-2002", f"ORD-{200000 + n}")
        .replace("ORD-3003", f"ORD-{300000 + n}")
    )
    if key is not None:
        text = text.replace("Can I get a refund?", f"Can I get a refund? My account key is {key}")
    return text


def _copy(value: Any, n: int, key: str | None) -> Any:
    if isinstance(value, str):
        return _vary(value, n, key)
    if isinstance(value, list):
        return [_copy(item, n, key) for item in value]
    if isinstance(value, dict):
        return {k: _copy(v, n, key) for k, v in value.items()}
    return value


def make_trace(template: Template, n: int) -> list[tuple[int, int, dict[str, Any]]]:
    """Copy ``n`` of a template: new ids, shifted times, varied texts; spans in recorded order."""
    rng = random.Random(n)
    trace_id = _hex(f"trace-{n}", 32)
    ids: dict[str, str] = {}

    def span_id(old: str) -> str:
        if old not in ids:
            ids[old] = _hex(f"span-{n}-{old}", 16)
        return ids[old]

    key = None
    if n % 5 == 0:
        pattern = KEYS[n % len(KEYS)]
        key = pattern.format(h=_hex(f"key-{n}", 20), u=_hex(f"key-{n}", 16).upper())
    shift = n * 7_919_000_000 + rng.randrange(1_000_000)
    out = []
    for resource, scope, span in template.spans:
        copy = _copy(span, n, key)
        copy["traceId"] = trace_id
        copy["spanId"] = span_id(span["spanId"])
        if span.get("parentSpanId"):
            copy["parentSpanId"] = span_id(span["parentSpanId"])
        for field in ("startTimeUnixNano", "endTimeUnixNano"):
            if field in copy:
                copy[field] = str(int(copy[field]) + shift)
        out.append((resource, scope, copy))
    return out


def batches(target_bytes: int, seed: int = 9) -> Iterator[dict[str, Any]]:
    """``resourceSpans`` entries of 2 to 12 spans from up to 6 interleaved traces, until the target size.

    The size is estimated from the spans' serialised length, which is close enough to stop near the target.
    """
    templates = load_templates()
    rng = random.Random(seed)
    open_traces: list[tuple[Template, list[tuple[int, int, dict[str, Any]]]]] = []
    written = 0
    n = 0
    while True:
        while len(open_traces) < 6 and written < target_bytes:
            template = templates[rng.randrange(len(templates))]
            open_traces.append((template, make_trace(template, n)))
            n += 1
        if not open_traces:
            return
        template, spans = open_traces[rng.randrange(len(open_traces))]
        take = spans[: rng.randint(2, 12)]
        del spans[: len(take)]
        if not spans:
            open_traces = [t for t in open_traces if t[1]]
        by_scope: dict[int, list[dict[str, Any]]] = {}
        for _, scope, span in take:
            by_scope.setdefault(scope, []).append(span)
        entry = {
            "resource": template.resources[take[0][0]],
            "scopeSpans": [
                {"scope": template.scopes[scope], "spans": group} for scope, group in by_scope.items()
            ],
        }
        written += sum(len(json.dumps(span)) for _, _, span in take)
        yield entry


def write_export(path: Path, megabytes: float, *, document: bool = False) -> int:
    """Write the export; returns its size in bytes. Lines hold 1 to 3 batches each."""
    rng = random.Random(11)
    target = int(megabytes * 1024 * 1024)
    encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    with path.open("w", encoding="utf-8") as out:
        if document:
            out.write('{"resourceSpans":[\n')
            for index, entry in enumerate(batches(target)):
                out.write(("," if index else "") + encode(entry) + "\n")
            out.write("]}\n")
        else:
            line: list[dict[str, Any]] = []
            want = rng.randint(1, 3)
            for entry in batches(target):
                line.append(entry)
                if len(line) >= want:
                    out.write(encode({"resourceSpans": line}) + "\n")
                    line, want = [], rng.randint(1, 3)
            if line:
                out.write(encode({"resourceSpans": line}) + "\n")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--mb", type=float, default=100.0, help="approximate size in MiB (default 100)")
    parser.add_argument("--document", action="store_true", help="one JSON document instead of JSONL")
    args = parser.parse_args()
    size = write_export(args.out, args.mb, document=args.document)
    print(f"wrote {args.out} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
