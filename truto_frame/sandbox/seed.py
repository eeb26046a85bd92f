"""The sandbox's accounts and its realistic, deterministic seeded events.

Every account gets about 30 events spread over a few days before and five weeks after an
*anchor* day: one-off meetings with attendees and postal addresses, video calls, a weekly
recurring series (its master carries an RRULE, its instances carry Google-style
``<master>_20261201T090000Z`` ids on the Google family), an all-day event (date-only
``start_time``/``end_time`` such as ``2026-12-10`` / ``2026-12-11``, the end exclusive),
cancelled, tentative and private ones, in several time zones. The same ``seed`` and
``anchor`` always give the same events. Outlook ids are long base64 strings (``AAMkAD...==``)
that end with ``=`` and mostly contain ``/`` and ``+``, as Microsoft Graph's do, so clients
must percent-encode them as one path segment.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "BLOCKED_ACCOUNT_ID",
    "DEFAULT_ACCOUNTS",
    "GOOGLECALENDAR_ACCOUNT_ID",
    "GOOGLE_ACCOUNT_ID",
    "NEEDS_REAUTH_ACCOUNT_ID",
    "OUTLOOK_ACCOUNT_ID",
    "READ_ONLY_ACCOUNT_ID",
    "calendars_for",
    "default_anchor",
    "seed_events",
]

GOOGLE_ACCOUNT_ID = "6a1f2c4e-8b3d-4f7a-9e21-0c5d7b8a9f10"
"""A seeded account of the ``google`` integration."""
GOOGLECALENDAR_ACCOUNT_ID = "62f44730-dd91-461e-bd6a-aedd9e0ad79d"
"""A seeded account of the ``googlecalendar`` integration."""
OUTLOOK_ACCOUNT_ID = "3c9e5b7d-1a2f-4d6e-8b0c-f4e3d2c1b0a9"
"""A seeded account of the ``outlookcalendar`` integration."""
BLOCKED_ACCOUNT_ID = "0d4b6f8a-2c1e-4a3b-9f5d-7e6c5b4a3d2e"
"""A ``googlecalendar`` account that Truto has blocked: it answers 503 itself."""
READ_ONLY_ACCOUNT_ID = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
"""A ``googlecalendar`` sandbox account (``is_sandbox``): writes answer 405, like Truto's."""
NEEDS_REAUTH_ACCOUNT_ID = "5e2d8c1a-7b4f-4e9a-a3c6-2f1b0d9e8c7a"
"""A ``googlecalendar`` account that needs re-authorization: the provider answers 401."""

DEFAULT_ACCOUNTS: Mapping[str, str] = {
    GOOGLE_ACCOUNT_ID: "google",
    GOOGLECALENDAR_ACCOUNT_ID: "googlecalendar",
    OUTLOOK_ACCOUNT_ID: "outlookcalendar",
    BLOCKED_ACCOUNT_ID: "googlecalendar",
    READ_ONLY_ACCOUNT_ID: "googlecalendar",
    NEEDS_REAUTH_ACCOUNT_ID: "googlecalendar",
}
"""integrated_account_id -> integration name of the default sandbox."""

_OWNERS = {
    GOOGLE_ACCOUNT_ID: ("Dana Whitfield", "dana@acme-demo.com"),
    GOOGLECALENDAR_ACCOUNT_ID: ("Priya Raman", "priya@globex-demo.io"),
    OUTLOOK_ACCOUNT_ID: ("Jonas Becker", "jonas.becker@initech-demo.de"),
    BLOCKED_ACCOUNT_ID: ("Sam Ortiz", "sam@umbrella-demo.com"),
    READ_ONLY_ACCOUNT_ID: ("Lee Park", "lee@hooli-demo.com"),
    NEEDS_REAUTH_ACCOUNT_ID: ("Rui Costa", "rui@wayne-demo.pt"),
}

