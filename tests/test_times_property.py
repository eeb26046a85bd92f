"""Property: whatever times and titles are typed into a read frame, applying the plan and
reading back gives exactly the typed values on every edited cell, and exactly what was read on
every other cell (issue 8). Small frames, the sandbox in process, no waiting."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pandas as pd
from conftest import assert_read_back
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import truto_frame
from truto_frame.frame.times import in_zone, localize
from truto_frame.sandbox import (
    DEFAULT_TOKEN,
    GOOGLE_ACCOUNT_ID,
    GOOGLECALENDAR_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    SandboxConfig,
    create_app,
)

BASE = "http://sandbox.test"
ANCHOR = datetime(2027, 3, 20, tzinfo=timezone.utc)  # the schedule spans a DST change
ACCOUNTS = {
    GOOGLE_ACCOUNT_ID: "google",
    GOOGLECALENDAR_ACCOUNT_ID: "googlecalendar",
    OUTLOOK_ACCOUNT_ID: "outlookcalendar",
}
# Zones a user may type: IANA names and the Windows names Outlook users write.
ZONES = {
    "America/New_York": "America/New_York",
    "W. Europe Standard Time": "Europe/Berlin",
    "Asia/Kolkata": "Asia/Kolkata",
    "Tokyo Standard Time": "Asia/Tokyo",
}
# Cells that a write changes by itself: the write's time and the provider's own object.
WRITTEN = {"updated_at", "remote_data"}


def _read(app: Any, account: str) -> pd.DataFrame:
    return truto_frame.read_events(
        account,
        token=DEFAULT_TOKEN,
        base_url=BASE,
        start_time="2027-02-01",
        end_time="2027-06-01",
        transport=httpx.ASGITransport(app=app),
    ).set_index("id", drop=False)


edit = st.tuples(
    st.integers(min_value=0, max_value=50),  # which row (modulo the frame's length)
    st.sampled_from(["title", "time", "zone"]),
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs"]), max_size=12),
    st.integers(min_value=-40, max_value=40),  # a shift in quarter hours (days when all-day)
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    account=st.sampled_from(sorted(ACCOUNTS)),
    seed=st.integers(min_value=0, max_value=3),
    edits=st.lists(edit, min_size=1, max_size=4),
)
def test_apply_then_read_back_gives_exactly_the_edited_frame(
    account: str, seed: int, edits: list[tuple[int, str, str, int]]
) -> None:
    app = create_app(SandboxConfig(seed=seed, anchor=ANCHOR, events_per_account=10))
    events = _read(app, account)
    edited = events.copy()
    expected: dict[tuple[str, str], Any] = {}  # (event id, column) -> what must be read back
    zone_of = dict(events["timezone"])  # each row's zone as it will be sent (IANA)
    for position, kind, text, steps in edits:
        event_id = events.index[position % len(events)]
        zone = zone_of[event_id]
        start, end = edited.at[event_id, "start_time"], edited.at[event_id, "end_time"]
        all_day = len(start) == 10
        if kind == "title" or (kind == "zone" and all_day):
            title = f"{text.strip()} #{position}"  # never empty: an empty cell means unchanged
            edited.at[event_id, "title"] = title
            expected[(event_id, "title")] = title
            continue
        if kind == "zone":  # a new zone, the same wall-clock times retyped without offset
            typed = sorted(ZONES)[steps % len(ZONES)]
            zone = zone_of[event_id] = ZONES[typed]
            edited.at[event_id, "timezone"] = typed
            expected[(event_id, "timezone")] = zone
            local = [in_zone(v, events.at[event_id, "timezone"]) for v in (start, end)]
            new = [m.strftime("%Y-%m-%d %H:%M") for m in local]  # type: ignore[union-attr]
        elif all_day:  # whole days, typed as dates
            days = timedelta(days=steps % 7 - 3 or 1)
            new = [(date.fromisoformat(v) + days).isoformat() for v in (start, end)]
        else:  # typed as the user would: local wall-clock time, no offset
            minutes = timedelta(minutes=15 * (steps or 1))
            moved = [in_zone(v, zone) + minutes for v in (start, end)]  # type: ignore[operator]
            new = [m.strftime("%Y-%m-%d %H:%M") for m in moved]
        for column, value in zip(("start_time", "end_time"), new, strict=True):
            edited.at[event_id, column] = value
            expected[(event_id, column)] = localize(value, zone)
    for event_id, column in list(expected):
        if column in ("start_time", "end_time"):  # a later zone edit re-reads earlier times
            expected[(event_id, column)] = localize(edited.at[event_id, column], zone_of[event_id])

    plan = edited.truto.update_events(
        token=DEFAULT_TOKEN, base_url=BASE, baseline=events, integration=ACCOUNTS[account]
    )
    assert plan.problems.empty, plan.problems.to_dict("records")
    results = plan.apply(transport=httpx.ASGITransport(app=app))
    assert set(results["status"]) <= {"updated", "skipped"}, results["error"].tolist()

    back = _read(app, account)
    assert sorted(back.index) == sorted(events.index)
    changed = {event_id for event_id, _ in expected}
    assert_read_back(events, back, expected, changed, WRITTEN)
