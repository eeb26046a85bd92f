"""Moving events in time the way an analyst does it: "every meeting one hour later".

Times read from the API are text, so pandas arithmetic does not apply; ``shift_times`` moves
each event on its own wall clock. Over the sandbox in process: planned, applied, read back.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pandas as pd
import pytest

import truto_frame
from truto_frame.sandbox import DEFAULT_TOKEN, GOOGLECALENDAR_ACCOUNT_ID, SandboxConfig, create_app
from truto_frame.ui.summary import plan_summary, summary_html
from truto_frame.ui.text import format_plan

BASE = "http://sandbox.test"
ANCHOR = datetime(2026, 12, 1, tzinfo=timezone.utc)


@pytest.fixture
def app():  # type: ignore[no-untyped-def]
    return create_app(SandboxConfig(anchor=ANCHOR))


def _read(app: Any) -> pd.DataFrame:
    return truto_frame.read_events(
        GOOGLECALENDAR_ACCOUNT_ID,
        token=DEFAULT_TOKEN,
        base_url=BASE,
        start_time="2026-11-01",
        end_time="2027-02-01",
        transport=httpx.ASGITransport(app=app),
    )


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_one_hour_later_lands_one_hour_later_with_no_false_warning(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app)
    all_day = events["is_all_day"].astype(bool)
    assert all_day.any() and (events["timezone"] != "UTC").any()
    with pytest.warns(UserWarning, match=r"all-day row.* left as .*whole days"):
        later = events.truto.shift_times("1h")
    plan = later.truto.update_events(token=DEFAULT_TOKEN, base_url=BASE)
    # Every timed event is sent, the all-day ones are left alone, and nothing is flagged:
    # the new times carry their own zone's offset.
    assert (plan.statuses[~all_day] == "send").all()
    assert (plan.statuses[all_day] == "skipped").all()
    assert plan.row_warnings.empty
    assert not [w for w in plan.warnings if "plan.row_warnings" in w]
    results = plan.apply(transport=httpx.ASGITransport(app=app), progress=False)
    assert results["status"][~all_day].eq("updated").all()

    after = _read(app).set_index("id")
    for _, row in events.iterrows():
        now = after.loc[row["id"]]
        if row["is_all_day"]:
            assert (now["start_time"], now["end_time"]) == (row["start_time"], row["end_time"])
            continue
        for column in ("start_time", "end_time"):
            assert _instant(now[column]) - _instant(row[column]) == timedelta(hours=1)
            # Stored as the API writes times: the event's own offset, not UTC.
            assert _instant(now[column]).utcoffset() == _instant(row[column]).utcoffset()


def test_whole_days_move_all_day_dates_and_keep_the_wall_clock_across_a_clock_change() -> None:
    df = pd.DataFrame(
        {
            "id": ["timed", "holiday", "typed", "untouched"],
            "start_time": ["2027-03-24T09:00:00+01:00", "2027-03-24", "2027-03-24 09:00", None],
            "end_time": ["2027-03-24T10:00:00+01:00", "2027-03-25", "2027-03-24 10:00", None],
            "timezone": ["W. Europe Standard Time", "Europe/Berlin", "Europe/Berlin", "UTC"],
        }
    )
    moved = truto_frame.shift_times(df, pd.Timedelta(days=7))
    assert moved["start_time"].tolist()[:3] == [
        "2027-03-31T09:00:00+02:00",  # summer time began on 28 March: still 09:00 in Berlin
        "2027-03-31",
        "2027-03-31T09:00:00",  # a typed local time stays local
    ]
    assert pd.isna(moved["start_time"].iloc[3])  # an empty cell stays empty
    assert moved["end_time"].tolist()[:2] == ["2027-03-31T10:00:00+02:00", "2027-04-01"]
    assert df["start_time"].iloc[0] == "2027-03-24T09:00:00+01:00"  # a copy: df is untouched
    only_first = df.truto.shift_times("-30min", rows=df["id"] == "timed")
    assert only_first["start_time"].tolist()[:3] == [
        "2027-03-24T08:30:00+01:00",
        "2027-03-24",
        "2027-03-24 09:00",
    ]


def test_shift_times_refuses_what_is_not_a_shift() -> None:
    df = pd.DataFrame({"id": ["a"], "start_time": ["2026-12-10T09:00:00Z"]})
    with pytest.raises(truto_frame.InputError, match="not a duration"):
        df.truto.shift_times("soon")
    with pytest.raises(truto_frame.InputError, match="start_time or end_time"):
        df[["id"]].truto.shift_times("1h")


def test_rows_not_sent_are_not_listed_as_sent_with_a_warning(app) -> None:  # type: ignore[no-untyped-def]
    # The pandas way: UTC instants. The all-day row is invalid; its problems say what to do,
    # and it must not also appear under "Rows to check ... sent as they are".
    events = _read(app)
    later = events.assign(
        **{
            c: list(pd.to_datetime(events[c], utc=True, format="ISO8601") + pd.Timedelta(hours=1))
            for c in ("start_time", "end_time")
        }
    )
    plan = later.truto.update_events(token=DEFAULT_TOKEN, base_url=BASE)
    invalid = plan.statuses[plan.statuses == "invalid"].index
    assert len(invalid) == int(events["is_all_day"].astype(bool).sum()) > 0
    warned = set(plan.row_warnings["row"])
    assert warned and not warned & set(invalid)
    assert warned <= set(plan.statuses[plan.statuses == "send"].index)
    text = format_plan(plan, max_problems=1000)
    assert f"Rows to check ({len(plan.row_warnings)}, sent as they are)" in text
    assert any(w.startswith(f"{len(warned)} rows give a time") for w in plan.warnings)
    assert "df.truto.shift_times" in plan.row_warnings["message"].iloc[0]
    assert f"Rows to check ({len(plan.row_warnings)}" in summary_html(plan_summary(plan))


def test_local_times_with_calendar_days_keep_the_wall_clock_as_documented() -> None:
    # docs/columns.md: Timedelta(days=7) counts 168 hours (09:00 becomes 10:00 across the
    # change to summer time); DateOffset(days=7) keeps 09:00 and the all-day date a date.
    df = pd.DataFrame(
        {
            "id": ["timed", "holiday"],
            "calendar.id": ["primary", "primary"],
            "start_time": ["2027-03-24T09:00:00+01:00", "2027-03-24"],
            "end_time": ["2027-03-24T10:00:00+01:00", "2027-03-25"],
            "timezone": ["Europe/Berlin", "Europe/Berlin"],
        }
    )
    edited = df.copy()
    for column in ("start_time", "end_time"):
        edited[column] = truto_frame.local_times(df, column) + pd.DateOffset(days=7)
    plan = edited.truto.update_events("acc", token="t", baseline=df)
    assert plan.statuses.tolist() == ["send", "send"]
    assert plan.payloads.iloc[0]["start_time"] == "2027-03-31T09:00:00+02:00"
    assert plan.payloads.iloc[1]["start_time"] == "2027-03-31"
    assert plan.payloads.iloc[1]["end_time"] == "2027-04-01"
    hours = df.copy()
    for column in ("start_time", "end_time"):
        hours[column] = truto_frame.local_times(df, column) + pd.Timedelta(days=7)
    counted = hours.truto.update_events("acc", token="t", baseline=df)
    assert counted.payloads.iloc[0]["start_time"] == "2027-03-31T10:00:00+02:00"
    assert counted.statuses.iloc[1] == "invalid"  # 01:00 is a time of day
    # shift_times gives the same as DateOffset.
    shifted = truto_frame.shift_times(df, pd.Timedelta(days=7))
    assert shifted["start_time"].tolist() == ["2027-03-31T09:00:00+02:00", "2027-03-31"]
