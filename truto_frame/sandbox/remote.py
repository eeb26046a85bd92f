"""What the providers behind Truto would answer: event bodies and error bodies.

The sandbox keeps events in the unified shape; this module renders them as Google Calendar
(``{"kind": "calendar#event", ...}``) or Microsoft Graph (``{"@odata.etag": ..., ...}``)
objects for ``remote_data`` and for ``truto_response_format=raw``, and builds the provider's
error bodies that Truto forwards as ``raw_response``. The renderings look like the real ones
(same key names, same value spellings); they are not complete.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

__all__ = ["is_google_family", "provider_error", "provider_headers", "render_event"]

_GOOGLE_RESPONSE = {
    "needs_action": "needsAction",
    "accepted": "accepted",
    "declined": "declined",
    "tentative": "tentative",
}
_GRAPH_RESPONSE = {
    "needs_action": "notResponded",
    "accepted": "accepted",
    "declined": "declined",
    "tentative": "tentativelyAccepted",
}
_GOOGLE_VISIBILITY = {"calendar_default": "default", "public": "public", "private": "private"}
_GRAPH_SENSITIVITY = {"calendar_default": "normal", "public": "normal", "private": "private"}


def is_google_family(integration: str) -> bool:
    """Return whether the integration speaks Google Calendar (``google``, ``googlecalendar``)."""
    return integration in {"google", "googlecalendar"}


def _etag(event: Mapping[str, Any], version: int) -> str:
    digest = hashlib.sha256(f"{event['id']}:{version}".encode()).hexdigest()
    return str(int(digest[:15], 16))


def _email(person: Mapping[str, Any] | None) -> str | None:
    emails = (person or {}).get("emails") or []
    return emails[0].get("email") if emails else None


def _location_text(location: Mapping[str, Any] | None) -> str | None:
    if not location:
        return None
    address = location.get("address") or {}
    parts = [location.get("name"), address.get("street_1"), address.get("city")]
    parts += [address.get("postal_code"), address.get("country")]
    text = ", ".join(str(p) for p in parts if p)
    return text or location.get("url")


def _render_google(event: Mapping[str, Any], version: int) -> dict[str, Any]:
    def when(value: str | None) -> dict[str, Any]:
        if value and event.get("is_all_day"):
            return {"date": value[:10]}
        return {"dateTime": value, "timeZone": event.get("timezone")}

    organizer = event.get("organizer") or {}
    body: dict[str, Any] = {
        "kind": "calendar#event",
        "etag": f'"{_etag(event, version)}"',
        "id": event["id"],
        "status": event.get("status"),
        "htmlLink": f"https://www.google.com/calendar/event?eid={event['id'][:26]}",
        "created": event.get("created_at"),
        "updated": event.get("updated_at"),
        "summary": event.get("title"),
        "description": event.get("description"),
        "location": _location_text(event.get("location")),
        "creator": {"email": _email(organizer)},
        "organizer": {"email": _email(organizer), "displayName": organizer.get("name")},
        "start": when(event.get("start_time")),
        "end": when(event.get("end_time")),
        "transparency": "transparent" if event.get("availability") == "free" else "opaque",
        "visibility": _GOOGLE_VISIBILITY.get(event.get("visibility") or "", "default"),
        "iCalUID": f"{event['id'].split('_')[0]}@google.com",
        "sequence": version,
        "attendees": [
            {
                "email": _email(a.get("person")),
                "displayName": (a.get("person") or {}).get("name"),
                "organizer": bool(a.get("is_organizer")),
                "self": bool(a.get("is_self")),
                "optional": bool(a.get("is_optional")),
                "responseStatus": _GOOGLE_RESPONSE.get(
                    (a.get("response") or {}).get("status") or "", "needsAction"
                ),
            }
            for a in event.get("attendees") or []
        ],
        "guestsCanInviteOthers": event.get("guests_can_invite_others"),
        "guestsCanModify": event.get("guests_can_modify"),
        "guestsCanSeeOtherGuests": event.get("guests_can_see_other_guests"),
        "reminders": {"useDefault": True},
        "eventType": "default",
    }
    if event.get("recurrence"):
        body["recurrence"] = list(event["recurrence"])
    parent = event.get("parent_event")
    if parent:
        body["recurringEventId"] = parent.get("id")
        body["originalStartTime"] = body["start"]
    return {k: v for k, v in body.items() if v is not None}


def _graph_time(value: str | None) -> str | None:
    if not value:
        return None
    # Graph spells times without offset, with 7 fractional digits, next to a timeZone.
    return datetime.fromisoformat(value).strftime("%Y-%m-%dT%H:%M:%S.0000000")


def _render_outlook(event: Mapping[str, Any], version: int) -> dict[str, Any]:
    location = event.get("location") or {}
    address = location.get("address") or {}
    coordinates = location.get("coordinates") or {}
    graph_location = {
        "displayName": location.get("name") or "",
        "locationType": "default",
        "address": {
            "street": address.get("street_1"),
            "city": address.get("city"),
            "state": address.get("state"),
            "countryOrRegion": address.get("country"),
            "postalCode": address.get("postal_code"),
        },
        "coordinates": {
            "latitude": coordinates.get("latitude"),
            "longitude": coordinates.get("longitude"),
        },
    }
    organizer = event.get("organizer") or {}
    zone = event.get("timezone")
    if event.get("parent_event"):
        kind = "occurrence"
    elif event.get("recurrence"):
        kind = "seriesMaster"
    else:
        kind = "singleInstance"
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/events/$entity",
        "@odata.etag": f'W/"{_etag(event, version)}"',
        "id": event["id"],
        "createdDateTime": event.get("created_at"),
        "lastModifiedDateTime": event.get("updated_at"),
        "changeKey": _etag(event, version),
        "subject": event.get("title"),
        "bodyPreview": (event.get("description") or "")[:255],
        "body": {"contentType": "text", "content": event.get("description") or ""},
        "start": {
            "dateTime": _graph_time(event.get("start_time")),
            "timeZone": event.get("timezone"),
        },
        "end": {"dateTime": _graph_time(event.get("end_time")), "timeZone": zone},
        "isAllDay": bool(event.get("is_all_day")),
        "isCancelled": event.get("status") == "cancelled",
        "showAs": "free" if event.get("availability") == "free" else "busy",
        "sensitivity": _GRAPH_SENSITIVITY.get(event.get("visibility") or "", "normal"),
        "type": kind,
        "seriesMasterId": (event.get("parent_event") or {}).get("id"),
        "location": graph_location if location else {"displayName": ""},
        "locations": [graph_location] if location else [],
        "onlineMeeting": {"joinUrl": location["url"]} if location.get("url") else None,
        "attendees": [
            {
                "type": "optional" if a.get("is_optional") else "required",
                "status": {
                    "response": _GRAPH_RESPONSE.get(
                        (a.get("response") or {}).get("status") or "", "none"
                    ),
                    "time": "0001-01-01T00:00:00Z",
                },
                "emailAddress": {
                    "name": (a.get("person") or {}).get("name"),
                    "address": _email(a.get("person")),
                },
            }
            for a in event.get("attendees") or []
        ],
        "organizer": {
            "emailAddress": {"name": organizer.get("name"), "address": _email(organizer)}
        },
        "recurrence": (
            {"pattern": {"type": "weekly", "interval": 1}, "rrule": list(event["recurrence"])}
            if event.get("recurrence")
            else None
        ),
        "webLink": "https://outlook.office365.com/owa/?itemid=" + event["id"][:40],
    }


def render_event(
    integration: str,
    event: Mapping[str, Any],
    *,
    version: int = 0,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Render a unified event as the provider's own event object.

    Parameters
    ----------
    integration : str
        The account's integration name.
    event : mapping
        The unified event.
    version : int, default 0
        How many times the event was updated (drives etag and sequence).
    overrides : mapping, optional
        ``remote_data`` sent in updates: passed to the provider as is, so it shows up here.

    Returns
    -------
    dict
        A Google Calendar or Microsoft Graph event body.
    """
    if is_google_family(integration):
        body = _render_google(event, version)
    else:
        body = _render_outlook(event, version)
    body.update(overrides or {})
    return body


