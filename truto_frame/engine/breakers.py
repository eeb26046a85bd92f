"""Circuit breakers: stop the rows of a run that can no longer succeed.

:class:`Breakers` watches every attempt's result (the final ones and those before a retry)
and trips when an answer dooms more than its own row:

* the API token was refused (Truto's own 401): the whole run stops;
* an answer that concerns the integrated account (:func:`~truto_frame.api.refusals.refusal_of`:
  a provider's 401, Truto's own 403/404, a 405): that account's remaining rows stop;
* the host cannot be reached: :attr:`Breakers.unreachable_after` attempts in a row could not
  connect or timed out (or :attr:`Breakers.silent_after` got no answer at all, dropped
  connections included) with no answer in between: the whole run stops, within seconds for a
  refused connection, instead of every row retrying for minutes.

Any HTTP answer resets the no-answer streak, so occasional faults of a healthy host never trip
it. The runner (:mod:`truto_frame.engine.runner`) ends the stopped rows ``cancelled`` with the
trip's message; nothing here sends or waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..api.outcome import CallResult
from ..api.refusals import Scope, refusal_of

__all__ = ["Breakers", "Trip"]

_RESUME: Final = "then plan.retry_failed() (or re-run with the same journal)"


@dataclass(frozen=True)
class Trip:
    """A breaker that tripped.

    Attributes
    ----------
    account : str or None
        The account whose rows stop; ``None`` when every row of the run stops.
    message : str
        Why, and what to do (the error of every row it stops).
    """

    account: str | None
    message: str


class Breakers:
    """The breakers of one run.

    Parameters
    ----------
    host : str
        The base URL, named in the messages.
    unreachable_after : int
        Attempts in a row that could not connect or timed out before the run stops.
    silent_after : int
        Attempts in a row with no answer of any kind (dropped connections too) before it stops.
    """

    def __init__(self, host: str, *, unreachable_after: int = 3, silent_after: int = 8) -> None:
        self.host = host
        self.unreachable_after = unreachable_after
        self.silent_after = silent_after
        self._unreachable = 0
        self._silent = 0
        self._run: Trip | None = None
        self._accounts: dict[str, Trip] = {}

    def stopped(self, account: str) -> Trip | None:
        """The trip that stops ``account``'s rows (the run's first), or ``None``."""
        return self._run or self._accounts.get(account)

    def observe(self, account: str, result: CallResult) -> Trip | None:
        """Learn from one attempt's result.

        Parameters
        ----------
        account : str
            The account the request was for.
        result : CallResult
            The result of the attempt (final, or the failure before a retry).

        Returns
        -------
        Trip or None
            The trip this result caused, when it is new.
        """
        if result.http_status is not None:
            self._unreachable = self._silent = 0
            if result.ok or result.outcome == "account_blocked":
                return None  # a blocked account is the runner's own older breaker
            refusal = refusal_of(result.http_status, result.body)
            if refusal is None or self.stopped(account) is not None:
                return None
            if refusal.scope is Scope.TOKEN:
                self._run = Trip(None, f"{refusal.message()}; {_RESUME}")
                return self._run
            trip = Trip(account, f"{refusal.message(account)}; {_RESUME}")
            self._accounts[account] = trip
            return trip
        if result.no_answer is None or self._run is not None:
            return None
        self._silent += 1
        if result.no_answer in ("connect", "timeout"):
            self._unreachable += 1
        if self._unreachable >= self.unreachable_after or self._silent >= self.silent_after:
            streak = max(self._unreachable, self._silent)
            what = (
                f"could not connect to {self.host}"
                if result.no_answer == "connect"
                else f"no answer from {self.host}"
            )
            last = result.error or ""
            last = last[len(what) :].lstrip(": ") if last.startswith(what) else last
            self._run = Trip(
                None,
                f"{what} ({streak} attempts in a row, last: {last}); the run was stopped: "
                f"check the base URL and the network, {_RESUME}",
            )
            return self._run
        return None
