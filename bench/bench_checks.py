"""How long checking and reporting a large fixture takes: a ~1 MB recording whose last refund breaks a policy.

Run: ``.venv/bin/python bench/bench_checks.py``. The failure must be reported within a second.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_agenttrace import checks
from pytest_agenttrace.checks.policies import parse_policies
from pytest_agenttrace.report.failures import render_failures
from tests.checks.builders import model, recorded, tool

POLICY = {
    "id": "refund-needs-approval",
    "tool": "issue_refund",
    "when": {"properties": {"amount": {"exclusiveMinimum": 100}}, "required": ["amount"]},
    "requires": {
        "tool": "request_approval",
        "same": ["order_id"],
        "result": {"properties": {"approved": {"const": True}}, "required": ["approved"]},
    },
}


def build(size: int = 1_000_000) -> tuple[object, object, int]:
    steps = []
    n = 0
    while len(json.dumps(steps)) < size:
        order = f"ORD-{n}"
        steps.append(model(("lookup_order", {"order_id": order})))
        steps.append(tool("lookup_order", {"order_id": order}, {"order_id": order, "lines": ["x" * 40] * 10}))
        steps.append(tool("request_approval", {"order_id": order, "amount": 50 + n}, {"approved": True}))
        steps.append(tool("issue_refund", {"order_id": order, "amount": 50 + n}, {"status": "issued"}))
        n += 1
    steps.append(tool("issue_refund", {"order_id": "ORD-X", "amount": 5000}, {"status": "issued"}))
    expect = {"tools": {"max_calls": {"issue_refund": n}}, "budgets": {"max_repeated_calls": 2}}
    fixture, run = recorded(steps, expect=expect)
    return fixture, run, len(json.dumps(fixture.to_data()))  # type: ignore[attr-defined]


def main() -> int:
    fixture, run, size = build()
    policies = parse_policies({"policies": [POLICY]})
    start = time.perf_counter()
    failures = checks.evaluate(fixture, run, policies=policies)  # type: ignore[arg-type]
    checked = time.perf_counter()
    text = render_failures(fixture, run, failures, verbose=False)  # type: ignore[arg-type]
    done = time.perf_counter()
    print(f"fixture: {size / 1e6:.2f} MB, {len(run.steps)} steps, {len(failures)} failures")  # type: ignore[attr-defined]
    print(f"evaluate: {checked - start:.3f} s, render: {done - checked:.3f} s, total {done - start:.3f} s")
    print(text.splitlines()[2])
    return 0 if done - start < 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
