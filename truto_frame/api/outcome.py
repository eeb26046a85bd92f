"""The outcome of one API call after every retry, and its one readable line.

:class:`CallResult` is what :class:`~truto_frame.api.client.TrutoClient` returns for a row's
request after every retry; :func:`describe_error` makes the one readable line of a failure
(remote text made safe: one line, no control characters, bounded) and :func:`request_id_note`
the provider's request id to quote to its support.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx

__all__ = ["CallResult", "describe_error", "describe_no_answer", "request_id_note"]


@dataclass(frozen=True)
class CallResult:
    """The end of one request, after every retry.

    Parameters
    ----------
    ok : bool
        Whether the last answer was a 2xx.
    http_status : int or None
        The status of the last answer; ``None`` when none came (network error, not sent).
    body : Any
        The parsed body of the last answer: the event on success, Truto's whole error object
        (``statusCode``, ``error``, ``message``, ``truto_is_remote_error``, ``raw_response``,
        ``truto_error_insight``...) on failure, text when it was not JSON, or ``None``.
    error : str or None
        One readable line, e.g. ``"404 Not Found: Event not found (remote error from provider)"``.
    attempts : int
        Requests sent (0 when the request was never sent).
    outcome : str
        ``"ok"``, ``"failed"``, ``"account_blocked"`` (Truto's own 503: the account is blocked)
        or ``"cancelled"`` (never sent because the run was stopped).
    no_answer : str or None
        Why the last attempt got no HTTP answer: ``"connect"`` (could not connect: refused,
        unreachable, connect timeout), ``"timeout"`` (connected, no answer in time) or
        ``"dropped"`` (the connection broke); ``None`` when an answer came or nothing was sent.
    """

    ok: bool
    http_status: int | None
    body: Any
    error: str | None
    attempts: int
    outcome: str = "ok"
    no_answer: str | None = None


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def describe_error(status: int, body: Any) -> str:
    """One readable line for an error answer.

    Parameters
    ----------
    status : int
        The HTTP status.
    body : Any
        The parsed body.

    Returns
    -------
    str
        ``"<status> <phrase>: <message>"``, with ``(remote error from provider)`` when the
        provider sent it and the insight when Truto gave one. With no ``message``, the
        provider's own message (``raw_response``) stands in for it.
    """
    text = f"{status} {_status_phrase(status)}"
    if isinstance(body, Mapping):
        message = body.get("message") or _raw_message(body.get("raw_response"))
        message = message or body.get("error")
        if message:
            text += f": {_one_line(message)}"
        if body.get("truto_is_remote_error") is True:
            text += " (remote error from provider)"
        insight = body.get("truto_error_insight")
        if insight:
            text += f" [{_one_line(_insight_text(insight))}]"
    elif isinstance(body, str) and body.strip():
        text += f": {_one_line(body, 200)}"
    return text


def request_id_note(headers: Mapping[str, str]) -> str:
    """The provider's request id forwarded with an error (Graph's ``request-id``), as a note.

    Kept in the row's error line, so that a support ticket to the provider can name the
    request; empty when the answer carries none.

    Parameters
    ----------
    headers : mapping of str to str
        The answer's headers.

    Returns
    -------
    str
        ``" [request-id: <id>]"`` (every header whose name ends in ``request-id``, the
        client's echo left out), or ``""``.

    Examples
    --------
    >>> request_id_note({"request-id": "5d1f", "client-request-id": "5d1f"})
    ' [request-id: 5d1f]'
    """
    found = [
        f"{name.lower()}: {_one_line(value, 80)}"
        for name, value in headers.items()
        if name.lower().endswith("request-id") and not name.lower().startswith("client-")
    ]
    return f" [{'; '.join(found)}]" if found else ""


def _raw_message(raw: Any) -> Any:
    # Google and Graph put theirs in error.message; any other body is shown as it is.
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return raw.strip() or None
    if isinstance(raw, Mapping):
        error = raw.get("error")
        if isinstance(error, Mapping) and error.get("message"):
            return error["message"]
        if isinstance(error, str) and error:
            return error
        return raw.get("message") or (raw or None)
    return raw or None


def _insight_text(insight: Any) -> Any:
    # Truto's shape: {kind: {"description": ..., "value": [...]}}; say the kind and the values.
    if not isinstance(insight, Mapping):
        return insight
    parts = []
    for kind, detail in insight.items():
        value = detail.get("value", detail) if isinstance(detail, Mapping) else detail
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ", ".join(value)
        elif not isinstance(value, str):
            value = json.dumps(value, sort_keys=True, default=str)
        parts.append(f"{kind}: {value}")
    return "; ".join(parts)


def _one_line(value: Any, limit: int = 300) -> str:
    # Remote text is untrusted: no control characters (terminal escapes), no newlines, bounded.
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_no_answer(
    exc: httpx.TransportError, base_url: str, timeout: float, connect_timeout: float
) -> tuple[str, str]:
    """What kind of "no answer" a transport error is, and its readable start.

    Which limit ran out, or that the host could not be reached, so the user knows what to
    check; the engine's breaker counts ``"connect"`` and ``"timeout"`` as a dead host.

    Parameters
    ----------
    exc : httpx.TransportError
        The error of the attempt.
    base_url : str
        Where the request went.
    timeout, connect_timeout : float
        The client's read and connect timeouts, in seconds.

    Returns
    -------
    (str, str)
        ``"connect"``, ``"timeout"`` or ``"dropped"``, and the text that starts the error.
    """
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        within = f" within {connect_timeout:g} s" if isinstance(exc, httpx.ConnectTimeout) else ""
        return "connect", f"could not connect to {base_url}{within}"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", f"timed out after {timeout:g} s"
    return "dropped", "connection error"
