"""What an analyst reads when a spreadsheet row is wrong: the value, and what to write instead.

A CSV saved by Excel (``;``, BOM, CRLF) goes through ``truto-frame update-events`` against the
sandbox in process; every invalid row's message must say what to do, in the CLI's terms too,
without the schema library's own wording ("Value error, ...", "Input should be ...").
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pandas as pd
import pytest

import truto_frame
from truto_frame.frame.row_problems import validation_message
from truto_frame.sandbox import (
    DEFAULT_TOKEN,
    GOOGLECALENDAR_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    create_app,
)
from truto_frame.ui.cli import main

ACCOUNT = GOOGLECALENDAR_ACCOUNT_ID


def test_a_spreadsheet_csv_gets_messages_that_say_what_to_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    monkeypatch.setenv("TRUTO_API_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("TRUTO_API_BASE_URL", "http://sandbox.test")
    baseline = tmp_path / "events.csv"
    assert (
        main(
            ["read-events", "--integrated-account-id", ACCOUNT, "-o", str(baseline)],
            transport=transport,
        )
        == 0
    )
    events = truto_frame.read_csv(baseline)
    timed = events[events["start_time"].str.len() > 10]["id"].tolist()
    rows = [
        ("00123", "Renamed", "", ""),  # an id that is not in the account
        (timed[0], "Kick-off", "12/10/2026 9:00 AM", ""),  # a US date
        (timed[1], "Review", "", "done"),  # not a status
        (timed[2], "N/A", "", ""),  # a title like any other
    ]
    lines = ["id;title;start_time;status"] + [";".join(r) for r in rows]
    edits = tmp_path / "edits.csv"
    edits.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))

    code = main(
        [
            "update-events",
            str(edits),
            "--integrated-account-id",
            ACCOUNT,
            "--baseline",
            str(baseline),
            "--dry-run",
        ],
        transport=transport,
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "Value error" not in out and "Input should be" not in out
    assert "row 2 (id 00123): id: event '00123' is not in the baseline: check the id" in out
    assert "read-events --from/--to" in out  # the command line's own words
    assert "start_time: '12/10/2026 9:00 AM' is a US/European date" in out
    assert (
        "status: 'done' is not allowed: use 'confirmed', 'tentative', 'cancelled' or 'draft'" in out
    )
    assert 'title: "' in out and '-> "N/A"' in out  # N/A is a title, sent as written
    assert not [r for r in app.state.sandbox.requests if r.method == "PATCH"]


def test_validation_messages_quote_the_value_and_drop_the_library_prefix() -> None:
    df = pd.DataFrame(
        {
            "id": ["a"],
            "calendar.id": ["primary"],
            "guests_can_modify": ["maybe"],
            "location.coordinates.latitude": ["north"],
            "timezone": ["Europe/Berln"],
        }
    )
    problems = df.truto.update_events(integrated_account_id="acc", token="t").problems
    by_column = dict(zip(problems["column"], problems["message"], strict=True))
    assert by_column["guests_can_modify"] == "'maybe' is not true or false: write true or false"
    assert by_column["location.coordinates.latitude"].endswith("(got 'north')")
    assert by_column["timezone"].startswith("unknown time zone 'Europe/Berln'")
    # A long value is cut, and a container value is not quoted back at all.
    long = validation_message(
        {"type": "string_type", "msg": "Input should be a valid string", "input": "x" * 500}
    )
    assert len(long) < 120 and long.endswith("…)")
    listed = validation_message(
        {"type": "list_type", "msg": "Input should be a valid list", "input": {"a": 1}}
    )
    assert listed == "Input should be a valid list"


def test_a_rule_learned_before_sending_says_what_to_do_once() -> None:
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    sandbox = app.state.sandbox
    ids = sandbox.event_ids(ACCOUNT)[:2]
    df = pd.DataFrame(
        {
            "id": ids,
            "calendar.id": [sandbox.get_event(ACCOUNT, i)["calendar"]["id"] for i in ids],
            "title": ["Renamed", "Renamed too"],
        }
    )
    plan = df.truto.update_events(ACCOUNT, token=DEFAULT_TOKEN, base_url="http://sandbox.test")
    assert plan.counts["send"] == 2  # offline, the integration is not known yet
    plan.check(transport=transport)
    messages = plan.problems["message"].tolist()
    assert len(messages) == 4 and set(plan.problems["column"]) == {"start_time", "end_time"}
    for message in messages:
        assert "fill the start_time column" in message or "fill the end_time column" in message
        assert message.count("baseline=") == 1
        assert message.endswith(f"(Truto says integrated account {ACCOUNT} is googlecalendar)")


def test_a_read_frame_sent_to_another_account_names_both_accounts() -> None:
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    kw = {"token": DEFAULT_TOKEN, "base_url": "http://sandbox.test"}
    events = truto_frame.read_events(ACCOUNT, transport=transport, **kw)
    edited = events[["id", "calendar.id", "title"]].head(2).copy()  # keeps what was read
    edited["title"] = "Renamed"
    plan = edited.truto.update_events(OUTLOOK_ACCOUNT_ID, **kw)
    assert plan.statuses.tolist() == ["invalid", "invalid"]
    message = plan.problems["message"].iloc[0]
    assert message == (
        f"check integrated_account_id: the row is for {OUTLOOK_ACCOUNT_ID}, but the event was "
        f"read from {ACCOUNT}"
    )
    # The right account plans as usual.
    assert edited.truto.update_events(ACCOUNT, **kw).counts["send"] == 2


def test_a_one_row_conflict_reads_as_english_and_names_the_stale_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    monkeypatch.setenv("TRUTO_API_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("TRUTO_API_BASE_URL", "http://sandbox.test")
    baseline = tmp_path / "events.csv"
    read = ["read-events", "--integrated-account-id", ACCOUNT, "-o", str(baseline)]
    assert main(read, transport=transport) == 0
    event_id = truto_frame.read_csv(baseline)["id"].iloc[0]
    # An earlier run (or a colleague) renamed the event after the baseline was read.
    app.state.sandbox.edit_event(ACCOUNT, event_id, {"title": "Renamed by an earlier run"})
    edits = tmp_path / "edits.csv"
    edits.write_text(f"id,title\n{event_id},Renamed again\n", encoding="utf-8")
    argv = ["update-events", str(edits), "--integrated-account-id", ACCOUNT]
    code = main([*argv, "--baseline", str(baseline), "--yes"], transport=transport)
    out = capsys.readouterr().out
    assert code == 1
    assert "edits.csv: 1 row, 2 columns" in out
    assert "Plan: 1 row -> 1 to send" in out
    assert "1 row will be re-read before writing (1 GET more): it re-sends values" in out
    assert "read-events again for a fresh --baseline" in out
    assert "1 conflict (of 1 row)" in out


def test_an_attendee_left_without_email_names_the_rows_to_fill() -> None:
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    kw = {"token": DEFAULT_TOKEN, "base_url": "http://sandbox.test"}
    events = truto_frame.read_events(ACCOUNT, transport=transport, **kw)
    long = events.truto.attendees()
    emptied = long.copy()
    emptied.loc[long.index[[0, 2]], "person.emails[0].email"] = None
    with pytest.raises(truto_frame.InputError) as caught:
        events.truto.with_attendees(emptied)
    assert str(caught.value) == (
        "every attendee needs an email: fill person.emails[0].email in rows "
        f"{long.index[0]!r}, {long.index[2]!r} of the attendees frame (or drop the row to "
        "remove that attendee)"
    )


def test_no_token_does_not_suggest_the_emulators_token_for_truto(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A user of Truto's hosted sandbox accounts must not read 'the sandbox accepts
    # sandbox-token' as advice for api.truto.one.
    monkeypatch.delenv("TRUTO_API_TOKEN", raising=False)
    edits = tmp_path / "edits.csv"
    edits.write_text("id,title\nevt_1,Renamed\n", encoding="utf-8")
    argv = ["update-events", str(edits), "--integrated-account-id", ACCOUNT]
    assert main([*argv, "--base-url", "https://api.truto.one"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no API token: set the TRUTO_API_TOKEN environment variable")
    assert "truto-frame's own emulator (truto-frame sandbox) accepts 'sandbox-token'" in err
    assert "Truto's API does not" in err


def test_a_second_round_of_edits_on_the_same_frame_says_the_change_may_be_yours() -> None:
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    kw = {"token": DEFAULT_TOKEN, "base_url": "http://sandbox.test"}
    events = truto_frame.read_events(ACCOUNT, transport=transport, **kw)
    edited = events.copy()
    row = edited.index[0]
    edited.loc[row, "title"] = "First try"
    first = edited.truto.update_events(**kw).apply(transport=transport, progress=False)
    assert first.loc[row, "status"] == "updated"
    edited.loc[row, "title"] = "Second try"  # the frame still remembers the first read
    second = edited.truto.update_events(**kw).apply(transport=transport, progress=False)
    assert second.loc[row, "status"] == "conflict"
    error = second.loc[row, "error"]
    assert "title: planned 'Second try', now 'First try'" in error
    assert "or by an earlier apply of yours (read the events again for a fresh baseline)" in error
    # Read again, and the same edit goes through.
    fresh = truto_frame.read_events(ACCOUNT, transport=transport, **kw)
    fresh.loc[fresh["id"] == events.loc[row, "id"], "title"] = "Second try"
    third = fresh.truto.update_events(**kw).apply(transport=transport, progress=False)
    assert third["status"].eq("updated").sum() == 1
