"""A NULL whole value against its own parts: settled by the baseline, else reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from truto_frame import NULL
from truto_frame.planning.whole_or_parts import settle_null_conflicts

ACCOUNT = "acc-1"


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "calendar.id", "title", "location", "location.name"])


# The shape read_events gives: NULL where the event has no location, parts where it has one.
BEFORE = _frame(
    [
        {"id": "no-room", "calendar.id": "c", "title": "A", "location": NULL},
        {"id": "room", "calendar.id": "c", "title": "B", "location.name": "Room 1"},
    ]
)


def _plan(edited: pd.DataFrame, baseline: pd.DataFrame | None = BEFORE):  # type: ignore[no-untyped-def]
    return edited.truto.update_events(ACCOUNT, token="t", baseline=baseline)


def test_giving_a_room_to_an_event_without_one_sends_the_parts() -> None:
    edited = BEFORE.copy()
    edited["location.name"] = "Room 9"  # both rows; the first still holds NULL in `location`
    plan = _plan(edited)
    assert plan.problems.empty
    assert plan.payloads.tolist() == [
        {"calendar": {"id": "c"}, "location": {"name": "Room 9"}},
        {"calendar": {"id": "c"}, "location": {"name": "Room 9"}},
    ]


def test_clearing_a_location_whose_parts_were_read_sends_null() -> None:
    edited = BEFORE.copy()
    edited["location"] = NULL  # the second row's parts are still what the event holds
    plan = _plan(edited)
    assert plan.problems.empty
    assert plan.statuses.tolist() == ["skipped", "send"]  # the first was null already
    assert plan.payloads.iloc[1] == {"calendar": {"id": "c"}, "location": None}


def test_both_sides_edited_stays_invalid() -> None:
    edited = BEFORE.copy()
    edited["location"] = NULL
    edited.loc[1, "location.name"] = "Room 2"  # cleared and renamed: which one is meant?
    plan = _plan(edited)
    assert plan.statuses.tolist() == ["skipped", "invalid"]
    [message] = plan.problems["message"].tolist()
    assert "both whole and in parts" in message


def test_without_a_baseline_the_conflict_is_reported() -> None:
    edited = BEFORE.copy()
    edited["location.name"] = "Room 9"
    plan = _plan(edited, baseline=None)
    assert plan.statuses.tolist() == ["invalid", "send"]
    assert plan.problems["row"].tolist() == [0]


@pytest.mark.parametrize(
    ("cells", "current", "settled"),
    [
        # Nothing to settle: no NULL whole value with parts.
        ({"title": "x", "location.name": "R"}, {}, None),
        ({"location": NULL}, {"location": {"name": "R"}}, None),
        # Already null (or absent) now: the NULL is dropped.
        ({"location": NULL, "location.name": "R"}, {}, {"location.name": "R"}),
        ({"location": "<NULL>", "location.name": "R"}, {"location": None}, {"location.name": "R"}),
        # Nested: an attendee's person cleared, its parts as they are now.
        (
            {"attendees[0].person": NULL, "attendees[0].person.name": "Ann"},
            {"attendees": [{"person": {"name": "Ann"}}]},
            {"attendees[0].person": NULL},
        ),
        # Integers pandas made floats still compare equal to the baseline's.
        (
            {"location": NULL, "location.coordinates.latitude": np.float64(52.0)},
            {"location": {"coordinates": {"latitude": 52}}},
            {"location": NULL},
        ),
        # Both sides edited: left alone.
        ({"location": NULL, "location.name": "New"}, {"location": {"name": "Old"}}, None),
    ],
)
def test_settle_null_conflicts(cells: dict, current: dict, settled: dict | None) -> None:
    result = settle_null_conflicts(list(cells), list(cells.values()), current)
    assert result == settled
