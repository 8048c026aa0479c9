"""Swapping the agent's model and tool functions for replay stubs, and putting them back.

This is ``unittest.mock.patch`` reduced to what a replay needs, with the same rule users already know:
patch the name where the agent looks it up. A function found on a class keeps its kind (plain function,
``staticmethod`` or ``classmethod``), so ``self`` and ``cls`` are not taken for arguments.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from . import decorators
from .entry import Target, resolve
from .replayer import Replayer

__all__ = ["Patches"]


def _function_of(value: Any) -> Callable[..., Any]:
    if isinstance(value, staticmethod | classmethod):
        function: Callable[..., Any] = value.__func__
        return function
    if not callable(value):
        raise TypeError(f"{value!r} is not callable")
    return value  # type: ignore[no-any-return]


def _rewrap(original: Any, stub: Callable[..., Any]) -> Any:
    if isinstance(original, staticmethod):
        return staticmethod(stub)
    if isinstance(original, classmethod):
        return classmethod(stub)
    return stub


class Patches:
    """A context manager that patches ``model`` and ``tools`` import paths with replay stubs.

    Given a ``replayer``, the stubs answer from it. Without one, they are the ``@replay_model`` /
    ``@replay_tool`` wrappers, which answer from whichever replay is active (``Replayer.activate``) and
    call the real function otherwise: built once per session and entered around every replay, so a run of
    ten thousand fixtures resolves the import paths and wraps the functions once, not once per test.
    With ``live_model`` the model is wrapped rather than replaced: the real function answers, and the
    call is still recorded in the actual run.
    """

    def __init__(
        self, replayer: Replayer | None = None, *, model: str | None, tools: Mapping[str, str]
    ) -> None:
        self.replayer = replayer
        self.targets: list[tuple[Target, Any]] = []
        if model is not None:
            target = resolve(model)
            function = _function_of(target.value)
            if replayer is None:
                stub = decorators.replay_model(function)
            else:
                stub = replayer.model_stub(function, is_async=inspect.iscoroutinefunction(function))
            self.targets.append((target, _rewrap(target.value, stub)))
        for name, path in tools.items():
            target = resolve(path)
            function = _function_of(target.value)
            if replayer is None:
                stub = decorators.replay_tool(name=name)(function)
            else:
                stub = replayer.tool_stub(name, function, is_async=inspect.iscoroutinefunction(function))
            self.targets.append((target, _rewrap(target.value, stub)))

    def __enter__(self) -> Patches:
        for target, replacement in self.targets:
            setattr(target.owner, target.attribute, replacement)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        for target, _ in reversed(self.targets):
            setattr(target.owner, target.attribute, target.value)
