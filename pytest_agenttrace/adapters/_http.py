"""Answering SDK requests at the HTTP level, independent of the HTTP library.

The OpenAI and Anthropic SDKs are thin layers over an HTTP client (``httpx2`` for openai 3.x and
anthropic 2.x, ``httpx`` before), so answering at the transport level replays the SDK itself, every
framework built on it (LangChain's ``ChatOpenAI``, the Agents SDK's OpenAI models), and clients the agent
creates on its own. A :class:`Route` is the provider's side: it reads a request and synthesizes the exact
response body; the transports (``_transports``) only move bytes.

Errors: a recorded model error becomes the provider's HTTP error (with ``x-should-retry: false``, so the
SDK raises its own exception at once, as production code expects), while an unmatched call or a fixture
the SDK cannot represent is raised from the transport as the replay's exception: the SDKs let such
exceptions through unchanged, so the test sees :class:`UnmatchedCall` with the closest recorded call.
"""

from __future__ import annotations

import abc
import contextlib
import importlib.util
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..replay.errors import RecordedModelError, ReplayError, UnmatchedCall
from ._common import AdapterError

if TYPE_CHECKING:
    from ..replay.replayer import Replayer

__all__ = ["Reply", "Route", "dummy_api_keys", "patch_http", "pieces", "sse"]

_PIECE = re.compile(r"\s*\S+|\s+")

# Recorded error type names -> the HTTP status the provider answers them with.
_ERROR_STATUS = {
    "badrequesterror": 400,
    "authenticationerror": 401,
    "permissiondeniederror": 403,
    "notfounderror": 404,
    "conflicterror": 409,
    "unprocessableentityerror": 422,
    "ratelimiterror": 429,
    "internalservererror": 500,
    "overloadederror": 529,
    "apitimeouterror": 504,
    "timeout": 504,
}


@dataclass(slots=True)
class Reply:
    """An HTTP response to hand to the SDK: the body in the pieces a server would send (SSE: per event)."""

    status: int
    headers: list[tuple[str, str]]
    chunks: list[bytes] = field(default_factory=list)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
        body = json.dumps(data, ensure_ascii=False).encode()
        extra = list((headers or {}).items())
        return cls(status, [("content-type", "application/json"), *extra], [body])

    @classmethod
    def events(cls, chunks: list[bytes]) -> Reply:
        return cls(200, [("content-type", "text/event-stream"), ("cache-control", "no-cache")], chunks)


def sse(data: Any, event: str | None = None) -> bytes:
    """One server-sent event: ``event:`` line when named, ``data:`` with compact JSON (or raw text)."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {text}\n\n".encode()


class Route(abc.ABC):
    """One provider's API, answered from a replay."""

    provider: str = ""
    hosts: frozenset[str] = frozenset()

    def __init__(self, replayer: Replayer) -> None:
        self.replayer = replayer

    @abc.abstractmethod
    def is_model_call(self, method: str, path: str) -> bool:
        """True for the requests this route answers from the recording."""

    def claims(self, method: str, url: str) -> bool:
        """Whether this route answers the request: its model calls on any host, anything on its hosts.

        Model calls are recognised by path so that a custom ``base_url`` (a gateway, Azure, a proxy)
        replays too; anything else sent to the provider's own host is refused rather than let through.
        """
        parts = urlsplit(url)
        return self.is_model_call(method, parts.path) or parts.hostname in self.hosts

    def handle(self, method: str, url: str, body: bytes) -> Reply:
        path = urlsplit(url).path
        if not self.is_model_call(method, path):
            return self.error_reply(
                404,
                "not_found_error",
                f"pytest-agenttrace replay: no recorded answer for {method} {path}; a replay answers "
                f"{self.provider} model calls only and never reaches the network",
            )
        try:
            request = json.loads(body or b"{}")
        except ValueError as exc:
            raise AdapterError(f"{self.provider} request body is not JSON: {exc}") from None
        if not isinstance(request, dict):
            raise AdapterError(f"{self.provider} request body is not a JSON object")
        try:
            return self.answer(path, request)
        except RecordedModelError as error:
            status = _ERROR_STATUS.get((error.error_type or "").lower().replace("_", ""), 500)
            return self.error_reply(status, error.error_type or "api_error", error.message)
        except (UnmatchedCall, AdapterError) as error:
            raise as_sdk_error(error, self.sdk_error_base()) from None

    def sdk_error_base(self) -> type[Exception] | None:
        """The SDK's own root exception, which its client re-raises unchanged (no retry, no wrapping)."""
        return None

    @abc.abstractmethod
    def answer(self, path: str, request: dict[str, Any]) -> Reply:
        """The synthesized response to a model call."""

    @abc.abstractmethod
    def error_reply(self, status: int, kind: str, message: str) -> Reply:
        """An error body in the provider's shape."""


_MIXED: dict[tuple[type[Exception], type[Exception]], type[Exception]] = {}


def as_sdk_error(error: ReplayError, base: type[Exception] | None) -> Exception:
    """``error`` as an instance of a class deriving from both its own class and the SDK's root exception.

    An SDK wraps an unknown exception from its transport into a retryable connection error (Anthropic),
    which would ask the replay again and hide the unmatched call; an exception of the SDK's own family
    is re-raised as it is. The test still catches :class:`UnmatchedCall`, the agent its SDK's error.
    """
    if base is None or isinstance(error, base):
        return error
    key = (type(error), base)
    mixed = _MIXED.get(key)
    if mixed is None:
        mixed = type(type(error).__name__, (type(error), base), {"__module__": type(error).__module__})
        _MIXED[key] = mixed
    clone = mixed.__new__(mixed)
    clone.__dict__.update(error.__dict__)
    clone.args = error.args
    return clone


_DUMMY_KEYS = {"openai": ("OPENAI_API_KEY",), "anthropic": ("ANTHROPIC_API_KEY",)}


@contextlib.contextmanager
def dummy_api_keys(*providers: str) -> Iterator[None]:
    """Set a placeholder API key where none is set, so ``OpenAI()`` can be built in CI without a secret.

    The key is never sent anywhere: the replay answers every request to the provider.
    """
    names = [name for provider in providers for name in _DUMMY_KEYS.get(provider, ())]
    added = [name for name in names if not os.environ.get(name)]
    for name in added:
        os.environ[name] = "agenttrace-replay-no-key"
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def pieces(text: str, size: int = 0) -> list[str]:
    """Text cut the way a model streams it: word by word, or in ``size``-character pieces (JSON)."""
    if not text:
        return []
    if size:
        return [text[i : i + size] for i in range(0, len(text), size)]
    return _PIECE.findall(text)


@contextlib.contextmanager
def patch_http(route: Route) -> Iterator[None]:
    """Patch the default transports of ``httpx2`` and of ``httpx`` (each when installed) for ``route``."""
    with contextlib.ExitStack() as stack:
        from ._transports import for_library

        for library in ("httpx2", "httpx"):
            if importlib.util.find_spec(library) is not None:
                stack.enter_context(for_library(library).patch_transports(route))
        yield
