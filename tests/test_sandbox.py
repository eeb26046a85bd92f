"""Tests of the sandbox emulator: in process through httpx.ASGITransport, and over uvicorn."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from conftest import FakeClock

from truto_frame.sandbox import (
    BLOCKED_ACCOUNT_ID,
    GOOGLE_ACCOUNT_ID,
    GOOGLECALENDAR_ACCOUNT_ID,
    NEEDS_REAUTH_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    READ_ONLY_ACCOUNT_ID,
    FaultConfig,
    RateLimit,
    SandboxConfig,
    create_app,
    running_server,
    running_server_process,
)
from truto_frame.sandbox.faults import FaultInjector
from truto_frame.sandbox.seed import seed_events
from truto_frame.sandbox.server import build_arg_parser, config_from_args
from truto_frame.sandbox.store import parse_time

TOKEN = "sandbox-token"
ANCHOR = datetime(2026, 12, 1, tzinfo=timezone.utc)
WIDE = {"start_time": "2026-01-01T00:00:00Z", "end_time": "2028-01-01T00:00:00Z"}


class FakeSleep:
    """Records the delays asked for, without waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_app(**changes: Any) -> Any:
    defaults: dict[str, Any] = {
        "anchor": ANCHOR,
        "clock": FakeClock(1000.0),
        "sleep": FakeSleep(),
        "now": lambda: datetime(2026, 12, 10, 12, tzinfo=timezone.utc),
    }
    defaults.update(changes)
    return create_app(SandboxConfig(**defaults))


def run(
    app: Any, fn: Callable[[httpx.AsyncClient], Awaitable[Any]], token: str | None = TOKEN
) -> Any:
    async def main() -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sandbox", headers=headers
        ) as client:
            return await fn(client)

    return asyncio.run(main())


def call(
    app: Any, method: str, path: str, token: str | None = TOKEN, **kwargs: Any
) -> httpx.Response:
    return run(app, lambda c: c.request(method, path, **kwargs), token)


def event_path(event_id: str) -> str:
    return "/unified/calendar/events/" + quote(event_id, safe="")


def first_event(app: Any, account: str) -> dict[str, Any]:
    sandbox = app.state.sandbox
    event = sandbox.get_event(account, sandbox.event_ids(account)[0])
    assert event is not None
    return event


def google_body(event: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {
        "calendar": {"id": event["calendar"]["id"]},
        "start_time": event["start_time"],
        "end_time": event["end_time"],
        "timezone": event["timezone"],
    }
    body.update(fields)
    return body


def patch(app: Any, account: str, event_id: str, body: Any, **params: Any) -> httpx.Response:
    query = {"integrated_account_id": account, **params}
    return call(app, "PATCH", event_path(event_id), params=query, json=body)


# -- auth and Truto's own errors -------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_auth_refused_with_truto_shape(token: str | None) -> None:
    app = make_app()
    response = call(
        app,
        "GET",
        "/unified/calendar/events",
        token=token,
        params={"integrated_account_id": GOOGLE_ACCOUNT_ID},
    )
    assert response.status_code == 401
    body = response.json()
    assert body["statusCode"] == 401 and body["error"] == "Unauthorized" and body["message"]
    assert "truto_is_remote_error" not in body
    assert "wrong-token" not in response.text


def test_missing_and_unknown_account() -> None:
    app = make_app()
    missing = call(app, "GET", "/unified/calendar/events")
    assert missing.status_code == 400 and missing.json()["error"] == "Bad Request"
    unknown = call(app, "GET", "/unified/calendar/events", params={"integrated_account_id": "x"})
    assert unknown.status_code == 404
    assert unknown.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "Integrated account not found",
    }


def test_blocked_account_is_truto_own_503() -> None:
    app = make_app()
    response = call(
        app, "GET", "/unified/calendar/events", params={"integrated_account_id": BLOCKED_ACCOUNT_ID}
    )
    assert response.status_code == 503
    assert "truto_is_remote_error" not in response.json()


def test_needs_reauth_account_answers_the_providers_401() -> None:
    app = make_app()
    for method in ("GET", "PATCH"):
        kwargs: dict[str, Any] = {"params": {"integrated_account_id": NEEDS_REAUTH_ACCOUNT_ID}}
        if method == "PATCH":
            kwargs["json"] = {"title": "x"}
        response = call(
            app, method, "/unified/calendar/events" + ("/e1" * (method == "PATCH")), **kwargs
        )
        assert response.status_code == 401
        body = response.json()
        assert body["truto_is_remote_error"] is True
        assert body["raw_response"]["error"]["errors"][0]["reason"] == "authError"


