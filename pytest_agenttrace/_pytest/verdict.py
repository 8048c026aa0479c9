"""From replays to a test outcome: problems found, the fixture's status, repetitions and the pass rate.

Shared by the generated (zero-code) items and the explicit ``agenttrace_replay`` fixture, so a fixture
means the same thing in CI whichever way it is replayed:

- ``regression`` and ``golden`` pass when nothing is wrong (``golden`` checks the recorded tool path);
- ``known-bad`` is a strict xfail: failing checks (the recorded bad behaviour, reproduced) are the
  expected outcome, a clean run fails the build with a message to promote the fixture, and anything
  else going wrong (the agent raising, an unmatched call) is a real failure, never hidden as an xfail.

A problem is an unmatched call (``on_unmatched = "fail"``), a failed check, drift under ``drift = "fail"``,
or an exception the agent raised.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest

from ..checks.prices import PriceTable
from ..model import Expect, Fixture, Policy, ToolStep
from ..replay.errors import UnmatchedCall
from ..replay.replayer import Replayer
from ..replay.run import ActualRun
from .checking import CheckFailure, evaluate, headline, render, render_unmatched_lines
from .options import Options

#: The checks an update of a golden fixture's ``expect.tools.sequence`` answers.
PATH_CHECKS = frozenset({"golden.tools", "tools.sequence"})


@dataclass
class Attempt:
    """One replay of a fixture and what was wrong with it."""

    replayer: Replayer
    error: BaseException | None = None
    problems: list[str] = field(default_factory=list)
    updated_expect: dict[str, Any] | None = None
    #: The failed checks themselves (``problems`` holds their text), for the HTML report.
    failures: list[CheckFailure] = field(default_factory=list)
    #: The run those failures were found in when it is not the replayer's own (a fuzz example's).
    failed_run: ActualRun | None = None
    #: ``--agenttrace-update`` on a golden fixture: why no new ``expect`` could be taken from this replay.
    update_skipped: str | None = None
    #: What went wrong on one line (the check, the step, the call): the failure's first line, which is
    #: also what pytest's short test summary shows.
    headline: str | None = None

    @property
    def path_changed(self) -> bool:
        """The tool path differs from the golden expectation (what ``--agenttrace-update`` rewrites)."""
        return any(f.check in PATH_CHECKS for f in self.failures)

    @property
    def passed(self) -> bool:
        return not self.problems and self.error is None


def updated_expect(fixture: Fixture, replayer: Replayer) -> dict[str, Any] | None:
    """The fixture's ``expect`` with ``tools.sequence`` taken from the actual run; None when unchanged.

    Matchers already declared for a tool in the old sequence are kept, so an update does not undo a
    hand-written tolerance or regex.
    """
    old = fixture.expect.to_data() if fixture.expect is not None else {}
    tools = dict(old.get("tools") or {})
    matchers = {entry["name"]: entry["match"] for entry in tools.get("sequence") or () if "match" in entry}
    sequence = []
    for step in replayer.run.steps:
        if step.kind not in ("tool", "approval") or not step.name:
            continue
        entry: dict[str, Any] = {"name": step.name}
        arguments = step.arguments if isinstance(step, ToolStep) else getattr(step, "arguments", None)
        if arguments is not None:
            entry["arguments"] = arguments
        if step.name in matchers:
            entry["match"] = matchers[step.name]
        sequence.append(entry)
    tools["sequence"] = sequence
    new = {**old, "tools": tools}
    return None if new == old else new


def judge(
    attempt: Attempt,
    *,
    fixture: Fixture,
    policies: list[Policy],
    options: Options,
    prices: PriceTable | None = None,
) -> Attempt:
    """Fill ``attempt.problems`` (rendered text sections) from the replay and the checks."""
    replayer = attempt.replayer
    error = attempt.error
    raised_miss = isinstance(error, UnmatchedCall) and any(error is miss for miss in replayer.misses)
    if raised_miss:
        attempt.error = error = None  # reported below as a miss, with its full explanation
    problems = attempt.problems
    for number, miss in enumerate(replayer.misses):
        text = miss.description
        if number == 0:  # its first line is the headline, which the failure starts with: say it once
            line, _, rest = text.partition("\n")
            if line == miss.summary and rest:
                text = rest
        problems.append(text)
    if replayer.misses:
        first = replayer.misses[0]
        more = len(replayer.misses) - 1
        attempt.headline = first.summary + (f" (+{more} more unmatched)" if more else "")
    golden = fixture.status == "golden"
    checked = fixture
    if not replayer.misses and error is None:
        if golden and options.update:
            attempt.updated_expect = updated_expect(fixture, replayer)
            if attempt.updated_expect is not None:
                checked = fixture.model_copy(update={"expect": Expect.model_validate(attempt.updated_expect)})
        failures = evaluate(checked, replayer.run, policies=policies, golden=golden, prices=prices)
        attempt.failures = list(failures)
        if failures:
            attempt.headline = headline(failures, replayer.run)
            problems.append(render(checked, replayer.run, failures, verbose=options.verbose))
    elif golden and options.update:
        attempt.update_skipped = (
            "the replay stopped at an unmatched call"
            if replayer.misses
            else f"the agent raised {type(error).__name__}"
        )
    if replayer.misses:
        problems.append(unmatched_text(fixture, replayer, raised=raised_miss, verbose=options.verbose))
        if error is not None:
            problems.append(f"then the agent raised {type(error).__name__}: {error}")
            attempt.error = None
    if options.drift == "fail" and replayer.drifts:
        problems.append(drift_text(replayer, "prompt drift (drift = fail)"))
        if attempt.headline is None:
            count = len(replayer.drifts)
            attempt.headline = (
                f"prompt drift (drift = fail): {count} model request{'s differ' if count != 1 else ' differs'} "
                f"from the recording, first at model call #{replayer.drifts[0].call + 1}"
            )
    return attempt


def unmatched_text(fixture: Fixture, replayer: Replayer, *, raised: bool, verbose: bool) -> str:
    """Why the checks did not run, in what the agent actually did after the miss, and the timeline."""
    run = replayer.run
    missed = [i for i, source in run.answered_by.items() if source == "unmatched"]
    at = f"steps[{missed[0]}]" if missed else "a step"
    later = len(run.steps) - 1 - missed[-1] if missed else 0
    if raised:
        why = f"the agent stopped at the unmatched call ({at}): UnmatchedCall propagated out of it"
    elif run.has_output:
        why = (
            f"the agent caught the unmatched call ({at}) and went on to its output "
            f"({later} more step{'s' if later != 1 else ''}), so what it did after it was not the recorded run"
        )
    elif later:
        why = f"the agent went on for {later} more step{'s' if later != 1 else ''} after the unmatched call ({at})"
    else:
        why = f"the agent stopped at the unmatched call ({at})"
    return "\n".join([f"checks not run: {why}", *render_unmatched_lines(fixture, run, verbose=verbose)])


def drift_text(replayer: Replayer, title: str) -> str:
    return "\n".join([title + ":", *("  " + d.render().replace("\n", "\n  ") for d in replayer.drifts)])


def _header(fixture: Fixture, path: Path | None) -> str:
    where = f", {path}" if path is not None else ""
    return f"agenttrace: fixture {fixture.id!r} ({fixture.status}{where})"


def _error_text(error: BaseException) -> str:
    lines = traceback.format_exception_only(type(error), error)
    return "the agent raised " + "".join(lines).strip()


def conclude(
    attempts: list[Attempt], *, fixture: Fixture, path: Path | None, options: Options, info: dict[str, Any]
) -> None:
    """Turn the attempts into the test outcome: return (pass), ``pytest.fail``, ``xfail``, or re-raise."""
    passes = sum(1 for a in attempts if a.passed)
    total = len(attempts)
    rate = passes / total
    if total > 1:
        info["pass_rate"] = rate
        info["passes"] = passes
        info["repeat"] = total
        info["required_rate"] = options.pass_rate
    ok = rate >= options.pass_rate if total > 1 else attempts[0].passed
    failing = next((a for a in attempts if not a.passed), None)
    known_bad = fixture.status == "known-bad"
    if known_bad:
        if ok:
            target = str(path) if path is not None else fixture.id
            pytest.fail(
                f"{_header(fixture, path)} passed, but it is marked known-bad: the bug it records looks fixed. "
                f"Promote it: agenttrace mark {target} --regression",
                pytrace=False,
            )
        # Expected: the checks fail, i.e. the recorded bad behaviour is reproduced. An exception, an
        # unmatched call or drift is something else going wrong, and is reported as it would be elsewhere.
        reproduced = next((a for a in attempts if a.failures), None)
        if reproduced is not None:
            # the check and the step on one line, as a failure would start; not the report's title
            reason = reproduced.headline
            if reason is None and reproduced.problems:
                reason = reproduced.problems[0].splitlines()[0]
            _xfail(f"known-bad: {reason or 'fails as recorded'}", reproduced)
    if ok:
        return
    assert failing is not None
    sections = [_header(fixture, path)]
    if failing.headline is not None:
        sections[0] = f"{failing.headline}\n{sections[0]}"
    if known_bad:
        sections.append(
            "known-bad: its checks were expected to fail (the recorded bad behaviour reproduced); the replay "
            "went wrong in another way, which is not the expected failure"
        )
    if total > 1:
        sections.append(
            f"passed {passes}/{total} repetitions ({rate:.0%}), required {options.pass_rate:.0%}; "
            "the first failing one:"
        )
    if failing.problems:
        sections.extend(failing.problems)
        if failing.error is not None:
            sections.append(_error_text(failing.error))
    elif failing.error is not None:
        if total == 1:
            if known_bad:  # the traceback says what went wrong; the note, why it is not the xfail
                failing.error.add_note("\n".join(sections))
            raise failing.error  # the agent's own exception, with its traceback
        sections.append(_error_text(failing.error))
    if options.drift == "warn" and failing.replayer.drifts:
        sections.append(drift_text(failing.replayer, "prompt drift (information)"))
    pytest.fail("\n\n".join(sections), pytrace=False)


def _xfail(reason: str, attempt: Attempt | None) -> NoReturn:
    pytest.xfail(reason)
