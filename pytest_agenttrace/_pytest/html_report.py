"""``--agenttrace-html=DIR``: one self-contained HTML page per failed replay.

A failed replay in CI is read by someone who was not there when it ran; the terminal text is enough to
see *that* it failed, the page (``report.html.render_html``) shows *how*: the failed checks, the recorded
tool path beside the actual one, and both timelines. Written by the process that ran the test (each
xdist worker writes its own tests' pages, so no two processes write one file), named after the test, and
linked from the failure text. Unmatched calls and the agent's own exceptions are shown as failed checks
too, so every kind of failed replay gets a page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checks import CheckFailure

if TYPE_CHECKING:
    from ..model import Fixture
    from .verdict import Attempt

__all__ = ["page_failures", "write_page"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def page_name(test_name: str) -> str:
    """A file name for the test: ``refund-no-approval.html``, ``test_bot-refund-no-approval.html``."""
    return (_UNSAFE.sub("-", test_name).strip("-.") or "replay") + ".html"


def page_failures(attempt: Attempt) -> list[CheckFailure]:
    """The attempt's check failures, plus its unmatched calls and the agent's exception, as failures."""
    failures: list[CheckFailure] = [
        CheckFailure(
            check="unmatched call",
            message=miss.description.splitlines()[0],
            details=miss.description.splitlines()[1:],
        )
        for miss in attempt.replayer.misses
    ]
    failures.extend(attempt.failures)
    if attempt.error is not None:
        failures.append(
            CheckFailure(
                check="agent error",
                message=f"the agent raised {type(attempt.error).__name__}: {attempt.error}",
            )
        )
    if not failures:  # drift under --agenttrace-drift=fail, or a problem only the text names
        failures = [
            CheckFailure(check="replay", message=text.splitlines()[0]) for text in attempt.problems[:1]
        ]
    return failures


def write_page(
    folder: Path, test_name: str, fixture: Fixture, run: Any, failures: Sequence[CheckFailure]
) -> Path:
    """Render the page and write it to ``folder`` (created if missing); returns its path."""
    from ..report.html import render_html

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / page_name(test_name)
    path.write_text(render_html(fixture, run=run, failures=failures), encoding="utf-8")
    return path
