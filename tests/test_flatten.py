"""Tests for truto_frame.frame.flatten: column paths, cell states, unflatten rules and the round
trip."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truto_frame import NULL
from truto_frame.errors import InputError
from truto_frame.frame.flatten import (
    compile_columns,
    container_kind,
    flatten_event,
    flatten_events,
    format_path,
    normalize_cell,
    parse_column,
    unflatten_events,
    unflatten_frame,
    unflatten_record,
)
from truto_frame.model.schema import Event
from truto_frame.model.sentinels import MISSING

# --------------------------------------------------------------------------- parse_column


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("title", ("title",)),
        ("location.address.city", ("location", "address", "city")),
        ("attendees[0].person.emails[1].email", ("attendees", 0, "person", "emails", 1, "email")),
        ("recurrence[12]", ("recurrence", 12)),
        ("x[0][3]", ("x", 0, 3)),
        ("identifiers.0", ("identifiers", "0")),
        ("remote_data.some key", ("remote_data", "some key")),
    ],
)
def test_parse_column(name: str, path: tuple[Any, ...]) -> None:
    assert parse_column(name) == path
    assert format_path(path) == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("a..b", "empty key"),
        (".a", "empty key"),
        ("a.", "empty key"),
        ("a[x]", "[x]"),
        ("a[-1]", "[-1]"),
        ("a[]", "[]"),
        ("a[01]", "[01]"),
        ("[0]", "needs a key"),
        ("a.[0]", "needs a key"),
        ("a[0", "unbalanced"),
        ("a[0]b", "unbalanced"),
        ("a]", "']'"),
        ("", "non-empty"),
    ],
)
def test_parse_column_rejects_malformed_names(name: str, fragment: str) -> None:
    with pytest.raises(ValueError, match="column name") as info:
        parse_column(name)
    assert fragment in str(info.value)
    assert repr(name) in str(info.value) or name == ""


def test_parse_column_is_cached() -> None:
    parse_column("location.name")
    before = parse_column.cache_info().hits
    parse_column("location.name")
    assert parse_column.cache_info().hits == before + 1


# --------------------------------------------------------------------------- normalize_cell


@pytest.mark.parametrize(
    "value",
    [None, float("nan"), np.nan, np.float64("nan"), pd.NaT, pd.NA, "", np.datetime64("NaT")],
    ids=repr,
)
def test_empty_cells_are_missing(value: Any) -> None:
    assert normalize_cell(value) is MISSING


@pytest.mark.parametrize("value", [NULL, "<NULL>"], ids=repr)
def test_null_cells_clear(value: Any) -> None:
    assert normalize_cell(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (pd.Timestamp("2026-03-01 09:30", tz="Europe/Berlin"), "2026-03-01T09:30:00+01:00"),
        (pd.Timestamp("2026-03-01 09:30"), "2026-03-01T09:30:00"),
        (datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc), "2026-03-01T09:30:00+00:00"),
        (date(2026, 3, 1), "2026-03-01"),
        (np.datetime64("2026-03-01T09:30:00"), "2026-03-01T09:30:00"),
        (np.int64(7), 7),
        (np.float64(2.0), 2),
        (np.float64(2.5), 2.5),
        (3.0, 3),
        (1e15, 10**15),
        (1e300, 1e300),
        (-0.5, -0.5),
        (np.str_("abc"), "abc"),
        (np.array([1, 2]), [1, 2]),
        ((1, "a"), [1, "a"]),
        ("00123", "00123"),
        (" <NULL>", " <NULL>"),
        ("null", "null"),
        (0, 0),
        (False, False),
    ],
    ids=repr,
)
def test_normalize_values(value: Any, expected: Any) -> None:
    out = normalize_cell(value)
    assert out == expected
    assert type(out) is type(expected)


def test_normalize_keeps_bools_and_python_types() -> None:
    assert normalize_cell(np.bool_(True)) is True
    assert normalize_cell(True) is True
    assert type(normalize_cell(np.int32(4))) is int
    assert normalize_cell(float("inf")) == float("inf")


def test_normalize_keeps_containers_and_cleans_inside_without_mutating() -> None:
    plain = [{"a": 1}]
    assert normalize_cell(plain) is plain
    inner = {"a": np.int64(1), "t": pd.Timestamp("2026-01-01", tz="UTC"), "n": NULL}
    given_value = [NULL, inner, (1, 2)]
    out = normalize_cell(given_value)
    assert out == [None, {"a": 1, "t": "2026-01-01T00:00:00+00:00", "n": None}, [1, 2]]
    assert type(out[1]["a"]) is int
    assert given_value[0] is NULL and inner["n"] is NULL  # the caller's objects are untouched


# --------------------------------------------------------------------------- container_kind


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (("attendees",), "list"),
        (("attendees", 0), "dict"),
        (("attendees", 0, "person"), "dict"),
        (("attendees", 0, "person", "emails"), "list"),
        (("attendees", 0, "person", "emails", 3), "dict"),
        (("attendees", 0, "person", "emails", 3, "email"), None),
        (("location",), "dict"),
        (("location", "address"), "dict"),
        (("location", "coordinates"), "dict"),
        (("calendar",), "dict"),
        (("recurrence",), "list"),
        (("recurrence", 0), None),
        (("remote_data",), "dict"),
        (("remote_data", "anything"), None),
        (("title",), None),
        (("start_time",), None),
        (("title", 0), None),
        (("attendees", "x"), None),
        (("nope",), None),
        (("location", "nope"), None),
    ],
)
def test_container_kind(path: tuple[Any, ...], kind: str | None) -> None:
    assert container_kind(path) == kind


# --------------------------------------------------------------------------- unflatten_record


def test_unflatten_nested_paths() -> None:
    body, problems = unflatten_record(
        {
            "title": "Kickoff",
            "location.address.city": "Berlin",
            "location.name": "Room 4",
            "attendees[0].person.emails[0].email": "a@example.com",
            "attendees[0].person.emails[1].email": "a2@example.com",
            "attendees[0].is_optional": True,
            "attendees[1].person.name": "Bo",
            "recurrence[0]": "RRULE:FREQ=WEEKLY",
        }
    )
    assert problems == []
    assert body == {
        "title": "Kickoff",
        "location": {"address": {"city": "Berlin"}, "name": "Room 4"},
        "attendees": [
            {
                "person": {"emails": [{"email": "a@example.com"}, {"email": "a2@example.com"}]},
                "is_optional": True,
            },
            {"person": {"name": "Bo"}},
        ],
        "recurrence": ["RRULE:FREQ=WEEKLY"],
    }
    assert type(body["attendees"]) is list and type(body["location"]) is dict


def test_empty_cells_are_omitted() -> None:
    body, problems = unflatten_record(
        {
            "title": float("nan"),
            "description": None,
            "start_time": pd.NaT,
            "timezone": pd.NA,
            "status": "",
            "location.name": np.nan,
            "attendees[0].person.name": None,
        }
    )
    assert body == {} and problems == []


def test_null_is_sent_as_json_null_at_its_path() -> None:
    body, problems = unflatten_record(
        {"location.address.city": NULL, "description": "<NULL>", "recurrence": NULL}
    )
    assert problems == []
    assert body == {
        "location": {"address": {"city": None}},
        "description": None,
        "recurrence": None,
    }


def test_null_list_item() -> None:
    assert unflatten_record({"recurrence[0]": NULL}) == ({"recurrence": [None]}, [])


def test_json_text_at_container_paths_is_parsed() -> None:
    body, problems = unflatten_record(
        {
            "attendees": '[{"person": {"emails": [{"email": "a@example.com"}]}}]',
            "location": '{"name": "Room 4"}',
            "recurrence": '["RRULE:FREQ=DAILY"]',
            "remote_data": '{"colorId": "5"}',
            "attendees_note": "[not parsed]",
            "title": '["stays text"]',
        }
    )
    assert problems == []
    assert body["attendees"] == [{"person": {"emails": [{"email": "a@example.com"}]}}]
    assert body["location"] == {"name": "Room 4"}
    assert body["recurrence"] == ["RRULE:FREQ=DAILY"]
    assert body["remote_data"] == {"colorId": "5"}
    assert body["title"] == '["stays text"]'
    assert body["attendees_note"] == "[not parsed]"


@pytest.mark.parametrize(
    ("column", "text", "fragment"),
    [
        ("attendees", "[{broken", "not valid JSON"),
        ("location", "Room 4", "not valid JSON"),
        ("attendees", '{"person": {}}', "expected a list"),
        ("location", "[1, 2]", "expected an object as JSON text, got a JSON list"),
        ("location.address", '"Berlin"', "expected an object"),
        ("recurrence", "null", "got a JSON null"),
    ],
)
def test_bad_json_text_is_a_problem_naming_the_column(
    column: str, text: str, fragment: str
) -> None:
    body, problems = unflatten_record({column: text, "title": "ok"})
    assert body == {"title": "ok"}
    assert len(problems) == 1
    assert problems[0][0] == column
    assert fragment in problems[0][1]


def test_objects_in_cells_are_taken_whole() -> None:
    attendees = [{"person": {"emails": [{"email": "a@example.com"}]}}]
    body, problems = unflatten_record(
        {"attendees": attendees, "location": {"name": "R"}, "recurrence": np.array(["RRULE:X"])}
    )
    assert problems == []
    assert body == {"attendees": attendees, "location": {"name": "R"}, "recurrence": ["RRULE:X"]}


def test_no_phantom_items_made_of_blanks() -> None:
    body, problems = unflatten_record(
        {
            "attendees[0].person.emails[0].email": "a@example.com",
            "attendees[0].person.emails[1].email": np.nan,
            "attendees[1].person.emails[0].email": np.nan,
            "attendees[1].is_optional": None,
            "recurrence[0]": "RRULE:FREQ=DAILY",
            "recurrence[1]": "",
        }
    )
    assert problems == []
    assert body == {
        "attendees": [{"person": {"emails": [{"email": "a@example.com"}]}}],
        "recurrence": ["RRULE:FREQ=DAILY"],
    }


def test_every_item_blank_leaves_the_list_out() -> None:
    assert unflatten_record({"attendees[0].person.name": np.nan, "title": "t"}) == (
        {"title": "t"},
        [],
    )


def test_a_hole_in_a_list_is_a_problem() -> None:
    _, problems = unflatten_record(
        {
            "attendees[0].person.name": np.nan,
            "attendees[1].person.name": "Bo",
            "attendees[1].is_optional": True,
        }
    )
    assert len(problems) == 1
    column, message = problems[0]
    assert column == "attendees[1].person.name"
    assert "attendees[1] is set but attendees[0] is empty" in message
    assert "lists are sent whole" in message


def test_a_hole_in_a_nested_list_names_the_nested_column() -> None:
    _, problems = unflatten_record(
        {"attendees[0].person.emails[0].email": "", "attendees[0].person.emails[2].email": "x@y.z"}
    )
    assert problems == [
        (
            "attendees[0].person.emails[2].email",
            problems[0][1],
        )
    ]
    assert (
        "attendees[0].person.emails[2] is set but attendees[0].person.emails[0]" in (problems[0][1])
    )


def test_a_far_index_is_a_hole_without_building_the_list() -> None:
    body, problems = unflatten_record({"title": "t", "attendees[1000000000].person.name": "Bo"})
    assert body == {"title": "t"}
    assert problems == [
        (
            "attendees[1000000000].person.name",
            problems[0][1],
        )
    ]
    assert "attendees[1000000000] is set but attendees[0] is empty" in problems[0][1]
    _, problems = unflatten_record({"recurrence[0]": "RRULE:X", "recurrence[99999]": "RRULE:Y"})
    assert "recurrence[99999] is set but recurrence[1] is empty" in problems[0][1]


def test_the_same_list_item_twice_conflicts() -> None:
    df = pd.DataFrame([[NULL, "RRULE:X"]], columns=["recurrence[0]", "recurrence[0]"])
    bodies, problems = unflatten_frame(df)
    assert bodies == [{"recurrence": [None]}]
    assert problems[0][0][0] == "recurrence[0]" and "conflicts" in problems[0][0][1]


def test_list_items_follow_their_index_not_the_column_order() -> None:
    cells = {f"recurrence[{i}]": f"RDATE:2026010{i % 10}" for i in reversed(range(12))}
    body, problems = unflatten_record(cells)
    assert problems == []
    assert body["recurrence"] == [f"RDATE:2026010{i % 10}" for i in range(12)]


@pytest.mark.parametrize(
    "cells",
    [
        {"location": '{"name": "R"}', "location.address.city": "Berlin"},
        {"location.address.city": "Berlin", "location": '{"name": "R"}'},
        {"location": {"name": "R"}, "location.name": "S"},
        {"location.address": '{"city": "B"}', "location.address.city": "Berlin"},
        {"attendees": '[{"is_optional": true}]', "attendees[0].is_optional": False},
        {"attendees[0]": {"is_optional": True}, "attendees[0].person.name": "Bo"},
        {"location": NULL, "location.name": "R"},
        {"location.name": "R", "location": "<NULL>"},
        {"x.a": 1, "x[0]": 2},
    ],
)
def test_whole_value_and_its_parts_conflict(cells: dict[str, Any]) -> None:
    snapshot = json.dumps(cells, default=repr)
    _, problems = unflatten_record(cells)
    assert len(problems) == 1
    first, second = cells
    column, message = problems[0]
    assert column == second
    assert f"conflicts with column {first}" in message
    assert json.dumps(cells, default=repr) == snapshot  # whole values given are not modified


def test_whole_items_next_to_built_items_are_not_modified() -> None:
    first = {"person": {"emails": [{"email": "a@x.io"}]}}
    snapshot = json.dumps(first)
    body, problems = unflatten_record(
        {"attendees[0]": first, "attendees[1].person.emails[0].email": "b@x.io"}
    )
    assert problems == []
    assert body == {"attendees": [first, {"person": {"emails": [{"email": "b@x.io"}]}}]}
    assert json.dumps(first) == snapshot


def test_whole_value_with_empty_parts_is_fine() -> None:
    body, problems = unflatten_record(
        {"location": '{"name": "R"}', "location.address.city": np.nan, "attendees[0].x": ""}
    )
    assert problems == [] and body == {"location": {"name": "R"}}


def test_malformed_column_is_a_problem_only_when_set() -> None:
    assert unflatten_record({"a..b": np.nan, "title": "t"}) == ({"title": "t"}, [])
    body, problems = unflatten_record({"a..b": "x", "title": "t"})
    assert body == {"title": "t"}
    assert problems[0][0] == "a..b" and "empty key" in problems[0][1]


def test_integral_floats_become_ints_and_ids_stay_text() -> None:
    body, _ = unflatten_record({"location.address.postal_code": "01067", "x": 10115.0})
    assert body == {"location": {"address": {"postal_code": "01067"}}, "x": 10115}
    assert type(body["x"]) is int


# --------------------------------------------------------------------------- frames


def _pandas_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": ["A", None, "C"],
            "start_time": pd.to_datetime(
                ["2026-01-05 09:00", None, "2026-01-07 10:30"]
            ).tz_localize("Europe/Berlin"),
            "attendees[0].is_optional": np.array([True, False, True]),
            "attendees[0].person.emails[0].email": ["a@x.io", "b@x.io", np.nan],
            "location.coordinates.latitude": [52.5, np.nan, 48.1],
            "location.address.postal_code": pd.array(["10115", pd.NA, "80331"], dtype="string"),
            "n": [1, np.nan, 3],  # pandas made these floats because of the gap
            "count": pd.array([1, None, 2], dtype="Int64"),
        }
    )


def test_rows_from_a_pandas_frame() -> None:
    df = _pandas_frame()
    assert df["n"].dtype == np.float64
    bodies, problems = unflatten_frame(df)
    assert problems == [[], [], []]
    assert bodies[0] == {
        "title": "A",
        "start_time": "2026-01-05T09:00:00+01:00",
        "attendees": [{"is_optional": True, "person": {"emails": [{"email": "a@x.io"}]}}],
        "location": {"coordinates": {"latitude": 52.5}, "address": {"postal_code": "10115"}},
        "n": 1,
        "count": 1,
    }
    assert type(bodies[0]["n"]) is int and type(bodies[0]["attendees"][0]["is_optional"]) is bool
    assert bodies[1] == {
        "attendees": [{"is_optional": False, "person": {"emails": [{"email": "b@x.io"}]}}]
    }
    assert bodies[2]["attendees"] == [{"is_optional": True}]
    records = [unflatten_record(row) for row in df.to_dict("records")]
    assert [body for body, _ in records] == bodies
    assert json.dumps(bodies)  # JSON-ready: no numpy or pandas objects left


def test_rows_from_a_csv_file() -> None:
    text = (
        "id,title,attendees,location.address.city,description,guests_can_modify,calendar.id\n"
        'a/b+=,Kickoff,"[{""person"": {""emails"": [{""email"": ""a@x.io""}]}}]",'
        "Berlin,<NULL>,true,0042\n"
        "c,,,,,,\n"
    )
    df = pd.read_csv(io.StringIO(text), dtype=str)
    bodies, problems = unflatten_frame(df, columns=[c for c in df.columns if c != "id"])
    assert problems == [[], []]
    assert bodies == [
        {
            "title": "Kickoff",
            "attendees": [{"person": {"emails": [{"email": "a@x.io"}]}}],
            "location": {"address": {"city": "Berlin"}},
            "description": None,
            "guests_can_modify": "true",  # typed by the schema later, not here
            "calendar": {"id": "0042"},
        },
        {},
    ]


def test_unflatten_frame_duplicate_columns_conflict() -> None:
    df = pd.DataFrame([["a", "b"], ["a", None]], columns=["title", "title"])
    bodies, problems = unflatten_frame(df)
    assert bodies == [{"title": "a"}, {"title": "a"}]
    assert problems[0] == [("title", problems[0][0][1])] and "conflicts" in problems[0][0][1]
    assert problems[1] == []


def test_unflatten_frame_without_columns() -> None:
    bodies, problems = unflatten_frame(pd.DataFrame(index=range(3)))
    assert bodies == [{}, {}, {}] and problems == [[], [], []]
    bodies[0]["x"] = 1
    assert bodies[1] == {}


def test_compile_columns_is_cached_per_column_tuple() -> None:
    assert compile_columns(["a", "b.c"]) is compile_columns(("a", "b.c"))
    assert compile_columns(["a"]) is not compile_columns(["a"], reading=True)


# --------------------------------------------------------------------------- flatten


EVENT: dict[str, Any] = {
    "id": "AAMkAGI2/+x==",
    "title": "Kickoff ☕",
    "description": "",
    "start_time": "2026-01-05T09:00:00+01:00",
    "timezone": None,
    "attendees": [
        {"person": {"name": "Ann", "emails": [{"email": "a@x.io", "type": "work"}]}},
        {"person": {"emails": []}, "response": {"status": "accepted", "comment": None}},
    ],
    "recurrence": [],
    "location": {},
    "organizer": {"email": "o@x.io"},
    "remote_data": {"id": "x", "odata.etag": 'W/"1"', "nested": {"a": [1, None]}},
}


def test_flatten_event_cells() -> None:
    cells = flatten_event(EVENT)
    assert cells == {
        "id": "AAMkAGI2/+x==",
        "title": "Kickoff ☕",
        "description": "",
        "start_time": "2026-01-05T09:00:00+01:00",
        "timezone": None,
        "attendees[0].person.name": "Ann",
        "attendees[0].person.emails[0].email": "a@x.io",
        "attendees[0].person.emails[0].type": "work",
        "attendees[1].person.emails": [],
        "attendees[1].response.status": "accepted",
        "attendees[1].response.comment": None,
        "recurrence": [],
        "location": {},
        "organizer.email": "o@x.io",
        "remote_data": EVENT["remote_data"],
    }


def test_flatten_event_null_and_opaque_options() -> None:
    cells = flatten_event({"a": None, "b": {"c": 1}, "d": {"remote_data": {"x": 1}}}, null=NULL)
    assert cells == {"a": NULL, "b.c": 1, "d.remote_data": {"x": 1}}
    assert flatten_event({"b": {"c": 1}}, opaque={"b"}) == {"b": {"c": 1}}
    assert flatten_event({"remote_data": None}, null=NULL) == {"remote_data": NULL}


def test_flatten_keeps_dicts_whose_keys_are_not_column_names_whole() -> None:
    value = {"a.b": 1, "c": 2}
    assert flatten_event({"identifiers": value}) == {"identifiers": value}
    assert flatten_event({"x": {"": 1}, "y": {"[0]": 2}}) == {"x": {"": 1}, "y": {"[0]": 2}}


def test_flatten_event_rejects_top_level_keys_that_cannot_be_columns() -> None:
    with pytest.raises(ValueError, match="cannot be a column name"):
        flatten_event({"a.b": 1})


def test_flatten_events_frame() -> None:
    events = [
        {"id": "00123", "attendees": [{"x": i} for i in range(3)], "count": 1},
        {"id": "2", "title": "T", "attendees": [{"x": i} for i in range(12)], "z": None},
    ]
    df = flatten_events(events)
    assert list(df.columns) == [
        "id",
        *[f"attendees[{i}].x" for i in range(12)],
        "count",
        "title",
        "z",
    ]
    assert {str(dtype) for dtype in df.dtypes} == {"object"}
    assert df.loc[0, "id"] == "00123" and type(df.loc[0, "count"]) is int
    assert pd.isna(df.loc[0, "title"]) and pd.isna(df.loc[0, "attendees[5].x"])
    assert df.loc[1, "z"] is NULL
    assert unflatten_events(df) == events


def test_flatten_events_whole_cell_comes_before_its_parts() -> None:
    df = flatten_events([{"location": {"name": "R"}}, {"location": {}}, {"location": None}])
    assert list(df.columns) == ["location", "location.name"]
    assert unflatten_events(df) == [
        {"location": {"name": "R"}},
        {"location": {}},
        {"location": None},
    ]


def test_flatten_events_accepts_pydantic_events() -> None:
    df = flatten_events([Event(id="e1", title="T", extra_field=[1])])
    assert df.loc[0, "id"] == "e1" and df.loc[0, "extra_field[0]"] == 1


def test_flatten_events_empty() -> None:
    df = flatten_events([])
    assert len(df) == 0 and list(df.columns) == []
    assert unflatten_events(df) == []


def test_round_trip_realistic_event() -> None:
    df = flatten_events([EVENT, {"id": "2"}])
    assert df.loc[0, "timezone"] is NULL and df.loc[0, "description"] == ""
    assert unflatten_events(df) == [EVENT, {"id": "2"}]


def test_flattened_null_means_clear_in_an_update() -> None:
    df = flatten_events([{"title": "T", "description": None}])
    bodies, problems = unflatten_frame(df)
    assert bodies == [{"title": "T", "description": None}] and problems == [[]]


def test_unflatten_events_through_csv() -> None:
    df = flatten_events([EVENT])
    csv_frame = df.map(
        lambda v: json.dumps(v) if isinstance(v, (list, dict)) else "<NULL>" if v is NULL else v
    )
    text = csv_frame.to_csv(index=False)
    back = unflatten_events(pd.read_csv(io.StringIO(text), dtype=str))
    expected = dict(EVENT)
    del expected["description"]  # an empty CSV field reads back as empty
    expected["attendees"] = [EVENT["attendees"][0], EVENT["attendees"][1]]
    assert back == [expected]


def test_unflatten_events_keeps_text_that_is_not_json() -> None:
    df = pd.DataFrame(
        {"organizer": ["someone", '{"email": "o@x.io"}'], "attachments": ["[1]", "[oops"]},
        dtype=object,
    )
    assert unflatten_events(df) == [
        {"organizer": "someone", "attachments": [1]},
        {"organizer": {"email": "o@x.io"}, "attachments": "[oops"},
    ]


def test_unflatten_events_raises_on_holes_and_conflicts() -> None:
    df = pd.DataFrame(
        {"attendees[1].x": [1, None], "location": [None, "{}"], "location.name": [None, "R"]},
        index=["r1", "r2"],
    )
    with pytest.raises(InputError, match=r"row 'r1', column attendees\[1\]\.x") as info:
        unflatten_events(df)
    assert "attendees[1] is set but attendees[0] is empty" in str(info.value)
    assert "row 'r2', column location.name: conflicts with column location" in str(info.value)


def test_unflatten_events_keeps_columns_that_are_not_paths() -> None:
    df = pd.DataFrame({"tags[a]": ["x"], "a..b": [np.nan], "id": ["e1"]})
    assert unflatten_events(df) == [{"tags[a]": "x", "id": "e1"}]


# --------------------------------------------------------------------------- properties

_ID = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/+=-_", min_size=1
)
_TEXT = st.text(max_size=12).filter(lambda s: s != "<NULL>")
_EMAIL = st.builds("{}@{}.io".format, st.from_regex(r"[a-z0-9.]{1,8}", fullmatch=True), _ID)
_JSON = st.recursive(
    # Integers within 2**53: pandas turns an integer column with gaps into float64.
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


_ATTENDEE = st.fixed_dictionaries(
    {},
    optional={
        "is_optional": _maybe(st.booleans()),
        "person": _maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "name": _maybe(_TEXT),
                    "emails": st.lists(
                        st.fixed_dictionaries({"email": _EMAIL}, optional={"type": _maybe(_TEXT)}),
                        max_size=3,
                    ),
                },
            )
        ),
        "response": st.fixed_dictionaries(
            {}, optional={"status": st.sampled_from(["accepted", "declined"]), "comment": _TEXT}
        ),
    },
)

_EVENTS = st.lists(
    st.fixed_dictionaries(
        {"id": _ID},
        optional={
            "title": _TEXT,
            "description": _maybe(_TEXT),
            "start_time": st.datetimes().map(lambda d: d.isoformat()),
            "timezone": _maybe(st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata"])),
            "attendees": _maybe(st.lists(_ATTENDEE, max_size=12)),
            "recurrence": st.lists(st.sampled_from(["RRULE:FREQ=DAILY", "EXDATE:20260101"])),
            "location": _maybe(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "name": _TEXT,
                        "address": st.fixed_dictionaries({}, optional={"city": _maybe(_TEXT)}),
                        "coordinates": st.fixed_dictionaries(
                            {"latitude": st.floats(-90, 90), "longitude": st.integers(-180, 180)}
                        ),
                    },
                )
            ),
            "guests_can_modify": st.booleans(),
            "organizer": st.dictionaries(_TEXT, _JSON, max_size=3),
            "custom": _JSON,
            "remote_data": st.dictionaries(_TEXT, _JSON, max_size=4),
        },
    ),
    max_size=5,
)


def _strict(value: Any) -> Any:
    # == treats True as 1; compare with types kept, numbers as floats (2.0 reads back as 2).
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strict(item) for item in value]
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", float(value))
    return value


_FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(_EVENTS)
def test_property_round_trip(events: list[dict[str, Any]]) -> None:
    df = flatten_events(events)
    assert _strict(unflatten_events(df)) == _strict(events)


@_FAST
@given(_EVENTS)
def test_property_frame_equals_records(events: list[dict[str, Any]]) -> None:
    df = flatten_events(events)
    bodies, problems = unflatten_frame(df)
    records = [unflatten_record(row) for row in df.to_dict("records")] if df.columns.size else []
    if records:
        assert bodies == [body for body, _ in records]
        assert problems == [found for _, found in records]
    for body in bodies:
        json.dumps(body)  # always JSON-ready


@_FAST
@given(_EVENTS)
def test_property_pandas_dtypes_give_the_same_bodies(events: list[dict[str, Any]]) -> None:
    # The same cells after pandas inferred its dtypes: ints with gaps become floats, bools with
    # gaps objects, text the string dtype, NaN in every gap.
    df = flatten_events(events)
    inferred = pd.DataFrame({column: df[column].tolist() for column in df.columns})
    bodies, problems = unflatten_frame(df)
    inferred_bodies, inferred_problems = unflatten_frame(inferred)
    assert _strict(inferred_bodies) == _strict(bodies)
    assert inferred_problems == problems


def _has_hole(paths: list[tuple[Any, ...]]) -> bool:
    # True when some kept cell sits in item [i] of a list while nothing is kept in item [i-1].
    for path in paths:
        for k, part in enumerate(path):
            if isinstance(part, int) and part > 0:
                before = (*path[:k], part - 1)
                if not any(other[: k + 1] == before for other in paths):
                    return True
    return False


@_FAST
@given(_EVENTS.filter(bool), st.data())
def test_property_blanked_cells_never_make_phantoms(
    events: list[dict[str, Any]], data: st.DataObject
) -> None:
    # Blank any subset of an event's cells: the body holds exactly the cells that are left, or
    # the row has a hole in a list, which is reported and only then.
    cells = {k: v for k, v in flatten_event(events[0], null=NULL).items() if v != ""}
    kept = {k: v for k, v in cells.items() if data.draw(st.booleans(), label=k)}
    row = {
        k: (v if k in kept else data.draw(st.sampled_from([None, np.nan, "", pd.NA])))
        for k, v in cells.items()
    }
    body, problems = unflatten_record(row)
    if _has_hole([parse_column(name) for name in kept]):
        assert problems and all("is set but" in message for _, message in problems)
    else:
        assert problems == []
        assert _strict(flatten_event(body, null=NULL)) == _strict(kept)


@_FAST
@given(
    st.lists(
        st.from_regex(r"[a-z_]{1,6}", fullmatch=True) | st.integers(0, 20), min_size=1, max_size=6
    ).filter(lambda p: isinstance(p[0], str))
)
def test_property_format_then_parse(path: list[str | int]) -> None:
    assert parse_column(format_path(path)) == tuple(path)
