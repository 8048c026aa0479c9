"""The HTML report, rendered by a real browser (headless Chromium) and read back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_agenttrace.checks import CheckFailure
from pytest_agenttrace.model import Fixture
from pytest_agenttrace.replay.run import ActualRun
from pytest_agenttrace.report.html import render_html
from pytest_agenttrace.store import dumps_data
from tests.factories import refund_document
from tests.test_cli import agenttrace

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def render_in_browser(page: Path, tmp_path: Path) -> str:
    """The DOM after Chromium loaded the page and ran its layout script."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium installed (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1300,900",
        "--virtual-time-budget=2000",
    ]
    result = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def layout(dom: str) -> dict[str, str]:
    match = re.search(r'<div id="layout"[^>]*>', dom)
    assert match, "the page's layout script did not run"
    return dict(re.findall(r'data-([\w-]+)="([^"]*)"', match.group()))


def test_the_fixture_page_shows_every_step_with_its_bar_and_the_error(tmp_path):
    fixture_file = tmp_path / "refund.trace.json"
    fixture_file.write_bytes(dumps_data(refund_document()))
    page = tmp_path / "refund.html"
    result = agenttrace("show", str(fixture_file), "--html", str(page))
    assert result.returncode == 0, result.stderr
    dom = render_in_browser(page, tmp_path)
    assert layout(dom) == {"rows": "4", "visible-bars": "4", "error-rows": "1"}
    assert "✗ RefundLimitExceeded: refunds over $100 need approval" in dom
    assert 'issue_refund(order_id="ORD-2002", amount=850.0' in dom
    assert "<b>365</b><span>tokens</span>" in dom
    assert external_references(page.read_text()) == []  # self-contained: nothing fetched


_EXTERNAL = r"""(?:https?:|//)"""


def external_references(html: str) -> list[str]:
    """Everything in a page that a browser would fetch from elsewhere by itself: ``src``/``srcset``/
    ``poster`` and ``<link href>`` to an absolute or protocol-relative URL, CSS ``@import``, ``url(...)``
    not of a ``data:`` URI or ``#fragment``, and URLs inside ``<style>``/``<script>``. Links a person may
    click (``<a href>`` to the incident tracker) and the SVG namespace are not fetched, so they are fine."""
    found = re.findall(rf"""\b(?:src|srcset|poster)\s*=\s*["']?\s*{_EXTERNAL}[^"'\s>]*""", html, re.I)
    found += re.findall(rf"""<link\b[^>]*\bhref\s*=\s*["']?\s*{_EXTERNAL}[^"'\s>]*""", html, re.I)
    found += re.findall(r"@import\b[^;]*", html, re.I)
    found += [
        u
        for u in re.findall(r"url\(\s*([^)]*)\)", html, re.I)
        if not u.strip("'\" ").startswith(("data:", "#"))
    ]
    for body in re.findall(r"<(?:style|script)\b[^>]*>(.*?)</(?:style|script)>", html, re.S | re.I):
        body = body.replace("http://www.w3.org/2000/svg", "")
        found += re.findall(r"""["'`(]\s*(?:https?:)?//[^"'`)\s]+""", body)
    return found


def test_external_references_finds_what_a_browser_would_fetch():
    """The self-containment check itself, on each way a page can reach out."""
    for page in (
        '<img src="https://cdn.example/x.png">',
        "<script src='//cdn.example/x.js'></script>",
        '<link href="http://fonts.example/f.css">',
        "<style>@import 'theme.css';</style>",
        "<style>body { background: url(/bg.png) }</style>",
        '<img srcset="//cdn.example/x2.png 2x">',
        "<script>fetch('https://api.example/t')</script>",
    ):
        assert external_references(page), page
    assert (
        external_references(
            '<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="#step-3">x</a>'
            '<a href="https://tracker.example/INC-42">INC-42</a>'
            "<style>i { background: url(data:image/png;base64,AAAA) }</style>"
        )
        == []
    )


def test_the_failed_replay_page_marks_the_divergence_and_lists_the_checks(tmp_path):
    fixture = Fixture.model_validate(refund_document())
    actual = [*list(fixture.steps[:2]), fixture.steps[2].model_copy(update={"id": "x3"})]
    run = ActualRun(fixture=fixture, steps=actual, output="I need approval first", has_output=True)
    failure = CheckFailure(
        check="policy:refund-needs-approval",
        message="issue_refund ran without an approved request_approval",
        step=3,
        details=["steps[3].arguments.amount: 850.0 > 100"],
    )
    page = tmp_path / "failed.html"
    page.write_text(render_html(fixture, run=run, failures=[failure]), encoding="utf-8")
    dom = render_in_browser(page, tmp_path)
    assert layout(dom)["rows"] == str(len(fixture.steps) + len(actual))
    assert "1 failed check" in dom
    assert "policy:refund-needs-approval" in dom
    assert "steps[3].arguments.amount: 850.0 &gt; 100" in dom
    diverged = re.search(r'<tr class="diverged"><td>(\d+)</td><td>(.*?)</td><td>(.*?)</td></tr>', dom)
    assert diverged is not None
    assert diverged.group(1) == "1"
    assert diverged.group(2).startswith("issue_refund(")
    assert diverged.group(3) == "—"


def test_hostile_text_is_escaped(tmp_path):
    document = refund_document(
        input="<script>document.title='pwned'</script>", reason="<img src=x onerror=alert(1)>"
    )
    page = tmp_path / "hostile.html"
    page.write_text(render_html(Fixture.model_validate(document)), encoding="utf-8")
    dom = render_in_browser(page, tmp_path)
    assert "<title>refund-tool-error — agent run</title>" in dom
    assert "<img src=x" not in dom
    assert "&lt;script&gt;" in dom
