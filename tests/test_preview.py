"""The notebook preview: pure pieces, then the widget driven headless against the sandbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pandas as pd
import pytest
from conftest import patches

import truto_frame
from truto_frame import NULL, InputError, build_plan
from truto_frame.planning.changes import FieldChange
from truto_frame.sandbox import GOOGLECALENDAR_ACCOUNT_ID, SandboxConfig, create_app
from truto_frame.ui.summary import plan_summary, summary_html
from truto_frame.ui.tables import (
    ChangeRow,
    changes_html,
    item_label,
    list_changes,
    page_bounds,
    page_label,
    problem_rows,
    problems_html,
    result_rows,
    results_html,
)
from truto_frame.ui.widget import PlanPreview, preview_widget

pytest.importorskip("ipywidgets")  # the notebook extra

TOKEN = "sandbox-token"
BASE = "http://sandbox"
ANCHOR = datetime(2026, 3, 2, tzinfo=timezone.utc)
SCRIPT = "<script>alert('x')</script> Board review"


# --------------------------------------------------------------------------- pure pieces


@pytest.mark.parametrize(
    ("total", "page", "size", "expected", "label"),
    [
        (3000, 0, 50, (0, 0, 50), "rows 1-50 of 3,000"),
        (3000, 1, 50, (1, 50, 100), "rows 51-100 of 3,000"),
        (3000, 999, 50, (59, 2950, 3000), "rows 2,951-3,000 of 3,000"),
        (3000, -4, 50, (0, 0, 50), "rows 1-50 of 3,000"),
        (51, 1, 50, (1, 50, 51), "rows 51-51 of 51"),
        (0, 3, 50, (0, 0, 0), "no rows"),
    ],
)
def test_pages_cover_every_row(
    total: int, page: int, size: int, expected: tuple[int, int, int], label: str
) -> None:
    assert page_bounds(total, page, size) == expected
    assert page_label(expected[1], expected[2], total) == label


def _plan(df: pd.DataFrame, **kwargs: Any) -> truto_frame.EventUpdatePlan:
    kwargs.setdefault("integrated_account_id", "acc-1")
    kwargs.setdefault("token", TOKEN)
    kwargs.setdefault("base_url", BASE)
    return build_plan(df, **kwargs)


def test_summary_counts_rows_attendees_warnings_and_ignored_columns() -> None:
    df = pd.DataFrame(
        {
            "id": ["e1", "e2", "e3"],
            "calendar.id": ["c", "c", "c"],
            "title": ["A", "B", "C"],  # e3 changes its title (a calendar alone is skipped)
            "attendees[0].person.emails[0].email": ["a@x.io", "not-an-email", None],
            "attendees[1].person.emails[0].email": ["b@x.io", None, None],
            "attendees[1].is_organizer": [True, None, None],
            "guests_can_modify": [True, None, None],
            # (a read-only column such as created_at would need a baseline: see test_row_meaning)
            "owner_team": ["ops", None, None],
            "titel": ["typo", None, None],
        }
    )
    plan = _plan(df, integration="outlookcalendar", send_notifications="all")
    s = plan_summary(plan)
    assert (s.rows, s.send, s.skipped, s.invalid) == (3, 2, 0, 1)
    assert s.accounts == [("acc-1", "outlookcalendar", 3)]
    # Row e1 has two attendees, one of them the organizer; e3 sends no attendees and has no
    # baseline, so its attendees are unknown.
    assert (s.attendees, s.attendee_events, s.attendees_unknown) == (1, 1, 1)
    assert any("outlookcalendar ignores these fields: guests_can_modify" in w for w in s.warnings)
    ignored = dict(s.ignored_columns)
    assert ignored["owner_team"] == "not an event field"
    assert "did you mean 'title'" in ignored["titel"]
    text = summary_html(s)
    assert "2 to update" in text
    assert "1 invalid" in text
    assert "send_notifications=<b>all</b>: <b>1 attendee on 1 event</b>" in text
    assert "No baseline" in text
    assert "did you mean &#x27;title&#x27;" in text


@pytest.mark.parametrize(
    ("option", "phrase"),
    [
        ("none", "no attendee is emailed"),
        ("external_only", "outside the organizer"),
        (None, "provider's default"),
    ],
)
def test_summary_explains_send_notifications(option: str | None, phrase: str) -> None:
    df = pd.DataFrame({"id": ["e1"], "calendar.id": ["c"], "title": ["A"]})
    assert phrase in summary_html(plan_summary(_plan(df, send_notifications=option)))


def test_problems_and_results_escape_remote_text() -> None:
    df = pd.DataFrame({"id": ["<b>e1</b>"], "calendar.id": ["c"], "recurrence[0]": ["<img src=x>"]})
    plan = _plan(df)
    rows = problem_rows(plan)
    assert rows[0][:3] == (0, "<b>e1</b>", "recurrence[0]")
    text = problems_html(rows)
    assert "<img" not in text and "<b>e1" not in text
    assert "&lt;img src=x&gt;" in text
    results = pd.DataFrame(
        {
            "status": pd.array(["failed"], dtype="string"),
            "http_status": pd.array([422], dtype="Int64"),
            "error": pd.array(["<script>x</script>"], dtype="string"),
            "attempts": [1],
            "response": [None],
        }
    )
    html = results_html(result_rows(results, ["e1"]))
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert result_rows(results, ["e1"], failures_only=True)[0][2] == "failed"


ANN = {"person": {"name": "Ann", "emails": [{"email": "ann@x.io"}]}, "is_optional": False}
BOB = {"person": {"name": "Bob <b>", "emails": [{"email": "bob@x.io"}]}}


def test_list_changes_name_added_and_removed_items() -> None:
    removed, added, kept = list_changes([ANN, BOB], [{**ANN, "response": None}, "x"])
    assert (removed, added, kept) == ([BOB], ["x"], 1)
    assert item_label(ANN) == "Ann <ann@x.io>"
    assert item_label({"person": {"emails": [{"email": "c@x.io"}]}}) == "<c@x.io>"
    assert item_label("RRULE:FREQ=DAILY") == "RRULE:FREQ=DAILY"


def test_attendee_changes_show_who_is_added_and_removed() -> None:
    row = ChangeRow("r1", "e1", [FieldChange("attendees", [ANN, BOB], [ANN, {"person": CO}])])
    text = changes_html([row], has_baseline=True)
    assert "− Bob &lt;b&gt; &lt;bob@x.io&gt;" in text
    assert "+ &lt;co@x.io&gt;" in text
    assert "(1 unchanged)" in text
    unknown = changes_html([row], has_baseline=False)
    assert "Ann &lt;ann@x.io&gt;<br>" in unknown and "<i>?</i>" in unknown


CO = {"emails": [{"email": "co@x.io"}]}


# --------------------------------------------------------------------------- with the sandbox


class FlakyTransport(httpx.AsyncBaseTransport):
    """The sandbox in process, except that the first PATCH of some events fails with a 409."""

    def __init__(self, app: Any, fail_once: set[str]) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.fail_once = set(fail_once)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        event_id = request.url.path.rsplit("/", 1)[-1]
        if request.method == "PATCH" and event_id in self.fail_once:
            self.fail_once.discard(event_id)
            body = {"statusCode": 409, "error": "Conflict", "message": "<i>edited elsewhere</i>"}
            return httpx.Response(409, json=body)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def app() -> Any:
    return create_app(SandboxConfig(anchor=ANCHOR))


@pytest.fixture
def transport(app: Any) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=app)


@pytest.fixture
def before(transport: httpx.ASGITransport) -> pd.DataFrame:
    frame = truto_frame.read_events(
        GOOGLECALENDAR_ACCOUNT_ID,
        token=TOKEN,
        base_url=BASE,
        start_time="2026-03-01",
        end_time="2026-04-01",
        transport=transport,
    )
    return frame.head(6)


@pytest.fixture
def edited(before: pd.DataFrame) -> pd.DataFrame:
    # Edit two of six rows: a title with markup in it, and a location's name.
    df = before.copy()
    df.loc[df.index[1], "title"] = SCRIPT
    df.loc[df.index[4], "location.name"] = "Room 42"
    return df


def _plan_for(edited: pd.DataFrame, before: pd.DataFrame) -> truto_frame.EventUpdatePlan:
    return edited.truto.update_events(
        token=TOKEN, base_url=BASE, baseline=before, integration="googlecalendar"
    )


def _wait(preview: PlanPreview) -> None:
    assert preview.wait(timeout=30), "the run did not finish"


def test_read_edit_two_rows_preview_apply(
    app: Any, transport: Any, before: pd.DataFrame, edited: pd.DataFrame
) -> None:
    plan = _plan_for(edited, before)
    assert plan.counts == {"send": 2, "invalid": 0, "skipped": 4}
    preview = PlanPreview(plan, transport=transport)

    # The preview shows both diffs, before -> after, and escapes the markup in the title.
    assert preview.changes.label.value == "rows 1-2 of 2"
    table = preview.changes.table.value
    old_title = before["title"].iloc[1]
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Board review" in table
    assert "<script>" not in table and "<script>" not in preview.summary.value
    assert f">{old_title}<" in table
    assert "location.name" in table and "Room 42" in table
    assert before["location.name"].iloc[4] in table
    assert "2 to update" in preview.summary.value
    assert "4 unchanged" in preview.summary.value
    assert preview.apply_button.description == "Apply: update 2 events"
    assert not patches(app), "building the preview sent something"

    preview.apply_button.click()
    _wait(preview)

    sent = patches(app)
    assert sorted(r.event_id for r in sent) == sorted(plan.event_ids.iloc[[1, 4]])
    by_id = {r.event_id: r.body for r in sent}
    assert by_id[plan.event_ids.iloc[1]]["title"] == SCRIPT
    assert by_id[plan.event_ids.iloc[4]]["location"]["name"] == "Room 42"
    assert "title" not in by_id[plan.event_ids.iloc[4]]
    assert plan.results is not None
    assert plan.results["status"].tolist() == [
        "skipped",
        "updated",
        "skipped",
        "skipped",
        "updated",
        "skipped",
    ]
    assert plan.results.index.equals(edited.index)
    assert "2</b> updated" in preview.results_summary.value
    assert "4</b> skipped" in preview.results_summary.value
    assert preview.results.label.value == "rows 1-6 of 6"
    assert preview.retry_button.disabled
    assert preview.apply_button.disabled, "Apply must not send the plan twice"
    assert "Nothing has been sent" not in preview.summary.value
    assert "Applied: see the results below." in preview.summary.value
    # Previewing the applied plan again shows its results and offers no second Apply.
    again = PlanPreview(plan, transport=transport)
    assert again.apply_button.disabled and again.cancel_button.disabled
    assert again.results.label.value == "rows 1-6 of 6"
    again.apply()
    assert again.wait(0) and len(patches(app)) == 2
    stored = app.state.sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, plan.event_ids.iloc[1])
    assert stored["title"] == SCRIPT


def test_apply_runs_as_a_task_on_a_running_loop(
    app: Any, transport: Any, before: pd.DataFrame, edited: pd.DataFrame
) -> None:
    plan = _plan_for(edited, before)

    async def notebook_cell() -> PlanPreview:
        preview = PlanPreview(plan, transport=transport)
        preview.apply_button.click()
        # The click returned at once: the loop (the kernel) is free while the run goes on.
        assert preview.task is not None and not preview.task.done()
        await preview.task
        return preview

    preview = asyncio.run(notebook_cell())
    assert preview.thread is None
    assert len(patches(app)) == 2
    assert plan.results is not None and (plan.results["status"] == "updated").sum() == 2


def test_failures_filter_and_retry_failed(
    app: Any, before: pd.DataFrame, edited: pd.DataFrame
) -> None:
    plan = _plan_for(edited, before)
    flaky = FlakyTransport(app, {str(plan.event_ids.iloc[4])})
    preview = PlanPreview(plan, transport=flaky)
    preview.apply()
    _wait(preview)
    assert plan.results is not None
    assert plan.results["status"].iloc[4] == "failed"
    assert "edited elsewhere" in plan.results["error"].iloc[4]
    assert "<i>" not in preview.results.table.value
    assert preview.retry_button.description == "Retry failed (1)"
    assert not preview.retry_button.disabled

    preview.failures_only.value = True
    assert preview.results.label.value == "rows 1-1 of 1"
    assert "failed" in preview.results.table.value

    preview.retry_button.click()
    _wait(preview)
    assert plan.results["status"].tolist().count("updated") == 2
    assert plan.results["attempts"].iloc[4] == 2
    assert preview.retry_button.disabled
    assert preview.results.label.value == "no rows"  # failures only, and none is left
    assert [r.event_id for r in patches(app)].count(plan.event_ids.iloc[4]) == 1


def test_cancel_before_apply_sends_nothing(
    app: Any, transport: Any, before: pd.DataFrame, edited: pd.DataFrame
) -> None:
    plan = _plan_for(edited, before)
    preview = PlanPreview(plan, transport=transport)
    preview.cancel_button.click()
    assert preview.apply_button.disabled
    assert "Nothing was sent" in preview.status.value
    # click() calls the handler even on a disabled button: the preview itself must refuse.
    preview.apply_button.click()
    preview.apply()
    assert preview.wait(0), "a run started after Cancel"
    assert plan.results is None
    assert not patches(app)


def test_an_error_before_sending_is_shown_and_apply_stays_available() -> None:
    df = pd.DataFrame({"id": ["e1"], "calendar.id": ["c"], "title": ["A"]})
    plan = build_plan(df, integrated_account_id="acc", token=None, base_url="http://<x>")
    plan.token = None  # make sure no environment token is picked up
    preview = PlanPreview(plan)
    preview.apply()
    _wait(preview)
    assert "Not sent: ConfigurationError: no API token" in preview.status.value
    assert plan.results is None
    assert not preview.apply_button.disabled, "the user may fix the cause and apply again"


def test_three_thousand_rows_are_paged_not_cut() -> None:
    n = 3000
    df = pd.DataFrame(
        {"id": [f"e{i}" for i in range(n)], "calendar.id": "c", "title": ["T"] * n}, dtype=object
    )
    df.loc[7, "title"] = NULL  # clearing shows as the empty mark
    preview = PlanPreview(_plan(df))
    pager = preview.changes
    assert pager.label.value == "rows 1-50 of 3,000"
    assert pager.prev.disabled and not pager.next.disabled
    assert pager.table.value.count("<tr>") == 1 + 50 * 2  # header + two fields per row
    pager.next.click()
    assert pager.label.value == "rows 51-100 of 3,000"
    pager.show(10_000)
    assert pager.label.value == "rows 2,951-3,000 of 3,000"
    assert pager.next.disabled
    assert ">e2999<" in pager.table.value
    pager.show(0)
    assert "∅" in pager.table.value
    assert "before (no baseline)" in pager.table.value


def test_invalid_rows_are_listed_with_their_messages() -> None:
    df = pd.DataFrame({"id": ["e1", "<b>"], "calendar.id": ["c", "c"], "status": ["maybe", "?"]})
    preview = PlanPreview(_plan(df))
    assert preview.problems.label.value == "rows 1-2 of 2"
    assert preview.problems.box.layout.display is None
    assert "&lt;b&gt;" in preview.problems.table.value
    assert "<b>" not in preview.problems.table.value
    # The value and what to write instead (the schema library's own wording is not shown).
    assert preview.problems.table.value.count("is not allowed: use &#x27;confirmed&#x27;") == 2
    assert preview.apply_button.disabled


def test_preview_widget_and_plan_preview_return_the_widget(
    before: pd.DataFrame, edited: pd.DataFrame
) -> None:
    plan = _plan_for(edited, before)
    widget = preview_widget(plan)
    assert isinstance(widget.preview, PlanPreview)
    assert type(plan.preview()).__name__ == "VBox"


# --------------------------------------------------------------------------- undo


@pytest.fixture
def applied(
    app: Any, transport: Any, before: pd.DataFrame, edited: pd.DataFrame
) -> Iterator[truto_frame.EventUpdatePlan]:
    plan = _plan_for(edited, before)
    plan.apply(transport=transport, progress=False)
    yield plan


def test_undo_restores_the_previous_values(
    app: Any,
    transport: Any,
    before: pd.DataFrame,
    edited: pd.DataFrame,
    applied: truto_frame.EventUpdatePlan,
) -> None:
    undo = applied.undo()
    assert len(undo) == 2
    assert list(undo.payloads.index) == [before.index[1], before.index[4]]
    changes = undo.changes
    assert changes.loc[changes["column"] == "title", "before"].tolist() == [SCRIPT]
    assert changes.loc[changes["column"] == "title", "after"].tolist() == [before["title"].iloc[1]]
    undo.apply(transport=transport, progress=False)
    assert undo.results is not None and (undo.results["status"] == "updated").all()
    sandbox = app.state.sandbox
    for position in (1, 4):
        event = sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, before["id"].iloc[position])
        assert event["title"] == before["title"].iloc[position]
        assert event["location"]["name"] == before["location.name"].iloc[position]
    # An undo can itself be undone, and the redo is applied for real: its bodies equal the
    # first run's, but each run has its own Idempotency-Key nonce, so no cached answer comes back.
    redo = undo.undo()
    assert len(redo) == 2
    redo.apply(transport=transport, progress=False)
    assert redo.results is not None and (redo.results["status"] == "updated").all()
    for position in (1, 4):
        event = sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, before["id"].iloc[position])
        assert event["location"]["name"] == edited["location.name"].iloc[position]
    assert event["title"] == edited["title"].iloc[4]


def test_sending_the_same_body_again_in_a_later_run_is_applied_again(
    app: Any, transport: Any, before: pd.DataFrame
) -> None:
    # X, then Y, then X again: the third run's bodies equal the first's. With a key made of
    # the body alone the server would answer run 3 from its idempotency cache and keep Y.
    event_id = before["id"].iloc[0]

    def run(title: str) -> None:
        columns = ["id", "calendar.id", "start_time", "end_time", "timezone"]
        frame = before.head(1)[columns].assign(title=title)
        frame.attrs = {}  # the same body each run, not a diff against the first read
        plan = frame.truto.update_events(GOOGLECALENDAR_ACCOUNT_ID, token=TOKEN, base_url=BASE)
        # The frame keeps the snapshot of the first read, so runs 2 and 3 see the title
        # changed since then (by run 1, 2) and would end `conflict` (docs/concurrent-edits.md):
        # overwrite on purpose, the bodies stay exactly those of run 1, 2, 1.
        results = plan.apply(transport=transport, progress=False, on_conflict="overwrite")
        assert results["status"].tolist() == ["updated"], results["error"].tolist()

    for title in ("X", "Y", "X"):
        run(title)
    assert app.state.sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, event_id)["title"] == "X"


def test_undo_needs_a_baseline_and_results(before: pd.DataFrame, edited: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="not been applied"):
        _plan_for(edited, before).undo()
    plain = _plan(pd.DataFrame({"id": ["e1"], "calendar.id": ["c"], "title": ["A"]}))
    with pytest.raises(InputError, match="baseline"):
        plain.undo()


def test_plan_changes_frame(before: pd.DataFrame, edited: pd.DataFrame) -> None:
    changes = _plan_for(edited, before).changes
    assert list(changes.columns) == ["row", "id", "column", "before", "after", "zone"]
    assert changes[["row", "column"]].values.tolist() == [
        [before.index[1], "title"],
        [before.index[4], "location.name"],
    ]
    json.dumps(changes["after"].tolist())  # JSON values, ready to show or save


class GateTransport(httpx.AsyncBaseTransport):
    """The sandbox in process; every PATCH waits at a gate the test opens."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            self.entered.set()
            await self.gate.wait()
        return await self.inner.handle_async_request(request)


