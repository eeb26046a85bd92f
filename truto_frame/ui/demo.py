"""``truto-frame demo``: the main job end to end, in process, on the embedded sandbox.

Read a seeded account's events, edit a handful of rows with pandas (new titles, a new room, an
added attendee, and one deliberately invalid row), show the plan, apply it, print one result per
row, then read the events again to show the sandbox holds the new values. No account, no
network, no server: the sandbox app is the HTTP transport.
"""

from __future__ import annotations

import sys
from typing import IO

import httpx
import pandas as pd

from ..planning.build import build_plan
from ..read import read_events
from ..sandbox import DEFAULT_TOKEN, GOOGLECALENDAR_ACCOUNT_ID, create_app
from .text import format_plan, format_results, summary_line

__all__ = ["DEMO_ROOM", "build_demo_edit", "run_demo"]

DEMO_ROOM = {
    "location.name": "Room 4.02 (Atlas)",
    "location.address.street_1": "Friedrichstrasse 68",
    "location.address.city": "Berlin",
    "location.address.postal_code": "10117",
    "location.address.country": "DE",
}
"""The new room the demo moves two meetings to."""

_NEW_ATTENDEE = ("Noor Haddad", "noor.haddad@example.com")
_BASE_URL = "http://sandbox.local"


def _attendee_count(row: pd.Series) -> int:
    count = 0
    while f"attendees[{count}].person.emails[0].email" in row.index and pd.notna(
        row[f"attendees[{count}].person.emails[0].email"]
    ):
        count += 1
    return count


def build_demo_edit(events: pd.DataFrame) -> pd.DataFrame:
    """Pick six one-off confirmed events with attendees and edit them, as a user would.

    Parameters
    ----------
    events : pandas.DataFrame
        The frame :func:`~truto_frame.read_events` returned.

    Returns
    -------
    pandas.DataFrame
        Six edited rows (same index labels as in ``events``): two new titles, two moved to
        :data:`DEMO_ROOM`, one with an added attendee, one with an invalid ``status``.
    """
    one_off = (
        events["is_recurring"].map(lambda v: v is not True) if "is_recurring" in events else True
    )
    candidates = events[
        (events["status"] == "confirmed")
        & one_off
        & events["attendees[0].person.emails[0].email"].notna()
    ].sort_values("start_time")
    if len(candidates) < 6:
        raise RuntimeError("the sandbox account has too few one-off confirmed events")
    edit = candidates.head(6).copy()
    labels = list(edit.index)
    for label in labels[:2]:
        edit.loc[label, "title"] = f"{edit.at[label, 'title']} (agenda updated)"
    for column in DEMO_ROOM:
        if column not in edit.columns:
            edit[column] = pd.Series(pd.NA, index=edit.index, dtype=object)
    for label in labels[2:4]:
        # A row whose location was null holds NULL in `location`: the room replaces it.
        if "location" in edit.columns:
            edit.loc[label, "location"] = pd.NA
        for column, value in DEMO_ROOM.items():
            edit.loc[label, column] = value
    added = labels[4]
    k = _attendee_count(edit.loc[added])
    new_attendee: dict[str, object] = {
        f"attendees[{k}].person.name": _NEW_ATTENDEE[0],
        f"attendees[{k}].person.emails[0].email": _NEW_ATTENDEE[1],
        f"attendees[{k}].is_optional": True,
    }
    for name, cell in new_attendee.items():
        if name not in edit.columns:
            edit[name] = pd.Series(pd.NA, index=edit.index, dtype=object)
        edit.loc[added, name] = cell
    edit.loc[labels[5], "status"] = "postponed"  # not a status: the plan will refuse this row
    return edit


def run_demo(out: IO[str] | None = None) -> int:
    """Run the demo and print it; return the exit code (0 when it went as expected).

    Parameters
    ----------
    out : file, optional
        Where to print (default: standard output).

    Returns
    -------
    int
        0 when every valid row was updated, the invalid one refused, and a re-read shows the
        new values; 1 otherwise.
    """
    out = out or sys.stdout
    account = GOOGLECALENDAR_ACCOUNT_ID
    app = create_app()
    transport = httpx.ASGITransport(app=app)

    def say(text: str = "") -> None:
        print(text, file=out)

    say("truto-frame demo: the whole job on the embedded sandbox")
    say("(in process: no Truto account, no network, no server)")
    say()
    events = read_events(
        account,
        token=DEFAULT_TOKEN,
        base_url=_BASE_URL,
        transport=transport,
        ignore_remote_data=True,
    )
    say(
        f"1. Read: {len(events)} events of account {account} (googlecalendar), "
        f"{events.shape[1]} flat columns, every page."
    )
    edit = build_demo_edit(events)
    say(
        "2. Edit with pandas: 2 new titles, 2 moved to a new room, 1 added attendee, "
        "1 invalid status ('postponed')."
    )
    plan = build_plan(
        edit,
        baseline=events,
        integration="googlecalendar",
        send_notifications="none",  # a rehearsal: do not email anyone
        token=DEFAULT_TOKEN,
        base_url=_BASE_URL,
    )
    say("3. Plan (validated, nothing sent yet):")
    say(_indent(format_plan(plan)))
    results = plan.apply(transport=transport, progress=False)
    say("4. Apply:")
    say(_indent(format_results(results, plan.event_ids)))
    after = read_events(
        account,
        token=DEFAULT_TOKEN,
        base_url=_BASE_URL,
        transport=transport,
        ignore_remote_data=True,
    )
    held = _check(edit, after, results)
    say(
        f"5. Read again: {held} of {int((results['status'] == 'updated').sum())} updated events "
        "hold their new values in the sandbox."
    )
    say()
    say(f"Summary: {summary_line(results)}.")
    expected = (
        (results["status"] == "updated").sum() == len(edit) - 1
        and results["status"].iloc[-1] == "invalid"
        and held == len(edit) - 1
    )
    return 0 if expected else 1


def _check(edit: pd.DataFrame, after: pd.DataFrame, results: pd.DataFrame) -> int:
    # Compare the edited cells with what a fresh read returns, row by row.
    now = after.set_index("id")
    held = 0
    for label, status in zip(results.index, results["status"].tolist(), strict=True):
        if status != "updated":
            continue
        row = edit.loc[label]
        current = now.loc[row["id"]]
        same = all(
            column in current.index and current[column] == row[column]
            for column in ("title", "location.name")
            if pd.notna(row.get(column))
        )
        k = _attendee_count(row)
        same = same and _attendee_count(current) == k
        held += bool(same)
    return held


def _indent(text: str) -> str:
    return "\n".join(f"   {line}" if line else line for line in text.splitlines())
