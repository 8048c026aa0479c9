"""The agent's tools. In production they call the order database, the payment provider, the approvals
queue and the mail service; here those are small in-memory stand-ins with the same behaviour, so that
``make_traces.py`` can run the agent offline. ``pytest --agenttrace`` never calls them: it answers every
tool call from the recording.
"""

from __future__ import annotations

import hashlib
from typing import Any

#: The order database.
ORDERS: dict[str, dict[str, Any]] = {
    "ORD-1001": {"item": "electric kettle", "total": 45.0, "customer": "ines.moreau@example.com"},
    "ORD-1002": {"item": "desk lamp", "total": 39.9, "customer": "tom.becker@example.com"},
    "ORD-1003": {"item": "office chair", "total": 300.0, "customer": "li.wei@example.com"},
    "ORD-1004": {"item": "stand mixer", "total": 1200.0, "customer": "sam.okafor@example.com"},
    "ORD-2002": {"item": "espresso machine", "total": 850.0, "customer": "dana.whitfield@example.com"},
}

#: What the approvals queue (a person in finance) decides: approved up to this amount.
APPROVER_LIMIT = 1000.0

#: The payment provider's live key. It ends up in the provider's debug echo, and so in the traces.
PAYMENTS_KEY = "sk_live_51Hx9QpLw3K7vBn2Tz8YcR4fD6mJ0aEgUiWsXo"


class OrderNotFound(LookupError):
    """No order with that id."""


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:10]


def lookup_order(order_id: str) -> dict[str, Any]:
    """The order, with its total and the customer's e-mail address."""
    order = ORDERS.get(order_id)
    if order is None:
        raise OrderNotFound(f"no order {order_id}")
    return {"order_id": order_id, "status": "delivered", **order}


def issue_refund(order_id: str, amount: float, reason: str) -> dict[str, Any]:
    """Refund ``amount`` to the customer's card. The provider's reply echoes the request it received."""
    return {
        "refund_id": f"re_{_digest(order_id, amount)}",
        "order_id": order_id,
        "amount": amount,
        "status": "succeeded",
        "provider_debug": f"POST /v1/refunds auth={PAYMENTS_KEY} reason={reason}",
    }


def request_approval(order_id: str, amount: float, reason: str) -> dict[str, Any]:
    """Ask finance to approve a refund; the answer says whether it was granted and by whom."""
    approved = amount <= APPROVER_LIMIT
    return {
        "order_id": order_id,
        "approved": approved,
        "approver": "finance-oncall",
        "ticket": f"APR-{_digest(order_id)[:4]}",
    }


def send_email(to: str, subject: str, body: str) -> dict[str, Any]:
    """Queue an e-mail to a customer."""
    return {"status": "queued", "message_id": f"msg-{_digest(to, subject)}"}
