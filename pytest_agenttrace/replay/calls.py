"""Reading a call's arguments by the signature of the function it was meant for.

A stub stands in for the agent's own function, so ``lookup_order("A1")``, ``lookup_order(order_id="A1")``
and ``tools["lookup_order"](**json.loads(arguments))`` must all give ``{"order_id": "A1"}``, the shape the
recording holds. The signature is read once per function and cached.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import lru_cache
from typing import Any

__all__ = ["CallShape", "model_request", "shape_of"]


class CallShape:
    """Binds positional and keyword arguments to parameter names (``self``/``cls`` left out)."""

    __slots__ = ("_names", "_positional", "_required", "_sig", "_skip")

    def __init__(self, fn: Callable[..., Any] | None) -> None:
        self._sig: inspect.Signature | None = None
        self._skip: str | None = None
        # for a plain signature (named parameters only, no self): the names in order and the required
        # ones, so that a call binds without inspect's general machinery (see bind)
        self._names: tuple[str, ...] | None = None
        self._required: frozenset[str] = frozenset()
        self._positional = 0
        if fn is None:
            return
        try:
            self._sig = inspect.signature(fn)
        except (TypeError, ValueError):
            return
        first = next(iter(self._sig.parameters), None)
        if first in ("self", "cls"):
            self._skip = first
            return
        plain = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        parameters = self._sig.parameters.values()
        if all(p.kind in plain for p in parameters):
            self._names = tuple(p.name for p in parameters)
            self._required = frozenset(p.name for p in parameters if p.default is inspect.Parameter.empty)
            self._positional = sum(1 for p in parameters if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD)

    @property
    def signed(self) -> bool:
        """Whether there is a signature to bind by (a function that could be inspected)."""
        return self._sig is not None

    def bind(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], recorded: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """The call's arguments by name; ``recorded`` names positional ones when there is no signature."""
        names = self._names
        if names is not None and len(args) <= self._positional:
            # what Signature.bind gives for a call that fits the signature: the given arguments by name,
            # in parameter order; ``inspect`` measured 40 us of a 100 us replay test for the same dict
            given = dict(zip(names, args, strict=False))
            if not any(name in given for name in kwargs):
                given.update(kwargs)
                if (
                    self._required.issubset(given)
                    and len(given) == len(args) + len(kwargs)
                    and kwargs.keys() <= set(names)
                ):
                    return {name: given[name] for name in names if name in given}
        sig = self._sig
        if sig is None:
            return self._fallback(args, kwargs, recorded)
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError:
            if self._skip is not None:  # a bound method's signature was read with self: try without
                try:
                    bound = sig.bind(None, *args, **kwargs)
                except TypeError:
                    return self._fallback(args, kwargs)
            else:
                return self._fallback(args, kwargs)
        out: dict[str, Any] = {}
        parameters = sig.parameters
        for name, value in bound.arguments.items():
            if name == self._skip:
                continue
            kind = parameters[name].kind
            if kind is inspect.Parameter.VAR_KEYWORD:
                out.update(value)
            elif kind is inspect.Parameter.VAR_POSITIONAL:
                if value:
                    out[name] = list(value)
            else:
                out[name] = value
        return out

    @staticmethod
    def _fallback(
        args: tuple[Any, ...], kwargs: dict[str, Any], recorded: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Arguments without a signature: one dict is the arguments; positional ones take the recorded
        names in order (those not given by keyword), and ``argN`` past them or without a recording."""
        if len(args) == 1 and not kwargs and isinstance(args[0], dict):
            return dict(args[0])
        free = [name for name in recorded if name not in kwargs]
        positional = {free[i] if i < len(free) else f"arg{i}": value for i, value in enumerate(args)}
        return {**positional, **kwargs}


@lru_cache(maxsize=1024)
def shape_of(fn: Callable[..., Any] | None) -> CallShape:
    return CallShape(fn)


def model_request(arguments: dict[str, Any]) -> tuple[list[Any], Any]:
    """``(messages, tools)`` from a model call's bound arguments.

    ``messages`` is the argument of that name, else the first argument; a plain prompt string counts as
    one user message.
    """
    messages: Any = arguments.get("messages")
    if messages is None:
        messages = next(iter(arguments.values()), None)
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    elif not isinstance(messages, list | tuple):
        messages = []
    return list(messages), arguments.get("tools")