_PEOPLE = [
    ("Amara Okafor", "amara.okafor@acme-demo.com"),
    ("Ben Carter", "ben.carter@globex-demo.io"),
    ("Chloé Martin", "chloe.martin@initech-demo.de"),
    ("Diego Alvarez", "diego@customer-demo.mx"),
    ("Eva Novak", "eva.novak@partner-demo.cz"),
    ("Farah Haddad", "farah@acme-demo.com"),
    ("Gustav Lindqvist", "gustav.lindqvist@vendor-demo.se"),
    ("Hana Suzuki", "hana.suzuki@customer-demo.jp"),
    ("Ivan Petrov", "ivan@globex-demo.io"),
    ("Julia Rossi", "julia.rossi@initech-demo.de"),
    ("Kwame Mensah", "kwame@partner-demo.gh"),
    ("Lena Fischer", "lena.fischer@acme-demo.com"),
]

_TITLES = [
    "Customer onboarding — Acme Corp",
    "Quarterly business review: Globex",
    "Design review: calendar sync",
    "Sprint planning",
    "Interview: Senior Data Engineer",
    "Security awareness training",
    "Vendor call — Initech licensing",
    "Board meeting prep",
    "Lunch & learn: pandas 3 copy-on-write",
    "Customer onboarding — Umbrella",
    "Incident review (postmortem)",
    "Roadmap workshop",
    "Partner sync: EMEA",
    "Hiring committee",
    "Product demo for Hooli",
    "Budget review Q1",
    "1:1 check-in",
    "Offsite logistics",
    "Data migration go/no-go",
    "Support escalation triage",
    "Marketing launch retro",
    "Compliance audit walkthrough",
]

_PLACES: list[dict[str, Any]] = [
    {
        "name": "Berlin office — Room Spree",
        "address": {
            "street_1": "Friedrichstraße 68",
            "street_2": "3. OG",
            "city": "Berlin",
            "state": "Berlin",
            "country": "DE",
            "postal_code": "10117",
        },
        "coordinates": {"latitude": 52.5096, "longitude": 13.3889},
    },
    {
        "name": "NYC HQ — Hudson room",
        "address": {
            "street_1": "200 Vesey St",
            "street_2": "Floor 24",
            "city": "New York",
            "state": "NY",
            "country": "US",
            "postal_code": "10281",
        },
        "coordinates": {"latitude": 40.7142, "longitude": -74.0153},
    },
    {
        "name": "London — Thames suite",
        "address": {
            "street_1": "1 Canada Square",
            "street_2": None,
            "city": "London",
            "state": None,
            "country": "GB",
            "postal_code": "E14 5AB",
        },
        "coordinates": {"latitude": 51.5049, "longitude": -0.0195},
    },
    {
        "name": "Bengaluru hub",
        "address": {
            "street_1": "80 Feet Road, Koramangala",
            "street_2": None,
            "city": "Bengaluru",
            "state": "Karnataka",
            "country": "IN",
            "postal_code": "560034",
        },
        "coordinates": {"latitude": 12.9352, "longitude": 77.6245},
    },
]

_ZONES = ["Europe/Berlin", "America/New_York", "Europe/London", "Asia/Kolkata", "UTC"]
_GOOGLE_ID_ALPHABET = "abcdefghijklmnopqrstuv0123456789"  # base32hex, as Google's ids


def default_anchor(now: datetime | None = None) -> datetime:
    """Return midnight UTC of the current day: the default first day of the seeded events.

    Parameters
    ----------
    now : datetime, optional
        The current time (aware); defaults to the wall clock.
    """
    now = now or datetime.now(timezone.utc)
    return now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def _google_id(rng: random.Random) -> str:
    return "".join(rng.choice(_GOOGLE_ID_ALPHABET) for _ in range(26))


def _outlook_id(rng: random.Random) -> str:
    # Graph ids are standard base64 (with "/" and "+") and often end with "=" padding.
    raw = bytes(rng.randrange(256) for _ in range(112))
    return "AAMkAD" + base64.b64encode(raw).decode("ascii")


