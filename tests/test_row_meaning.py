"""Every row writes what the user meant, or is stopped with a reason before anything is sent.

Over the sandbox in process (``httpx.ASGITransport``): rows that change nothing, messages that
say what to do.
"""

from __future__ import annotations

import asyncio
import copy
import pickle

import httpx
import numpy as np
import pandas as pd
import pytest
from conftest import patches

import truto_frame
from truto_frame import read_events
from truto_frame.errors import InputError
from truto_frame.frame.provenance import ATTRS_KEY, snapshot_of
from truto_frame.sandbox import (
    DEFAULT_TOKEN,
    GOOGLECALENDAR_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    SandboxConfig,
    create_app,
)

BASE = "http://sandbox.test"


@pytest.fixture
def app():  # type: ignore[no-untyped-def]
    return create_app(SandboxConfig(seed=11))


def _apply(plan, app) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return plan.apply(transport=httpx.ASGITransport(app=app), progress=False)


def test_a_row_with_only_its_calendar_is_skipped_with_a_reason_and_sends_nothing(app) -> None:  # type: ignore[no-untyped-def]
    sandbox = app.state.sandbox
    ids = sandbox.event_ids(OUTLOOK_ACCOUNT_ID)[:2]
    calendars = [sandbox.get_event(OUTLOOK_ACCOUNT_ID, i)["calendar"]["id"] for i in ids]
    before = sandbox.get_event(OUTLOOK_ACCOUNT_ID, ids[0])
    # "N/A" read by pd.read_csv becomes NaN: the title the user meant to send is gone.
    df = pd.DataFrame({"id": ids, "calendar.id": calendars, "title": [np.nan, "Renamed"]})
    plan = df.truto.update_events(
        integrated_account_id=OUTLOOK_ACCOUNT_ID, token=DEFAULT_TOKEN, base_url=BASE
    )
    assert plan.statuses.tolist() == ["skipped", "send"]
    assert "nothing to change" in plan.skip_reasons.iloc[0]
    assert "calendar" in plan.skip_reasons.iloc[0]
    # The CLI and the preview list such rows: a value meant to be sent was probably lost.
    from truto_frame.ui.summary import plan_summary, summary_html
    from truto_frame.ui.text import format_plan

    text = format_plan(plan)
    assert "Rows with nothing to change (1, skipped):" in text
    assert f"  row {df.index[0]}: nothing to change" in text
    assert "Rows with nothing to change (1, skipped)" in summary_html(plan_summary(plan))
    results = _apply(plan, app)
    assert results["status"].tolist() == ["skipped", "updated"]
    assert "nothing to change" in results["error"].iloc[0]
    assert [r.event_id for r in patches(app)] == [ids[1]]  # zero requests for the no-op row
    assert sandbox.get_event(OUTLOOK_ACCOUNT_ID, ids[0]) == before


def test_a_calendar_only_row_on_google_is_skipped_not_invalid(app) -> None:  # type: ignore[no-untyped-def]
    sandbox = app.state.sandbox
    event_id = sandbox.event_ids(GOOGLECALENDAR_ACCOUNT_ID)[0]
    calendar = sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, event_id)["calendar"]["id"]
    df = pd.DataFrame({"id": [event_id], "calendar.id": [calendar], "title": [None]})
    plan = df.truto.update_events(
        integrated_account_id=GOOGLECALENDAR_ACCOUNT_ID,
        integration="googlecalendar",
        token=DEFAULT_TOKEN,
        base_url=BASE,
    )
    # Not "start_time is required": there is nothing to send in the first place.
    assert plan.statuses.tolist() == ["skipped"]
    assert _apply(plan, app)["status"].tolist() == ["skipped"]
    assert patches(app) == []