def provider_error(
    integration: str, status: int, message: str, *, reason: str | None = None
) -> dict[str, Any]:
    """Return the error body a provider sends for ``status`` (forwarded as ``raw_response``).

    Parameters
    ----------
    integration : str
        The account's integration name.
    status : int
        400, 401, 403, 404, 429 or 503.
    message : str
        The provider's message.
    reason : str, optional
        Google's ``errors[].reason`` (e.g. ``rateLimitExceeded`` on a 403); by status otherwise.
    """
    if is_google_family(integration):
        reasons = {
            400: "invalid",
            401: "authError",
            403: "forbidden",
            404: "notFound",
            429: "rateLimitExceeded",
            503: "backendError",
        }
        reason = reason or reasons.get(status, "error")
        domain = "usageLimits" if "RateLimit" in reason or "rateLimit" in reason else "global"
        return {
            "error": {
                "errors": [{"domain": domain, "reason": reason, "message": message}],
                "code": status,
                "message": message,
            }
        }
    code = {
        401: "InvalidAuthenticationToken",
        403: "ErrorAccessDenied",
        404: "ErrorItemNotFound",
        400: "ErrorInvalidRequest",
        429: "ApplicationThrottled",
        503: "ServiceUnavailable",
    }.get(status, "ErrorInternalServerError")
    return {"error": {"code": code, "message": message}}


def provider_headers(integration: str, request_number: int) -> dict[str, str]:
    """Return headers the provider would send with an answer; Truto forwards them on errors.

    Parameters
    ----------
    integration : str
        The account's integration name.
    request_number : int
        A counter that makes Graph's ``request-id`` unique and repeatable.
    """
    if is_google_family(integration):
        return {"server": "ESF", "x-xss-protection": "0"}
    digest = hashlib.sha256(f"graph:{request_number}".encode()).hexdigest()
    request_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    return {"request-id": request_id, "client-request-id": request_id}
