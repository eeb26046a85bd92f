"""Baselines: only changed fields are sent, unchanged rows are skipped."""

from __future__ import annotations

import pandas as pd
import pytest

from truto_frame import NULL
from truto_frame.errors import InputError
from truto_frame.frame.flatten import flatten_events
from truto_frame.model.integrations import UNKNOWN_INTEGRATION, rules_for
from truto_frame.planning.baseline import (
    baseline_lookup,
    current_event,
    diff_against_baseline,
    merge_onto,
    request_shape,
    same_value,
    with_request_types,
)
from truto_frame.planning.changes import display_value, field_changes

GOOGLE = rules_for("googlecalendar")
OUTLOOK = rules_for("outlookcalendar")

CURRENT = {
    "id": "evt-1",
    "title": "Onboarding",
    "description": None,
    "calendar": {"id": "cal-1", "name": "Team", "remote_only": "x"},
    "start_time": "2026-01-01T10:00:00Z",
    "end_time": "2026-01-01T11:00:00Z",
    "timezone": "Europe/Berlin",
    "location": {
        "name": "Room 1",
        "address": {"city": "Berlin", "street_1": "Main St 1"},
        "provider_field": 7,
    },
    "attendees": [{"person": {"name": "Ann", "emails": [{"email": "ann@example.com"}]}}],
    "created_at": "2025-12-01T00:00:00Z",
}
# How a plan stores it: pruned to request shape once (baseline_lookup, a GET, a re-read), so
# diffing and the changes list take it as it is.
STORED = with_request_types(CURRENT)


@pytest.mark.parametrize(
    ("a", "b", "field", "same"),
    [
        ("2026-01-01T10:00:00Z", "2026-01-01T11:00:00+01:00", "start_time", True),
        ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00+01:00", "end_time", False),
        # Not a time field: text compares as text.
        ("2026-01-01T10:00:00Z", "2026-01-01T11:00:00+01:00", "title", False),
        # A naive and an aware time cannot be the same instant for sure: a change.
        ("2026-01-01T10:00:00", "2026-01-01T10:00:00Z", "start_time", False),
        (1.0, 1, None, True),
        (52.5, 52.5, None, True),
        (True, 1, None, False),
        (False, False, None, True),
        (None, None, None, True),
        (None, "", None, False),
        ("1234", 1234, None, False),
        ({"a": 1, "b": None}, {"a": 1.0}, None, True),
        ([1, 2], [1, 2, 3], None, False),
        ([{"x": 1}], [{"x": 1.0}], None, True),
    ],
)
def test_same_value(a: object, b: object, field: str | None, same: bool) -> None:
    assert same_value(a, b, field) is same
    assert same_value(b, a, field) is same


def test_merge_onto_keeps_unmentioned_parts_and_clears_with_none() -> None:
    current = {"name": "Room 1", "address": {"city": "Berlin", "street_1": "Main St 1"}}
    merged = merge_onto(current, {"address": {"city": "Paris", "street_1": None}})
    assert merged == {"name": "Room 1", "address": {"city": "Paris", "street_1": None}}
    assert current["address"]["city"] == "Berlin"  # not mutated


def test_request_shape_prunes_response_keys_at_every_depth() -> None:
    assert request_shape("calendar", CURRENT["calendar"]) == {"id": "cal-1", "name": "Team"}
    attendees = [{"person": {"name": "A", "photo": "p"}, "etag": "1"}]
    assert request_shape("attendees", attendees) == [{"person": {"name": "A"}}]
    assert request_shape("title", "x") == "x"


def test_unchanged_row_is_skipped() -> None:
    payload = {
        "title": "Onboarding",
        "description": None,
        "start_time": "2026-01-01T11:00:00+01:00",
    }
    assert diff_against_baseline(payload, STORED, GOOGLE) is None


def test_only_changed_fields_plus_calendar_are_sent() -> None:
    payload = {"title": "Kick-off", "description": None, "timezone": "Europe/Berlin"}
    body = diff_against_baseline(payload, STORED, OUTLOOK)
    assert body == {"title": "Kick-off", "calendar": {"id": "cal-1", "name": "Team"}}


def test_google_requires_times_and_timezone_from_the_current_event() -> None:
    body = diff_against_baseline({"title": "Kick-off"}, STORED, GOOGLE)
    assert body == {
        "title": "Kick-off",
        "calendar": {"id": "cal-1", "name": "Team"},
        "start_time": "2026-01-01T10:00:00Z",
        "end_time": "2026-01-01T11:00:00Z",
        "timezone": "Europe/Berlin",
    }


def test_unknown_integration_carries_what_google_requires() -> None:
    # Without knowing the account's integration, the diff must still pass a Google account.
    body = diff_against_baseline({"title": "Kick-off"}, STORED, UNKNOWN_INTEGRATION)
    assert body == diff_against_baseline({"title": "Kick-off"}, STORED, GOOGLE)


