"""The refund agent: a tool-calling loop on :func:`refund_app.llm.chat`.

**The production bug.** The rule "refunds over $100 need an approval" lived only in the system prompt.
On 3 November the model skipped ``request_approval`` and the agent refunded $850 for order ORD-2002
straight away: nothing in the code stopped it.

**The fix** (behind the switch ``REFUND_APP_FIXED=1``, read on every call so a test can flip it): the code,
not the prompt, enforces the rule. Before ``issue_refund`` over $100 runs, the agent checks that
``request_approval`` granted that amount for the same order earlier in the conversation; if not, it asks
finance itself, and when finance does not grant it the refund does not run. The agent then answers the
customer itself, from what happened (the amount, finance's ticket), and ends the conversation: a model
that was about to refund without approval has already shown it does not follow that rule, so it is not
given the chance to tell the customer (or e-mail them) that the money is on its way.

The tools are looked up on the :mod:`refund_app.tools` module at call time and the model as
``llm.chat``: that is what lets ``pytest --agenttrace`` patch ``refund_app.tools:issue_refund`` and
``refund_app.llm:chat`` by import path (see ``pyproject.toml``).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, Protocol

from . import llm, tools

APPROVAL_LIMIT = 100.0
MAX_TURNS = 8

SYSTEM_PROMPT = (
    "You are the support agent of Acme Home. Look up the order before anything else. "
    "Refunds over $100 need an approved request_approval for the same order first. "
    "After a refund, e-mail the customer a confirmation."
)


def _function(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": sorted(properties)},
        },
    }


_ORDER = {"order_id": {"type": "string"}}
_REFUND = {**_ORDER, "amount": {"type": "number", "minimum": 0}, "reason": {"type": "string"}}

TOOL_SPECS = [
    _function("lookup_order", "Look up an order: item, total, status, customer e-mail.", _ORDER),
    _function("request_approval", "Ask finance to approve a refund over $100.", _REFUND),
    _function("issue_refund", "Refund an amount to the customer's card.", _REFUND),
    _function(
        "send_email",
        "E-mail a customer.",
        {"to": {"type": "string"}, "subject": {"type": "string"}, "body": {"type": "string"}},
    ),
]

TOOL_NAMES = frozenset(spec["function"]["name"] for spec in TOOL_SPECS)


class ToolSpan(Protocol):
    """What a tracing hook gets to record about one tool call."""

    def set_result(self, result: Any) -> None: ...

    def set_error(self, error: BaseException) -> None: ...


class _NoSpan:
    def set_result(self, result: Any) -> None:
        pass

    def set_error(self, error: BaseException) -> None:
        pass


@contextlib.contextmanager
def _no_tracing(call_id: str, name: str, arguments: dict[str, Any]) -> Iterator[ToolSpan]:
    yield _NoSpan()


#: Wraps every tool call; production installs an OpenTelemetry span here (``make_traces.py`` shows how).
tool_span: Callable[[str, str, dict[str, Any]], contextlib.AbstractContextManager[ToolSpan]] = _no_tracing


def fixed() -> bool:
    """Whether the approval guard is on (``REFUND_APP_FIXED=1``)."""
    return os.environ.get("REFUND_APP_FIXED", "") not in ("", "0")


def handle(request: str) -> str:
    """Answer one customer request; returns the reply the customer sees."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": request},
    ]
    approved: dict[str, float] = {}  # order id -> amount finance approved in this conversation
    held: list[Held] = []  # refunds the approval guard stopped (fixed agent only)
    for _ in range(MAX_TURNS):
        reply = llm.chat(messages, tools=TOOL_SPECS)
        messages.append(reply)
        calls = reply.get("tool_calls") or []
        if not calls:
            return str(reply.get("content") or "")
        for call in calls:
            name = call["function"]["name"]
            arguments = json.loads(call["function"]["arguments"])
            result = run_tool(call["id"], name, arguments, approved, held)
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)})
        if held:
            return held_reply(held)
    return "Sorry, I could not finish this request; a colleague will get back to you."


class Held(NamedTuple):
    """A refund the approval guard did not let run: what the customer is told comes from here."""

    order_id: str
    amount: float
    ticket: str


def held_reply(held: list[Held]) -> str:
    """The fixed agent's answer when a refund was held back: only what actually happened."""
    parts = [
        f"Your refund of ${h.amount:.2f} for order {h.order_id} needs approval from our finance team, "
        "which has not been granted yet" + (f" (ticket {h.ticket})" if h.ticket else "") + "."
        for h in held
    ]
    return " ".join(
        [*parts, "No money has been paid back yet; we will get back to you once finance decides."]
    )


def run_tool(
    call_id: str,
    name: str,
    arguments: dict[str, Any],
    approved: dict[str, float],
    held: list[Held] | None = None,
) -> Any:
    """Run one tool the model asked for; a tool's exception goes back to the model as an error."""
    if name not in TOOL_NAMES:
        return {"error": f"no tool named {name!r}"}
    if name == "issue_refund" and fixed():
        refusal = _approval_guard(call_id, arguments, approved)
        if refusal is not None:
            if held is not None:
                held.append(refusal)
            return {
                "error": f"the refund of ${refusal.amount:.2f} needs finance's approval, which was not granted"
            }
    result = _call(call_id, name, arguments)
    if name == "request_approval" and isinstance(result, dict) and result.get("approved"):
        approved[str(arguments["order_id"])] = float(arguments["amount"])
    return result


def _approval_guard(call_id: str, arguments: dict[str, Any], approved: dict[str, float]) -> Held | None:
    """The fix: a refund over the limit runs only with finance's approval, asked for here if the model did not.

    Returns None when the refund may go ahead, else what was held back.
    """
    order_id = str(arguments.get("order_id"))
    amount = float(arguments.get("amount", 0))
    if amount <= APPROVAL_LIMIT or approved.get(order_id, 0.0) >= amount:
        return None
    request = {"order_id": order_id, "amount": amount, "reason": str(arguments.get("reason", ""))}
    answer = _call(f"{call_id}-approval", "request_approval", request)
    if isinstance(answer, dict) and answer.get("approved"):
        approved[order_id] = amount
        return None
    ticket = answer.get("ticket", "") if isinstance(answer, dict) else ""
    return Held(order_id, amount, str(ticket or ""))


def _call(call_id: str, name: str, arguments: dict[str, Any]) -> Any:
    with tool_span(call_id, name, arguments) as span:
        try:
            result = getattr(tools, name)(**arguments)
        except Exception as exc:
            span.set_error(exc)
            return {"error": str(exc)}
        span.set_result(result)
    return result
