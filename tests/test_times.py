"""Times mean one thing on every path (issue 8): naive is wall-clock time in the row's zone,
an offset is an instant, all-day dates stay dates, and rows whose times cannot be right are
stopped before anything is sent. Everything runs over the sandbox in process."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pandas as pd
import pytest
from conftest import patches

import truto_frame
from truto_frame.frame.times import (
    as_date,
    clock_change,
    in_zone,
    localize,
    offset_disagrees,
    time_kind,
)
from truto_frame.model.zones import iana_zone, zone_hint
from truto_frame.sandbox import (
    DEFAULT_TOKEN,
    GOOGLE_ACCOUNT_ID,
    GOOGLECALENDAR_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    SandboxConfig,
    create_app,
)

BASE = "http://sandbox.test"
ONE_DAY = timedelta(days=1)
ANCHOR = datetime(2026, 12, 1, tzinfo=timezone.utc)


@pytest.fixture
def app():  # type: ignore[no-untyped-def]
    return create_app(SandboxConfig(anchor=ANCHOR))


def _read(app: Any, account: str) -> pd.DataFrame:
    return truto_frame.read_events(
        account,
        token=DEFAULT_TOKEN,
        base_url=BASE,
        start_time="2026-11-01",
        end_time="2027-02-01",
        transport=httpx.ASGITransport(app=app),
    )


def _plan(app: Any, df: pd.DataFrame, **kwargs: Any) -> truto_frame.EventUpdatePlan:
    return df.truto.update_events(token=DEFAULT_TOKEN, base_url=BASE, **kwargs)


def _apply(app: Any, plan: truto_frame.EventUpdatePlan) -> pd.DataFrame:
    return plan.apply(transport=httpx.ASGITransport(app=app))


def _timed(events: pd.DataFrame, zone: str) -> Any:
    rows = events[(events["timezone"] == zone) & ~events["is_all_day"].astype(bool)]
    return rows.index[0]


def _all_day(events: pd.DataFrame) -> Any:
    return events.index[events["is_all_day"].astype(bool)][0]


# -- the rule itself ---------------------------------------------------------------------------


def test_what_a_time_text_means() -> None:
    assert time_kind("2026-12-10") == "date"
    assert time_kind("2026-12-10 09:00") == "naive"
    assert time_kind("2026-12-10T09:00:00.123Z") == "aware"
    assert time_kind("next tuesday") is None
    assert localize("2026-12-10 09:00", "Europe/Berlin") == "2026-12-10T09:00:00+01:00"
    assert localize("2026-07-10T09:00", "Europe/Berlin") == "2026-07-10T09:00:00+02:00"
    # An instant and a date are kept exactly as written.
    assert localize("2026-12-10T09:00:00.000Z", "Europe/Berlin") == "2026-12-10T09:00:00.000Z"
    assert localize("2026-12-10", "Europe/Berlin") == "2026-12-10"
    assert offset_disagrees("2026-12-10T08:00:00Z", "Europe/Berlin")
    assert not offset_disagrees("2026-12-10T09:00:00+01:00", "Europe/Berlin")
    assert as_date("2026-12-11T00:00:00+01:00", "Europe/Berlin") == "2026-12-11"
    assert as_date("2026-12-10T23:00:00Z", "Europe/Berlin") == "2026-12-11"
    assert as_date("2026-12-11T00:00:00Z", "Europe/Berlin") is None
    assert clock_change("2027-03-28 02:30", "Europe/Berlin") == "skipped"
    assert clock_change("2027-10-31 02:30", "Europe/Berlin") == "repeated"
    assert clock_change("2027-10-31 04:30", "Europe/Berlin") is None
    assert localize("2027-03-28 02:30", "Europe/Berlin") == "2027-03-28T03:30:00+02:00"
    assert localize("2027-10-31 02:30", "Europe/Berlin") == "2027-10-31T02:30:00+02:00"


def test_row_rules_on_bodies() -> None:
    from truto_frame.planning.time_rules import check_times

    zone = {"timezone": "Europe/Berlin"}
    same = {"start_time": "2026-12-10T09:00:00+01:00", "end_time": "2026-12-10T08:00:00Z"}
    (problem,), _ = check_times({**same, **zone}, None)
    assert problem[0] == "end_time" and "would end when it starts" in problem[1]
    # A naive end is read in the row's zone before it is compared with an aware start.
    mixed = {"start_time": "2026-12-10T09:00:00+01:00", "end_time": "2026-12-10T09:30:00"}
    assert check_times({**mixed, **zone}, None)[0] == []
    assert check_times({"start_time": "2026-12-10", "end_time": "2026-12-11", **zone}, None) == (
        [],
        [],
    )
    assert check_times({"start_time": "2026-12-11", "end_time": "2026-12-10"}, None)[0]


def test_windows_zone_names_map_to_iana_from_cldr() -> None:
    assert iana_zone("W. Europe Standard Time") == "Europe/Berlin"
    assert iana_zone("eastern standard time") == "America/New_York"
    assert iana_zone("Asia/Kolkata") == "Asia/Kolkata"
    assert iana_zone("Mars/Olympus_Mons") is None
    assert "did you mean 'Europe/Berlin'" in zone_hint("Europe/Berln")


# -- over the sandbox --------------------------------------------------------------------------


def test_a_local_time_typed_into_a_read_frame_lands_at_that_local_time(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app, GOOGLECALENDAR_ACCOUNT_ID)
    row = _timed(events, "Europe/Berlin")
    day = str(events.at[row, "start_time"])[:10]
    edited = events.copy()
    # What a user types: wall-clock time in the event's zone, no offset.
    edited.at[row, "start_time"] = f"{day} 09:00"
    edited.at[row, "end_time"] = f"{day} 10:00"
    plan = _plan(app, edited, baseline=events)
    assert plan.statuses[row] == "send"
    assert plan.row_warnings.empty
    sent = plan.payloads[row]
    assert in_zone(sent["start_time"], "Europe/Berlin").strftime("%H:%M") == "09:00"  # type: ignore[union-attr]
    results = _apply(app, plan)
    assert results.at[row, "status"] == "updated"
    back = _read(app, GOOGLECALENDAR_ACCOUNT_ID).set_index("id")
    event_id = events.at[row, "id"]
    stored = back.at[event_id, "start_time"]
    assert stored.startswith(f"{day}T09:00:00")
    assert in_zone(stored, "Europe/Berlin").strftime("%H:%M") == "09:00"  # type: ignore[union-attr]
    assert in_zone(back.at[event_id, "end_time"], "Europe/Berlin").strftime("%H:%M") == "10:00"  # type: ignore[union-attr]


def test_the_same_text_means_the_same_time_on_every_path(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app, GOOGLECALENDAR_ACCOUNT_ID)
    row = _timed(events, "Europe/Berlin")
    read_frame = events.loc[[row]].copy()
    read_frame["start_time"] = "2026-12-10 09:00"
    read_frame["end_time"] = "2026-12-10 10:00"
    fresh = pd.DataFrame(
        {
            "id": [events.at[row, "id"]],
            "calendar.id": [events.at[row, "calendar.id"]],
            "start_time": [pd.Timestamp("2026-12-10 09:00")],  # a naive Timestamp: local too
            "end_time": ["2026-12-10T10:00"],
            "timezone": ["Europe/Berlin"],
        }
    )
    ours = _plan(app, read_frame, integrated_account_id=None, baseline=events)
    theirs = _plan(app, fresh, integrated_account_id=GOOGLECALENDAR_ACCOUNT_ID)
    for plan in (ours, theirs):
        payload = plan.payloads.iloc[0]
        assert payload["start_time"] == "2026-12-10T09:00:00+01:00"
        assert payload["end_time"] == "2026-12-10T10:00:00+01:00"


def test_an_all_day_title_edit_keeps_the_date_on_google(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app, GOOGLE_ACCOUNT_ID)
    row = _all_day(events)
    start, end = events.at[row, "start_time"], events.at[row, "end_time"]
    assert len(start) == 10 and len(end) == 10  # read as dates, not as midnight UTC
    edited = events.copy()
    edited.at[row, "title"] = "Company holiday (moved)"
    plan = _plan(app, edited, baseline=events, integration="google")
    payload = plan.payloads[row]
    # Google needs start and end on every update: re-sent exactly as read.
    assert (payload["start_time"], payload["end_time"]) == (start, end)
    assert _apply(app, plan).at[row, "status"] == "updated"
    stored = app.state.sandbox.get_event(GOOGLE_ACCOUNT_ID, events.at[row, "id"])
    assert stored["start_time"] == start and stored["end_time"] == end
    assert stored["is_all_day"] is True
    assert stored["title"] == "Company holiday (moved)"


def test_shifting_every_row_by_an_hour_stops_the_all_day_row_only(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app, GOOGLE_ACCOUNT_ID)
    row = _all_day(events)
    edited = events.copy()
    for column in ("start_time", "end_time"):
        moved = pd.to_datetime(events[column].tolist(), utc=True, format="ISO8601")
        edited[column] = list(moved + pd.Timedelta(hours=1))
    plan = _plan(app, edited, baseline=events, integration="google")
    assert plan.statuses[row] == "invalid"
    problems = plan.problems[plan.problems["row"] == row]
    assert set(problems["column"]) == {"start_time", "end_time"}
    assert problems["message"].str.contains("all-day event").all()
    assert problems["message"].str.contains("whole days").all()
    others = plan.statuses.drop(row)
    assert (others == "send").all()
    # A shift by whole days of the same frame keeps the all-day row as dates.
    days = events.loc[[row]].copy()
    next_day = pd.Timestamp(events.at[row, "start_time"]) + pd.Timedelta(days=1)
    days["start_time"] = str(next_day.date())
    # Midnight in the event's own zone stands for that date.
    end = pd.Timestamp(events.at[row, "end_time"], tz="Europe/Berlin") + pd.Timedelta(days=1)
    days["end_time"] = [end]
    plan = _plan(app, days, baseline=events, integration="google")
    payload = plan.payloads[row]
    assert len(payload["start_time"]) == 10 and len(payload["end_time"]) == 10
    assert _apply(app, plan).at[row, "status"] == "updated"


def test_end_before_start_and_mixed_kinds_are_invalid_and_nothing_is_sent(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app, GOOGLECALENDAR_ACCOUNT_ID)
    timed = events[~events["is_all_day"].astype(bool)].index[:2]
    edited = events.loc[timed].copy()
    edited.at[timed[0], "start_time"] = "2026-12-10 10:00"
    edited.at[timed[0], "end_time"] = "2026-12-10 09:00"
    edited.at[timed[1], "start_time"] = "2026-12-10"
    edited.at[timed[1], "end_time"] = "2026-12-10 17:00"
    plan = _plan(app, edited, baseline=events)
    assert plan.statuses.tolist() == ["invalid", "invalid"]
    first = plan.problems[plan.problems["row"] == timed[0]]
    assert first["column"].tolist() == ["end_time"]
    assert "make end_time later than start_time" in first["message"].iloc[0]
    second = plan.problems[plan.problems["row"] == timed[1]]
    assert second["column"].tolist() == ["end_time"]
    assert second["message"].iloc[0].startswith("give start_time and end_time both as dates")
    app.state.sandbox.requests.clear()
    results = _apply(app, plan)
    assert results["status"].tolist() == ["invalid", "invalid"]
    assert patches(app) == []


def test_a_windows_zone_name_is_sent_as_iana(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app, OUTLOOK_ACCOUNT_ID)
    row = events.index[~events["is_all_day"].astype(bool)][0]
    edited = events.copy()
    edited.at[row, "timezone"] = "W. Europe Standard Time"
    edited.at[row, "start_time"] = "2026-12-14 09:00"
    edited.at[row, "end_time"] = "2026-12-14 09:30"
    plan = _plan(app, edited, baseline=events, integration="outlookcalendar")
    assert plan.payloads[row]["timezone"] == "Europe/Berlin"
    assert plan.payloads[row]["start_time"] == "2026-12-14T09:00:00+01:00"
    app.state.sandbox.requests.clear()
    assert _apply(app, plan).at[row, "status"] == "updated"
    (patch,) = patches(app)
    assert patch.body["timezone"] == "Europe/Berlin"
    stored = app.state.sandbox.get_event(OUTLOOK_ACCOUNT_ID, events.at[row, "id"])
    assert stored["timezone"] == "Europe/Berlin"
    assert stored["start_time"] == "2026-12-14T09:00:00+01:00"


def test_an_unknown_zone_is_invalid_with_a_suggestion(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app, OUTLOOK_ACCOUNT_ID)
    edited = events.head(1).copy()
    edited["timezone"] = "Europe/Berln"
    plan = _plan(app, edited, baseline=events)
    assert plan.statuses.tolist() == ["invalid"]
    message = plan.problems["message"].iloc[0]
    assert plan.problems["column"].iloc[0] == "timezone"
    assert "did you mean 'Europe/Berlin'" in message and "W. Europe Standard Time" in message


def test_an_offset_that_is_not_the_events_zone_is_a_warning(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app, GOOGLECALENDAR_ACCOUNT_ID)
    row = _timed(events, "Europe/Berlin")
    edited = events.copy()
    edited.at[row, "start_time"] = "2026-12-10T09:00:00+00:00"
    edited.at[row, "end_time"] = "2026-12-10T11:00:00+01:00"
    plan = _plan(app, edited, baseline=events)
    assert plan.statuses[row] == "send"  # a warning, not a problem: the instant is exact
    warnings = plan.row_warnings
    assert warnings["row"].tolist() == [row]
    assert warnings["column"].tolist() == ["start_time"]
    message = warnings["message"].iloc[0]
    assert "10:00 in Europe/Berlin" in message and "write 2026-12-10 09:00" in message
    assert any("plan.row_warnings" in w for w in plan.warnings)
    # Shown where people look: the terminal and the notebook summary.
    from truto_frame.ui.summary import plan_summary, summary_html
    from truto_frame.ui.text import format_plan

    assert "Rows to check (1, sent as they are):" in format_plan(plan)
    assert f"row {row}: start_time: 2026-12-10T09:00:00+00:00 is an instant" in format_plan(plan)
    assert "Rows to check (1, sent as they are)" in summary_html(plan_summary(plan))


def test_the_sandbox_refuses_reversed_and_mixed_times_as_providers_do(app) -> None:  # type: ignore[no-untyped-def]
    event_id = app.state.sandbox.event_ids(GOOGLECALENDAR_ACCOUNT_ID)[0]
    event = app.state.sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, event_id)
    bodies = {
        "The specified time range is empty.": ("2026-12-10T10:00:00", "2026-12-10T09:00:00"),
        "both be date or both be dateTime": ("2026-12-10", "2026-12-10T09:00:00"),
    }

    async def patch(start: str, end: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            return await client.patch(
                f"/unified/calendar/events/{event_id}",
                params={"integrated_account_id": GOOGLECALENDAR_ACCOUNT_ID},
                headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
                json={
                    "calendar": {"id": event["calendar"]["id"]},
                    "start_time": start,
                    "end_time": end,
                    "timezone": "Europe/Berlin",
                },
            )

    for message, (start, end) in bodies.items():
        answer = asyncio.run(patch(start, end))
        assert answer.status_code == 400
        body = answer.json()
        assert body["statusCode"] == 400 and message in body["message"]
        assert body["truto_is_remote_error"] is True
    assert app.state.sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, event_id) == event


def test_the_preview_and_the_cli_show_changed_times_in_the_events_zone(app) -> None:  # type: ignore[no-untyped-def]
    from truto_frame.ui.tables import change_rows, changes_html
    from truto_frame.ui.text import format_plan

    events = _read(app, GOOGLECALENDAR_ACCOUNT_ID)
    row = _timed(events, "Europe/Berlin")
    day = str(events.at[row, "start_time"])[:10]
    baseline = events.copy()
    baseline.at[row, "start_time"] = f"{day}T09:00:00+01:00"
    baseline.at[row, "end_time"] = f"{day}T09:30:00+01:00"
    edited = baseline.copy()
    edited.at[row, "start_time"] = f"{day} 10:00"
    edited.at[row, "end_time"] = f"{day}T09:30:00Z"  # an instant: 10:30 in Berlin
    plan = _plan(app, edited, baseline=baseline)
    lines = plan.changes.set_index("column")
    assert lines.at["start_time", "zone"] == "Europe/Berlin"
    text = format_plan(plan)
    assert f"start_time: {day} 09:00 -> 10:00 Europe/Berlin" in text
    assert f"end_time: {day} 09:30 -> 10:30 Europe/Berlin" in text
    html = changes_html(change_rows(plan), plan.has_baseline)
    assert f"{day} 09:00</td>" in html and ">10:00 Europe/Berlin</td>" in html


def test_the_cli_reads_local_times_from_a_csv_and_stops_bad_rows(
    app, tmp_path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from truto_frame.ui.cli import main

    monkeypatch.setenv("TRUTO_API_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("TRUTO_API_BASE_URL", BASE)
    transport = httpx.ASGITransport(app=app)
    events_csv = tmp_path / "events.csv"
    read = ["read-events", "--integrated-account-id", GOOGLE_ACCOUNT_ID, "-o", str(events_csv)]
    assert main([*read, "--from", "2026-11-01", "--to", "2027-02-01"], transport=transport) == 0
    events = truto_frame.read_csv(events_csv)
    row = _timed(events.assign(is_all_day=events["is_all_day"] == "True"), "Europe/Berlin")
    day = events.at[row, "start_time"][:10]
    edited = events.copy()
    edited.loc[row, ["start_time", "end_time"]] = [f"{day} 09:00", f"{day} 10:00"]
    edits_csv = tmp_path / "edits.csv"
    edited.to_csv(edits_csv, index=False)
    update = ["update-events", str(edits_csv), "--integrated-account-id", GOOGLE_ACCOUNT_ID]
    update += ["--baseline", str(events_csv), "--integration", "google"]
    app.state.sandbox.requests.clear()
    assert main([*update, "--yes"], transport=transport) == 0
    out = capsys.readouterr().out
    assert "start_time: " in out and " -> 09:00 Europe/Berlin" in out
    (patch,) = patches(app)
    assert patch.body["start_time"].startswith(f"{day}T09:00:00")
    stored = app.state.sandbox.get_event(GOOGLE_ACCOUNT_ID, events.at[row, "id"])
    assert in_zone(stored["start_time"], "Europe/Berlin").strftime("%H:%M") == "09:00"  # type: ignore[union-attr]

    # The same path stops a reversed row before anything is sent.
    edited.loc[row, ["start_time", "end_time"]] = [f"{day} 11:00", f"{day} 10:00"]
    edited.to_csv(edits_csv, index=False)
    app.state.sandbox.requests.clear()
    assert main([*update, "--yes"], transport=transport) != 0
    assert "make end_time later than start_time" in capsys.readouterr().out
    assert patches(app) == []


def test_a_local_time_the_clocks_skip_or_repeat_is_a_warning() -> None:
    df = pd.DataFrame(
        {
            "id": ["e1", "e2"],
            "calendar.id": ["primary", "primary"],
            "start_time": ["2027-03-28 02:30", "2027-10-31 02:30"],
            "end_time": ["2027-03-28 04:00", "2027-10-31 04:00"],
            "timezone": ["Europe/Berlin", "Europe/Berlin"],
        }
    )
    plan = df.truto.update_events(integrated_account_id="acc", token="t")
    assert plan.statuses.tolist() == ["send", "send"]
    assert plan.payloads.iloc[0]["start_time"] == "2027-03-28T03:30:00+02:00"  # moved by the jump
    assert plan.payloads.iloc[1]["start_time"] == "2027-10-31T02:30:00+02:00"  # the first one
    warnings = plan.row_warnings
    assert warnings["column"].tolist() == ["start_time", "start_time"]
    assert "does not exist in Europe/Berlin" in warnings["message"].iloc[0]
    assert "happens twice in Europe/Berlin" in warnings["message"].iloc[1]


def test_without_baseline_the_read_snapshot_keeps_dates_and_local_times(app) -> None:  # type: ignore[no-untyped-def]
    # events.copy() + edits + update_events() with no baseline=: the frame remembers what was
    # read, so the same rules hold as with baseline=events.
    events = _read(app, GOOGLE_ACCOUNT_ID)
    all_day, timed = _all_day(events), _timed(events, "Europe/Berlin")
    day = events.at[timed, "start_time"][:10]
    edited = events.copy()
    edited.at[all_day, "title"] = "Holiday (renamed)"
    edited.loc[timed, ["start_time", "end_time"]] = [f"{day} 09:00", f"{day} 10:00"]
    plan = _plan(app, edited, integration="google")
    assert plan.statuses[[all_day, timed]].tolist() == ["send", "send"]
    assert plan.payloads[all_day]["start_time"] == events.at[all_day, "start_time"]
    assert _apply(app, plan).loc[[all_day, timed], "status"].tolist() == ["updated", "updated"]
    back = _read(app, GOOGLE_ACCOUNT_ID).set_index("id")
    holiday = back.loc[events.at[all_day, "id"]]
    assert (holiday["start_time"], holiday["end_time"]) == (
        events.at[all_day, "start_time"],
        events.at[all_day, "end_time"],
    )
    assert back.at[events.at[timed, "id"], "start_time"] == f"{day}T09:00:00+01:00"


def test_dates_in_both_columns_make_a_timed_event_all_day(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app, GOOGLECALENDAR_ACCOUNT_ID)
    row = _timed(events, "Europe/Berlin")
    day = events.at[row, "start_time"][:10]
    edited = events.copy()
    edited.loc[row, ["start_time", "end_time"]] = [day, str(date.fromisoformat(day) + ONE_DAY)]
    plan = _plan(app, edited, baseline=events)
    assert plan.statuses[row] == "send"
    assert _apply(app, plan).at[row, "status"] == "updated"
    stored = app.state.sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, events.at[row, "id"])
    assert (stored["start_time"], stored["is_all_day"]) == (day, True)


def test_local_times_shift_every_row_in_its_own_zone(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app, GOOGLECALENDAR_ACCOUNT_ID)
    all_day = _all_day(events)
    starts = truto_frame.local_times(events, "start_time")
    assert starts[all_day] == pd.Timestamp(events.at[all_day, "start_time"], tz="Europe/Berlin")
    for hours, all_day_status in ((1, "invalid"), (24, "send")):
        edited = events.copy()
        for column in ("start_time", "end_time"):
            edited[column] = truto_frame.local_times(events, column) + pd.Timedelta(hours=hours)
        plan = _plan(app, edited, baseline=events)
        assert plan.row_warnings.empty  # each value keeps its event's offset
        assert plan.statuses[all_day] == all_day_status
        assert (plan.statuses.drop(all_day) == "send").all()
    # The last plan (a day later) is applied: every event, the all-day one as dates.
    assert len(plan.payloads[all_day]["start_time"]) == 10
    results = _apply(app, plan)
    assert (results["status"] == "updated").all(), results["error"].tolist()
    back = _read(app, GOOGLECALENDAR_ACCOUNT_ID).set_index("id")
    for label in events.index:
        event_id, zone = events.at[label, "id"], events.at[label, "timezone"]
        before = in_zone(events.at[label, "start_time"], zone)
        after = in_zone(back.at[event_id, "start_time"], zone)
        assert after is not None and before is not None
        if label == all_day:
            assert after == before + ONE_DAY  # type: ignore[operator]
        else:  # an absolute day later: the same wall clock unless a clock change lies between
            assert after - before == ONE_DAY  # type: ignore[operator]
