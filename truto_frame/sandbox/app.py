"""The sandbox's routes: auth, accounts, query options, error shapes, formats, faults.

Routes::

    GET   /integrated-account/{id}
    GET   /unified/calendar/events                 list, {"result": [...], "next_cursor": ...}
    GET   /unified/calendar/events/{id}            needs calendar[id]
    PATCH /unified/calendar/events/{id}            the update
    GET   /_sandbox/stats, POST /_sandbox/faults, POST /_sandbox/reset   (admin, same token)
    POST  /_sandbox/events/{account}/{id}      change an event behind the client's back

Each unified request goes through, in order: auth (401), integrated account (400 missing, 404
unknown), rate limits (429 with ``Retry-After``), blocked account (Truto's own 503), sandbox
account (405 on writes), account that needs re-authorization (the provider's 401), query options
and body validation (400), then latency and faults, then the provider's work (404 unknown event,
the update). A fault before the update leaves the store untouched; ``drop_after`` stores the update
and then drops the connection.

The event id is taken from the raw path and percent-decoded from exactly one segment, so ids
with ``/``, ``+`` and ``=`` work when the client encodes them (an unencoded ``/`` is a 404).

A dropped connection sends the response head and then raises :class:`ConnectionDropped`
(an ``httpx.RemoteProtocolError``): in process, ``httpx.ASGITransport`` re-raises it, so the
client sees a transport error; over uvicorn, the server closes the socket mid-response.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from calendar import monthrange
from datetime import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .admin import admin, edit_event, integrated_account
from .config import SandboxConfig
from .core import RecordedRequest, Sandbox, StoredAnswer
from .query import nested_query
from .remote import is_google_family
from .responses import (
    ConnectionDropped,
    DroppedResponse,
    QueryOptions,
    Reply,
    check_auth,
    provider_rate_limit,
    remote_error,
    sandbox_of,
    truto_error,
)
from .store import StoreError, insight, parse_time

__all__ = ["ConnectionDropped", "create_app"]

_EVENTS_PREFIX = "/unified/calendar/events/"
_FAULT_MESSAGES = {
    500: "Internal server error",
    502: "Bad gateway: the integration could not be reached",
    504: "Gateway timeout: the integration did not answer in time",
}


async def _record(request: Request, event_id: str | None) -> RecordedRequest:
    raw = await request.body()
    body: Any = None
    if raw:
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
    query = list(request.query_params.multi_items())
    remote_query = nested_query(query, "remote_query")
    headers = {k: v for k, v in request.headers.items() if k != "authorization"}
    record = RecordedRequest(
        method=request.method,
        path=request.scope.get("raw_path", b"").split(b"?")[0].decode("latin-1")
        or request.url.path,
        event_id=event_id,
        account_id=request.query_params.get("integrated_account_id"),
        query=query,
        body=body,
        headers=headers,
        idempotency_key=request.headers.get("idempotency-key"),
        remote_query=remote_query,
    )
    sandbox_of(request).requests.append(record)
    return record


def _admit(sandbox: Sandbox, request: Request, record: RecordedRequest) -> dict[str, str]:
    """Auth, account, rate limits, account state; returns the rate-limit headers."""
    check_auth(sandbox, request)
    account = record.account_id
    if not account:
        raise Reply(truto_error(400, "integrated_account_id is required in the query"))
    if account not in sandbox.config.accounts:
        raise Reply(truto_error(404, "Integrated account not found"))
    sandbox.count(account, "requests")
    decision = sandbox.check_rate(account)
    headers = decision.headers() if decision else {}
    if decision is not None and not decision.allowed:
        sandbox.count(account, "rate_limited")
        headers["retry-after"] = str(max(math.ceil(decision.reset), 1))
        raise Reply(truto_error(429, "Rate limit exceeded. Retry later.", headers=headers))
    if account in sandbox.config.blocked_accounts:
        message = "The integrated account is blocked"
        raise Reply(truto_error(503, message, headers=headers))
    if request.method != "GET" and account in sandbox.config.read_only_accounts:
        message = "Write operations are not allowed on sandbox integrated accounts"
        raise Reply(truto_error(405, message, headers=headers))
    if account in sandbox.config.needs_reauth_accounts:
        # The provider refuses the stored credentials; Truto forwards its 401 until the end
        # user reconnects the account.
        response = remote_error(sandbox, account, 401, "Invalid Credentials")
        response.headers.update(headers)
        raise Reply(response)
    return headers


async def _fault(sandbox: Sandbox, record: RecordedRequest, headers: dict[str, str]) -> str | None:
    """Wait the latency, then answer with an injected fault or return ``drop_after``/None."""
    account = record.account_id or ""
    decision = sandbox.faults.decide(account, record.method, record.path)
    if decision.delay > 0:
        await sandbox.config.sleep(decision.delay)
    kind = decision.kind
    if kind is None:
        return None
    if kind == "drop_after" and record.method != "PATCH":
        kind = "drop"
    record.fault = kind
    sandbox.count(account, "faults")
    if kind == "drop_after":
        return kind
    if kind == "drop":
        raise Reply(DroppedResponse())
    if kind == "remote_503":
        response = remote_error(sandbox, account, 503, "The service is currently unavailable.")
        response.headers.update(headers)
        raise Reply(response)
    if kind == "remote_429":
        response = remote_error(sandbox, account, 429, "Rate Limit Exceeded")
        # Graph says when to come back; Google Calendar never sends Retry-After.
        google = is_google_family(sandbox.store.integration(account))
        response.headers.update(headers if google else {**headers, "retry-after": "1"})
        raise Reply(response)
    if kind == "remote_403_rate_limit":
        raise Reply(provider_rate_limit(sandbox, account, headers))
    status = int(kind.removeprefix("error_"))
    raise Reply(truto_error(status, _FAULT_MESSAGES[status], headers=headers))


def _event_id(request: Request) -> str:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    segment = raw.split(b"?")[0].decode("latin-1")[len(_EVENTS_PREFIX) :]
    if not segment or "/" in segment:
        raise Reply(truto_error(404, "Not Found"))
    return unquote(segment)


async def _handle(request: Request, event_id: str | None) -> Response:
    sandbox = sandbox_of(request)
    record = await _record(request, event_id)
    rate_headers: dict[str, str] = {}
    try:
        response = await _unified(sandbox, request, record, rate_headers)
    except Reply as reply:
        response = reply.response
    except StoreError as exc:
        account = record.account_id or ""
        if exc.remote:
            response = remote_error(sandbox, account, exc.status, exc.message)
        else:
            response = truto_error(exc.status, exc.message, insight=exc.insight)
    if not isinstance(response, DroppedResponse):
        # Every answer after the rate-limit check carries the rate-limit headers.
        for name, value in rate_headers.items():
            response.headers.setdefault(name, value)
        record.status = response.status_code
    return response


async def _unified(
    sandbox: Sandbox, request: Request, record: RecordedRequest, rate_headers: dict[str, str]
) -> Response:
    headers = _admit(sandbox, request, record)
    rate_headers.update(headers)
    account = record.account_id or ""
    options = QueryOptions(request)
    if record.method == "PATCH":
        return await _patch(sandbox, record, options, headers)
    if record.event_id is None:
        return await _list(sandbox, request, record, options, headers)
    calendar_id = request.query_params.get("calendar[id]")
    if not calendar_id:
        missing = insight("missing_required_query_parameters", ["calendar.id"])
        return truto_error(400, "calendar[id] is required in the query", insight=missing)
    await _fault(sandbox, record, headers)
    stored = sandbox.store.find(account, record.event_id, calendar_id)
    if options.format == "raw":
        return options.respond(sandbox.store.render_raw(account, stored), headers)
    return options.respond(options.shape(sandbox.store.render(account, stored)), headers)


async def _patch(
    sandbox: Sandbox, record: RecordedRequest, options: QueryOptions, headers: dict[str, str]
) -> Response:
    account = record.account_id or ""
    if isinstance(record.body, str) or record.body is None:
        return truto_error(400, "The request body must be a JSON object")
    payload = sandbox.store.validate(account, record.body)
    after = await _fault(sandbox, record, headers)
    key = record.idempotency_key
    fingerprint = sandbox.fingerprint(record.event_id or "", record.query, record.body)
    if key:
        seen = sandbox.remembered(account, key)
        if seen is not None and seen.fingerprint != fingerprint:
            message = "Idempotency-Key was already used with a different request"
            return truto_error(422, message, headers=headers)
        if seen is not None:
            sandbox.count(account, "replayed")
            replay = {**headers, "idempotent-replayed": "true"}
            return Response(seen.body, seen.status, headers=replay, media_type=seen.media_type)
    stored = sandbox.store.apply(account, record.event_id or "", payload)
    sandbox.count(account, "updated")
    if options.format == "raw":
        body: Any = sandbox.store.render_raw(account, stored)
    else:
        body = options.shape(sandbox.store.render(account, stored))
    if key:
        answer = StoredAnswer(fingerprint, 200, json.dumps(body).encode(), "application/json")
        sandbox.remember(account, key, answer)
    if after == "drop_after":
        return DroppedResponse()
    return options.respond(body, headers)


def _cursor(offset: int, start: datetime, end: datetime, calendar_id: str | None) -> str:
    text = json.dumps({"o": offset, "s": start.isoformat(), "e": end.isoformat(), "c": calendar_id})
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _window(sandbox: Sandbox, request: Request) -> tuple[int, datetime, datetime, str | None]:
    params = request.query_params
    cursor = params.get("next_cursor")
    if cursor:
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            start, end = parse_time(data["s"]), parse_time(data["e"])
            return int(data["o"]), start, end, data["c"]
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise Reply(truto_error(400, "next_cursor is not valid")) from None
    now = sandbox.config.now()
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last = first.replace(day=monthrange(first.year, first.month)[1])
    try:
        start = parse_time(params["start_time"]) if "start_time" in params else first
        end = (
            parse_time(params["end_time"])
            if "end_time" in params
            else last.replace(hour=23, minute=59, second=59)
        )
    except ValueError:
        raise Reply(
            truto_error(400, "start_time and end_time must be ISO 8601 date-times")
        ) from None
    # Truto documents the filter as the object `calendar[id]`; `calendar_id` kept for old callers.
    return 0, start, end, params.get("calendar[id]") or params.get("calendar_id")


async def _list(
    sandbox: Sandbox,
    request: Request,
    record: RecordedRequest,
    options: QueryOptions,
    headers: dict[str, str],
) -> Response:
    account = record.account_id or ""
    try:
        limit = int(request.query_params.get("limit", sandbox.config.page_size))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 1000:
        return truto_error(400, "limit must be an integer from 1 to 1000")
    offset, start, end, calendar_id = _window(sandbox, request)
    await _fault(sandbox, record, headers)
    found = sandbox.store.in_window(account, start, end, calendar_id)
    page = found[offset : offset + limit]
    more = offset + limit < len(found)
    cursor = _cursor(offset + limit, start, end, calendar_id) if more else None
    if options.format == "raw":
        items = [sandbox.store.render_raw(account, s) for s in page]
        if is_google_family(sandbox.store.integration(account)):
            raw: dict[str, Any] = {"kind": "calendar#events", "items": items}
            raw["nextPageToken"] = cursor
        else:
            raw = {"value": items, "@odata.nextLink": cursor}
        return options.respond(raw, headers)
    result = [options.shape(sandbox.store.render(account, s)) for s in page]
    return options.respond({"result": result, "next_cursor": cursor}, headers)


async def _events(request: Request) -> Response:
    return await _handle(request, None)


async def _event(request: Request) -> Response:
    try:
        event_id = _event_id(request)
    except Reply as reply:
        record = await _record(request, None)
        record.status = reply.response.status_code
        return reply.response
    return await _handle(request, event_id)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return truto_error(status, HTTPStatus(status).phrase)


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """Build the sandbox ASGI app.

    Parameters
    ----------
    config : SandboxConfig, optional
        Settings; defaults to the seeded accounts, token ``"sandbox-token"``, Truto's limits and
        no faults.

    Returns
    -------
    starlette.applications.Starlette
        The app; ``app.state.sandbox`` is its :class:`~truto_frame.sandbox.core.Sandbox`.
    """
    routes = [
        Route("/integrated-account/{account_id}", integrated_account, methods=["GET"]),
        Route("/unified/calendar/events", _events, methods=["GET"]),
        Route("/unified/calendar/events/{rest:path}", _event, methods=["GET", "PATCH"]),
        Route("/_sandbox/{action}", admin, methods=["GET", "POST"]),
        Route("/_sandbox/events/{account_id}/{event_id:path}", edit_event, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.sandbox = Sandbox(config)
    return app
