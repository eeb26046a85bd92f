"""The main job end to end over real HTTP: DataFrame rows -> PATCHes -> results frame.

The sandbox runs under uvicorn on 127.0.0.1; the plan sends through a real TCP connection.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import truto_frame
from truto_frame.sandbox import OUTLOOK_ACCOUNT_ID, SandboxConfig, create_app, running_server

TOKEN = "sandbox-token"


@pytest.fixture
def sandbox_url():  # type: ignore[no-untyped-def]
    app = create_app(SandboxConfig(seed=7))
    with running_server(app=app) as url:
        yield app.state.sandbox, url


def test_main_job_over_http(sandbox_url) -> None:  # type: ignore[no-untyped-def]
    sandbox, url = sandbox_url
    ids = sandbox.event_ids(OUTLOOK_ACCOUNT_ID)[:4]
    calendars = [sandbox.get_event(OUTLOOK_ACCOUNT_ID, i)["calendar"]["id"] for i in ids]
    calendar = calendars[0]
    missing_id = "AAMkAD/does+not=exist"
    df = pd.DataFrame(
        {
            "id": [ids[0], ids[1], ids[2], ids[3], missing_id, "AAMkAD-invalid"],
            "calendar.id": [*calendars, calendar, calendar],
            "title": ["Board review", np.nan, "Retro", np.nan, "Ghost", "Never sent"],
            "description": [np.nan, truto_frame.NULL, np.nan, "<NULL>", np.nan, np.nan],
            "location.address.city": ["Lisbon", np.nan, np.nan, np.nan, np.nan, np.nan],
            "attendees[0].person.emails[0].email": ["ana@example.com"] + [np.nan] * 5,
            "attendees": [
                np.nan,
                np.nan,
                json.dumps(
                    [{"person": {"emails": [{"email": "bo@example.com"}]}, "is_optional": True}]
                ),
                np.nan,
                np.nan,
                np.nan,
            ],
            "status": ["confirmed", np.nan, np.nan, np.nan, np.nan, "postponed"],
            "notes": ["helper column"] * 6,
        },
        index=pd.Index([40, 7, 13, 2, 99, 5], name="row"),
    )
    before_untouched = sandbox.get_event(OUTLOOK_ACCOUNT_ID, ids[1])

    plan = df.truto.update_events(
        integrated_account_id=OUTLOOK_ACCOUNT_ID,
        token=TOKEN,
        base_url=url,
        exclude_fields=["remote_data", "attachments"],
        remote_query={"expand": "attendees"},
        ignore_remote_data=True,
        concurrency=4,
    )
    assert sandbox.requests == []  # planning sent nothing
    assert plan.statuses.tolist() == ["send", "send", "send", "send", "send", "invalid"]
    assert [c.column for c in plan.ignored_columns] == ["notes"]

    results = plan.apply(progress=False)

    assert results.index.equals(df.index)
    assert results["status"].tolist() == [
        "updated",
        "updated",
        "updated",
        "updated",
        "failed",
        "invalid",
    ]
    assert results.loc[99, "http_status"] == 404
    assert "404" in results.loc[99, "error"]
    assert pd.isna(results.loc[5, "http_status"]) and results.loc[5, "attempts"] == 0
    assert "status" in results.loc[5, "error"]
    assert plan.results is results

    patches = [r for r in sandbox.requests if r.method == "PATCH"]
    assert sorted(r.event_id for r in patches) == sorted([*ids, missing_id])
    for request in patches:
        assert request.query_value("integrated_account_id") == OUTLOOK_ACCOUNT_ID
        assert request.query_values("truto_exclude_fields[]") == ["remote_data", "attachments"]
        assert request.query_value("remote_query[expand]") == "attendees"
        assert request.query_value("truto_ignore_remote_data") == "true"
        assert "authorization" not in request.headers

    bodies = {r.event_id: r.body for r in patches}
    assert bodies[ids[0]] == {
        "calendar": {"id": calendar},
        "title": "Board review",
        "status": "confirmed",
        "location": {"address": {"city": "Lisbon"}},
        "attendees": [{"person": {"emails": [{"email": "ana@example.com"}]}}],
    }
    assert bodies[ids[1]] == {"calendar": {"id": calendars[1]}, "description": None}
    assert bodies[ids[3]] == {"calendar": {"id": calendars[3]}, "description": None}

    first = sandbox.get_event(OUTLOOK_ACCOUNT_ID, ids[0])
    assert first["title"] == "Board review"
    assert [a["person"]["emails"][0]["email"] for a in first["attendees"]] == ["ana@example.com"]
    second = sandbox.get_event(OUTLOOK_ACCOUNT_ID, ids[1])
    assert second["description"] is None
    assert second["title"] == before_untouched["title"]  # NaN left the title alone
    third = sandbox.get_event(OUTLOOK_ACCOUNT_ID, ids[2])
    assert third["attendees"] == [
        {"person": {"emails": [{"email": "bo@example.com"}]}, "is_optional": True}
    ]
    assert "remote_data" not in results.loc[40, "response"]
