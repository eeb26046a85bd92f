"""The column-wise fast path plans exactly what the per-row reference path plans."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import truto_frame  # noqa: F401 - registers df.truto
from truto_frame import NULL
from truto_frame.errors import InputError
from truto_frame.frame.flatten import flatten_events
from truto_frame.planning.baseline import baseline_lookup
from truto_frame.planning.build import build_plan
from truto_frame.planning.frame_baseline import FrameBaseline
from truto_frame.planning.unchanged import prefilter_active, prefilter_enabled
from truto_frame.read import typed_frame

ACCOUNTS = ["acc-a", "acc-b"]
# Mostly valid values; the last of each list is one the request schema refuses.
ZONES = ["Europe/Berlin", "America/New_York", "UTC"] * 4 + ["Mars/Olympus_Mons"]
EMAILS = ["ann@example.com", "bo@example.org"] * 6 + ["not-an-email"]

_texts = st.sampled_from(["Sync", "Review", "Lunch", "", "1234"])
# Aware, naive (local time in the row's zone), one the clocks skip in Berlin, and dates.
_times = st.sampled_from(
    ["2026-12-01T09:00:00Z", "2026-12-01T10:00:00+01:00", "2026-12-02T08:30:00-05:00"] * 2
    + ["2026-12-01T09:00:00", "2027-03-28T02:30:00", "2026-12-10", "2026-12-11"]
)
_attendee = st.fixed_dictionaries(
    {
        "person": st.fixed_dictionaries(
            {
                "name": _texts,
                "emails": st.lists(
                    st.fixed_dictionaries({"email": st.sampled_from(EMAILS)}), max_size=1
                ),
            }
        )
    },
    optional={
        "is_optional": st.booleans(),
        "response": st.fixed_dictionaries({"status": st.sampled_from(["accepted", "declined"])}),
    },
)
_location = st.fixed_dictionaries(
    {},
    optional={
        "name": _texts,
        "address": st.fixed_dictionaries({}, optional={"city": _texts, "country": _texts}),
        "coordinates": st.fixed_dictionaries(
            {"latitude": st.sampled_from([12.5, 52.0] * 6 + [99.0])}
        ),
    },
)
_event = st.fixed_dictionaries(
    {
        "title": _texts,
        "start_time": _times,
        "end_time": _times,
        "timezone": st.sampled_from(ZONES),
        "calendar": st.fixed_dictionaries({"id": st.sampled_from(["primary", "team"])}),
    },
    optional={
        "description": st.none() | _texts,
        "status": st.sampled_from(["confirmed", "tentative"] * 6 + ["maybe"]),
        "location": st.none() | _location,
        "attendees": st.lists(_attendee, max_size=3),
        "recurrence": st.none() | st.just(["RRULE:FREQ=WEEKLY;COUNT=4"]),
        "guests_can_modify": st.booleans(),
        "created_at": st.just("2026-10-01T00:00:00Z"),
        "remote_data": st.fixed_dictionaries({"etag": st.sampled_from(["1", "2"])}),
    },
)

# What a user may type into a cell: empty, clear, text, numbers, booleans, JSON text, ...
_NEW_VALUES = st.sampled_from(
    [
        np.nan,
        None,
        NULL,
        "<NULL>",
        "",
        "Moved",
        "ann@example.com",
        "Europe/Berlin",
        "not-an-email",
        52.0,
        1,
        True,
        False,
        "[]",
        '[{"person": {"name": "Zoe"}}]',
        "tentative",
        "2026-12-01T09:00:00Z",
        pd.Timestamp("2026-12-01T10:00:00+01:00"),
        ["RRULE:FREQ=DAILY"],
    ]
)


@st.composite
def _frames(draw: Any) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    events = draw(st.lists(_event, min_size=1, max_size=6))
    for number, event in enumerate(events):
        event["id"] = f"e{number}"
    if draw(st.booleans()):  # one meeting in two calendars: same id, two accounts
        events.append({**events[0]})
        accounts = [ACCOUNTS[0]] * (len(events) - 1) + [ACCOUNTS[1]]
    else:
        accounts = [draw(st.sampled_from(ACCOUNTS)) for _ in events]
    base = typed_frame(events, ACCOUNTS[0]) if draw(st.booleans()) else flatten_events(events)
    if "integrated_account_id" in base.columns or draw(st.integers(0, 3)):
        base["integrated_account_id"] = accounts
    edited = base.copy()
    for _ in range(draw(st.integers(0, 8))):
        row = draw(st.integers(0, len(edited) - 1))
        column = draw(st.sampled_from(list(edited.columns)))
        if column in ("id", "integrated_account_id") and draw(st.booleans()):
            continue
        value = draw(_NEW_VALUES)
        if draw(st.booleans()):  # a value another row holds: equal-looking edits
            value = edited[column].iat[draw(st.integers(0, len(edited) - 1))]
        cells = edited[column].astype(object).tolist()
        cells[row] = value
        edited[column] = pd.Series(cells, index=edited.index, dtype=object)
    if draw(st.booleans()):
        always = ("id", "integrated_account_id", "timezone", "calendar.id")
        keep = [c for c in edited.columns if c in always or draw(st.booleans())]
        edited = edited[keep]
    if draw(st.booleans()):
        edited["location.address.city"] = draw(st.sampled_from([np.nan, "Oslo"]))
    if draw(st.booleans()):
        edited = edited.sample(frac=1, random_state=draw(st.integers(0, 3)))
    if draw(st.booleans()):
        edited = pd.concat([edited, edited.iloc[[0]]])  # the same event twice
    options = {
        "integration": draw(st.sampled_from([None, "googlecalendar", "outlookcalendar"])),
        "integrated_account_id": draw(st.sampled_from([None, None, None, ACCOUNTS[0]])),
    }
    return base, edited, options


def _plans(edited: pd.DataFrame, base: pd.DataFrame, options: dict[str, Any]) -> list[Any]:
    outcomes = []
    for fast in (True, False):
        with prefilter_enabled(fast):
            try:
                plan = build_plan(edited, baseline=base, token="t", **options)
            except InputError as exc:
                outcomes.append(("raised", str(exc)))
                continue
        outcomes.append(
            (
                plan.statuses.tolist(),
                plan.payloads.tolist(),
                plan.problems.to_dict("records"),
                plan.changes.to_dict("records"),
                plan.baselines.tolist(),
                plan.warnings,
            )
        )
    return outcomes


def _same(a: Any, b: Any) -> bool:
    # NaN in a changes frame equals NaN.
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b) and type(a) is type(b)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_frames())
def test_fast_path_plans_exactly_what_the_reference_plans(
    frames: tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]],
) -> None:
    base, edited, options = frames
    fast, reference = _plans(edited, base, options)
    assert _same(fast, reference)


def _read_frame() -> pd.DataFrame:
    events = [
        {
            "id": f"e{i}",
            "title": f"Meeting {i}",
            "start_time": "2026-12-01T09:00:00Z",
            "end_time": "2026-12-01T10:00:00Z",
            "timezone": "Europe/Berlin",
            "calendar": {"id": "primary"},
            "location": {"name": "Room 1"} if i % 2 else None,
            "attendees": [{"person": {"name": "Ann", "emails": [{"email": "ann@example.com"}]}}],
        }
        for i in range(6)
    ]
    return typed_frame(events, ACCOUNTS[0])


def test_untouched_rows_skip_the_per_row_path_and_edits_are_planned() -> None:
    base = _read_frame()
    edited = base.copy()
    edited.loc[2, "title"] = "Moved"
    edited.loc[3, "attendees[0].person.emails[0].email"] = "bo@example.org"
    plan = edited.truto.update_events(baseline=base, token="t", integration="outlookcalendar")
    assert plan.statuses.tolist() == ["skipped", "skipped", "send", "send", "skipped", "skipped"]
    assert plan.payloads[2] == {"title": "Moved", "calendar": {"id": "primary"}}
    assert plan.payloads[3]["attendees"][0]["person"]["emails"] == [{"email": "bo@example.org"}]
    # Each row's baseline is rebuilt when read, and equals what the reference stores.
    with prefilter_enabled(False):
        reference = edited.truto.update_events(baseline=base, token="t")
    assert plan.baselines.tolist() == reference.baselines.tolist()


def test_invalid_baseline_values_are_judged_like_the_reference() -> None:
    # The provider's own value (an unknown zone) fails validation in an untouched row:
    # the fast path cannot prove such a row clean, so the reference judges it.
    base = _read_frame()
    base.loc[1, "timezone"] = "Mars/Olympus_Mons"
    plan = base.copy().truto.update_events(baseline=base, token="t")
    with prefilter_enabled(False):
        reference = base.copy().truto.update_events(baseline=base, token="t")
    assert plan.statuses.tolist() == reference.statuses.tolist()
    assert plan.problems.equals(reference.problems)
    assert plan.statuses[1] == "invalid"


def test_emptied_list_item_is_an_edit() -> None:
    # Lists are sent whole: emptying an attendee's cells removes the attendee.
    base = _read_frame()
    edited = base.copy()
    for column in [c for c in base.columns if c.startswith("attendees[0].")]:
        edited.loc[0, column] = np.nan
    edited["attendees"] = pd.Series([[]] + [np.nan] * 5, dtype=object)
    plan = edited.truto.update_events(baseline=base, token="t")
    assert plan.statuses[0] == "send"
    assert plan.payloads[0]["attendees"] == []


def test_baseline_problems_raise_as_the_full_rebuild_does() -> None:
    base = _read_frame()
    broken = base.copy()
    broken["location"] = pd.Series([{"name": "x"}] * 6, dtype=object)  # whole and parts
    for frame in (broken, pd.concat([base, base.iloc[[0]]])):
        with pytest.raises(InputError) as fast:
            FrameBaseline(frame)
        with pytest.raises(InputError) as full:
            baseline_lookup(frame)
        assert str(fast.value) == str(full.value)


def test_prefilter_switch_is_scoped() -> None:
    assert prefilter_active()
    with prefilter_enabled(False):
        assert not prefilter_active()
    assert prefilter_active()