def test_read_only_account_refuses_writes_but_reads() -> None:
    app = make_app()
    event = first_event(app, READ_ONLY_ACCOUNT_ID)
    response = patch(app, READ_ONLY_ACCOUNT_ID, event["id"], google_body(event, title="x"))
    assert response.status_code == 405
    assert app.state.sandbox.get_event(READ_ONLY_ACCOUNT_ID, event["id"])["title"] != "x"
    listed = call(
        app,
        "GET",
        "/unified/calendar/events",
        params={"integrated_account_id": READ_ONLY_ACCOUNT_ID, **WIDE},
    )
    assert listed.status_code == 200 and listed.json()["result"]


def test_integrated_account_route() -> None:
    app = make_app()
    body = call(app, "GET", f"/integrated-account/{OUTLOOK_ACCOUNT_ID}").json()
    assert body["integration_name"] == "outlookcalendar"
    assert body["integration"]["name"] == "outlookcalendar"
    assert body["status"] == "active" and body["is_sandbox"] is False
    # Truto's shape (issue 9): tenant, environment and timestamps too.
    for name in ("id", "tenant_id", "environment_id", "created_at", "updated_at"):
        assert isinstance(body[name], str) and body[name]
    # needs_reauth is the account whose provider refuses its credentials (issue 9); the blocked
    # account (Truto's own 503) keeps an active record.
    reauth = call(app, "GET", f"/integrated-account/{NEEDS_REAUTH_ACCOUNT_ID}").json()
    assert reauth["status"] == "needs_reauth"
    assert call(app, "GET", f"/integrated-account/{READ_ONLY_ACCOUNT_ID}").json()["is_sandbox"]
    assert call(app, "GET", "/integrated-account/nope").status_code == 404
    assert (
        call(app, "GET", f"/integrated-account/{OUTLOOK_ACCOUNT_ID}", token=None).status_code == 401
    )


def test_unknown_route_has_truto_shape() -> None:
    response = call(make_app(), "GET", "/unified/nothing")
    assert response.status_code == 404
    assert response.json()["statusCode"] == 404


# -- PATCH semantics -------------------------------------------------------------------------


def test_patch_sets_field_and_returns_unified_event_with_remote_data() -> None:
    app = make_app()
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    response = patch(app, GOOGLE_ACCOUNT_ID, event["id"], google_body(event, title="Moved"))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == event["id"] and body["title"] == "Moved"
    assert body["description"] == event["description"]  # untouched fields stay
    assert body["remote_data"]["kind"] == "calendar#event"
    assert body["remote_data"]["summary"] == "Moved"
    assert app.state.sandbox.get_event(GOOGLE_ACCOUNT_ID, event["id"])["title"] == "Moved"
    assert app.state.sandbox.counts(GOOGLE_ACCOUNT_ID)["updated"] == 1


def test_patch_null_clears_and_lists_and_objects_are_replaced_whole() -> None:
    app = make_app()
    account = OUTLOOK_ACCOUNT_ID
    sandbox = app.state.sandbox
    event = next(
        e
        for i in sandbox.event_ids(account)
        if len((e := sandbox.get_event(account, i))["attendees"]) >= 3
        and (e["location"] or {}).get("address")
    )
    attendee = {"person": {"name": "Zoe", "emails": [{"email": "zoe@example.com"}]}}
    body = {
        "calendar": event["calendar"],
        "description": None,
        "attendees": [attendee],
        "location": {"name": "Room B"},
    }
    response = patch(app, account, event["id"], body)
    assert response.status_code == 200, response.text
    stored = sandbox.get_event(account, event["id"])
    assert stored["description"] is None
    assert stored["attendees"] == [attendee]
    assert stored["location"] == {"name": "Room B"}  # the address went with the old object
    assert response.json()["remote_data"]["@odata.etag"].startswith('W/"')


def test_outlook_ids_with_slash_plus_equals_are_one_segment() -> None:
    app = make_app()
    sandbox = app.state.sandbox
    event_id = next(i for i in sandbox.event_ids(OUTLOOK_ACCOUNT_ID) if "/" in i and "+" in i)
    assert event_id.startswith("AAMkAD") and event_id.endswith("=")
    event = sandbox.get_event(OUTLOOK_ACCOUNT_ID, event_id)
    response = patch(
        app, OUTLOOK_ACCOUNT_ID, event_id, {"calendar": event["calendar"], "title": "T"}
    )
    assert response.status_code == 200 and response.json()["id"] == event_id
    assert sandbox.requests[-1].event_id == event_id
    # An unencoded "/" makes two segments: the route does not match such an id.
    raw = call(
        app,
        "PATCH",
        "/unified/calendar/events/" + event_id,
        params={"integrated_account_id": OUTLOOK_ACCOUNT_ID},
        json={"title": "T"},
    )
    assert raw.status_code == 404 and "truto_is_remote_error" not in raw.json()
    assert sandbox.requests[-1].status == 404 and sandbox.requests[-1].event_id is None


