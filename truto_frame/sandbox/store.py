"""The sandbox's in-memory event store: validation and PATCH merge semantics.

Merge rules (what Google Calendar's ``events.patch`` and Graph's ``PATCH /events/{id}`` do for
the fields Truto maps to them):

* a top-level field that is given replaces the stored value; a field left out stays as is;
* ``null`` clears the field (``start_time``/``end_time`` cannot be cleared: provider 400);
* lists (``attendees``, ``recurrence``) are replaced wholesale, never merged item by item;
* nested objects are replaced whole too: ``location`` is one string on Google and one complex
  property on Graph, and neither provider merges it, so sending ``{"location": {"name": "B"}}``
  drops the stored address;
* ``calendar`` selects the calendar, it is not stored: its ``id`` must be the event's calendar
  (or ``"primary"`` for the account's first calendar), else the provider answers 404;
* ``remote_data`` is passed to the provider as is: it is merged into the rendered provider object;
* fields an integration does not support (``guests_can_*`` on Outlook) are ignored, as Truto does;
* a new or changed attendee without an email address is a provider 400 (Google: "Missing
  attendee email.");
* times are stored in the event's time zone: a naive time is read in ``timezone``, an offset
  time is converted to it; an end before its start is a provider 400;
* all-day events hold dates (``2026-12-10``, the end exclusive, as Google's ``start.date``):
  dates are stored as sent and make the event all-day, date-times make it timed; a start and
  an end of different kinds (one date, one date-time) is a provider 400, as Google answers.

The body is first validated with :class:`truto_frame.model.schema.EventUpdate` and the rules of
:mod:`truto_frame.model.integrations`; a failed update changes nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from ..model.integrations import check_update_rules, rules_for
from ..model.schema import EventUpdate, payload_from_model
from .accounts import calendars_for
from .remote import render_event
from .seed import seed_events

__all__ = ["EventStore", "StoreError", "StoredEvent", "parse_time"]


_INSIGHTS = {
    "missing_required_body_fields": "These body fields are required for this integration",
    "missing_required_query_parameters": "These query parameters are required",
    "invalid_body_fields": "These body fields have invalid values",
}


def insight(kind: str, value: Any) -> dict[str, Any]:
    """A ``truto_error_insight`` as Truto documents it: ``{kind: {description, value}}``."""
    return {kind: {"description": _INSIGHTS[kind], "value": value}}


class StoreError(Exception):
    """A request the store refuses; carries what the HTTP answer must say.

    Parameters
    ----------
    status : int
        HTTP status.
    message : str
        Human-readable message.
    remote : bool
        Whether the provider (not Truto) refused it: the answer gets ``truto_is_remote_error``.
    insight : dict, optional
        ``truto_error_insight`` for validation errors.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        remote: bool = False,
        insight: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.remote = remote
        self.insight = insight


@dataclass
class StoredEvent:
    """One stored event: the unified object, its update count and remote_data overrides."""

    event: dict[str, Any]
    version: int = 0
    remote_overrides: dict[str, Any] = field(default_factory=dict)


def parse_time(value: str, zone: str | None = None) -> datetime:
    """Parse an ISO 8601 time; a naive one is read in ``zone`` (UTC when not given).

    Raises
    ------
    ValueError
        If the text is not ISO 8601 or the zone is unknown.
    """
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone) if zone else timezone.utc)
    return moment


def _in_zone(value: str, zone: str) -> str:
    return parse_time(value, zone).astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def _is_date(value: str) -> bool:
    # "2026-12-10": a date without a time of day (an all-day event's start or end).
    return len(value.strip()) == 10


def _event_start(event: Mapping[str, Any]) -> datetime:
    return parse_time(event["start_time"], event.get("timezone"))


def _event_end(event: Mapping[str, Any]) -> datetime:
    return parse_time(event["end_time"], event.get("timezone"))


def _attendee_without_email(attendees: Any, stored: Any) -> bool:
    # A new or changed attendee with no email address; one stored as it is may stay so.
    if not isinstance(attendees, list):
        return False
    known = stored if isinstance(stored, list) else []
    for attendee in attendees:
        if not isinstance(attendee, Mapping) or attendee in known:
            continue
        person = attendee.get("person") or {}
        emails = person.get("emails") if isinstance(person, Mapping) else None
        entries = emails if isinstance(emails, list) else []
        if not entries or not all(
            isinstance(e, Mapping) and isinstance(e.get("email"), str) and e["email"].strip()
            for e in entries
        ):
            return True
    return False


