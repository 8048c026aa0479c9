"""The pytest plugin: registered through the ``pytest11`` entry point, so it loads in every pytest run.

That is why this module stays tiny and imports nothing heavy: without ``--agenttrace`` it only adds its
options, the ``agenttrace`` marker and the ``agenttrace_replay`` fixture (which then skips), and pytest's
start-up is not slowed. With ``--agenttrace`` it registers the session object in ``_pytest/`` that does
the work. Every name is namespaced ``agenttrace`` so that it never collides with other plugins.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

_NEEDS_AGENTTRACE = (
    "agenttrace_update",
    "agenttrace_drift",
    "agenttrace_live",
    "agenttrace_repeat",
    "agenttrace_pass_rate",
    "agenttrace_html",
    "agenttrace_fuzz_seed",
)


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
    group.addoption(
        "--agenttrace-drift",
        default=None,
        metavar="MODE",
        help="prompt drift (agent's messages differ from the recording): warn (default), fail or off",
    )
    group.addoption(
        "--agenttrace-live",
        default=None,
        metavar="WHAT",
        help="off (default) or model: the real model answers, tools stay stubbed from the recording",
    )
    group.addoption(
        "--agenttrace-repeat",
        default=None,
        metavar="N",
        help="replay each fixture N times (for a live model, which is not deterministic)",
    )
    group.addoption(
        "--agenttrace-pass-rate",
        default=None,
        metavar="R",
        help="share of the repetitions that must pass, 0..1 or a percentage (default 1)",
    )
    group.addoption(
        "--agenttrace-html",
        default=None,
        metavar="DIR",
        help="write a self-contained HTML page for each failed replay to DIR (timeline, failed checks, "
        "recorded vs actual tool path)",
    )
    group.addoption(
        "--agenttrace-fuzz-seed",
        default=None,
        metavar="SEED",
        help="seed for the fixtures' expect.fuzz runs (overrides expect.fuzz.seed): a failure prints the seed "
        "that reproduces it",
    )
    parser.addini("agenttrace_drift", "prompt drift: warn, fail or off ([tool.agenttrace] drift also works)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "agenttrace(fixtures=None, check=True, match=None): for tests taking agenttrace_replay: which fixture "
        "files (paths or globs), whether to run the checks at the end, per-tool argument matchers",
    )
    if not config.getoption("agenttrace"):
        for dest in _NEEDS_AGENTTRACE:
            value = config.getoption(dest)
            if value not in (None, False):
                raise pytest.UsageError(f"--{dest.replace('_', '-')} needs --agenttrace")
        return
    from ._pytest.session import AgentTraceSession

    config.pluginmanager.register(AgentTraceSession.from_config(config), AgentTraceSession.name)


def _ours(value: Any) -> bool:
    if isinstance(value, list | tuple) and value:
        value = value[0]
    return type(value).__module__.startswith("pytest_agenttrace.")


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: Any, right: Any) -> list[str] | None:
    """``assert run.steps[3] == expected_step`` in a user's test: one line per difference, not two reprs.

    Only this package's values (steps, messages, tool calls, fixtures, the actual run, lists of them) are
    taken over; the cheap module test keeps every other comparison, plain dicts included, pytest's own.
    """
    if not (_ours(left) or _ours(right)):
        return None
    from .report.assertrepr import trace_assertrepr_compare

    return trace_assertrepr_compare(op, left, right, verbose=config.get_verbosity())


@pytest.fixture
def agenttrace_replay(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The replay of one fixture file, for a test that wires the stubs into the agent itself.

    The test is parametrized over the fixture files (ids are the fixture ids, so ``-k`` selects) and gets
    the input, a model stub, tool stubs, and the checks run automatically at the end. Skipped without
    ``--agenttrace``. See ``docs/replay.md``.
    """
    if not request.config.getoption("agenttrace"):
        pytest.skip("replays of recorded agent runs need pytest --agenttrace")
    from ._pytest.explicit import replay_fixture

    yield from replay_fixture(request)
