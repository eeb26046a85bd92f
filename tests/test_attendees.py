"""Attendees as a long frame, and back: edits over the in-process sandbox, read back."""

from __future__ import annotations

import io
from collections import Counter

import httpx
import numpy as np
import pandas as pd
import pytest

import truto_frame
from truto_frame.errors import InputError
from truto_frame.frame.attendees import attendees, with_attendees
from truto_frame.frame.files import write_csv
from truto_frame.sandbox import (
    DEFAULT_TOKEN,
    GOOGLECALENDAR_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    create_app,
)

BASE = "http://sandbox.test"
EMAIL = "person.emails[0].email"


@pytest.fixture
def app():  # type: ignore[no-untyped-def]
    return create_app()


def _read(app, account: str = GOOGLECALENDAR_ACCOUNT_ID) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return truto_frame.read_events(
        account,
        token=DEFAULT_TOKEN,
        base_url=BASE,
        ignore_remote_data=True,
        transport=httpx.ASGITransport(app=app),
    )


def _apply(app, new: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    plan = new.truto.update_events(baseline=baseline, token=DEFAULT_TOKEN, base_url=BASE)
    assert plan.counts["invalid"] == 0, plan.problems
    app.state.sandbox.requests.clear()
    return plan.apply(transport=httpx.ASGITransport(app=app), progress=False)


def _patched(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.event_id for r in app.state.sandbox.requests if r.method == "PATCH"]


def _emails(event: dict) -> list[str]:
    return [a["person"]["emails"][0]["email"] for a in event["attendees"] or []]


def test_the_long_frame_has_one_row_per_attendee(app) -> None:  # type: ignore[no-untyped-def]
    df = _read(app)
    long = df.truto.attendees(with_columns=["title", "start_time"])
    assert long.columns[:5].tolist() == [
        "id",
        "integrated_account_id",
        "position",
        "title",
        "start_time",
    ]
    assert {"person.name", EMAIL, "is_optional", "response.status"} <= set(long.columns)
    assert not any(c.startswith("attendees") for c in long.columns)
    events = {e["id"]: e for e in truto_frame.unflatten_events(df)}
    assert len(long) == sum(len(e["attendees"] or []) for e in events.values())
    for event_id, rows in long.groupby("id", sort=False):
        assert rows["position"].tolist() == list(range(len(rows)))
        assert rows[EMAIL].tolist() == _emails(events[event_id])
        assert (rows["title"] == events[event_id]["title"]).all()
    assert long["position"].dtype == np.int64


def test_the_round_trip_plans_nothing(app) -> None:  # type: ignore[no-untyped-def]
    df = _read(app)
    again = df.truto.with_attendees(df.truto.attendees())
    pd.testing.assert_frame_equal(again, df)
    plan = again.truto.update_events(baseline=df, token=DEFAULT_TOKEN, base_url=BASE)
    assert plan.counts == {"send": 0, "invalid": 0, "skipped": len(df)}
    # The same from a CSV (whole `attendees` cells as JSON text, every cell as text).
    buffer = io.StringIO()
    write_csv(df, buffer)
    text = truto_frame.read_csv(io.StringIO(buffer.getvalue()))
    again = text.truto.with_attendees(text.truto.attendees(), missing="clear")
    plan = again.truto.update_events(baseline=text, token=DEFAULT_TOKEN, base_url=BASE)
    assert plan.counts == {"send": 0, "invalid": 0, "skipped": len(text)}


def test_removing_a_leaver_everywhere(app) -> None:  # type: ignore[no-untyped-def]
    df = _read(app)
    long = df.truto.attendees()
    counts = Counter(long.loc[long["position"] > 0, EMAIL])
    leaver = next(email for email, n in counts.most_common() if n < df["id"].nunique())
    before = {e["id"]: e for e in truto_frame.unflatten_events(df)}
    had = {i for i, e in before.items() if leaver in _emails(e)}
    assert 2 <= len(had) < len(before)

    new = df.truto.with_attendees(long[long[EMAIL] != leaver], missing="clear")
    changed = new.index[new["attendees"].notna() & df["attendees"].isna()]
    assert set(new.loc[changed, "id"]) == had  # only those events differ
    results = _apply(app, new, df)
    assert sorted(_patched(app)) == sorted(had)  # one PATCH per event that had the leaver
    assert (results.loc[new["id"].isin(had), "status"] == "updated").all()
    assert (results.loc[~new["id"].isin(had), "status"] == "skipped").all()
    sandbox = app.state.sandbox
    for event_id, event in before.items():
        now = sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, event_id)
        kept = [a for a in event["attendees"] or [] if _emails({"attendees": [a]}) != [leaver]]
        assert now["attendees"] == (kept if event_id in had else event["attendees"])


