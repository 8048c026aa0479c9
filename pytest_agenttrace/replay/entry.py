"""Finding the agent's functions by import path, and calling its entrypoint, sync or async.

Paths are written ``package.module:attribute`` (the form entry points use, unambiguous) or
``package.module.attribute``; the attribute may be dotted (``app.llm:Client.complete``).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import Awaitable
from typing import Any

from ..errors import ConfigError

__all__ = ["Target", "call_entrypoint", "resolve"]


class Target:
    """A resolved import path: the object holding the attribute, its name, and its current value."""

    __slots__ = ("attribute", "owner", "path", "value")

    def __init__(self, path: str, owner: Any, attribute: str, value: Any) -> None:
        self.path = path
        self.owner = owner
        self.attribute = attribute
        self.value = value


def _import_module(path: str, name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ConfigError(f"cannot import {name!r} (from {path!r}): {exc}") from exc


def resolve(path: str) -> Target:
    """Import the module of ``path`` and walk to the attribute it names."""
    if ":" in path:
        module_name, _, attributes = path.partition(":")
        owner: Any = _import_module(path, module_name)
        parts = attributes.split(".")
    else:
        pieces = path.split(".")
        owner = None
        parts = []
        for cut in range(len(pieces) - 1, 0, -1):
            name = ".".join(pieces[:cut])
            try:
                owner = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name is not None and not name.startswith(exc.name):
                    raise ConfigError(f"cannot import {name!r} (from {path!r}): {exc}") from exc
                continue
            parts = pieces[cut:]
            break
        if owner is None:
            raise ConfigError(f"cannot import {path!r}: write it as 'package.module:function'")
    for part in parts[:-1]:
        try:
            owner = getattr(owner, part)
        except AttributeError:
            raise ConfigError(f"{path!r}: {owner!r} has no attribute {part!r}") from None
    attribute = parts[-1] if parts else ""
    if not attribute or not hasattr(owner, attribute):
        raise ConfigError(f"{path!r}: {getattr(owner, '__name__', owner)!r} has no attribute {attribute!r}")
    return Target(path, owner, attribute, inspect.getattr_static(owner, attribute))


async def _await(value: Awaitable[Any]) -> Any:
    return await value


def call_entrypoint(entrypoint: Any, argument: Any) -> Any:
    """Call the entrypoint with its one argument; an ``async def`` one runs in a fresh event loop."""
    result = entrypoint(argument)
    if inspect.isawaitable(result):
        return asyncio.run(_await(result))
    return result
