"""Tests for truto_frame.engine.runner: alignment, concurrency, blocked accounts, stopping,
run_sync."""

from __future__ import annotations

import asyncio
import contextvars
import json
import signal
import sys
import threading
import types
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import httpx
import pytest
from conftest import FakeClock

from truto_frame.api.client import CallResult, TrutoClient
from truto_frame.api.pacing import RateLimits
from truto_frame.api.retry import RetryPolicy
from truto_frame.engine.runner import Job, in_notebook, run_jobs, run_sync

TRUTO_503 = {"statusCode": 503, "error": "Service Unavailable", "message": "Account blocked"}


async def never(_: float) -> None:
    """A sleep that never ends: a test finishing proves nobody waited for it."""
    await asyncio.Event().wait()


def one_per_job(results: Mapping[Hashable, CallResult], jobs: Sequence[Job]) -> list[CallResult]:
    """The results in job order, after checking there is exactly one per job (none lost)."""
    assert list(results) == [job.key for job in jobs], "a job's result is missing or extra"
    return [results[job.key] for job in jobs]


def client_for(handler: Any, **kwargs: Any) -> TrutoClient:
    kwargs.setdefault("limits", RateLimits.unlimited())
    return TrutoClient(
        "tok", "https://api.example.test", transport=httpx.MockTransport(handler), **kwargs
    )


def jobs_for(n: int, account: str = "acc", prefix: str = "e") -> list[Job]:
    return [Job(f"{prefix}{i}", f"{prefix}{i}", account, {"title": str(i)}) for i in range(n)]


def test_every_key_comes_back_in_job_order() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        event = request.url.path.rsplit("/", 1)[1]
        if int(event[1:]) % 7 == 0:
            return httpx.Response(404, json={"statusCode": 404, "message": "Event not found"})
        return httpx.Response(200, json={"id": event})

    jobs = jobs_for(60)
    results = asyncio.run(run_jobs(client_for(handler), jobs, concurrency=8, progress=False))
    assert list(results) == [job.key for job in jobs]
    for i, job in enumerate(jobs):
        result = results[job.key]
        assert result.ok is (i % 7 != 0)
        assert result.http_status == (404 if i % 7 == 0 else 200)
        assert result.attempts == 1


def test_duplicate_keys_and_bad_concurrency_are_refused() -> None:
    client = client_for(lambda r: httpx.Response(200))
    with pytest.raises(ValueError, match="duplicate job key"):
        asyncio.run(run_jobs(client, [Job(1, "a", "x", {}), Job(1, "b", "x", {})]))
    with pytest.raises(ValueError, match="concurrency"):
        asyncio.run(run_jobs(client, [], concurrency=0))


def test_empty_run() -> None:
    assert asyncio.run(run_jobs(client_for(lambda r: httpx.Response(200)), [])) == {}


def test_concurrency_is_the_bound_on_requests_in_flight() -> None:
    inflight = peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal inflight, peak
        inflight += 1
        peak = max(peak, inflight)
        for _ in range(5):
            await asyncio.sleep(0)
        inflight -= 1
        return httpx.Response(200, json={})

    jobs = jobs_for(40)
    results = asyncio.run(run_jobs(client_for(handler), jobs, concurrency=6))
    assert all(r.ok for r in one_per_job(results, jobs))
    assert peak == 6


def test_blocked_account_fails_its_remaining_rows_unsent() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        account = request.url.params["integrated_account_id"]
        sent.append(account)
        if account == "blocked":
            return httpx.Response(503, json=TRUTO_503)
        return httpx.Response(200, json={})

    jobs = jobs_for(10, "blocked", "b") + jobs_for(10, "fine", "f")
    results = asyncio.run(run_jobs(client_for(handler), jobs, concurrency=1))
    assert sent.count("blocked") == 1 and sent.count("fine") == 10
    blocked = [results[job.key] for job in jobs[:10]]
    assert blocked[0].attempts == 1 and blocked[0].http_status == 503
    assert all(r.outcome == "account_blocked" and not r.ok for r in blocked)
    for r in blocked[1:]:
        assert r.attempts == 0 and r.http_status is None
        assert "integrated account blocked is blocked" in r.error
    assert all(results[job.key].ok for job in jobs[10:])


