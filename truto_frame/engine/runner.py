"""Concurrent execution of PATCH jobs: every job gets exactly one result.

:func:`run_jobs` runs at most ``concurrency`` requests at a time through one
:class:`~truto_frame.api.client.TrutoClient`. Workers pick the next job round-robin across
integrated accounts, preferring an account whose rate budget has room, so that one throttled
account never holds every worker while others wait. Jobs for the same event of the same account
never overlap and go in input order, so the last row wins. When Truto answers its own 503 (the
account is blocked) the account's remaining jobs fail at once, unsent; the circuit breakers of
:mod:`truto_frame.engine.breakers` stop the remaining jobs of an account, or of the whole run,
that can no longer succeed (refused token, refused account, unreachable host): they come back
``cancelled`` with the reason, and requests waiting to retry end with their last failure.

Stopping: set ``cancel_event`` or cancel the task running :func:`run_jobs` (Ctrl-C through
:func:`run_sync`). No new request starts; requests on the wire finish and keep their result;
jobs waiting for a rate slot or a retry stop at once. A second cancellation abandons the
requests on the wire too. Jobs never sent come back with ``outcome="cancelled"`` and
``attempts=0``.

:func:`run_sync` (from :mod:`truto_frame.engine.eventloop`) runs a coroutine from sync code, a
Jupyter
cell included, on a private event loop in a worker thread (no ``nest_asyncio``).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from ..api.client import CallResult
from ..api.options import RequestOptions
from ..api.refusals import refusal_of
from .breakers import Breakers, Trip
from .eventloop import run_sync
from .jobs import Job
from .progress import Progress, in_notebook

if TYPE_CHECKING:
    from ..api.client import TrutoClient

__all__ = ["Job", "in_notebook", "run_jobs", "run_sync"]


class _Flag(Protocol):
    def is_set(self) -> bool: ...


class _Running:
    """What one worker is doing, so a stop can tell waiting from sending."""

    __slots__ = ("job", "last_failure", "sending", "task", "tripped")

    def __init__(self, job: Job, task: asyncio.Task[Any] | None) -> None:
        self.job = job
        self.task = task
        self.sending = False
        self.last_failure: CallResult | None = None
        self.tripped: Trip | None = None  # set when a breaker cancelled its wait


class _Tripped(Exception):
    """Raised from ``on_retry`` to end a request whose account (or run) a breaker stopped."""

    def __init__(self, trip: Trip) -> None:
        super().__init__(trip.message)
        self.trip = trip


def _cancelled(job: Job, error: str) -> CallResult:
    return CallResult(False, None, None, error, 0, "cancelled")


async def run_jobs(
    client: TrutoClient,
    jobs: Iterable[Job],
    options: RequestOptions | None = None,
    concurrency: int = 16,
    on_result: Callable[[Job, CallResult], object] | None = None,
    progress: bool | None = None,
    cancel_event: _Flag | None = None,
) -> dict[Hashable, CallResult]:
    """Send every job, at most ``concurrency`` at a time; one result per job key.

    Parameters
    ----------
    client : TrutoClient
        The client (its pacer and retry policy apply to every request).
    jobs : iterable of Job
        The PATCHes; keys must be unique.
    options : RequestOptions, optional
        Query options shared by every request.
    concurrency : int
        Requests in flight at most.
    on_result : callable, optional
        Called as ``on_result(job, result)`` as each result lands (e.g.
        :meth:`truto_frame.engine.journal.Journal.record`). If it raises, the run stops like a
        cancellation and the error is raised after the in-flight requests finished.
    progress : bool or None
        Show a tqdm bar (done / failed / retrying, rate) on stderr; ``None``: only when
        stderr is a terminal or in a notebook.
    cancel_event : asyncio.Event or threading.Event, optional
        Set it to stop the run (see the module docstring).

    Returns
    -------
    dict
        ``{job.key: CallResult}`` for every job, in job order, never-sent ones included
        (``outcome`` ``"cancelled"``; ``"account_blocked"`` for an account blocked by Truto).

    Raises
    ------
    ValueError
        When two jobs share a key or ``concurrency`` is below 1.
    """
    job_list = list(jobs)
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    results: dict[Hashable, CallResult] = {}
    queues: dict[str, deque[Job]] = {}
    for job in job_list:
        if job.key in results:
            raise ValueError(f"duplicate job key {job.key!r}: every job needs its own key")
        results[job.key] = _cancelled(job, "not sent: the run was stopped")
        queues.setdefault(job.integrated_account_id, deque()).append(job)
    ring = deque(queues)
    # Two rows for one event go one after the other, in input order (the last row wins, as in
    # the sheet); concurrent PATCHes of one event would land in any order.
    sending_events: set[tuple[str, str]] = set()
    deferred: dict[tuple[str, str], deque[Job]] = {}
    running: dict[int, _Running] = {}
    stopping = False
    callback_error: list[BaseException] = []
    bar = Progress(len(job_list), progress)
    pacer = client.pacer
    breakers = Breakers(client.base_url)

    def next_job() -> Job | None:
        while ring:
            job = pick()
            event = (job.integrated_account_id, job.event_id)
            if event not in sending_events:
                sending_events.add(event)
                return job
            deferred.setdefault(event, deque()).append(job)
        return None

    def pick() -> Job:
        # Round-robin over accounts with work left, first one with room in its budget.
        best: str | None = None
        best_delay = float("inf")
        for _ in range(len(ring)):
            account = ring[0]
            ring.rotate(-1)
            delay = pacer.delay(account)
            if delay <= 0:
                best = account
                break
            if delay < best_delay:
                best, best_delay = account, delay
        if best is None:
            best = ring[0]  # every delay unknown: any account will do
        queue = queues[best]
        job = queue.popleft()
        if not queue:
            del queues[best]
            ring.remove(best)
        return job

    def land(job: Job, result: CallResult) -> None:
        tripped = breakers.observe(job.integrated_account_id, result)
        if not result.ok and result.outcome != "account_blocked":
            refusal = refusal_of(result.http_status, result.body)
            if refusal is not None:  # the row that got the refusal says what to do, too
                result = dataclasses.replace(result, error=f"{result.error}; {refusal.advice}")
        results[job.key] = result
        release((job.integrated_account_id, job.event_id))
        if result.ok:
            bar.done += 1
        else:
            bar.failed += 1
        if result.outcome == "account_blocked":
            block(job.integrated_account_id, result)
        if tripped is not None:
            trip(tripped)
        if on_result is not None:
            try:
                on_result(job, result)
            except Exception as exc:  # e.g. the journal's disk is full: stop, report later
                callback_error.append(exc)
                stop()
        bar.update(1)

    def release(event: tuple[str, str]) -> None:
        sending_events.discard(event)
        waiting = deferred.get(event)
        if waiting:  # the next row of this event goes first in its account's queue
            follower = waiting.popleft()
            if not waiting:
                del deferred[event]
            account = follower.integrated_account_id
            halted = breakers.stopped(account)
            if halted is not None:
                land(follower, _cancelled(follower, f"not sent: {halted.message}"))
                return
            if account not in queues:
                queues[account] = deque()
                ring.append(account)
            queues[account].appendleft(follower)

    def block(account: str, cause: CallResult) -> None:
        queue = queues.pop(account, None) or deque()
        if account in ring:
            ring.remove(account)
        for event in [e for e in deferred if e[0] == account]:
            queue.extend(deferred.pop(event))
        message = (
            f"not sent: integrated account {account} is blocked by Truto "
            f"(another row got {cause.error})"
        )
        for job in queue:
            land(job, CallResult(False, None, None, message, 0, "account_blocked"))

    def trip(tripped: Trip) -> None:
        # Every queued row of the account (of the run) ends unsent with the reason; requests
        # waiting for a rate slot or a retry stop now; those on the wire finish.
        accounts = [tripped.account] if tripped.account is not None else list(queues)
        doomed: list[Job] = []
        for account in accounts:
            doomed.extend(queues.pop(account, deque()))
            if account in ring:
                ring.remove(account)
        for event in [e for e in deferred if tripped.account in (None, e[0])]:
            doomed.extend(deferred.pop(event))
        me = asyncio.current_task()
        for state in running.values():
            if (
                state.task is not None
                and state.task is not me
                and not state.sending
                and state.tripped is None
                and tripped.account in (None, state.job.integrated_account_id)
            ):
                state.tripped = tripped
                state.task.cancel()
        for job in doomed:
            land(job, _cancelled(job, f"not sent: {tripped.message}"))

    def stop() -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        for state in running.values():
            if not state.sending and state.task is not None:
                state.task.cancel()  # waiting for a rate slot or a retry: stop now

    def stopped() -> bool:
        if not stopping and cancel_event is not None and cancel_event.is_set():
            stop()
        return stopping

    async def worker(slot: int) -> None:
        while not stopped():
            job = next_job()
            if job is None:
                return
            state = _Running(job, asyncio.current_task())
            running[slot] = state

            def on_send(attempt: int, state: _Running = state) -> None:
                state.sending = True

            def on_retry(failure: CallResult, state: _Running = state) -> None:
                state.sending = False
                if state.last_failure is None:
                    bar.retrying += 1
                state.last_failure = failure
                if stopped():
                    raise asyncio.CancelledError  # stop instead of waiting to retry
                tripped = breakers.observe(state.job.integrated_account_id, failure)
                if tripped is not None:
                    trip(tripped)
                halted = breakers.stopped(state.job.integrated_account_id)
                if halted is not None:
                    raise _Tripped(halted)  # retrying cannot succeed any more

            try:
                prepared = job if job.prepare is None else await job.prepare(client, job)
                if isinstance(prepared, CallResult):
                    result = prepared  # decided before writing (e.g. a conflict): not sent
                else:
                    result = await client.update_event(
                        prepared.event_id,
                        prepared.integrated_account_id,
                        prepared.payload,
                        options,
                        prepared.idempotency_key,
                        on_retry=on_retry,
                        on_send=on_send,
                    )
            except asyncio.CancelledError:
                if state.tripped is None or stopping:
                    land(job, _interrupted(state))
                    return
                _uncancel()  # our breaker's cancel, not the caller's: go on with other rows
                result = _tripped(state, state.tripped)
            except _Tripped as exc:
                result = _tripped(state, exc.trip)
            except Exception as exc:  # a bug must not lose the row
                result = CallResult(
                    False, None, None, f"internal error: {type(exc).__name__}: {exc}", 0, "failed"
                )
            finally:
                running.pop(slot, None)
                if state.last_failure is not None:
                    bar.retrying -= 1
            land(job, result)

    tasks = [asyncio.ensure_future(worker(slot)) for slot in range(min(concurrency, len(job_list)))]
    watcher = asyncio.ensure_future(_watch(cancel_event, stop)) if cancel_event else None
    try:
        await _wait_all(tasks, stop)
    finally:
        if watcher is not None:
            watcher.cancel()
        bar.close()
    if callback_error:
        raise callback_error[0]
    return results


async def _watch(flag: _Flag, stop: Callable[[], None]) -> None:
    """Stop promptly when the flag is set, even while every worker waits for a rate slot."""
    if isinstance(flag, asyncio.Event):
        await flag.wait()
    else:  # a threading.Event, set from another thread: poll it
        while not flag.is_set():
            await asyncio.sleep(0.05)
    stop()


def _tripped(state: _Running, trip: Trip) -> CallResult:
    last = state.last_failure
    if last is None:
        return _cancelled(state.job, f"not sent: {trip.message}")
    error = f"{last.error} (not retried: {trip.message})"
    return dataclasses.replace(last, error=error, outcome="failed")


def _interrupted(state: _Running) -> CallResult:
    if state.sending:
        return CallResult(
            False,
            None,
            None,
            "interrupted while the request was on the wire: it may or may not have been applied",
            state.last_failure.attempts + 1 if state.last_failure else 1,
            "failed",
        )
    if state.last_failure is not None:
        last = state.last_failure
        error = f"{last.error} (run stopped before retrying)"
        return CallResult(False, last.http_status, last.body, error, last.attempts, "failed")
    return _cancelled(state.job, "not sent: the run was stopped")


async def _wait_all(tasks: list[asyncio.Task[None]], stop: Callable[[], None]) -> None:
    """Wait for the workers; a cancellation stops them gracefully, a second one abruptly."""
    if not tasks:
        return
    try:
        # asyncio.wait, unlike gather, does not cancel the workers when we are cancelled.
        await asyncio.wait(tasks)
        return
    except asyncio.CancelledError:
        stop()
        _uncancel()
    try:
        await asyncio.wait(tasks)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
        _uncancel()


def _uncancel() -> None:
    # Python 3.11+: we handled the cancellation by returning results; clear the request so
    # enclosing timeouts and task groups see a normal completion.
    task = asyncio.current_task()
    uncancel = getattr(task, "uncancel", None)
    if uncancel is not None:
        uncancel()
