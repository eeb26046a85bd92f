"""No lost updates: events changed between plan and apply, over the sandbox (in process)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

import truto_frame
from truto_frame.planning.merge import attendee_key
from truto_frame.sandbox import GOOGLE_ACCOUNT_ID, OUTLOOK_ACCOUNT_ID, create_app

TOKEN = "sandbox-token"
BASE_URL = "http://sandbox"


class Stage:
    """A sandbox, a transport to it, and an account's events as read_events gave them."""

    def __init__(self, account: str = GOOGLE_ACCOUNT_ID) -> None:
        self.account = account
        self.app = create_app()
        self.sandbox = self.app.state.sandbox
        self.transport = httpx.ASGITransport(app=self.app)
        self.events = truto_frame.read_events(
            account, token=TOKEN, base_url=BASE_URL, transport=self.transport
        )
        self.events = self.events[self.events["is_all_day"] != True]  # noqa: E712
        self.sandbox.requests.clear()

    def plan(self, edited: pd.DataFrame, integration: str = "google") -> Any:
        return edited.truto.update_events(
            token=TOKEN, base_url=BASE_URL, baseline=self.events, integration=integration
        )

    def apply(self, plan: Any, **options: Any) -> pd.DataFrame:
        self.sandbox.requests.clear()
        return plan.apply(transport=self.transport, progress=False, **options)

    def now(self, event_id: str) -> dict[str, Any]:
        event = self.sandbox.get_event(self.account, event_id)
        assert event is not None
        return event

    def sent(self, method: str) -> list[Any]:
        return [(r.event_id, r.body) for r in self.sandbox.requests if r.method == method]


def _moved(event: dict[str, Any], hours: int) -> dict[str, str]:
    start = pd.Timestamp(event["start_time"]) + pd.Timedelta(hours=hours)
    end = pd.Timestamp(event["end_time"]) + pd.Timedelta(hours=hours)
    return {"start_time": start.isoformat(), "end_time": end.isoformat()}


def _same_instant(a: str, b: str) -> bool:
    return pd.Timestamp(a) == pd.Timestamp(b)


def test_a_title_edit_keeps_the_organizers_new_time() -> None:
    stage = Stage()
    edited = stage.events.head(3).copy()
    edited["title"] = edited["title"] + " (renamed)"
    plan = stage.plan(edited)
    assert plan.rereads.all()  # Google re-sends start/end: every row is read first
    moved_id = edited["id"].iloc[1]
    before = stage.now(moved_id)
    organizer_move = _moved(before, 2)
    stage.sandbox.edit_event(GOOGLE_ACCOUNT_ID, moved_id, organizer_move)

    results = stage.apply(plan)

    assert results["status"].tolist() == ["updated"] * 3
    after = stage.now(moved_id)
    assert after["title"] == before["title"] + " (renamed)"
    assert _same_instant(after["start_time"], organizer_move["start_time"])
    assert _same_instant(after["end_time"], organizer_move["end_time"])
    assert "start_time" in results["merged"].iloc[1] and "end_time" in results["merged"].iloc[1]
    assert results["merged"].isna().tolist() == [True, False, True]
    # One GET before each PATCH, paced and sent through the same client.
    assert [r.method for r in stage.sandbox.requests].count("GET") == 3
    assert len(stage.sent("PATCH")) == 3


def test_removing_one_attendee_keeps_an_acceptance_given_since() -> None:
    stage = Stage()
    columns = [c for c in stage.events.columns if c.startswith("attendees[2].")]
    row = stage.events[
        stage.events["attendees[2].person.emails[0].email"].notna()
        & stage.events["attendees[3].person.emails[0].email"].isna()
        & (stage.events["attendees[1].response.status"] != "accepted")
    ].head(1)
    assert len(row) == 1, "the seed has a three-attendee event with a pending response"
    event_id = row["id"].iloc[0]
    edited = row.copy()
    edited[columns] = np.nan  # remove the third attendee
    removed = row["attendees[2].person.emails[0].email"].iloc[0]
    plan = stage.plan(edited)
    assert len(plan.payloads.iloc[0]["attendees"]) == 2
    # Meanwhile the second attendee accepts.
    people = stage.now(event_id)["attendees"]
    people[1]["response"] = {"status": "accepted", "comment": None}
    stage.sandbox.edit_event(GOOGLE_ACCOUNT_ID, event_id, {"attendees": people})
    accepted = attendee_key(people[1])

    results = stage.apply(plan)

    assert results["status"].tolist() == ["updated"]
    after = {attendee_key(a): a for a in stage.now(event_id)["attendees"]}
    assert removed.lower() not in after
    assert after[accepted]["response"]["status"] == "accepted"
    assert len(after) == 2
    assert f"attendees[{accepted}].response.status" in results["merged"].iloc[0]


