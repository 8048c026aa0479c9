"""Settings shared by every test that runs pytest inside pytest."""

from __future__ import annotations

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
