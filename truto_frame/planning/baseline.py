"""Baselines: compare a planned body with the event's current state, send only what changed.

A *baseline* is the current state of the events, usually the frame that
:func:`~truto_frame.read_events` returned before the user edited a copy of it. For each row,
:func:`diff_against_baseline` keeps only the top-level fields whose value differs from the
current event, and adds back what the integration requires on every update (taken from the
current event). A row whose body has no change is *skipped*: nothing is sent for it.

How values are compared
-----------------------
* ``start_time`` / ``end_time`` are compared as instants: ``2026-01-01T10:00:00Z`` equals
  ``2026-01-01T11:00:00+01:00``.
* Numbers by value (``1.0`` equals ``1``); booleans only equal booleans.
* An absent field equals ``null``.
* Objects of the schema (``calendar``, ``location``): the row's partial object is merged onto the
  current one; when the merge differs from the current object it is sent merged, *whole*, so a
  provider that replaces objects keeps the parts the row did not mention.
* Lists (``attendees``, ``recurrence``) and ``remote_data`` are compared and sent whole.

An event id that is not in the baseline is not diffed;
:func:`~truto_frame.planning.build.build_plan`
reports such a row as a problem (it is not sent) rather than guessing.

``baseline="fetch"`` reads the current state of each row's event with one GET each
(:func:`truto_frame.planning.fetch.fetch_baseline`), paced like the PATCHes.
"""

from __future__ import annotations

import typing
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from ..errors import InputError
from ..frame.cells import as_id
from ..frame.flatten import unflatten_events
from ..model.integrations import IntegrationRules
from .request_shape import field_model, request_shape, with_request_types

__all__ = [
    "BaselineKey",
    "baseline_lookup",
    "check_baseline_frame",
    "current_event",
    "diff_against_baseline",
    "merge_onto",
    "missing_reason",
    "request_shape",
    "same_value",
    "with_request_types",
]

_INSTANT_FIELDS = frozenset({"start_time", "end_time"})


BaselineKey = tuple[str | None, str]
"""``(integrated_account_id, event_id)``; the account is ``None`` when the baseline does not say."""


def baseline_lookup(baseline: pd.DataFrame) -> dict[BaselineKey, dict[str, Any]]:
    """Index a baseline frame by integrated account and event id.

    Parameters
    ----------
    baseline : pandas.DataFrame
        Current events as flat columns (from :func:`~truto_frame.read_events` or
        :func:`~truto_frame.flatten_events`), read-only columns included; column ``id``, and
        ``integrated_account_id`` when the events come from several accounts (the same event
        id can be in two accounts: one meeting in two people's calendars).

    Returns
    -------
    dict
        ``(account, event id)`` -> the current event as a nested dict; the account is ``None``
        for a row that does not name one. Look rows up with :func:`current_event`.

    Raises
    ------
    InputError
        If ``baseline`` is not a DataFrame, has no ``id`` column, a row has no id, or an
        account's event appears twice (which row would be the truth?).
    """

    check_baseline_frame(baseline)
    lookup: dict[BaselineKey, dict[str, Any]] = {}
    for label, event in zip(baseline.index, unflatten_events(baseline), strict=True):
        event_id = as_id(event.get("id"))
        if event_id is None:
            raise InputError(f"baseline row {label!r} has no event id")
        account = as_id(event.get("integrated_account_id"))
        if (account, event_id) in lookup:
            where = f" of account {account!r}" if account else ""
            raise InputError(f"event {event_id!r}{where} appears twice in the baseline")
        event["id"] = event_id
        lookup[(account, event_id)] = with_request_types(event)
    return lookup


def check_baseline_frame(baseline: Any) -> None:
    """Refuse what cannot be a baseline: not a DataFrame, or no ``id`` column.

    Raises
    ------
    InputError
        With the message :func:`baseline_lookup` gives.
    """
    if not isinstance(baseline, pd.DataFrame):
        raise InputError(f"baseline must be a pandas DataFrame, got {type(baseline).__name__}")
    if "id" not in baseline.columns:
        raise InputError("the baseline has no 'id' column: it must hold the id of each event")


def current_event(
    lookup: Mapping[BaselineKey, dict[str, Any]], account: str | None, event_id: str
) -> dict[str, Any] | None:
    """The baseline event of a row: its account's, else one the baseline holds for no account.

    Parameters
    ----------
    lookup : mapping
        From :func:`baseline_lookup` or :func:`~truto_frame.planning.fetch.fetch_baseline`.
    account : str or None
        The row's integrated account.
    event_id : str
        The row's event id.

    Returns
    -------
    dict or None
        ``None`` when the baseline has no such event (never another account's).
    """
    found = lookup.get((account, event_id)) if account is not None else None
    return found if found is not None else lookup.get((None, event_id))


