"""Attendees as a long frame: one row per (event, attendee), and back into the events' lists.

The flat ``attendees[i].*`` columns make attendee edits index arithmetic: to remove a person
from every meeting, each event's list must be found, filtered and renumbered. Here the lists
become rows instead::

    long = df.truto.attendees()                   # id, position, person.name, is_optional, ...
    kept = long[long["person.emails[0].email"] != "leaver@example.com"]
    new = df.truto.with_attendees(kept, missing="clear")
    plan = new.truto.update_events(baseline=df)   # only the events whose list changed

:func:`with_attendees` rebuilds each event's list from its rows (ordered by ``position``; a row
whose position is missing is a new attendee, appended after the others) and writes the changed
lists back as whole ``attendees`` cells, emptying that event's ``attendees[i].*`` cells, so the
planner reads one consistent value. An event whose list did not change keeps its cells exactly.

An event with no rows in the long frame is ambiguous: the user may have filtered all its
attendees out, or simply left the event out. ``missing="keep"`` (the default, the safe reading)
leaves it untouched; ``missing="clear"`` gives it an empty list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from ..model.schema import Attendee
from ..model.sentinels import MISSING
from .cells import as_id, normalize_cell
from .columns import parse_column
from .flatten import flatten_events, unflatten_events

__all__ = [
    "ACCOUNT_COLUMN",
    "ATTENDEES_COLUMN",
    "ID_COLUMN",
    "POSITION_COLUMN",
    "attendees",
    "with_attendees",
]

ID_COLUMN = "id"
ACCOUNT_COLUMN = "integrated_account_id"
ATTENDEES_COLUMN = "attendees"
POSITION_COLUMN = "position"
"""The attendee's place in its event's list (0 first); missing for an attendee to add."""

_KEYS = (ID_COLUMN, ACCOUNT_COLUMN, POSITION_COLUMN)
_PREFIX = f"{ATTENDEES_COLUMN}[0]."

EventKey = tuple[str | None, str]


def _attendee_columns(df: pd.DataFrame) -> list[str]:
    # The columns that hold attendees: the whole list and its parts (attendees[i].*).
    found = []
    for name in df.columns:
        if isinstance(name, str) and name.startswith(ATTENDEES_COLUMN):
            try:
                path = parse_column(name)
            except ValueError:
                continue
            if path[0] == ATTENDEES_COLUMN:
                found.append(name)
    return found


def _event_lists(df: pd.DataFrame) -> list[list[dict[str, Any]] | None]:
    # Each event's attendee list as read (JSON text parsed, NULL as None); None: no list.
    columns = _attendee_columns(df)
    events = unflatten_events(df.loc[:, columns]) if columns else [{} for _ in range(len(df))]
    lists: list[list[dict[str, Any]] | None] = []
    for label, event in zip(df.index, events, strict=True):
        value = event.get(ATTENDEES_COLUMN)
        if value is None:
            lists.append(None)
            continue
        if not isinstance(value, list) or not all(isinstance(a, dict) for a in value):
            raise InputError(
                f"row {label!r}: 'attendees' must be a list of attendee objects, got {value!r}"
            )
        lists.append(value)
    return lists


def _require_frame(df: Any, what: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    if ID_COLUMN not in df.columns:
        raise InputError(f"{what} has no 'id' column: it must hold the id of each event")
    return df


def attendees(df: pd.DataFrame, with_columns: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per (event, attendee): the attendee lists of a frame of events, made long.

    Parameters
    ----------
    df : pandas.DataFrame
        Events with column ``id`` and attendees as ``attendees[i].*`` columns or a whole
        ``attendees`` cell (a list, or its JSON text), as :func:`~truto_frame.read_events`,
        :func:`~truto_frame.flatten_events` or :func:`~truto_frame.read_csv` give them.
    with_columns : sequence of str, optional
        Event columns to repeat on each of the event's rows (``["title", "start_time"]``);
        :func:`with_attendees` ignores them.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``integrated_account_id`` (when ``df`` has it), ``position`` (the
        attendee's place in its list, 0 first), the ``with_columns``, then the attendee's own
        flat columns without the ``attendees[i].`` prefix: ``is_optional``, ``is_organizer``,
        ``person.name``, ``person.emails[0].email``, ``response.status``... A JSON ``null`` is
        :data:`~truto_frame.NULL`, as in :func:`~truto_frame.flatten_events`. Events without
        attendees have no rows. The index is a fresh ``RangeIndex``.

    Raises
    ------
    InputError
        When ``df`` has no ``id`` column, a ``with_columns`` name is not a column of ``df``, or
        an ``attendees`` cell is not a list of objects.
    """
    _require_frame(df, "the frame")
    extra = [c for c in (with_columns or ()) if c not in _KEYS]
    unknown = [c for c in extra if c not in df.columns]
    if unknown:
        raise InputError(f"with_columns not in the frame: {', '.join(map(str, unknown))}")
    keys = [ID_COLUMN] + ([ACCOUNT_COLUMN] if ACCOUNT_COLUMN in df.columns else [])
    head: dict[str, list[Any]] = {name: [] for name in [*keys, POSITION_COLUMN, *extra]}
    people: list[dict[str, Any]] = []
    event_cells = {name: df[name].tolist() for name in [*keys, *extra]}
    for i, found in enumerate(_event_lists(df)):
        for position, attendee in enumerate(found or ()):
            for name, cells in event_cells.items():
                head[name].append(cells[i])
            head[POSITION_COLUMN].append(position)
            people.append(attendee)
    own = flatten_events(people)
    for name in own.columns:
        if name in head:
            raise InputError(f"an attendee field {name!r} has the name of an event column")
    long = pd.DataFrame({name: pd.Series(v, dtype=object) for name, v in head.items()})
    long[POSITION_COLUMN] = pd.Series(head[POSITION_COLUMN], dtype="int64")
    return pd.concat([long, own.reset_index(drop=True)], axis=1)