def _new_id(integration: str, rng: random.Random) -> str:
    return _outlook_id(rng) if integration == "outlookcalendar" else _google_id(rng)


def calendars_for(account_id: str, integration: str) -> list[dict[str, str]]:
    """Return the calendars of a seeded account: its primary calendar first, then a team one.

    Parameters
    ----------
    account_id : str
        The integrated account id.
    integration : str
        Its integration name.

    Returns
    -------
    list of dict
        ``{"id", "name"}`` of each calendar. Google family ids are the owner's email and a
        ``...@group.calendar.google.com`` address; Outlook ids are base64 strings.
    """
    name, email = _OWNERS.get(account_id, ("Sandbox User", "user@sandbox-demo.com"))
    rng = random.Random(f"calendars:{account_id}")
    if integration == "outlookcalendar":
        return [
            {"id": _outlook_id(rng), "name": "Calendar"},
            {"id": _outlook_id(rng), "name": "Customer success"},
        ]
    team = "c_" + "".join(rng.choice("0123456789abcdef") for _ in range(24))
    return [
        {"id": email, "name": name},
        {"id": f"{team}@group.calendar.google.com", "name": "Customer success"},
    ]


def _person(name: str, email: str) -> dict[str, Any]:
    return {"id": None, "name": name, "emails": [{"email": email, "type": "work"}]}


def _attendees(rng: random.Random, owner: tuple[str, str], count: int) -> list[dict[str, Any]]:
    people = [owner, *rng.sample(_PEOPLE, count)]
    statuses = ["accepted", "needs_action", "tentative", "declined"]
    return [
        {
            "is_optional": i > 0 and rng.random() < 0.2,
            "is_organizer": i == 0,
            "is_self": i == 0,
            "person": _person(*person),
            "response": {
                "comment": None,
                "status": "accepted" if i == 0 else rng.choice(statuses),
            },
        }
        for i, person in enumerate(people)
    ]


