"""Property: a read frame edited and planned *without* ``baseline=`` (its read snapshot is the
baseline) writes exactly the edited cells: reading back gives the edited value on every edited
cell and what was read on every other cell, and only edited rows are sent. The sandbox in
process, small frames."""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd
from conftest import assert_read_back
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import truto_frame
from truto_frame.sandbox import (
    DEFAULT_TOKEN,
    GOOGLE_ACCOUNT_ID,
    GOOGLECALENDAR_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    SandboxConfig,
    create_app,
)

BASE = "http://sandbox.test"
ACCOUNTS = [GOOGLE_ACCOUNT_ID, GOOGLECALENDAR_ACCOUNT_ID, OUTLOOK_ACCOUNT_ID]
# Cells that a write changes by itself: the write's time and the provider's own object.
WRITTEN = {"updated_at", "remote_data"}
CHOICES = {
    "status": ["confirmed", "tentative"],
    "visibility": ["public", "private", "calendar_default"],
    "availability": ["busy", "free"],
}


def _read(app: Any, account: str) -> pd.DataFrame:
    return truto_frame.read_events(
        account,
        token=DEFAULT_TOKEN,
        base_url=BASE,
        start_time="2026-01-01",
        end_time="2028-01-01",
        transport=httpx.ASGITransport(app=app),
    )


edit = st.tuples(
    st.integers(min_value=0, max_value=60),  # which row (modulo the frame's length)
    st.sampled_from(["title", "description", "clear description", "location.name", *CHOICES]),
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs"]), max_size=12),
    st.integers(min_value=0, max_value=5),
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    account=st.sampled_from(ACCOUNTS),
    seed=st.integers(min_value=0, max_value=3),
    edits=st.lists(edit, min_size=1, max_size=5),
)
def test_a_read_frame_planned_without_baseline_writes_exactly_the_edited_cells(
    account: str, seed: int, edits: list[tuple[int, str, str, int]]
) -> None:
    app = create_app(SandboxConfig(seed=seed, events_per_account=12))
    events = _read(app, account)
    edited = events.copy()  # the read's snapshot rides along in edited.attrs
    expected: dict[tuple[Any, str], Any] = {}
    for position, kind, text, pick in edits:
        label = edited.index[position % len(edited)]
        if kind == "clear description":
            column, value = "description", truto_frame.NULL
        elif kind in CHOICES:
            column, value = kind, CHOICES[kind][pick % len(CHOICES[kind])]
        else:
            column, value = kind, f"{text.strip()} #{position}"  # never empty: that is "unchanged"
            if column == "location.name" and edited.at[label, "location"] is truto_frame.NULL:
                continue  # an event without a location: its parts are another test's subject
        edited.at[label, column] = value
        expected[(label, column)] = value

    plan = edited.truto.update_events(token=DEFAULT_TOKEN, base_url=BASE)
    assert plan.problems.empty, plan.problems.to_dict("records")
    results = plan.apply(transport=httpx.ASGITransport(app=app), progress=False)
    assert set(results["status"]) <= {"updated", "skipped"}, results["error"].tolist()
    sent = {r.event_id for r in app.state.sandbox.requests if r.method == "PATCH"}
    touched = {events.at[label, "id"] for label, _ in expected}
    assert sent <= touched  # an unedited row is never sent
    for request in app.state.sandbox.requests:
        if request.method == "PATCH":
            assert "remote_data" not in request.body

    back = _read(app, account).set_index("id")
    read = events.set_index("id")
    want = {(events.at[label, "id"], column): value for (label, column), value in expected.items()}
    assert_read_back(read, back, want, set(sent), WRITTEN)
