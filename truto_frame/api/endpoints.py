"""The Unified Calendar API's endpoints: their paths, bodies and headers, and what answers hold.

:class:`~truto_frame.api.client.TrutoClient` sends; this module says what to send and how to
read the answer: one percent-encoded path segment per id, a compact JSON body that refuses NaN,
the headers of every request, an answer's body as JSON (redacted of the token), and the
:class:`~truto_frame.errors.APIError` a read raises when its answer is not what was asked for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

import httpx

from ..errors import APIConnectionError, APIStatusError, ConfigurationError
from .auth import Secret, redact
from .outcome import CallResult

__all__ = [
    "EVENTS_PATH",
    "account_path",
    "event_path",
    "json_body",
    "page_of_events",
    "parse_body",
    "raise_for",
    "request_headers",
]

EVENTS_PATH: Final = "/unified/calendar/events"


def event_path(event_id: str) -> str:
    """The path of one event: its id as one percent-encoded segment (``/``, ``+``, ``=`` too).

    Parameters
    ----------
    event_id : str
        The event id.

    Returns
    -------
    str
        ``/unified/calendar/events/{id}``.

    Raises
    ------
    ConfigurationError
        When the id is not a non-empty string.
    """
    if not isinstance(event_id, str) or not event_id:
        raise ConfigurationError(f"event id must be a non-empty string, not {event_id!r}")
    return f"{EVENTS_PATH}/{quote(event_id, safe='')}"


def account_path(integrated_account_id: str) -> str:
    """The path of one integrated account's record.

    Parameters
    ----------
    integrated_account_id : str
        The account id.

    Returns
    -------
    str
        ``/integrated-account/{id}``, the id percent-encoded.
    """
    return f"/integrated-account/{quote(integrated_account_id, safe='')}"


def json_body(payload: Mapping[str, Any]) -> bytes:
    """A PATCH body: compact UTF-8 JSON.

    Parameters
    ----------
    payload : mapping
        The body.

    Returns
    -------
    bytes
        The encoded body.

    Raises
    ------
    TypeError, ValueError
        When the payload is not JSON (NaN included).
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def request_headers(token: Secret, extra: Mapping[str, str] | None = None) -> httpx.Headers:
    """The headers of every request: the token, JSON, compression, who asks; then ``extra``.

    Parameters
    ----------
    token : Secret
        The API token, put only into ``Authorization`` (which httpx masks in reprs).
    extra : mapping, optional
        Further headers (``Content-Type``, ``Idempotency-Key``).

    Returns
    -------
    httpx.Headers
        The merged headers.
    """
    headers = httpx.Headers(
        {
            "Authorization": f"Bearer {token.value}",
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
            "User-Agent": "truto-frame/0.1",
        }
    )
    if extra:
        headers.update(extra)
    return headers


def parse_body(response: httpx.Response, token: Secret) -> Any:
    """An answer's body: JSON when it parses, else its text; an echo of the token redacted.

    Parameters
    ----------
    response : httpx.Response
        The answer.
    token : Secret
        The token to redact.

    Returns
    -------
    Any
        The parsed JSON, the text, or ``None`` for an empty body.
    """
    text = redact(response.text, token)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def raise_for(result: CallResult) -> Any:
    """The body of a successful read, or the error of a failed one.

    Parameters
    ----------
    result : CallResult
        The outcome of the read.

    Returns
    -------
    Any
        ``result.body`` when ``ok``.

    Raises
    ------
    APIConnectionError
        When no answer came.
    APIStatusError
        When the answer was an error.
    """
    if result.ok:
        return result.body
    if result.http_status is None:
        raise APIConnectionError(result.error or "no answer")
    raise APIStatusError(result.http_status, result.body, result.error)


def page_of_events(result: CallResult, seen: set[str]) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a listing: its events and the cursor of the next page.

    Parameters
    ----------
    result : CallResult
        The outcome of the page's GET.
    seen : set of str
        The cursors followed so far; the returned cursor is added to it.

    Returns
    -------
    (list of dict, str or None)
        The page's ``result`` list, and ``next_cursor`` (``None`` on the last page).

    Raises
    ------
    APIStatusError, APIConnectionError
        When the page could not be read, is not a page, or repeats a cursor (a server doing so
        would make the listing loop forever).
    """
    page = raise_for(result)
    if not isinstance(page, Mapping):
        raise APIStatusError(result.http_status or 0, page, "unexpected list response")
    events = list(page.get("result") or [])
    cursor = page.get("next_cursor") or None
    if cursor is not None:
        if cursor in seen:
            raise APIStatusError(result.http_status or 0, page, "next_cursor repeated")
        seen.add(cursor)
    return events, cursor