def test_stop_while_sending_cancels_the_rows_not_sent(app: Any, before: pd.DataFrame) -> None:
    edited = before.copy()
    edited["title"] = [f"Renamed {i}" for i in range(len(edited))]
    plan = edited.truto.update_events(
        token=TOKEN, base_url=BASE, baseline=before, integration="googlecalendar", concurrency=1
    )
    assert plan.counts["send"] == 6

    async def notebook_cell() -> PlanPreview:
        gate = GateTransport(app)
        preview = PlanPreview(plan, transport=gate)
        preview.apply()
        await gate.entered.wait()  # the first PATCH is on the wire
        assert preview.cancel_button.description == "Stop"
        preview.cancel_button.click()
        for _ in range(5):  # let the stop reach the run before the request returns
            await asyncio.sleep(0)
        gate.gate.set()
        assert preview.task is not None
        await preview.task
        return preview

    preview = asyncio.run(notebook_cell())
    assert plan.results is not None
    statuses = plan.results["status"].tolist()
    assert statuses[0] == "updated"  # on the wire when stopped: it finished and kept its result
    assert statuses[1:] == ["cancelled"] * 5
    assert len(patches(app)) == 1
    assert preview.cancel_button.description == "Cancel"
    assert preview.retry_button.description == "Retry failed (5)"
    assert "5</b> cancelled" in preview.results_summary.value


