"""build_plan turns rows into validated bodies and per-row problems, and sends nothing."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pandas as pd
import pytest

import truto_frame
from truto_frame import NULL
from truto_frame.errors import ConfigurationError, InputError

ACCOUNT = "62f44730-dd91-461e-bd6a-aedd9e0ad79d"
CAL = "primary"


def plan_of(df: pd.DataFrame, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("integrated_account_id", ACCOUNT)
    kwargs.setdefault("token", "secret-token-value")
    return df.truto.update_events(**kwargs)


def problems_by_row(plan) -> dict:  # type: ignore[no-untyped-def]
    out: dict = {}
    for row in plan.problems.itertuples():
        out.setdefault(row.row, []).append((row.column, row.message))
    return out


def test_nested_columns_nan_and_null() -> None:
    df = pd.DataFrame(
        {
            "id": ["ev/1+a=", "ev2"],
            "calendar.id": [CAL, CAL],
            "title": ["Kickoff", np.nan],
            "description": [NULL, "<NULL>"],
            "location.address.city": ["Berlin", None],
            "attendees[0].person.emails[0].email": ["ana@example.com", np.nan],
        },
        index=[10, 3],
    )
    plan = plan_of(df)
    assert plan.problems.empty
    assert plan.payloads.index.tolist() == [10, 3]
    assert plan.payloads[10] == {
        "calendar": {"id": CAL},
        "title": "Kickoff",
        "description": None,
        "location": {"address": {"city": "Berlin"}},
        "attendees": [{"person": {"emails": [{"email": "ana@example.com"}]}}],
    }
    # Blank cells make no phantom attendee; NULL's CSV spelling clears.
    assert plan.payloads[3] == {"calendar": {"id": CAL}, "description": None}
    assert plan.event_ids.tolist() == ["ev/1+a=", "ev2"]


def test_json_text_cells_are_parsed_and_lists_sent_whole() -> None:
    df = pd.DataFrame(
        {
            "id": ["a"],
            "calendar": ['{"id": "primary"}'],
            "attendees": [
                '[{"person": {"emails": [{"email": "x@y.io"}]}},'
                ' {"person": {"emails": [{"email": "z@y.io"}]}, "is_optional": true}]'
            ],
            "recurrence": ['["RRULE:FREQ=WEEKLY;BYDAY=MO"]'],
        }
    )
    payload = plan_of(df).payloads.iloc[0]
    assert payload["calendar"] == {"id": "primary"}
    # (every attendee needs an email: an attendee of is_optional alone is invalid)
    assert payload["attendees"][1] == {
        "person": {"emails": [{"email": "z@y.io"}]},
        "is_optional": True,
    }
    assert payload["recurrence"] == ["RRULE:FREQ=WEEKLY;BYDAY=MO"]


def test_problems_name_the_column_as_in_the_frame() -> None:
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "calendar.id": [CAL, CAL, CAL],
            "attendees[0].response.status": ["maybe", "accepted", np.nan],
            "attendees[0].person.emails[0].email": [np.nan, "b@y.io", np.nan],
            "attendees": [np.nan, np.nan, '[{"person": {"emails": [{"email": "not-an-email"}]}}]'],
        },
        index=["r1", "r2", "r3"],
    )
    plan = plan_of(df)
    found = problems_by_row(plan)
    assert [col for col, _ in found["r1"]] == ["attendees[0].response.status"]
    assert "needs_action" in found["r1"][0][1]
    assert "r2" not in found
    # An error inside a whole JSON cell names the cell's column and the path within it.
    assert found["r3"][0][0] == "attendees"
    assert "attendees[0].person.emails[0].email" in found["r3"][0][1]
    assert plan.statuses.tolist() == ["invalid", "send", "invalid"]
    assert plan.payloads["r1"] is None


def test_rules_start_end_timezone_and_integration_required_fields() -> None:
    df = pd.DataFrame(
        {
            "id": ["a", "b"],
            "calendar.id": [CAL, CAL],
            "title": ["x", "y"],
            "start_time": [pd.Timestamp("2026-12-01 09:00", tz="UTC"), np.nan],
            "end_time": [pd.Timestamp("2026-12-01 10:00", tz="UTC"), np.nan],
            "timezone": [np.nan, np.nan],
        }
    )
    outlook = plan_of(df, integration="outlookcalendar")
    assert problems_by_row(outlook) == {
        0: [("timezone", "timezone is required when start_time or end_time is given")]
    }
    google = plan_of(df, integration="googlecalendar")
    assert {c for c, _ in problems_by_row(google)[1]} == {"start_time", "end_time"}


def test_ids_are_text_never_numbers() -> None:
    df = pd.DataFrame(
        {"id": [1234.0, np.nan, 99.0], "calendar.id": [CAL, CAL, CAL], "title": ["a", "b", "c"]}
    )
    plan = plan_of(df)
    assert plan.event_ids.tolist() == ["1234", None, "99"]
    assert problems_by_row(plan) == {1: [("id", "no event id")]}


def test_duplicate_event_rows_are_refused() -> None:
    df = pd.DataFrame({"id": ["a", "a"], "calendar.id": [CAL, CAL], "title": ["x", "y"]})
    assert problems_by_row(plan_of(df))[1][0][0] == "id"


def test_ignored_columns_are_reported_with_a_reason() -> None:
    df = pd.DataFrame(
        {
            "id": ["a"],
            "calendar.id": [CAL],
            "tilte": ["x"],
            "created_at": ["2026"],
            "is_all_day": [False],  # read_events returns it; the update API does not take it
            "notes": ["mine"],
        }
    )
    # Read-only columns without a baseline: a read frame that lost its record; refused.
    with pytest.raises(InputError, match="baseline="):
        plan_of(df)
    plan = plan_of(df, baseline=df.assign(tilte=None))
    reasons = {c.column: c.reason for c in plan.ignored_columns}
    assert reasons["created_at"] == "read-only field, never sent"
    assert reasons["is_all_day"] == "read-only field, never sent"
    assert "did you mean 'title'" in reasons["tilte"]
    assert reasons["notes"] == "not an event field"
    # Only the calendar selector is left, as in the baseline: nothing to send.
    assert plan.statuses.iloc[0] == "skipped"
    assert plan.payloads.iloc[0] is None
    assert "unchanged" in plan.skip_reasons.iloc[0]


def test_account_per_row_column() -> None:
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "integrated_account_id": ["acc-1", np.nan, "acc-2"],
            "calendar.id": [CAL] * 3,
        }
    )
    plan = df.truto.update_events(token="t")
    assert plan.accounts.tolist() == ["acc-1", None, "acc-2"]
    assert list(problems_by_row(plan)) == [1]
    mixed = df.truto.update_events(integrated_account_id="acc-1", token="t")
    assert mixed.accounts.tolist() == ["acc-1", "acc-1", "acc-2"]
    assert list(problems_by_row(mixed)) == [2]


def test_frame_level_mistakes_raise() -> None:
    with pytest.raises(InputError, match="no 'id' column"):
        pd.DataFrame({"title": ["x"]}).truto.update_events(integrated_account_id=ACCOUNT)
    with pytest.raises(ConfigurationError):
        pd.DataFrame({"id": ["a"]}).truto.update_events(
            integrated_account_id=ACCOUNT, send_notifications="everyone"
        )
    with pytest.raises(ConfigurationError):
        pd.DataFrame({"id": ["a"]}).truto.update_events(
            integrated_account_id=ACCOUNT, concurrency=0
        )
    with pytest.raises(InputError):
        truto_frame.planning.build.build_plan([{"id": "a"}])  # type: ignore[arg-type]


def test_outlook_warns_about_unsupported_fields() -> None:
    df = pd.DataFrame({"id": ["a"], "calendar.id": [CAL], "guests_can_modify": [True]})
    plan = plan_of(df, integration="outlookcalendar", send_notifications="none")
    assert any("guests_can_modify" in w and "outlookcalendar" in w for w in plan.warnings)
    assert any("send_notifications" in w for w in plan.warnings)


def test_token_is_not_in_any_repr() -> None:
    df = pd.DataFrame({"id": ["a"], "calendar.id": [CAL], "title": ["<b>x</b>"]})
    plan = plan_of(df)
    for text in (repr(plan), plan._repr_html_(), repr(vars(plan)), str(plan.payloads)):
        assert "secret-token-value" not in text


def test_the_integration_is_known_per_account() -> None:
    df = pd.DataFrame({"id": ["a", "b"], "integrated_account_id": ["acc-1", "acc-2"]})
    assert df.truto.update_events(integration="outlookcalendar").integrations == {
        "acc-1": "outlookcalendar",
        "acc-2": "outlookcalendar",
    }
    mapping = {"acc-1": "googlecalendar"}
    assert df.truto.update_events(integration=mapping).integrations == mapping


def test_planning_leaves_the_collector_as_it_found_it() -> None:
    # Planning pauses the cyclic collector and moves what it built to the oldest generation;
    # the program's own settings (collector off, objects it froze) come back untouched, and
    # a reference cycle made after planning is still collected.
    df = pd.DataFrame({"id": ["e1", "e2"], "calendar.id": [CAL, CAL], "title": ["A", "B"]})
    assert gc.isenabled()
    plan_of(df)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0

    class Node:
        pass

    node = Node()
    node.self = node  # type: ignore[attr-defined]
    alive = weakref.ref(node)
    del node
    gc.collect()
    assert alive() is None

    gc.freeze()
    frozen = gc.get_freeze_count()
    try:
        plan_of(df)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()

    gc.disable()
    try:
        plan_of(df)
        assert not gc.isenabled()
    finally:
        gc.enable()
