"""The async HTTP client of the Unified Calendar API, paced and retried.

:class:`TrutoClient` sends through ``httpx`` with keep-alive, or through any ``transport=`` (the
sandbox app in process, ``httpx.MockTransport`` in tests); :mod:`truto_frame.api.pacing` paces
every request, :mod:`truto_frame.api.retry` decides its retries and
:mod:`truto_frame.api.endpoints` says what each request holds. ``update_event`` and
``get_event`` return a :class:`~truto_frame.api.outcome.CallResult` and never raise for an error
answer, so that a bad row lands in its row of the results; ``list_events`` and
``get_integrated_account`` raise :class:`~truto_frame.errors.APIError` subclasses, as a partial
read is of no use. The token is held in an :class:`~truto_frame.api.auth.Secret` (hidden from
``repr`` and ``vars``) and put only into the ``Authorization`` header of each request (masked in
httpx reprs); an echo of it in an answer or a log record is redacted.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from ..errors import APIStatusError, ConfigurationError
from .auth import DEFAULT_BASE_URL, Secret, guard_logs, redact, resolve_base_url, resolve_token
from .budgets import RateLimits
from .endpoints import (
    EVENTS_PATH,
    account_path,
    event_path,
    json_body,
    page_of_events,
    parse_body,
    raise_for,
    request_headers,
)
from .idempotency import canonical_json, idempotency_key_for, new_run_nonce
from .options import RequestOptions, encode_query
from .outcome import CallResult, describe_error, describe_no_answer, request_id_note
from .pacing import Pacer
from .pools import SHARD, PoolSet, new_pool
from .retry import Action, RetryPolicy, backoff_delay, classify_response

__all__ = [
    "DEFAULT_BASE_URL",
    "CallResult",
    "TrutoClient",
    "canonical_json",
    "idempotency_key_for",
    "resolve_base_url",
    "resolve_token",
]

_log = logging.getLogger(__name__)


class TrutoClient:
    """Async client of the Unified Calendar API, with pacing and retries.

    Parameters
    ----------
    token : str or Secret, optional
        The API token; default: env ``TRUTO_API_TOKEN``.
    base_url : str, optional
        Default: env ``TRUTO_API_BASE_URL``, else ``https://api.truto.one``.
    transport : httpx.AsyncBaseTransport, optional
        E.g. ``httpx.ASGITransport(app=create_app())`` or ``httpx.MockTransport(handler)``.
    timeout : float
        Seconds per request to wait for the answer (read, write and pool each).
    connect_timeout : float
        Seconds to wait for a connection (capped at ``timeout``): short, so that an
        unreachable host is known at once, whatever the read timeout.
    retry : RetryPolicy, optional
        Attempts and backoff.
    limits : RateLimits, optional
        Pacing budgets; Truto's documented ones by default.
    clock, sleep : callable, optional
        Monotonic clock and async sleep, injectable for tests (inject both: the pacer waits
        with ``sleep`` for times read on ``clock``).
    max_connections : int
        Connections kept alive per pool. Without a ``transport``, requests spread over
        ``ceil(max_connections / 8)`` pools, each taking the least busy (httpcore's pool costs
        O(connections²) per request), so any concurrency up to this many times 8 never queues.
    rng : random.Random, optional
        Source of backoff jitter.

    Attributes
    ----------
    base_url : str
        Where requests go.
    retry : RetryPolicy
        Attempts and backoff.
    pacer : Pacer
        The budgets every request waits on.
    pools : PoolSet
        The ``httpx`` clients requests are spread over (one when a ``transport`` is given).

    Raises
    ------
    ConfigurationError
        When there is no token or the base URL is unusable.

    Examples
    --------
    >>> async def main(transport):
    ...     async with TrutoClient("sandbox-token", transport=transport) as client:
    ...         return await client.update_event("ev1", "acc1", {"title": "Hi"})
    """

    def __init__(
        self,
        token: str | Secret | None = None,
        base_url: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        retry: RetryPolicy | None = None,
        limits: RateLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        max_connections: int = 64,
        rng: random.Random | None = None,
    ) -> None:
        self._token = resolve_token(token)  # a Secret: hidden even from vars(client)
        guard_logs(self._token)
        self.base_url = resolve_base_url(base_url)
        self.retry = retry if retry is not None else RetryPolicy()
        self.pacer = Pacer(limits, clock=clock, sleep=sleep)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._transport = transport
        self._timeout = timeout
        self._connect_timeout = min(connect_timeout, timeout)
        self._max_connections = max_connections
        # A given transport (ASGI, mock) has no pool to shard: one client (see pools.py).
        count = 1 if transport is not None else -(-max_connections // SHARD)
        self.pools = PoolSet(self._new_http, count)

    def __repr__(self) -> str:
        return f"TrutoClient(base_url={self.base_url!r}, token=<hidden>)"

    async def __aenter__(self) -> TrutoClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections (the client opens new ones if used again)."""
        await self.pools.aclose()

    def _new_http(self) -> httpx.AsyncClient:
        sizes = (self._timeout, self._connect_timeout, self._max_connections)
        return new_pool(self.base_url, request_headers(self._token), self._transport, *sizes)

    async def _request(
        self,
        method: str,
        path: str,
        account: str,
        params: list[tuple[str, str]],
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        on_retry: Callable[[CallResult], None] | None = None,
        on_send: Callable[[int], None] | None = None,
    ) -> CallResult:
        # One absolute URL, encoded once: httpx then parses it once instead of merging a base
        # URL and params on every attempt (a measurable share of per-request CPU).
        url = self.base_url + path + ("?" + urlencode(params, quote_via=quote) if params else "")
        # Complete headers, merged once; each attempt sends a ready Request (client.send skips
        # build_request's merging, a third of httpx's per-request cost).
        all_headers = request_headers(self._token, headers)
        policy = self.retry
        attempts = 0
        while True:
            await self.pacer.acquire(account)
            attempts += 1
            if on_send is not None:
                on_send(attempts)
            try:
                with self.pools.borrow() as http:
                    request = httpx.Request(method, url, content=content, headers=all_headers)
                    response = await http.send(request)
                    body = parse_body(response, self._token)
            except httpx.TransportError as exc:
                self.pacer.observe(account)
                no_answer, kind = describe_no_answer(
                    exc, self.base_url, self._timeout, self._connect_timeout
                )
                error = f"{kind}: {type(exc).__name__}" + (
                    f": {redact(str(exc), self._token)}" if str(exc) else ""
                )
                failure = CallResult(False, None, None, error, attempts, "failed", no_answer)
                if attempts >= policy.max_attempts:
                    return failure
                delay = backoff_delay(attempts, policy, self._rng)
            except BaseException:  # cancelled, or a bug: keep the pacer's count right
                self.pacer.observe(account)
                raise
            else:
                status = response.status_code
                decision = classify_response(status, body, response.headers)
                # A provider's rate-limit 403 slows the account down exactly as a 429 does.
                seen = 429 if decision.throttled else status
                self.pacer.observe(account, seen, response.headers, decision.wait)
                if decision.action is Action.OK:
                    return CallResult(True, status, body, None, attempts, "ok")
                error = describe_error(status, body) + request_id_note(response.headers)
                if decision.action is Action.BLOCKED:
                    error += " (integrated account blocked; not retried)"
                    return CallResult(False, status, body, error, attempts, "account_blocked")
                if decision.action is Action.GIVE_UP or attempts >= policy.max_attempts:
                    if attempts > 1:
                        error += f" (after {attempts} attempts)"
                    return CallResult(False, status, body, error, attempts, "failed")
                if decision.wait is not None and decision.wait > policy.max_server_wait:
                    error += f" (server asked to wait {decision.wait:.0f} s; gave up)"
                    return CallResult(False, status, body, error, attempts, "failed")
                delay = (
                    decision.wait
                    if decision.wait is not None
                    else backoff_delay(attempts, policy, self._rng)
                )
                failure = CallResult(False, status, body, error, attempts, "failed")
            if _log.isEnabledFor(logging.DEBUG):
                _log.debug("retrying %s %s in %.2f s: %s", method, path, delay, error)
            if on_retry is not None:
                on_retry(failure)
            await self._sleep(delay)

    async def update_event(
        self,
        event_id: str,
        integrated_account_id: str,
        payload: Mapping[str, Any],
        options: RequestOptions | None = None,
        idempotency_key: str | None = None,
        *,
        on_retry: Callable[[CallResult], None] | None = None,
        on_send: Callable[[int], None] | None = None,
    ) -> CallResult:
        """PATCH one event; retried and paced. Never raises for an error answer.

        Parameters
        ----------
        event_id : str
            The event id, sent as one percent-encoded path segment (``/``, ``+``, ``=`` too).
        integrated_account_id : str
            The account the event belongs to.
        payload : mapping
            The JSON body.
        options : RequestOptions, optional
            Query options.
        idempotency_key : str, optional
            Sent as ``Idempotency-Key`` on every attempt of this call; default
            :func:`idempotency_key_for` of the id and payload with a fresh nonce, so each
            call is its own operation for the server.
        on_retry : callable, optional
            Called as ``on_retry(failure)`` with the failed attempt's result before each retry
            wait; raising (e.g. ``asyncio.CancelledError``) ends the call there.
        on_send : callable, optional
            Called as ``on_send(attempt)`` right before each request goes on the wire.

        Returns
        -------
        CallResult
            The outcome after the last attempt.
        """
        try:
            path = event_path(event_id)
            params = encode_query(integrated_account_id, options)
            content = json_body(payload)
        except ConfigurationError as exc:
            return CallResult(False, None, None, str(exc), 0, "failed")
        except (TypeError, ValueError) as exc:
            return CallResult(False, None, None, f"payload is not valid JSON: {exc}", 0, "failed")
        key = idempotency_key or idempotency_key_for(event_id, payload, new_run_nonce())
        return await self._request(
            "PATCH",
            path,
            integrated_account_id,
            params,
            content=content,
            headers={"Content-Type": "application/json", "Idempotency-Key": key},
            on_retry=on_retry,
            on_send=on_send,
        )

    async def get_event(
        self,
        event_id: str,
        integrated_account_id: str,
        calendar_id: str | None = None,
        options: RequestOptions | None = None,
    ) -> CallResult:
        """GET one event; retried and paced. Never raises for an error answer.

        Parameters
        ----------
        event_id : str
            The event id.
        integrated_account_id : str
            The account.
        calendar_id : str, optional
            Sent as ``calendar[id]`` (Truto needs it for most providers).
        options : RequestOptions, optional
            Query options.

        Returns
        -------
        CallResult
            The event in ``body`` when ``ok``.
        """
        params = encode_query(integrated_account_id, options, {"calendar[id]": calendar_id})
        return await self._request("GET", event_path(event_id), integrated_account_id, params)

    async def list_events(
        self,
        integrated_account_id: str,
        *,
        start_time: str | None = None,
        end_time: str | None = None,
        calendar_id: str | None = None,
        options: RequestOptions | None = None,
        extra: Mapping[str, str | bool | int | float | None] | None = None,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """List events, one page at a time, following ``next_cursor`` to the end.

        Parameters
        ----------
        integrated_account_id : str
            The account.
        start_time, end_time : str, optional
            ISO 8601 bounds; pass both, Truto's default window is only the current month.
        calendar_id : str, optional
            Sent as ``calendar[id]``.
        options : RequestOptions, optional
            Query options.
        extra : mapping, optional
            Further query parameters (e.g. ``limit``).

        Yields
        ------
        list of dict
            The ``result`` list of each page.

        Raises
        ------
        APIStatusError, APIConnectionError
            When a page cannot be read after retries.
        """
        base: dict[str, Any] = {"start_time": start_time, "end_time": end_time}
        base.update({"calendar[id]": calendar_id, **(extra or {})})
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            params = encode_query(integrated_account_id, options, dict(base, next_cursor=cursor))
            result = await self._request("GET", EVENTS_PATH, integrated_account_id, params)
            events, cursor = page_of_events(result, seen)
            yield events
            if cursor is None:
                return

    async def get_integrated_account(
        self,
        integrated_account_id: str,
        *,
        on_retry: Callable[[CallResult], None] | None = None,
    ) -> dict[str, Any]:
        """The integrated account record (``GET /integrated-account/{id}``), paced and retried.

        Parameters
        ----------
        integrated_account_id : str
            The account id.
        on_retry : callable, optional
            Called as ``on_retry(failure)`` before each retry wait; raising ends the call.

        Returns
        -------
        dict
            The account, e.g. with ``integration.name`` telling its provider.

        Raises
        ------
        APIStatusError, APIConnectionError
            When it cannot be read after retries.
        """
        path = account_path(integrated_account_id)
        # Paced apart from the account's calendar calls (Truto's own API; the token counts it).
        key = f"{integrated_account_id} (account record)"
        result = await self._request("GET", path, key, [], on_retry=on_retry)
        body = raise_for(result)
        if not isinstance(body, dict):
            raise APIStatusError(result.http_status or 0, body, "unexpected account response")
        return body