def test_prepare_undo_previews_the_restoring_plan(
    app: Any, transport: Any, before: pd.DataFrame, edited: pd.DataFrame
) -> None:
    preview = PlanPreview(_plan_for(edited, before), transport=transport)
    assert preview.prepare_undo() is None  # nothing applied yet
    preview.apply()
    _wait(preview)
    assert preview.undo_button.layout.display is None and not preview.undo_button.disabled
    preview.undo_button.click()
    undo = preview.undo_preview
    assert undo is not None and preview.undo_button.disabled
    assert undo.changes.label.value == "rows 1-2 of 2"
    assert f">{before['title'].iloc[1]}<" in undo.changes.table.value
    assert len(patches(app)) == 2, "preparing the undo sent something"
    undo.apply_button.click()
    _wait(undo)
    assert len(patches(app)) == 4
    event = app.state.sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, before["id"].iloc[1])
    assert event["title"] == before["title"].iloc[1]


def test_no_undo_without_a_baseline(app: Any, transport: Any, before: pd.DataFrame) -> None:
    df = before.iloc[[0]][["id", "calendar.id", "start_time", "end_time", "timezone"]].copy()
    df["title"] = "Plain"
    df.attrs = {}  # forget the read: a frame typed by hand has nothing to undo to
    plan = df.truto.update_events(
        GOOGLECALENDAR_ACCOUNT_ID, token=TOKEN, base_url=BASE, integration="googlecalendar"
    )
    preview = PlanPreview(plan, transport=transport)
    preview.apply()
    _wait(preview)
    assert plan.results is not None and plan.results["status"].tolist() == ["updated"]
    assert preview.undo_button.layout.display == "none"


def test_summary_shows_what_the_preflight_found_escaped() -> None:
    from truto_frame.api.accounts import AccountCheck
    from truto_frame.planning.check import PlanCheck

    df = pd.DataFrame({"id": ["e1"], "calendar.id": ["c"], "title": ["T"]})
    plan = _plan(df)
    assert "Accounts not checked yet" in summary_html(plan_summary(plan))
    plan.preflight = PlanCheck(
        {"acc": AccountCheck("acc", False, "googlecalendar", "<b>odd</b>", False, "reconnect")},
        stopped={0: "not sent: reconnect"},
        stopped_per_account={"acc": 1},
    )
    html = summary_html(plan_summary(plan))
    assert "Checked with Truto" in html and "1 row not sent: reconnect" in html
    assert "&lt;b&gt;odd&lt;/b&gt;" in html and "<b>odd</b>" not in html