def test_the_same_field_changed_on_both_sides_is_a_conflict_and_can_be_forced() -> None:
    stage = Stage()
    edited = stage.events.head(2).copy()
    edited["title"] = ["Mine A", "Mine B"]
    plan = stage.plan(edited)
    clash = edited["id"].iloc[0]
    base_title = stage.events["title"].iloc[0]
    stage.sandbox.edit_event(GOOGLE_ACCOUNT_ID, clash, {"title": "Theirs"})

    results = stage.apply(plan)

    assert results["status"].tolist() == ["conflict", "updated"]
    error = results["error"].iloc[0]
    assert error.startswith(f"title: planned 'Mine A', now 'Theirs' (was {base_title!r})")
    assert results["attempts"].iloc[0] == 0 and pd.isna(results["http_status"].iloc[0])
    assert results["response"].iloc[0]["title"] == "Theirs"  # the event as it is now
    assert [event_id for event_id, _ in stage.sent("PATCH")] == [edited["id"].iloc[1]]
    assert stage.now(clash)["title"] == "Theirs"
    conflicts = plan.conflicts()
    assert conflicts[["row", "id", "field", "base", "mine", "theirs"]].values.tolist() == [
        [edited.index[0], clash, "title", base_title, "Mine A", "Theirs"]
    ]

    retried = plan.retry_failed(transport=stage.transport, progress=False, on_conflict="overwrite")

    assert retried["status"].tolist() == ["updated", "updated"]
    assert stage.now(clash)["title"] == "Mine A"
    assert "overwrote title" in retried["merged"].iloc[0]


def test_on_conflict_overwrite_sends_the_users_value_in_one_apply() -> None:
    stage = Stage()
    edited = stage.events.head(1).copy()
    edited["title"] = "Mine"
    plan = stage.plan(edited)
    event_id = edited["id"].iloc[0]
    stage.sandbox.edit_event(GOOGLE_ACCOUNT_ID, event_id, {"title": "Theirs"})
    results = stage.apply(plan, on_conflict="overwrite")
    assert results["status"].tolist() == ["updated"]
    assert stage.now(event_id)["title"] == "Mine"
    assert plan.conflicts()["field"].tolist() == ["title"]  # listed, and overwritten
    with pytest.raises(ValueError, match="on_conflict"):
        plan.apply(again=True, on_conflict="ignore")


def test_rows_whose_events_did_not_change_are_sent_exactly_as_planned() -> None:
    stage = Stage()
    edited = stage.events.head(6).copy()
    edited["description"] = "Agenda moved to the wiki"
    plan = stage.plan(edited)
    results = stage.apply(plan)
    assert results["status"].tolist() == ["updated"] * 6
    assert results["merged"].isna().all()
    assert stage.sent("PATCH") == list(zip(edited["id"], plan.payloads, strict=True))
    assert len(stage.sent("GET")) == 6
    assert plan.conflicts().empty


def test_a_title_edit_on_outlook_is_not_reread() -> None:
    stage = Stage(OUTLOOK_ACCOUNT_ID)
    edited = stage.events.head(3).copy()
    edited["title"] = "Renamed"
    plan = stage.plan(edited, integration="outlookcalendar")
    assert not plan.rereads.any()  # only user-changed scalars (and the calendar address)
    results = stage.apply(plan)
    assert results["status"].tolist() == ["updated"] * 3
    assert stage.sent("GET") == []
    assert stage.sent("PATCH") == list(zip(edited["id"], plan.payloads, strict=True))


def test_an_event_that_cannot_be_read_is_not_written_blind() -> None:
    stage = Stage()
    edited = stage.events.head(1).copy()
    edited["title"] = "Renamed"
    edited["id"] = "deleted-meanwhile"
    baseline = stage.events.head(1).copy()
    baseline["id"] = "deleted-meanwhile"
    plan = edited.truto.update_events(
        token=TOKEN, base_url=BASE_URL, baseline=baseline, integration="google"
    )
    results = stage.apply(plan)
    assert results["status"].tolist() == ["failed"]
    assert "could not re-read the event before writing" in results["error"].iloc[0]
    assert results["http_status"].iloc[0] == 404
    assert stage.sent("PATCH") == []


def test_a_journal_resumes_a_merged_run_without_sending_again(tmp_path: Path) -> None:
    stage = Stage()
    edited = stage.events.head(2).copy()
    edited["title"] = "Renamed"
    moved = edited["id"].iloc[0]
    stage.sandbox.edit_event(GOOGLE_ACCOUNT_ID, moved, _moved(stage.now(moved), 1))
    journal = str(tmp_path / "run.jsonl")
    first = stage.apply(stage.plan(edited), journal=journal)
    assert first["status"].tolist() == ["updated", "updated"]
    assert first["merged"].notna().tolist() == [True, False]

    again = stage.apply(stage.plan(edited), journal=journal)  # a re-run of the same job
    assert again["status"].tolist() == ["updated", "updated"]
    assert again["attempts"].tolist() == [0, 0]
    assert stage.sandbox.requests == []


