"""SDK adapters: agents built on an SDK replay with no change to their code.

``activate(name, replayer)`` is what ``adapter = "..."`` in ``[tool.agenttrace]`` turns into, and what a
test can use itself. Each adapter lives in its own module that imports its SDK only when used, and this
package imports none of them until ``activate`` (or the test) asks for one, so the core of the plugin
never needs an SDK installed.

============== ==================================== ===================================================
name           module                               what ``activate`` does for the ``with`` block
============== ==================================== ===================================================
openai         ``adapters.openai``                  OpenAI model calls over HTTP answered from the replay
anthropic      ``adapters.anthropic``               Anthropic Messages calls answered from the replay
langchain      ``adapters.langchain``               every LangChain chat model answers from the replay
openai-agents  ``adapters.openai_agents``           Agents SDK runs use the replay model and stubbed tools
============== ==================================== ===================================================
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from importlib import import_module
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ._common import AdapterError

if TYPE_CHECKING:
    from ..replay.replayer import Replayer

__all__ = ["ADAPTERS", "AdapterError", "activate", "names", "placeholder_keys"]

# adapter name -> (module, the pip extra that installs its SDK)
ADAPTERS: dict[str, tuple[str, str]] = {
    "openai": ("openai", "openai"),
    "anthropic": ("anthropic", "anthropic"),
    "langchain": ("langchain", "langchain"),
    "openai-agents": ("openai_agents", "agents"),
}
_ALIASES = {"openai_agents": "openai-agents", "agents": "openai-agents"}

# adapter name -> the providers whose API key the SDK's clients insist on at construction. LangChain's
# ChatOpenAI / ChatAnthropic check theirs when built, usually at import of the app's module.
_KEYS: dict[str, tuple[str, ...]] = {
    "openai": ("openai",),
    "anthropic": ("anthropic",),
    "langchain": ("openai", "anthropic"),
    "openai-agents": ("openai",),
}


def names() -> list[str]:
    """The adapter names ``activate`` (and the ``adapter`` setting) accept."""
    return sorted(ADAPTERS)


def _module(name: str) -> Any:
    key = _ALIASES.get(name, name)
    if key not in ADAPTERS:
        raise ConfigError(f"unknown adapter {name!r}; valid adapters: {', '.join(names())}")
    return import_module(f".{ADAPTERS[key][0]}", __name__)


def activate(name: str | None, replayer: Replayer) -> contextlib.AbstractContextManager[Replayer]:
    """For a ``with`` block, answer the SDK ``name``'s model calls from ``replayer``.

    ``None`` (no adapter configured) gives a context that does nothing, so the plugin can always write
    ``with adapters.activate(config.adapter, replayer):``. An SDK that is not installed is a
    :class:`ConfigError` naming the extra to install, raised when entering the block.
    """
    if name is None:
        return contextlib.nullcontext(replayer)
    module = _module(name)
    patch: Callable[[Replayer], contextlib.AbstractContextManager[Replayer]] = module.patch
    return _checked(name, patch, replayer)


def placeholder_keys(name: str | None) -> contextlib.AbstractContextManager[None]:
    """For a ``with`` block, a placeholder API key for each provider adapter ``name`` may meet, where unset.

    A replay never sends it anywhere (the adapter answers every call), but SDK clients refuse to be built
    without one, and CI has no secrets. The plugin holds this from importing the app's entrypoint (where
    module-level clients are built) to the end of the replay; keys already set are left alone.
    """
    from ._http import dummy_api_keys

    if name is None:
        return contextlib.nullcontext()
    return dummy_api_keys(*_KEYS.get(_ALIASES.get(name, name), ()))


@contextlib.contextmanager
def _checked(
    name: str, patch: Callable[[Replayer], contextlib.AbstractContextManager[Replayer]], replayer: Replayer
) -> Iterator[Replayer]:
    with contextlib.ExitStack() as stack:
        try:
            entered = stack.enter_context(patch(replayer))
        except ModuleNotFoundError as exc:
            extra = ADAPTERS[_ALIASES.get(name, name)][1]
            raise ConfigError(
                f"adapter {name!r} needs the {exc.name!r} package: in your pytest-agenttrace checkout "
                f"(it is not on PyPI), pip install -e '.[{extra}]'"
            ) from exc
        yield entered
