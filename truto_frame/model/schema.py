"""Pydantic models of the Unified Calendar event: the PATCH body and the response.

The request models (:class:`EventUpdate` and its parts) forbid unknown fields and make every
field optional; a field that was never given stays *unset* and is left out of the body by
:func:`payload_from_model`, while a field given as ``None`` is sent as JSON ``null`` (clear).
The response model (:class:`Event`) tolerates fields it does not know, because Truto and the
providers add fields over time.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

from .zones import iana_zone, zone_hint

__all__ = [
    "REQUEST_FIELDS",
    "RESPONSE_ONLY_FIELDS",
    "Attendee",
    "AttendeeResponse",
    "Calendar",
    "Coordinates",
    "Email",
    "Event",
    "EventUpdate",
    "Location",
    "LocationAddress",
    "Person",
    "payload_from_model",
]

EventStatus = Literal["confirmed", "tentative", "cancelled", "draft"]
Availability = Literal["busy", "free"]
Visibility = Literal["calendar_default", "public", "private"]
ResponseStatus = Literal["needs_action", "declined", "tentative", "accepted"]


def _to_iso(value: Any) -> Any:
    # pandas.Timestamp subclasses datetime, so this covers it too.
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


# 12/10/2026, 12.10.26, 12-10-2026 9:00 AM: a day and a month in an order only a locale knows.
_LOCAL_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b")


def _check_iso8601(value: str) -> str:
    text = value.strip()
    try:
        # Python 3.11+ reads "Z" and offsets; 3.10 needs the Z spelled as +00:00.
        datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        local = _LOCAL_DATE.match(text)
        if local:
            first, second, year = local.groups()
            year = year if len(year) == 4 else f"20{year}"
            raise ValueError(
                f"{value!r} is a US/European date ({first}/{second} is month/day in the US, "
                f"day/month in Europe): write ISO 8601, year first, e.g. "
                f"{year}-{int(first):02d}-{int(second):02d}T09:00:00 with a timezone column "
                "(or an offset such as +01:00)"
            ) from None
        raise ValueError(
            f"not an ISO 8601 date-time: {value!r} (expected e.g. 2026-12-01T09:30:00+01:00)"
        ) from None
    return text


IsoDateTime = Annotated[str, BeforeValidator(_to_iso), AfterValidator(_check_iso8601)]


def _iana_timezone(value: Any) -> Any:
    # Windows names ("W. Europe Standard Time", what Outlook users write) become IANA here, so
    # the body always carries the IANA name the unified API takes.
    if not isinstance(value, str):
        return value
    found = iana_zone(value)
    if found is None:
        raise ValueError(zone_hint(value))
    return found


Timezone = Annotated[str, BeforeValidator(_iana_timezone)]

_RECURRENCE_LINE = re.compile(r"^(RRULE|EXRULE|RDATE|EXDATE)[:;]\S", re.IGNORECASE)


def _check_recurrence_line(value: str) -> str:
    if not _RECURRENCE_LINE.match(value):
        raise ValueError(
            f"not an RFC 5545 recurrence line: {value!r} "
            "(expected RRULE:, EXRULE:, RDATE: or EXDATE: followed by its value)"
        )
    return value


RecurrenceLine = Annotated[str, AfterValidator(_check_recurrence_line)]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"not an email address: {value!r}")
    return value


EmailAddress = Annotated[str, AfterValidator(_check_email)]


class _Request(BaseModel):
    # Strings typed in a CSV ("true", "52.5") are coerced by type; numbers become text where a
    # text is expected, because a spreadsheet makes "1234" an integer.
    model_config = ConfigDict(
        extra="forbid", coerce_numbers_to_str=True, str_strip_whitespace=False
    )


class Calendar(_Request):
    """The calendar an event belongs to."""

    id: str | None = None
    name: str | None = None


class Email(_Request):
    """One email address of a person."""

    email: EmailAddress | None = None
    type: str | None = None


class Person(_Request):
    """A person attending an event."""

    id: str | None = None
    name: str | None = None
    emails: list[Email] | None = None


class AttendeeResponse(_Request):
    """An attendee's answer to the invitation."""

    comment: str | None = None
    status: ResponseStatus | None = None


class Attendee(_Request):
    """One attendee of an event."""

    is_optional: bool | None = None
    is_organizer: bool | None = None
    is_self: bool | None = None
    person: Person | None = None
    response: AttendeeResponse | None = None


class LocationAddress(_Request):
    """The postal address of a location."""

    street_1: str | None = None
    street_2: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = None


class Coordinates(_Request):
    """Latitude and longitude of a location, in decimal degrees."""

    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class Location(_Request):
    """Where an event takes place."""

    id: str | None = None
    name: str | None = None
    url: str | None = None
    address: LocationAddress | None = None
    coordinates: Coordinates | None = None


class EventUpdate(_Request):
    """The body of ``PATCH /unified/calendar/events/{id}``; every field optional.

    Unknown fields are rejected, at every depth. A field left unset is omitted from the body; a
    field set to ``None`` is sent as ``null`` and clears it.
    """

    calendar: Calendar | None = None
    start_time: IsoDateTime | None = None
    end_time: IsoDateTime | None = None
    timezone: Timezone | None = None
    title: str | None = None
    description: str | None = None
    status: EventStatus | None = None
    availability: Availability | None = None
    visibility: Visibility | None = None
    recurrence: list[RecurrenceLine] | None = None
    attendees: list[Attendee] | None = None
    guests_can_invite_others: bool | None = None
    guests_can_modify: bool | None = None
    guests_can_see_other_guests: bool | None = None
    location: Location | None = None
    remote_data: dict[str, Any] | None = None


REQUEST_FIELDS: frozenset[str] = frozenset(EventUpdate.model_fields)
"""Top-level fields accepted in an update body."""

RESPONSE_ONLY_FIELDS: frozenset[str] = frozenset(
    {
        "id",
        "created_at",
        "updated_at",
        "created_by",
        "organizer",
        "attachments",
        "has_attachments",
        "identifiers",
        "is_all_day",
        "is_locked",
        "is_recurring",
        "parent_event",
        "type",
        "event_type",
        "urls",
        "etag",
    }
)
"""Top-level fields an event carries in responses but an update never sends (read-only)."""


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow")


class Event(_Response):
    """An event as the API returns it. Unknown fields are kept, never rejected."""

    id: str
    title: str | None = None
    description: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    timezone: str | None = None
    status: str | None = None
    availability: str | None = None
    visibility: str | None = None
    calendar: dict[str, Any] | None = None
    attendees: list[dict[str, Any]] | None = None
    location: dict[str, Any] | None = None
    recurrence: list[str] | None = None
    created_at: str | None = None
    updated_at: str | None = None
    remote_data: dict[str, Any] | None = None


def payload_from_model(model: EventUpdate) -> dict[str, Any]:
    """Turn a validated update into the exact JSON body to send.

    Parameters
    ----------
    model : EventUpdate
        A validated update.

    Returns
    -------
    dict
        JSON-ready body: unset fields omitted at every depth, ``None`` kept as ``null``.
    """
    return model.model_dump(mode="json", exclude_unset=True)
