"""The preflight (issue 9): one GET per account before the first PATCH, and what it changes.

Over the sandbox in process (``httpx.ASGITransport``) and over real HTTP on 127.0.0.1; a
counting transport tells how many requests of each kind went out.
"""

from __future__ import annotations

import socket
import time
from collections import Counter
from typing import Any

import httpx
import pandas as pd
import pytest

import truto_frame
from truto_frame.api.accounts import check_from_error, check_from_record
from truto_frame.sandbox import (
    GOOGLECALENDAR_ACCOUNT_ID,
    NEEDS_REAUTH_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    READ_ONLY_ACCOUNT_ID,
    SandboxConfig,
    create_app,
    running_server,
)

TOKEN = "sandbox-token"
BASE = "http://sandbox"


class Counting(httpx.AsyncBaseTransport):
    """Wraps a transport and counts requests by (method, first path segment)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.seen: Counter[tuple[str, str]] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        kind = "account" if request.url.path.startswith("/integrated-account/") else "events"
        self.seen[(request.method, kind)] += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    @property
    def total(self) -> int:
        return sum(self.seen.values())


def in_process(app: Any) -> Counting:
    return Counting(httpx.ASGITransport(app=app))


def rows_for(sandbox: Any, account: str, n: int, **fields: Any) -> pd.DataFrame:
    """``n`` rows of an account, cycling over its events if it has fewer (distinct ids)."""
    ids = sandbox.event_ids(account)
    rows = []
    for i in range(n):
        event_id = ids[i % len(ids)] if i < len(ids) else f"missing-{account[:4]}-{i}"
        row = {"id": event_id, "integrated_account_id": account, "calendar.id": "primary"}
        rows.append({**row, **fields})
    return pd.DataFrame(rows)


def google_rows(sandbox: Any, account: str, n: int, **fields: Any) -> pd.DataFrame:
    rows = []
    for event_id in sandbox.event_ids(account)[:n]:
        event = sandbox.get_event(account, event_id)
        rows.append(
            {
                "id": event_id,
                "integrated_account_id": account,
                "calendar.id": event["calendar"]["id"],
                "start_time": event["start_time"],
                "end_time": event["end_time"],
                "timezone": event["timezone"],
                **fields,
            }
        )
    return pd.DataFrame(rows)


# -- the verdicts, pure ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "ok", "says"),
    [
        ({"integration": {"name": "googlecalendar"}, "status": "active"}, True, None),
        ({"integration_name": "outlookcalendar", "status": "active"}, True, None),
        ({"integration": {"name": "x"}, "status": "active", "is_sandbox": True}, False, "sandbox"),
        ({"integration": {"name": "x"}, "status": "needs_reauth"}, False, "reconnect"),
        ({"integration": {"name": "x"}}, True, None),  # no status: the server decides
        ("not a record", True, "unexpected shape"),
    ],
)
def test_check_from_record(record: Any, ok: bool, says: str | None) -> None:
    check = check_from_record("acc-1", record)
    assert check.ok is ok
    if says is None:
        assert check.problem is None
    else:
        assert check.problem is not None and says in check.problem


@pytest.mark.parametrize(
    ("status", "body", "ok", "token", "says"),
    [
        (401, {"statusCode": 401, "message": "Invalid API token"}, False, True, "TRUTO_API_TOKEN"),
        (401, {"statusCode": 401, "truto_is_remote_error": True}, False, False, "reconnect"),
        (404, {"statusCode": 404}, False, False, "not found"),
        (403, {"statusCode": 403}, False, False, "environment"),
        (500, {"statusCode": 500}, True, False, "could not check"),
        (None, None, True, False, "could not check"),
    ],
)
def test_check_from_error(status: Any, body: Any, ok: bool, token: bool, says: str) -> None:
    check = check_from_error("acc-1", status, body, "the error line")
    assert (check.ok, check.token_refused) == (ok, token)
    assert check.problem is not None and says in check.problem


# -- over the sandbox -----------------------------------------------------------------------------


def test_wrong_token_settles_200_rows_over_2_accounts_with_2_requests() -> None:
    app = create_app(SandboxConfig(seed=1))
    sandbox = app.state.sandbox
    df = pd.concat(
        [
            rows_for(sandbox, GOOGLECALENDAR_ACCOUNT_ID, 100, title="T"),
            rows_for(sandbox, OUTLOOK_ACCOUNT_ID, 100, title="T"),
        ],
        ignore_index=True,
    )
    plan = df.truto.update_events(token="wrong-token", base_url=BASE)
    transport = in_process(app)
    results = plan.apply(transport=transport, progress=False)
    assert len(results) == 200
    assert transport.seen[("PATCH", "events")] == 0
    assert transport.total <= 2  # the first account's check, at most one more
    assert (results["status"] == "cancelled").all()
    assert results["error"].str.contains("TRUTO_API_TOKEN").all()
    assert "wrong-token" not in " ".join(results["error"].tolist())


def test_sandbox_and_needs_reauth_accounts_get_no_patch_and_every_row_says_why() -> None:
    app = create_app(SandboxConfig(seed=2))
    sandbox = app.state.sandbox
    df = pd.concat(
        [
            google_rows(sandbox, READ_ONLY_ACCOUNT_ID, 10, title="T"),
            google_rows(sandbox, NEEDS_REAUTH_ACCOUNT_ID, 10, title="T"),
            google_rows(sandbox, GOOGLECALENDAR_ACCOUNT_ID, 5, title="Fine"),
        ],
        ignore_index=True,
    )
    plan = df.truto.update_events(token=TOKEN, base_url=BASE)
    check = plan.check(transport=httpx.ASGITransport(app=app))
    assert not check.accounts[READ_ONLY_ACCOUNT_ID].ok
    assert check.accounts[NEEDS_REAUTH_ACCOUNT_ID].status == "needs_reauth"
    assert check.accounts[GOOGLECALENDAR_ACCOUNT_ID].integration == "googlecalendar"
    assert len(check.stopped) == 20 and check.stopped_per_account[READ_ONLY_ACCOUNT_ID] == 10
    assert any("10 rows not sent" in line for line in check.findings)

    transport = in_process(app)
    results = plan.apply(transport=transport, progress=False)
    assert transport.seen[("GET", "account")] == 0  # the check is cached on the plan
    assert transport.seen[("PATCH", "events")] == 5
    patched = Counter(r.account_id for r in sandbox.requests if r.method == "PATCH")
    assert patched == {GOOGLECALENDAR_ACCOUNT_ID: 5}
    statuses = results["status"].tolist()
    assert statuses == ["cancelled"] * 20 + ["updated"] * 5
    assert results["error"][:10].str.contains("sandbox account").all()
    assert results["error"][10:20].str.contains("reconnect the account in Truto").all()


def test_without_the_preflight_the_breakers_allow_at_most_one_patch_per_account() -> None:
    # The engine alone (no check): the first refusal stops the account's remaining rows.
    import asyncio

    from truto_frame.api.client import TrutoClient
    from truto_frame.api.pacing import RateLimits
    from truto_frame.engine.runner import Job, run_jobs

    app = create_app(SandboxConfig(seed=2))
    sandbox = app.state.sandbox
    jobs = [
        Job(f"{account}-{i}", event_id, account, {"title": "x"})
        for account in (READ_ONLY_ACCOUNT_ID, NEEDS_REAUTH_ACCOUNT_ID)
        for i, event_id in enumerate(sandbox.event_ids(account)[:20])
    ]
    client = TrutoClient(
        TOKEN, BASE, transport=httpx.ASGITransport(app=app), limits=RateLimits.unlimited()
    )
    results = asyncio.run(run_jobs(client, jobs, concurrency=2, progress=False))
    patched = Counter(r.account_id for r in sandbox.requests if r.method == "PATCH")
    assert patched == {READ_ONLY_ACCOUNT_ID: 1, NEEDS_REAUTH_ACCOUNT_ID: 1}
    for job in jobs:
        error = results[job.key].error or ""
        if job.integrated_account_id == READ_ONLY_ACCOUNT_ID:
            assert "non-sandbox" in error
        else:
            assert "reconnect the account in Truto" in error


def test_google_title_only_row_without_integration_is_stopped_before_sending() -> None:
    app = create_app(SandboxConfig(seed=4))
    sandbox = app.state.sandbox
    ids = sandbox.event_ids(GOOGLECALENDAR_ACCOUNT_ID)[:2]
    calendar = sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, ids[0])["calendar"]["id"]
    df = pd.DataFrame({"id": ids, "calendar.id": [calendar] * 2, "title": ["A", "B"]})
    plan = df.truto.update_events(
        integrated_account_id=GOOGLECALENDAR_ACCOUNT_ID, token=TOKEN, base_url=BASE
    )
    assert plan.counts["send"] == 2  # offline, the integration is unknown
    transport = in_process(app)
    results = plan.apply(transport=transport, progress=False)
    assert transport.seen[("PATCH", "events")] == 0
    assert results["status"].tolist() == ["invalid", "invalid"]
    assert results["error"].str.contains("start_time is required").all()
    assert results["error"].str.contains("googlecalendar").all()
    assert plan.counts["invalid"] == 2 and set(plan.problems["column"]) >= {"start_time"}


def test_google_title_only_row_with_a_baseline_is_completed_and_updated() -> None:
    app = create_app(SandboxConfig(seed=4))
    transport = httpx.ASGITransport(app=app)
    events = truto_frame.read_events(
        GOOGLECALENDAR_ACCOUNT_ID, token=TOKEN, base_url=BASE, transport=transport
    ).head(3)
    edited = events.assign(title="Renamed")
    plan = edited.truto.update_events(baseline=events, token=TOKEN, base_url=BASE)
    results = plan.apply(transport=transport, progress=False)
    assert results["status"].tolist() == ["updated"] * 3
    for body in plan.payloads:
        assert {"start_time", "end_time", "timezone", "title"} <= set(body)


def test_an_integration_given_that_disagrees_with_truto_is_an_error() -> None:
    app = create_app(SandboxConfig(seed=5))
    sandbox = app.state.sandbox
    df = google_rows(sandbox, GOOGLECALENDAR_ACCOUNT_ID, 2, title="T")
    plan = df.truto.update_events(token=TOKEN, base_url=BASE, integration="outlookcalendar")
    transport = in_process(app)
    results = plan.apply(transport=transport, progress=False)
    assert transport.seen[("PATCH", "events")] == 0
    assert (results["status"] == "invalid").all()
    assert results["error"].str.contains("integration='outlookcalendar' was given").all()


def test_unreachable_host_settles_100_rows_quickly_with_one_few_attempts() -> None:
    with socket.socket() as sock:  # a port on 127.0.0.1 that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    df = pd.DataFrame(
        {
            "id": [f"e{i}" for i in range(100)],
            "integrated_account_id": ["acc-a", "acc-b"] * 50,
            "calendar.id": "primary",
            "title": "T",
        }
    )
    plan = df.truto.update_events(token=TOKEN, base_url=f"http://127.0.0.1:{port}")
    transport = Counting(httpx.AsyncHTTPTransport())
    started = time.monotonic()
    results = plan.apply(transport=transport, progress=False)
    elapsed = time.monotonic() - started
    print(f"unreachable host: {transport.total} requests, {elapsed:.2f} s")  # figures, not a bar
    assert transport.total == 2  # the first account's check, stopped by the breaker
    assert transport.seen[("PATCH", "events")] == 0
    assert len(results) == 100 and (results["status"] == "cancelled").all()
    assert results["error"].str.contains(f"could not connect to http://127.0.0.1:{port}").all()


def test_preflight_over_real_http() -> None:
    app = create_app(SandboxConfig(seed=6))
    sandbox = app.state.sandbox
    df = pd.concat(
        [
            google_rows(sandbox, NEEDS_REAUTH_ACCOUNT_ID, 3, title="T"),
            google_rows(sandbox, GOOGLECALENDAR_ACCOUNT_ID, 3, title="Over HTTP"),
        ],
        ignore_index=True,
    )
    with running_server(app=app) as url:
        bad = df.truto.update_events(token="nope", base_url=url).apply(progress=False)
        plan = df.truto.update_events(token=TOKEN, base_url=url)
        results = plan.apply(progress=False)
    assert (bad["status"] == "cancelled").all() and bad["error"].str.contains("TOKEN").all()
    assert results["status"].tolist() == ["cancelled"] * 3 + ["updated"] * 3
    assert [r.method for r in sandbox.requests] == ["PATCH"] * 3


def test_stopped_during_the_account_check_sends_nothing_and_keeps_every_row() -> None:
    import asyncio

    app = create_app(SandboxConfig(seed=7))
    sandbox = app.state.sandbox
    plan = google_rows(sandbox, GOOGLECALENDAR_ACCOUNT_ID, 4, title="T").truto.update_events(
        token=TOKEN, base_url=BASE
    )
    entered = asyncio.Event()

    class Gate(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            entered.set()
            await asyncio.Event().wait()  # the account check never answers
            raise AssertionError("unreachable")

    async def cell() -> None:
        task = asyncio.ensure_future(plan.apply_async(transport=Gate(), progress=False))
        await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cell())
    assert plan.results is not None
    assert plan.results["status"].tolist() == ["cancelled"] * 4
    assert not [r for r in sandbox.requests if r.method == "PATCH"]


def test_a_journal_success_stands_for_a_row_of_an_account_refused_later(tmp_path: Any) -> None:
    from truto_frame.sandbox import SandboxConfig as Config

    journal = str(tmp_path / "run.jsonl")
    app = create_app(Config(seed=8))
    sandbox = app.state.sandbox
    df = google_rows(sandbox, GOOGLECALENDAR_ACCOUNT_ID, 3, title="Journaled")
    first = df.truto.update_events(token=TOKEN, base_url=BASE)
    assert (
        first.apply(transport=httpx.ASGITransport(app=app), journal=journal, progress=False)[
            "status"
        ]
        == "updated"
    ).all()
    # The same account now needs re-authorization: the rows already done stay done.
    refused = create_app(
        Config(seed=8, needs_reauth_accounts=frozenset({GOOGLECALENDAR_ACCOUNT_ID}))
    )
    again = df.truto.update_events(token=TOKEN, base_url=BASE)
    results = again.apply(
        transport=httpx.ASGITransport(app=refused), journal=journal, progress=False
    )
    assert results["status"].tolist() == ["updated"] * 3
    assert results["attempts"].tolist() == [0] * 3
    assert not refused.state.sandbox.requests


def test_a_host_that_accepts_but_never_answers_is_given_up_after_two_checks() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)  # connections are accepted by the kernel; nothing ever answers
    port = server.getsockname()[1]
    try:
        df = pd.DataFrame(
            {"id": ["e1", "e2", "e3"], "calendar.id": "c", "title": "T"},
        )
        plan = df.truto.update_events(
            integrated_account_id="acc", token=TOKEN, base_url=f"http://127.0.0.1:{port}"
        )
        transport = Counting(httpx.AsyncHTTPTransport())
        results = plan.apply(transport=transport, progress=False, timeout=0.3)
    finally:
        server.close()
    assert transport.total == 2 and transport.seen[("PATCH", "events")] == 0
    assert (results["status"] == "cancelled").all()
    assert results["error"].str.contains(f"no answer from http://127.0.0.1:{port}").all()
    assert results["error"].str.contains("timed out after 0.3 s").all()