def test_a_row_without_account_gets_one_message_not_a_false_baseline_one() -> None:
    baseline = pd.DataFrame(
        {"id": ["e1"], "integrated_account_id": ["acc-1"], "calendar.id": ["c"], "title": ["A"]}
    )
    edited = baseline.assign(integrated_account_id=[None], title=["B"])
    plan = edited.truto.update_events(baseline=baseline)
    messages = plan.problems["message"].tolist()
    assert len(messages) == 1
    assert "no integrated account" in messages[0]
    assert not any("not in the baseline" in m for m in messages)


def test_a_whole_attendees_list_next_to_its_part_columns_says_what_to_empty() -> None:
    df = pd.DataFrame(
        {
            "id": ["e1"],
            "calendar.id": ["c"],
            "attendees": [[{"person": {"emails": [{"email": "new@example.com"}]}}]],
            "attendees[0].person.emails[0].email": ["old@example.com"],
        }
    )
    plan = df.truto.update_events(integrated_account_id="acc-1")
    [(column, message)] = plan.problems[["column", "message"]].itertuples(index=False)
    assert column == "attendees[0].person.emails[0].email"
    assert "empty the attendees[i].* columns or the attendees cell" in message


def test_a_title_only_csv_without_calendar_suggests_the_column_or_a_baseline() -> None:
    df = pd.DataFrame({"id": ["e1"], "title": ["Renamed"]})
    plan = df.truto.update_events(integrated_account_id="acc-1")
    [(column, message)] = plan.problems[["column", "message"]].itertuples(index=False)
    assert column == "calendar"
    assert "calendar.id column" in message
    assert "baseline=" in message and "--baseline" in message


@pytest.mark.parametrize(
    "ids",
    [
        pd.Series([123, 456]),  # pd.read_csv made "00123" an int64
        pd.Series([123.0, np.nan]),  # ... or a float64, with a gap
        pd.Series([123, "abc"], dtype=object),  # a spreadsheet's mixed column
    ],
)
def test_ids_that_pandas_made_numbers_are_warned_about(ids: pd.Series) -> None:
    df = pd.DataFrame({"id": ids, "calendar.id": ["c", "c"], "title": ["A", "B"]})
    plan = df.truto.update_events(integrated_account_id="acc-1")
    [warning] = [w for w in plan.warnings if "numbers" in w]
    assert "id" in warning
    assert "truto_frame.read_csv" in warning and "dtype=str" in warning


def test_text_ids_give_no_numeric_warning() -> None:
    df = pd.DataFrame({"id": ["00123", "456"], "calendar.id": ["c", "c"], "title": ["A", "B"]})
    plan = df.truto.update_events(integrated_account_id="acc-1")
    assert not any("numbers" in w for w in plan.warnings)


# --------------------------------------------------------------------------- read snapshots


def _read(app, account: str = OUTLOOK_ACCOUNT_ID) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return read_events(
        account,
        token=DEFAULT_TOKEN,
        base_url=BASE,
        transport=httpx.ASGITransport(app=app),
        start_time="2026-01-01",
        end_time="2028-01-01",
    )


def test_a_copy_of_a_read_frame_with_one_edit_sends_one_patch_with_that_field(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app)
    edited = events.copy()
    label = edited.index[3]
    edited.loc[label, "title"] = "Renamed on purpose"
    plan = edited.truto.update_events(token=DEFAULT_TOKEN, base_url=BASE)
    assert plan.has_baseline
    assert plan.counts == {"send": 1, "invalid": 0, "skipped": len(events) - 1}
    results = _apply(plan, app)
    [patch] = patches(app)
    assert patch.event_id == events.loc[label, "id"]
    # The edited field, plus what every update must carry (calendar; the times and their zone
    # when the integration is not known): never remote_data, NULL clears or attendee lists.
    assert set(patch.body) == {"title", "calendar", "start_time", "end_time", "timezone"}
    assert patch.body["title"] == "Renamed on purpose"
    assert results["status"].value_counts().to_dict() == {"skipped": len(events) - 1, "updated": 1}
    after = _read(app).set_index("id")
    before = events.set_index("id")
    changed = after.compare(before.loc[after.index, after.columns])
    assert set(changed.index) == {patch.event_id}
    assert {c for c, _ in changed.columns} <= {"title", "updated_at", "remote_data"}
    assert after.loc[patch.event_id, "title"] == "Renamed on purpose"


