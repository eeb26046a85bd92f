"""The three-way merge of a planned body with an event changed since the snapshot (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from truto_frame.planning.merge import (
    Conflict,
    attendee_key,
    edited_fields,
    merge_event,
    needs_reread,
    unchanged_since,
)

CAL = {"id": "c1"}
BASE: dict[str, Any] = {
    "id": "e1",
    "calendar": CAL,
    "title": "Sync",
    "description": "notes",
    "start_time": "2026-12-07T10:00:00+00:00",
    "end_time": "2026-12-07T11:00:00+00:00",
    "timezone": "Europe/Berlin",
    "recurrence": ["RRULE:FREQ=WEEKLY"],
    "location": {"name": "Room 1", "address": {"city": "Berlin", "country": "DE"}},
    "updated_at": "2026-12-01T00:00:00+00:00",
}
TIMES = {k: BASE[k] for k in ("start_time", "end_time", "timezone")}
MOVED = {
    "start_time": "2026-12-07T14:00:00+01:00",  # 13:00 UTC
    "end_time": "2026-12-07T15:00:00+01:00",
}


def _person(email: str, status: str = "needs_action", **extra: Any) -> dict[str, Any]:
    return {
        "person": {"name": email.split("@")[0], "emails": [{"email": email}]},
        "response": {"status": status},
        **extra,
    }


ANA, BOB, CY, DI = "ana@x.io", "bob@x.io", "cy@x.io", "di@x.io"
PEOPLE = [_person(ANA, "accepted", is_organizer=True), _person(BOB), _person(CY)]


# (case, mine, theirs-changes, expected payload changes vs mine, conflicts fields, kept)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], list[str], list[str]]] = [
    (
        "title edit, organizer moved the meeting: keep the new time, apply the title",
        {"calendar": CAL, "title": "Sync 2", **TIMES},
        MOVED,
        MOVED,
        [],
        ["start_time", "end_time"],
    ),
    (
        "title edit, nothing changed meanwhile: the body as planned",
        {"calendar": CAL, "title": "Sync 2", **TIMES},
        {},
        {},
        [],
        [],
    ),
    (
        "title edit, someone else changed the description: not in the body, nothing to do",
        {"calendar": CAL, "title": "Sync 2", **TIMES},
        {"description": "other"},
        {},
        [],
        [],
    ),
    (
        "same field changed on both sides: conflict, the body keeps mine",
        {"calendar": CAL, "title": "Sync 2", **TIMES},
        {"title": "Sync (moved)"},
        {},
        ["title"],
        [],
    ),
    (
        "same field changed on both sides to the same value: no conflict",
        {"calendar": CAL, "title": "Sync 2"},
        {"title": "Sync 2"},
        {},
        [],
        [],
    ),
    (
        "both moved the meeting differently: the times conflict",
        {
            "calendar": CAL,
            "start_time": "2026-12-08T10:00:00+00:00",
            "end_time": "2026-12-08T11:00:00+00:00",
            "timezone": "Europe/Berlin",
        },
        MOVED,
        {},
        ["start_time", "end_time"],
        [],
    ),
    (
        "both moved the meeting to the same instant (other offsets): no conflict",
        {"calendar": CAL, "start_time": "2026-12-07T13:00:00Z", "end_time": "2026-12-07T14:00Z"}
        | {"timezone": "Europe/Berlin"},
        MOVED,
        {},
        [],
        [],
    ),
    (
        "I moved it, they edited the title: my time, no title in the body",
        {"calendar": CAL, "start_time": MOVED["start_time"], "end_time": MOVED["end_time"]}
        | {"timezone": "Europe/Berlin"},
        {"title": "Renamed"},
        {},
        [],
        [],
    ),
    (
        "location parts: my room name, their city",
        {"calendar": CAL, "location": {"name": "Room 9", "address": BASE["location"]["address"]}},
        {"location": {"name": "Room 1", "address": {"city": "Hamburg", "country": "DE"}}},
        {"location": {"name": "Room 9", "address": {"city": "Hamburg", "country": "DE"}}},
        [],
        ["location.address.city"],
    ),
    (
        "location name on both sides: conflict on the part",
        {"calendar": CAL, "location": {"name": "Room 9", "address": BASE["location"]["address"]}},
        {"location": {"name": "Room 3", "address": BASE["location"]["address"]}},
        {},
        ["location.name"],
        [],
    ),
    (
        "recurrence merges whole: both changed it",
        {"calendar": CAL, "recurrence": ["RRULE:FREQ=DAILY"]},
        {"recurrence": ["RRULE:FREQ=WEEKLY", "EXDATE:20261214T100000Z"]},
        {},
        ["recurrence"],
        [],
    ),
    (
        "recurrence: only I changed it",
        {"calendar": CAL, "recurrence": ["RRULE:FREQ=DAILY"]},
        {"title": "x"},
        {},
        [],
        [],
    ),
]


@pytest.mark.parametrize(("case", "mine", "changes", "expected", "conflicts", "kept"), CASES)
def test_merge_table(
    case: str,
    mine: dict[str, Any],
    changes: dict[str, Any],
    expected: dict[str, Any],
    conflicts: list[str],
    kept: list[str],
) -> None:
    theirs = {**BASE, **changes, "updated_at": "2026-12-02T00:00:00+00:00"}
    result = merge_event(mine, BASE, theirs)
    assert result.payload == {**mine, **expected}, case
    assert [c.field for c in result.conflicts] == conflicts, case
    assert list(result.kept) == kept, case


def test_a_conflict_names_both_values() -> None:
    theirs = {**BASE, "title": "Theirs"}
    (conflict,) = merge_event({"calendar": CAL, "title": "Mine"}, BASE, theirs).conflicts
    assert conflict == Conflict("title", "Sync", "Mine", "Theirs")
    assert conflict.describe() == "title: planned 'Mine', now 'Theirs' (was 'Sync')"


def _merge_people(mine: list[Any], theirs: list[Any]) -> Any:
    base = {**BASE, "attendees": PEOPLE}
    return merge_event({"calendar": CAL, "attendees": mine}, base, {**base, "attendees": theirs})


def test_removing_one_attendee_keeps_an_acceptance_given_meanwhile() -> None:
    accepted = [PEOPLE[0], PEOPLE[1], _person(CY, "accepted")]
    result = _merge_people([PEOPLE[0], PEOPLE[2]], accepted)  # remove bob; cy accepted since
    assert result.conflicts == ()
    assert [attendee_key(a) for a in result.payload["attendees"]] == [ANA, CY]
    assert result.payload["attendees"][1]["response"]["status"] == "accepted"
    assert "attendees[cy@x.io].response.status" in result.kept


def test_others_additions_are_kept_and_mine_appended() -> None:
    result = _merge_people([*PEOPLE, _person(DI)], [*PEOPLE, _person("eve@x.io")])
    assert [attendee_key(a) for a in result.payload["attendees"]] == [ANA, BOB, CY, "eve@x.io", DI]
    assert result.kept == ("attendees[eve@x.io]",)


def test_a_removal_wins_over_a_response_given_meanwhile() -> None:
    result = _merge_people([PEOPLE[0], PEOPLE[2]], [PEOPLE[0], _person(BOB, "declined"), PEOPLE[2]])
    assert [attendee_key(a) for a in result.payload["attendees"]] == [ANA, CY]
    assert result.conflicts == ()


def test_an_attendee_edited_here_and_removed_there_conflicts() -> None:
    optional = _person(BOB, is_optional=True)
    result = _merge_people([PEOPLE[0], optional, PEOPLE[2]], [PEOPLE[0], PEOPLE[2]])
    assert [c.field for c in result.conflicts] == ["attendees[bob@x.io]"]


def test_an_attendee_edited_on_both_sides_conflicts_by_part() -> None:
    mine = [PEOPLE[0], _person(BOB, "tentative"), PEOPLE[2]]
    result = _merge_people(mine, [PEOPLE[0], _person(BOB, "declined"), PEOPLE[2]])
    (conflict,) = result.conflicts
    assert (conflict.field, conflict.mine, conflict.theirs) == (
        "attendees[bob@x.io].response.status",
        "tentative",
        "declined",
    )


def test_emails_match_without_case() -> None:
    assert attendee_key(_person("Bob@X.io ")) == attendee_key(_person("bob@x.io"))
    assert attendee_key({"person": {"id": "p1"}}) == "id:p1"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"calendar": CAL, "title": "New"}, False),  # only a scalar the user edited
        ({"calendar": CAL, "title": "New", "description": "notes"}, True),  # re-sent value
        ({"calendar": CAL, "title": "New", **TIMES}, True),  # Google's required times
        ({"calendar": CAL, "attendees": PEOPLE[:2]}, True),  # a list rebuilt from the snapshot
        ({"calendar": CAL, "location": {"name": "R"}}, True),  # an object merged with parts
        ({"calendar": CAL, "remote_data": {"colorId": "3"}}, False),  # passed as is, whole
        (None, False),
    ],
)
def test_which_rows_are_reread(payload: dict[str, Any] | None, expected: bool) -> None:
    assert needs_reread(payload, BASE) is expected
    assert needs_reread(payload, None) is False  # no snapshot: nothing to compare with


def test_edited_fields() -> None:
    body = {"calendar": CAL, "title": "New", **TIMES}
    assert edited_fields(body, BASE) == {"title"}
    assert edited_fields(body, None) == set(body)


@pytest.mark.parametrize(
    ("theirs", "expected"),
    [
        ({"updated_at": "2026-12-01T01:00:00+01:00"}, True),  # the same instant
        ({"updated_at": "2026-12-01T00:00:01+00:00"}, False),
        ({}, None),
        ({"updated_at": "not a time"}, None),
    ],
)
def test_unchanged_since(theirs: dict[str, Any], expected: bool | None) -> None:
    assert unchanged_since(BASE, theirs) is expected


def test_unchanged_since_falls_back_to_the_providers_etag() -> None:
    a = {"remote_data": {"etag": '"1"'}}
    assert unchanged_since(a, {"remote_data": {"etag": '"1"'}}) is True
    assert unchanged_since(a, {"remote_data": {"etag": '"2"'}}) is False
    assert unchanged_since(None, a) is None