def test_rows_of_one_event_go_one_after_the_other_in_input_order() -> None:
    log: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        title = json.loads(request.content)["title"]
        log.append(f"start {title}")
        for _ in range(20):
            await asyncio.sleep(0)
        log.append(f"end {title}")
        return httpx.Response(200, json={})

    jobs = [
        Job(0, "X", "acc", {"title": "X1"}),
        Job(1, "Y", "acc", {"title": "Y1"}),
        Job(2, "X", "acc", {"title": "X2"}),
        Job(3, "X", "other", {"title": "X-other"}),  # another account's X is another event
        Job(4, "X", "acc", {"title": "X3"}),
    ]
    results = asyncio.run(run_jobs(client_for(handler), jobs, concurrency=5))
    assert all(r.ok for r in one_per_job(results, jobs))
    x_log = [line for line in log if line.split()[1] in ("X1", "X2", "X3")]
    assert x_log == ["start X1", "end X1", "start X2", "end X2", "start X3", "end X3"]
    assert log.index("start X-other") < log.index("end X1")  # not held back
    assert log.index("start Y1") < log.index("end X1")


def test_blocked_account_fails_rows_waiting_behind_the_same_event() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json=TRUTO_503)

    jobs = [Job(i, "X", "acc", {"title": str(i)}) for i in range(3)]
    results = asyncio.run(run_jobs(client_for(handler), jobs, concurrency=3))
    assert [r.attempts for r in results.values()] == [1, 0, 0]
    assert all(r.outcome == "account_blocked" for r in results.values())


def test_workers_interleave_accounts_and_prefer_one_with_room() -> None:
    clock = FakeClock()
    order: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        order.append(request.url.params["integrated_account_id"])
        return httpx.Response(200, json={})

    limits = RateLimits(per_account=(2, 10.0), margin=0.0, margin_seconds=0.0)
    client = client_for(handler, limits=limits, clock=clock, sleep=clock.sleep)
    jobs = jobs_for(6, "a", "a") + jobs_for(2, "b", "b")
    results = asyncio.run(clock.run(run_jobs(client, jobs, concurrency=2)))
    assert all(r.ok for r in one_per_job(results, jobs))
    # b's two requests go while a waits for its window, not after all of a's
    assert order[:4].count("b") == 2
    assert clock.now == pytest.approx(20.0)


def test_cancel_event_stops_new_requests_and_keeps_finished_results() -> None:
    stop = asyncio.Event()
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(200, json={})

    landed: list[CallResult] = []

    def on_result(job: Job, result: CallResult) -> None:
        landed.append(result)
        if len(landed) == 5:
            stop.set()

    jobs = jobs_for(30)
    results = asyncio.run(
        run_jobs(client_for(handler), jobs, concurrency=2, on_result=on_result, cancel_event=stop)
    )
    assert list(results) == [job.key for job in jobs]
    ok = [r for r in results.values() if r.ok]
    cancelled = [r for r in results.values() if r.outcome == "cancelled"]
    assert 5 <= len(ok) <= 6 and len(ok) == len(sent)
    assert len(ok) + len(cancelled) == 30
    assert all(r.attempts == 0 and r.http_status is None for r in cancelled)
    assert len(landed) == len(ok)  # rows never sent do not "land"


def test_stop_is_prompt_while_waiting_for_a_rate_slot() -> None:
    stop = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        stop.set()  # the second request would wait forever for the next window
        return httpx.Response(200, json={})

    limits = RateLimits(per_account=(1, 10.0))
    client = client_for(handler, limits=limits, sleep=never)
    results = asyncio.run(run_jobs(client, jobs_for(5), concurrency=3, cancel_event=stop))
    outcomes = [r.outcome for r in results.values()]
    assert outcomes == ["ok", "cancelled", "cancelled", "cancelled", "cancelled"]


def test_stop_during_retry_backoff_keeps_the_last_failure() -> None:
    stop = asyncio.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        stop.set()
        return httpx.Response(502, json={"statusCode": 502, "message": "bad gateway"})

    client = client_for(handler, sleep=never)
    results = asyncio.run(run_jobs(client, jobs_for(3), concurrency=1, cancel_event=stop))
    first, *rest = results.values()
    assert (first.outcome, first.http_status, first.attempts) == ("failed", 502, 1)
    assert first.error.endswith("(run stopped before retrying)")
    assert [r.outcome for r in rest] == ["cancelled", "cancelled"]


