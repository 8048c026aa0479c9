"""Short, one-line renderings of JSON values for timelines and messages."""

from __future__ import annotations

import json
from typing import Any


def clip(text: str, width: int) -> str:
    """``text`` on one line, at most ``width`` characters, with an ellipsis where it was cut."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def short_json(value: Any, width: int = 60) -> str:
    """A compact one-line JSON rendering, clipped."""
    if isinstance(value, str):
        return clip(json.dumps(value, ensure_ascii=False), width)
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    except (TypeError, ValueError):
        text = repr(value)
    return clip(text, width)


def call_text(name: str, arguments: Any, width: int = 70) -> str:
    """``issue_refund(order_id="ORD-1", amount=850.0)``, clipped."""
    if isinstance(arguments, dict):
        inner = ", ".join(f"{k}={short_json(v, 40)}" for k, v in arguments.items())
    elif arguments is None:
        inner = ""
    else:
        inner = short_json(arguments, 40)
    return clip(f"{name}({inner})", width)
