"""Each check passing and failing, with the failure text asserted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from pytest_agenttrace import checks
from pytest_agenttrace.checks.policies import load_policies, parse_policies
from pytest_agenttrace.checks.prices import PriceTable, estimate_cost, replay_cost
from pytest_agenttrace.errors import ConfigError, InputError
from pytest_agenttrace.model import Usage
from pytest_agenttrace.report.assertrepr import trace_assertrepr_compare
from pytest_agenttrace.report.failures import render_failures

from .builders import model, recorded, refund_run, replayed, tool

APPROVAL_POLICY: dict[str, Any] = {
    "id": "refund-needs-approval",
    "tool": "issue_refund",
    "when": {
        "type": "object",
        "properties": {"amount": {"type": "number", "exclusiveMinimum": 100}},
        "required": ["amount"],
    },
    "requires": {
        "tool": "request_approval",
        "same": ["order_id"],
        "result": {"type": "object", "properties": {"approved": {"const": True}}, "required": ["approved"]},
    },
}


def policies(*items: dict[str, Any]) -> list[Any]:
    return parse_policies({"policies": list(items)})


def text_of(
    steps: list[dict[str, Any]],
    *,
    verbose: bool = False,
    golden: bool = False,
    pols: list[Any] | None = None,
    **kwargs: Any,
) -> tuple[list[checks.CheckFailure], str]:
    fixture, run = recorded(steps, **kwargs)
    failures = checks.evaluate(fixture, run, policies=pols or [], golden=golden)
    return failures, render_failures(fixture, run, failures, verbose=verbose)


# ---------------------------------------------------------------- tools


def test_sequence_passes_and_fails_with_argument_lines() -> None:
    good = {
        "tools": {
            "sequence": [
                {"name": "lookup_order"},
                {
                    "name": "issue_refund",
                    "arguments": {"order_id": "ORD-1", "amount": 5000, "reason": "defective"},
                },
            ]
        }
    }
    assert text_of(refund_run(), expect=good)[0] == []
    bad = {
        "tools": {
            "sequence": [
                {"name": "lookup_order"},
                {
                    "name": "issue_refund",
                    "arguments": {"order_id": "ORD-1", "amount": 100, "reason": "defective"},
                },
            ]
        }
    }
    failures, text = text_of(refund_run(), expect=bad)
    assert [f.check for f in failures] == ["tools.sequence"]
    assert "[1] tools.sequence · step 3 (tool issue_refund)" in text
    assert "steps[3].arguments.amount: expected 100, got 5000" in text


def test_sequence_reports_extra_and_missing_calls() -> None:
    expect = {"tools": {"sequence": [{"name": "lookup_order"}]}}
    _, text = text_of(refund_run(), expect=expect)
    assert "call 2: unexpected issue_refund(" in text
    expect = {
        "tools": {"sequence": [{"name": "lookup_order"}, {"name": "issue_refund"}, {"name": "audit_log"}]}
    }
    _failures, text = text_of(refund_run(), expect=expect)
    assert "call 3: expected audit_log(…), but the run made no more calls" in text


def test_subsequence() -> None:
    ok = {"tools": {"subsequence": [{"name": "lookup_order"}, {"name": "issue_refund"}]}}
    assert text_of(refund_run(approved=True), expect=ok)[0] == []
    wrong_order = {"tools": {"subsequence": [{"name": "issue_refund"}, {"name": "lookup_order"}]}}
    _failures, text = text_of(refund_run(), expect=wrong_order)
    assert "expected call 2 lookup_order(…) not found after step 3" in text
    assert "lookup_order was called only earlier, at step(s) 1" in text


def test_set_uses_a_full_matching() -> None:
    expect = {
        "tools": {
            "set": [{"name": "issue_refund"}, {"name": "lookup_order", "arguments": {"order_id": "ORD-1"}}]
        }
    }
    assert text_of(refund_run(), expect=expect)[0] == []
    expect = {"tools": {"set": [{"name": "lookup_order", "arguments": {"order_id": "ORD-2"}}]}}
    failures, text = text_of(refund_run(), expect=expect)
    assert failures[0].message == "1 expected call missing and 2 unexpected calls"
    assert 'steps[1].arguments.order_id: expected "ORD-2", got "ORD-1"' in text
    assert "unexpected: issue_refund(" in text


def test_forbidden_and_max_calls() -> None:
    _, text = text_of(refund_run(), expect={"tools": {"forbidden": ["issue_refund"]}})
    assert "[1] tools.forbidden · step 3 (tool issue_refund)" in text
    steps = refund_run()[:2] * 1
    loop = [model(("lookup_order", {"order_id": "ORD-1"}))] + [
        tool("lookup_order", {"order_id": "ORD-1"}, {}) for _ in range(4)
    ]
    _failures, text = text_of(steps + loop, expect={"tools": {"max_calls": {"lookup_order": 3}}})
    assert "lookup_order called 5 times, limit 3" in text


def test_matchers_ignore_tolerance_regex_schema() -> None:
    expect = {
        "tools": {
            "subsequence": [
                {
                    "name": "issue_refund",
                    "arguments": {"order_id": "X", "amount": 4999.5},
                    "match": {
                        "ignore": ["reason"],
                        "tolerance": {"amount": 1},
                        "regex": {"order_id": "ORD-\\d+"},
                        "schema": {"type": "object", "properties": {"amount": {"maximum": 10000}}},
                    },
                }
            ]
        }
    }
    assert text_of(refund_run(), expect=expect)[0] == []
    expect["tools"]["subsequence"][0]["match"]["tolerance"] = 0.1
    expect["tools"]["subsequence"][0]["match"]["schema"] = {"properties": {"amount": {"maximum": 100}}}
    _failures, text = text_of(refund_run(), expect=expect)
    assert "steps[3].arguments.amount: expected <= 100, got 5000" in text
    assert "steps[3].arguments.amount: expected 4999.5 ± 0.1, got 5000" in text


def test_argument_schema_of_the_offered_tool_is_checked_automatically() -> None:
    steps = refund_run()
    steps[3]["arguments"] = {"order_id": "order one", "amount": 50000, "note": "x"}
    failures, text = text_of(steps)
    assert [f.check for f in failures] == ["tools.arguments"]
    assert "steps[3].arguments.amount: expected <= 10000, got 50000" in text
    assert 'steps[3].arguments.order_id: expected to match /^ORD-\\d+$/, got "order one"' in text
    assert text_of(steps, expect={"tools": {"check_schemas": False}})[0] == []


def test_arguments_recorded_as_text_are_parsed_or_reported() -> None:
    steps = refund_run()
    del steps[3]["arguments"]
    steps[3]["arguments_text"] = '{"order_id": "ORD-1", "amount": 5000'
    _failures, text = text_of(steps)
    assert "issue_refund at step 3: arguments are not valid JSON" in text


def test_golden_holds_the_recorded_path() -> None:
    fixture, _ = recorded(refund_run(), status="golden")
    drifted = refund_run()
    drifted[3]["arguments"]["amount"] = 4000
    run = replayed(fixture, drifted)
    failures = checks.evaluate(fixture, run, golden=True)
    text = render_failures(fixture, run, failures, verbose=False)
    assert "[1] golden.tools · step 3 (tool issue_refund)" in text
    assert "steps[3].arguments.amount: expected 5000, got 4000" in text
    assert "first divergence: actual step 3 vs recorded step 3" in text
    assert checks.evaluate(fixture, replayed(fixture, refund_run()), golden=True) == []


# ---------------------------------------------------------------- policies


def test_policy_without_approval() -> None:
    failures, text = text_of(refund_run(5000), pols=policies(APPROVAL_POLICY))
    assert len(failures) == 1
    assert "[1] policy:refund-needs-approval · step 3 (tool issue_refund)" in text
    assert (
        'issue_refund at step 3 with {"order_id": "ORD-1", "amount": 5000, "reason": "defective"} ran without request_approval before it'
        in text
    )


def test_policy_small_amount_and_granted_approval_pass() -> None:
    assert text_of(refund_run(50), pols=policies(APPROVAL_POLICY))[0] == []
    assert text_of(refund_run(5000, approved=True), pols=policies(APPROVAL_POLICY))[0] == []


def test_policy_denied_approval() -> None:
    failures, text = text_of(refund_run(5000, approved=False), pols=policies(APPROVAL_POLICY))
    assert 'request_approval at step 3 did not grant it: result {"approved": false}' in text
    assert failures[0].related == [3]


def test_policy_approval_for_a_different_order() -> None:
    steps = refund_run(5000, approved=True, approval_order="ORD-2")
    _failures, text = text_of(steps, pols=policies(APPROVAL_POLICY))
    assert 'request_approval at step 3 was for order_id "ORD-2", not "ORD-1"' in text


def test_policy_missing_field_does_not_apply_but_required_field_schema_can_catch_it() -> None:
    steps = refund_run(5000)
    del steps[3]["arguments"]["amount"]
    assert text_of(steps, pols=policies(APPROVAL_POLICY), expect={"tools": {"check_schemas": False}})[0] == []
    strict = {
        **APPROVAL_POLICY,
        "id": "amount-required",
        "when": {
            "not": {"type": "object", "properties": {"amount": {"maximum": 100}}, "required": ["amount"]}
        },
    }
    failures, _ = text_of(steps, pols=policies(strict), expect={"tools": {"check_schemas": False}})
    assert [f.check for f in failures] == ["policy:amount-required"]


def test_policy_nested_arguments_and_json_text() -> None:
    nested = {
        "id": "nested",
        "tool": "issue_refund",
        "forbid": True,
        "when": {
            "properties": {
                "payment": {"properties": {"amount": {"exclusiveMinimum": 100}}, "required": ["amount"]}
            },
            "required": ["payment"],
        },
    }
    steps = refund_run()
    steps[3]["arguments"] = {"order_id": "ORD-1", "payment": {"amount": 500}}
    failures, text = text_of(steps, pols=policies(nested), expect={"tools": {"check_schemas": False}})
    assert "forbidden by the policy" in text
    # The same arguments recorded as JSON text, with the nested object itself a JSON string.
    del steps[3]["arguments"]
    steps[3]["arguments_text"] = json.dumps({"order_id": "ORD-1", "payment": json.dumps({"amount": 500})})
    failures, _ = text_of(steps, pols=policies(nested), expect={"tools": {"check_schemas": False}})
    assert [f.check for f in failures] == ["policy:nested"]


def test_policy_approval_result_as_json_text_and_approval_steps() -> None:
    steps = refund_run(5000, approved=True)
    steps[3]["result"] = '{"approved": true}'
    assert text_of(steps, pols=policies(APPROVAL_POLICY))[0] == []
    from .builders import approval

    any_approval = {"id": "manager", "tool": "issue_refund", "requires": {"approval": True}}
    steps = refund_run(5000)
    steps.insert(2, approval("denied", {"order_id": "ORD-1"}))
    _failures, text = text_of(steps, pols=policies(any_approval))
    assert "manager_approval at step 2 was denied" in text
    steps[2] = approval("approved", {"order_id": "ORD-1"})
    assert text_of(steps, pols=policies(any_approval))[0] == []


def test_policy_then() -> None:
    audit = {
        "id": "audit-after-refund",
        "tool": "issue_refund",
        "then": {"tool": "audit_log", "same": ["order_id"]},
    }
    _failures, text = text_of(refund_run(), pols=policies(audit))
    assert "was not followed as required: no audit_log after it" in text
    steps = refund_run()
    steps.insert(4, tool("audit_log", {"order_id": "ORD-1"}, "ok"))
    assert text_of(steps, pols=policies(audit))[0] == []


def test_fixture_policies_add_to_global_ones() -> None:
    forbid = {"id": "no-refunds", "tool": "issue_refund", "forbid": True}
    failures, _ = text_of(refund_run(50), expect={"policies": [forbid]}, pols=policies(APPROVAL_POLICY))
    assert [f.check for f in failures] == ["policy:no-refunds"]
    assert failures[0].source == "expect.policies[0]"


def test_load_policies_errors_name_file_and_path(tmp_path: Path) -> None:
    path = tmp_path / "policies.json"
    path.write_text(json.dumps({"policies": [APPROVAL_POLICY]}))
    assert load_policies(path)[0].id == "refund-needs-approval"
    path.write_text(json.dumps({"policies": [{"id": "x", "tool": "t"}]}))
    with pytest.raises(InputError, match=r"policies.json: policies\[0\]: a policy needs"):
        load_policies(path)
    path.write_text(
        json.dumps({"policies": [{"id": "x", "tool": "t", "forbid": True, "when": {"type": "nope"}}]})
    )
    with pytest.raises(InputError, match=r"policies\[0\]\.when: invalid JSON Schema"):
        load_policies(path)
    path.write_text('{"policies": [')
    with pytest.raises(InputError, match="line 1, column 15"):
        load_policies(path)
    with pytest.raises(InputError, match="not found"):
        load_policies(tmp_path / "missing.json")


# ---------------------------------------------------------------- output


def no_email(output: Any, run: Any) -> tuple[bool, str]:
    return ("@" not in str(output), "the reply contains an e-mail address")


def always_none(output: Any, run: Any) -> None:
    return None


def test_output_schema_text_rules_predicates_and_model() -> None:
    expect = {
        "output": {
            "schema": {"type": "object", "properties": {"total": {"minimum": 0}}, "required": ["total"]},
            "must_contain": ["refund"],
            "must_not_contain": [{"regex": "[\\w.]+@[\\w.]+"}],
            "predicates": [f"{__name__}:no_email", f"{__name__}:always_none"],
            "model": "tests.checks.test_checks:Reply",
        }
    }
    failures, text = text_of(
        refund_run(), expect=expect, output='{"total": -5, "note": "mail bob@example.org"}'
    )
    checks_ = [f.check for f in failures]
    assert checks_ == [
        "output.schema",
        "output.must_contain",
        "output.must_not_contain",
        f"output.predicate:{__name__}:no_email",
        f"output.predicate:{__name__}:always_none",
        "output.model",
    ]
    assert "output.total: expected >= 0, got -5" in text
    assert 'the output does not contain "refund"' in text
    assert 'output: …{"total": -5, "note": "mail [bob@example.org]"}' in text or "[bob@example.org]" in text
    assert "the reply contains an e-mail address" in text
    assert "always_none returned None; a predicate returns True/False, (ok, message) or a Verdict" in text
    assert "output.text: Field required" in text
    good = '{"total": 5, "text": "refund issued"}'
    assert (
        text_of(
            refund_run(),
            expect={"output": {**expect["output"], "predicates": [f"{__name__}:no_email"]}},
            output=good,
        )[0]
        == []
    )


class Reply(BaseModel):
    """The output model the output example names by dotted path."""

    total: float
    text: str


# ---------------------------------------------------------------- budgets and prices


def test_budgets_show_figure_and_limit() -> None:
    steps = refund_run()
    steps += [tool("lookup_order", {"order_id": "ORD-1"}, {}) for _ in range(3)]
    expect = {
        "budgets": {
            "max_steps": 6,
            "max_model_calls": 2,
            "max_tool_calls": 4,
            "max_tokens": 300,
            "max_cost": 0.00001,
            "max_latency_ms": 1000,
            "max_repeated_calls": 2,
        }
    }
    failures, text = text_of(steps, expect=expect)
    assert [f.check for f in failures] == [
        "budgets.max_steps",
        "budgets.max_model_calls",
        "budgets.max_tool_calls",
        "budgets.max_tokens",
        "budgets.max_cost",
        "budgets.max_latency_ms",
        "budgets.max_repeated_calls",
    ]
    assert "steps: 8, limit 6" in text
    assert "tokens: 360, limit 300" in text
    assert "cost: $0.000081 (estimated), limit $0.000010" in text
    assert "recorded latency (ms): 1225, limit 1000" in text
    assert 'identical call repeated 4 times, limit 2: lookup_order({"order_id":"ORD-1"})' in text
    assert text_of(steps, expect={"budgets": {"max_steps": 8, "max_repeated_calls": 4}})[0] == []


def test_prices_defaults_overrides_and_replay_cost() -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000, cache_read_tokens=500_000)
    cost = estimate_cost("openai/gpt-4o-2024-08-06", usage)
    assert cost is not None
    assert cost.estimated
    assert cost.amount == pytest.approx(1.25 + 0.625 + 10)
    assert estimate_cost("gpt-4o-mini-2024-07-18", Usage(input_tokens=1_000_000)).amount == pytest.approx(
        0.15
    )  # type: ignore[union-attr]
    table = PriceTable.from_config({"my-model": {"input": 1, "output": 2}})
    assert estimate_cost("my-model", Usage(output_tokens=1_000_000), table).amount == 2  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match=r"'my-model'\.input: expected a number"):
        PriceTable.from_config({"my-model": {"input": "x", "output": 2}})
    fixture, run = recorded(refund_run())
    summary = replay_cost(run)
    assert summary is not None
    assert summary.model_calls == 3
    assert summary.estimated
    line = checks.replay_cost_line(fixture, run)
    assert line is not None
    assert line.startswith("refund: replay cost $0.000081 (estimated) for 3 model calls")
    assert line.endswith("+0%")
    doubled = replayed(fixture, refund_run() + refund_run())
    doubled.answered_by = {i: i % 6 for i in range(len(doubled.steps))}
    assert checks.replay_cost_line(fixture, doubled).endswith("+100%")  # type: ignore[union-attr]


# ---------------------------------------------------------------- report


def test_several_failures_all_reported_and_verbose_is_complete() -> None:
    expect = {"tools": {"forbidden": ["lookup_order"]}, "budgets": {"max_tool_calls": 1}}
    _failures, short = text_of(refund_run(), expect=expect, pols=policies(APPROVAL_POLICY))
    assert short.startswith("3 checks failed for fixture 'refund' (regression)")
    assert "[3] budgets.max_tool_calls" in short
    _, verbose = text_of(refund_run(), expect=expect, pols=policies(APPROVAL_POLICY), verbose=True)
    assert "rule: policies[0] (refund-needs-approval)" in verbose
    assert "timeline:" in short
    assert "│ recording" in short


def test_passing_evaluate_never_calls_deepdiff(monkeypatch: pytest.MonkeyPatch) -> None:
    import deepdiff

    def boom(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("DeepDiff called on a passing run")

    monkeypatch.setattr(deepdiff, "DeepDiff", boom)
    expect = {
        "tools": {
            "sequence": [
                {"name": "lookup_order", "arguments": {"order_id": "ORD-1"}},
                {"name": "request_approval"},
                {"name": "issue_refund"},
            ]
        },
        "output": {"schema": {"type": "string"}, "must_contain": ["done"]},
        "budgets": {"max_steps": 100, "max_repeated_calls": 3},
    }
    fixture, run = recorded(refund_run(5000, approved=True), expect=expect)
    assert checks.evaluate(fixture, run, policies=policies(APPROVAL_POLICY), golden=True) == []


def test_assertrepr_helper() -> None:
    fixture, _ = recorded(refund_run())
    left = fixture.steps[3]
    right = left.model_copy(update={"arguments": {**left.arguments, "amount": 100}})  # type: ignore[union-attr]
    lines = trace_assertrepr_compare("==", left, right)
    assert lines is not None
    assert "arguments.amount: expected 100, got 5000" in lines
    assert trace_assertrepr_compare("==", 1, 2) is None
    assert trace_assertrepr_compare("==", left, left) is None


def test_invalid_schema_in_expectation_is_a_failure_not_a_crash() -> None:
    expect = {"output": {"schema": {"type": "nope"}}}
    _failures, text = text_of(refund_run(), expect=expect)
    assert "expect.output.schema: invalid JSON Schema" in text


def test_a_1mb_fixture_failure_is_reported_quickly() -> None:
    import importlib.util
    import time

    path = Path(__file__).resolve().parents[2] / "bench" / "bench_checks.py"
    spec = importlib.util.spec_from_file_location("bench_checks", path)
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    fixture, run, size = bench.build()
    assert size >= 1_000_000
    start = time.perf_counter()
    failures = checks.evaluate(fixture, run, policies=policies(bench.POLICY))
    text = render_failures(fixture, run, failures, verbose=False)
    elapsed = time.perf_counter() - start
    last = len(run.steps) - 1
    assert f"policy:refund-needs-approval · step {last} (tool issue_refund)" in text
    assert elapsed < 5  # loosely; bench/bench_checks.py holds it to 1 s
