"""Carry out a plan: jobs for the rows to send, the engine, then the aligned results frame.

This module is the seam between :mod:`truto_frame.planning.plan` (what to send) and
:mod:`truto_frame.engine.runner` / :mod:`truto_frame.api.client` (how to send it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..api.auth import require_token
from ..api.client import CallResult, TrutoClient
from ..api.idempotency import new_run_nonce, payload_hash, run_key
from ..engine.journal import Journal
from ..engine.results import RowResult, results_frame
from ..engine.runner import Job, run_jobs
from .interruption import RunStopped
from .merge import needs_reread
from .reread import RereadLog, reread_step

if TYPE_CHECKING:
    import httpx

    from ..api.budgets import RateLimits
    from ..api.retry import RetryPolicy
    from .plan import EventUpdatePlan

__all__ = ["send_plan"]


def _reread(
    position: int,
    payload: Mapping[str, Any],
    baselines: Sequence[Mapping[str, Any] | None] | None,
    nonce: str,
    log: RereadLog,
    on_conflict: str,
) -> Any:
    # The read-before-write step of a row that re-sends values from its snapshot; None else.
    base = baselines[position] if baselines is not None else None
    if base is None or not needs_reread(payload, base):
        return None
    return reread_step(position, base, nonce=nonce, log=log, on_conflict=on_conflict)


def _row_result(result: CallResult, merged: str | None = None) -> RowResult:
    # A job the runner never sent (the run was stopped) is "cancelled", not "failed"; one that a
    # re-read found conflicted is "conflict".
    status = "updated" if result.ok else result.outcome
    if status not in ("cancelled", "conflict", "updated"):
        status = "failed"
    return RowResult(
        status=status,
        http_status=result.http_status,
        error=None if result.ok else result.error,
        attempts=result.attempts,
        response=result.body,
        merged=merged,
    )


async def send_plan(
    plan: EventUpdatePlan,
    *,
    progress: bool | None = None,
    journal: str | Journal | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    client: TrutoClient | None = None,
    limits: RateLimits | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 30.0,
    on_result: Callable[[Hashable, RowResult], None] | None = None,
    on_conflict: str = "skip",
    reread_log: RereadLog | None = None,
) -> pd.DataFrame:
    """Send the rows of ``plan`` that are ready and return one result per input row.

    Parameters
    ----------
    plan : EventUpdatePlan
        The plan to carry out.
    progress : bool, optional
        Show a progress bar.
    journal : str or Journal, optional
        Journal file (or object) that records results as they land and lets a re-run resume.
    transport : httpx.AsyncBaseTransport, optional
        Transport for the HTTP client (the sandbox app in process, for example).
    client : TrutoClient, optional
        An existing client to use (its own transport and limits); closed by its owner.
    limits : RateLimits, optional
        Budgets to pace to when no ``client`` is given (default: Truto's documented quota).
    retry : RetryPolicy, optional
        Retry policy when no ``client`` is given.
    timeout : float, default 30.0
        Seconds per request when no ``client`` is given.
    on_result : callable, optional
        Called as ``on_result(label, row_result)`` with the row's index label as each sent
        row's result lands (in the engine's thread; keep it quick).
    on_conflict : {"skip", "overwrite"}
        For rows re-read before writing (:mod:`truto_frame.planning.reread`): whether a field
        changed on both sides leaves the row unsent (``conflict``) or sends the user's value.
    reread_log : RereadLog, optional
        Filled with what the re-reads found (merges, conflicts, the events read).

    Returns
    -------
    pandas.DataFrame
        The results frame (see :mod:`truto_frame.engine.results`).
    """
    owned = client is None
    planned = plan.rows
    if plan.preflight is None and plan.counts["send"]:
        # Before the first PATCH: one GET per account (cached on the plan; see check.py).
        if client is None:
            client = TrutoClient(
                token=require_token(plan.token),  # resolved once, when the plan was built
                base_url=plan.base_url,
                transport=transport,
                limits=limits,
                retry=retry,
                timeout=timeout,
            )
        try:
            await plan.check_async(client=client)
        except asyncio.CancelledError:
            # Stopped while checking the accounts: nothing was sent; every row says so.
            if owned:
                await client.aclose()
            halted = RowResult(status="cancelled", error="not sent: the run was interrupted")
            before = plan.results_before_sending()
            final = [r or halted for r in before]
            raise RunStopped(results_frame(planned.index, final)) from None
        except BaseException:
            if owned:
                await client.aclose()
            raise
    rows: list[RowResult | None] = plan.results_before_sending()
    journal_obj = Journal(journal) if isinstance(journal, str) else journal
    done = journal_obj.succeeded() if journal_obj is not None else {}

    # One nonce per run: retries of a row reuse its key, a later run does not (idempotency.py).
    nonce = new_run_nonce()
    log = reread_log if reread_log is not None else RereadLog()
    baselines = planned.baselines
    jobs: list[Job] = []
    # Rows the preflight stopped still take an earlier run's success from the journal.
    stopped = plan.preflight.stopped if plan.preflight is not None else {}
    for position, payload in enumerate(planned.payloads):
        if (rows[position] is not None and position not in stopped) or payload is None:
            continue
        event_id = planned.event_ids[position]
        account = planned.accounts[position]
        assert event_id is not None and account is not None  # invalid rows were filtered
        # One canonical JSON per row: the journal's match and the run's key both start from it.
        digest = payload_hash(event_id, payload)
        previous = done.get((account, event_id, digest))
        if previous is not None:
            # Already changed by an earlier run with this very payload: do not send it again.
            rows[position] = RowResult(
                status="updated",
                http_status=previous.get("http_status"),
                error=None,
                attempts=0,
                response=previous.get("response"),
            )
            continue
        if position in stopped:
            continue  # not sent: cancelled with the preflight's reason
        jobs.append(
            Job(
                key=position,
                event_id=event_id,
                integrated_account_id=account,
                payload=payload,
                idempotency_key=run_key(digest, nonce),
                prepare=_reread(position, payload, baselines, nonce, log, on_conflict),
            )
        )

    if not jobs and owned and client is not None:
        await client.aclose()
    interrupted = False
    if jobs:
        if client is None:
            client = TrutoClient(
                token=require_token(plan.token),  # resolved once, when the plan was built
                base_url=plan.base_url,
                transport=transport,
                limits=limits,
                retry=retry,
                timeout=timeout,
            )
        labels = planned.index

        # Set by a callback's KeyboardInterrupt; run_jobs checks it before every new request.
        stopped_by_callback = asyncio.Event()

        def landed(job: Job, result: CallResult) -> None:
            if journal_obj is not None:
                journal_obj.record(job, result)  # first: a failing callback must not lose it
            if on_result is not None:
                position = int(job.key)  # type: ignore[call-overload]  # keys are row positions
                try:
                    on_result(labels[position], _row_result(result, log.merged.get(position)))
                except KeyboardInterrupt:
                    # Ctrl-C while the callback ran (or a callback meaning it): the same
                    # graceful stop as a Ctrl-C anywhere else, not a crashed event loop.
                    stopped_by_callback.set()

        run = asyncio.ensure_future(
            run_jobs(
                client,
                jobs,
                plan.options,
                concurrency=plan.concurrency,
                on_result=landed,
                progress=progress,
                cancel_event=stopped_by_callback,
            )
        )
        try:
            outcome, interrupted = await _settle(run)
        except BaseException:
            if owned:
                await client.aclose()
            raise
        interrupted = interrupted or stopped_by_callback.is_set()
        if owned:  # a Ctrl-C while closing must not lose the results either
            interrupted = await _close_settled(client) or interrupted
        for job in jobs:
            result = outcome.get(job.key)
            position = int(job.key)  # type: ignore[call-overload]  # keys are row positions
            rows[position] = (
                _row_result(result, log.merged.get(position))
                if result is not None
                else RowResult(status="cancelled", error="not sent: the run was interrupted")
            )
    final = [r if r is not None else RowResult(status="cancelled") for r in rows]
    frame = results_frame(planned.index, final)
    if interrupted:
        raise RunStopped(frame)
    return frame


async def _close_settled(client: TrutoClient) -> bool:
    """Close the client even if cancelled meanwhile; say whether there was a cancellation."""
    closing = asyncio.ensure_future(client.aclose())
    cancelled = False
    while True:
        try:
            await asyncio.shield(closing)
            return cancelled
        except asyncio.CancelledError:
            if closing.done():
                return True
            cancelled = True


async def _settle(
    run: asyncio.Future[dict[Hashable, CallResult]],
) -> tuple[dict[Hashable, CallResult], bool]:
    """Wait for the run; pass each cancellation on to it and say whether there was one.

    :func:`run_jobs` absorbs a cancellation (it stops gracefully and returns every result); the
    shield keeps that, and the flag lets the caller raise the cancellation once the results are
    kept. A second cancellation abandons the requests on the wire, as in :func:`run_jobs`.
    """
    interrupted = False
    while True:
        try:
            return await asyncio.shield(run), interrupted
        except asyncio.CancelledError:
            if run.done():  # the run itself ended cancelled: nothing to keep
                raise
            interrupted = True
            run.cancel()
