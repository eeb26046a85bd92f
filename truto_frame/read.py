"""Reading events: every page of an account's events into the flat frame ``update_events`` reads.

:func:`read_events` lists ``GET /unified/calendar/events`` page by page (following
``next_cursor``) over an explicit time window and returns :func:`~truto_frame.flatten_events`'s
frame, typed for pandas: ids as text, ``start_time``/``end_time`` as the API's own text (so
that a time typed in local terms stays local, and an all-day date stays a date), ``created_at``/
``updated_at`` as timezone-aware (UTC) Timestamps, and an ``integrated_account_id`` column so
that the frame can be edited and sent back, or passed as ``baseline=`` to send only what
changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pandas as pd

from .api.auth import Secret
from .api.client import TrutoClient
from .api.options import RequestOptions
from .engine.runner import run_sync
from .errors import ConfigurationError
from .frame.columns import parse_column
from .frame.flatten import flatten_events
from .frame.provenance import attach_snapshot
from .model.sentinels import NULL

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_WINDOW",
    "EVENT_TIME_COLUMNS",
    "TIME_COLUMNS",
    "read_events",
    "read_events_async",
    "typed_frame",
]

DEFAULT_WINDOW: tuple[timedelta, timedelta] = (timedelta(days=-30), timedelta(days=365))
"""The window read when none is given: from 30 days ago to 365 days ahead of now (UTC).

Truto's own default is only the current month, which silently misses most of a schedule."""

TIME_COLUMNS: tuple[str, ...] = ("created_at", "updated_at")
"""Read-only columns turned into timezone-aware (UTC) Timestamps."""

EVENT_TIME_COLUMNS: tuple[str, ...] = ("start_time", "end_time")
"""Columns kept as the API's own text (object dtype), never coerced to UTC.

A ``datetime64[UTC]`` column would store a local time typed into it (``"2026-12-10 09:00"``)
as 09:00 UTC, and would turn an all-day date (``2026-12-10``) into midnight UTC; as text, a
cell means what it says (see ``docs/columns.md``, "Times")."""

ACCOUNT_COLUMN = "integrated_account_id"

TimeLike = str | date | datetime | pd.Timestamp


def _iso(value: TimeLike | None, what: str) -> str | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{what} is not a date or date-time: {value!r}") from exc
    if pd.isna(stamp):
        raise ConfigurationError(f"{what} is not a date or date-time: {value!r}")
    # A naive time is taken as UTC: the API needs an offset to mean one instant.
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.isoformat().replace("+00:00", "Z")


def resolve_window(
    start_time: TimeLike | None, end_time: TimeLike | None, *, now: datetime | None = None
) -> tuple[str, str]:
    """The ``(start_time, end_time)`` query values to send, defaults filled in.

    Parameters
    ----------
    start_time, end_time : str, date, datetime or Timestamp, optional
        Either end of the window; a missing end is filled from :data:`DEFAULT_WINDOW`. Naive
        values are taken as UTC.
    now : datetime, optional
        The moment the default window is counted from (default: the current time).

    Returns
    -------
    tuple of str
        ISO 8601 UTC instants (``2026-11-23T00:00:00Z``).

    Raises
    ------
    ConfigurationError
        When a value is not a date or the window ends before it starts.
    """
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    today = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    start = _iso(start_time, "start_time") or _iso(today + DEFAULT_WINDOW[0], "start_time")
    end = _iso(end_time, "end_time") or _iso(today + DEFAULT_WINDOW[1], "end_time")
    assert start is not None and end is not None
    if pd.Timestamp(end) <= pd.Timestamp(start):
        raise ConfigurationError(f"the window ends ({end}) before it starts ({start})")
    return start, end


def _is_id_column(name: str) -> bool:
    try:
        path = parse_column(name)
    except ValueError:
        return False
    return path[-1] == "id"


def _as_text(value: Any) -> Any:
    if value is NULL or value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    return value if isinstance(value, str) else str(value)