def gated_handler(started: asyncio.Event, gate: asyncio.Event, needed: int) -> Any:
    count = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        if count >= needed:
            started.set()
        await gate.wait()
        return httpx.Response(200, json={})

    return handler


def test_task_cancel_lets_in_flight_requests_finish() -> None:
    async def main() -> tuple[dict, bool]:
        started, gate = asyncio.Event(), asyncio.Event()
        client = client_for(gated_handler(started, gate, 3))
        task = asyncio.ensure_future(run_jobs(client, jobs_for(10), concurrency=3))
        await started.wait()
        task.cancel()
        await asyncio.sleep(0)
        gate.set()
        results = await task
        return results, task.cancelled()

    results, cancelled = asyncio.run(main())
    assert not cancelled
    outcomes = [r.outcome for r in results.values()]
    assert outcomes == ["ok"] * 3 + ["cancelled"] * 7


def test_second_cancel_abandons_in_flight_requests() -> None:
    async def main() -> dict:
        started, gate = asyncio.Event(), asyncio.Event()
        client = client_for(gated_handler(started, gate, 2))
        task = asyncio.ensure_future(run_jobs(client, jobs_for(4), concurrency=2))
        await started.wait()
        task.cancel()
        await asyncio.sleep(0)
        task.cancel()
        return await task

    results = asyncio.run(main())
    first, second, *rest = results.values()
    for r in (first, second):
        assert r.outcome == "failed" and "may or may not have been applied" in r.error
        assert r.attempts == 1
    assert [r.outcome for r in rest] == ["cancelled", "cancelled"]


def test_on_result_error_stops_the_run_and_is_raised() -> None:
    def on_result(job: Job, result: CallResult) -> None:
        raise OSError("disk full")

    client = client_for(lambda r: httpx.Response(200, json={}))
    with pytest.raises(OSError, match="disk full"):
        asyncio.run(run_jobs(client, jobs_for(5), concurrency=1, on_result=on_result))


def test_progress_bar_goes_to_stderr_only_when_asked(capsys: pytest.CaptureFixture) -> None:
    client = client_for(lambda r: httpx.Response(200, json={}))
    asyncio.run(run_jobs(client, jobs_for(3), progress=None))
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    asyncio.run(run_jobs(client, jobs_for(3), progress=True))
    out, err = capsys.readouterr()
    assert out == ""
    assert "3/3" in err and "done=3" in err and "failed=0" in err


def test_run_sync_from_sync_code_and_inside_a_running_loop() -> None:
    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")

    async def work() -> tuple[str, bool]:
        await asyncio.sleep(0)
        return marker.get(), threading.current_thread() is threading.main_thread()

    marker.set("from caller")
    assert run_sync(work()) == ("from caller", False)

    async def notebook_cell() -> tuple[str, bool]:
        # asyncio.run() would fail here: this loop is already running
        return run_sync(work())

    assert asyncio.run(notebook_cell()) == ("from caller", False)


def test_run_sync_runs_a_whole_run_jobs_and_raises_errors_as_is() -> None:
    jobs = jobs_for(5)

    async def go() -> dict:
        async with client_for(lambda r: httpx.Response(200, json={})) as client:
            return await run_jobs(client, jobs)

    assert all(r.ok for r in one_per_job(run_sync(go()), jobs))

    async def boom() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        run_sync(boom())


def press_ctrl_c(main_thread: int) -> None:
    """Send SIGINT to the main thread once it waits in run_sync, as a user's Ctrl-C would."""
    while True:
        frame = sys._current_frames().get(main_thread)
        names = set()
        while frame is not None:
            names.add(frame.f_code.co_name)
            frame = frame.f_back
        if "run_sync" in names and "wait" in names:
            break
    signal.pthread_kill(main_thread, signal.SIGINT)


def test_ctrl_c_in_run_sync_returns_results_with_cancelled_rows() -> None:
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    holder: list[asyncio.Task[Any]] = []

    pressed: list[bool] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if not pressed:
            pressed.append(True)
            press_ctrl_c(main_thread)
            while not holder[0].cancelling():
                await asyncio.sleep(0)
            for _ in range(10):  # the run task handles its cancellation on its next step
                await asyncio.sleep(0)
        return httpx.Response(200, json={})

    async def go() -> dict:
        holder.append(asyncio.current_task())  # type: ignore[arg-type]
        return await run_jobs(client_for(handler), jobs_for(6), concurrency=1)

    results = run_sync(go())
    assert [r.outcome for r in results.values()] == ["ok"] + ["cancelled"] * 5


