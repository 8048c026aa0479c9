"""Replay transports for the two HTTP libraries the SDKs are built on: ``httpx2`` (openai 3.x,
anthropic 2.x) and the classic ``httpx`` (openai 1.x, and clients an app builds with ``httpx.Client``).

The two libraries share one API, so one piece of code serves both: :func:`for_library` builds the classes
against whichever module is asked for, once. Imported only when an adapter is used, never by the core.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from ._http import Reply, Route

__all__ = ["Library", "Transports", "for_library"]

Library = Literal["httpx", "httpx2"]


@dataclass(frozen=True)
class Transports:
    """What an adapter needs from one HTTP library."""

    #: ``ReplayTransport(route)``: give it to a client as ``transport=`` (sync or async).
    replay_transport: Callable[[Route], Any]
    #: ``patch_transports(route)``: a context in which every client's default transport asks ``route`` first.
    patch_transports: Callable[[Route], contextlib.AbstractContextManager[None]]


@functools.cache
def for_library(name: Library) -> Transports:
    """The replay transport and the transport patch, built against ``httpx`` or ``httpx2``."""
    lib: Any = importlib.import_module(name)

    class _Body(lib.SyncByteStream, lib.AsyncByteStream):  # type: ignore[misc]
        """A response body sent in its pieces, so a stream reaches the SDK event by event."""

        def __init__(self, chunks: list[bytes]) -> None:
            self._chunks = chunks

        def __iter__(self) -> Iterator[bytes]:
            yield from self._chunks

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for chunk in self._chunks:
                yield chunk

    def answer(route: Route, request: Any, body: bytes) -> Any:
        reply: Reply = route.handle(request.method, str(request.url), body)
        return lib.Response(reply.status, headers=reply.headers, stream=_Body(reply.chunks), request=request)

    class ReplayTransport(lib.BaseTransport, lib.AsyncBaseTransport):  # type: ignore[misc]
        """Answers every request from the replay."""

        def __init__(self, route: Route) -> None:
            self.route = route

        def handle_request(self, request: Any) -> Any:
            return answer(self.route, request, request.read())

        async def handle_async_request(self, request: Any) -> Any:
            return answer(self.route, request, await request.aread())

    @contextlib.contextmanager
    def patch_transports(route: Route) -> Iterator[None]:
        """Route the requests ``route`` claims, sent through *any* client's default transport, to the replay.

        Patching the transport classes (not the SDK's client constructor) also reaches clients created
        before the replay started (a module-level ``client = OpenAI()``) and clients given a custom
        ``http_client``. Requests the route does not claim go on as before.
        """
        sync_original: Callable[..., Any] = lib.HTTPTransport.handle_request
        async_original: Callable[..., Any] = lib.AsyncHTTPTransport.handle_async_request

        def handle_request(self: Any, request: Any) -> Any:
            if route.claims(request.method, str(request.url)):
                return answer(route, request, request.read())
            return sync_original(self, request)

        async def handle_async_request(self: Any, request: Any) -> Any:
            if route.claims(request.method, str(request.url)):
                return answer(route, request, await request.aread())
            return await async_original(self, request)

        lib.HTTPTransport.handle_request = handle_request
        lib.AsyncHTTPTransport.handle_async_request = handle_async_request
        try:
            yield
        finally:
            lib.HTTPTransport.handle_request = sync_original
            lib.AsyncHTTPTransport.handle_async_request = async_original

    return Transports(replay_transport=ReplayTransport, patch_transports=patch_transports)