def test_the_snapshot_is_a_handle_that_copies_as_itself_and_survives_pandas_operations(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app)
    handle = events.attrs[ATTRS_KEY]
    assert copy.deepcopy(events.attrs)[ATTRS_KEY] is handle  # no data is copied
    derived = [
        events.copy(),
        events[events["title"].notna()],
        events.assign(title="x"),
        events.head(3),
    ]
    for frame in derived:
        assert frame.attrs[ATTRS_KEY] is handle
        assert snapshot_of(frame) is snapshot_of(events)
    # Pickled, only the key travels; in this process it finds the same snapshot again.
    restored = pickle.loads(pickle.dumps(events))
    assert snapshot_of(restored) is snapshot_of(events)
    assert len(pickle.dumps(handle)) < 200


def test_editing_the_read_frame_in_place_is_still_diffed_against_what_was_read(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app)
    events.loc[events.index[0], "description"] = "Edited in place"
    plan = events.truto.update_events(token=DEFAULT_TOKEN, base_url=BASE)
    assert plan.counts["send"] == 1
    assert plan.payloads.iloc[0]["description"] == "Edited in place"


def test_a_read_frame_that_lost_its_snapshot_is_refused_naming_baseline(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    events = _read(app)
    path = tmp_path / "events.csv"
    from truto_frame.ui.text import write_csv

    write_csv(events, str(path))
    again = truto_frame.read_csv(path)  # a CSV written by read-events: no record of the read
    with pytest.raises(InputError, match="baseline=") as info:
        again.truto.update_events(token=DEFAULT_TOKEN, base_url=BASE)
    assert "created_at" in str(info.value)
    # Given the baseline, the same frame sends nothing: it equals what was read.
    plan = again.truto.update_events(token=DEFAULT_TOKEN, base_url=BASE, baseline=again)
    assert plan.counts["send"] == 0
    assert patches(app) == []


def test_a_frame_without_read_only_columns_is_still_sent_as_given() -> None:
    df = pd.DataFrame({"id": ["e1"], "calendar.id": ["c"], "remote_data": [{"x": 1}]})
    plan = df.truto.update_events(integrated_account_id="acc-1")
    assert plan.payloads.iloc[0] == {"calendar": {"id": "c"}, "remote_data": {"x": 1}}


# --------------------------------------------------------------------------- attendee emails


def _with_attendees(events: pd.DataFrame, count: int) -> object:
    column = f"attendees[{count - 1}].person.emails[0].email"
    return events.index[events[column].notna()][0]


def test_an_attendee_whose_email_cell_was_emptied_is_invalid_naming_the_column(app) -> None:  # type: ignore[no-untyped-def]
    events = _read(app)
    edited = events.copy()
    label = _with_attendees(edited, 2)
    edited.loc[label, "attendees[1].person.emails[0].email"] = None  # the type cell stays
    plan = edited.truto.update_events(token=DEFAULT_TOKEN, base_url=BASE)
    assert plan.statuses.loc[label] == "invalid"
    [(column, message)] = [
        (p.column, p.message) for p in plan.problems.itertuples() if p.row == label
    ]
    assert column == "attendees[1].person.emails[0].email"
    assert "every attendee needs an email" in message and "type is set" in message
    results = _apply(plan, app)
    assert results.loc[label, "status"] == "invalid"
    assert patches(app) == []


def test_an_attendee_without_email_in_a_whole_list_names_the_list_cell() -> None:
    df = pd.DataFrame(
        {
            "id": ["e1"],
            "calendar.id": ["c"],
            "attendees": [
                '[{"person": {"emails": [{"email": "a@x.io"}]}}, {"person": {"name": "Bo"}}]'
            ],
        }
    )
    plan = df.truto.update_events(integrated_account_id="acc-1")
    [(column, message)] = plan.problems[["column", "message"]].itertuples(index=False)
    assert column == "attendees"
    assert "attendees[1] has none" in message


def test_an_attendee_kept_as_read_without_email_may_be_sent_back() -> None:
    room = {"person": {"name": "Room 4"}, "is_optional": True}
    baseline = pd.DataFrame(
        {"id": ["e1"], "calendar.id": ["c"], "attendees": [[room]], "title": ["A"]}
    )
    guest = {"person": {"emails": [{"email": "new@x.io"}]}}
    edited = baseline.assign(attendees=[[room, guest]])
    plan = edited.truto.update_events(integrated_account_id="acc-1", baseline=baseline)
    assert plan.statuses.tolist() == ["send"]
    assert plan.payloads.iloc[0]["attendees"] == [room, guest]


def test_the_sandbox_refuses_an_attendee_without_email_as_google_does(app) -> None:  # type: ignore[no-untyped-def]
    sandbox = app.state.sandbox
    event_id = sandbox.event_ids(GOOGLECALENDAR_ACCOUNT_ID)[0]
    event = sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, event_id)
    body = {
        "calendar": {"id": event["calendar"]["id"]},
        "start_time": event["start_time"],
        "end_time": event["end_time"],
        "timezone": event["timezone"],
        "attendees": [{"person": {"emails": [{"type": "work"}]}}],
    }

    async def patch() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url=BASE,
            headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        ) as client:
            return await client.patch(
                f"/unified/calendar/events/{event_id}",
                params={"integrated_account_id": GOOGLECALENDAR_ACCOUNT_ID},
                json=body,
            )

    answer = asyncio.run(patch())
    assert answer.status_code == 400
    assert answer.json()["truto_is_remote_error"] is True
    assert "Missing attendee email" in answer.json()["message"]
    assert sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, event_id) == event


