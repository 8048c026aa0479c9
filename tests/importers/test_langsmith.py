"""The LangSmith importer against runs the real ``langsmith`` SDK produces, and against the corpus.

The producer is ``@traceable`` with a ``Client`` whose HTTP session is a fake adapter (no network): the
run trees handed to ``on_end`` are dumped as the SDK's own objects (``RunTree`` with ``child_runs``), and
flattened into the list of runs an export holds. The tests compare the fixture's steps with what the
scripted run did.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from pytest_agenttrace.importers import ImportOptions
from pytest_agenttrace.importers._common import error_from_text, normalize_message
from pytest_agenttrace.importers.base import MISSING_PARENTS_ATTRIBUTE, ImportedTrace, TraceProblem
from pytest_agenttrace.importers.langsmith import LangSmithImporter
from pytest_agenttrace.importers.rules import DEFAULT_RULES
from pytest_agenttrace.model import Fixture

langsmith = pytest.importorskip("langsmith")
requests = pytest.importorskip("requests")

CORPUS = Path(__file__).parent.parent / "data" / "corpus" / "langsmith"


class NoNetwork(requests.adapters.BaseAdapter):  # type: ignore[misc]
    """Answers every request with an empty 200, so the client never reaches a server."""

    def send(self, request: Any, **kwargs: Any) -> Any:
        response = requests.Response()
        response.status_code = 200
        response._content = b"{}"
        response.request = request
        return response

    def close(self) -> None:
        pass


def offline_client() -> Any:
    session = requests.Session()
    session.mount("http://", NoNetwork())
    session.mount("https://", NoNetwork())
    return langsmith.Client(
        api_key="ls-test", api_url="http://langsmith.test", session=session, auto_batch_tracing=False
    )


class RefundLimitExceeded(Exception):
    pass


def make_agent(
    script: list[list[tuple[str, str, dict[str, Any]]] | str],
) -> tuple[Any, list[Any], list[tuple[int, int]]]:
    """A traced agent: a scripted chat model (ChatCompletion-shaped outputs) and three tools."""
    traceable = langsmith.traceable
    executed: list[Any] = []
    usage: list[tuple[int, int]] = []

    @traceable(run_type="tool", name="lookup_order")
    def lookup_order(order_id: str) -> dict[str, Any]:
        return {"order_id": order_id, "customer": "dana@example.com"}

    @traceable(run_type="tool", name="issue_refund")
    def issue_refund(order_id: str, amount: float, reason: str) -> dict[str, Any]:
        if amount > 500:
            raise RefundLimitExceeded(f"refund of {amount:.2f} exceeds the limit")
        return {"refund_id": "RF-1"}

    @traceable(run_type="tool", name="send_email")
    def send_email(to: str, subject: str, body: str) -> str:
        return "queued"

    tools = {"lookup_order": lookup_order, "issue_refund": issue_refund, "send_email": send_email}

    @traceable(
        run_type="llm", name="ChatOpenAI", metadata={"ls_provider": "openai", "ls_model_name": "gpt-4o-mini"}
    )
    def chat(messages: list[dict[str, Any]], temperature: float) -> dict[str, Any]:
        turn = script[len(usage)]
        tokens = (30 + 10 * len(messages), 5 + len(usage))
        usage.append(tokens)
        if isinstance(turn, str):
            message: dict[str, Any] = {"role": "assistant", "content": turn}
        else:
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": cid, "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
                    for cid, n, a in turn
                ],
            }
        return {
            "id": f"chatcmpl-{len(usage)}",
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "stop" if isinstance(turn, str) else "tool_calls",
                }
            ],
            "usage_metadata": {
                "input_tokens": tokens[0],
                "output_tokens": tokens[1],
                "total_tokens": sum(tokens),
            },
        }

    @traceable(run_type="chain", name="support-agent")
    def agent(question: str) -> str:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": "Support."},
            {"role": "user", "content": question},
        ]
        while True:
            reply = chat(list(messages), temperature=0.2)["choices"][0]["message"]
            if not reply.get("tool_calls"):
                return str(reply["content"])
            messages.append(reply)
            for call in reply["tool_calls"]:
                args = json.loads(call["function"]["arguments"])
                executed.append((call["function"]["name"], args))
                result = tools[call["function"]["name"]](**args)
                messages.append({"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)})

    return agent, executed, usage


def produce(
    tmp_path: Path, script: list[Any], question: str
) -> tuple[Path, Path, list[Any], list[tuple[int, int]]]:
    """Run the traced agent; write the run tree and the flat list of runs it holds."""
    agent, executed, usage = make_agent(script)
    captured: list[Any] = []
    context = langsmith.tracing_context(enabled="local", client=offline_client(), project_name="acme")
    with context, contextlib.suppress(RefundLimitExceeded):
        agent(question, langsmith_extra={"on_end": captured.append, "metadata": {"user_id": "u-1"}})
    [root] = captured

    def dump(run_tree: Any) -> dict[str, Any]:  # the SDK's own serialisation, children included
        data: dict[str, Any] = json.loads(run_tree.model_dump_json())
        data["child_runs"] = [dump(child) for child in run_tree.child_runs]
        return data

    tree = dump(root)
    runs: list[dict[str, Any]] = []

    def flatten(run: dict[str, Any]) -> None:
        runs.append({k: v for k, v in run.items() if k != "child_runs"})
        for child in run.get("child_runs") or []:
            flatten(child)

    flatten(tree)
    tree_path = tmp_path / "run.runtree.json"
    tree_path.write_text(json.dumps(tree))
    runs_path = tmp_path / "run.runs.json"
    runs_path.write_text(json.dumps(runs[::-1]))  # an export's order is not execution order
    return tree_path, runs_path, executed, usage


def import_one(path: Path) -> ImportedTrace:
    results = list(LangSmithImporter().iter_traces(path, ImportOptions(rules=DEFAULT_RULES)))
    assert len(results) == 1, results
    assert isinstance(results[0], ImportedTrace), results
    trace = results[0]
    Fixture.model_validate({"id": "t", "input": trace.input, "steps": trace.steps, "output": trace.output})
    return trace


def tools_of(trace: ImportedTrace) -> list[tuple[str, Any]]:
    return [(s["name"], s.get("arguments")) for s in trace.steps if s["kind"] == "tool"]


def test_successful_run_tree_and_runs_list(tmp_path: Path) -> None:
    script = [
        [("c1", "lookup_order", {"order_id": "ORD-1"})],
        [("c2", "issue_refund", {"order_id": "ORD-1", "amount": 45.0, "reason": "damaged"})],
        [("c3", "send_email", {"to": "dana@example.com", "subject": "Refund", "body": "Done"})],
        "Refunded.",
    ]
    tree_path, runs_path, executed, usage = produce(tmp_path, script, "Refund ORD-1")
    tree, runs = import_one(tree_path), import_one(runs_path)
    assert tree.steps == runs.steps
    trace = runs
    assert tools_of(trace) == executed
    assert [s["call_id"] for s in trace.steps if s["kind"] == "tool"] == ["c1", "c2", "c3"]
    models = [s for s in trace.steps if s["kind"] == "model"]
    assert [(m["usage"]["input_tokens"], m["usage"]["output_tokens"]) for m in models] == usage
    assert all(m["model"] == "gpt-4o-mini-2024-07-18" and m["provider"] == "openai" for m in models)
    assert models[0]["parameters"] == {"temperature": 0.2}
    assert trace.input == "Refund ORD-1"
    assert trace.output == "Refunded."
    assert trace.attributes["metadata"]["user_id"] == "u-1"
    assert [s["kind"] for s in trace.steps] == ["model", "tool"] * 3 + ["model"]
    assert not trace.failed


def test_failed_run_keeps_the_tool_error(tmp_path: Path) -> None:
    script = [
        [("c1", "lookup_order", {"order_id": "ORD-2"})],
        [("c2", "issue_refund", {"order_id": "ORD-2", "amount": 850.0, "reason": "broken"})],
    ]
    _, runs_path, executed, usage = produce(tmp_path, script, "Refund ORD-2")
    trace = import_one(runs_path)
    assert tools_of(trace) == executed
    refund = [s for s in trace.steps if s["kind"] == "tool"][-1]
    assert refund["error"] == {"type": "RefundLimitExceeded", "message": "refund of 850.00 exceeds the limit"}
    assert "result" not in refund
    assert "Traceback" in refund["attributes"]["langsmith.error"]
    assert trace.failed
    assert not trace.has_output
    # the root failed because the tool did: one error, not two
    assert sum(1 for s in trace.steps if "error" in s) == 1
    assert trace.attributes["error"]["type"] == "RefundLimitExceeded"
    assert len([s for s in trace.steps if s["kind"] == "model"]) == len(usage) == 2


def test_long_run(tmp_path: Path) -> None:
    script: list[Any] = [[(f"l{i}", "lookup_order", {"order_id": f"ORD-{i}"}) for i in range(3)]]
    script += [
        [(f"r{i}", "issue_refund", {"order_id": f"ORD-{i}", "amount": 10.0, "reason": "x"})] for i in range(4)
    ]
    script += ["done"]
    _, runs_path, executed, usage = produce(tmp_path, script, "Refund all")
    trace = import_one(runs_path)
    assert len(trace.steps) >= 10
    assert tools_of(trace) == executed
    assert sum(s["usage"]["total_tokens"] for s in trace.steps if s["kind"] == "model") == sum(
        a + b for a, b in usage
    )
    assert [s["call_id"] for s in trace.steps if s["kind"] == "tool"] == [
        "l0",
        "l1",
        "l2",
        "r0",
        "r1",
        "r2",
        "r3",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "traceable__refund_tool_error.runs.json",
        "traceable__refund_tool_error.ingest_raw.json",
        "traceable__refund_tool_error.runtree.json",
    ],
)
def test_corpus_shapes_agree(name: str) -> None:
    trace = import_one(CORPUS / name)
    assert trace.trace_id == "01a200f3-5888-7322-a373-1bfbcdbd1c87"
    assert tools_of(trace) == [
        ("lookup_order", {"order_id": "ORD-2002"}),
        ("issue_refund", {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"}),
    ]
    assert trace.steps[-1]["error"]["type"] == "RefundLimitExceeded"
    assert sum(s["usage"]["total_tokens"] for s in trace.steps if s["kind"] == "model") == 380


def test_parallel_calls_link_by_name_and_order() -> None:
    trace = import_one(CORPUS / "traceable__refund_multi_long.runs.json")
    lookups = [s for s in trace.steps if s.get("name") == "lookup_order"]
    first_model = trace.steps[0]
    requested = [c["id"] for c in first_model["response"]["tool_calls"]]
    assert [s["call_id"] for s in lookups] == requested
    assert [s["arguments"]["order_id"] for s in lookups] == ["ORD-1001", "ORD-2002", "ORD-3003"]
    # an executed tool stays a tool step even though its name matches the approval rule
    assert next(s for s in trace.steps if s.get("name") == "request_approval")["kind"] == "tool"


def test_ingest_patch_overrides_post(tmp_path: Path) -> None:
    parts = [
        {
            "name": "post.r1",
            "value": {
                "id": "r1",
                "trace_id": "r1",
                "name": "agent",
                "run_type": "chain",
                "start_time": "2026-01-01T00:00:00+00:00",
                "dotted_order": "20260101T000000000000Zr1",
            },
        },
        {"name": "post.r1.inputs", "value": {"question": "hi"}},
        {
            "name": "post.r2",
            "value": {
                "id": "r2",
                "trace_id": "r1",
                "parent_run_id": "r1",
                "name": "memory_write",
                "run_type": "chain",
                "start_time": "2026-01-01T00:00:01+00:00",
                "dotted_order": "20260101T000000000000Zr1.20260101T000001000000Zr2",
            },
        },
        {"name": "post.r2.inputs", "value": {"key": "k"}},
        {
            "name": "patch.r2",
            "value": {"id": "r2", "trace_id": "r1", "end_time": "2026-01-01T00:00:02+00:00"},
        },
        {"name": "patch.r2.outputs", "value": {"output": "v"}},
        {
            "name": "patch.r1",
            "value": {"id": "r1", "trace_id": "r1", "end_time": "2026-01-01T00:00:03+00:00"},
        },
        {"name": "patch.r1.outputs", "value": {"output": "bye"}},
    ]
    path = tmp_path / "ingest.json"
    path.write_text(
        json.dumps(
            [{"method": "POST", "path": "/runs/multipart", "decoded": {"kind": "multipart", "parts": parts}}]
        )
    )
    trace = import_one(path)
    [step] = trace.steps
    assert step["kind"] == "memory"  # a chain run named like a memory operation, by the default rules
    assert step["key"] == "k"
    assert step["value"] == "v"
    assert step["timing"] == {"start": "2026-01-01T00:00:01.000000Z", "duration_ms": 1000.0}
    assert (trace.input, trace.output) == ("hi", "bye")


def test_langchain_serialized_messages() -> None:
    ai = {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "schema", "messages", "AIMessage"],
        "kwargs": {
            "content": "",
            "tool_calls": [
                {"name": "lookup_order", "args": {"order_id": "A"}, "id": "call_9", "type": "tool_call"}
            ],
            "usage_metadata": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
        },
    }
    assert normalize_message(ai) == {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "call_9",
                "type": "function",
                "function": {"name": "lookup_order", "arguments": '{"order_id": "A"}'},
            }
        ],
    }
    human = {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "schema", "messages", "HumanMessage"],
        "kwargs": {"content": "hi"},
    }
    assert normalize_message(human) == {"role": "user", "content": "hi"}
    tool = {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain_core", "messages", "ToolMessage"],
        "kwargs": {"content": "ok", "tool_call_id": "call_9"},
    }
    assert normalize_message(tool) == {"role": "tool", "content": "ok", "tool_call_id": "call_9"}


def test_langchain_llm_run(tmp_path: Path) -> None:
    """An ``llm`` run as LangChainTracer writes it: messages as lists of serialized objects, generations."""

    def lc(cls: str, **kw: Any) -> dict[str, Any]:
        return {
            "lc": 1,
            "type": "constructor",
            "id": ["langchain", "schema", "messages", cls],
            "kwargs": kw,
        }

    run = {
        "id": "a",
        "trace_id": "a",
        "name": "ChatOpenAI",
        "run_type": "llm",
        "start_time": "2026-01-01T00:00:00Z",
        "end_time": "2026-01-01T00:00:01Z",
        "inputs": {
            "messages": [[lc("SystemMessage", content="Be brief."), lc("HumanMessage", content="hi")]]
        },
        "outputs": {
            "generations": [
                [
                    {
                        "text": "",
                        "generation_info": {"finish_reason": "tool_calls"},
                        "message": lc(
                            "AIMessage",
                            content="",
                            tool_calls=[{"name": "t", "args": {"x": 1}, "id": "c", "type": "tool_call"}],
                            usage_metadata={"input_tokens": 7, "output_tokens": 2, "total_tokens": 9},
                            response_metadata={"model_name": "gpt-4o-mini-2024-07-18"},
                        ),
                    }
                ]
            ],
            "llm_output": None,
        },
        "extra": {
            "invocation_params": {"model": "gpt-4o-mini", "temperature": 0},
            "metadata": {"ls_provider": "openai"},
        },
    }
    path = tmp_path / "lc.json"
    path.write_text(json.dumps([run]))
    trace = import_one(path)
    [step] = trace.steps
    assert step["kind"] == "model"
    assert step["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert step["response"]["tool_calls"][0]["function"] == {"name": "t", "arguments": '{"x": 1}'}
    assert step["usage"] == {"input_tokens": 7, "output_tokens": 2, "total_tokens": 9}
    assert step["model"] == "gpt-4o-mini-2024-07-18"
    assert step["finish_reason"] == "tool_calls"
    assert trace.input == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]


def test_error_text_parsing() -> None:
    text = "ValueError('bad value')\n\nTraceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad value\n"
    assert error_from_text(text) == {"type": "ValueError", "message": "bad value"}
    assert error_from_text("something broke") == {"message": "something broke"}


def test_missing_parent_imports_as_a_partial_trace_and_duplicate_ids_fail(tmp_path: Path) -> None:
    runs = json.loads((CORPUS / "traceable__refund_tool_error.runs.json").read_text())
    whole = import_one(CORPUS / "traceable__refund_tool_error.runs.json")
    path = tmp_path / "orphan.json"
    path.write_text(json.dumps(runs[1:]))  # the root run filtered out of the export
    partial = import_one(path)
    assert partial.attributes[MISSING_PARENTS_ATTRIBUTE] == ["01a200f3-5888-7322-a373-1bfbcdbd1c87"]
    assert MISSING_PARENTS_ATTRIBUTE not in whole.attributes
    assert [(s["kind"], s.get("name")) for s in partial.steps] == [
        (s["kind"], s.get("name")) for s in whole.steps
    ]
    assert partial.failed
    path.write_text(json.dumps([*runs, runs[2]]))
    results = list(LangSmithImporter().iter_traces(path, ImportOptions()))
    assert isinstance(results[0], TraceProblem)
    assert results[0].message == "duplicate run id 01a200f3-58ae-79da-8210-15dc2d860c1b"
    assert results[0].where == "$[5]"
