"""The integration table drives the required-field and cross-field rules."""

from __future__ import annotations

import pytest

from truto_frame.errors import ConfigurationError
from truto_frame.model.integrations import (
    INTEGRATIONS,
    check_update_rules,
    rules_for,
    unsupported_fields,
)

CAL = {"calendar": {"id": "primary"}}
TIMES = {
    "start_time": "2026-12-01T09:00:00Z",
    "end_time": "2026-12-01T10:00:00Z",
    "timezone": "UTC",
}


def fields(problems: list[tuple[str, str]]) -> set[str]:
    return {field for field, _ in problems}


def test_table_covers_the_three_calendar_integrations() -> None:
    assert set(INTEGRATIONS) == {"google", "googlecalendar", "outlookcalendar"}


@pytest.mark.parametrize("name", ["google", "googlecalendar"])
def test_google_family_requires_calendar_and_times(name: str) -> None:
    rules = rules_for(name)
    assert fields(check_update_rules({"title": "x"}, rules)) == {
        "calendar",
        "start_time",
        "end_time",
    }
    assert check_update_rules({"title": "x", **CAL, **TIMES}, rules) == []


def test_outlook_requires_only_calendar() -> None:
    rules = rules_for("outlookcalendar")
    assert fields(check_update_rules({"title": "x"}, rules)) == {"calendar"}
    assert check_update_rules({"title": "x", **CAL}, rules) == []


def test_unknown_integration_requires_what_all_require() -> None:
    rules = rules_for(None)
    assert fields(check_update_rules({"title": "x"}, rules)) == {"calendar"}


def test_start_end_timezone_go_together() -> None:
    rules = rules_for("outlookcalendar")
    only_start = check_update_rules({**CAL, "start_time": "2026-12-01T09:00:00Z"}, rules)
    assert fields(only_start) == {"end_time", "timezone"}
    no_zone = check_update_rules(
        {**CAL, "start_time": "2026-12-01T09:00:00Z", "end_time": "2026-12-01T10:00:00Z"}, rules
    )
    assert fields(no_zone) == {"timezone"}


def test_calendar_needs_an_id() -> None:
    assert fields(check_update_rules({"calendar": {"name": "Team"}}, rules_for(None))) == {
        "calendar.id"
    }


def test_outlook_does_not_support_guest_permissions() -> None:
    assert unsupported_fields(["title", "guests_can_modify"], rules_for("outlookcalendar")) == [
        "guests_can_modify"
    ]
    assert unsupported_fields(["guests_can_modify"], rules_for("googlecalendar")) == []
    assert not rules_for("outlookcalendar").supports_send_notifications


def test_unknown_name_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown integration 'gcal'"):
        rules_for("gcal")


def test_a_baseline_diff_carries_what_any_integration_requires_when_unknown() -> None:
    assert rules_for(None).carried_fields == {"calendar", "start_time", "end_time"}
    assert rules_for("outlookcalendar").carried_fields == {"calendar"}
    assert rules_for("google").carried_fields == rules_for("google").required_fields
