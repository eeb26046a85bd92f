"""What a plan does: check its accounts, apply, and the result each row has before sending.

:class:`PlanActions` holds these methods of :class:`~truto_frame.planning.plan.EventUpdatePlan`
(which inherits them): :mod:`~truto_frame.planning.plan` says what a plan *is*, this module
what it *does*, each verb delegating to its module (:mod:`~truto_frame.planning.check`,
:mod:`~truto_frame.planning.sending`) through the plan's public face. What follows an apply
(undo, the failed rows, their retry) is in :mod:`~truto_frame.planning.follow_ups`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from ..engine.results import RowResult
from ..engine.runner import run_sync
from ..errors import ApplyInterrupted, InputError
from .check import preflight
from .interruption import RunStopped, interrupted_message
from .reread import RereadLog, check_on_conflict
from .sending import send_plan

if TYPE_CHECKING:
    import httpx

    from ..api.auth import Secret
    from ..api.budgets import RateLimits
    from ..api.client import TrutoClient
    from ..api.retry import RetryPolicy
    from ..engine.journal import Journal
    from .check import PlanCheck
    from .plan import EventUpdatePlan
    from .rows import PlanRows

__all__ = ["PlanActions"]


class PlanActions:
    """The verbs of :class:`~truto_frame.planning.plan.EventUpdatePlan` (a mixin it inherits).

    Attributes
    ----------
    applying : bool
        True while an :meth:`apply` of this plan runs (a second one raises meanwhile).
    """

    applying: bool = False
    # What the verbs read of the plan (set by EventUpdatePlan).
    rows: PlanRows
    token: Secret | None
    preflight: PlanCheck | None
    found_conflicts: dict[int, tuple[Any, ...]]
    prewrite_events: dict[int, dict[str, Any]]
    results: pd.DataFrame | None

    def _plan(self) -> EventUpdatePlan:
        # The verbs' modules take the plan itself; this mixin is only ever an EventUpdatePlan.
        return cast("EventUpdatePlan", self)

    # -- checking ------------------------------------------------------------------------
    def check(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> PlanCheck:
        """Ask Truto about each account of the plan before sending (the preflight).

        One ``GET /integrated-account/{id}`` per account learns its integration (so its rules
        apply without ``integration=``) and whether it can take writes. Rows of an account
        that cannot (a sandbox account, one that needs re-authorization, an unknown account,
        a refused token, an unreachable host) will not be sent; rows the learned rules make
        invalid become ``invalid``, or are completed from the baseline when it has the
        missing fields. ``apply()`` runs it before its first PATCH unless it already ran.

        Parameters
        ----------
        transport : httpx.AsyncBaseTransport, optional
            Send through this transport (e.g. the sandbox app in process).
        retry : RetryPolicy, optional
            Attempts and backoff.
        timeout : float, default 30.0
            Seconds one request may take.

        Returns
        -------
        PlanCheck
            Also kept in :attr:`preflight`; its ``findings`` say what it found.

        Raises
        ------
        ConfigurationError
            If there is no API token.
        """
        return run_sync(self.check_async(transport=transport, retry=retry, timeout=timeout))

    async def check_async(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        client: TrutoClient | None = None,
    ) -> PlanCheck:
        """Like :meth:`check`, for async callers; ``client`` reuses an open client."""
        found = await preflight(
            self._plan(),
            token=self.token,
            transport=transport,
            retry=retry,
            timeout=timeout,
            client=client,
        )
        for position, problems in found.invalid.items():
            self.rows.statuses[position] = "invalid"
            self.rows.payloads[position] = None
            self.rows.problems[position].extend(problems)
        for position, body in found.completed.items():
            self.rows.payloads[position] = body
        self.preflight = found
        return found

    # -- sending -------------------------------------------------------------------------
    def apply(
        self,
        *,
        progress: bool | None = None,
        journal: str | Journal | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: RateLimits | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        on_result: Callable[[Hashable, RowResult], None] | None = None,
        again: bool = False,
        on_conflict: str = "skip",
    ) -> pd.DataFrame:
        """Send every valid row's PATCH, in parallel, and return the results frame.

        Safe to call in a Jupyter cell (a running event loop): the requests run on a private
        loop in a worker thread. One bad row never raises; it lands in its row of the results.

        Ctrl-C (or the notebook's interrupt) stops the run the way Python programs stop: no new
        request starts, the requests on the wire settle, the journal records them, and
        :class:`~truto_frame.errors.ApplyInterrupted` (a ``KeyboardInterrupt``) is raised with
        :attr:`results` complete, rows never sent ``cancelled``. Send the rest with
        :meth:`retry_failed` (or run again with the same ``journal``).

        Parameters
        ----------
        progress : bool, optional
            Show a tqdm progress bar (default: only when attached to a terminal or notebook).
        journal : str or Journal, optional
            Record each result as it lands; re-running with the same journal sends only rows
            that have not already succeeded with the same payload.
        transport : httpx.AsyncBaseTransport, optional
            Send through this transport (e.g. ``httpx.ASGITransport(app=sandbox_app)``).
        limits : RateLimits, optional
            The budgets to pace to; default Truto's documented 50 requests per 10 s per
            account and 500 per 10 s per token, refined from ``ratelimit-*`` headers.
        retry : RetryPolicy, optional
            Attempts and backoff; default 6 attempts, 0.5 s doubling up to 30 s, full jitter.
        timeout : float, default 30.0
            Seconds one request may take before it counts as a (retried) timeout.
        on_result : callable, optional
            Called as ``on_result(label, row_result)`` with the row's index label and its
            :class:`~truto_frame.engine.results.RowResult` as each sent row's result lands; for a
            live count or a log. It runs in the engine's thread: keep it quick. If it
            raises, no new request starts and the error is raised once the requests in
            flight have ended (a journal has recorded them); a ``KeyboardInterrupt`` it
            raises (Ctrl-C while it ran) stops the run like Ctrl-C anywhere else.
        again : bool, default False
            Send every row again although the plan was already applied. Without it a
            second ``apply()`` (a notebook cell run twice) raises instead of sending, and
            possibly emailing, every row a second time; :meth:`retry_failed` sends only the
            rows that did not succeed.
        on_conflict : {"skip", "overwrite"}, default "skip"
            For rows re-read before writing (:attr:`rereads`): a field that the plan changes
            and someone else changed too since the baseline leaves the row unsent, with status
            ``conflict`` (``skip``; see :meth:`conflicts`), or sends the plan's value anyway
            (``overwrite``). Fields only others changed are kept either way.

        Returns
        -------
        pandas.DataFrame
            One row per input row, same index and order; see :mod:`truto_frame.engine.results`.

        Raises
        ------
        InputError
            If the plan was already applied and ``again`` is not set, or is being applied.
        ConfigurationError
            If there is no API token.
        ApplyInterrupted
            On Ctrl-C, once every row has its result (see above).

        Examples
        --------
        >>> from truto_frame.api.budgets import RateLimits
        >>> results = plan.apply(limits=RateLimits(per_account=(20, 10.0)))  # doctest: +SKIP
        """
        before = self.results
        try:
            return run_sync(
                self.apply_async(
                    progress=progress,
                    journal=journal,
                    transport=transport,
                    limits=limits,
                    retry=retry,
                    timeout=timeout,
                    on_result=on_result,
                    again=again,
                    on_conflict=on_conflict,
                ),
                # A Ctrl-C just as the run ended still stops the script (results are kept).
                always_raise_interrupt=True,
            )
        except (KeyboardInterrupt, asyncio.CancelledError):
            # CancelledError: an on_result callback raised KeyboardInterrupt (see sending.py)
            results = self.results
            if results is None or results is before:  # stopped before any result landed
                raise
            raise ApplyInterrupted(interrupted_message(results, journal), results) from None

    async def apply_async(
        self,
        *,
        progress: bool | None = None,
        journal: str | Journal | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: RateLimits | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        on_result: Callable[[Hashable, RowResult], None] | None = None,
        again: bool = False,
        on_conflict: str = "skip",
    ) -> pd.DataFrame:
        """Like :meth:`apply`, for async callers: ``results = await plan.apply_async()``.

        A cancellation of the awaiting task stops the run gracefully (requests on the wire
        settle) and then propagates as ``asyncio.CancelledError``, with :attr:`results` kept.
        """
        check_on_conflict(on_conflict)
        if self.applying:
            raise InputError("this plan is being applied right now: wait for that run to end")
        if self.results is not None and not again:
            done = self.results["status"].value_counts()
            tally = ", ".join(f"{n} {status}" for status, n in done.items())
            raise InputError(
                f"this plan was already applied ({tally}); applying it again would send every "
                "row again. Use plan.retry_failed() for the rows that did not succeed, or "
                "apply(again=True) to send them all again."
            )

        self.applying = True
        log = RereadLog()
        try:
            results = await send_plan(
                self._plan(),
                progress=progress,
                journal=journal,
                transport=transport,
                limits=limits,
                retry=retry,
                timeout=timeout,
                on_result=on_result,
                on_conflict=on_conflict,
                reread_log=log,
            )
        except RunStopped as stop:
            self.found_conflicts, self.prewrite_events = dict(log.conflicts), dict(log.current)
            self.results = stop.results  # every row; the cancellation goes on
            raise
        finally:
            self.applying = False
        self.found_conflicts, self.prewrite_events = dict(log.conflicts), dict(log.current)
        self.results = results
        return results

    def results_before_sending(self) -> list[RowResult | None]:
        """The result each row has before anything is sent, by position.

        Returns
        -------
        list of RowResult or None
            ``invalid`` (with its problems), ``skipped`` (with its reason) or, for an account
            the preflight stopped, ``cancelled``; ``None`` for a row to send.
        """
        out: list[RowResult | None] = []
        stopped = self.preflight.stopped if self.preflight is not None else {}
        for position, (status, problems, reason) in enumerate(
            zip(self.rows.statuses, self.rows.problems, self.rows.skip_reasons, strict=True)
        ):
            if position in stopped and status == "send":
                out.append(RowResult(status="cancelled", error=stopped[position]))
            elif status == "invalid":
                message = "; ".join(f"{col}: {msg}" for col, msg in problems)
                out.append(RowResult(status="invalid", error=message))
            elif status == "skipped":
                # The reason rides in `error`: the results' one message column.
                out.append(RowResult(status="skipped", error=reason))
            else:
                out.append(None)
        return out