def test_google_instance_ids_with_timestamp_suffix() -> None:
    app = make_app()
    sandbox = app.state.sandbox
    instance_id = next(i for i in sandbox.event_ids(GOOGLE_ACCOUNT_ID) if "_2026" in i)
    event = sandbox.get_event(GOOGLE_ACCOUNT_ID, instance_id)
    assert event["parent_event"]["id"] == instance_id.split("_")[0]
    response = patch(app, GOOGLE_ACCOUNT_ID, instance_id, google_body(event, title="Moved sync"))
    assert response.status_code == 200
    assert response.json()["remote_data"]["recurringEventId"] == instance_id.split("_")[0]


def test_missing_required_fields_insight_per_integration() -> None:
    app = make_app()
    google = first_event(app, GOOGLE_ACCOUNT_ID)
    response = patch(app, GOOGLE_ACCOUNT_ID, google["id"], {"title": "x"})
    assert response.status_code == 400
    body = response.json()
    # Truto's documented shape (issue 9): {kind: {description, value}}.
    insight = body["truto_error_insight"]["missing_required_body_fields"]
    assert insight["value"] == ["calendar", "end_time", "start_time"]
    assert insight["description"]
    outlook = first_event(app, OUTLOOK_ACCOUNT_ID)
    response = patch(app, OUTLOOK_ACCOUNT_ID, outlook["id"], {"title": "x"})
    insight = response.json()["truto_error_insight"]["missing_required_body_fields"]
    assert insight["value"] == ["calendar"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"attendees": [{"person": {"emails": [{"email": "nope"}]}}]},
            "attendees[0].person.emails[0].email",
        ),
        ({"colour": "red"}, "colour"),
        ({"status": "maybe"}, "status"),
        ({"timezone": None}, "timezone"),
    ],
)
def test_invalid_body_is_400_and_changes_nothing(fields: dict[str, Any], field: str) -> None:
    app = make_app()
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    response = patch(app, GOOGLE_ACCOUNT_ID, event["id"], google_body(event, **fields))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request" and "truto_is_remote_error" not in body
    invalid = body["truto_error_insight"]["invalid_body_fields"]["value"]
    assert field in [f["field"] for f in invalid]
    assert app.state.sandbox.get_event(GOOGLE_ACCOUNT_ID, event["id"]) == event


def test_non_json_body_is_400() -> None:
    app = make_app()
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    response = call(
        app,
        "PATCH",
        event_path(event["id"]),
        params={"integrated_account_id": GOOGLE_ACCOUNT_ID},
        content=b"{not json",
    )
    assert response.status_code == 400


def test_unknown_event_is_provider_404_with_raw_response() -> None:
    app = make_app()
    google = first_event(app, GOOGLE_ACCOUNT_ID)
    response = patch(app, GOOGLE_ACCOUNT_ID, "doesnotexist", google_body(google))
    assert response.status_code == 404
    body = response.json()
    assert body["truto_is_remote_error"] is True
    assert body["raw_response"]["error"]["errors"][0]["reason"] == "notFound"
    assert response.headers["server"] == "ESF"  # the provider's headers are forwarded
    assert response.headers["ratelimit-limit"] == "50;w=10"
    outlook = first_event(app, OUTLOOK_ACCOUNT_ID)
    response = patch(app, OUTLOOK_ACCOUNT_ID, "AAMkADnope=", {"calendar": outlook["calendar"]})
    assert response.json()["raw_response"]["error"]["code"] == "ErrorItemNotFound"
    assert "request-id" in response.headers


def test_event_in_another_calendar_is_404_and_primary_alias_works() -> None:
    app = make_app()
    event = first_event(app, GOOGLECALENDAR_ACCOUNT_ID)
    other = google_body(event, calendar={"id": "someone-else@example.com"})
    assert patch(app, GOOGLECALENDAR_ACCOUNT_ID, event["id"], other).status_code == 404
    sandbox = app.state.sandbox
    primary = next(
        e
        for i in sandbox.event_ids(GOOGLECALENDAR_ACCOUNT_ID)
        if (e := sandbox.get_event(GOOGLECALENDAR_ACCOUNT_ID, i))["calendar"]["id"]
        == "priya@globex-demo.io"
    )
    body = google_body(primary, calendar={"id": "primary"}, title="P")
    assert patch(app, GOOGLECALENDAR_ACCOUNT_ID, primary["id"], body).status_code == 200


def test_times_are_stored_in_the_event_time_zone_and_must_be_ordered() -> None:
    app = make_app()
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    body = google_body(
        event,
        start_time="2026-12-01T09:00:00Z",
        end_time="2026-12-01T11:30:00",  # naive: read in the given time zone
        timezone="Europe/Berlin",
    )
    response = patch(app, GOOGLE_ACCOUNT_ID, event["id"], body)
    assert response.status_code == 200
    assert response.json()["start_time"] == "2026-12-01T10:00:00+01:00"
    assert response.json()["end_time"] == "2026-12-01T11:30:00+01:00"
    reversed_body = google_body(
        event,
        start_time="2026-12-01T11:00:00+01:00",
        end_time="2026-12-01T10:00:00+01:00",
        timezone="Europe/Berlin",
    )
    response = patch(app, GOOGLE_ACCOUNT_ID, event["id"], reversed_body)
    assert response.status_code == 400 and response.json()["truto_is_remote_error"] is True


