"""The column names of calendar exports, and the fields they mean.

Outlook's and Google Calendar's CSV exports (and spreadsheets made from them) name columns
``Subject``, ``Start Date``, ``Required Attendees``... A plan ignores such columns; this table lets
it say which field was meant instead of a bare "not an event field". Names people give their
own helper columns (``notes``, ``name``) are left out: a hint there would mislead.
"""

from __future__ import annotations

__all__ = ["EXPORT_HEADERS", "export_header_hint"]

_ATTENDEES = (
    "'attendees' (a whole list as JSON) or attendees[i].person.emails[0].email; "
    "df.truto.attendees() gives one row per attendee"
)
_START = "'start_time' (one ISO 8601 value such as 2026-12-10T09:00:00, with 'timezone')"
_END = "'end_time' (one ISO 8601 value such as 2026-12-10T10:00:00, with 'timezone')"

EXPORT_HEADERS: dict[str, str] = {
    "subject": "'title'",
    "summary": "'title'",
    "start": _START,
    "start date": _START,
    "start time": _START,
    "starts": _START,
    "end": _END,
    "end date": _END,
    "end time": _END,
    "ends": _END,
    "location": "'location.name' (or location.address.city, ...)",
    "where": "'location.name'",
    "room": "'location.name'",
    "required attendees": _ATTENDEES,
    "optional attendees": _ATTENDEES + " with is_optional",
    "attendees": _ATTENDEES,
    "guests": _ATTENDEES,
    "meeting organizer": "an attendee with is_organizer (the organizer itself is read-only)",
    "organizer": "an attendee with is_organizer (the organizer itself is read-only)",
    "description": "'description'",
    "body": "'description'",
    "time zone": "'timezone' (an IANA name such as Europe/Berlin)",
    "timezone": "'timezone' (an IANA name such as Europe/Berlin)",
    "show time as": "'availability' (busy or free)",
    "private": "'visibility' (private, public or calendar_default)",
    "sensitivity": "'visibility' (private, public or calendar_default)",
    "calendar": "'calendar.id'",
    "event id": "'id'",
    "recurrence pattern": "'recurrence' (RFC 5545 lines such as RRULE:FREQ=WEEKLY)",
    "status": "'status' (confirmed, tentative, cancelled or draft)",
}
"""Lower-case export header -> the field to use, as the hint's text."""


def export_header_hint(column: str) -> str | None:
    """The field an export's column name means, when it is a known one.

    Parameters
    ----------
    column : str
        A column name as the file spells it (case and spaces do not matter).

    Returns
    -------
    str or None
        E.g. ``"'title'"`` for ``"Subject"``; None for a name the table does not know.
    """
    key = " ".join(column.replace("_", " ").split()).lower()
    return EXPORT_HEADERS.get(key)
