"""The adapter registry, and the rule that loading adapters imports no SDK until one is used."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pytest_agenttrace import adapters
from pytest_agenttrace.errors import ConfigError
from pytest_agenttrace.model import Fixture
from pytest_agenttrace.replay import Replayer


def test_no_sdk_is_imported_by_loading_the_adapter_modules() -> None:
    code = (
        "import sys\n"
        "import pytest_agenttrace.adapters, pytest_agenttrace.adapters.openai, pytest_agenttrace.adapters.anthropic\n"
        "import pytest_agenttrace.adapters.langchain, pytest_agenttrace.adapters.openai_agents\n"
        "loaded = {'openai', 'anthropic', 'langchain_core', 'agents', 'httpx', 'httpx2'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_names_and_unknown_adapter() -> None:
    assert adapters.names() == ["anthropic", "langchain", "openai", "openai-agents"]
    with pytest.raises(ConfigError, match="valid adapters: anthropic, langchain, openai, openai-agents"):
        adapters.activate("gemini", Replayer(Fixture(id="x")))


def test_no_adapter_is_a_context_that_does_nothing() -> None:
    replayer = Replayer(Fixture(id="x"))
    with adapters.activate(None, replayer) as active:
        assert active is replayer