def test_moving_the_start_brings_end_and_timezone_along() -> None:
    body = diff_against_baseline({"start_time": "2026-01-01T09:00:00Z"}, STORED, OUTLOOK)
    assert body is not None
    assert body["start_time"] == "2026-01-01T09:00:00Z"
    assert body["end_time"] == "2026-01-01T11:00:00Z"
    assert body["timezone"] == "Europe/Berlin"


def test_partial_location_is_merged_and_sent_whole() -> None:
    body = diff_against_baseline({"location": {"address": {"city": "Paris"}}}, STORED, OUTLOOK)
    assert body is not None
    assert body["location"] == {
        "name": "Room 1",
        "address": {"city": "Paris", "street_1": "Main St 1"},
    }
    # The same partial value as the current one is no change.
    same = {"location": {"address": {"city": "Berlin"}}}
    assert diff_against_baseline(same, STORED, OUTLOOK) is None


def test_lists_are_compared_whole() -> None:
    same = {"attendees": [{"person": {"name": "Ann", "emails": [{"email": "ann@example.com"}]}}]}
    assert diff_against_baseline(same, STORED, UNKNOWN_INTEGRATION) is None
    more = {"attendees": [*same["attendees"], {"person": {"name": "Bob"}}]}
    body = diff_against_baseline(more, STORED, UNKNOWN_INTEGRATION)
    assert body is not None
    assert body["attendees"] == more["attendees"]


def test_event_not_in_baseline_is_returned_as_is() -> None:
    assert diff_against_baseline({"title": "x"}, None, GOOGLE) == {"title": "x"}


def test_field_changes_lists_leaves_before_and_after() -> None:
    body = diff_against_baseline(
        {"title": "Kick-off", "location": {"address": {"city": "Paris"}}}, STORED, GOOGLE
    )
    assert body is not None
    changes = field_changes(body, STORED)
    # FieldChange also carries the event's zone, for time fields only (issue 8).
    assert [(c.column, c.before, c.after, c.zone) for c in changes] == [
        ("title", "Onboarding", "Kick-off", None),
        ("location.address.city", "Berlin", "Paris", None),
    ]


def test_field_changes_show_a_cleared_object_and_a_list() -> None:
    changes = field_changes({"location": None, "recurrence": ["RRULE:FREQ=DAILY"]}, STORED)
    assert changes[0].column == "location"
    assert changes[0].after is None
    assert changes[1][:3] == ("recurrence", None, ["RRULE:FREQ=DAILY"])


def test_field_changes_without_baseline_list_every_leaf() -> None:
    changes = field_changes({"title": "x", "location": {"name": "R"}}, None)
    assert [tuple(c)[:3] for c in changes] == [("title", None, "x"), ("location.name", None, "R")]


def test_baseline_lookup_rebuilds_events_from_a_flat_frame() -> None:
    frame = flatten_events([CURRENT, {**CURRENT, "id": "evt-2", "title": "Other"}])
    lookup = baseline_lookup(frame)
    assert list(lookup) == [(None, "evt-1"), (None, "evt-2")]  # the frame names no account
    assert lookup[(None, "evt-1")]["location"]["address"]["city"] == "Berlin"
    assert lookup[(None, "evt-1")]["description"] is None
    assert lookup[(None, "evt-2")]["title"] == "Other"


def test_baseline_lookup_reads_numeric_ids_as_text() -> None:
    frame = pd.DataFrame({"id": [1234.0, 99.0], "title": ["a", "b"]})
    assert list(baseline_lookup(frame)) == [(None, "1234"), (None, "99")]


def test_the_same_event_id_in_two_accounts_is_two_baseline_events() -> None:
    # One meeting in two people's calendars: same id, two accounts, two current states.
    frame = pd.DataFrame(
        {"id": ["m1", "m1"], "integrated_account_id": ["acc-a", "acc-b"], "title": ["A", "B"]}
    )
    lookup = baseline_lookup(frame)
    assert current_event(lookup, "acc-a", "m1")["title"] == "A"  # type: ignore[index]
    assert current_event(lookup, "acc-b", "m1")["title"] == "B"  # type: ignore[index]
    assert current_event(lookup, "acc-c", "m1") is None  # never another account's event
    # A baseline that names no account serves every account.
    plain = baseline_lookup(frame.drop(columns="integrated_account_id").head(1))
    assert current_event(plain, "acc-c", "m1")["title"] == "A"  # type: ignore[index]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"title": ["a"]}), "no 'id' column"),
        (pd.DataFrame({"id": ["a", "a"], "title": ["x", "y"]}), "appears twice"),
        (
            pd.DataFrame({"id": ["a", "a"], "integrated_account_id": ["k", "k"]}),
            "'a' of account 'k' appears twice",
        ),
        (pd.DataFrame({"id": [None], "title": ["x"]}), "has no event id"),
    ],
)
def test_baseline_lookup_rejects_ambiguous_frames(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(InputError, match=message):
        baseline_lookup(frame)


def test_baseline_lookup_rejects_non_frames() -> None:
    with pytest.raises(InputError, match="DataFrame"):
        baseline_lookup([CURRENT])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "∅"), (True, "true"), ([1, "a"], '[1, "a"]'), ({"a": 1}, '{"a": 1}'), (2.5, "2.5")],
)
def test_display_value(value: object, text: str) -> None:
    assert display_value(value) == text


