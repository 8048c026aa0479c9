"""The one place that reaches the checks and the failure report, with a fallback while they are built.

``checks.evaluate``, ``checks.policies.load_policies`` and ``report.failures.render_failures`` are the
contract. Until a module exists, the replay still runs: no global policies (or a plain JSON list of them),
and failures listed one per line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..checks import CheckFailure, evaluate
from ..errors import ConfigError
from ..model import Fixture, Policy
from ..replay.run import ActualRun

__all__ = ["CheckFailure", "evaluate", "headline", "load_global_policies", "render", "render_unmatched_lines"]


def load_global_policies(path: Path | None) -> list[Policy]:
    if path is None:
        return []
    try:
        from ..checks.policies import load_policies
    except ImportError:
        return _fallback_policies(path)
    return list(load_policies(path))


def _fallback_policies(path: Path) -> list[Policy]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the policies: {exc}") from exc
    items = data.get("policies", []) if isinstance(data, dict) else data
    return [Policy.model_validate(item) for item in items]


def render(fixture: Fixture, run: ActualRun, failures: Sequence[Any], *, verbose: bool) -> str:
    try:
        from ..report.failures import render_failures
    except ImportError:
        return _fallback_render(failures)
    return render_failures(fixture, run, list(failures), verbose=verbose)


def _fallback_render(failures: Sequence[Any]) -> str:
    lines = []
    for failure in failures:
        where = f" (step {failure.step})" if getattr(failure, "step", None) is not None else ""
        lines.append(f"✗ {failure.check}{where}: {failure.message}")
        lines.extend(f"    {detail}" for detail in getattr(failure, "details", None) or ())
    return "\n".join(lines)


def headline(failures: Sequence[CheckFailure], run: ActualRun) -> str:
    """The failure on one line: the check, the step and the call (see ``report.failures.headline``)."""
    from ..report.failures import headline as one_line

    return one_line(list(failures), run)


def render_unmatched_lines(fixture: Fixture, run: ActualRun, *, verbose: bool) -> list[str]:
    """The timeline excerpt around the calls the recording could not answer."""
    from ..report.failures import render_unmatched

    return render_unmatched(fixture, run, verbose=verbose)
