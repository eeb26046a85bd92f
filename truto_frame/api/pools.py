"""Requests spread over a few small httpx pools, bound to the running event loop.

httpcore's connection pool does O(connections²) work per request: at a concurrency of 32 on
one pool that was a third of the client's CPU. A handful of pools of :data:`SHARD`
connections each, every request borrowing the least busy one, keeps that cost flat. Pools are
made lazily inside the running loop, and made again when the loop changes: connections
belong to the loop that opened them, and ``run_sync`` may run each call on a private loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
from collections.abc import Callable, Iterator
from typing import Final

import httpx

__all__ = ["SHARD", "PoolSet", "new_pool", "shared_ssl_context"]

SHARD: Final = 8
"""Connections per httpx pool."""


@functools.lru_cache(maxsize=1)
def shared_ssl_context() -> ssl.SSLContext:
    """The SSL context every pool shares (loading the CA bundle takes ~80 ms).

    Returns
    -------
    ssl.SSLContext
    """
    return httpx.create_ssl_context()


class PoolSet:
    """A few httpx clients on the running loop; each request borrows the least busy one.

    Parameters
    ----------
    make : callable
        Makes one ``httpx.AsyncClient`` (called inside the running loop).
    count : int
        How many clients: ``ceil(max_connections / SHARD)`` over the network, 1 for a given
        transport (ASGI, mock), which has no pool to shard.
    """

    def __init__(self, make: Callable[[], httpx.AsyncClient], count: int) -> None:
        if count < 1:
            raise ValueError(f"count must be at least 1, not {count}")
        self._make = make
        self._count = count
        self.clients: list[httpx.AsyncClient] = []
        self.busy: list[int] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def _ready(self) -> None:
        loop = asyncio.get_running_loop()
        if not self.clients or loop is not self._loop:
            self._loop = loop
            self.clients = [self._make() for _ in range(self._count)]
            self.busy = [0] * self._count

    @contextlib.contextmanager
    def borrow(self) -> Iterator[httpx.AsyncClient]:
        """Lend the least busy client for one request (inside the running loop).

        Yields
        ------
        httpx.AsyncClient
        """
        self._ready()
        busy = self.busy
        index = busy.index(min(busy)) if len(busy) > 1 else 0
        busy[index] += 1
        try:
            yield self.clients[index]
        finally:
            # A loop change may have replaced the list meanwhile; only count down our own.
            if busy is self.busy:
                busy[index] -= 1

    async def aclose(self) -> None:
        """Close every client (new ones are made if the set is used again)."""
        clients, self.clients, self.busy = self.clients, [], []
        for client in clients:
            await client.aclose()


def new_pool(
    base_url: str,
    headers: httpx.Headers,
    transport: httpx.AsyncBaseTransport | None,
    timeout: float,
    connect_timeout: float,
    max_connections: int,
) -> httpx.AsyncClient:
    """One pool: an ``httpx.AsyncClient`` with keep-alive, the shared SSL context, no redirects.

    Parameters
    ----------
    base_url : str
        Where requests go.
    headers : httpx.Headers
        Headers of every request.
    transport : httpx.AsyncBaseTransport or None
        A transport to send through instead of the network.
    timeout, connect_timeout : float
        Seconds to wait for an answer, and for a connection.
    max_connections : int
        Connections kept alive.

    Returns
    -------
    httpx.AsyncClient
        The pool.
    """
    return httpx.AsyncClient(
        verify=shared_ssl_context(),
        base_url=base_url,
        headers=headers,
        transport=transport,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        follow_redirects=False,
    )
