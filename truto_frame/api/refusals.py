"""Who a refused answer concerns: the row, its integrated account, or the API token.

A final error answer (after :mod:`truto_frame.api.retry` gave up) may say nothing about the
other rows (an event not found, a body the provider rejects) or may doom every further request
of the same account or token. :func:`refusal_of` tells them apart, purely from the status and
Truto's error body, and says what the user should do. The engine's circuit breakers
(:mod:`truto_frame.engine.breakers`) stop the rows it dooms; the preflight
(:mod:`truto_frame.api.accounts`) uses the same words.

======================================  =========  ==========================================
answer                                  concerns   what to do
======================================  =========  ==========================================
401, Truto's own                        token      check ``TRUTO_API_TOKEN`` (or ``token=``)
401 from the provider (remote)          account    reconnect the account in Truto
403, Truto's own                        account    check the token may use this account
404, Truto's own, naming the account    account    check the integrated account id
405                                     account    Truto refuses writes (a sandbox account)
503, Truto's own (blocked)              account    see the account in Truto's dashboard
any other answer (remote 403/404,       row        only this row failed
400, 409, 422, 5xx...)
======================================  =========  ==========================================

A provider's 403 or 404 is about the event (not its organizer, deleted), so it stays the row's;
so does a 404 of Truto's whose message does not name the integrated account (an unknown path).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "TOKEN_ADVICE",
    "Refusal",
    "Scope",
    "is_remote_error",
    "refusal_of",
]

TOKEN_ADVICE: Final = "check TRUTO_API_TOKEN (or token=): Truto does not accept this API token"
"""What to do when the token is refused."""


class Scope(enum.Enum):
    """What a refusal dooms besides the request that got it."""

    ACCOUNT = "account"
    """Every request of the same integrated account."""
    TOKEN = "token"
    """Every request made with the same API token."""


@dataclass(frozen=True)
class Refusal:
    """An answer that dooms more than its own row.

    Attributes
    ----------
    scope : Scope
        The account or the token.
    reason : str
        What is wrong, in a few words (``"the API token was refused"``).
    advice : str
        What the user should do about it.
    """

    scope: Scope
    reason: str
    advice: str

    def message(self, account: str | None = None) -> str:
        """One line: the reason (naming the account when the scope is one) and the advice."""
        who = f"integrated account {account}: " if account and self.scope is Scope.ACCOUNT else ""
        return f"{who}{self.reason}; {self.advice}"


def is_remote_error(body: Any) -> bool:
    """Whether Truto forwarded this error from the provider (``truto_is_remote_error``).

    Parameters
    ----------
    body : Any
        The parsed error body.

    Returns
    -------
    bool
        True for ``true`` and the text ``"true"``.
    """
    if not isinstance(body, Mapping):
        return False
    flag = body.get("truto_is_remote_error")
    return flag is True or (isinstance(flag, str) and flag.lower() == "true")


def _message(body: Any) -> str:
    if isinstance(body, Mapping):
        return str(body.get("message") or "")
    return body if isinstance(body, str) else ""


def refusal_of(status: int | None, body: Any) -> Refusal | None:
    """Say whether a final error answer dooms its account's or token's other requests.

    Parameters
    ----------
    status : int or None
        The HTTP status (``None``: no answer, never a refusal).
    body : Any
        The parsed body.

    Returns
    -------
    Refusal or None
        ``None`` when only the row is concerned; see the table in the module docstring.

    Examples
    --------
    >>> refusal_of(401, {"statusCode": 401}).scope
    <Scope.TOKEN: 'token'>
    >>> refusal_of(404, {"statusCode": 404, "truto_is_remote_error": True}) is None
    True
    """
    remote = is_remote_error(body)
    if status == 401:
        if remote:
            return Refusal(
                Scope.ACCOUNT,
                "the provider refused the account's credentials (401): it needs re-authorization",
                "reconnect the account in Truto (the end user re-authorizes it), then retry",
            )
        return Refusal(Scope.TOKEN, "the API token was refused (401)", TOKEN_ADVICE)
    if remote:
        return None
    if status == 403:
        return Refusal(
            Scope.ACCOUNT,
            "Truto refused access to the account (403)",
            "check that the API token belongs to the account's environment",
        )
    if status == 404 and "integrated account" in _message(body).lower():
        return Refusal(
            Scope.ACCOUNT,
            "Truto does not know this integrated account (404)",
            "check the integrated account id (in Truto's dashboard)",
        )
    if status == 405:
        return Refusal(
            Scope.ACCOUNT,
            "Truto refuses writes to this account (405; sandbox accounts are read-only)",
            "use a real (non-sandbox) integrated account, or rehearse on truto-frame's sandbox",
        )
    if status == 503 and isinstance(body, Mapping):
        return Refusal(
            Scope.ACCOUNT,
            "Truto has blocked the account (503)",
            "see the account's status in Truto's dashboard",
        )
    return None