def test_an_invalid_value_in_a_whole_cell_names_that_cell_not_an_empty_part_column() -> None:
    df = pd.DataFrame(
        {
            "id": ["e1"],
            "calendar.id": ["c"],
            "attendees": ['[{"person": {"emails": [{"email": "a@x.io"}]}}, {"person": {}}]'],
            "attendees[1].person.emails[0].email": [np.nan],  # a part column, left empty
        }
    )
    plan = df.truto.update_events(integrated_account_id="acc-1")
    [(column, message)] = plan.problems[["column", "message"]].itertuples(index=False)
    assert column == "attendees"
    assert "attendees[1] has none" in message


# --------------------------------------------------------------------------- undo


def _title_edit(app, **options):  # type: ignore[no-untyped-def]
    events = _read(app, GOOGLECALENDAR_ACCOUNT_ID)
    edited = events.copy()
    label = edited.index[0]
    edited.loc[label, "title"] = "Renamed for the undo test"
    plan = edited.truto.update_events(
        token=DEFAULT_TOKEN, base_url=BASE, integration="googlecalendar", **options
    )
    results = _apply(plan, app)
    assert results.loc[label, "status"] == "updated"
    return events, label, plan


def _no_null_required(app) -> None:  # type: ignore[no-untyped-def]
    for request in patches(app):
        for field in ("calendar", "start_time", "end_time", "title", "timezone"):
            assert request.body.get(field, "absent") is not None, (field, request.body)


@pytest.mark.parametrize("response_format", ["raw", "normalized", "stream"])
def test_undo_after_a_provider_shaped_apply_is_refused_and_sends_nothing(
    app, response_format: str
) -> None:  # type: ignore[no-untyped-def]
    _, _, plan = _title_edit(app, response_format=response_format)
    assert not plan.can_undo
    with pytest.raises(InputError, match="response_format") as info:
        plan.undo()
    assert "read_events" in str(info.value)
    assert len(patches(app)) == 1
    _no_null_required(app)


