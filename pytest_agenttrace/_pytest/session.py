"""The per-run state of ``pytest --agenttrace``: configuration, fixture discovery, report header."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..config import Config, load_config
from ..errors import ConfigError
from ..model import FORMAT_VERSION
from ..store import discover


class AgentTraceSession:
    """Registered as a plugin object when ``--agenttrace`` is given."""

    name = "agenttrace-session"

    def __init__(self, config: pytest.Config, settings: Config) -> None:
        self.config = config
        self.settings = settings
        self.update = bool(config.getoption("agenttrace_update"))

    @classmethod
    def from_config(cls, config: pytest.Config) -> AgentTraceSession:
        try:
            settings = load_config(
                Path(config.rootpath), pyproject=config.inipath if _is_pyproject(config) else None
            )
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        return cls(config, settings)

    def fixture_files(self) -> list[Path]:
        return discover(self.settings.fixture_dirs())

    def pytest_report_header(self, config: pytest.Config) -> str:
        dirs = ", ".join(self.settings.fixtures)
        mode = "update" if self.update else "replay"
        return f"agenttrace: fixtures={dirs} format={FORMAT_VERSION} mode={mode}"


def _is_pyproject(config: pytest.Config) -> bool:
    return config.inipath is not None and config.inipath.name == "pyproject.toml"