def _location(rng: random.Random, integration: str, title: str) -> dict[str, Any] | None:
    roll = rng.random()
    if roll < 0.55:
        place = rng.choice(_PLACES)
        return {"id": None, "url": None, **_copy(place)}
    if roll < 0.85:
        if integration == "outlookcalendar":
            url = f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{rng.randrange(10**9)}"
            name = "Microsoft Teams Meeting"
        else:
            code = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))
            url = f"https://meet.google.com/{code[:3]}-{code[3:7]}-{code[7:]}"
            name = "Google Meet"
        return {"id": None, "name": name, "url": url, "address": None, "coordinates": None}
    return None


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def seed_events(
    account_id: str,
    integration: str,
    *,
    seed: int = 0,
    anchor: datetime | None = None,
    count: int = 30,
) -> list[dict[str, Any]]:
    """Build an account's seeded events in the unified shape, deterministically.

    Parameters
    ----------
    account_id : str
        The integrated account id (it seeds the random generator with ``seed``).
    integration : str
        ``"google"``, ``"googlecalendar"`` or ``"outlookcalendar"``.
    seed : int, default 0
        The same seed, account and anchor always give the same events.
    anchor : datetime, optional
        The first day of the schedule (aware); default :func:`default_anchor`.
    count : int, default 30
        How many events to make: one-off events, an all-day one, a series master and 4 of
        its instances (so at least 6).

    Returns
    -------
    list of dict
        Unified events sorted by start time, without ``remote_data``.
    """
    rng = random.Random(f"{seed}:{account_id}")
    anchor = default_anchor() if anchor is None else anchor.astimezone(timezone.utc)
    owner = _OWNERS.get(account_id, ("Sandbox User", "user@sandbox-demo.com"))
    calendars = calendars_for(account_id, integration)
    google = integration != "outlookcalendar"
    created = _iso(anchor - timedelta(days=40))
    events: list[dict[str, Any]] = []

    def make(title: str, start: datetime, minutes: int, zone: str, **extra: Any) -> dict[str, Any]:
        local = start.astimezone(ZoneInfo(zone))
        event: dict[str, Any] = {
            "id": _new_id(integration, rng),
            "title": title,
            "description": f"{title}. Agenda and notes: https://wiki.example.com/{rng.randrange(10**6)}",
            "start_time": _iso(local),
            "end_time": _iso(local + timedelta(minutes=minutes)),
            "timezone": zone,
            "is_all_day": False,
            "status": "confirmed",
            "availability": "busy",
            "visibility": "calendar_default",
            "calendar": dict(calendars[0] if rng.random() < 0.7 else calendars[1]),
            "organizer": _person(*owner),
            "attendees": _attendees(rng, owner, rng.randrange(1, 5)),
            "location": _location(rng, integration, title),
            "recurrence": None,
            "is_recurring": False,
            "parent_event": None,
            "created_at": created,
            "updated_at": created,
        }
        if google:
            event.update(
                guests_can_invite_others=True,
                guests_can_modify=False,
                guests_can_see_other_guests=True,
            )
        event.update(extra)
        return event

    singles = max(count - 6, 0)
    for i in range(singles):
        day = anchor + timedelta(days=rng.randrange(-3, 36))
        zone = rng.choice(_ZONES)
        local_day = day.astimezone(ZoneInfo(zone)).replace(
            hour=rng.randrange(8, 17), minute=rng.choice([0, 15, 30, 45]), second=0
        )
        title = _TITLES[i % len(_TITLES)]
        extra: dict[str, Any] = {}
        if i % 9 == 4:
            extra["status"] = "tentative"
        if i % 11 == 6:
            extra.update(status="cancelled", availability="free")
        if i % 7 == 3:
            extra["visibility"] = "private"
        events.append(make(title, local_day, rng.choice([30, 45, 60, 90]), zone, **extra))

    # An all-day event, as Google's start.date / end.date: date-only times, the end exclusive.
    all_day = (anchor + timedelta(days=9)).astimezone(ZoneInfo("Europe/Berlin"))
    all_day = all_day.replace(hour=0, minute=0, second=0)
    holiday = make(
        "Company holiday (office closed)",
        all_day,
        24 * 60,
        "Europe/Berlin",
        is_all_day=True,
        availability="free",
        attendees=[],
        location=None,
    )
    holiday["start_time"] = all_day.date().isoformat()
    holiday["end_time"] = (all_day.date() + timedelta(days=1)).isoformat()
    events.append(holiday)

    # A weekly recurring series: the master, then its first instances.
    first = (anchor + timedelta(days=2)).astimezone(ZoneInfo("America/New_York"))
    first = first.replace(hour=10, minute=0, second=0)
    rule = (
        "RRULE:FREQ=WEEKLY;COUNT=8;BYDAY="
        + ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][first.weekday()]
    )
    master = make("Weekly team sync", first, 30, "America/New_York", recurrence=[rule])
    master["is_recurring"] = True
    events.append(master)
    for week in range(4):
        start = first + timedelta(weeks=week)
        instance = make(
            "Weekly team sync",
            start,
            30,
            "America/New_York",
            attendees=_copy(master["attendees"]),
            location=_copy(master["location"]),
            calendar=dict(master["calendar"]),
            is_recurring=True,
            parent_event={"id": master["id"]},
        )
        if google:
            stamp = start.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            instance["id"] = f"{master['id']}_{stamp}"
        events.append(instance)

    events.sort(key=lambda e: (_start(e), e["id"]))
    return events


def _start(event: dict[str, Any]) -> datetime:
    # A date-only (all-day) start begins at midnight in the event's own zone.
    moment = datetime.fromisoformat(event["start_time"])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(event["timezone"]))
    return moment
