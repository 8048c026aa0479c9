"""Redaction of secrets and personal data from fixture documents.

PLACEHOLDER until the redaction issue lands: the interface below is the contract the import pipeline
codes against; the implementation is an identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RedactResult", "RedactSettings", "redact_document", "settings_from_config"]


@dataclass(frozen=True)
class RedactSettings:
    """What to redact; built from ``[tool.agenttrace.redact]``."""


@dataclass
class RedactResult:
    document: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    dropped: int = 0


def settings_from_config(table: Mapping[str, Any]) -> RedactSettings:
    return RedactSettings()


def redact_document(document: dict[str, Any], settings: RedactSettings | None = None) -> RedactResult:
    return RedactResult(document=document)
