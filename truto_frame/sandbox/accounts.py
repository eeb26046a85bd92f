"""The sandbox's seeded accounts: their ids, integrations, owners, calendars, and provider ids.

Outlook ids are long base64 strings (``AAMkAD...==``) that end with ``=`` and mostly contain
``/`` and ``+``, as Microsoft Graph's do, so clients must percent-encode them as one path
segment; Google's are 26 base32hex characters.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Mapping

__all__ = [
    "BLOCKED_ACCOUNT_ID",
    "DEFAULT_ACCOUNTS",
    "DEFAULT_OWNER",
    "GOOGLECALENDAR_ACCOUNT_ID",
    "GOOGLE_ACCOUNT_ID",
    "NEEDS_REAUTH_ACCOUNT_ID",
    "OUTLOOK_ACCOUNT_ID",
    "OWNERS",
    "READ_ONLY_ACCOUNT_ID",
    "calendars_for",
    "google_id",
    "outlook_id",
    "provider_id",
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

OWNERS: Mapping[str, tuple[str, str]] = {
    GOOGLE_ACCOUNT_ID: ("Dana Whitfield", "dana@acme-demo.com"),
    GOOGLECALENDAR_ACCOUNT_ID: ("Priya Raman", "priya@globex-demo.io"),
    OUTLOOK_ACCOUNT_ID: ("Jonas Becker", "jonas.becker@initech-demo.de"),
    BLOCKED_ACCOUNT_ID: ("Sam Ortiz", "sam@umbrella-demo.com"),
    READ_ONLY_ACCOUNT_ID: ("Lee Park", "lee@hooli-demo.com"),
    NEEDS_REAUTH_ACCOUNT_ID: ("Rui Costa", "rui@wayne-demo.pt"),
}
"""integrated_account_id -> (name, email) of the account's owner."""

DEFAULT_OWNER = ("Sandbox User", "user@sandbox-demo.com")
"""The owner of an account the sandbox does not seed."""

_GOOGLE_ID_ALPHABET = "abcdefghijklmnopqrstuv0123456789"  # base32hex, as Google's ids


def google_id(rng: random.Random) -> str:
    """An id as Google spells its events': 26 base32hex characters.

    Parameters
    ----------
    rng : random.Random
        The seeded generator.

    Returns
    -------
    str
        The id.
    """
    return "".join(rng.choice(_GOOGLE_ID_ALPHABET) for _ in range(26))


def outlook_id(rng: random.Random) -> str:
    """An id as Microsoft Graph spells it: long standard base64, with ``/``, ``+`` and ``=``.

    Parameters
    ----------
    rng : random.Random
        The seeded generator.

    Returns
    -------
    str
        The id.
    """
    # Graph ids are standard base64 (with "/" and "+") and often end with "=" padding.
    raw = bytes(rng.randrange(256) for _ in range(112))
    return "AAMkAD" + base64.b64encode(raw).decode("ascii")


def provider_id(integration: str, rng: random.Random) -> str:
    """An id as the integration's provider spells it (Outlook's or Google's form).

    Parameters
    ----------
    integration : str
        The integration name.
    rng : random.Random
        The seeded generator.

    Returns
    -------
    str
        The id.
    """
    return outlook_id(rng) if integration == "outlookcalendar" else google_id(rng)


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
    name, email = OWNERS.get(account_id, DEFAULT_OWNER)
    rng = random.Random(f"calendars:{account_id}")
    if integration == "outlookcalendar":
        return [
            {"id": outlook_id(rng), "name": "Calendar"},
            {"id": outlook_id(rng), "name": "Customer success"},
        ]
    team = "c_" + "".join(rng.choice("0123456789abcdef") for _ in range(24))
    return [
        {"id": email, "name": name},
        {"id": f"{team}@group.calendar.google.com", "name": "Customer success"},
    ]
