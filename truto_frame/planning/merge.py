"""Three-way merge of a planned body with an event that changed since the plan's snapshot.

A plan is diffed against a *snapshot* (its baseline) and may be applied much later. Its body
then carries two kinds of values: fields the user **edited** (they differ from the snapshot) and
fields **re-sent** from the snapshot (what the integration requires on every update, such as
Google's ``start_time``/``end_time``; the parts of an object or a list the user did not touch).
Sending a re-sent value after someone else changed it would silently undo their change, so
rows that carry re-sent values are re-read just before writing
(:mod:`truto_frame.planning.reread`) and merged here:

* ``base`` is the snapshot, ``mine`` the planned body, ``theirs`` the event as it is now;
* a field only the user edited is sent as edited; a field only others changed is sent as it is
  now (a re-sent field takes the current value); a field both sides changed to different values
  is a :class:`Conflict` (the body then holds the user's value, sent only when forced);
* ``start_time``, ``end_time`` and ``timezone`` merge as one: a time the user edited wins only
  when no one else changed the times since the snapshot;
* objects (``location``) merge part by part; ``attendees`` merge by email: the user's
  additions, removals and edits are applied to the current list, and the responses and
  attendees others added are kept (a removal wins over a response given meanwhile);
  ``recurrence`` and ``remote_data`` merge as wholes;
* ``calendar`` is the event's address, not a stored value: it is sent as planned.

Pure functions, table-tested in ``tests/test_merge.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .baseline import same_value

__all__ = [
    "ADDRESS_FIELDS",
    "TIME_FIELDS",
    "Conflict",
    "MergeResult",
    "attendee_key",
    "edited_fields",
    "merge_event",
    "needs_reread",
    "unchanged_since",
]

TIME_FIELDS: tuple[str, ...] = ("start_time", "end_time", "timezone")
"""Fields that merge as one group: when an event happens."""

ADDRESS_FIELDS: frozenset[str] = frozenset({"calendar"})
"""Fields that say where the event lives rather than what it holds: sent as planned."""

_WHOLE_FIELDS = frozenset({"recurrence", "remote_data"})


@dataclass(frozen=True)
class Conflict:
    """One field that both the user and someone else changed since the snapshot.

    Attributes
    ----------
    field : str
        The flat path (``title``, ``location.name``, ``attendees[bob@example.com].is_optional``).
    base, mine, theirs : Any
        The snapshot's value, the user's, and the current one (``None`` when absent).
    """

    field: str
    base: Any
    mine: Any
    theirs: Any

    def describe(self) -> str:
        """One readable clause: ``title: planned 'B', now 'C' (was 'A')``."""
        return (
            f"{self.field}: planned {_short(self.mine)}, now {_short(self.theirs)} "
            f"(was {_short(self.base)})"
        )


@dataclass(frozen=True)
class MergeResult:
    """What to send for one row after the merge.

    Attributes
    ----------
    payload : dict
        The body to send; where there are conflicts it holds the user's values (sent only
        with ``on_conflict="overwrite"``).
    conflicts : tuple of Conflict
        Fields changed on both sides to different values; empty when the row may be sent.
    kept : tuple of str
        Paths whose current value was kept instead of the snapshot's (others' changes).
    changed : bool
        Whether the event differs from the snapshot in any field the body carries.
    """

    payload: dict[str, Any]
    conflicts: tuple[Conflict, ...] = ()
    kept: tuple[str, ...] = field(default=())
    changed: bool = False

    @property
    def note(self) -> str | None:
        """The results' ``merged`` note: what was taken from the current event, if anything."""
        if not self.kept:
            return None
        return "kept changes made since the snapshot: " + ", ".join(self.kept)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shaped(event: Mapping[str, Any] | None, name: str) -> Any:
    # Baselines and re-read events are request-shaped when stored (with_request_types).
    return event.get(name) if event is not None else None


def edited_fields(payload: Mapping[str, Any], base: Mapping[str, Any] | None) -> set[str]:
    """The top-level fields of a body that differ from the snapshot: the user's edits.

    Parameters
    ----------
    payload : mapping
        The planned body.
    base : mapping or None
        The snapshot event; ``None`` when the plan has none (every field counts as edited).

    Returns
    -------
    set of str
        The other fields of the body are re-sent from the snapshot.
    """
    if base is None:
        return set(payload)
    return {name for name, value in payload.items() if not _same(value, _shaped(base, name), name)}