def test_null_cells_in_a_baseline_mean_empty_fields() -> None:
    frame = pd.DataFrame({"id": ["e"], "description": [NULL]})
    assert baseline_lookup(frame)[(None, "e")]["description"] is None


def test_baseline_fetch_reads_each_event_and_reports_the_unreadable() -> None:
    from datetime import datetime, timezone

    import truto_frame
    from truto_frame.sandbox import (
        GOOGLECALENDAR_ACCOUNT_ID,
        SandboxConfig,
        create_app,
        running_server,
    )

    app = create_app(SandboxConfig(anchor=datetime(2026, 3, 2, tzinfo=timezone.utc)))
    with running_server(app=app) as url:
        before = truto_frame.read_events(
            GOOGLECALENDAR_ACCOUNT_ID,
            token="sandbox-token",
            base_url=url,
            start_time="2026-03-01",
            end_time="2026-04-01",
        ).head(5)
        edited = before.copy()
        edited.loc[edited.index[2], "title"] = "Renamed"
        ghost = edited.iloc[[0]].copy()
        ghost["id"] = "no-such-event"
        ghost.index = [99]
        edited = pd.concat([edited, ghost])
        plan = edited.truto.update_events(
            token="sandbox-token", base_url=url, baseline="fetch", integration="googlecalendar"
        )
    assert plan.counts == {"send": 1, "invalid": 1, "skipped": 4}
    assert plan.payloads.iloc[2]["title"] == "Renamed"
    problem = plan.problems.set_index("row").loc[99]
    assert problem["column"] == "id"
    assert "could not read the current event" in problem["message"]
    assert "404" in problem["message"]
    gets = [r for r in app.state.sandbox.requests if r.method == "GET" and r.event_id]
    assert sorted(r.event_id for r in gets) == sorted(edited["id"])
    assert all(r.query_value("calendar[id]") for r in gets)
    assert not [r for r in app.state.sandbox.requests if r.method == "PATCH"]


def test_baseline_must_be_a_frame_or_fetch() -> None:
    from truto_frame import ConfigurationError, build_plan

    df = pd.DataFrame({"id": ["e"], "calendar.id": ["c"], "title": ["x"]})
    with pytest.raises(ConfigurationError, match="'fetch'"):
        build_plan(df, integrated_account_id="a", baseline="current")


def test_a_plan_over_two_accounts_diffs_each_row_against_its_own_account() -> None:
    from truto_frame import build_plan

    before = pd.DataFrame(
        {
            "id": ["m1", "m1"],
            "integrated_account_id": ["acc-a", "acc-b"],
            "calendar.id": ["primary", "primary"],
            "title": ["Sync", "Sync (Bea's copy)"],
        }
    )
    edited = before.copy()
    edited.loc[1, "title"] = "Sync"  # only Bea's copy differs from the new title
    plan = build_plan(edited, token="t", baseline=before)
    assert plan.problems.empty
    assert plan.statuses.tolist() == ["skipped", "send"]
    assert plan.payloads.iloc[1] == {"calendar": {"id": "primary"}, "title": "Sync"}
    assert plan.baselines.iloc[1]["title"] == "Sync (Bea's copy)"
    assert plan.changes[["id", "before", "after"]].values.tolist() == [
        ["m1", "Sync (Bea's copy)", "Sync"]
    ]


def test_baseline_fetch_through_an_in_process_transport() -> None:
    from datetime import datetime, timezone

    import httpx

    import truto_frame
    from truto_frame.sandbox import GOOGLECALENDAR_ACCOUNT_ID, SandboxConfig, create_app

    app = create_app(SandboxConfig(anchor=datetime(2026, 3, 2, tzinfo=timezone.utc)))
    transport = httpx.ASGITransport(app=app)
    base = "http://sandbox.test"
    before = truto_frame.read_events(
        GOOGLECALENDAR_ACCOUNT_ID,
        token="sandbox-token",
        base_url=base,
        start_time="2026-03-01",
        end_time="2026-04-01",
        transport=transport,
    ).head(3)
    edited = before.copy()
    edited.loc[edited.index[1], "title"] = "Renamed"
    plan = edited.truto.update_events(
        token="sandbox-token", base_url=base, baseline="fetch", transport=transport
    )
    assert plan.statuses.tolist() == ["skipped", "send", "skipped"]
    assert plan.payloads.iloc[1]["title"] == "Renamed"
    gets = [r for r in app.state.sandbox.requests if r.method == "GET" and r.event_id]
    assert sorted(r.event_id for r in gets) == sorted(before["id"])