def test_undo_and_undo_of_undo_restore_values_and_never_clear_a_required_field(app) -> None:  # type: ignore[no-untyped-def]
    events, label, plan = _title_edit(app, exclude_fields=["title", "calendar", "start_time"])
    event_id = events.loc[label, "id"]
    original = events.loc[label, "title"]
    undo = plan.undo()
    assert undo.statuses.tolist() == ["send"]
    assert _apply(undo, app)["status"].tolist() == ["updated"]
    sandbox = app.state.sandbox
    assert sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, event_id)["title"] == original
    # The responses left out title, calendar and start_time: the undo's own baseline keeps the
    # values it can work out instead of reading them as null.
    redo = undo.undo()
    assert redo.statuses.tolist() == ["send"]
    assert redo.payloads.iloc[0]["title"] == "Renamed for the undo test"
    assert _apply(redo, app)["status"].tolist() == ["updated"]
    assert sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, event_id)["title"] == (
        "Renamed for the undo test"
    )
    _no_null_required(app)


def test_an_undo_that_would_clear_a_required_field_is_invalid() -> None:
    from truto_frame.model.integrations import rules_for
    from truto_frame.planning.undo import undo_problems

    body = {"calendar": None, "start_time": None, "end_time": None, "title": None}
    problems = dict(undo_problems(body, {}, rules_for("googlecalendar")))
    assert {"calendar", "start_time", "end_time", "title"} <= set(problems)
    assert "never cleared" in problems["title"]


# --------------------------------------------------------------------------- series


def test_instances_of_a_series_edited_one_by_one_are_named_in_the_preview_and_cli(app) -> None:  # type: ignore[no-untyped-def]
    from truto_frame.ui.summary import plan_summary, summary_html
    from truto_frame.ui.text import format_plan

    events = _read(app, GOOGLECALENDAR_ACCOUNT_ID)
    instances = events["parent_event.id"].notna()
    [series] = events.loc[instances, "parent_event.id"].unique().tolist()
    title = events.loc[events["id"] == series, "title"].iloc[0]
    edited = events.copy()
    edited.loc[instances, "description"] = "New agenda"
    plan = edited.truto.update_events(token=DEFAULT_TOKEN, base_url=BASE)
    count = int(instances.sum())
    expected = (
        f"{count} instances of {title!r} edited one by one: each becomes an exception; edit "
        "the series row instead?"
    )
    [note] = [w for w in plan.warnings if "instances of" in w]
    assert note.startswith(expected) and series in note
    assert expected in format_plan(plan)
    assert "edited one by one" in summary_html(plan_summary(plan))
    # Editing the series row itself is what was meant: no note.
    master = events.copy()
    master.loc[master["id"] == series, "description"] = "New agenda"
    plan = master.truto.update_events(token=DEFAULT_TOKEN, base_url=BASE)
    assert not any("instances of" in w for w in plan.warnings)


def test_many_instances_without_their_series_row_are_named_too() -> None:
    df = pd.DataFrame(
        {
            "id": [f"s1_2026120{d}" for d in range(1, 4)] + ["other"],
            "calendar.id": ["c"] * 4,
            "title": ["Standup"] * 4,
            "parent_event.id": ["s1", "s1", "s1", np.nan],
        }
    )
    baseline = df.assign(title="Daily standup")
    plan = df.truto.update_events(integrated_account_id="acc-1", baseline=baseline)
    [note] = [w for w in plan.warnings if "instances of" in w]
    assert note.startswith("3 instances of 'Daily standup' edited one by one")
    two = df.iloc[1:].copy()  # two instances and no series row: a deliberate edit, no note
    plan = two.truto.update_events("acc-1", baseline=baseline)
    assert plan.counts["send"] == 3  # two instances and one other event
    assert not any("instances of" in w for w in plan.warnings)
