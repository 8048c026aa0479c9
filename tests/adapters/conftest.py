"""Every adapter test runs offline: sockets refuse to connect and no provider API key is set.

So each replay below also proves isolation: a request that escaped the replay would fail loudly here
instead of reaching a provider.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from pytest_agenttrace.cli import main as cli_main
from pytest_agenttrace.model import Fixture
from pytest_agenttrace.store import load_fixture

CORPUS = Path(__file__).parents[1] / "data" / "corpus"


class NetworkBlocked(OSError):
    """Raised by every attempt to open a connection during an adapter test."""


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NetworkBlocked(f"network blocked in adapter tests: {args[:2]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def corpus_fixture(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    """The OpenInference trace of a real openai agent run (3 parallel lookups, approval, 3 refunds, e-mail),
    imported with ``agenttrace import-trace`` as a user would."""
    out = tmp_path_factory.mktemp("imported")
    export = CORPUS / "openinference" / "openai__refund_multi_long.otlp.json.gz"
    assert cli_main(["import-trace", str(export), "--out", str(out), "-q"]) == 0
    (path,) = out.glob("*.trace.json")
    return load_fixture(path)
