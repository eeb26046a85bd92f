"""The sandbox's realistic, deterministic seeded events.

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

import random
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from .accounts import DEFAULT_OWNER, OWNERS, calendars_for, provider_id

__all__ = ["default_anchor", "seed_events"]

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


def default_anchor(now: datetime | None = None) -> datetime:
    """Return midnight UTC of the current day: the default first day of the seeded events.

    Parameters
    ----------
    now : datetime, optional
        The current time (aware); defaults to the wall clock.
    """
    now = now or datetime.now(timezone.utc)
    return now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


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
    owner = OWNERS.get(account_id, DEFAULT_OWNER)
    calendars = calendars_for(account_id, integration)
    google = integration != "outlookcalendar"
    created = _iso(anchor - timedelta(days=40))
    events: list[dict[str, Any]] = []

    def make(title: str, start: datetime, minutes: int, zone: str, **extra: Any) -> dict[str, Any]:
        local = start.astimezone(ZoneInfo(zone))
        event: dict[str, Any] = {
            "id": provider_id(integration, rng),
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