def test_guest_fields_are_ignored_on_outlook() -> None:
    app = make_app()
    event = first_event(app, OUTLOOK_ACCOUNT_ID)
    body = {"calendar": event["calendar"], "guests_can_modify": True}
    response = patch(app, OUTLOOK_ACCOUNT_ID, event["id"], body)
    assert response.status_code == 200
    assert "guests_can_modify" not in app.state.sandbox.get_event(OUTLOOK_ACCOUNT_ID, event["id"])


# -- query options and formats ---------------------------------------------------------------


def test_response_formats() -> None:
    app = make_app()
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    body = google_body(event, title="F")
    unified = patch(app, GOOGLE_ACCOUNT_ID, event["id"], body).json()
    raw = patch(app, GOOGLE_ACCOUNT_ID, event["id"], body, truto_response_format="raw").json()
    assert raw["kind"] == "calendar#event" and raw["summary"] == "F" and "title" not in raw
    normalized = patch(
        app, GOOGLE_ACCOUNT_ID, event["id"], body, truto_response_format="normalized"
    ).json()
    assert set(normalized) == set(unified)
    streamed = patch(app, GOOGLE_ACCOUNT_ID, event["id"], body, truto_response_format="stream")
    assert streamed.status_code == 200 and streamed.json()["title"] == "F"
    bad = patch(app, GOOGLE_ACCOUNT_ID, event["id"], body, truto_response_format="xml")
    assert bad.status_code == 400


def test_ignore_remote_data_and_exclude_fields() -> None:
    app = make_app()
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    params = {
        "integrated_account_id": GOOGLE_ACCOUNT_ID,
        "truto_ignore_remote_data": "true",
        "truto_exclude_fields[]": ["description", "location.address"],
    }
    response = call(
        app, "PATCH", event_path(event["id"]), params=params, json=google_body(event, title="E")
    )
    body = response.json()
    assert "remote_data" not in body and "description" not in body
    assert body["title"] == "E"
    if body.get("location"):
        assert "address" not in body["location"]
    # Excluded from the answer only, not from the store.
    assert app.state.sandbox.get_event(GOOGLE_ACCOUNT_ID, event["id"])["description"]


def test_request_is_recorded_with_remote_query_and_without_token() -> None:
    app = make_app()
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    params = [
        ("integrated_account_id", GOOGLE_ACCOUNT_ID),
        ("send_notifications", "none"),
        ("remote_query[sendUpdates]", "none"),
        ("truto_exclude_fields[]", "a"),
        ("truto_exclude_fields[]", "b"),
    ]
    response = call(
        app,
        "PATCH",
        event_path(event["id"]),
        params=params,
        json=google_body(event, title="R"),
        headers={"Idempotency-Key": "k1"},
    )
    assert response.status_code == 200
    record = app.state.sandbox.requests[-1]
    assert record.method == "PATCH" and record.event_id == event["id"]
    assert record.query_value("send_notifications") == "none"
    assert record.query_values("truto_exclude_fields[]") == ["a", "b"]
    assert record.remote_query == {"sendUpdates": "none"}
    assert record.body["title"] == "R" and record.idempotency_key == "k1"
    assert record.status == 200 and "authorization" not in record.headers
    assert TOKEN not in repr(record) and TOKEN not in repr(app.state.sandbox.config)


def test_bad_send_notifications_is_400() -> None:
    app = make_app()
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    response = patch(
        app, GOOGLE_ACCOUNT_ID, event["id"], google_body(event), send_notifications="loud"
    )
    assert response.status_code == 400


# -- reads ------------------------------------------------------------------------------------


def test_get_one_event_needs_calendar_id() -> None:
    app = make_app()
    event = first_event(app, OUTLOOK_ACCOUNT_ID)
    query = {"integrated_account_id": OUTLOOK_ACCOUNT_ID}
    missing = call(app, "GET", event_path(event["id"]), params=query)
    assert missing.status_code == 400
    insight = missing.json()["truto_error_insight"]["missing_required_query_parameters"]
    assert insight["value"] == ["calendar.id"] and insight["description"]
    found = call(
        app,
        "GET",
        event_path(event["id"]),
        params={**query, "calendar[id]": event["calendar"]["id"]},
    )
    assert found.status_code == 200 and found.json()["id"] == event["id"]
    assert "@odata.etag" in found.json()["remote_data"]