def test_ctrl_c_on_a_plain_coroutine_raises_keyboard_interrupt() -> None:
    main_thread = threading.main_thread().ident
    assert main_thread is not None

    async def forever() -> None:
        press_ctrl_c(main_thread)
        await asyncio.Event().wait()

    with pytest.raises(KeyboardInterrupt):
        run_sync(forever())


def test_retries_are_counted_and_results_aligned_with_retry_policy() -> None:
    calls: dict[str, int] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        calls[path] = calls.get(path, 0) + 1
        if calls[path] < 3:
            return httpx.Response(500, json={"statusCode": 500})
        return httpx.Response(200, json={})

    async def instant(_: float) -> None:
        await asyncio.sleep(0)

    client = client_for(handler, sleep=instant, retry=RetryPolicy(max_attempts=5))
    jobs = jobs_for(10)
    results = asyncio.run(run_jobs(client, jobs, concurrency=4))
    assert all(r.ok and r.attempts == 3 for r in one_per_job(results, jobs))


# -- end to end through the sandbox emulator, in process -------------------------------------

from truto_frame.sandbox import (  # noqa: E402
    BLOCKED_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    FaultConfig,
    RateLimit,
    SandboxConfig,
    create_app,
)


def sandbox_jobs(app: Any, n: int, label: str = "new") -> list[Job]:
    sandbox = app.state.sandbox
    ids = sandbox.event_ids(OUTLOOK_ACCOUNT_ID)[:n]
    assert len(ids) == n
    return [
        Job(
            i,
            event_id,
            OUTLOOK_ACCOUNT_ID,
            {
                "calendar": {
                    "id": sandbox.get_event(OUTLOOK_ACCOUNT_ID, event_id)["calendar"]["id"]
                },
                "title": f"{label} {i}",
            },
        )
        for i, event_id in enumerate(ids)
    ]


def sandbox_client(app: Any, **kwargs: Any) -> TrutoClient:
    return TrutoClient(
        "sandbox-token", "http://sandbox", transport=httpx.ASGITransport(app=app), **kwargs
    )


def test_sandbox_odd_ids_are_one_path_segment_and_updates_land() -> None:
    app = create_app(SandboxConfig(events_per_account=20))
    jobs = sandbox_jobs(app, 20)
    assert any("/" in j.event_id or "+" in j.event_id for j in jobs)
    results = asyncio.run(run_jobs(sandbox_client(app), jobs, concurrency=4))
    assert all(r.ok and r.http_status == 200 for r in results.values()), results
    sandbox = app.state.sandbox
    for job in jobs:
        assert sandbox.get_event(OUTLOOK_ACCOUNT_ID, job.event_id)["title"] == job.payload["title"]
        assert results[job.key].body["id"] == job.event_id
    assert [r.event_id for r in sandbox.requests] == [j.event_id for j in jobs]
    assert all(r.idempotency_key and len(r.idempotency_key) == 64 for r in sandbox.requests)


def test_sandbox_faults_are_retried_to_success() -> None:
    faults = FaultConfig(
        error_rate=0.2, remote_503_rate=0.1, drop_rate=0.1, drop_after_rate=0.1, seed=7
    )
    # no quota: the instant sleep below must never stand in for waiting on the real clock
    config = SandboxConfig(events_per_account=60, faults=faults, account_limit=None)
    app = create_app(config)
    jobs = sandbox_jobs(app, 60)

    async def instant(_: float) -> None:
        await asyncio.sleep(0)

    client = sandbox_client(
        app, sleep=instant, limits=RateLimits.unlimited(), retry=RetryPolicy(max_attempts=10)
    )
    results = asyncio.run(run_jobs(client, jobs, concurrency=8))
    assert all(r.ok for r in results.values()), [r.error for r in results.values() if not r.ok]
    assert sum(r.attempts > 1 for r in results.values()) >= 10
    sandbox = app.state.sandbox
    for job in jobs:
        assert sandbox.get_event(OUTLOOK_ACCOUNT_ID, job.event_id)["title"] == job.payload["title"]


