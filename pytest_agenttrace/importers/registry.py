"""Which importers exist: the built-in ones by name, plus third-party ones from entry points.

Built-in importers are imported lazily, on first use, so that ``agenttrace --help`` stays fast and an
importer that fails to import (the OTLP family while it is being written, say) only disables its own format.
Third-party packages register an importer class (or a zero-argument factory) under the entry-point group
``pytest_agenttrace.importers``; the entry point's name is the format name used with ``--format``::

    [project.entry-points."pytest_agenttrace.importers"]
    myformat = "my_package.importer:MyImporter"

Detection asks each importer's ``sniff`` in a fixed order (the built-ins from the most specific markers to
the least, then third-party importers by name), so the same file is always read the same way.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ..errors import TraceFormatError
from .base import Importer

ENTRY_POINT_GROUP = "pytest_agenttrace.importers"

#: Built-in formats in detection order: the fixture format and the JSON shapes with unmistakable keys
#: first, OTLP (whose plain-span form is the least specific) last.
BUILTINS: dict[str, tuple[str, str]] = {
    "fixture": ("pytest_agenttrace.importers.fixture", "FixtureImporter"),
    "openai-agents": ("pytest_agenttrace.importers.openai_agents", "OpenAIAgentsImporter"),
    "langsmith": ("pytest_agenttrace.importers.langsmith", "LangSmithImporter"),
    "otlp": ("pytest_agenttrace.importers.otlp", "OtlpImporter"),
}


@dataclass(frozen=True)
class Unavailable:
    """A known format whose importer cannot be loaded, and why."""

    name: str
    reason: str


def _instantiate(factory: Any, name: str) -> Importer:
    importer = factory() if callable(factory) else factory
    if not hasattr(importer, "iter_traces") or not hasattr(importer, "sniff"):
        raise TypeError(f"importer {name!r} has no sniff() / iter_traces()")
    return importer  # type: ignore[no-any-return]


@cache
def _load_builtin(name: str) -> Importer | Unavailable:
    module_name, attribute = BUILTINS[name]
    try:
        module = importlib.import_module(module_name)
        return _instantiate(getattr(module, attribute), name)
    except (ImportError, AttributeError, TypeError) as exc:
        return Unavailable(name, f"{type(exc).__name__}: {exc}")


@cache
def _third_party() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if entry.name not in BUILTINS:
            found[entry.name] = entry
    return found


@cache
def _load_third_party(name: str) -> Importer | Unavailable:
    entry = _third_party()[name]
    try:
        return _instantiate(entry.load(), name)
    except Exception as exc:  # a broken plug-in must not take the built-in formats down with it
        return Unavailable(name, f"{type(exc).__name__}: {exc}")


def format_names() -> list[str]:
    """Every format name ``--format`` accepts: built-ins, then third-party ones."""
    return [*BUILTINS, *_third_party()]


def load(name: str) -> Importer | Unavailable:
    """The importer of a format, or why it is unavailable; ``KeyError`` for an unknown name."""
    if name in BUILTINS:
        return _load_builtin(name)
    if name in _third_party():
        return _load_third_party(name)
    raise KeyError(name)


def get_importer(name: str) -> Importer:
    """The importer named ``name``, or :class:`TraceFormatError` saying which names exist."""
    try:
        importer = load(name)
    except KeyError:
        raise TraceFormatError(
            f"unknown format {name!r}; known formats: {', '.join(format_names())}"
        ) from None
    if isinstance(importer, Unavailable):
        raise TraceFormatError(f"the {name} importer is not available ({importer.reason})")
    return importer


def detect(head: bytes, path: Path) -> Importer | None:
    """The first importer whose ``sniff`` accepts the file's first bytes, or ``None``."""
    for name in format_names():
        importer = load(name)
        if isinstance(importer, Unavailable):
            continue
        try:
            if importer.sniff(head, path):
                return importer
        except Exception:  # a third-party sniff that crashes does not claim the file
            continue
    return None
