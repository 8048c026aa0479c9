"""``@replay_tool`` and ``@replay_model``: mark the app's own tool and model functions as replay seams.

Patching by import path breaks when the agent did ``from tools import lookup_order`` before the patch, or
builds its tools in a registry at import time. A function wrapped once in the app's code has no such
problem: while a replay is active in this process, the wrapper routes the call to the replay; otherwise
it calls the function. Production pays for one module-global read and a ``None`` test per call (measured
in ``docs/replay.md``), and this module imports nothing but the standard library, so importing it costs
nothing either.

Only one replay is active per process at a time (pytest runs one test at a time per process; pytest-xdist
uses processes). A module global rather than a context variable is deliberate: the routing must also
reach tools that the agent runs in a thread pool, which a context variable would not.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, overload

__all__ = ["Router", "active_router", "replay_model", "replay_tool", "set_router"]

F = TypeVar("F", bound=Callable[..., Any])


class Router(Protocol):
    """What a decorated function is routed to during a replay (a :class:`~.replayer.Replayer`)."""

    def call_tool(
        self, name: str, original: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any: ...

    async def acall_tool(
        self, name: str, original: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any: ...

    def call_model(
        self, original: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any: ...

    async def acall_model(
        self, original: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any: ...


_router: Router | None = None


def active_router() -> Router | None:
    return _router


def set_router(router: Router | None) -> Router | None:
    """Install ``router`` (None: production behaviour); returns the one it replaces."""
    global _router
    previous, _router = _router, router
    return previous


def _wrap_tool(fn: F, name: str) -> F:
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_tool(*args: Any, **kwargs: Any) -> Any:
            router = _router
            if router is None:
                return await fn(*args, **kwargs)
            return await router.acall_tool(name, fn, args, kwargs)

        return async_tool  # type: ignore[return-value]

    @functools.wraps(fn)
    def tool(*args: Any, **kwargs: Any) -> Any:
        router = _router
        if router is None:
            return fn(*args, **kwargs)
        return router.call_tool(name, fn, args, kwargs)

    return tool  # type: ignore[return-value]


@overload
def replay_tool(fn: F, /) -> F: ...
@overload
def replay_tool(*, name: str | None = None) -> Callable[[F], F]: ...
def replay_tool(fn: F | None = None, /, *, name: str | None = None) -> F | Callable[[F], F]:
    """Route this tool to the replay during ``pytest --agenttrace``; call it as is otherwise.

    ``name`` is the tool's name in the recording when it differs from the function's ``__name__``.
    Works on ``def`` and ``async def`` functions and on methods (``self`` is not an argument).
    """
    if fn is not None:
        return _wrap_tool(fn, fn.__name__)
    return lambda f: _wrap_tool(f, name or f.__name__)


def replay_model(fn: F, /) -> F:
    """Route this model call to the replay (answered in recorded order); call it as is otherwise.

    The function's ``messages`` argument (or its first one) is the request; ``tools`` the tools offered.
    Under ``--agenttrace-live=model`` the real function runs and its answer is recorded.
    """
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_model(*args: Any, **kwargs: Any) -> Any:
            router = _router
            if router is None:
                return await fn(*args, **kwargs)
            return await router.acall_model(fn, args, kwargs)

        return async_model  # type: ignore[return-value]

    @functools.wraps(fn)
    def model(*args: Any, **kwargs: Any) -> Any:
        router = _router
        if router is None:
            return fn(*args, **kwargs)
        return router.call_model(fn, args, kwargs)

    return model  # type: ignore[return-value]
