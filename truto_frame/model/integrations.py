"""What each calendar integration supports and requires on an event update, as data.

Truto's Update Events page marks, per body field, how many of the three calendar integrations
support it and how many require it. This module is the one place that table lives; the plan's
validation, the preview's warnings and the sandbox's rules all read it.

=========================  ======  ==============  ===============
field / option             google  googlecalendar  outlookcalendar
=========================  ======  ==============  ===============
calendar                   req.    req.            req.
start_time, end_time       req.    req.            optional
guests_can_* (3 fields)    yes     yes             no
send_notifications (query) yes     yes             no
every other body field     yes     yes             yes
=========================  ======  ==============  ===============

Rules for every integration: ``start_time`` and ``end_time`` go together, and ``timezone`` is
required when either is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigurationError
from .schema import REQUEST_FIELDS

__all__ = [
    "INTEGRATIONS",
    "UNKNOWN_INTEGRATION",
    "IntegrationRules",
    "check_update_rules",
    "rules_for",
    "unsupported_fields",
]

_GUEST_FIELDS = frozenset(
    {"guests_can_invite_others", "guests_can_modify", "guests_can_see_other_guests"}
)


@dataclass(frozen=True)
class IntegrationRules:
    """Which update fields and query options one integration supports and requires.

    Attributes
    ----------
    name : str
        Truto's integration name (``"googlecalendar"``...).
    supported_fields : frozenset of str
        Top-level body fields the integration maps to its provider.
    required_fields : frozenset of str
        Top-level body fields every update must carry.
    supports_send_notifications : bool
        Whether the ``send_notifications`` query parameter has an effect.
    carried_fields : frozenset of str
        Fields a baseline diff sends with every change, copied from the current event, so the
        update is accepted; defaults to ``required_fields``.
    """

    name: str
    supported_fields: frozenset[str]
    required_fields: frozenset[str]
    supports_send_notifications: bool
    carried_fields: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.carried_fields:
            object.__setattr__(self, "carried_fields", self.required_fields)


INTEGRATIONS: Mapping[str, IntegrationRules] = {
    "google": IntegrationRules(
        name="google",
        supported_fields=REQUEST_FIELDS,
        required_fields=frozenset({"calendar", "start_time", "end_time"}),
        supports_send_notifications=True,
    ),
    "googlecalendar": IntegrationRules(
        name="googlecalendar",
        supported_fields=REQUEST_FIELDS,
        required_fields=frozenset({"calendar", "start_time", "end_time"}),
        supports_send_notifications=True,
    ),
    "outlookcalendar": IntegrationRules(
        name="outlookcalendar",
        supported_fields=REQUEST_FIELDS - _GUEST_FIELDS,
        required_fields=frozenset({"calendar"}),
        supports_send_notifications=False,
    ),
}
"""The table, keyed by integration name."""

UNKNOWN_INTEGRATION = IntegrationRules(
    name="unknown",
    # When the integration is not known, require only what every integration requires and
    # warn about nothing: the server has the last word.
    supported_fields=REQUEST_FIELDS,
    required_fields=frozenset.intersection(*(r.required_fields for r in INTEGRATIONS.values())),
    supports_send_notifications=True,
    # With a baseline at hand, carrying what *any* integration requires costs nothing (the
    # values are the current ones) and keeps a Google account from refusing the update.
    carried_fields=frozenset.union(*(r.required_fields for r in INTEGRATIONS.values())),
)


def rules_for(integration: str | None) -> IntegrationRules:
    """Return the rules of an integration, or the common denominator when it is unknown.

    Parameters
    ----------
    integration : str or None
        Truto's integration name; ``None`` when not known.

    Raises
    ------
    ValueError
        If the name is given but is not a calendar integration this table knows.
    """
    if integration is None:
        return UNKNOWN_INTEGRATION
    try:
        return INTEGRATIONS[integration]
    except KeyError:
        known = ", ".join(sorted(INTEGRATIONS))
        raise ConfigurationError(f"unknown integration {integration!r}; known: {known}") from None


def check_update_rules(
    payload: Mapping[str, Any], rules: IntegrationRules
) -> list[tuple[str, str]]:
    """Check one update body against the cross-field and per-integration rules.

    Parameters
    ----------
    payload : mapping
        The body as it would be sent (top-level keys are the fields given).
    rules : IntegrationRules
        The integration's rules.

    Returns
    -------
    list of (field, message)
        Every problem found; empty when the body may be sent.
    """
    problems: list[tuple[str, str]] = []
    given = set(payload)
    if "start_time" in given and "end_time" not in given:
        problems.append(("end_time", "end_time is required when start_time is given"))
    if "end_time" in given and "start_time" not in given:
        problems.append(("start_time", "start_time is required when end_time is given"))
    times_given = bool({"start_time", "end_time"} & given)
    if times_given and payload.get("timezone") is None:
        problems.append(("timezone", "timezone is required when start_time or end_time is given"))
    for field in sorted(rules.required_fields - given):
        if field in {"start_time", "end_time"} and field in {p[0] for p in problems}:
            continue
        where = "" if rules is UNKNOWN_INTEGRATION else f" on {rules.name}"
        problems.append((field, f"{field} is required on every update{where}{_fill_hint(field)}"))
    if "calendar" in given and "calendar" in rules.required_fields:
        calendar = payload.get("calendar")
        if not isinstance(calendar, Mapping) or not calendar.get("id"):
            problems.append(
                ("calendar.id", f"calendar.id is required on every update{_fill_hint('calendar')}")
            )
    return problems


def _fill_hint(field: str) -> str:
    # What to do about a missing required field: fill its column, or let a baseline supply it.
    column = "calendar.id" if field == "calendar" else field
    return (
        f": fill the {column} column, or pass baseline= (--baseline FILE on the command line) "
        "to copy it from the event as it is now"
    )


def unsupported_fields(fields: Iterable[str], rules: IntegrationRules) -> list[str]:
    """Return the given top-level fields that the integration ignores, sorted."""
    return sorted(set(fields) - rules.supported_fields)
