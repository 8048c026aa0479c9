"""pytest-recording, syrupy, pytest-asyncio and pytest-xdist loaded beside the plugin, in one run."""

from __future__ import annotations

import pytest

from .kit import DENY_APPROVAL, fixture_doc, make_project

OTHERS = """
import asyncio

import pytest

import agent


def test_syrupy_snapshot(snapshot):
    assert {"order": "A1"} == snapshot


@pytest.mark.vcr
def test_recording_marker_and_fixture(vcr):
    assert vcr is not None


@pytest.mark.asyncio
async def test_pytest_asyncio():
    await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_explicit_async_replay(agenttrace_replay):
    agent.call_model = agenttrace_replay.amodel
    for name, stub in agenttrace_replay.tools(is_async=True).items():
        setattr(agent, name, stub)
    agenttrace_replay.output = await agent.handle(agenttrace_replay.input)
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_the_plugins_coexist(pytester: pytest.Pytester, workers: list[str]) -> None:
    for plugin in ("syrupy", "pytest_recording", "pytest_asyncio", "xdist"):
        pytest.importorskip(plugin)
    make_project(pytester, fixtures=[fixture_doc(stubs=DENY_APPROVAL)], is_async=True)
    pytester.makepyfile(test_others=OTHERS)
    args = ["--agenttrace", "--record-mode=none", "-p", "no:randomly", *workers]
    result = pytester.runpytest_subprocess(*args, "--snapshot-update")
    result.assert_outcomes(passed=5)
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(passed=5)
    assert (pytester.path / "__snapshots__" / "test_others.ambr").is_file()
    # and without --agenttrace, the others still run and the replays are skipped
    result = pytester.runpytest_subprocess("--record-mode=none", "-p", "no:randomly", *workers)
    result.assert_outcomes(passed=3, skipped=1)