def needs_reread(payload: Mapping[str, Any] | None, base: Mapping[str, Any] | None) -> bool:
    """Whether a row must read its event again before writing.

    A body that holds only fields the user edited, each a plain value, overwrites nothing it
    did not mean to and needs no read. One that re-sends a value from the snapshot (a required
    time, the untouched parts of an object, the other items of a list) does.

    Parameters
    ----------
    payload : mapping or None
        The planned body (``None``: the row is not sent).
    base : mapping or None
        The snapshot event (``None``: no snapshot to compare with, no read).

    Returns
    -------
    bool
    """
    if payload is None or base is None:
        return False
    for name, value in payload.items():
        if name in ADDRESS_FIELDS:
            continue
        if name != "remote_data" and isinstance(value, (list, Mapping)):
            return True  # a list or object rebuilt from the snapshot's
        if _same(value, _shaped(base, name), name):
            return True  # re-sent from the snapshot
    return False


def unchanged_since(base: Mapping[str, Any] | None, theirs: Mapping[str, Any]) -> bool | None:
    """Compare the ``updated_at`` (else the etag) of the snapshot and the current event.

    Returns
    -------
    bool or None
        ``True``: the same version; ``False``: changed since; ``None``: cannot tell (compare
        the fields).
    """
    if base is None:
        return None
    x, y = _instant(base.get("updated_at")), _instant(theirs.get("updated_at"))
    if x is not None and y is not None:
        return x == y
    a, b = _etag(base), _etag(theirs)
    if a is not None and b is not None:
        return a == b
    return None


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):  # a pandas Timestamp too
        return value
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None  # naive: cannot compare safely


def _etag(event: Mapping[str, Any]) -> str | None:
    # The unified etag, else the provider's (Google's etag, Graph's @odata.etag).
    remote = event.get("remote_data")
    for found in (
        event.get("etag"),
        remote.get("etag") if isinstance(remote, Mapping) else None,
        remote.get("@odata.etag") if isinstance(remote, Mapping) else None,
    ):
        if isinstance(found, str) and found:
            return found
    return None


# --------------------------------------------------------------------------- merging


def _same(a: Any, b: Any, name: str | None = None) -> bool:
    return same_value(a, b, name if name in ("start_time", "end_time") else None)


class _Merger:
    """Collects the conflicts and kept paths of one row while fields merge."""

    def __init__(self) -> None:
        self.conflicts: list[Conflict] = []
        self.kept: list[str] = []

    def value(self, path: str, base: Any, mine: Any, theirs: Any, name: str | None = None) -> Any:
        # One value, whole: the side that changed it wins; both changed it differently: conflict.
        if _same(mine, base, name):
            if not _same(theirs, base, name):
                self.kept.append(path)
                return theirs
            return mine
        if _same(theirs, base, name) or _same(mine, theirs, name):
            return mine
        self.conflicts.append(Conflict(path, base, mine, theirs))
        return mine

    def object(self, path: str, base: Any, mine: Mapping[str, Any], theirs: Any) -> Any:
        # Part by part; a part the user's object does not mention is left as it is now.
        b = base if isinstance(base, Mapping) else {}
        t = theirs if isinstance(theirs, Mapping) else None
        if t is None:
            return self.value(path, base, mine, theirs)
        out: dict[str, Any] = {}
        for key in [*t, *(k for k in mine if k not in t)]:
            sub = f"{path}.{key}"
            if key not in mine:
                out[key] = t[key]
                continue
            bv, mv, tv = b.get(key), mine[key], t.get(key)
            if isinstance(mv, Mapping) and isinstance(tv, Mapping) and not _same(tv, bv):
                out[key] = self.object(sub, bv, mv, tv)
            else:
                out[key] = self.value(sub, bv, mv, tv)
        return out

    def attendees(self, base: Any, mine: Sequence[Any], theirs: Any) -> list[Any]:
        b = _by_key(base if isinstance(base, list) else [])
        m = _by_key(mine)
        t = _by_key(theirs if isinstance(theirs, list) else [])
        out: list[Any] = []
        for key, now in t.items():
            path = f"attendees[{key}]"
            if key in m:
                edit = m[key]
                merged = (
                    self.object(path, b.get(key, {}), edit, now)
                    if isinstance(edit, Mapping)
                    else self.value(path, b.get(key), edit, now)
                )
                out.append(merged)
            elif key in b:
                if not _same(now, b[key]):
                    self.kept.append(path)  # the user removes it; the removal wins
            else:
                self.kept.append(path)  # added by someone else since the snapshot
                out.append(now)
        for key, edit in m.items():
            if key in t:
                continue
            path = f"attendees[{key}]"
            if key in b:  # removed by someone else since the snapshot
                if _same(edit, b[key]):
                    self.kept.append(path)
                    continue
                self.conflicts.append(Conflict(path, b[key], edit, None))
            out.append(edit)
        return out