def list_all(app: Any, account: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"integrated_account_id": account, **params}
    pages = 0
    while True:
        response = call(app, "GET", "/unified/calendar/events", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        items += page["result"]
        if page["next_cursor"] is None:
            return items, pages
        query = {"integrated_account_id": account, "next_cursor": page["next_cursor"], **params}


def test_list_paginates_without_gaps_or_duplicates() -> None:
    app = make_app(events_per_account=40)
    items, pages = list_all(app, GOOGLE_ACCOUNT_ID, limit=7, **WIDE)
    ids = [e["id"] for e in items]
    assert len(ids) == len(set(ids)) == 40
    assert pages == 6
    # An all-day event's date starts at midnight in its own zone.
    starts = [parse_time(e["start_time"], e["timezone"]) for e in items]
    assert starts == sorted(starts)


def test_list_window_default_month_and_calendar_filter() -> None:
    app = make_app()  # "now" is 2026-12-10: the default window is December 2026
    items, _ = list_all(app, GOOGLE_ACCOUNT_ID)
    assert items
    for item in items:
        start = parse_time(item["start_time"], item["timezone"])
        end = parse_time(item["end_time"], item["timezone"])
        assert end > datetime(2026, 12, 1, tzinfo=timezone.utc)
        assert start < datetime(2027, 1, 1, tzinfo=timezone.utc)
    everything, _ = list_all(app, GOOGLE_ACCOUNT_ID, **WIDE)
    assert len(everything) > len(items)
    calendar_id = everything[0]["calendar"]["id"]
    filtered, _ = list_all(app, GOOGLE_ACCOUNT_ID, calendar_id=calendar_id, **WIDE)
    assert filtered and {e["calendar"]["id"] for e in filtered} == {calendar_id}
    assert len(filtered) < len(everything)
    by_object, _ = list_all(app, GOOGLE_ACCOUNT_ID, **{"calendar[id]": calendar_id}, **WIDE)
    assert by_object == filtered  # Truto's documented spelling, calendar[id]


def test_list_rejects_bad_cursor_and_limit() -> None:
    app = make_app()
    query = {"integrated_account_id": GOOGLE_ACCOUNT_ID}
    assert (
        call(
            app, "GET", "/unified/calendar/events", params={**query, "next_cursor": "@@"}
        ).status_code
        == 400
    )
    assert (
        call(app, "GET", "/unified/calendar/events", params={**query, "limit": "0"}).status_code
        == 400
    )


def test_list_raw_format_is_provider_list() -> None:
    app = make_app()
    query = {"integrated_account_id": OUTLOOK_ACCOUNT_ID, "truto_response_format": "raw", **WIDE}
    body = call(app, "GET", "/unified/calendar/events", params=query).json()
    assert "value" in body and body["value"][0]["@odata.etag"]


# -- rate limits ------------------------------------------------------------------------------


def test_rate_limit_headers_429_and_window_reset() -> None:
    clock = FakeClock(1000.0)
    app = make_app(clock=clock, account_limit=RateLimit(3, 10), token_limit=None)
    query = {"integrated_account_id": GOOGLE_ACCOUNT_ID}
    seen = []
    for _ in range(3):
        response = call(app, "GET", "/unified/calendar/events", params=query)
        assert response.status_code == 200
        seen.append(response.headers["ratelimit-remaining"])
        clock.now += 1.5
    assert seen == ["2", "1", "0"]
    assert response.headers["ratelimit-limit"] == "3;w=10"
    refused = call(app, "GET", "/unified/calendar/events", params=query)
    assert refused.status_code == 429
    assert refused.json()["statusCode"] == 429
    assert refused.headers["retry-after"] == "6"  # 10 - 4.5 seconds, rounded up
    assert refused.headers["ratelimit-reset"] == "6"
    # Another account has its own budget.
    other = call(
        app, "GET", "/unified/calendar/events", params={"integrated_account_id": OUTLOOK_ACCOUNT_ID}
    )
    assert other.status_code == 200
    clock.now += 6
    assert call(app, "GET", "/unified/calendar/events", params=query).status_code == 200
    assert app.state.sandbox.counts(GOOGLE_ACCOUNT_ID)["rate_limited"] == 1


def test_token_limit_is_shared_across_accounts_and_429_changes_nothing() -> None:
    app = make_app(account_limit=RateLimit(50, 10), token_limit=RateLimit(2, 10))
    event = first_event(app, OUTLOOK_ACCOUNT_ID)
    call(
        app, "GET", "/unified/calendar/events", params={"integrated_account_id": GOOGLE_ACCOUNT_ID}
    )
    call(
        app,
        "GET",
        "/unified/calendar/events",
        params={"integrated_account_id": GOOGLECALENDAR_ACCOUNT_ID},
    )
    response = patch(
        app, OUTLOOK_ACCOUNT_ID, event["id"], {"calendar": event["calendar"], "title": "no"}
    )
    assert response.status_code == 429 and response.headers["ratelimit-limit"] == "2;w=10"
    assert app.state.sandbox.get_event(OUTLOOK_ACCOUNT_ID, event["id"])["title"] != "no"


def test_rate_limit_parse_and_header() -> None:
    assert RateLimit.parse("10/2") == RateLimit(10, 2.0)
    assert RateLimit(10, 2.0).header() == "10;w=2"
    with pytest.raises(ValueError, match="LIMIT/SECONDS"):
        RateLimit.parse("ten")


# -- faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["error_500", "error_502", "error_504", "remote_503", "remote_429"]
)
def test_error_faults_change_nothing(kind: str) -> None:
    app = make_app()
    sandbox = app.state.sandbox
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    sandbox.script_faults([kind])
    response = patch(app, GOOGLE_ACCOUNT_ID, event["id"], google_body(event, title="faulty"))
    status = int(kind[-3:])
    assert response.status_code == status
    body = response.json()
    assert body["statusCode"] == status
    assert body.get("truto_is_remote_error", False) is kind.startswith("remote_")
    if kind == "remote_429":  # Google sends no Retry-After (issue 9); Graph's is below
        assert "retry-after" not in response.headers
    assert sandbox.get_event(GOOGLE_ACCOUNT_ID, event["id"])["title"] != "faulty"
    assert sandbox.requests[-1].fault == kind
    # The next request is not faulted.
    assert (
        patch(app, GOOGLE_ACCOUNT_ID, event["id"], google_body(event, title="ok")).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("account", "status", "reason"),
    [(GOOGLE_ACCOUNT_ID, 403, "rateLimitExceeded"), (OUTLOOK_ACCOUNT_ID, 429, None)],
)
def test_provider_rate_limit_fault_speaks_each_providers_language(
    account: str, status: int, reason: str | None
) -> None:
    app = make_app()
    sandbox = app.state.sandbox
    event = first_event(app, account)
    sandbox.script_faults(["remote_403_rate_limit"])
    outlook = {"calendar": event["calendar"], "title": "x"}
    body = google_body(event, title="x") if status == 403 else outlook
    response = patch(app, account, event["id"], body)
    assert response.status_code == status
    answer = response.json()
    assert answer["truto_is_remote_error"] is True
    if reason is not None:  # Google: the reason inside raw_response, no Retry-After
        assert answer["raw_response"]["error"]["errors"][0]["reason"] == reason
        assert "retry-after" not in response.headers
    else:  # Graph: a 429 with Retry-After
        assert response.headers["retry-after"] == "1"
    assert sandbox.get_event(account, event["id"])["title"] != "x"


