r"""``[tool.agenttrace.redact]``: what to redact, read once and checked with errors that name the key.

```toml
[tool.agenttrace.redact]
disable = ["phone"]                        # built-in detectors to turn off
ip_addresses = "public"                    # "public" (default), "all" or "none"; true = "all", false = "none"
allow = ["support@example.com"]            # exact values never redacted
allow_patterns = ['.*@example\.com']       # regular expressions (full match) never redacted
drop_paths = ["steps[*].result.customer.ssn"]
drop_attributes = ["http.request.header.cookie"]

[tool.agenttrace.redact.patterns]          # extra detectors: name = regular expression
employee_id = 'EMP-\d{6}'
ticket_secret = 'ticket=(?P<value>[a-z0-9]{12})'   # a group named "value": replace only that
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import ConfigError
from .detectors import detector_names
from .paths import parse_path

__all__ = ["IpMode", "RedactSettings", "UserPattern", "settings_from_config"]

IpMode = Literal["public", "all", "none"]

_TABLE = "[tool.agenttrace.redact]"
_KEYS = ("allow", "allow_patterns", "disable", "drop_attributes", "drop_paths", "ip_addresses", "patterns")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")


@dataclass(frozen=True)
class UserPattern:
    """An extra detector from configuration: its name, placeholder label and compiled expression."""

    name: str
    label: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class RedactSettings:
    """What to redact; built from ``[tool.agenttrace.redact]`` by :func:`settings_from_config`.

    The default instance redacts with every built-in detector, public IP addresses only, no allowlist and
    nothing dropped. Frozen and hashable, so the compiled scanner can be cached per settings.
    """

    disabled: frozenset[str] = frozenset()
    ip_addresses: IpMode = "public"
    allow: frozenset[str] = frozenset()
    allow_patterns: tuple[re.Pattern[str], ...] = ()
    patterns: tuple[UserPattern, ...] = ()
    drop_paths: tuple[str, ...] = ()
    drop_attributes: tuple[str, ...] = ()

    def enabled(self, detector: str) -> bool:
        if detector == "ip_address" and self.ip_addresses == "none":
            return False
        return detector not in self.disabled

    def allowed(self, value: str) -> bool:
        """Whether ``value`` is on the allowlist and must stay as it is."""
        return value in self.allow or any(p.fullmatch(value) for p in self.allow_patterns)


def _strings(table: Mapping[str, Any], key: str, what: str) -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{_TABLE} {key}: expected a list of {what}, got {value!r}")
    return value


def _compile(text: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise ConfigError(f"{_TABLE} {where}: invalid regular expression {text!r}: {exc}") from None


def _user_patterns(raw: Any) -> tuple[UserPattern, ...]:
    """``patterns`` as a table (name = regex) or a list of ``{name, regex}`` tables."""
    if isinstance(raw, Mapping):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = []
        for index, entry in enumerate(raw):
            if not isinstance(entry, Mapping) or set(entry) != {"name", "regex"}:
                raise ConfigError(
                    f"{_TABLE} patterns[{index}]: expected a table with keys 'name' and 'regex', got {entry!r}"
                )
            items.append((entry["name"], entry["regex"]))
    else:
        raise ConfigError(f"{_TABLE} patterns: expected a table of name = regular expression, got {raw!r}")
    builtin = set(detector_names())
    found: list[UserPattern] = []
    for name, text in items:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ConfigError(
                f"{_TABLE} patterns: name {name!r} must start with a letter and hold only letters, digits "
                "and '_' (at most 40)"
            )
        if name in builtin:
            raise ConfigError(
                f"{_TABLE} patterns.{name}: {name!r} is a built-in detector; choose another name"
            )
        if not isinstance(text, str):
            raise ConfigError(f"{_TABLE} patterns.{name}: expected a regular expression string, got {text!r}")
        regex = _compile(text, f"patterns.{name}")
        if regex.search("") is not None:
            raise ConfigError(f"{_TABLE} patterns.{name}: {text!r} matches the empty string")
        found.append(UserPattern(name=name, label=name.upper(), regex=regex))
    return tuple(found)


def settings_from_config(table: Mapping[str, Any]) -> RedactSettings:
    """Check ``[tool.agenttrace.redact]`` (``Config.redact``) and build the settings.

    Raises :class:`~pytest_agenttrace.errors.ConfigError` naming the key, for an unknown key, a wrong type,
    an unknown detector, an invalid regular expression or a path that does not parse, so that a typo
    never silently turns redaction off.
    """
    if not isinstance(table, Mapping):
        raise ConfigError(f"{_TABLE}: expected a table, got {type(table).__name__}")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ConfigError(f"{_TABLE} unknown key {unknown[0]!r}; valid keys: {', '.join(_KEYS)}")

    names = detector_names()
    disabled = _strings(table, "disable", "detector names")
    for name in disabled:
        if name not in names:
            raise ConfigError(f"{_TABLE} disable: unknown detector {name!r}; detectors: {', '.join(names)}")

    ip_raw = table.get("ip_addresses", "public")
    ip_mode: IpMode
    if ip_raw is True or ip_raw == "all":
        ip_mode = "all"
    elif ip_raw is False or ip_raw == "none":
        ip_mode = "none"
    elif ip_raw == "public":
        ip_mode = "public"
    else:
        raise ConfigError(
            f'{_TABLE} ip_addresses: expected "public", "all", "none", true or false, got {ip_raw!r}'
        )

    allow_patterns = tuple(
        _compile(text, f"allow_patterns[{i}]")
        for i, text in enumerate(_strings(table, "allow_patterns", "regular expressions"))
    )
    drop_paths = _strings(table, "drop_paths", "paths")
    for i, path in enumerate(drop_paths):
        parse_path(path, where=f"{_TABLE} drop_paths[{i}]")
    drop_attributes = _strings(table, "drop_attributes", "attribute names")
    for i, name in enumerate(drop_attributes):
        if not name or any(ch in name for ch in "[]*") or name.startswith(".") or name.endswith("."):
            raise ConfigError(
                f"{_TABLE} drop_attributes[{i}]: {name!r} is not an attribute name (like http.request.header.cookie)"
            )

    return RedactSettings(
        disabled=frozenset(disabled),
        ip_addresses=ip_mode,
        allow=frozenset(_strings(table, "allow", "values")),
        allow_patterns=allow_patterns,
        patterns=_user_patterns(table.get("patterns", {})),
        drop_paths=tuple(drop_paths),
        drop_attributes=tuple(drop_attributes),
    )