# --------------------------------------------------------------------------- comparing


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def same_value(a: Any, b: Any, field: str | None = None) -> bool:
    """Say whether two JSON values mean the same thing for an update.

    Parameters
    ----------
    a, b : Any
        JSON-like values (``None`` for null or absent).
    field : str, optional
        The top-level field they belong to: ``start_time`` and ``end_time`` compare as instants.

    Returns
    -------
    bool
    """
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if field in _INSTANT_FIELDS and isinstance(a, str) and isinstance(b, str):
        x, y = _instant(a), _instant(b)
        if x is not None and y is not None and (x.tzinfo is None) == (y.tzinfo is None):
            return x == y
        return a.strip() == b.strip()
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return all(same_value(a.get(k), b.get(k)) for k in {*a, *b})
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return bool(type(a) is type(b) and a == b)


def merge_onto(current: Any, partial: Any) -> Any:
    """Merge a row's partial object onto the current one (the row wins; ``None`` clears).

    Parameters
    ----------
    current : Any
        The current object (or anything: a non-object is replaced).
    partial : Any
        The row's value.

    Returns
    -------
    Any
        A new object; lists and scalars in ``partial`` replace what was there.
    """
    if not isinstance(partial, Mapping) or not isinstance(current, Mapping):
        return partial
    merged = dict(current)
    for key, value in partial.items():
        merged[key] = merge_onto(current.get(key), value)
    return merged


def _candidate(field: str, value: Any, current: Mapping[str, Any]) -> tuple[Any, Any]:
    # What the field would become (merged for schema objects) and what it is now.
    now = current.get(field)  # request-shaped when stored (with_request_types)
    if field_model(field) is not None and isinstance(value, Mapping):
        return merge_onto(now, value), now
    return value, now


def _fresh(value: Any) -> Any:
    # A merged object shares the parts it did not change with the stored event: a body gets
    # its own copy, so that editing one never edits the other.
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value


def diff_against_baseline(
    payload: Mapping[str, Any],
    current: Mapping[str, Any] | None,
    rules: IntegrationRules,
) -> dict[str, Any] | None:
    """Reduce an update body to what differs from the current event.

    Parameters
    ----------
    payload : mapping
        The validated body the row asks for.
    current : mapping or None
        The current event as stored (:func:`baseline_lookup`, request-shaped by
        :func:`~truto_frame.planning.request_shape.with_request_types`); ``None`` when it is
        not in the baseline, in which case the payload is returned unchanged (the caller
        reports that row).
    rules : IntegrationRules
        The account's integration: its carried fields are added back from the current event
        (``calendar`` everywhere, ``start_time``/``end_time`` on Google and when the integration
        is unknown), and ``timezone`` plus
        the other end of the time range whenever a time is sent.

    Returns
    -------
    dict or None
        The body to send, or ``None`` when nothing changed (the row is skipped).
    """
    if current is None:
        return dict(payload)
    changed: dict[str, Any] = {}
    for field, value in payload.items():
        after, now = _candidate(field, value, current)
        if not same_value(after, now, field):
            changed[field] = _fresh(after) if after is not value else after
    if not changed:
        return None
    _add_from(rules.carried_fields, changed, payload, current)
    # Required fields may have brought a time along: a time needs its pair and the zone.
    if _INSTANT_FIELDS & set(changed):
        _add_from(("start_time", "end_time", "timezone"), changed, payload, current)
    return changed


def _add_from(
    fields: typing.Iterable[str],
    changed: dict[str, Any],
    payload: Mapping[str, Any],
    current: Mapping[str, Any],
) -> None:
    # Fill fields the update must carry: the row's value if it has one, else the current one.
    for field in sorted(set(fields) - set(changed)):
        if field in payload:
            after = _candidate(field, payload[field], current)[0]
            changed[field] = _fresh(after) if after is not payload[field] else after
        elif current.get(field) is not None:
            changed[field] = current[field]


def missing_reason(
    baseline_events: Mapping[BaselineKey, Any],
    account: str | None,
    event_id: str,
    accounts: Collection[str | None] = (),
) -> str:
    """Say why a row's event has no baseline (the row's problem message).

    ``accounts`` are the accounts the baseline holds (computed once by the caller): an event
    read from another account than the row names says so.
    """
    errors = getattr(baseline_events, "errors", None) or {}
    if (account, event_id) in errors:
        return f"could not read the current event to compare with: {errors[(account, event_id)]}"
    # The usual slip: the event is there, read from another account than the row names.
    others = [a for a in accounts if a != account and (a, event_id) in baseline_events]
    if others:
        return (
            f"check integrated_account_id: the row is for {account}, but the event was read "
            f"from {others[0]}"
        )
    hint = getattr(baseline_events, "missing_hint", None)
    if hint:
        return f"event {event_id!r} {hint}"
    return (
        f"event {event_id!r} is not in the baseline: check the id, or read again over a "
        "window covering it (read-events --from/--to; read_events(start_time=, end_time=))"
    )