def _as_time(values: pd.Series) -> pd.Series:
    # A datetime column cannot hold the NULL sentinel: a time that is null reads as NaT.
    cleaned = pd.Series(
        [None if v is NULL else v for v in values.tolist()],
        index=values.index,
        name=values.name,
        dtype=object,
    )
    return pd.to_datetime(cleaned, utc=True, errors="coerce", format="ISO8601")


def typed_frame(events: Sequence[Mapping[str, Any]], integrated_account_id: str) -> pd.DataFrame:
    """Flatten listed events and type the frame the way :func:`read_events` returns it.

    Parameters
    ----------
    events : sequence of Mapping
        Unified events as the API returns them.
    integrated_account_id : str
        The account they were read from; becomes the ``integrated_account_id`` column.

    Returns
    -------
    pandas.DataFrame
        See :func:`read_events`.
    """
    df = flatten_events(events)
    if "id" not in df.columns:
        df.insert(0, "id", pd.Series(dtype=object))
    for name in df.columns:
        if _is_id_column(name):
            df[name] = df[name].map(_as_text).astype(object)
    df["id"] = df["id"].astype("string")
    df.insert(
        list(df.columns).index("id") + 1,
        ACCOUNT_COLUMN,
        pd.Series([integrated_account_id] * len(df), index=df.index, dtype="string"),
    )
    for name in TIME_COLUMNS:
        if name in df.columns:
            df[name] = _as_time(df[name])
    for name in EVENT_TIME_COLUMNS:
        if name in df.columns:
            df[name] = df[name].astype(object)
    return df


async def read_events_async(
    integrated_account_id: str,
    *,
    token: str | Secret | None = None,
    base_url: str | None = None,
    start_time: TimeLike | None = None,
    end_time: TimeLike | None = None,
    calendar_id: str | None = None,
    response_format: str = "unified",
    ignore_remote_data: bool = False,
    exclude_fields: Sequence[str] | None = None,
    remote_query: Mapping[str, Any] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    page_size: int | None = None,
) -> pd.DataFrame:
    """Like :func:`read_events`, for async callers: ``df = await read_events_async(...)``."""
    if not isinstance(integrated_account_id, str) or not integrated_account_id.strip():
        raise ConfigurationError("integrated_account_id must be a non-empty string")
    if page_size is not None and (not isinstance(page_size, int) or page_size < 1):
        raise ConfigurationError(f"page_size must be a positive integer, got {page_size!r}")
    start, end = resolve_window(start_time, end_time)
    options = RequestOptions(
        response_format=response_format,
        ignore_remote_data=ignore_remote_data,
        # A single name is one field, not its letters.
        exclude_fields=(
            (exclude_fields,) if isinstance(exclude_fields, str) else tuple(exclude_fields or ())
        ),
        remote_query=dict(remote_query or {}),
    )
    events: list[Mapping[str, Any]] = []
    client = TrutoClient(token=token, base_url=base_url, transport=transport)
    try:
        async for page in client.list_events(
            integrated_account_id,
            start_time=start,
            end_time=end,
            calendar_id=calendar_id,
            options=options,
            extra={"limit": page_size},
        ):
            events.extend(page)
    finally:
        await client.aclose()
    frame = typed_frame(events, integrated_account_id)
    # Remember what was read: planning this frame (or an edited copy) diffs against it.
    attach_snapshot(frame)
    return frame