def attendee_key(item: Any) -> str:
    """What identifies an attendee across versions of a list: the first email, lower-cased
    (else ``person.id``, else ``person.name``, else the item's repr)."""
    person = item.get("person") if isinstance(item, Mapping) else None
    if isinstance(person, Mapping):
        emails = person.get("emails")
        if isinstance(emails, list):
            for entry in emails:
                email = entry.get("email") if isinstance(entry, Mapping) else None
                if isinstance(email, str) and email.strip():
                    return email.strip().lower()
        for name in ("id", "name"):
            if isinstance(person.get(name), str) and person[name]:
                return f"{name}:{person[name]}"
    return repr(item)


def _by_key(items: Sequence[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        out.setdefault(attendee_key(item), item)
    return out


def merge_event(
    mine: Mapping[str, Any], base: Mapping[str, Any], theirs: Mapping[str, Any]
) -> MergeResult:
    """Merge a planned body with the current event, against the snapshot it was planned on.

    Parameters
    ----------
    mine : mapping
        The planned body (the user's edits and the values re-sent from the snapshot).
    base : mapping
        The snapshot event the body was planned on.
    theirs : mapping
        The event as it is now (read just before writing).

    Returns
    -------
    MergeResult
        The body to send, the conflicts and the paths where others' changes were kept. When
        the event did not change in any field the body carries, the body is returned as is.

    Examples
    --------
    >>> base = {"title": "A", "start_time": "2026-01-05T10:00:00Z", "timezone": "UTC"}
    >>> now = {**base, "start_time": "2026-01-05T11:00:00Z"}  # the organizer moved it
    >>> mine = {**base, "title": "B"}  # a title edit that re-sends the old time
    >>> merge_event(mine, base, now).payload["start_time"]
    '2026-01-05T11:00:00Z'
    """
    merger = _Merger()
    out: dict[str, Any] = {}
    changed = False
    for name, value in mine.items():
        b, t = _shaped(base, name), _shaped(theirs, name)
        if name in ADDRESS_FIELDS:
            out[name] = value
            continue
        changed = changed or not _same(t, b, name)
        if name in TIME_FIELDS:
            out[name] = value  # settled below, as a group
        elif name == "attendees" and isinstance(value, list) and not _same(t, b):
            out[name] = merger.attendees(b, value, t)
        elif (
            name not in _WHOLE_FIELDS
            and isinstance(value, Mapping)
            and not _same(value, b)
            and not _same(t, b)
        ):
            out[name] = merger.object(name, b, value, t)
        elif t is None and not _same(t, b, name) and _same(value, b, name):
            out[name] = value  # cleared meanwhile, but the body must carry it: keep it
        else:
            out[name] = merger.value(name, b, value, t, name)
    _merge_times(merger, out, mine, base, theirs)
    return MergeResult(out, tuple(merger.conflicts), tuple(merger.kept), changed)


def _merge_times(
    merger: _Merger,
    out: dict[str, Any],
    mine: Mapping[str, Any],
    base: Mapping[str, Any],
    theirs: Mapping[str, Any],
) -> None:
    sent = [name for name in TIME_FIELDS if name in mine]
    if not sent:
        return
    b = {name: _shaped(base, name) for name in TIME_FIELDS}
    t = {name: _shaped(theirs, name) for name in TIME_FIELDS}
    edited = [name for name in sent if not _same(mine[name], b[name], name)]
    moved = [n for n in TIME_FIELDS if t[n] is not None and not _same(t[n], b[n], n)]
    if not moved:
        return  # the times are as planned on: the body's values stand
    if not edited:
        for name in sent:  # re-sent times take the current ones
            if t[name] is not None and not _same(t[name], mine[name], name):
                out[name] = t[name]
                merger.kept.append(name)
        return
    for name in sent:
        if not _same(mine[name], t[name], name) and (name in edited or name in moved):
            merger.conflicts.append(Conflict(name, b[name], mine[name], t[name]))