def test_drop_before_is_a_transport_error_and_stores_nothing() -> None:
    app = make_app()
    sandbox = app.state.sandbox
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    sandbox.script_faults(["drop"])
    with pytest.raises(httpx.TransportError):
        patch(app, GOOGLE_ACCOUNT_ID, event["id"], google_body(event, title="dropped"))
    assert sandbox.get_event(GOOGLE_ACCOUNT_ID, event["id"])["title"] != "dropped"
    assert sandbox.requests[-1].status is None


def test_drop_after_stores_and_idempotency_key_replays_without_reapplying() -> None:
    app = make_app()
    sandbox = app.state.sandbox
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    body = google_body(event, title="once")
    query = {"integrated_account_id": GOOGLE_ACCOUNT_ID}
    headers = {"Idempotency-Key": "evt-1-v1"}
    sandbox.script_faults(["drop_after"])
    with pytest.raises(httpx.RemoteProtocolError):
        call(app, "PATCH", event_path(event["id"]), params=query, json=body, headers=headers)
    assert sandbox.get_event(GOOGLE_ACCOUNT_ID, event["id"])["title"] == "once"
    retry = call(app, "PATCH", event_path(event["id"]), params=query, json=body, headers=headers)
    assert retry.status_code == 200 and retry.json()["title"] == "once"
    assert retry.headers["idempotent-replayed"] == "true"
    again = call(app, "PATCH", event_path(event["id"]), params=query, json=body, headers=headers)
    assert again.json() == retry.json()
    assert sandbox.counts(GOOGLE_ACCOUNT_ID)["updated"] == 1
    assert sandbox.counts(GOOGLE_ACCOUNT_ID)["replayed"] == 2
    other = call(
        app,
        "PATCH",
        event_path(event["id"]),
        params=query,
        json=google_body(event, title="twice"),
        headers=headers,
    )
    assert other.status_code == 422
    assert sandbox.get_event(GOOGLE_ACCOUNT_ID, event["id"])["title"] == "once"


def test_idempotency_keys_expire() -> None:
    clock = FakeClock(1000.0)
    app = make_app(clock=clock, idempotency_ttl=60.0)
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    query = {"integrated_account_id": GOOGLE_ACCOUNT_ID}
    headers = {"Idempotency-Key": "k"}
    path = event_path(event["id"])
    call(app, "PATCH", path, params=query, json=google_body(event, title="A"), headers=headers)
    clock.now += 61
    response = call(
        app, "PATCH", path, params=query, json=google_body(event, title="B"), headers=headers
    )
    assert response.status_code == 200 and response.json()["title"] == "B"
    assert "idempotent-replayed" not in response.headers


