"""Settings shared by every test that runs pytest inside pytest."""

from __future__ import annotations

import gc

import pytest


@pytest.fixture(autouse=True)
def _quiet_inner_pytest_asyncio(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner pytest runs (pytester) load the installed pytest-asyncio without this project's ini.

    Its deprecation warning about an unset loop scope would then surface in every such run; the
    projects those tests write are the user's, so the setting is given on the command line instead.
    """
    if "pytester" in request.fixturenames:
        request.getfixturevalue("pytester")  # it clears PYTEST_ADDOPTS when it starts
        monkeypatch.setenv("PYTEST_ADDOPTS", "-o asyncio_default_fixture_loop_scope=function")


@pytest.fixture(autouse=True)
def _collect_garbage_before_inner_pytest(request: pytest.FixtureRequest) -> None:
    """Run the finalizers earlier tests left in garbage before an in-process inner pytest run starts.

    CPython 3.11 before 3.11.8 keeps one AST-conversion recursion counter per interpreter (gh-106905): a
    finalizer that imports a module while ``ast.parse`` is converting a tree (the garbage collector runs it
    there; the import rewrites asserts, which parses again) leaves the counter at its own depth, and the
    outer parse fails with "SystemError: AST constructor recursion depth mismatch". The inner run parses
    the plugin's modules for assertion rewriting, so the SDK clients and event loops an earlier test left
    unreachable are finalised here, before it starts, instead of in the middle of one of those parses.
    """
    if "pytester" in request.fixturenames:
        gc.collect()
