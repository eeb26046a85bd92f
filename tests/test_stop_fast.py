"""Runs that cannot succeed stop fast, over the sandbox (issue 9).

In process through ``httpx.ASGITransport`` and over real HTTP on 127.0.0.1: a provider's
rate-limit 403 is retried to success.
"""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd

import truto_frame  # noqa: F401  (registers df.truto)
from truto_frame.api.retry import RetryPolicy
from truto_frame.sandbox import GOOGLECALENDAR_ACCOUNT_ID, SandboxConfig, create_app

TOKEN = "sandbox-token"
QUICK = RetryPolicy(base_delay=0.001, max_delay=0.01)


def google_rows(sandbox: Any, account: str, n: int, **fields: Any) -> pd.DataFrame:
    """``n`` rows of an account that a Google integration accepts (times and calendar kept)."""
    rows = []
    for event_id in sandbox.event_ids(account)[:n]:
        event = sandbox.get_event(account, event_id)
        rows.append(
            {
                "id": event_id,
                "calendar.id": event["calendar"]["id"],
                "start_time": event["start_time"],
                "end_time": event["end_time"],
                "timezone": event["timezone"],
                **fields,
            }
        )
    return pd.DataFrame(rows)


def test_google_rate_limit_403_ends_updated_on_a_later_attempt() -> None:
    app = create_app(SandboxConfig(seed=3))
    sandbox = app.state.sandbox
    df = google_rows(sandbox, GOOGLECALENDAR_ACCOUNT_ID, 1, title="After the rate limit")
    plan = df.truto.update_events(
        integrated_account_id=GOOGLECALENDAR_ACCOUNT_ID, token=TOKEN, base_url="http://sandbox"
    )
    sandbox.script_faults(["remote_403_rate_limit"])
    results = plan.apply(transport=httpx.ASGITransport(app=app), retry=QUICK, progress=False)
    assert results["status"].tolist() == ["updated"]
    assert results["attempts"].tolist() == [2]
    patches = [r for r in sandbox.requests if r.method == "PATCH"]
    assert [r.status for r in patches] == [403, 200]
    stored = sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, df["id"][0])
    assert stored["title"] == "After the rate limit"


def test_the_providers_request_id_is_kept_in_the_row_error() -> None:
    from truto_frame.sandbox import OUTLOOK_ACCOUNT_ID

    app = create_app(SandboxConfig(seed=3))
    sandbox = app.state.sandbox
    event = sandbox.get_event(OUTLOOK_ACCOUNT_ID, sandbox.event_ids(OUTLOOK_ACCOUNT_ID)[0])
    df = pd.DataFrame(
        {"id": ["AAMkAD-gone="], "calendar.id": [event["calendar"]["id"]], "title": ["T"]}
    )
    plan = df.truto.update_events(
        integrated_account_id=OUTLOOK_ACCOUNT_ID, token=TOKEN, base_url="http://sandbox"
    )
    results = plan.apply(transport=httpx.ASGITransport(app=app), progress=False)
    error = results["error"][0]
    assert results["status"][0] == "failed" and results["http_status"][0] == 404
    # Graph's request-id, forwarded by Truto on the provider's error, names the request.
    assert "(remote error from provider) [request-id: " in error
    assert "client-request-id" not in error
