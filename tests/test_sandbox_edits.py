"""The sandbox's concurrent-edit surface: events changed behind the client's back."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote

from test_sandbox import call, first_event, google_body, make_app, patch

from truto_frame.sandbox import GOOGLE_ACCOUNT_ID, OUTLOOK_ACCOUNT_ID


def test_updated_at_moves_on_every_write_even_within_one_second() -> None:
    app = make_app()  # a clock that never moves
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    stamps = [event["updated_at"]]
    for title in ("A", "B"):
        answer = patch(app, GOOGLE_ACCOUNT_ID, event["id"], google_body(event, title=title))
        assert answer.is_success
        stamps.append(app.state.sandbox.get_event(GOOGLE_ACCOUNT_ID, event["id"])["updated_at"])
    assert stamps[1] == "2026-12-10T12:00:00+00:00"
    assert stamps[2] == "2026-12-10T12:00:01+00:00"
    assert len(set(stamps)) == 3


def test_edit_event_changes_an_event_without_a_request() -> None:
    app = make_app()
    sandbox = app.state.sandbox
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    after = sandbox.edit_event(GOOGLE_ACCOUNT_ID, event["id"], {"title": "Moved by Dana"})
    assert after["title"] == "Moved by Dana"
    assert after["start_time"] == event["start_time"]  # no required field, nothing else moved
    assert after["updated_at"] != event["updated_at"]
    assert sandbox.requests == []  # behind the client's back: not in the request log
    try:
        sandbox.edit_event(GOOGLE_ACCOUNT_ID, "no-such-event", {"title": "x"})
    except KeyError as exc:
        assert "Not Found" in str(exc)
    else:
        raise AssertionError("an unknown event must raise")


def test_admin_endpoint_edits_events_with_slashes_in_their_id() -> None:
    app = make_app(now=lambda: datetime(2026, 12, 10, 12, tzinfo=timezone.utc))
    sandbox = app.state.sandbox
    event_id = next(i for i in sandbox.event_ids(OUTLOOK_ACCOUNT_ID) if "/" in i)
    path = f"/_sandbox/events/{OUTLOOK_ACCOUNT_ID}/{quote(event_id, safe='')}"
    answer = call(app, "POST", path, json={"description": "edited in Outlook"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["description"] == "edited in Outlook"
    assert sandbox.get_event(OUTLOOK_ACCOUNT_ID, event_id)["description"] == "edited in Outlook"
    refused = call(app, "POST", path, json={"status": "not-a-status"})
    assert refused.status_code == 400 and refused.json()["statusCode"] == 400
    assert call(app, "POST", path, token="wrong", json={}).status_code == 401
