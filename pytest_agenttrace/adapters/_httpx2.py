"""Replay transports for ``httpx2`` (what openai 3.x and anthropic 2.x are built on).

Imported only when an adapter is used, never by the core. ``_httpx1`` is the same code for the classic
``httpx`` (openai 1.x, and clients an app builds with ``httpx.Client``): change both together.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx2

from ._http import Reply, Route

__all__ = ["ReplayTransport", "patch_transports"]


class _Body(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A response body sent in its pieces, so a stream reaches the SDK event by event, sync or async."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


def _response(reply: Reply, request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(reply.status, headers=reply.headers, stream=_Body(reply.chunks), request=request)


def _answer(route: Route, request: httpx2.Request, body: bytes) -> httpx2.Response:
    return _response(route.handle(request.method, str(request.url), body), request)


class ReplayTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Answers every request from the replay: give it to a client as ``transport=`` (sync or async)."""

    def __init__(self, route: Route) -> None:
        self.route = route

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        return _answer(self.route, request, request.read())

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return _answer(self.route, request, await request.aread())


@contextlib.contextmanager
def patch_transports(route: Route) -> Iterator[None]:
    """Route the requests ``route`` claims, sent through *any* client's default transport, to the replay.

    Patching the transport classes (not the SDK's client constructor) also reaches clients created
    before the replay started (a module-level ``client = OpenAI()``) and clients given a custom
    ``http_client``. Requests the route does not claim go on as before.
    """
    sync_original: Callable[..., Any] = httpx2.HTTPTransport.handle_request
    async_original: Callable[..., Any] = httpx2.AsyncHTTPTransport.handle_async_request

    def handle_request(self: httpx2.HTTPTransport, request: httpx2.Request) -> httpx2.Response:
        if route.claims(request.method, str(request.url)):
            return _answer(route, request, request.read())
        return sync_original(self, request)  # type: ignore[no-any-return]

    async def handle_async_request(
        self: httpx2.AsyncHTTPTransport, request: httpx2.Request
    ) -> httpx2.Response:
        if route.claims(request.method, str(request.url)):
            return _answer(route, request, await request.aread())
        return await async_original(self, request)  # type: ignore[no-any-return]

    httpx2.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign]
    httpx2.AsyncHTTPTransport.handle_async_request = handle_async_request  # type: ignore[method-assign]
    try:
        yield
    finally:
        httpx2.HTTPTransport.handle_request = sync_original  # type: ignore[method-assign]
        httpx2.AsyncHTTPTransport.handle_async_request = async_original  # type: ignore[method-assign]
