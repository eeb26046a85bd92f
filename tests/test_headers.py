"""Calendar-export headers and locale dates get advice that names the field and the format."""

from __future__ import annotations

import pandas as pd
import pytest

import truto_frame  # noqa: F401  (registers df.truto)
from truto_frame.planning.headers import export_header_hint


def _plan(**columns: object):  # type: ignore[no-untyped-def]
    df = pd.DataFrame({"id": ["e1"], **{k: [v] for k, v in columns.items()}})
    return df.truto.update_events(integrated_account_id="acc", token="t")


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Subject", "'title'"),
        ("Start", "'start_time'"),
        ("Start Date", "'start_time'"),
        ("Start Time", "'start_time'"),
        ("End", "'end_time'"),
        ("Location", "'location.name'"),
        ("Required Attendees", "attendees[i].person.emails[0].email"),
        ("Optional Attendees", "is_optional"),
        ("Description", "'description'"),
        ("Show time as", "'availability'"),
    ],
)
def test_an_export_header_says_which_field_it_means(header: str, field: str) -> None:
    plan = _plan(**{header: "x"})
    reasons = {c.column: c.reason for c in plan.ignored_columns}
    assert header in reasons
    assert "did you mean" in reasons[header] and field in reasons[header]
    assert plan.payloads.iloc[0] is None  # nothing to send: the row changes nothing it can


def test_a_near_miss_still_gets_the_closest_field_and_unknown_names_no_hint() -> None:
    plan = _plan(titel="x", favourite_colour="blue")
    reasons = {c.column: c.reason for c in plan.ignored_columns}
    assert reasons["titel"] == "not an event field; did you mean 'title'?"
    assert reasons["favourite_colour"] == "not an event field"
    assert export_header_hint("  start   DATE ") == export_header_hint("Start Date") is not None


@pytest.mark.parametrize("value", ["12/10/2026 9:00 AM", "12.10.2026 09:00", "12-10-26"])
def test_a_locale_date_names_iso_8601(value: str) -> None:
    plan = _plan(start_time=value, end_time="2026-12-10T10:00:00", timezone="Europe/Berlin")
    problems = plan.problems
    message = problems.loc[problems["column"] == "start_time", "message"].iloc[0]
    assert "US/European date" in message and "ISO 8601" in message
    assert "2026-12-10T09:00:00" in message


def test_an_iso_date_is_fine_and_other_garbage_keeps_the_plain_message() -> None:
    good = _plan(
        **{"calendar.id": "c1"},
        start_time="2026-12-10T09:00:00",
        end_time="2026-12-10T10:00:00",
        timezone="UTC",
    )
    assert good.counts["send"] == 1
    bad = _plan(start_time="next tuesday", end_time="2026-12-10T10:00:00", timezone="UTC")
    message = bad.problems["message"].iloc[0]
    assert "not an ISO 8601 date-time" in message and "US/European" not in message
