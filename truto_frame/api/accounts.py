"""What an integrated account's record says about sending to it (the preflight's verdict).

``GET /integrated-account/{id}`` answers the account: ``id``, ``integration`` (``{name, ...}``),
``status`` (``active``, ``needs_reauth``, ...), ``is_sandbox``, ``tenant_id``,
``environment_id`` and timestamps. :func:`check_from_record` reads it and
:func:`check_from_error` reads a refusal of that request, both purely, into an
:class:`AccountCheck`: whether the account can take writes, its integration, and when it
cannot, why and what to do. The request itself is :meth:`TrutoClient.get_integrated_account
<truto_frame.api.client.TrutoClient.get_integrated_account>`.

=============================================  ===========================================
the account or the answer                      verdict
=============================================  ===========================================
``status: active`` and not ``is_sandbox``      can take writes; ``integration.name`` learned
``is_sandbox: true``                           refused: Truto refuses writes (405)
any other ``status`` (``needs_reauth``...)     refused: reconnect the account in Truto
401 from Truto                                 refused, every account: the token
401 from the provider, 403, 404                refused: see :mod:`~truto_frame.api.refusals`
anything else (a 5xx after retries, a          unknown: the rows are sent, the engine's
record without ``status``)                     breakers still watch them
=============================================  ===========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .refusals import Scope, refusal_of

__all__ = ["AccountCheck", "check_from_error", "check_from_record"]


@dataclass(frozen=True)
class AccountCheck:
    """The preflight's verdict on one integrated account.

    Attributes
    ----------
    account : str
        The integrated account id.
    ok : bool
        Whether its rows may be sent (``True`` also when the check could not tell).
    integration : str or None
        Truto's integration name (``googlecalendar``...), when learned.
    status : str or None
        The account's ``status`` as Truto gave it.
    is_sandbox : bool or None
        Whether Truto says it is a sandbox account.
    problem : str or None
        Why its rows are not sent and what to do (``ok`` is False), or why it could not be
        checked (``ok`` is True).
    token_refused : bool
        The token itself was refused: every account of the token is concerned.
    http_status : int or None
        The status of the answer, when an error.
    """

    account: str
    ok: bool
    integration: str | None = None
    status: str | None = None
    is_sandbox: bool | None = None
    problem: str | None = None
    token_refused: bool = False
    http_status: int | None = None


def check_from_record(account: str, record: Any) -> AccountCheck:
    """Read the account record Truto answered.

    Parameters
    ----------
    account : str
        The integrated account id asked for.
    record : Any
        The parsed body of ``GET /integrated-account/{id}``.

    Returns
    -------
    AccountCheck

    Examples
    --------
    >>> record = {"integration": {"name": "googlecalendar"}, "status": "active"}
    >>> check_from_record("acc-1", record).integration
    'googlecalendar'
    >>> check_from_record("acc-1", {**record, "status": "needs_reauth"}).ok
    False
    """
    if not isinstance(record, Mapping):
        return AccountCheck(account, True, problem="the account record has an unexpected shape")
    integration = record.get("integration")
    name = integration.get("name") if isinstance(integration, Mapping) else None
    if not isinstance(name, str) or not name:
        fallback = record.get("integration_name")
        name = fallback if isinstance(fallback, str) and fallback else None
    status = record.get("status")
    status = status if isinstance(status, str) else None
    sandbox = record.get("is_sandbox")
    is_sandbox = sandbox if isinstance(sandbox, bool) else None
    problem: str | None = None
    if is_sandbox:
        problem = (
            f"integrated account {account} is a sandbox account, and Truto refuses writes to "
            "sandbox accounts (405): use a real integrated account, or rehearse on "
            "truto-frame's own sandbox (truto-frame sandbox)"
        )
    elif status is not None and status != "active":
        problem = (
            f"integrated account {account} needs re-authorization (status {status!r}): "
            "reconnect the account in Truto (the end user re-authorizes it), then retry"
        )
    return AccountCheck(account, problem is None, name, status, is_sandbox, problem)


def check_from_error(account: str, status: int | None, body: Any, error: str) -> AccountCheck:
    """Read a failed ``GET /integrated-account/{id}``.

    Parameters
    ----------
    account : str
        The integrated account id asked for.
    status : int or None
        The HTTP status (``None``: no answer).
    body : Any
        The parsed error body.
    error : str
        The one-line description of the failure.

    Returns
    -------
    AccountCheck
        Refused for a refused token (``token_refused``) or account; else ``ok`` with the
        reason it could not be checked.
    """
    if status == 404:
        problem = (
            f"integrated account {account} was not found (404): check the integrated account "
            "id (in Truto's dashboard) and that the token belongs to its environment"
        )
        return AccountCheck(account, False, problem=problem, http_status=status)
    refusal = refusal_of(status, body)
    if refusal is not None:
        token = refusal.scope is Scope.TOKEN
        problem = f"{refusal.message(account)} ({error})"
        return AccountCheck(
            account, False, problem=problem, token_refused=token, http_status=status
        )
    return AccountCheck(account, True, problem=f"could not check: {error}", http_status=status)
