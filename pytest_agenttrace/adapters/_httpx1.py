"""Replay transports for the classic ``httpx`` (openai 1.x, clients built with ``httpx.Client``).

Imported only when an adapter is used, never by the core. The same code as ``_httpx2.py`` with the
other library: change both together.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx

from ._http import Reply, Route

__all__ = ["ReplayTransport", "patch_transports"]


class _Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body sent in its pieces, so a stream reaches the SDK event by event, sync or async."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


def _response(reply: Reply, request: httpx.Request) -> httpx.Response:
    return httpx.Response(reply.status, headers=reply.headers, stream=_Body(reply.chunks), request=request)


def _answer(route: Route, request: httpx.Request, body: bytes) -> httpx.Response:
    return _response(route.handle(request.method, str(request.url), body), request)


class ReplayTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers every request from the replay: give it to a client as ``transport=`` (sync or async)."""

    def __init__(self, route: Route) -> None:
        self.route = route

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _answer(self.route, request, request.read())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return _answer(self.route, request, await request.aread())


@contextlib.contextmanager
def patch_transports(route: Route) -> Iterator[None]:
    """Route the requests ``route`` claims, sent through *any* client's default transport, to the replay.

    Patching the transport classes (not the SDK's client constructor) also reaches clients created
    before the replay started (a module-level ``client = OpenAI()``) and clients given a custom
    ``http_client``. Requests the route does not claim go on as before.
    """
    sync_original: Callable[..., Any] = httpx.HTTPTransport.handle_request
    async_original: Callable[..., Any] = httpx.AsyncHTTPTransport.handle_async_request

    def handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        if route.claims(request.method, str(request.url)):
            return _answer(route, request, request.read())
        return sync_original(self, request)  # type: ignore[no-any-return]

    async def handle_async_request(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        if route.claims(request.method, str(request.url)):
            return _answer(route, request, await request.aread())
        return await async_original(self, request)  # type: ignore[no-any-return]

    httpx.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign]
    httpx.AsyncHTTPTransport.handle_async_request = handle_async_request  # type: ignore[method-assign]
    try:
        yield
    finally:
        httpx.HTTPTransport.handle_request = sync_original  # type: ignore[method-assign]
        httpx.AsyncHTTPTransport.handle_async_request = async_original  # type: ignore[method-assign]
