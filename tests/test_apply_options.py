"""plan.apply()'s engine options: limits=, retry=, timeout= and the on_result= callback."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timezone
from typing import Any

import httpx
import pandas as pd
import pytest

import truto_frame
from truto_frame.api.pacing import RateLimits
from truto_frame.api.retry import RetryPolicy
from truto_frame.engine.results import RowResult
from truto_frame.sandbox import (
    GOOGLECALENDAR_ACCOUNT_ID,
    RateLimit,
    SandboxConfig,
    create_app,
    running_server,
)

TOKEN = "sandbox-token"
BASE = "http://sandbox.test"


ANCHOR = datetime(2026, 3, 2, tzinfo=timezone.utc)


def _events() -> pd.DataFrame:
    # Read from a twin sandbox (same seed and anchor, same events), so that reading does not
    # spend the quota of the sandbox under test.
    twin = httpx.ASGITransport(app=create_app(SandboxConfig(anchor=ANCHOR)))
    return truto_frame.read_events(
        GOOGLECALENDAR_ACCOUNT_ID,
        token=TOKEN,
        base_url=BASE,
        start_time="2026-03-01",
        end_time="2026-04-01",
        transport=twin,
    ).head(6)


def _setup(**config: Any) -> tuple[Any, httpx.ASGITransport, pd.DataFrame]:
    app = create_app(SandboxConfig(anchor=ANCHOR, **config))
    return app, httpx.ASGITransport(app=app), _events()


def _retitled(before: pd.DataFrame, labels: list[Hashable]) -> pd.DataFrame:
    edited = before.copy()
    edited.index = labels
    edited["title"] = [f"New {i}" for i in range(len(edited))]
    return edited


def test_on_result_reports_every_sent_row_by_label() -> None:
    _app, transport, before = _setup()
    labels: list[Hashable] = ["a", "b", "c", "d", "e", "f"]
    edited = _retitled(before, labels)
    edited.loc["c", "status"] = "maybe"  # invalid: planned, never sent, never reported
    baseline = before.set_axis(labels)
    plan = edited.truto.update_events(token=TOKEN, base_url=BASE, baseline=baseline)
    seen: dict[Hashable, RowResult] = {}

    def record(label: Hashable, result: RowResult) -> None:
        assert label not in seen
        seen[label] = result

    results = plan.apply(transport=transport, progress=False, on_result=record)
    assert sorted(seen) == ["a", "b", "d", "e", "f"]
    assert all(r.status == "updated" and r.http_status == 200 for r in seen.values())
    assert results.loc["c", "status"] == "invalid"
    assert seen["a"].response["title"] == results.loc["a", "response"]["title"] == "New 0"


def test_a_failing_on_result_stops_the_run_and_raises() -> None:
    app, transport, before = _setup()
    plan = _retitled(before, list(range(6))).truto.update_events(
        token=TOKEN, base_url=BASE, baseline=before.set_axis(range(6)), concurrency=1
    )

    def broken(label: Hashable, result: RowResult) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        plan.apply(transport=transport, progress=False, on_result=broken)
    # concurrency 1: the first result stops the run, the five others are never sent.
    patches = [r for r in app.state.sandbox.requests if r.method == "PATCH"]
    assert len(patches) == 1


def test_retry_policy_is_used() -> None:
    app, transport, before = _setup()
    app.state.sandbox.script_faults(["error_502"] * 3)
    plan = _retitled(before.head(1), [0]).truto.update_events(
        token=TOKEN, base_url=BASE, baseline=before.head(1).set_axis([0])
    )
    # The row re-sends Google's times, so its event is re-read first (docs/concurrent-edits.md):
    # the scripted faults hit that GET, which follows the same retry policy as the PATCH.
    once = plan.apply(transport=transport, progress=False, retry=RetryPolicy(max_attempts=1))
    assert once.loc[0, ["status", "http_status", "attempts"]].tolist() == ["failed", 502, 1]
    assert [r.method for r in app.state.sandbox.requests] == ["GET"]
    quick = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.001)
    again = plan.apply(transport=transport, progress=False, retry=quick, again=True)
    assert again.loc[0, ["status", "attempts"]].tolist() == ["updated", 1]
    methods = [r.method for r in app.state.sandbox.requests]
    assert methods == ["GET", "GET", "GET", "GET", "PATCH"]  # two more 502s, then through


def test_a_second_apply_is_refused_unless_asked_for() -> None:
    app, transport, before = _setup()
    plan = _retitled(before, list(range(6))).truto.update_events(
        token=TOKEN, base_url=BASE, baseline=before.set_axis(range(6))
    )
    first = plan.apply(transport=transport, progress=False)
    patches = [r for r in app.state.sandbox.requests if r.method == "PATCH"]
    assert len(patches) == 6
    # A notebook cell run twice must not send (and maybe email) all six again.
    with pytest.raises(truto_frame.InputError, match=r"already applied \(6 updated\)"):
        plan.apply(transport=transport, progress=False)
    assert len([r for r in app.state.sandbox.requests if r.method == "PATCH"]) == 6
    assert plan.results is first
    again = plan.apply(transport=transport, progress=False, again=True)
    assert (again["status"] == "updated").all()
    assert len([r for r in app.state.sandbox.requests if r.method == "PATCH"]) == 12


def test_limits_pace_below_a_strict_quota() -> None:
    # The server allows 3 PATCHes a second; by default the client would send 6 at once and
    # meet 429s. With matching limits it paces and no request is refused.
    quota = RateLimit(3, 1.0)
    app, transport, before = _setup(account_limit=quota)
    plan = _retitled(before, list(range(6))).truto.update_events(
        token=TOKEN, base_url=BASE, baseline=before.set_axis(range(6))
    )
    limits = RateLimits(per_account=(3, 1.0), learn=False)
    results = plan.apply(transport=transport, progress=False, limits=limits)
    assert (results["status"] == "updated").all()
    assert app.state.sandbox.counts(GOOGLECALENDAR_ACCOUNT_ID).get("rate_limited", 0) == 0
    assert (results["attempts"] == 1).all()


def test_timeout_is_used() -> None:
    # Over real HTTP: timeouts live in httpx's network transport, not in ASGITransport.
    app, _, before = _setup()
    app.state.sandbox.set_faults(latency=2.0)
    with running_server(app=app) as base_url:
        plan = _retitled(before.head(1), [0]).truto.update_events(
            token=TOKEN, base_url=base_url, baseline=before.head(1).set_axis([0])
        )
        results = plan.apply(progress=False, timeout=0.2, retry=RetryPolicy(max_attempts=1))
    assert results.loc[0, "status"] == "failed"
    assert "timed out" in results.loc[0, "error"].lower()


def test_retry_failed_sends_only_the_failed_rows_and_updates_results() -> None:
    app, transport, before = _setup()
    labels: list[Hashable] = [f"r{i}" for i in range(6)]
    edited = _retitled(before, labels)
    edited.loc["r5", "status"] = "maybe"  # invalid: never sent, not retried
    plan = edited.truto.update_events(
        token=TOKEN, base_url=BASE, baseline=before.set_axis(labels), concurrency=1
    )
    with pytest.raises(truto_frame.InputError, match="not been applied"):
        plan.retry_failed()
    sandbox = app.state.sandbox
    # Each row is re-read (a GET) before its PATCH (Google's times are re-sent): the faults are
    # scripted on the PATCHes of rows r1 and r3, which fail once.
    sandbox.script_faults([None, None, None, "error_502", None, None, None, "error_500"])
    first = plan.apply(transport=transport, progress=False, retry=RetryPolicy(max_attempts=1))
    assert first["status"].tolist() == [
        "updated",
        "failed",
        "updated",
        "failed",
        "updated",
        "invalid",
    ]
    assert plan.failed_rows().payloads.index.tolist() == ["r1", "r3"]

    sandbox.requests.clear()
    results = plan.retry_failed(transport=transport, progress=False)
    assert results is plan.results
    retried = before["id"].iloc[[1, 3]].tolist()
    assert [r.event_id for r in sandbox.requests if r.method == "PATCH"] == retried
    assert results["status"].tolist() == ["updated"] * 5 + ["invalid"]
    assert results["attempts"].tolist() == [1, 2, 1, 2, 1, 0]
    assert results.index.tolist() == labels
    assert len(plan.failed_rows()) == 0
    assert plan.retry_failed(transport=transport, progress=False) is plan.results  # nothing left
