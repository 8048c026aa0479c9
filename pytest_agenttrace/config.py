"""``[tool.agenttrace]`` in ``pyproject.toml``: read once, checked, shared by the CLI and the plugin.

The keys are a contract with users, so an unknown key is an error naming the valid ones rather than a
silently ignored typo. Sub-tables owned by later stages (``redact``, ``import``, ``prices``) are passed on
as plain mappings to the stage that owns them, which checks them itself.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["Config", "find_pyproject", "load_config"]

_KEYS = {
    "fixtures",
    "entrypoint",
    "model",
    "tools",
    "policies",
    "input",
    "adapter",
    "drift",
    "redact",
    "import",
    "prices",
}


@dataclass(frozen=True)
class Config:
    """The settings, with paths resolved against the folder of the ``pyproject.toml`` they came from."""

    root: Path
    fixtures: tuple[str, ...] = ("fixtures",)
    entrypoint: str | None = None
    model: str | None = None
    tools: Mapping[str, str] = field(default_factory=dict)
    policies: str | None = None
    input: str = "auto"
    adapter: str | None = None
    drift: str = "warn"
    redact: Mapping[str, Any] = field(default_factory=dict)
    import_: Mapping[str, Any] = field(default_factory=dict)
    prices: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def fixture_dirs(self) -> list[Path]:
        """The configured fixture folders or globs, made absolute."""
        return [self.root / entry for entry in self.fixtures]

    def policies_path(self) -> Path | None:
        return None if self.policies is None else self.root / self.policies


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _expect(value: Any, kind: type | tuple[type, ...], key: str, path: Path, what: str) -> Any:
    if not isinstance(value, kind):
        raise ConfigError(f"{path}: [tool.agenttrace] {key}: expected {what}, got {type(value).__name__}")
    return value


def load_config(start: Path | None = None, *, pyproject: Path | None = None) -> Config:
    """Read ``[tool.agenttrace]`` from ``pyproject`` or the nearest ``pyproject.toml`` above ``start``.

    Without a file (or without the table) the defaults apply, rooted at ``start``.
    """
    start = (start or Path.cwd()).resolve()
    path = pyproject or find_pyproject(start)
    if path is None:
        return Config(root=start)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    table = document.get("tool", {}).get("agenttrace")
    if table is None:
        return Config(root=path.parent, path=path)
    _expect(table, dict, "", path, "a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: [tool.agenttrace] unknown key {unknown[0]!r}; valid keys: {', '.join(sorted(_KEYS))}"
        )

    fixtures = table.get("fixtures", ["fixtures"])
    if isinstance(fixtures, str):
        fixtures = [fixtures]
    _expect(fixtures, list, "fixtures", path, "a list of folders or globs")
    for entry in fixtures:
        _expect(entry, str, "fixtures", path, "a list of strings")
    tools = _expect(table.get("tools", {}), dict, "tools", path, "a table of tool name = import path")
    for name, target in tools.items():
        _expect(target, str, f"tools.{name}", path, "an import path like 'app.tools:lookup'")
    for key in ("entrypoint", "model", "policies", "adapter"):
        if key in table:
            _expect(table[key], str, key, path, "a string")
    input_mode = table.get("input", "auto")
    if input_mode not in ("auto", "messages"):
        raise ConfigError(
            f"{path}: [tool.agenttrace] input: expected 'auto' or 'messages', got {input_mode!r}"
        )
    drift = table.get("drift", "warn")
    if drift not in ("warn", "fail", "off"):
        raise ConfigError(f"{path}: [tool.agenttrace] drift: expected 'warn', 'fail' or 'off', got {drift!r}")
    for key in ("redact", "import", "prices"):
        if key in table:
            _expect(table[key], dict, key, path, "a table")

    return Config(
        root=path.parent,
        path=path,
        fixtures=tuple(fixtures),
        entrypoint=table.get("entrypoint"),
        model=table.get("model"),
        tools=dict(tools),
        policies=table.get("policies"),
        input=input_mode,
        adapter=table.get("adapter"),
        drift=drift,
        redact=table.get("redact", {}),
        import_=table.get("import", {}),
        prices=table.get("prices", {}),
    )
