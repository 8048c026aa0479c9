"""Cost of one stubbed model or tool call, against the physical limit and against HTTP-level replay.

All in one process, interleaved batches, medians (min-max) in microseconds per call:

* ``limit``: the same agent loop answered by a replay cursor that logs the call and hands out the next recorded answer as a fresh
  ``orjson.loads`` of its frozen bytes: the least a replay that protects its recording can do;
* ``replayer``: :class:`pytest_agenttrace.replay.Replayer` answering the same run (``answer_model`` with the
  messages the agent sends, ``answer_tool`` with its arguments), including what it records of the actual
  run and the copy it hands out. Per call = (replaying the run - building the Replayer) / calls;
* ``vcrpy``: an httpx POST replayed from a one-interaction cassette, and ``respx``: a respx-mocked httpx
  POST, both with ``response.json()``, the same 2 KB chat completion.

Targets: replayer within 2x the limit, and at least 50x cheaper than vcrpy and than respx.

    .venv/bin/python bench/bench_stubs.py [--batches 7] [--quick]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pytest_agenttrace.model import Fixture  # noqa: E402
from pytest_agenttrace.replay import Replayer  # noqa: E402
from pytest_agenttrace.replay.cursor import assistant_message  # noqa: E402
from tests.plugin.kit import fixture_doc  # noqa: E402

URL = "https://api.openai.com/v1/chat/completions"
PAD = "Your refund is on its way; we are sorry the kettle arrived broken. " * 24  # ~1.6 KB of text


def recorded_run() -> tuple[Fixture, list[tuple[str, Any]]]:
    """The kit's refund run, its final answer padded to a realistic size, and the calls the agent makes."""
    data = fixture_doc()
    data["steps"][-1]["response"]["content"] = PAD
    fixture = Fixture.model_validate(data)
    calls: list[tuple[str, Any]] = []
    for step in data["steps"]:
        if step["kind"] == "model":
            calls.append(("model", step.get("messages") or [{"role": "user", "content": "x"}]))
        else:
            calls.append((step["name"], step["arguments"]))
    return fixture, calls


def construct_message(step: Any) -> dict[str, Any]:
    return assistant_message(step.response, call_prefix=f"call_{step.id}")


def per_call(fn: Callable[[], None], calls: int, batch: int) -> float:
    started = time.perf_counter()
    for _ in range(batch):
        fn()
    return (time.perf_counter() - started) / batch / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    batches = 3 if args.quick else args.batches
    scale = 0.2 if args.quick else 1.0

    fixture, _ = recorded_run()
    n_calls = 5
    tool_specs = [
        {"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
        for n in ("lookup_order", "issue_refund", "request_approval", "send_email")
    ]
    system, user = fixture.input  # type: ignore[misc]

    def agent(call_model: Callable[..., Any], call_tool: Callable[[str, Any], Any]) -> None:
        """The kit's agent loop: the same growing message list on every call, as real agents send it."""
        messages: list[Any] = [dict(system), dict(user)]
        for _ in range(10):
            reply = call_model(messages, tool_specs)
            messages.append(reply)
            calls = reply.get("tool_calls")
            if not calls:
                return
            for call in calls:
                result = call_tool(call["function"]["name"], json.loads(call["function"]["arguments"]))
                messages.append({"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)})

    def replay() -> None:
        replayer = Replayer(fixture)
        agent(replayer.answer_model, replayer.answer_tool)

    def build() -> None:
        Replayer(fixture)

    # the limit: the recorded answers frozen once, a cursor that logs and thaws
    frozen = [
        orjson.dumps(
            construct_message(s) if s.kind == "model" else getattr(s, "result", None)  # type: ignore[arg-type]
        )
        for s in fixture.steps
    ]

    def cursor_run(thaw: Callable[[Any], Any], answers: list[Any]) -> None:
        log: list[tuple[str, Any]] = []
        cursor = iter(answers)

        def answer(name: str, payload: Any) -> Any:
            log.append((name, payload))
            return thaw(next(cursor))

        agent(lambda messages, tools: answer("model", messages), answer)

    def limit() -> None:
        cursor_run(orjson.loads, frozen)

    thawed = [orjson.loads(b) for b in frozen]

    def deepcopy_cursor() -> None:
        cursor_run(copy.deepcopy, thawed)

    completion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": PAD}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 400, "total_tokens": 500},
    }
    body = json.dumps(completion)
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}

    import httpx

    results: dict[str, list[float]] = {k: [] for k in ("limit", "replayer", "build", "deepcopy")}
    http: dict[str, list[float]] = {"vcrpy": [], "respx": []}
    try:
        import vcr  # type: ignore[import-untyped]
    except ImportError:
        vcr = None
    try:
        import respx
    except ImportError:
        respx = None

    with tempfile.TemporaryDirectory() as folder:
        cassette = Path(folder) / "chat.yaml"
        if vcr is not None:
            cassette.write_text(
                json.dumps(
                    {
                        "version": 1,
                        "interactions": [
                            {
                                "request": {
                                    "method": "POST",
                                    "uri": URL,
                                    "body": json.dumps(request),
                                    "headers": {"content-type": ["application/json"]},
                                },
                                "response": {
                                    "status": {"code": 200, "message": "OK"},
                                    "headers": {"content-type": ["application/json"]},
                                    "body": {"string": body},
                                },
                            }
                        ],
                    }
                )
            )
        client = httpx.Client()
        http_batch = max(20, int(200 * scale))
        stub_batch = max(200, int(4000 * scale))
        for _ in range(batches):
            results["limit"].append(per_call(limit, n_calls, stub_batch))
            results["replayer"].append(per_call(replay, n_calls, stub_batch))
            results["build"].append(per_call(build, n_calls, stub_batch) * n_calls)
            results["deepcopy"].append(per_call(deepcopy_cursor, n_calls, stub_batch // 4))
            if vcr is not None:
                recorder = vcr.VCR(record_mode="none", serializer="json")
                with recorder.use_cassette(str(cassette), allow_playback_repeats=True):
                    http["vcrpy"].append(
                        per_call(lambda: client.post(URL, json=request).json(), 1, http_batch)
                    )
            if respx is not None:
                with respx.mock(assert_all_called=False) as mock:
                    mock.post(URL).respond(200, text=body, headers={"content-type": "application/json"})
                    http["respx"].append(
                        per_call(lambda: client.post(URL, json=request).json(), 1, http_batch)
                    )
        client.close()

    def med(values: list[float]) -> float:
        return statistics.median(values)

    net = [r - b / n_calls for r, b in zip(results["replayer"], results["build"], strict=True)]
    lim = med(results["limit"])
    print(
        f"stubbed calls: {n_calls} per run (3 model, 2 tool); {batches} interleaved batches, medians (min-max)"
    )

    def row(label: str, values: list[float], unit: str = "us/call") -> None:
        print(f"  {label:<52} {med(values):9.2f} {unit} ({min(values):.2f}-{max(values):.2f})")

    row("limit: cursor + log + fresh orjson copy", results["limit"])
    row("same cursor with copy.deepcopy (for scale)", results["deepcopy"])
    row("Replayer, per call (Replayer built per run excluded)", net)
    row("Replayer construction, per run", results["build"], "us/run ")
    for key, values in http.items():
        if values:
            row(f"{key}: httpx POST + .json(), replayed", values)
    ratio = med(net) / lim
    print(f"Replayer per call / limit: {ratio:.2f} (target <= 2.0)")
    for key, values in http.items():
        if values:
            print(f"{key} / Replayer per call: {med(values) / med(net):.0f}x (target >= 50x)")


if __name__ == "__main__":
    main()
