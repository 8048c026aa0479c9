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


def test_a_missing_sdk_names_the_extra_to_install_from_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The package is not on PyPI, so the advice is an editable install of the checkout's extra."""
    import sys

    from pytest_agenttrace.errors import ConfigError
    from pytest_agenttrace.replay import Replayer

    from ._agent import refund_fixture

    monkeypatch.delitem(sys.modules, "pytest_agenttrace.adapters._langchain_model", raising=False)
    for module in [m for m in sys.modules if m == "langchain_core" or m.startswith("langchain_core.")]:
        monkeypatch.setitem(sys.modules, module, None)  # import langchain_core... -> ModuleNotFoundError
    monkeypatch.setitem(sys.modules, "langchain_core", None)
    with pytest.raises(ConfigError) as raised, adapters.activate("langchain", Replayer(refund_fixture())):
        pass
    message = str(raised.value)
    assert message.startswith("adapter 'langchain' needs the 'langchain_core")
    assert message.endswith(
        "package: in your pytest-agenttrace checkout (it is not on PyPI), pip install -e '.[langchain]'"
    )
