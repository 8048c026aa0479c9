"""The pytest plugin: registered through the ``pytest11`` entry point, so it loads in every pytest run.

That is why this module stays tiny and imports nothing heavy: without ``--agenttrace`` it only adds its
options, and pytest's start-up is not slowed. With ``--agenttrace`` it loads the configuration and
registers the session object that does the work.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("agenttrace", "replay recorded agent runs (pytest-agenttrace)")
    group.addoption(
        "--agenttrace",
        action="store_true",
        default=False,
        help="generate one test per fixture file (*.trace.json) and replay each recorded run",
    )
    group.addoption(
        "--agenttrace-update",
        action="store_true",
        default=False,
        help="with --agenttrace: rewrite the expectations of golden fixtures from the current behaviour",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("agenttrace"):
        if config.getoption("agenttrace_update"):
            raise pytest.UsageError("--agenttrace-update needs --agenttrace")
        return
    from ._pytest.session import AgentTraceSession

    config.pluginmanager.register(AgentTraceSession.from_config(config), AgentTraceSession.name)
