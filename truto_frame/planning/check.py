"""The preflight: ask Truto about each account of a plan, then apply what it said to the rows.

Planning stays offline; :meth:`EventUpdatePlan.check
<truto_frame.planning.plan.EventUpdatePlan.check>` (and ``apply()``, before its first PATCH)
runs :func:`check_accounts`: one ``GET /integrated-account/{id}`` per account, paced and retried
like every request, the first account alone (a refused token or an unreachable host is known
after one account, not after all of them), the others together. :func:`refine` then turns the
verdicts into a :class:`PlanCheck`:

* the rows of an account that cannot take writes (a sandbox account, one that needs
  re-authorization, an unknown account, a refused token, an unreachable host) are *stopped*:
  not sent, ``cancelled`` in the results with the reason and what to do;
* the integration learned brings its rules (Google's ``start_time``/``end_time``): a row they
  make invalid is completed from its baseline (the current event) when the baseline has the
  missing fields, else it becomes ``invalid`` with the reason;
* an ``integration=`` given for the account that disagrees with Truto makes its rows invalid.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..api.accounts import AccountCheck, check_from_error, check_from_record
from ..api.auth import Secret, require_token
from ..api.client import TrutoClient
from ..api.outcome import CallResult
from ..engine.breakers import Breakers, Trip
from ..errors import APIConnectionError, APIStatusError, ConfigurationError
from ..model.integrations import IntegrationRules, check_update_rules, rules_for

if TYPE_CHECKING:
    import httpx

    from ..api.retry import RetryPolicy
    from .plan import EventUpdatePlan

__all__ = ["PlanCheck", "check_accounts", "preflight", "refine"]

_TOGETHER = 8  # accounts checked at once after the first


@dataclass(frozen=True)
class PlanCheck:
    """What the preflight learned, and what it does to the plan's rows.

    Attributes
    ----------
    accounts : dict of str to AccountCheck
        The verdict on each account of the plan.
    stopped : dict of int to str
        Row positions that will not be sent, with the reason (their account cannot take
        writes); they end ``cancelled`` in the results.
    invalid : dict of int to list of (column, message)
        Row positions that the learned rules make invalid.
    completed : dict of int to dict
        Row positions whose body was completed from the baseline, with the new body.
    stopped_per_account : dict of str to int
        How many rows of each refused account are stopped.
    """

    accounts: dict[str, AccountCheck]
    stopped: dict[int, str] = field(default_factory=dict)
    invalid: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    completed: dict[int, dict[str, Any]] = field(default_factory=dict)
    stopped_per_account: dict[str, int] = field(default_factory=dict)

    @property
    def findings(self) -> list[str]:
        """One line per account that is not simply fine, and per kind of row change."""
        lines: list[str] = []
        for check in self.accounts.values():
            if not check.ok:
                n = self.stopped_per_account.get(check.account, 0)
                lines.append(f"{n} row{'s' * (n != 1)} not sent: {check.problem}")
            elif check.problem:
                lines.append(f"integrated account {check.account}: {check.problem}")
        if self.invalid:
            lines.append(
                f"{len(self.invalid)} row{'s' * (len(self.invalid) != 1)} invalid by the rules of "
                "the integration Truto named (see the problems)"
            )
        if self.completed:
            lines.append(
                f"{len(self.completed)} row{'s' * (len(self.completed) != 1)} completed from the "
                "baseline (fields the integration requires, sent unchanged)"
            )
        return lines

    @property
    def ok(self) -> bool:
        """Whether every account can take writes and no row was stopped or made invalid."""
        return not self.stopped and not self.invalid and all(c.ok for c in self.accounts.values())

    def __repr__(self) -> str:
        names = ", ".join(
            f"{a}: {c.integration or 'unknown'}{'' if c.ok else ' (refused)'}"
            for a, c in self.accounts.items()
        )
        return (
            f"<PlanCheck accounts=[{names}] stopped={len(self.stopped)} "
            f"invalid={len(self.invalid)} completed={len(self.completed)}>"
        )


class _Halt(Exception):
    def __init__(self, trip: Trip) -> None:
        super().__init__(trip.message)
        self.trip = trip


async def check_accounts(client: TrutoClient, accounts: Sequence[str]) -> dict[str, AccountCheck]:
    """Ask Truto about each account: the first alone, then the others, 8 at a time.

    Parameters
    ----------
    client : TrutoClient
        The client (its pacing and retries apply).
    accounts : sequence of str
        The integrated account ids.

    Returns
    -------
    dict of str to AccountCheck
        One verdict per account, in the order given. After a refused token or an unreachable
        host, the accounts not yet asked get the same verdict without a request.
    """
    # The first account is asked alone, so two attempts in a row without an answer already
    # say the host is unreachable (or silent): each may have waited a whole read timeout.
    breakers = Breakers(client.base_url, unreachable_after=2)
    verdicts: dict[str, AccountCheck] = {}
    halted: list[AccountCheck] = []

    async def one(account: str) -> None:
        if halted:
            first = halted[0]
            verdicts[account] = AccountCheck(
                account, False, problem=first.problem, token_refused=first.token_refused
            )
            return

        def on_retry(failure: CallResult) -> None:
            breakers.observe(account, failure)
            trip = breakers.stopped(account)
            if trip is not None:
                raise _Halt(trip)

        try:
            record = await client.get_integrated_account(account, on_retry=on_retry)
        except _Halt as exc:
            verdict = AccountCheck(account, False, problem=exc.trip.message)
            halted.append(verdict)
        except APIStatusError as exc:
            verdict = check_from_error(account, exc.status_code, exc.body, str(exc))
            if verdict.token_refused:
                halted.append(verdict)
        except APIConnectionError as exc:
            verdict = check_from_error(account, None, None, str(exc))
        else:
            verdict = check_from_record(account, record)
        verdicts[account] = verdict

    unique = list(dict.fromkeys(accounts))
    if unique:
        await one(unique[0])
    gate = asyncio.Semaphore(_TOGETHER)

    async def gated(account: str) -> None:
        async with gate:
            await one(account)

    await asyncio.gather(*(gated(a) for a in unique[1:]))
    return {a: verdicts[a] for a in unique}


def _rules(name: str) -> IntegrationRules | None:
    try:
        return rules_for(name)
    except ConfigurationError:  # an integration the table does not know: the server decides
        return None


def _complete(
    payload: Mapping[str, Any], current: Mapping[str, Any] | None, rules: IntegrationRules
) -> dict[str, Any] | None:
    """The body with the fields ``rules`` require copied from the current event, if it has them."""
    if current is None:
        return None
    body = dict(payload)
    for name in sorted(rules.required_fields - set(body)):
        value = current.get(name)
        if value is None:
            return None
        if name == "calendar" and isinstance(value, Mapping):
            value = {"id": value.get("id")}  # the id is what an update carries
        body[name] = value
    if {"start_time", "end_time"} & set(body) and body.get("timezone") is None:
        if current.get("timezone") is None:
            return None
        body["timezone"] = current["timezone"]
    return body


def refine(plan: EventUpdatePlan, accounts: Mapping[str, AccountCheck]) -> PlanCheck:
    """Apply the verdicts on the accounts to the rows of ``plan`` (pure; sends nothing).

    Parameters
    ----------
    plan : EventUpdatePlan
        The plan.
    accounts : mapping of str to AccountCheck
        :func:`check_accounts`'s verdicts.

    Returns
    -------
    PlanCheck
        The verdicts and, per row position, what changes (see the module docstring).
    """
    result = PlanCheck(dict(accounts))
    statuses = plan.statuses.tolist()
    payloads = plan.payloads.tolist()
    row_accounts = plan.accounts.tolist()
    given = plan.integrations
    for position, (status, payload, account) in enumerate(
        zip(statuses, payloads, row_accounts, strict=True)
    ):
        if status != "send" or payload is None or account is None:
            continue
        verdict = accounts.get(account)
        if verdict is None:
            continue
        if not verdict.ok:
            result.stopped[position] = f"not sent: {verdict.problem}"
            result.stopped_per_account[account] = result.stopped_per_account.get(account, 0) + 1
            continue
        learned = verdict.integration
        if learned is None:
            continue
        explicit = given.get(account)
        if explicit is not None:
            if explicit != learned:
                result.invalid[position] = [
                    (
                        "integrated_account_id",
                        f"integration={explicit!r} was given, but Truto says integrated account "
                        f"{account} is {learned!r}: correct integration= or leave it out",
                    )
                ]
            continue  # the given rules (the same) were applied when planning
        rules = _rules(learned)
        if rules is None:
            continue
        problems = check_update_rules(payload, rules)
        if not problems:
            continue
        completed = _complete(payload, plan.baseline_of(position), rules)
        if completed is not None and not check_update_rules(completed, rules):
            result.completed[position] = completed
            continue
        # The problem already says what to do (fill the column or pass a baseline).
        hint = f" (Truto says integrated account {account} is {learned})"
        result.invalid[position] = [(column, message + hint) for column, message in problems]
    return result


async def preflight(
    plan: EventUpdatePlan,
    *,
    token: Secret | None,
    transport: httpx.AsyncBaseTransport | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 30.0,
    client: TrutoClient | None = None,
) -> PlanCheck:
    """Check the accounts of the rows ``plan`` would send and :func:`refine` the rows.

    Parameters
    ----------
    plan : EventUpdatePlan
        The plan.
    token : Secret or None
        The plan's API token, for the client made when ``client`` is not given.
    transport, retry, timeout
        For the client made when ``client`` is not given.
    client : TrutoClient, optional
        An open client to use (left open).

    Returns
    -------
    PlanCheck

    Raises
    ------
    ConfigurationError
        If a client must be made and the plan has no token.
    """
    statuses = plan.statuses.tolist()
    accounts = [
        a for a, s in zip(plan.accounts.tolist(), statuses, strict=True) if s == "send" and a
    ]
    if not accounts:
        return PlanCheck({})
    owned = client is None
    if client is None:
        client = TrutoClient(
            token=require_token(token),
            base_url=plan.base_url,
            transport=transport,
            retry=retry,
            timeout=timeout,
        )
    try:
        verdicts = await check_accounts(client, accounts)
    finally:
        if owned:
            await client.aclose()
    return refine(plan, verdicts)