def _loc(parts: Iterable[int | str]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class EventStore:
    """Events of every account, keyed by account id then event id.

    Parameters
    ----------
    accounts : mapping
        integrated_account_id -> integration name.
    seed : int
        Seed of the generated events.
    anchor : datetime, optional
        First day of the seeded schedule (see :func:`~truto_frame.sandbox.seed.seed_events`).
    events_per_account : int
        How many events each account gets.
    now : callable
        Wall clock for ``updated_at``.
    """

    def __init__(
        self,
        accounts: Mapping[str, str],
        *,
        seed: int = 0,
        anchor: datetime | None = None,
        events_per_account: int = 30,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._accounts = dict(accounts)
        self._seed = seed
        self._anchor = anchor
        self._count = events_per_account
        self._now = now
        self._events: dict[str, dict[str, StoredEvent]] = {}
        self.reset()

    def reset(self) -> None:
        """Forget every update: re-create the seeded events of every account."""
        self._events = {
            account: {
                e["id"]: StoredEvent(e)
                for e in seed_events(
                    account, name, seed=self._seed, anchor=self._anchor, count=self._count
                )
            }
            for account, name in self._accounts.items()
        }

    def integration(self, account: str) -> str:
        """Return the integration name of an account (``KeyError`` when unknown)."""
        return self._accounts[account]

    def event_ids(self, account: str) -> list[str]:
        """Return the ids of an account's events, in store order."""
        return list(self._events[account])

    def find(self, account: str, event_id: str, calendar_id: str | None = None) -> StoredEvent:
        """Return a stored event; a missing one (or one in another calendar) is a provider 404."""
        stored = self._events[account].get(event_id)
        if stored is None or not self._in_calendar(account, stored, calendar_id):
            raise StoreError(404, "Not Found", remote=True)
        return stored

    def _in_calendar(self, account: str, stored: StoredEvent, calendar_id: str | None) -> bool:
        if calendar_id is None:
            return True
        own = stored.event["calendar"]["id"]
        primary = calendars_for(account, self._accounts[account])[0]["id"]
        return calendar_id == own or (calendar_id == "primary" and own == primary)

    def in_window(
        self,
        account: str,
        start: datetime,
        end: datetime,
        calendar_id: str | None = None,
    ) -> list[StoredEvent]:
        """Return the events overlapping ``[start, end)``, sorted by start time then id."""
        found = []
        for stored in self._events[account].values():
            event = stored.event
            if not self._in_calendar(account, stored, calendar_id):
                continue
            if _event_end(event) > start and _event_start(event) < end:
                found.append(stored)
        found.sort(key=lambda s: (_event_start(s.event), s.event["id"]))
        return found

    def validate(self, account: str, body: Any) -> dict[str, Any]:
        """Validate an update body as Truto does; return the normalized payload.

        Raises
        ------
        StoreError
            400 with ``truto_error_insight``: ``invalid_body_fields`` for schema errors,
            ``missing_required_body_fields`` for the integration's required fields.
        """
        if not isinstance(body, dict):
            raise StoreError(400, "The request body must be a JSON object")
        try:
            model = EventUpdate.model_validate(body)
        except ValidationError as exc:
            fields = [{"field": _loc(e["loc"]), "message": e["msg"]} for e in exc.errors()]
            text = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
            raise StoreError(
                400, f"Invalid body: {text}", insight=insight("invalid_body_fields", fields)
            ) from None
        payload = payload_from_model(model)
        rules = rules_for(self._accounts[account])
        missing = sorted(rules.required_fields - set(payload))
        problems = check_update_rules(payload, rules)
        if missing:
            raise StoreError(
                400,
                "Missing required body fields: " + ", ".join(missing),
                insight=insight("missing_required_body_fields", missing),
            )
        if problems:
            text = "; ".join(message for _, message in problems)
            fields = [{"field": f, "message": m} for f, m in problems]
            raise StoreError(400, text, insight=insight("invalid_body_fields", fields))
        return {k: v for k, v in payload.items() if k in rules.supported_fields}

    def apply(self, account: str, event_id: str, payload: Mapping[str, Any]) -> StoredEvent:
        """Apply a validated payload to a stored event (see the module docstring).

        Raises
        ------
        StoreError
            Provider 404 (unknown event, other calendar) or 400 (times cleared or reversed).
        """
        calendar = payload.get("calendar") or {}
        stored = self.find(account, event_id, calendar.get("id"))
        if _attendee_without_email(payload.get("attendees"), stored.event.get("attendees")):
            # Google: 400 "Missing attendee email."; Graph refuses a recipient with no address.
            google = self.integration(account) != "outlookcalendar"
            text = "Missing attendee email." if google else "At least one recipient isn't valid."
            raise StoreError(400, text, remote=True)
        updated = copy.deepcopy(stored.event)
        for key, value in payload.items():
            if key in {"calendar", "remote_data"}:
                continue
            updated[key] = copy.deepcopy(value)
        if updated.get("start_time") is None or updated.get("end_time") is None:
            raise StoreError(400, "Missing start or end time.", remote=True)
        zone = updated.get("timezone") or stored.event["timezone"]
        dates = [_is_date(str(updated[k])) for k in ("start_time", "end_time")]
        if dates[0] != dates[1]:
            raise StoreError(
                400,
                "Start and end times must either both be date or both be dateTime.",
                remote=True,
            )
        try:
            if not dates[0]:
                updated["start_time"] = _in_zone(updated["start_time"], zone)
                updated["end_time"] = _in_zone(updated["end_time"], zone)
            start, end = (parse_time(updated[k], zone) for k in ("start_time", "end_time"))
        except (ValueError, KeyError):
            raise StoreError(400, "Invalid time or time zone.", remote=True) from None
        if end <= start:
            raise StoreError(400, "The specified time range is empty.", remote=True)
        if {"start_time", "end_time"} & set(payload):
            updated["is_all_day"] = dates[0]
        if "recurrence" in payload and not updated.get("parent_event"):
            updated["is_recurring"] = bool(updated.get("recurrence"))
        updated["updated_at"] = self._next_stamp(stored.event.get("updated_at"))
        overrides = dict(stored.remote_overrides)
        overrides.update(payload.get("remote_data") or {})
        new = StoredEvent(updated, stored.version + 1, overrides)
        self._events[account][event_id] = new
        return new

    def edit(self, account: str, event_id: str, changes: Any) -> StoredEvent:
        """Change an event as someone else would (the organizer, an attendee): not a PATCH.

        No required fields, no integration rules, no request log: the change happens behind
        the client's back, so tests and rehearsals can move events between plan and apply.

        Raises
        ------
        StoreError
            400 for a body the schema refuses, 404 for an unknown event.
        """
        if not isinstance(changes, dict):
            raise StoreError(400, "The changes must be a JSON object")
        try:
            payload = payload_from_model(EventUpdate.model_validate(changes))
        except ValidationError as exc:
            text = "; ".join(f"{_loc(e['loc'])}: {e['msg']}" for e in exc.errors())
            raise StoreError(400, f"Invalid changes: {text}") from None
        payload.pop("calendar", None)  # not an address here: the event is named by its id
        return self.apply(account, event_id, payload)

    def _next_stamp(self, previous: Any) -> str:
        # `updated_at` moves on every write, even two writes within one second of the clock:
        # clients compare it to tell whether an event changed since they read it.
        stamp = self._now().astimezone(timezone.utc).replace(microsecond=0)
        if isinstance(previous, str):
            try:
                before = parse_time(previous)
            except ValueError:
                before = None
            if before is not None and stamp <= before:
                stamp = before.astimezone(timezone.utc) + timedelta(seconds=1)
        return stamp.isoformat(timespec="seconds")

    def render(
        self, account: str, stored: StoredEvent, *, remote_data: bool = True
    ) -> dict[str, Any]:
        """Return the unified event, with the provider object as ``remote_data`` if asked."""
        event = copy.deepcopy(stored.event)
        if remote_data:
            event["remote_data"] = self.render_raw(account, stored)
        return event

    def render_raw(self, account: str, stored: StoredEvent) -> dict[str, Any]:
        """Return the provider's own object for a stored event."""
        return render_event(
            self._accounts[account],
            stored.event,
            version=stored.version,
            overrides=stored.remote_overrides,
        )
