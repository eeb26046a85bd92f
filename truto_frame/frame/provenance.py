"""What a frame was read from: a small handle in ``DataFrame.attrs`` to the events as read.

:func:`~truto_frame.read_events` returns a frame that the user edits, often a copy of it
(``events.copy()``, a filter, ``assign``). Planning such a frame without ``baseline=`` must not
send every cell back, so the frame remembers what was read: :func:`attach_snapshot` puts a
:class:`SnapshotHandle` in ``df.attrs`` under :data:`ATTRS_KEY`, and :func:`snapshot_of` finds
it on any frame pandas derived from it.

pandas deep-copies ``attrs`` on most operations, so the handle copies as itself
(``__copy__`` and ``__deepcopy__`` return the same object): a thousand derived frames share one
snapshot, and nothing of the data is copied. Pickled, the handle keeps only its key; unpickled
in the same process it finds the snapshot again while the snapshot is alive (a weak registry),
elsewhere it holds nothing and the frame is planned as one without a snapshot.

The snapshot holds a copy of the frame as read (lazy under pandas' copy-on-write: it shares
the data until one side is written), so editing the returned frame in place does not edit what
it is compared with.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

import pandas as pd

__all__ = ["ATTRS_KEY", "ReadSnapshot", "SnapshotHandle", "attach_snapshot", "snapshot_of"]

ATTRS_KEY = "truto_frame.read"
"""The ``DataFrame.attrs`` key that holds a frame's :class:`SnapshotHandle`."""

_LIVE: weakref.WeakValueDictionary[int, ReadSnapshot] = weakref.WeakValueDictionary()
_KEYS = itertools.count(1)


class ReadSnapshot:
    """The events as :func:`~truto_frame.read_events` returned them, for one read.

    Attributes
    ----------
    frame : pandas.DataFrame
        A copy of the frame as read (no ``attrs``), one row per event.
    cache : dict
        Room for what planning derives from ``frame`` once (the baseline lookup), so that
        planning ten edited copies of one read does the work once.
    """

    __slots__ = ("__weakref__", "cache", "frame")

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.cache: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<ReadSnapshot of {len(self.frame)} events>"


class SnapshotHandle:
    """A cheap, shareable reference to a :class:`ReadSnapshot`, kept in ``DataFrame.attrs``.

    Parameters
    ----------
    key : int
        The snapshot's key in the process-wide weak registry.
    snapshot : ReadSnapshot or None
        The snapshot itself (held strongly: it lives as long as a frame refers to it).
    """

    __slots__ = ("_snapshot", "key")

    def __init__(self, key: int, snapshot: ReadSnapshot | None) -> None:
        self.key = key
        self._snapshot = snapshot

    @property
    def snapshot(self) -> ReadSnapshot | None:
        """The events as read, or ``None`` (an unpickled handle whose snapshot is gone)."""
        return self._snapshot

    def __copy__(self) -> SnapshotHandle:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> SnapshotHandle:
        return self  # the whole point: pandas deep-copies attrs, the data must not follow

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        return (_reattach, (self.key,))  # never the data

    def __repr__(self) -> str:
        size = "gone" if self._snapshot is None else f"{len(self._snapshot.frame)} events"
        return f"<truto_frame read snapshot #{self.key}: {size}>"


def _reattach(key: int) -> SnapshotHandle:
    return SnapshotHandle(key, _LIVE.get(key))


def attach_snapshot(df: pd.DataFrame) -> SnapshotHandle:
    """Record ``df`` as read, in its own ``attrs``: copies and slices of it will remember.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame just read from the API (modified in place: its ``attrs`` gain the handle).

    Returns
    -------
    SnapshotHandle
    """
    frame = df.copy()
    frame.attrs = {}
    snapshot = ReadSnapshot(frame)
    key = next(_KEYS)
    _LIVE[key] = snapshot
    handle = SnapshotHandle(key, snapshot)
    df.attrs[ATTRS_KEY] = handle
    return handle


def snapshot_of(df: pd.DataFrame) -> ReadSnapshot | None:
    """The events ``df`` (or the frame it was derived from) was read as, if known.

    Parameters
    ----------
    df : pandas.DataFrame

    Returns
    -------
    ReadSnapshot or None
        ``None`` for a frame not made by :func:`~truto_frame.read_events` (or one whose
        ``attrs`` pandas dropped, as ``pd.concat`` of two different reads does).
    """
    handle = df.attrs.get(ATTRS_KEY)
    return handle.snapshot if isinstance(handle, SnapshotHandle) else None