def _key_of(id_value: Any, account: Any, by_account: bool) -> EventKey | None:
    event_id = as_id(id_value)
    if event_id is None:
        return None
    return (as_id(account) if by_account else None, event_id)


def _event_index(df: pd.DataFrame, by_account: bool) -> dict[EventKey, int]:
    accounts = df[ACCOUNT_COLUMN].tolist() if by_account else [None] * len(df)
    index: dict[EventKey, int] = {}
    for i, (label, event_id, account) in enumerate(
        zip(df.index, df[ID_COLUMN].tolist(), accounts, strict=True)
    ):
        key = _key_of(event_id, account, by_account)
        if key is None:
            continue
        if key in index:
            hint = "" if by_account else " (give both frames an integrated_account_id column)"
            raise InputError(
                f"event {key[1]!r} is in rows {df.index[index[key]]!r} and {label!r} of the "
                f"frame: cannot tell which one the attendees belong to{hint}"
            )
        index[key] = i
    return index


def _own_columns(long: pd.DataFrame, df: pd.DataFrame, lists: Sequence[Any]) -> list[str]:
    # An attendee column: its first key is an attendee field, or one the events' attendees
    # hold. Event columns (with_columns) and the user's helper columns are not attendee data.
    known = set(Attendee.model_fields)
    for found in lists:
        for attendee in found or ():
            known.update(attendee)
    own = []
    for name in long.columns:
        if name in _KEYS or name in df.columns or not isinstance(name, str):
            continue
        try:
            path = parse_column(name)
        except ValueError:
            continue
        if path[0] in known:
            own.append(name)
    return own


def _has_email(attendee: Mapping[str, Any]) -> bool:
    person = attendee.get("person")
    emails = person.get("emails") if isinstance(person, Mapping) else None
    return isinstance(emails, list) and any(
        isinstance(e, Mapping) and isinstance(e.get("email"), str) and e["email"].strip()
        for e in emails
    )


def _order(positions: list[Any]) -> list[int]:
    # By position; rows without one (new attendees) after the others, in the frame's order.
    def rank(i: int) -> tuple[int, float, int]:
        value = normalize_cell(positions[i])
        if value is MISSING or value is None or isinstance(value, bool):
            return (1, 0.0, i)
        try:
            return (0, float(value), i)
        except (TypeError, ValueError):
            raise InputError(f"position must be a number, got {positions[i]!r}") from None

    return sorted(range(len(positions)), key=rank)