def test_the_plan_summaries_show_the_cost_of_rereads() -> None:
    from truto_frame.ui.summary import plan_summary, summary_html
    from truto_frame.ui.text import format_plan

    stage = Stage()
    edited = stage.events.head(3).copy()
    edited["title"] = "Renamed"
    plan = stage.plan(edited)
    assert "3 rows will be re-read before writing (3 GETs more)" in format_plan(plan)
    summary = plan_summary(plan)
    assert summary.rereads == 3
    assert "3 rows will be re-read before writing" in summary_html(summary)
    outlook = Stage(OUTLOOK_ACCOUNT_ID)
    quiet = outlook.events.head(2).assign(title="Renamed")
    assert "re-read" not in format_plan(outlook.plan(quiet, integration="outlookcalendar"))


def test_the_cli_shows_conflicts_and_can_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from truto_frame.ui.cli import main

    stage = Stage()
    baseline = tmp_path / "events.csv"
    stage.events.head(2).to_csv(baseline, index=False)
    edits = stage.events.head(2)[["id", "calendar.id", "title"]].assign(title=["Mine A", "B"])
    edits_csv = tmp_path / "edits.csv"
    edits.to_csv(edits_csv, index=False)
    clash = edits["id"].iloc[0]
    stage.sandbox.edit_event(GOOGLE_ACCOUNT_ID, clash, {"title": "Theirs"})
    common = [
        "update-events",
        str(edits_csv),
        "--integrated-account-id",
        GOOGLE_ACCOUNT_ID,
        "--baseline",
        str(baseline),
        "--integration",
        "google",
        "--base-url",
        BASE_URL,
        "--token",
        TOKEN,
        "--yes",
        "--no-progress",
        "--results",
        str(tmp_path / "results.csv"),
    ]
    capsys.readouterr()

    assert main(common, transport=stage.transport) == 1
    out = capsys.readouterr().out
    assert "2 rows will be re-read before writing" in out
    assert "1 updated, 1 conflict (of 2 rows)" in out
    assert "1 row was not sent: someone else changed the same fields" in out
    results = pd.read_csv(tmp_path / "results.csv", dtype=str)
    assert results["result_status"].tolist() == ["conflict", "updated"]
    assert "title: planned 'Mine A', now 'Theirs'" in results["result_error"].iloc[0]
    assert stage.now(clash)["title"] == "Theirs"

    assert main([*common, "--on-conflict", "overwrite"], transport=stage.transport) == 0
    assert stage.now(clash)["title"] == "Mine A"
    results = pd.read_csv(tmp_path / "results.csv", dtype=str)
    assert results["result_merged"].iloc[0] == "overwrote title"


def test_the_preview_shows_the_conflicts_escaped() -> None:
    pytest.importorskip("ipywidgets")
    from truto_frame.ui.widget import PlanPreview

    stage = Stage()
    edited = stage.events.head(2).copy()
    edited["title"] = ["Mine <i>A</i>", "B"]
    plan = stage.plan(edited)
    preview = PlanPreview(plan, transport=stage.transport)
    assert "2 rows will be re-read before writing" in preview.summary.value
    stage.sandbox.edit_event(GOOGLE_ACCOUNT_ID, edited["id"].iloc[0], {"title": "<b>Theirs</b>"})
    preview.apply_button.click()
    assert preview.wait(timeout=30), "the run did not finish"
    shown = preview.results_summary.value
    assert "1</b> conflict" in shown
    assert "Changed by someone else too since the baseline (1 fields" in shown
    assert "&lt;b&gt;Theirs&lt;/b&gt;" in shown and "Mine &lt;i&gt;A&lt;/i&gt;" in shown
    assert "<b>Theirs</b>" not in shown
    assert preview.retry_button.description == "Retry failed (1)"


def test_undo_of_a_merged_row_keeps_the_organizers_time() -> None:
    stage = Stage()
    edited = stage.events.head(1).copy()
    edited["title"] = "Renamed"
    plan = stage.plan(edited)
    event_id = edited["id"].iloc[0]
    before = stage.now(event_id)
    move = _moved(before, 3)
    stage.sandbox.edit_event(GOOGLE_ACCOUNT_ID, event_id, move)
    assert stage.apply(plan)["status"].tolist() == ["updated"]

    undone = stage.apply(plan.undo())

    assert undone["status"].tolist() == ["updated"]
    after = stage.now(event_id)
    assert after["title"] == before["title"]  # the edit is undone
    assert _same_instant(after["start_time"], move["start_time"])  # the organizer's move is not
