"""The generated tests: one item per fixture file, replaying it through ``[tool.agenttrace]``.

Collection reads no fixture: the item is named after the file (``refund-no-approval.trace.json`` ->
``refund-no-approval``), which is what the store names files after the fixture id, so ten thousand
fixtures collect as fast as the folder can be listed. The file is loaded, validated and replayed when the
test runs, and a file that fails to load is that one test failing, naming the file and the JSON path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..store import SUFFIX

if TYPE_CHECKING:
    from .session import AgentTraceSession


def fixture_name(path: Path) -> str:
    name = path.name
    return name[: -len(SUFFIX)] if name.endswith(SUFFIX) else path.stem


class FixtureFile(pytest.File):
    """A ``*.trace.json`` file: one test."""

    def collect(self) -> Iterator[FixtureItem]:
        yield FixtureItem.from_parent(self, name=fixture_name(self.path))


class FixtureItem(pytest.Item):
    """Replays one fixture file with the agent's entrypoint, model and tools from ``[tool.agenttrace]``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_marker("agenttrace")

    @property
    def plugin(self) -> AgentTraceSession:
        from .session import AgentTraceSession

        plugin = self.config.pluginmanager.get_plugin(AgentTraceSession.name)
        assert isinstance(plugin, AgentTraceSession)
        return plugin

    def runtest(self) -> None:
        self.plugin.run_zero_code(self)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"agenttrace replay: {self.name}"