def read_events(
    integrated_account_id: str,
    *,
    token: str | Secret | None = None,
    base_url: str | None = None,
    start_time: TimeLike | None = None,
    end_time: TimeLike | None = None,
    calendar_id: str | None = None,
    response_format: str = "unified",
    ignore_remote_data: bool = False,
    exclude_fields: Sequence[str] | None = None,
    remote_query: Mapping[str, Any] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    page_size: int | None = None,
) -> pd.DataFrame:
    """List an account's events, every page, into a flat DataFrame ready to edit.

    Safe to call in a Jupyter cell: the requests run on a private event loop in a worker
    thread. Use :func:`read_events_async` from async code.

    Parameters
    ----------
    integrated_account_id : str
        The Truto integrated account to read.
    token : str or Secret, optional
        Truto API token; default: environment variable ``TRUTO_API_TOKEN``.
    base_url : str, optional
        Default: environment variable ``TRUTO_API_BASE_URL``, else ``https://api.truto.one``.
    start_time, end_time : str, date, datetime or Timestamp, optional
        The window of event times to list (naive values are UTC). **When not given, the window
        is from 30 days ago to 365 days ahead** (:data:`DEFAULT_WINDOW`): Truto's own default is
        only the current month, which would silently leave most events out.
    calendar_id : str, optional
        Only the events of this calendar (default: every calendar the account lists).
    response_format : {"unified", "raw", "normalized", "stream"}, default "unified"
        Keep ``"unified"`` to get the columns ``update_events`` reads.
    ignore_remote_data : bool, default False
        Ask Truto to leave out ``remote_data`` (the provider's object), which makes reads faster.
    exclude_fields : sequence of str, optional
        Fields to leave out of each event (``truto_exclude_fields[]``).
    remote_query : mapping, optional
        Passed to the provider untouched as ``remote_query[key]=value``.
    transport : httpx.AsyncBaseTransport, optional
        Send through this transport (e.g. ``httpx.ASGITransport(app=sandbox_app)``).
    page_size : int, optional
        Events per page (``limit``); default: the server's.

    Returns
    -------
    pandas.DataFrame
        One row per event, one column per field path, as :func:`~truto_frame.flatten_events`
        names them (``title``, ``location.address.city``, ``attendees[0].person.name``...), plus:

        * ``id`` (``string`` dtype) and ``integrated_account_id`` (``string``, the account read),
          so the frame can be sent back with ``df.truto.update_events()``;
        * every other ``...id`` column holds text, never numbers;
        * ``start_time`` and ``end_time`` as the API's own text (object dtype):
          ``2026-12-10T09:00:00+01:00`` in the event's ``timezone``, ``2026-12-10`` for an
          all-day event. Type a local time (``"2026-12-10 10:00"``, no offset) to mean that
          wall-clock time in the row's ``timezone``; an offset makes it an instant. A cell you
          do not change is re-sent, when a rule needs it, exactly as read;
        * ``created_at``, ``updated_at`` as timezone-aware (UTC) ``datetime64`` (read-only);
        * a field the API returned as ``null`` holds :data:`truto_frame.NULL` (``NaT`` in
          ``created_at`` and ``updated_at``).

        The frame remembers what was read (a small handle in ``df.attrs``, shared by its
        copies, slices and ``assign`` results): ``update_events()`` without ``baseline=``
        compares each row with the event as read and sends only what you changed.

    Raises
    ------
    ConfigurationError
        No token, an invalid option or window.
    APIStatusError
        The API refused the listing (e.g. 401, 404 for an unknown account).
    APIConnectionError
        No answer from the API after retries.

    Examples
    --------
    >>> events = truto_frame.read_events("62f44730-...", start_time="2026-12-01",
    ...                                  end_time="2027-01-01")  # doctest: +SKIP
    >>> edited = events.assign(title=events.title.str.replace("Sync", "Standup"))  # doctest: +SKIP
    >>> plan = edited.truto.update_events()  # doctest: +SKIP
    """
    return run_sync(
        read_events_async(
            integrated_account_id,
            token=token,
            base_url=base_url,
            start_time=start_time,
            end_time=end_time,
            calendar_id=calendar_id,
            response_format=response_format,
            ignore_remote_data=ignore_remote_data,
            exclude_fields=exclude_fields,
            remote_query=remote_query,
            transport=transport,
            page_size=page_size,
        )
    )
