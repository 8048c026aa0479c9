"""Importers: trace exports -> fixture files.

One module per source format (``langsmith``, ``openai_agents``, ``fixture``, the ``otlp`` package), each an
:class:`~pytest_agenttrace.importers.base.Importer` that streams :class:`ImportedTrace` values. The
``pipeline`` turns them into fixture files: filters, redaction, ids, merging with an existing fixture,
atomic writes. Formats are found by name in the ``registry`` (built-ins plus the entry-point group
``pytest_agenttrace.importers``) or detected by sniffing the file's first bytes.
"""

from __future__ import annotations

from .base import ImportedTrace, Importer, ImportOptions, MappingRule, StepData, TraceProblem
from .naming import fixture_id, slugify
from .pipeline import (
    HUMAN_FIELDS,
    ImportRun,
    ImportSettings,
    Outcome,
    Summary,
    describe,
    is_logs_export,
    resolve_importer,
)
from .registry import ENTRY_POINT_GROUP, detect, format_names, get_importer
from .rules import DEFAULT_RULES, options_from_config, rules_from_config

__all__ = [
    "DEFAULT_RULES",
    "ENTRY_POINT_GROUP",
    "HUMAN_FIELDS",
    "ImportOptions",
    "ImportRun",
    "ImportSettings",
    "ImportedTrace",
    "Importer",
    "MappingRule",
    "Outcome",
    "StepData",
    "Summary",
    "TraceProblem",
    "describe",
    "detect",
    "fixture_id",
    "format_names",
    "get_importer",
    "is_logs_export",
    "options_from_config",
    "resolve_importer",
    "rules_from_config",
    "slugify",
]
