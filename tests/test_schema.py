"""The request model rejects what the API would reject and keeps "unset" apart from null."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest
from pydantic import ValidationError

from truto_frame.model.schema import Event, EventUpdate, payload_from_model


def errors_of(body: dict) -> list[tuple[tuple, str]]:
    with pytest.raises(ValidationError) as info:
        EventUpdate.model_validate(body)
    return [(e["loc"], e["type"]) for e in info.value.errors()]


def test_unset_fields_are_omitted_and_none_is_kept_as_null() -> None:
    body = payload_from_model(
        EventUpdate.model_validate({"title": None, "location": {"address": {"city": "Oslo"}}})
    )
    assert body == {"title": None, "location": {"address": {"city": "Oslo"}}}


def test_unknown_fields_are_rejected_at_every_depth() -> None:
    found = errors_of({"tilte": "x", "location": {"adress": {}}, "attendees": [{"persn": {}}]})
    assert {loc for loc, _ in found} == {
        ("tilte",),
        ("location", "adress"),
        ("attendees", 0, "persn"),
    }
    assert {kind for _, kind in found} == {"extra_forbidden"}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"status": "done"}, ("status",)),
        ({"availability": "away"}, ("availability",)),
        ({"visibility": "secret"}, ("visibility",)),
        (
            {"attendees": [{"response": {"status": "maybe"}}]},
            ("attendees", 0, "response", "status"),
        ),
        ({"timezone": "Mars/Olympus"}, ("timezone",)),
        ({"start_time": "next tuesday"}, ("start_time",)),
        ({"recurrence": ["FREQ=DAILY"]}, ("recurrence", 0)),
        (
            {"attendees": [{"person": {"emails": [{"email": "nobody"}]}}]},
            ("attendees", 0, "person", "emails", 0, "email"),
        ),
        ({"location": {"coordinates": {"latitude": 123}}}, ("location", "coordinates", "latitude")),
        ({"guests_can_modify": "perhaps"}, ("guests_can_modify",)),
    ],
)
def test_invalid_values_are_reported_at_their_location(body: dict, loc: tuple) -> None:
    assert loc in [found for found, _ in errors_of(body)]


def test_csv_text_is_coerced_by_type() -> None:
    body = payload_from_model(
        EventUpdate.model_validate(
            {
                "guests_can_modify": "true",
                "location": {
                    "coordinates": {"latitude": "52.52"},
                    "address": {"postal_code": 10115},
                },
                "calendar": {"id": 12345},
            }
        )
    )
    assert body == {
        "guests_can_modify": True,
        "location": {"coordinates": {"latitude": 52.52}, "address": {"postal_code": "10115"}},
        "calendar": {"id": "12345"},
    }


def test_datetimes_become_iso_text_and_text_is_kept_as_given() -> None:
    stamp = pd.Timestamp("2026-12-01 09:30", tz="Europe/Berlin")
    body = payload_from_model(
        EventUpdate.model_validate(
            {
                "start_time": stamp,
                "end_time": datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc),
                "timezone": "Europe/Berlin",
            }
        )
    )
    assert body["start_time"] == "2026-12-01T09:30:00+01:00"
    assert body["end_time"] == "2026-12-01T10:00:00+00:00"
    as_text = payload_from_model(EventUpdate.model_validate({"start_time": "2026-12-01T09:30:00Z"}))
    assert as_text["start_time"] == "2026-12-01T09:30:00Z"


def test_recurrence_lines_of_every_kind_are_accepted() -> None:
    lines = [
        "RRULE:FREQ=WEEKLY;BYDAY=MO",
        "EXDATE;TZID=Europe/Berlin:20261207T090000",
        "RDATE:20261224",
    ]
    assert payload_from_model(EventUpdate.model_validate({"recurrence": lines})) == {
        "recurrence": lines
    }


def test_response_model_keeps_unknown_fields() -> None:
    event = Event.model_validate({"id": "abc", "title": "x", "brand_new_field": {"a": 1}})
    assert event.model_dump()["brand_new_field"] == {"a": 1}
