"""Answers of the sandbox: Truto's error shape, query options, formats, dropped connections."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from .core import Sandbox
from .remote import is_google_family, provider_error, provider_headers

__all__ = [
    "ConnectionDropped",
    "DroppedResponse",
    "QueryOptions",
    "Reply",
    "check_auth",
    "exclude_fields",
    "provider_rate_limit",
    "remote_error",
    "sandbox_of",
    "truto_error",
]

_FORMATS = {"unified", "raw", "normalized", "stream"}
_NOTIFICATIONS = {"all", "external_only", "none"}


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised by the sandbox to drop a connection mid-response (an injected fault).

    It is an ``httpx.RemoteProtocolError``: in process, ``httpx.ASGITransport`` re-raises it and
    the client sees the same transport error as when a real server hangs up.
    """


class DroppedResponse(Response):
    """A response that sends its head, then drops the connection.

    Starting the response first stops Starlette from answering 500 in its place; over uvicorn
    the exception makes the server close the socket mid-response.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the head, then raise :class:`ConnectionDropped`."""
        head = [(b"content-type", b"application/json"), (b"content-length", b"1024")]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        raise ConnectionDropped("the sandbox dropped the connection (injected fault)")


class Reply(Exception):
    """Raised inside a handler to stop and answer with ``response``."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def truto_error(
    status: int,
    message: str,
    *,
    insight: dict[str, Any] | None = None,
    raw: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build Truto's error answer ``{"statusCode", "error", "message", ...}``.

    Parameters
    ----------
    status : int
        HTTP status.
    message : str
        Human-readable message (never containing the token).
    insight : dict, optional
        ``truto_error_insight``, e.g. ``{"missing_required_body_fields": {"description": ...,
        "value": [...]}}`` (see ``store.insight``).
    raw : Any, optional
        The provider's body; makes it a remote error (``truto_is_remote_error: true``).
    headers : dict, optional
        Extra headers (rate limits, the provider's headers).
    """
    body: dict[str, Any] = {
        "statusCode": status,
        "error": HTTPStatus(status).phrase,
        "message": message,
    }
    if raw is not None:
        body["truto_is_remote_error"] = True
        body["raw_response"] = raw
    if insight:
        body["truto_error_insight"] = insight
    return JSONResponse(body, status_code=status, headers=headers)


def remote_error(
    sandbox: Sandbox, account: str, status: int, message: str, reason: str | None = None
) -> JSONResponse:
    """Build the error Truto forwards from the account's provider, with its headers.

    ``reason`` overrides the provider's reason (Google's ``errors[].reason``).
    """
    integration = sandbox.store.integration(account)
    headers = provider_headers(integration, len(sandbox.requests))
    raw = provider_error(integration, status, message, reason=reason)
    return truto_error(status, message, raw=raw, headers=headers)


def provider_rate_limit(sandbox: Sandbox, account: str, headers: dict[str, str]) -> JSONResponse:
    """The provider's rate limit as it sends it: Google a 403 ``rateLimitExceeded`` without
    ``Retry-After``, Microsoft Graph a 429 with ``Retry-After``."""
    if is_google_family(sandbox.store.integration(account)):
        message = "Rate Limit Exceeded"
        response = remote_error(sandbox, account, 403, message, reason="rateLimitExceeded")
        response.headers.update(headers)
        return response
    response = remote_error(sandbox, account, 429, "Rate Limit Exceeded")
    response.headers.update({**headers, "retry-after": "1"})
    return response


def _bool(value: str | None, name: str) -> bool:
    if value is None or value.lower() in {"false", "0"}:
        return False
    if value.lower() in {"true", "1"}:
        return True
    raise Reply(truto_error(400, f"{name} must be true or false"))


def exclude_fields(item: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Remove fields from a response item, in place; ``a.b`` names a nested field."""
    for name in fields:
        *parents, last = name.split(".")
        target: Any = item
        for part in parents:
            target = target.get(part) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target.pop(last, None)
    return item


class QueryOptions:
    """The Truto query options of one unified request, validated (``Reply`` 400 if bad).

    Parameters
    ----------
    request : starlette.requests.Request
        The request.
    """

    def __init__(self, request: Request) -> None:
        params = request.query_params
        self.format = params.get("truto_response_format", "unified")
        if self.format not in _FORMATS:
            message = f"truto_response_format must be one of {sorted(_FORMATS)}"
            raise Reply(truto_error(400, message))
        ignore = "truto_ignore_remote_data"
        self.ignore_remote = _bool(params.get(ignore), ignore)
        self.exclude = [
            *params.getlist("truto_exclude_fields[]"),
            *params.getlist("truto_exclude_fields"),
        ]
        self.notifications = params.get("send_notifications")
        if self.notifications is not None and self.notifications not in _NOTIFICATIONS:
            message = f"send_notifications must be one of {sorted(_NOTIFICATIONS)}"
            raise Reply(truto_error(400, message))

    def shape(self, item: dict[str, Any]) -> dict[str, Any]:
        """Apply ``truto_ignore_remote_data`` and ``truto_exclude_fields[]`` to an item."""
        if self.ignore_remote:
            item.pop("remote_data", None)
        return exclude_fields(item, self.exclude)

    def respond(self, body: Any, headers: dict[str, str]) -> Response:
        """Answer 200 with ``body``, streamed in chunks when the format is ``stream``."""
        if self.format == "stream":
            data = json.dumps(body).encode()
            chunks = [data[i : i + 512] for i in range(0, len(data), 512)]
            return StreamingResponse(iter(chunks), media_type="application/json", headers=headers)
        return JSONResponse(body, headers=headers)


def sandbox_of(request: Request) -> Sandbox:
    """The :class:`Sandbox` of the app serving ``request``."""
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def check_auth(sandbox: Sandbox, request: Request) -> None:
    """Raise ``Reply`` with a 401 unless the request carries the sandbox's bearer token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Reply(truto_error(401, "Missing Authorization header"))
    if scheme.lower() != "bearer" or token.strip() != sandbox.config.token:
        raise Reply(truto_error(401, "Invalid API token"))
