"""``pytest --agenttrace --agenttrace-html=DIR``: a page per failed replay, read back from a real browser.

The project is the bundled example (``examples/refund_agent``): its incident fixture fails against the
agent as it ran in production and passes against the fixed one, so both halves of the option are seen on
a real agent, real fixtures and the real global policies.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from tests.report.test_html import layout, render_in_browser

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "refund_agent"


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("refund_app", "fixtures", "pyproject.toml", "policies.json"):
        source = EXAMPLE / name
        if source.is_dir():
            shutil.copytree(source, pytester.path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, pytester.path / name)
    monkeypatch.delenv("REFUND_APP_FIXED", raising=False)
    return pytester.path


def test_a_failed_replay_gets_a_page_named_in_the_report(pytester: pytest.Pytester, project: Path) -> None:
    result = pytester.runpytest_subprocess(
        "--agenttrace", "--agenttrace-html=report", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2, failed=1)
    pages = sorted((project / "report").glob("*.html"))
    assert [p.name for p in pages] == ["refund-without-approval.html"]  # passing replays get none
    result.stdout.fnmatch_lines(
        [
            "*Captured agenttrace html call*",
            f"HTML report of this replay: {pages[0]}",
            f"agenttrace: 1 HTML page of failed replays in {project / 'report'}",
        ]
    )


def test_the_page_shows_the_failed_checks_and_the_divergence_in_a_browser(
    pytester: pytest.Pytester, project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    pytester.runpytest_subprocess(
        "--agenttrace", "--agenttrace-html=report", "-p", "no:cacheprovider", "--junitxml=junit.xml"
    )
    page = project / "report" / "refund-without-approval.html"
    junit = (project / "junit.xml").read_text(encoding="utf-8")
    assert f'<property name="agenttrace_html" value="{page}"' in junit
    dom = render_in_browser(page, tmp_path_factory.mktemp("chromium"))
    shown = layout(dom)
    assert shown["rows"] == str(7 + 7)  # the recorded timeline and the actual run, one row per step
    assert shown["visible-bars"] == shown["rows"]
    assert "3 failed checks" in dom
    assert "tools.subsequence" in dom
    assert "output.must_not_contain" in dom  # the answer claimed a refund that must not have happened
    assert "policy:refund-needs-approval" in dom
    assert "refunded $850 for ORD-2002 without an approval (INC-4711)" in dom
    # the recorded path went lookup_order -> issue_refund; the actual one the same: no divergence row,
    # and the failing step (3, issue_refund) is the one marked in the actual run
    assert re.search(r"issue_refund\(order_id=&quot;ORD-2002&quot;, amount=850\.0", dom) or (
        'issue_refund(order_id="ORD-2002", amount=850.0' in dom
    )
    assert "<EMAIL_1>" not in dom  # placeholders are escaped text, never markup
    assert "&lt;EMAIL_1&gt;" in dom
    assert "dana.whitfield" not in dom


def test_the_fixed_agent_writes_no_page(pytester: pytest.Pytester, project: Path, monkeypatch) -> None:
    monkeypatch.setenv("REFUND_APP_FIXED", "1")
    result = pytester.runpytest_subprocess(
        "--agenttrace", "--agenttrace-html=report", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=3)
    assert not (project / "report").exists()
    assert "HTML page" not in result.stdout.str()


def test_the_option_needs_agenttrace(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--agenttrace-html=report")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--agenttrace-html needs --agenttrace*"])


def test_the_page_shows_each_failed_checks_diff_lines_like_the_terminal(
    pytester: pytest.Pytester, project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every failed check's details, structural diff, actual value and rule are on the page, as with -v."""
    result = pytester.runpytest_subprocess(
        "--agenttrace", "--agenttrace-html=report", "-v", "-p", "no:cacheprovider"
    )
    terminal = result.stdout.str()
    dom = render_in_browser(
        project / "report" / "refund-without-approval.html", tmp_path_factory.mktemp("chromium")
    )
    text = html.unescape(re.sub(r"<[^>]+>", "\n", dom))
    shown = {" ".join(line.split()) for line in text.splitlines() if line.strip()}  # one element each
    page = " ".join(text.split())
    expected = [
        "diff (expected → actual):",
        'steps[3]: expected request_approval(order_id="ORD-2002", amount=850.0), got '
        'issue_refund(order_id="ORD-2002", amount=850.0, reason="defective")',
        "rule: expect.tools.subsequence[1]",
        'actual: {"order_id": "ORD-2002", "amount": 850.0, "reason": "defective"}',  # the policy's call
        "rule: policies[0] (refund-needs-approval).requires",
        "with the same order_id",
        "rule: expect.output.must_not_contain[0]",
    ]
    for line in expected:
        assert line in " ".join(terminal.split()), f"the terminal no longer prints {line!r}"
        assert line in shown, f"the page does not show {line!r}"
    # and nothing of the terminal's failure section is dropped: every -v line under a check is on the page
    section = terminal.split("[1] tools.subsequence", 1)[1].split("timeline:", 1)[0]
    for line in section.splitlines():
        line = " ".join(line.split())
        if line and not re.match(r"\[\d\] ", line):
            assert line in page or line.endswith("…"), f"the page does not show {line!r}"