def test_latency_is_awaited_with_seeded_jitter() -> None:
    sleep = FakeSleep()
    app = make_app(sleep=sleep, faults=FaultConfig(latency=0.2, latency_jitter=0.1, seed=7))
    for _ in range(3):
        call(
            app,
            "GET",
            "/unified/calendar/events",
            params={"integrated_account_id": GOOGLE_ACCOUNT_ID},
        )
    assert len(sleep.delays) == 3
    assert all(0.2 <= d < 0.3 for d in sleep.delays)
    assert len(set(sleep.delays)) == 3
    again = FakeSleep()
    app = make_app(sleep=again, faults=FaultConfig(latency=0.2, latency_jitter=0.1, seed=7))
    for _ in range(3):
        call(
            app,
            "GET",
            "/unified/calendar/events",
            params={"integrated_account_id": GOOGLE_ACCOUNT_ID},
        )
    assert again.delays == sleep.delays


def test_latency_overlaps_for_concurrent_requests() -> None:
    # Every request must be inside its latency wait at the same time: the gate opens only
    # when all of them arrived, so serialized handling would time out instead.
    count = 8
    entered = 0

    async def main() -> list[int]:
        gate = asyncio.Event()

        async def sleep(seconds: float) -> None:
            nonlocal entered
            entered += 1
            if entered == count:
                gate.set()
            await gate.wait()

        app = make_app(sleep=sleep, faults=FaultConfig(latency=1.0))
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://s", headers=headers
        ) as c:
            query = {"integrated_account_id": GOOGLE_ACCOUNT_ID}
            calls = [c.get("/unified/calendar/events", params=query) for _ in range(count)]
            responses = await asyncio.wait_for(asyncio.gather(*calls), timeout=10)
        return [r.status_code for r in responses]

    assert asyncio.run(main()) == [200] * count


def statuses_with(seed: int, paths: list[str]) -> dict[str, list[int]]:
    app = make_app(
        faults=FaultConfig(error_rate=0.4, seed=seed), account_limit=None, token_limit=None
    )
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    outcome: dict[str, list[int]] = {}
    for path in paths:
        response = call(
            app,
            "GET",
            path,
            params={
                "integrated_account_id": GOOGLE_ACCOUNT_ID,
                "calendar[id]": event["calendar"]["id"],
            },
        )
        outcome.setdefault(path, []).append(response.status_code)
    return outcome


def test_faults_repeat_with_a_seed_whatever_the_order() -> None:
    ids = ["a", "b", "c", "d", "e", "f"]
    paths = [event_path(i) for i in ids for _ in range(4)]
    first = statuses_with(11, paths)
    assert first == statuses_with(11, list(reversed(paths)))  # per path, order does not matter
    codes = {c for cs in first.values() for c in cs}
    assert codes & {500, 502, 504} and 404 in codes  # faults happened, and so did real answers
    assert first != statuses_with(12, paths)


def test_fault_config_and_script_validation() -> None:
    with pytest.raises(ValueError, match="add up"):
        FaultConfig(error_rate=0.7, drop_rate=0.5)
    with pytest.raises(ValueError, match="unknown fault"):
        FaultInjector().script(["explode"])


def test_set_faults_at_runtime_and_reset() -> None:
    app = make_app()
    sandbox = app.state.sandbox
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    sandbox.set_faults(error_rate=1.0)
    assert patch(app, GOOGLE_ACCOUNT_ID, event["id"], google_body(event)).status_code in {
        500,
        502,
        504,
    }
    sandbox.set_faults(error_rate=0.0)
    assert (
        patch(app, GOOGLE_ACCOUNT_ID, event["id"], google_body(event, title="Z")).status_code == 200
    )
    sandbox.reset()
    assert sandbox.get_event(GOOGLE_ACCOUNT_ID, event["id"]) == event
    assert sandbox.requests == [] and sandbox.counts(GOOGLE_ACCOUNT_ID)["requests"] == 0


def test_admin_routes() -> None:
    app = make_app()
    response = call(app, "POST", "/_sandbox/faults", json={"script": ["error_502"], "latency": 0.0})
    assert response.status_code == 200
    query = {"integrated_account_id": GOOGLE_ACCOUNT_ID}
    assert call(app, "GET", "/unified/calendar/events", params=query).status_code == 502
    stats = call(app, "GET", "/_sandbox/stats").json()
    assert stats["accounts"][GOOGLE_ACCOUNT_ID]["faults"] == 1
    assert call(app, "POST", "/_sandbox/faults", json={"nope": 1}).status_code == 400
    assert call(app, "POST", "/_sandbox/reset").json() == {"ok": True}
    assert call(app, "GET", "/_sandbox/stats", token=None).status_code == 401


