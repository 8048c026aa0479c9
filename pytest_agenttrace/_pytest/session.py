"""The per-run state of ``pytest --agenttrace``: collection, replays, the update queue, the summary.

Registered as a plugin object only with ``--agenttrace``. Hooks are short and delegate to the replay,
verdict and update modules. Under pytest-xdist every worker collects the same sorted fixture files (the
ids come from file names), and what a worker learns during a test (drift, the pass rate, an update for a
golden fixture) travels to the controller on the test report, where one process writes the updates and
prints the summary, so no two processes ever write the same file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..checks.prices import PriceTable
from ..config import Config, load_config
from ..errors import AgentTraceError, ConfigError, FixtureError
from ..model import FORMAT_VERSION, Fixture, Policy
from ..replay.entry import call_entrypoint, resolve
from ..replay.inputs import agent_input
from ..replay.patching import Patches
from ..replay.replayer import Replayer
from ..store import SUFFIX, discover, load_fixture
from .checking import headline, load_global_policies, render
from .items import FixtureFile, FixtureItem, fixture_name
from .options import Options, read_options
from .update import UpdateQueue
from .verdict import Attempt, conclude, drift_text, judge

INFO_KEY = pytest.StashKey[dict[str, Any]]()


@dataclass
class Summary:
    """What the controller learnt from the test reports, for the terminal summary."""

    drift: dict[str, list[str]] = field(default_factory=dict)
    rates: dict[str, str] = field(default_factory=dict)
    #: Golden fixtures that failed because their tool path changed: where ``--agenttrace-update`` applies.
    golden_failed: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    #: Per test: the replay's cost line and figures (``record_cost``).
    costs: dict[str, dict[str, Any]] = field(default_factory=dict)


class AgentTraceSession:
    """Registered as a plugin object when ``--agenttrace`` is given."""

    name = "agenttrace-session"

    def __init__(
        self,
        config: pytest.Config,
        settings: Config,
        options: Options,
        policies: list[Policy],
        prices: PriceTable | None = None,
    ) -> None:
        self.config = config
        #: ``[tool.agenttrace.prices]`` over the defaults: for the cost budget and the replay cost line.
        self.prices = prices if prices is not None else PriceTable()
        self.settings = settings
        self.options = options
        self.update = options.update
        self.policies = policies
        self.is_worker = hasattr(config, "workerinput")
        self.queue = UpdateQueue()
        self.summary = Summary()
        self._files: list[Path] | None = None
        self._file_set: frozenset[Path] | None = None
        self._root: Path | None = None
        self._named: frozenset[Path] | None = None
        self._collected: set[Path] = set()
        self._fixtures: dict[Path, Fixture | FixtureError] = {}
        self._patches: Patches | str | None = None  # built once: see zero_code_patches
        self._warned: set[str] = set()

    @classmethod
    def from_config(cls, config: pytest.Config) -> AgentTraceSession:
        try:
            settings = load_config(
                Path(config.rootpath), pyproject=config.inipath if _is_pyproject(config) else None
            )
            options = read_options(config, settings)
            policies = load_global_policies(settings.policies_path())
            where = (
                f"{settings.path}: [tool.agenttrace.prices]" if settings.path else "[tool.agenttrace.prices]"
            )
            prices = PriceTable.from_config(settings.prices, where=where)
        except AgentTraceError as exc:
            raise pytest.UsageError(str(exc)) from None
        return cls(config, settings, options, policies, prices)

    # -- fixture files ------------------------------------------------------------------------------------

    def fixture_files(self) -> list[Path]:
        """The configured fixture files, sorted (the same on every machine and every xdist worker)."""
        if self._files is None:
            self._files = [p.resolve() for p in discover(self.settings.fixture_dirs())]
        return self._files

    def _fixture_set(self) -> frozenset[Path]:
        """:meth:`fixture_files` as a set, built once: collection asks for every file it walks."""
        if self._file_set is None:
            self._file_set = frozenset(self.fixture_files())
        return self._file_set

    def load(self, path: Path) -> Fixture:
        """Load and validate a fixture once per process (repetitions and explicit tests reuse it)."""
        key = path if path in self._fixture_set() else path.resolve()
        cached = self._fixtures.get(key)
        if cached is None:
            try:
                cached = load_fixture(key)
            except FixtureError as exc:
                cached = exc
            self._fixtures[key] = cached
        if isinstance(cached, FixtureError):
            pytest.fail(f"agenttrace: cannot load the fixture: {cached}", pytrace=False)
        return cached

    @property
    def zero_code(self) -> bool:
        return self.settings.entrypoint is not None

    # -- collection -----------------------------------------------------------------------------------------

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> FixtureFile | None:
        if not self.zero_code or not file_path.name.endswith(SUFFIX):
            return None
        files = self._fixture_set()
        # the path as pytest walked it is usually the resolved one already: skip the syscalls then (a
        # sharded run names thousands of files, and pytest asks about every file of their folder for each)
        resolved = file_path if file_path in files else file_path.resolve()
        if resolved not in files and not self._named_on_command_line(resolved):
            return None
        self._collected.add(resolved)
        return FixtureFile.from_parent(parent, path=file_path)

    def _named_on_command_line(self, path: Path) -> bool:
        if self._named is None:  # resolved once: asked for every file collected
            named = set()
            for arg in self.config.args:
                candidate = Path(arg.split("::")[0])
                if not candidate.is_absolute():
                    candidate = Path(self.config.invocation_params.dir) / candidate
                named.add(candidate.resolve())
            self._named = frozenset(named)
        return path in self._named

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        """Add the configured fixture files that the walk did not reach (``fixtures/`` beside ``tests/``).

        Runs before ``-k``/``-m`` deselection and ``--lf``, so those apply to the replays as to any test.
        Paths named on the command line restrict the run to them, as for any pytest run.
        """
        if not self.zero_code or self.config.args_source == pytest.Config.ArgsSource.ARGS:
            return
        for path in self.fixture_files():
            if path not in self._collected:
                self._collected.add(path)
                items.extend(FixtureFile.from_parent(session, path=path).collect())

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Parametrize tests taking ``agenttrace_replay`` over the fixture files, ids = fixture ids."""
        if "agenttrace_replay" not in metafunc.fixturenames:
            return
        marker = metafunc.definition.get_closest_marker("agenttrace")
        selected = marker.kwargs.get("fixtures") if marker is not None else None
        if selected is None:
            paths = self.fixture_files()
        else:
            entries = [selected] if isinstance(selected, str | os.PathLike) else list(selected)
            paths = [p.resolve() for p in discover(self.settings.root / Path(e) for e in entries)]
        metafunc.parametrize("agenttrace_replay", paths, ids=[fixture_name(p) for p in paths], indirect=True)

    # -- running ----------------------------------------------------------------------------------------------

    def warn_once(self, key: str, item: pytest.Item, message: str) -> None:
        """A ``PytestWarning`` shown once per ``key`` and session, not once per fixture of a test."""
        if key in self._warned:
            return
        self._warned.add(key)
        item.warn(pytest.PytestWarning(message))

    def record_info(self, item: pytest.Item, fixture: Fixture) -> dict[str, Any]:
        """JUnit XML properties and the per-test data that travels on the report."""
        item.user_properties.append(("agenttrace_fixture", fixture.id))
        if fixture.source is not None and fixture.source.trace_id:
            item.user_properties.append(("agenttrace_trace_id", fixture.source.trace_id))
        item.user_properties.append(("agenttrace_status", fixture.status))
        info: dict[str, Any] = {"fixture": fixture.id, "status": fixture.status}
        item.stash[INFO_KEY] = info
        return info

    def new_replayer(self, fixture: Fixture, match: Any = None, overrides: Any = None) -> Replayer:
        return Replayer(
            fixture,
            match=match,
            live_model=self.options.live_model,
            drift=self.options.drift,
            overrides=overrides,
        )

    def run_zero_code(self, item: FixtureItem) -> None:
        fixture = self.load(item.path)
        info = self.record_info(item, fixture)
        settings = self.settings
        assert settings.entrypoint is not None
        problem: str | None = None
        with self.placeholder_keys():  # an app module may build its SDK client when imported
            try:
                entrypoint = resolve(settings.entrypoint).value
            except ConfigError as exc:
                problem = f"agenttrace: [tool.agenttrace] entrypoint: {exc}"
        if problem is not None:
            pytest.fail(problem, pytrace=False)
        argument = agent_input(fixture.input, "messages" if settings.input == "messages" else "auto")
        patches = self.zero_code_patches()
        if isinstance(patches, str):
            pytest.fail(patches, pytrace=False)

        def replay(overrides: Mapping[int, Any] | None = None) -> Attempt:
            replayer = self.new_replayer(fixture, overrides=overrides)
            attempt = Attempt(replayer)
            with replayer.activate(), patches, self.adapter(replayer):
                try:
                    output = call_entrypoint(entrypoint, argument)
                except Exception as exc:
                    attempt.error = exc
                else:
                    replayer.finish(output)
            return attempt

        attempts = []
        for number in range(self.options.repeat):
            attempt = self.judge(replay(), fixture)
            if number == 0:
                self.fuzz(attempt, fixture, replay, info)
            attempts.append(attempt)
        self.finish(item, attempts, fixture, item.path, info)

    def zero_code_patches(self) -> Patches | str:
        """The model and tool patches of ``[tool.agenttrace]``, or the problem with them, built once.

        The stubs route to whichever replay is active, so one set serves every test of the session.
        """
        if self._patches is None:
            settings = self.settings
            try:
                with self.placeholder_keys():  # resolving the tools may import modules that build clients
                    self._patches = Patches(model=settings.model, tools=settings.tools)
            except (ConfigError, TypeError) as exc:
                self._patches = f"agenttrace: [tool.agenttrace]: {exc}"
        return self._patches

    def placeholder_keys(self) -> contextlib.AbstractContextManager[Any]:
        """Placeholder API keys for the configured adapter's SDKs, where unset (nothing with no adapter)."""
        if self.settings.adapter is None:
            return contextlib.nullcontext()
        from .. import adapters

        return adapters.placeholder_keys(self.settings.adapter)

    def fuzz(
        self,
        attempt: Attempt,
        fixture: Fixture,
        replay: Callable[[Mapping[int, Any]], Attempt],
        info: dict[str, Any],
    ) -> None:
        """``expect.fuzz``: replay again with varied tool results; a failing example fails ``attempt``.

        Runs only on a replay that passed (a plain failure says more than its variations). ``replay``
        replays the fixture with the recorded steps it is given answered otherwise
        (``Replayer(overrides=...)``); a call it cannot answer fails the example.
        """
        if not attempt.passed or fixture.expect is None or fixture.expect.fuzz is None:
            return
        from ..checks.fuzz import run_fuzz
        from ..replay.run import ActualRun

        def replay_once(overrides: Mapping[int, Any]) -> ActualRun:
            varied = replay(overrides)
            if varied.replayer.misses:
                raise varied.replayer.misses[0]
            run = varied.replayer.run
            run.error = varied.error
            return run

        result = run_fuzz(
            fixture, replay_once, policies=self.policies, prices=self.prices, seed=self.options.fuzz_seed
        )
        info["fuzz"] = {"seed": result.seed, "examples": result.examples, "ok": result.ok}
        if result.ok:
            return
        run = result.run if result.run is not None else attempt.replayer.run
        attempt.failures = list(result.failures)
        attempt.failed_run = run
        attempt.headline = "fuzz: " + headline(result.failures, run)
        attempt.problems.append(render(fixture, run, result.failures, verbose=self.options.verbose))

    def adapter(self, replayer: Replayer) -> contextlib.AbstractContextManager[Any]:
        """The SDK adapter of ``[tool.agenttrace] adapter`` around one replay (nothing when none is set)."""
        if self.settings.adapter is None:
            return contextlib.nullcontext()
        from .. import adapters

        try:
            return adapters.activate(self.settings.adapter, replayer)
        except ConfigError as exc:
            pytest.fail(f"agenttrace: [tool.agenttrace] adapter: {exc}", pytrace=False)

    def judge(self, attempt: Attempt, fixture: Fixture) -> Attempt:
        return judge(
            attempt, fixture=fixture, policies=self.policies, options=self.options, prices=self.prices
        )

    def finish(
        self, item: pytest.Item, attempts: list[Attempt], fixture: Fixture, path: Path, info: dict[str, Any]
    ) -> None:
        last = attempts[-1]
        if len(attempts) > 1:  # CI dashboards read JUnit XML, not the terminal summary
            passes = sum(1 for a in attempts if a.passed)
            item.user_properties.append(("agenttrace_pass_rate", f"{passes}/{len(attempts)}"))
        if last.replayer.drifts and self.options.drift == "warn":
            info["drift"] = [d.render() for d in last.replayer.drifts]
        if last.updated_expect is not None:
            info["update"] = {"path": str(path), "expect": last.updated_expect}
        if last.update_skipped is not None:
            info["update_skipped"] = last.update_skipped
        if fixture.status == "golden" and last.path_changed:
            info["path_changed"] = True
        self.record_cost(item, fixture, last, info)
        if self._root is None:
            self._root = Path(self.config.rootpath).resolve()
        rel = _relative(path, self._root)
        if self.options.html is not None:
            self.write_html(item, attempts, fixture, info)
        conclude(attempts, fixture=fixture, path=rel, options=self.options, info=info)

    def record_cost(
        self, item: pytest.Item, fixture: Fixture, attempt: Attempt, info: dict[str, Any]
    ) -> None:
        """The replay's own cost (``[tool.agenttrace.prices]`` over the defaults): JUnit XML and the summary."""
        from ..checks.prices import cost_line, recorded_cost, replay_cost

        run = attempt.replayer.run
        now = replay_cost(run, self.prices)
        if now is None:
            return
        item.user_properties.append(("agenttrace_replay_cost", f"{now.amount:.10g}"))
        before = recorded_cost(fixture, self.prices)
        if before is not None:
            item.user_properties.append(("agenttrace_recorded_cost", f"{before.amount:.10g}"))
        info["cost"] = {
            "line": cost_line(now, before),
            "amount": now.amount,
            "recorded": before.amount if before is not None and before.currency == now.currency else None,
            "currency": now.currency,
        }

    def write_html(
        self, item: pytest.Item, attempts: list[Attempt], fixture: Fixture, info: dict[str, Any]
    ) -> None:
        """``--agenttrace-html``: a page for the first failing attempt, named in the report and JUnit XML."""
        failing = next((a for a in attempts if not a.passed), None)
        if failing is None or self.options.html is None:
            return
        from .html_report import page_failures, write_page

        run = failing.failed_run if failing.failed_run is not None else failing.replayer.run
        page = write_page(self.options.html, item.name, fixture, run, page_failures(failing))
        info["html"] = str(page)
        item.user_properties.append(("agenttrace_html", str(page)))
        item.add_report_section("call", "agenttrace html", f"HTML report of this replay: {page}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        """For tests taking ``agenttrace_replay``: run the checks after the test body, apply the status."""
        from .explicit import ExplicitReplay, replay_of

        replay: ExplicitReplay | None = replay_of(item)
        if replay is None:
            return (yield)
        try:
            result = yield
        except Exception as exc:
            if not replay.conclude(item, error=exc):
                raise
            return None  # judged: repetitions met the pass rate (any other outcome raised in conclude)
        replay.conclude(item, error=None)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report: pytest.TestReport = yield
        if call.when == "call":
            info = item.stash.get(INFO_KEY, None)
            if info is not None:
                report.agenttrace = info  # type: ignore[attr-defined]  # plain data: xdist sends it over
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        info = getattr(report, "agenttrace", None)
        if report.when != "call" or not isinstance(info, dict) or self.is_worker:
            return
        name = report.nodeid
        if info.get("drift"):
            self.summary.drift[name] = list(info["drift"])
        if "pass_rate" in info:
            self.summary.rates[name] = (
                f"{info['passes']}/{info['repeat']} passed ({info['pass_rate']:.0%}, "
                f"required {info['required_rate']:.0%})"
            )
        if info.get("update"):
            if report.passed:
                self.queue.add(info["update"]["path"], info["update"]["expect"])
            else:
                self.queue.skip(name, "it failed other checks too (see its failure); fix them, then update")
        elif info.get("update_skipped") and self.update:
            self.queue.skip(name, f"no new tool path to take: {info['update_skipped']} (see its failure)")
        elif self.update and info.get("status") == "golden" and report.failed:
            self.queue.skip(name, "its tool path is unchanged; it fails other checks (see its failure)")
        if info.get("path_changed") and report.failed:
            self.summary.golden_failed.append(name)
        if info.get("html"):
            self.summary.html.append(str(info["html"]))
        if isinstance(info.get("cost"), dict):
            self.summary.costs[name] = info["cost"]

    # -- the end ------------------------------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.is_worker and self.update:
            self.queue.flush()

    def pytest_report_header(self, config: pytest.Config) -> str:
        dirs = ", ".join(self.settings.fixtures)
        mode = "update" if self.update else "replay"
        extra = ""
        if self.options.live_model:
            extra += " live=model"
        if self.options.repeat > 1:
            extra += f" repeat={self.options.repeat} pass-rate={self.options.pass_rate:g}"
        entry = self.settings.entrypoint or "(none: only tests taking agenttrace_replay)"
        return (
            f"agenttrace: fixtures={dirs} format={FORMAT_VERSION} mode={mode} drift={self.options.drift}{extra} "
            f"entrypoint={entry}"
        )

    def write_costs(self, write: Any) -> None:
        """The replay cost: the total always, each fixture's line with ``-v`` (or where its cost changed)."""
        costs = self.summary.costs
        write.section("agenttrace replay cost", sep="-")
        changed = {
            name: c for name, c in costs.items() if c["recorded"] is not None and c["amount"] != c["recorded"]
        }
        shown = costs if self.options.verbose else changed
        for name, cost in sorted(shown.items()):
            write.line(f"{name}: {cost['line']}")
        write.line(f"total: {_cost_total(list(costs.values()))}")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.is_worker:
            return
        write = terminalreporter
        if self.summary.drift:
            write.section("agenttrace prompt drift", sep="-", yellow=True)
            write.line(
                "the agent's messages differ from the recorded requests; the recorded answers were given anyway "
                "(--agenttrace-drift=fail makes this fail)"
            )
            for name, renders in sorted(self.summary.drift.items()):
                write.line(f"{name}:")
                for text in renders:
                    write.line("  " + text.replace("\n", "\n  "))
        if self.summary.html:
            count = len(self.summary.html)
            write.line(
                f"agenttrace: {count} HTML page{'s' if count != 1 else ''} of failed replays in {self.options.html}"
            )
        if self.summary.rates:
            write.section("agenttrace pass rates", sep="-")
            for name, text in sorted(self.summary.rates.items()):
                write.line(f"{name}: {text}")
        if self.summary.costs:
            self.write_costs(write)
        if self.update or self.queue.written or self.queue.errors:
            write.section("agenttrace update", sep="-")
            for line in self.queue.summary_lines():
                write.line(line)
        elif self.summary.golden_failed:
            count = len(self.summary.golden_failed)
            write.line(
                f"agenttrace: {count} golden fixture{'s' if count != 1 else ''} failed on a changed tool path; "
                "if the new path is right, re-run with --agenttrace-update to rewrite their expectations:"
            )
            for name in self.summary.golden_failed:
                write.line(f"  {name}")


def _cost_total(costs: list[dict[str, Any]]) -> str:
    """``$0.0420 for 12 fixtures, recorded $0.0210: +100%`` over the replays priced in one currency."""
    from ..checks.prices import money

    currencies = {c["currency"] for c in costs}
    if len(currencies) != 1:
        return f"{len(costs)} fixtures priced in several currencies"
    currency = currencies.pop()
    now = sum(c["amount"] for c in costs)
    text = f"{money(now, currency)} for {len(costs)} fixture{'s' if len(costs) != 1 else ''}"
    if all(c["recorded"] is not None for c in costs):
        before = sum(c["recorded"] for c in costs)
        text += f", recorded {money(before, currency)}"
        if before > 0:
            text += f": {(now - before) / before * 100:+.0f}%"
    return text


def _relative(path: Path, root: Path) -> Path:
    """``path`` relative to ``root`` (already resolved: it is resolved once per session, not per test)."""
    try:
        return path.relative_to(root) if path.is_absolute() else path.resolve().relative_to(root)
    except ValueError:
        return path


def _is_pyproject(config: pytest.Config) -> bool:
    return config.inipath is not None and config.inipath.name == "pyproject.toml"


__all__ = ["INFO_KEY", "AgentTraceSession", "drift_text"]
