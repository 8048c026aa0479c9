"""Redaction of secrets and personal data from fixture documents.

The import pipeline calls :func:`redact_document` on every fixture document before it is written, and
``agenttrace scan`` calls :func:`scan_document` on fixture files, so both see exactly the same detectors
and settings. The stage is split by job:

* :mod:`.detectors` - the built-in detectors (patterns and names), :mod:`.validators` - checksums;
* :mod:`.scanner` - all detectors compiled into one expression, run once per string;
* :mod:`.placeholders` - same value, same ``<LABEL_N>`` throughout a document;
* :mod:`.paths` - the JSON-path syntax of ``drop_paths``;
* :mod:`.settings` - ``[tool.agenttrace.redact]``;
* :mod:`.walker` - the walk over a document.

This package imports nothing from the importers, replay, checks or pytest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .detectors import DETECTORS, FIELD_DETECTORS, Detector, detector_names
from .placeholders import PLACEHOLDER
from .settings import RedactSettings, UserPattern, settings_from_config
from .walker import Finding, redact_tree, scan_tree

__all__ = [
    "DETECTORS",
    "FIELD_DETECTORS",
    "PLACEHOLDER",
    "Detector",
    "Finding",
    "RedactResult",
    "RedactSettings",
    "UserPattern",
    "detector_names",
    "redact_document",
    "redact_text",
    "scan_document",
    "settings_from_config",
]

_DEFAULT = RedactSettings()


@dataclass
class RedactResult:
    """A redacted document, with what was done to it (for ``source.redaction``; never the values).

    ``counts`` maps a detector's name to the number of values it replaced (each occurrence counts, so a
    key repeated in ten model steps counts ten); ``dropped`` is the number of values removed by
    ``drop_paths`` and ``drop_attributes``.
    """

    document: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    dropped: int = 0


def redact_document(document: dict[str, Any], settings: RedactSettings | None = None) -> RedactResult:
    """Redact one fixture document (a JSON-ready dict); the input is left unchanged.

    Placeholders are consistent within the document: the same value gets the same placeholder wherever
    it appears, in values, keys, and JSON text nested in strings.
    """
    result, counts, dropped = redact_tree(document, settings or _DEFAULT)
    return RedactResult(document=result, counts=dict(sorted(counts.items())), dropped=dropped)


def redact_text(text: str, settings: RedactSettings | None = None) -> str:
    """Redact one string on its own (placeholders numbered within it): for messages and tests."""
    result, _counts, _dropped = redact_tree(text, settings or _DEFAULT)
    assert isinstance(result, str)
    return result


def scan_document(document: Any, settings: RedactSettings | None = None) -> list[Finding]:
    """Where ``document`` holds something redaction would remove: ``(json path, detector)`` pairs."""
    return scan_tree(document, settings or _DEFAULT)
