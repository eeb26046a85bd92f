"""read_events: every page, the window, the calendar filter, the typed frame, the round trip."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timezone

import httpx
import pandas as pd
import pytest

import truto_frame  # noqa: F401  (registers df.truto)
from truto_frame import NULL
from truto_frame.errors import APIStatusError, ConfigurationError
from truto_frame.planning.build import build_plan
from truto_frame.read import DEFAULT_WINDOW, read_events, read_events_async, resolve_window
from truto_frame.sandbox import (
    DEFAULT_TOKEN,
    GOOGLECALENDAR_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    create_app,
)
from truto_frame.ui.text import read_csv_text, write_csv

BASE = "http://sandbox.test"


@pytest.fixture
def app():  # type: ignore[no-untyped-def]
    return create_app()


def _read(app, account: str = GOOGLECALENDAR_ACCOUNT_ID, **kwargs):  # type: ignore[no-untyped-def]
    return read_events(
        account,
        token=DEFAULT_TOKEN,
        base_url=BASE,
        transport=httpx.ASGITransport(app=app),
        **kwargs,
    )


def _list_requests(app) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return [
        dict(r.query) for r in app.state.sandbox.requests if r.method == "GET" and not r.event_id
    ]


def test_reads_every_page_following_next_cursor(app) -> None:  # type: ignore[no-untyped-def]
    everything = _read(app, page_size=100)
    app.state.sandbox.requests.clear()
    paged = _read(app, page_size=7)
    requests = _list_requests(app)
    assert len(everything) == 30
    assert len(requests) == 5  # 7 + 7 + 7 + 7 + 2
    assert "next_cursor" not in requests[0]
    assert all("next_cursor" in q for q in requests[1:])
    assert all(q["limit"] == "7" for q in requests)
    assert paged["id"].tolist() == everything["id"].tolist()
    assert paged["id"].is_unique


def test_an_explicit_window_is_sent_and_filters(app) -> None:  # type: ignore[no-untyped-def]
    everything = _read(app)
    starts = pd.to_datetime(everything["start_time"].tolist(), utc=True, format="ISO8601")
    middle = starts.sort_values()[len(everything) // 2]
    app.state.sandbox.requests.clear()
    later = _read(app, start_time=middle, end_time=middle + pd.Timedelta(days=400))
    query = _list_requests(app)[0]
    assert query["start_time"] == middle.isoformat().replace("+00:00", "Z")
    assert 0 < len(later) < len(everything)
    assert (pd.to_datetime(later["end_time"].tolist(), utc=True, format="ISO8601") >= middle).all()


def test_the_default_window_is_wider_than_the_current_month() -> None:
    now = datetime(2026, 11, 23, 15, 30, tzinfo=timezone.utc)
    start, end = resolve_window(None, None, now=now)
    assert start == "2026-10-24T00:00:00Z"  # 30 days back, from midnight
    assert end == "2027-11-23T00:00:00Z"  # 365 days ahead
    assert DEFAULT_WINDOW[1].days == 365
    # Naive values are UTC; dates are midnight; offsets are converted.
    assert resolve_window("2026-12-01", "2026-12-02T10:00:00+02:00", now=now) == (
        "2026-12-01T00:00:00Z",
        "2026-12-02T08:00:00Z",
    )


def test_the_default_window_is_what_goes_on_the_wire(app) -> None:  # type: ignore[no-untyped-def]
    _read(app)
    query = _list_requests(app)[0]
    start = pd.Timestamp(query["start_time"])
    end = pd.Timestamp(query["end_time"])
    assert (end - start).days >= 390


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("yesterday-ish", None, "start_time is not a date"),
        ("2026-12-02", "2026-12-01", "ends"),
    ],
)
def test_a_bad_window_is_refused_before_sending(app, start, end, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError, match=message):
        _read(app, start_time=start, end_time=end)
    assert app.state.sandbox.requests == []


def test_calendar_filter(app) -> None:  # type: ignore[no-untyped-def]
    everything = _read(app)
    calendars = everything["calendar.id"].value_counts()
    assert len(calendars) >= 2
    chosen = calendars.index[-1]
    app.state.sandbox.requests.clear()
    only = _read(app, calendar_id=chosen)
    assert _list_requests(app)[0]["calendar[id]"] == chosen
    assert len(only) == calendars[chosen]
    assert set(only["calendar.id"]) == {chosen}


def test_the_frame_is_typed_for_pandas(app) -> None:  # type: ignore[no-untyped-def]
    df = _read(app, OUTLOOK_ACCOUNT_ID)
    assert str(df["id"].dtype) == "string"
    assert df["id"].str.startswith("AAMkAD").all()  # base64 ids with / + = kept as text
    assert (df["integrated_account_id"] == OUTLOOK_ACCOUNT_ID).all()
    assert list(df.columns[:2]) == ["id", "integrated_account_id"]
    for column in ("created_at", "updated_at"):
        assert isinstance(df[column].dtype, pd.DatetimeTZDtype), column
        assert str(df[column].dt.tz) == "UTC"
    # Event times stay the API's own text: a local time typed in stays local (issue 8).
    for column in ("start_time", "end_time"):
        assert df[column].dtype == object, column
        assert all(isinstance(v, str) for v in df[column]), column
    id_columns = [c for c in df.columns if c.endswith(".id")]
    assert "calendar.id" in id_columns
    for column in id_columns:
        values = [v for v in df[column].tolist() if v is not NULL and not pd.isna(v)]
        assert all(isinstance(v, str) for v in values), column
    # A JSON null stays distinguishable from "not there": NULL, not NaN.
    assert (df["recurrence"] == NULL).any()


def test_options_go_on_the_wire(app) -> None:  # type: ignore[no-untyped-def]
    df = _read(
        app,
        ignore_remote_data=True,
        exclude_fields=["description"],
        remote_query={"showDeleted": "false"},
    )
    query = _list_requests(app)[0]
    assert query["truto_ignore_remote_data"] == "true"
    assert query["truto_exclude_fields[]"] == "description"
    assert query["remote_query[showDeleted]"] == "false"
    assert "remote_data" not in df.columns
    assert "description" not in df.columns


def test_a_refused_read_raises_without_the_token(app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(APIStatusError) as info:
        read_events(
            GOOGLECALENDAR_ACCOUNT_ID,
            token="wrong-secret-token",
            base_url=BASE,
            transport=httpx.ASGITransport(app=app),
        )
    assert info.value.status_code == 401
    assert "wrong-secret-token" not in str(info.value)


def test_round_trip_read_then_update_with_baseline_sends_nothing(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app)
    plan = events.truto.update_events(
        baseline=events, token=DEFAULT_TOKEN, base_url=BASE, integration="googlecalendar"
    )
    assert plan.counts == {"send": 0, "invalid": 0, "skipped": len(events)}
    app.state.sandbox.requests.clear()
    results = plan.apply(transport=httpx.ASGITransport(app=app))
    assert (results["status"] == "skipped").all()
    assert app.state.sandbox.requests == []


def test_round_trip_through_csv_text_sends_nothing(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app, OUTLOOK_ACCOUNT_ID)
    buffer = io.StringIO()
    write_csv(events, buffer)
    path = io.StringIO(buffer.getvalue())
    text = read_csv_text(path)  # type: ignore[arg-type]
    plan = build_plan(
        text, baseline=text, token=DEFAULT_TOKEN, base_url=BASE, integration="outlookcalendar"
    )
    assert plan.counts["skipped"] == len(events)
    # And the CSV text against the typed frame: the same events, nothing to send either.
    plan = build_plan(text, baseline=events, token=DEFAULT_TOKEN, base_url=BASE)
    assert plan.counts == {"send": 0, "invalid": 0, "skipped": len(events)}


def test_an_edit_of_the_read_frame_sends_only_the_change(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app)
    edited = events.copy()
    first = edited.index[0]
    edited.loc[first, "title"] = "Renamed by test"
    plan = edited.truto.update_events(
        baseline=events, token=DEFAULT_TOKEN, base_url=BASE, integration="googlecalendar"
    )
    assert plan.counts["send"] == 1
    payload = plan.payloads[first]
    assert payload["title"] == "Renamed by test"
    assert "description" not in payload
    results = plan.apply(transport=httpx.ASGITransport(app=app))
    assert results.loc[first, "status"] == "updated"
    again = _read(app)
    assert again.set_index("id").loc[events.loc[first, "id"], "title"] == "Renamed by test"


def test_works_inside_a_running_event_loop(app) -> None:  # type: ignore[no-untyped-def]
    async def in_a_notebook_cell() -> tuple[int, int]:
        synchronous = _read(app)  # a running loop, as in Jupyter: no nest_asyncio needed
        awaited = await read_events_async(
            GOOGLECALENDAR_ACCOUNT_ID,
            token=DEFAULT_TOKEN,
            base_url=BASE,
            transport=httpx.ASGITransport(app=app),
        )
        return len(synchronous), len(awaited)

    assert asyncio.run(in_a_notebook_cell()) == (30, 30)


@pytest.mark.parametrize("bad", [0, -5, 2.5])
def test_a_bad_page_size_is_refused(app, bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError, match="page_size"):
        _read(app, page_size=bad)
    assert app.state.sandbox.requests == []
