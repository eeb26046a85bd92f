"""Soak: 300 rows over three accounts through 25% injected faults and a per-account quota.

The sandbox runs in process (``httpx.ASGITransport``) with a fast quota (30 requests per 1 s
per account) and seeded faults: 500/502/504, provider 503s, connections dropped before the
update and connections dropped *after* it was stored (the retry must be recognised by its
``Idempotency-Key`` and not applied twice). The plan goes through the real engine
(:func:`truto_frame.planning.sending.send_plan` with a :class:`~truto_frame.api.client.TrutoClient`
given
the same quota and a quick retry policy; ``plan.apply()`` takes a transport but not limits or a
retry policy). Nothing here asserts a duration.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from typing import Any

import httpx
import pandas as pd

import truto_frame
from truto_frame.api.client import TrutoClient
from truto_frame.api.pacing import RateLimits
from truto_frame.api.retry import RetryPolicy
from truto_frame.planning.sending import send_plan
from truto_frame.sandbox import (
    GOOGLE_ACCOUNT_ID,
    GOOGLECALENDAR_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    FaultConfig,
    RateLimit,
    Sandbox,
    SandboxConfig,
    create_app,
)

TOKEN = "sandbox-token"
ACCOUNTS = (GOOGLECALENDAR_ACCOUNT_ID, GOOGLE_ACCOUNT_ID, OUTLOOK_ACCOUNT_ID)
ROWS_PER_ACCOUNT = 100
QUOTA = (30, 1.0)
# 25% of requests fail: 5xx from Truto, 503 from the provider, drops before and after storing.
FAULTS = FaultConfig(
    error_rate=0.10, remote_503_rate=0.03, drop_rate=0.07, drop_after_rate=0.05, seed=2024
)


def edit_sheet(sandbox: Sandbox) -> pd.DataFrame:
    """Rows of three accounts interleaved, with a shuffled non-default index."""
    rows: list[dict[str, Any]] = []
    for account in ACCOUNTS:
        for n, event_id in enumerate(sandbox.event_ids(account)[:ROWS_PER_ACCOUNT]):
            event = sandbox.get_event(account, event_id)
            assert event is not None
            rows.append(
                {
                    "id": event_id,
                    "integrated_account_id": account,
                    "calendar.id": event["calendar"]["id"],
                    # The Google integrations require the times (and zone) on every update.
                    "start_time": event["start_time"],
                    "end_time": event["end_time"],
                    "timezone": event["timezone"],
                    "title": f"Soak {account[:4]} #{n}",
                    "location.name": f"Room {n % 7}",
                    "description": truto_frame.NULL if n % 4 == 0 else None,
                }
            )
    frame = pd.DataFrame(rows)
    order = [i for start in range(ROWS_PER_ACCOUNT) for i in range(start, len(rows), 100)]
    frame = frame.iloc[order]
    frame.index = pd.Index([5000 - 7 * i for i in range(len(frame))], name="row")
    return frame


async def _apply(plan: truto_frame.EventUpdatePlan, app: Any) -> pd.DataFrame:
    client = TrutoClient(
        token=TOKEN,
        base_url="http://sandbox.test",
        transport=httpx.ASGITransport(app=app),
        limits=RateLimits(per_account=QUOTA, per_token=None),
        retry=RetryPolicy(max_attempts=12, base_delay=0.01, max_delay=0.1),
    )
    async with client:
        return await send_plan(plan, client=client, progress=False)


def test_soak_every_row_updated_once_through_faults_and_quota() -> None:
    config = SandboxConfig(
        seed=5,
        events_per_account=ROWS_PER_ACCOUNT,
        account_limit=RateLimit(*QUOTA),
        token_limit=None,
        faults=FAULTS,
    )
    app = create_app(config)
    sandbox: Sandbox = app.state.sandbox
    frame = edit_sheet(sandbox)
    before = {}
    for row in frame.to_dict("records"):
        event = sandbox.get_event(row["integrated_account_id"], row["id"])
        assert event is not None
        before[row["id"]] = event["description"]
    plan = frame.truto.update_events(token=TOKEN, base_url="http://sandbox.test", concurrency=16)
    assert plan.counts == {"send": 300, "invalid": 0, "skipped": 0}

    results = asyncio.run(_apply(plan, app))

    # Every row has exactly one result, in the input's order, and every one succeeded.
    assert results.index.equals(frame.index)
    assert results["status"].tolist() == ["updated"] * len(frame)
    assert results["http_status"].tolist() == [200] * len(frame)
    assert results["error"].isna().all()

    # The faults really happened, of every kind, and were retried through.
    patches = [r for r in sandbox.requests if r.method == "PATCH"]
    faults = Counter(r.fault for r in patches if r.fault)
    assert sum(faults.values()) >= 50
    assert {"drop", "drop_after", "remote_503"} <= set(faults)
    assert any(kind.startswith("error_5") for kind in faults)
    # One result per request sent: attempts add up to what the sandbox received.
    assert int(results["attempts"].sum()) == len(patches)

    # The final state is the intended one, row by row.
    for row in frame.to_dict("records"):
        event = sandbox.get_event(row["integrated_account_id"], row["id"])
        assert event is not None
        assert event["title"] == row["title"]
        assert event["location"]["name"] == row["location.name"]
        if row["description"] is truto_frame.NULL:
            assert event["description"] is None
        else:  # an empty cell left the seeded description alone
            assert event["description"] == before[row["id"]]

    # Nothing applied twice: one stored update per row; retries after a drop that had already
    # stored the update were answered from the idempotency cache, under the same key.
    keys: dict[str, set[str | None]] = defaultdict(set)
    for request in patches:
        keys[request.event_id or ""].add(request.idempotency_key)
    assert all(len(k) == 1 and None not in k for k in keys.values())
    replayed = 0
    for account in ACCOUNTS:
        counts = sandbox.counts(account)
        assert counts["updated"] == ROWS_PER_ACCOUNT
        replayed += counts["replayed"]
    stored_then_dropped = {r.event_id for r in patches if r.fault == "drop_after"}
    assert replayed == len(stored_then_dropped) > 0

    # Paced to the quota: 429s are rare (unpaced, most requests would be refused).
    limited = sum(sandbox.counts(a)["rate_limited"] for a in ACCOUNTS)
    assert limited <= 0.1 * len(patches)
