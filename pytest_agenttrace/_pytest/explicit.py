"""The ``agenttrace_replay`` fixture: a replay that the user's own test wires into the agent.

For agents built by dependency injection (``Agent(model=..., tools=...)``) this is the natural seam:
no import path is patched, the test passes the stubs in. The checks still run by themselves when the test
body returns, and the fixture's status decides the outcome exactly as for a generated test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ..model import ArgumentMatch, Fixture
from ..replay.drift import Drift
from ..replay.errors import UnmatchedCall
from ..replay.inputs import agent_input, as_messages
from ..replay.replayer import Replayer
from ..replay.run import ActualRun
from .verdict import Attempt

REPLAY_KEY = pytest.StashKey["ExplicitReplay"]()
_UNSET = object()


def replay_of(item: pytest.Item) -> ExplicitReplay | None:
    return item.stash.get(REPLAY_KEY, None)


class ExplicitReplay:
    """The value of ``agenttrace_replay``: the recorded input, stubs to inject, and the actual run.

    ``model`` / ``amodel`` answer model calls in recorded order (OpenAI chat message dicts);
    ``tool(name)`` / ``atool(name)`` answer tool calls by name and arguments; ``tools()`` gives them all
    as a dict; ``model_for(fn)`` and ``tool_for(fn)`` wrap the app's own function so that it is answered
    from the recording, or (with ``--agenttrace-live=model``) really called and recorded. Set ``output``
    to the agent's final answer so the output checks see it. ``auto_check = False`` (or
    ``@pytest.mark.agenttrace(check=False)``) turns off the checks at the end; ``check()`` runs them now.
    """

    def __init__(
        self,
        plugin: Any,
        item: pytest.Item,
        path: Path,
        *,
        check: bool,
        match: Mapping[str, ArgumentMatch] | None,
        rerun_of: ExplicitReplay | None = None,
        overrides: Mapping[int, Any] | None = None,
    ) -> None:
        self.path = path
        self.auto_check = check
        self._plugin = plugin
        self._item = item
        self._match = match
        self._error: str | None = None
        self._fixture: Fixture | None = None
        self._replayer: Replayer | None = None
        #: Set on the replays of a repetition or a fuzz example: the first one judges them all.
        self._rerun_of = rerun_of
        self._concluded = rerun_of is not None
        self._info: dict[str, Any] = {}
        if rerun_of is not None:
            self._fixture = rerun_of.fixture
            self._info = rerun_of._info
        else:
            try:
                self._fixture = plugin.load(path)
            except pytest.fail.Exception as exc:
                self._error = str(exc.msg)
                return
            self._info = plugin.record_info(item, self._fixture)
        self._replayer = plugin.new_replayer(self._fixture, match, overrides)

    # -- what the test uses -----------------------------------------------------------------------------

    @property
    def fixture(self) -> Fixture:
        """The loaded fixture (the test fails here, naming file and JSON path, when it does not load)."""
        if self._fixture is None:
            pytest.fail(self._error or "agenttrace: no fixture", pytrace=False)
        return self._fixture

    @property
    def replayer(self) -> Replayer:
        self.fixture  # noqa: B018  # fails the test when the fixture did not load
        assert self._replayer is not None
        return self._replayer

    @property
    def id(self) -> str:
        return self.fixture.id

    @property
    def status(self) -> str:
        return self.fixture.status

    @property
    def input(self) -> Any:
        """The recorded input as the agent's argument (the zero-code rules and ``input`` setting)."""
        messages = self._plugin.settings.input == "messages"
        return agent_input(self.fixture.input, "messages" if messages else "auto")

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The recorded input as a chat message list."""
        return as_messages(self.fixture.input)

    @property
    def live(self) -> bool:
        return bool(self._plugin.options.live_model)

    @property
    def model(self) -> Callable[..., Any]:
        """``model(messages, tools=None, **params) -> assistant message dict``."""
        return self.replayer.model_stub()

    @property
    def amodel(self) -> Callable[..., Any]:
        """The ``async`` form of ``model``."""
        return self.replayer.model_stub(is_async=True)

    def tool(self, name: str) -> Callable[..., Any]:
        """A stub for tool ``name``: keyword arguments, one dict, or positional ones named as recorded."""
        return self.replayer.tool_stub(name)

    def atool(self, name: str) -> Callable[..., Any]:
        return self.replayer.tool_stub(name, is_async=True)

    def tools(self, *names: str, is_async: bool = False) -> dict[str, Callable[..., Any]]:
        """Stubs by name: the given names, or every tool the recording and the stubs can answer."""
        chosen = names or tuple(self.replayer.tools.names())
        return {name: self.replayer.tool_stub(name, is_async=is_async) for name in chosen}

    def model_for(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` answered from the recording (its signature says where the messages are); live: ``fn`` runs."""
        return self.replayer.model_stub(fn)

    def tool_for(self, fn: Callable[..., Any], name: str | None = None) -> Callable[..., Any]:
        return self.replayer.tool_stub(name or fn.__name__, fn)

    @property
    def run(self) -> ActualRun:
        """What the agent did so far: every call, in order, and the output."""
        return self.replayer.run

    @property
    def output(self) -> Any:
        return self.replayer.run.output

    @output.setter
    def output(self, value: Any) -> None:
        self.replayer.finish(value)

    @property
    def drifts(self) -> list[Drift]:
        return self.replayer.drifts

    @property
    def misses(self) -> list[UnmatchedCall]:
        return self.replayer.misses

    def check(self) -> None:
        """Judge the run now (checks, unmatched calls, status); later automatic checking is skipped.

        Repetitions (``--agenttrace-repeat``) and ``expect.fuzz`` re-run the test body, which only the
        automatic checking at its end can do: called here, they are left out, with a warning saying so.
        """
        if self._rerun_of is not None:  # a repetition or a fuzz example: judged by the first replay
            return
        self._concluded = True
        self._unrepeated("check() was called in the test")
        self._conclude(None)

    # -- the end -------------------------------------------------------------------------------------------

    def conclude(self, item: pytest.Item, *, error: BaseException | None) -> bool:
        """The automatic checks at the end of the test body; False when they were not run here."""
        if self._error is not None:
            pytest.fail(self._error, pytrace=False)
        if self._concluded:
            return False
        if not self.auto_check:
            self._unrepeated("checking is turned off for it")
            return False
        self._concluded = True
        self._conclude(error, rerun=True)
        return True

    def _unrepeated(self, why: str) -> None:
        """Warn (once per session) that the repetitions and fuzzing cannot apply to this test."""
        fuzz = self.fixture.expect is not None and self.fixture.expect.fuzz is not None
        wanted = [
            *(
                [f"--agenttrace-repeat={self._plugin.options.repeat}"]
                if self._plugin.options.repeat > 1
                else []
            ),
            *(["expect.fuzz"] if fuzz else []),
        ]
        if wanted:
            self._plugin.warn_once(
                f"unrepeated:{why}",
                self._item,
                f"agenttrace: {' and '.join(wanted)} not applied to {self._item.nodeid}: {why}, so the test "
                "body is not re-run (let the checks run automatically at the end of the test to apply them)",
            )

    def _conclude(self, error: BaseException | None, *, rerun: bool = False) -> None:
        fixture = self.fixture
        plugin = self._plugin
        attempts = [plugin.judge(Attempt(self.replayer, error), fixture)]
        if rerun:
            plugin.fuzz(attempts[0], fixture, self._rerun, self._info)
            for _ in range(plugin.options.repeat - 1):
                attempts.append(plugin.judge(self._rerun(), fixture))
        plugin.finish(self._item, attempts, fixture, self.path, self._info)

    def _rerun(self, overrides: Mapping[int, Any] | None = None) -> Attempt:
        """The test body once more, with a fresh replay (``overrides``: a fuzz example) as its argument."""
        item = self._item
        assert isinstance(item, pytest.Function)
        clone = ExplicitReplay(
            self._plugin, item, self.path, check=False, match=self._match, rerun_of=self, overrides=overrides
        )
        saved = item.funcargs["agenttrace_replay"]
        item.funcargs["agenttrace_replay"] = clone
        error: BaseException | None = None
        try:
            with clone.replayer.activate():
                item.ihook.pytest_pyfunc_call(pyfuncitem=item)
        except Exception as exc:
            error = exc
        finally:
            item.funcargs["agenttrace_replay"] = saved
        return Attempt(clone.replayer, error)


def replay_fixture(request: pytest.FixtureRequest) -> Iterator[ExplicitReplay]:
    from .session import AgentTraceSession

    plugin = request.config.pluginmanager.get_plugin(AgentTraceSession.name)
    path = getattr(request, "param", _UNSET)
    if path is _UNSET or not isinstance(plugin, AgentTraceSession):
        pytest.fail(
            "agenttrace_replay is parametrized over the fixture files by pytest --agenttrace", pytrace=False
        )
    marker = request.node.get_closest_marker("agenttrace")
    kwargs = marker.kwargs if marker is not None else {}
    match = {
        name: value if isinstance(value, ArgumentMatch) else ArgumentMatch.model_validate(value)
        for name, value in (kwargs.get("match") or {}).items()
    }
    item = request.node
    assert isinstance(item, pytest.Item)
    replay = ExplicitReplay(
        plugin, item, Path(str(path)), check=bool(kwargs.get("check", True)), match=match or None
    )
    item.stash[REPLAY_KEY] = replay
    if replay._replayer is None:
        yield replay
        return
    with replay._replayer.activate():
        yield replay
