"""Mapping rules from ``[tool.agenttrace.import]``: span name or attribute -> step kind.

No tracing convention names approvals, memory reads and writes, or planning steps, so these arrive as
generic spans (a LangSmith ``chain`` run, an Agents SDK ``custom`` span, an OTLP span with no GenAI kind).
A rule gives such a span a step kind::

    [tool.agenttrace.import]
    rules = [
      { name = "*approv*", kind = "approval" },           # glob on the span or run name, case-insensitive
      { attribute = "memory.op", kind = "memory" },       # the attribute is present
      { attribute = "step.type", value = "plan", kind = "plan" },  # ... and has this value
    ]
    default_rules = true    # false: only the rules above

User rules are tried first, in order, then the defaults (:data:`DEFAULT_RULES`); the first match wins.
Rules never re-classify spans that a convention already names: an executed tool stays a ``tool`` step even
when it is called ``request_approval``, because replay answers tool calls from tool steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import STEP_KINDS
from .base import ImportOptions, MappingRule

#: Shipped defaults: spans named like approvals, memory operations, plans and guardrails.
DEFAULT_RULES: tuple[MappingRule, ...] = (
    MappingRule(kind="approval", name="*approv*"),
    MappingRule(kind="approval", name="*human_in_the_loop*"),
    MappingRule(kind="memory", name="*memory*"),
    MappingRule(kind="plan", name="plan"),
    MappingRule(kind="plan", name="plan_*"),
    MappingRule(kind="plan", name="*_plan"),
    MappingRule(kind="plan", name="planner*"),
    MappingRule(kind="plan", name="planning*"),
    MappingRule(kind="guardrail", name="*guardrail*"),
)

_TABLE_KEYS = ("default_rules", "rules")
_RULE_KEYS = ("attribute", "kind", "name", "value")


def _fail(where: str, message: str, source: Path | None) -> ConfigError:
    prefix = f"{source}: " if source else ""
    return ConfigError(f"{prefix}[tool.agenttrace.import] {where}: {message}")


def rules_from_config(table: Mapping[str, Any], source: Path | None = None) -> tuple[MappingRule, ...]:
    """The rules a ``[tool.agenttrace.import]`` table gives, defaults included; :class:`ConfigError` if bad."""
    unknown = sorted(set(table) - set(_TABLE_KEYS))
    if unknown:
        raise _fail(unknown[0], f"unknown key; valid keys: {', '.join(_TABLE_KEYS)}", source)
    use_defaults = table.get("default_rules", True)
    if not isinstance(use_defaults, bool):
        raise _fail("default_rules", f"expected true or false, got {use_defaults!r}", source)
    entries = table.get("rules", [])
    if not isinstance(entries, list):
        raise _fail(
            "rules", 'expected a list of tables like { name = "*approv*", kind = "approval" }', source
        )
    rules: list[MappingRule] = []
    for index, entry in enumerate(entries):
        where = f"rules[{index}]"
        if not isinstance(entry, Mapping):
            raise _fail(where, f"expected a table, got {type(entry).__name__}", source)
        bad = sorted(set(entry) - set(_RULE_KEYS))
        if bad:
            raise _fail(where, f"unknown key {bad[0]!r}; valid keys: {', '.join(_RULE_KEYS)}", source)
        kind = entry.get("kind")
        if kind not in STEP_KINDS:
            raise _fail(where, f"kind must be one of {', '.join(STEP_KINDS)}; got {kind!r}", source)
        name, attribute, value = entry.get("name"), entry.get("attribute"), entry.get("value")
        if name is None and attribute is None:
            raise _fail(where, "give `name` (a glob) or `attribute` (a name), or both", source)
        for key, item in (("name", name), ("attribute", attribute)):
            if item is not None and (not isinstance(item, str) or not item):
                raise _fail(where, f"{key} must be a non-empty string", source)
        if value is not None and attribute is None:
            raise _fail(where, "`value` needs `attribute`", source)
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise _fail(where, "value must be a string, number or boolean", source)
        rules.append(MappingRule(kind=kind, name=name, attribute=attribute, value=value))
    return tuple(rules) + (DEFAULT_RULES if use_defaults else ())


def options_from_config(
    table: Mapping[str, Any], *, logs: tuple[Path, ...] = (), source: Path | None = None
) -> ImportOptions:
    """:class:`ImportOptions` for one import, from the config table and the command line."""
    return ImportOptions(rules=rules_from_config(table, source), logs=logs)