def test_sandbox_blocked_account_sends_no_more_than_the_first_requests() -> None:
    app = create_app(SandboxConfig())
    sandbox = app.state.sandbox
    ids = sandbox.event_ids(BLOCKED_ACCOUNT_ID)[:12] or [f"e{i}" for i in range(12)]
    jobs = [Job(i, e, BLOCKED_ACCOUNT_ID, {"title": "x"}) for i, e in enumerate(ids)]
    results = asyncio.run(run_jobs(sandbox_client(app), jobs, concurrency=3))
    assert all(r.outcome == "account_blocked" for r in results.values())
    assert sum(r.attempts for r in results.values()) == len(sandbox.requests) <= 3


def test_sandbox_quota_is_paced_without_a_single_429() -> None:
    clock = FakeClock()
    config = SandboxConfig(
        events_per_account=150,
        account_limit=RateLimit(50, 10),
        clock=clock,
        sleep=clock.sleep,
    )
    app = create_app(config)
    client = sandbox_client(app, clock=clock, sleep=clock.sleep)  # Truto's documented limits
    jobs = sandbox_jobs(app, 150)
    results = asyncio.run(clock.run(run_jobs(client, jobs, concurrency=16)))
    assert all(r.ok and r.attempts == 1 for r in one_per_job(results, jobs))
    assert app.state.sandbox.counts(OUTLOOK_ACCOUNT_ID)["rate_limited"] == 0
    # quota-bound: 3 windows of 50, so two waits of one window (stretched by the margins)
    assert clock.now == pytest.approx(2 * (10.2 + 0.05))


@pytest.mark.parametrize("learn", [True, False])
def test_sandbox_without_client_budgets(learn: bool) -> None:
    clock = FakeClock()
    config = SandboxConfig(
        events_per_account=120,
        account_limit=RateLimit(50, 10),
        clock=clock,
        sleep=clock.sleep,
    )
    app = create_app(config)
    limits = RateLimits(per_account=None, per_token=None, learn=learn)
    client = sandbox_client(app, clock=clock, sleep=clock.sleep, limits=limits)
    jobs = sandbox_jobs(app, 120)
    results = asyncio.run(clock.run(run_jobs(client, jobs, concurrency=16)))
    landed = one_per_job(results, jobs)
    assert all(r.ok for r in landed), [r.error for r in landed if not r.ok]
    limited = app.state.sandbox.counts(OUTLOOK_ACCOUNT_ID)["rate_limited"]
    if learn:  # ratelimit-remaining / -reset alone pace the run
        assert limited == 0
    else:  # 429s happen, Retry-After pauses the account, every row still lands
        assert 0 < limited < 60


# --------------------------------------------------------------------------- notebook detection


def _fake_ipython(monkeypatch: pytest.MonkeyPatch, shell: object) -> None:
    module = types.ModuleType("IPython")
    module.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", module)


def test_in_notebook_only_in_a_kernel_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    ZMQInteractiveShell = type("ZMQInteractiveShell", (), {})
    ColabShell = type("Shell", (ZMQInteractiveShell,), {})  # Colab subclasses the kernel shell
    TerminalInteractiveShell = type("TerminalInteractiveShell", (), {})
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not in_notebook()  # ipykernel imported by a test runner is not a notebook
    _fake_ipython(monkeypatch, None)
    assert not in_notebook()
    _fake_ipython(monkeypatch, TerminalInteractiveShell())
    assert not in_notebook()
    _fake_ipython(monkeypatch, ZMQInteractiveShell())
    assert in_notebook()
    _fake_ipython(monkeypatch, ColabShell())
    assert in_notebook()


def test_ctrl_c_raises_when_asked_even_if_the_coroutine_absorbed_it() -> None:
    # plan.apply()'s case: the run stopped gracefully (or had just finished) and returned, but
    # the user pressed Ctrl-C: the caller stops too.
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    finished: list[bool] = []

    async def absorbs() -> str:
        press_ctrl_c(main_thread)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            finished.append(True)
        return "kept"

    with pytest.raises(KeyboardInterrupt):
        run_sync(absorbs(), always_raise_interrupt=True)
    assert finished == [True]