def with_attendees(
    df: pd.DataFrame, long: pd.DataFrame, *, missing: Literal["keep", "clear"] = "keep"
) -> pd.DataFrame:
    """A copy of ``df`` whose attendee lists are rebuilt from a long frame of attendees.

    The inverse of :func:`attendees`: each event's rows, ordered by ``position`` (rows whose
    position is missing are new attendees, appended in the long frame's order), become its
    list. Only events whose list changed differ from ``df``: their ``attendees`` cell holds the
    new list and their ``attendees[i].*`` cells are emptied, so
    ``new.truto.update_events(baseline=df)`` sends exactly those events, each with its whole
    new list.

    Parameters
    ----------
    df : pandas.DataFrame
        The events, as given to :func:`attendees`.
    long : pandas.DataFrame
        One row per attendee to keep or add: ``id`` (and ``integrated_account_id`` when both
        frames have it) names the event, ``position`` the order, the attendee columns
        (``person.name``, ``person.emails[0].email``, ``is_optional``...) the attendee. Event
        columns of ``df`` and helper columns that are not attendee fields are ignored.
    missing : {"keep", "clear"}, default "keep"
        What an event of ``df`` with no rows in ``long`` means. ``"keep"``: it was left out;
        its attendees are untouched (the safe reading). ``"clear"``: its attendees were all
        removed; an event that had attendees gets an empty list (use it when ``long`` is a
        filter of ``df.truto.attendees()``, or an event whose only attendee was filtered out
        keeps that attendee).

    Returns
    -------
    pandas.DataFrame
        Same index, same rows; column ``attendees`` added when needed.

    Raises
    ------
    InputError
        When a row of ``long`` names an event that is not in ``df``, an attendee that is new
        or edited has no email (``person.emails[0].email``), a position is not a number, or
        the attendee cells cannot be put together.
    """
    _require_frame(df, "the frame")
    _require_frame(long, "the attendees frame")
    if missing not in ("keep", "clear"):
        raise InputError(f"missing must be 'keep' or 'clear', got {missing!r}")
    by_account = ACCOUNT_COLUMN in df.columns and ACCOUNT_COLUMN in long.columns
    where = _event_index(df, by_account)
    before = _event_lists(df)
    own = _own_columns(long, df, before)
    # Unflattened under attendees[0]: JSON text in a `person` or `person.emails` cell is read
    # by the schema like any other container cell.
    parts = long.loc[:, own].rename(columns={c: _PREFIX + c for c in own})
    rebuilt = [e.get(ATTENDEES_COLUMN, [{}])[0] for e in unflatten_events(parts)]
    accounts = long[ACCOUNT_COLUMN].tolist() if by_account else [None] * len(long)
    rows: dict[int, list[int]] = {}  # df position -> long positions
    for j, (label, event_id, account) in enumerate(
        zip(long.index, long[ID_COLUMN].tolist(), accounts, strict=True)
    ):
        key = _key_of(event_id, account, by_account)
        if key is None or key not in where:
            name = "no event id" if key is None else f"event {key[1]!r} is not in the frame"
            raise InputError(f"attendees row {label!r}: {name}")
        rows.setdefault(where[key], []).append(j)
    positions = long[POSITION_COLUMN].tolist() if POSITION_COLUMN in long.columns else None
    after: dict[int, list[dict[str, Any]]] = {}
    for i, found in enumerate(before):
        if i in rows:
            picked = rows[i]
            if positions is not None:
                picked = [picked[k] for k in _order([positions[j] for j in picked])]
            new = [rebuilt[j] for j in picked]
            old = found or []
            # New or edited attendees need an email; one read as it is keeps what it has.
            no_email = [
                long.index[j]
                for j in picked
                if rebuilt[j] not in old and not _has_email(rebuilt[j])
            ]
            if no_email:
                more = f" and {len(no_email) - 10} more" if len(no_email) > 10 else ""
                raise InputError(
                    "every attendee needs an email: fill person.emails[0].email in row"
                    f"{'s' * (len(no_email) != 1)} {', '.join(map(repr, no_email[:10]))}{more} "
                    "of the attendees frame (or drop the row to remove that attendee)"
                )
        elif missing == "clear" and found:
            new = []
        else:
            continue
        if new != (found or []):
            after[i] = new
    return _written(df, after)


def _written(df: pd.DataFrame, lists: Mapping[int, list[dict[str, Any]]]) -> pd.DataFrame:
    out = df.copy()
    if not lists:
        return out
    parts = [c for c in _attendee_columns(df) if c != ATTENDEES_COLUMN]
    if ATTENDEES_COLUMN not in out.columns:
        out[ATTENDEES_COLUMN] = pd.Series(np.nan, index=out.index, dtype=object)
    for name in [ATTENDEES_COLUMN, *parts]:
        if out[name].dtype != object:
            out[name] = out[name].astype(object)
    whole = out.columns.get_loc(ATTENDEES_COLUMN)
    emptied = [out.columns.get_loc(c) for c in parts]
    for i, new in lists.items():
        out.iat[i, whole] = new
        for column in emptied:
            out.iat[i, column] = np.nan
    return out