def test_appending_a_note_taker_to_one_series(app) -> None:  # type: ignore[no-untyped-def]
    df = _read(app)
    title = "Weekly team sync"
    series = df.loc[df["title"] == title, ["id", "integrated_account_id"]]
    assert len(series) >= 2
    note_taker = series.assign(
        position=np.nan,
        **{"person.name": "Nia Notes", EMAIL: "notes@example.com", "is_optional": True},
    )
    long = pd.concat([df.truto.attendees(), note_taker], ignore_index=True)
    new = df.truto.with_attendees(long)
    differs = [i for i in df.index if not new.loc[[i]].fillna("").equals(df.loc[[i]].fillna(""))]
    assert sorted(new.loc[differs, "id"]) == sorted(series["id"])
    before = {e["id"]: e for e in truto_frame.unflatten_events(df)}
    _apply(app, new, df)
    assert sorted(_patched(app)) == sorted(series["id"])
    for event_id in series["id"]:
        now = app.state.sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, event_id)
        assert now["attendees"][:-1] == before[event_id]["attendees"]
        assert now["attendees"][-1]["person"] == {
            "name": "Nia Notes",
            "emails": [{"email": "notes@example.com"}],
        }
        assert now["attendees"][-1]["is_optional"] is True


def test_missing_events_are_kept_unless_asked_to_clear(app) -> None:  # type: ignore[no-untyped-def]
    df = _read(app, OUTLOOK_ACCOUNT_ID)
    long = df.truto.attendees()
    gone = long["id"].iloc[0]
    rest = long[long["id"] != gone]
    kept = df.truto.with_attendees(rest)
    pd.testing.assert_frame_equal(kept, df)  # left out: untouched
    cleared = df.truto.with_attendees(rest, missing="clear")
    row = df.index[df["id"] == gone][0]
    assert cleared.loc[row, "attendees"] == []
    assert cleared.drop(index=row).equals(df.drop(index=row))
    plan = cleared.truto.update_events(baseline=df, token=DEFAULT_TOKEN, base_url=BASE)
    assert plan.counts["send"] == 1 and plan.payloads.loc[row]["attendees"] == []


def test_reordering_by_position_and_the_planner_accepts_the_whole_cell(app) -> None:  # type: ignore[no-untyped-def]
    df = _read(app)
    long = attendees(df)  # the plain functions behind df.truto
    event_id = long["id"].value_counts().index[0]  # the event with the most attendees
    mask = long["id"] == event_id
    long.loc[mask, "position"] = long.loc[mask, "position"].to_numpy()[::-1]
    new = with_attendees(df, long)
    row = df.index[df["id"] == event_id][0]
    parts = [c for c in df.columns if c.startswith("attendees[")]
    assert new.loc[row, parts].isna().all()  # parts emptied where the whole cell is set
    expected = list(reversed(truto_frame.unflatten_events(df.loc[[row]])[0]["attendees"]))
    assert new.loc[row, "attendees"] == expected
    plan = new.truto.update_events(baseline=df, token=DEFAULT_TOKEN, base_url=BASE)
    assert plan.counts["send"] == 1 and plan.payloads.loc[row]["attendees"] == expected


def test_an_attendee_without_an_email_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    df = _read(app)
    long = df.truto.attendees()
    long.loc[3, EMAIL] = np.nan  # the natural edit that used to make an attendee with no email
    with pytest.raises(InputError, match=r"needs an email.*in row 3 of the attendees frame"):
        df.truto.with_attendees(long)
    new_row = long.iloc[[0]].assign(position=np.nan, **{EMAIL: ""})
    with pytest.raises(InputError, match="needs an email"):
        df.truto.with_attendees(pd.concat([long.drop(index=3), new_row]))


def test_rows_for_unknown_events_and_bad_positions_are_refused(app) -> None:  # type: ignore[no-untyped-def]
    df = _read(app)
    long = df.truto.attendees()
    stray = long.iloc[[0]].assign(id="no-such-event")
    with pytest.raises(InputError, match="'no-such-event' is not in the frame"):
        df.truto.with_attendees(pd.concat([long, stray]))
    with pytest.raises(InputError, match="position must be a number"):
        df.truto.with_attendees(long.assign(position="first"))
    with pytest.raises(InputError, match="with_columns not in the frame"):
        df.truto.attendees(with_columns=["nope"])
    with pytest.raises(InputError, match="missing must be"):
        df.truto.with_attendees(long, missing="drop")  # type: ignore[arg-type]


def test_helper_and_event_columns_of_the_long_frame_are_not_attendee_fields(app) -> None:  # type: ignore[no-untyped-def]
    df = _read(app)
    long = df.truto.attendees(with_columns=["title"])
    long["leaving"] = long[EMAIL].str.endswith("-demo.de")
    long["title"] = "edited in the long frame"  # an event column: ignored here
    again = df.truto.with_attendees(long)
    pd.testing.assert_frame_equal(again, df)