# -- seed -------------------------------------------------------------------------------------


def test_seeded_events_are_realistic_and_deterministic() -> None:
    events = seed_events(GOOGLE_ACCOUNT_ID, "google", seed=3, anchor=ANCHOR)
    assert events == seed_events(GOOGLE_ACCOUNT_ID, "google", seed=3, anchor=ANCHOR)
    assert events != seed_events(GOOGLE_ACCOUNT_ID, "google", seed=4, anchor=ANCHOR)
    assert len(events) == 30
    assert len({e["id"] for e in events}) == 30
    assert any(r.startswith("RRULE:") for e in events for r in e["recurrence"] or [])
    assert any(e["is_all_day"] for e in events)
    assert len({e["timezone"] for e in events}) >= 3
    assert any((e["location"] or {}).get("address") for e in events)
    for event in events:
        start = datetime.fromisoformat(event["start_time"])
        if event["is_all_day"]:  # a date, as Google's start.date: no time of day, no offset
            assert len(event["start_time"]) == len(event["end_time"]) == 10
        else:
            assert start.utcoffset() is not None
        for attendee in event["attendees"]:
            assert "@" in attendee["person"]["emails"][0]["email"]


# -- CLI options and real HTTP ----------------------------------------------------------------


def test_arg_parser_builds_config() -> None:
    args = build_arg_parser().parse_args(
        [
            "--port",
            "9",
            "--latency",
            "0.2",
            "--account-limit",
            "10/2",
            "--token-limit",
            "none",
            "--error-rate",
            "0.1",
            "--seed",
            "5",
        ]
    )
    config = config_from_args(args)
    assert config.account_limit == RateLimit(10, 2)
    assert config.token_limit is None
    assert config.faults == FaultConfig(error_rate=0.1, latency=0.2, seed=5)


def test_over_real_http_with_uvicorn() -> None:
    app = make_app()
    sandbox = app.state.sandbox
    event_id = next(i for i in sandbox.event_ids(OUTLOOK_ACCOUNT_ID) if "/" in i)
    event = sandbox.get_event(OUTLOOK_ACCOUNT_ID, event_id)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    query = {"integrated_account_id": OUTLOOK_ACCOUNT_ID}
    body = {"calendar": event["calendar"], "title": "over HTTP"}
    with (
        running_server(app=app) as base_url,
        httpx.Client(base_url=base_url, headers=headers) as client,
    ):
        assert base_url.startswith("http://127.0.0.1:")
        response = client.patch(event_path(event_id), params=query, json=body)
        assert response.status_code == 200, response.text
        assert response.json()["title"] == "over HTTP"
        assert response.headers["ratelimit-limit"] == "50;w=10"
        sandbox.script_faults(["drop"])
        with pytest.raises(httpx.TransportError):
            client.patch(event_path(event_id), params=query, json={**body, "title": "lost"})
        streamed = client.get(
            "/unified/calendar/events",
            params={**query, "truto_response_format": "stream", **WIDE},
        )
        assert json.loads(streamed.content)["result"]
    assert sandbox.get_event(OUTLOOK_ACCOUNT_ID, event_id)["title"] == "over HTTP"


def test_separate_process_takes_command_line_options() -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    query = {"integrated_account_id": GOOGLE_ACCOUNT_ID}
    with (
        running_server_process(["--account-limit", "2/60", "--token-limit", "none"]) as base_url,
        httpx.Client(base_url=base_url, headers=headers) as client,
    ):
        codes = [client.get("/unified/calendar/events", params=query).status_code for _ in range(3)]
        stats = client.get("/_sandbox/stats").json()
    assert codes == [200, 200, 429]
    assert stats["accounts"][GOOGLE_ACCOUNT_ID]["rate_limited"] == 1


def test_nested_remote_query_is_read_as_objects_and_lists() -> None:
    app = make_app()
    event = first_event(app, GOOGLE_ACCOUNT_ID)
    query = {
        "remote_query[a][b]": "1",
        "remote_query[ids][]": ["x", "y"],
        "remote_query[q]": "z",
        "remote_query_not_ours": "n",
    }
    patch(app, GOOGLE_ACCOUNT_ID, event["id"], google_body(event, title="q"), **query)
    recorded = app.state.sandbox.requests[-1]
    assert recorded.remote_query == {"a": {"b": "1"}, "ids": ["x", "y"], "q": "z"}


def test_graph_rate_limit_says_when_to_come_back() -> None:
    app = make_app()
    event = first_event(app, OUTLOOK_ACCOUNT_ID)
    app.state.sandbox.script_faults(["remote_429"])
    body = {"calendar": event["calendar"], "title": "x"}
    response = patch(app, OUTLOOK_ACCOUNT_ID, event["id"], body)
    assert response.status_code == 429 and response.headers["retry-after"] == "1"
    assert response.headers["request-id"]  # Graph's headers, forwarded by Truto
