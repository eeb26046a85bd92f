"""What a time cell means: a date, a wall-clock time in the event's zone, or an instant.

One rule on every path (a frame from ``read_events``, a fresh frame, a CSV, the CLI):

* ``2026-12-10`` (a date, no time of day) is an **all-day** date;
* ``2026-12-10 09:00`` or ``2026-12-10T09:00:00`` (no offset: *naive*) is **wall-clock time in
  the row's** ``timezone``; :func:`localize` gives it that zone's offset before it is sent;
* ``2026-12-10T09:00:00+01:00`` or ``...Z`` (an offset: *aware*) is an **instant**; it is sent as
  written, and :func:`offset_disagrees` tells when its offset is not the zone's at that instant
  (``09:00+00:00`` on a Europe/Berlin event: probably meant as local time).

The functions read text (cells are normalized to ISO 8601 text first, see
:func:`~truto_frame.frame.cells.normalize_cell`) and never raise on text that is not a time:
they answer ``None`` and leave the judgement to the schema.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ClockChange",
    "TimeKind",
    "as_date",
    "clock_change",
    "in_zone",
    "localize",
    "localize_value",
    "offset_disagrees",
    "parse_time",
    "time_kind",
    "wall_clock",
    "zone_info",
]

TimeKind = Literal["date", "naive", "aware"]
"""What a time text is: a date, a date-time without offset, or one with an offset."""

ClockChange = Literal["skipped", "repeated"]
"""A wall-clock time the zone's clocks jump over (spring) or pass twice (autumn)."""


def parse_time(text: str) -> date | datetime | None:
    """Read ISO 8601 text as a date (no time of day) or a datetime; ``None`` when it is not one.

    Parameters
    ----------
    text : str
        ``2026-12-10``, ``2026-12-10 09:00``, ``2026-12-10T09:00:00.000Z``...

    Returns
    -------
    date, datetime or None
        A ``date`` for date-only text (a ``datetime`` is never returned for it).
    """
    if not isinstance(text, str):
        return None
    return _parse_time(text)


@lru_cache(maxsize=4096)
def _parse_time(text: str) -> date | datetime | None:
    # Cached: a plan reads each time cell twice (prepare_times, then check_times on the body
    # sent) and the values are immutable; 4096 texts bound the memory.
    value = text.strip()
    if value[-1:] in ("Z", "z"):  # Python 3.11+ reads "Z"; 3.10 needs it spelled +00:00.
        value = value[:-1] + "+00:00"
    if len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def time_kind(text: str) -> TimeKind | None:
    """Say whether a time text is a ``"date"``, a ``"naive"`` or an ``"aware"`` date-time.

    Returns
    -------
    {"date", "naive", "aware"} or None
        ``None`` when the text is not ISO 8601.
    """
    value = parse_time(text)
    if value is None:
        return None
    if not isinstance(value, datetime):
        return "date"
    return "naive" if value.tzinfo is None else "aware"


def zone_info(name: str | None) -> ZoneInfo | None:
    """The ``ZoneInfo`` of an IANA name, or ``None`` when there is none (cached per name)."""
    if not name:
        return None
    return _zone_info(name)


@lru_cache(maxsize=512)
def _zone_info(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def localize_value(value: datetime, tz: ZoneInfo) -> tuple[datetime, ClockChange | None]:
    """Put a naive wall-clock time in ``tz``: the aware time, and any clock change it falls in.

    The one step :func:`localize` and :func:`clock_change` share, for callers that have parsed
    the text already (a plan does this for every row).

    Returns
    -------
    (datetime, {"skipped", "repeated"} or None)
        A skipped time comes back moved on by the jump (02:30 -> 03:30 with the summer
        offset); a repeated one as the first of the two.
    """
    # PEP 495: fold=0 and fold=1 differ only in a clock change; in a gap (spring) the first
    # offset is the smaller, in a fold (autumn) the larger. Two lookups, no conversion, for the
    # common case: this runs for every time of every row of a plan.
    local = value.replace(tzinfo=tz)
    before = local.utcoffset()
    after = value.replace(tzinfo=tz, fold=1).utcoffset()
    if before == after or before is None or after is None:
        return local, None
    if before < after:
        return local.astimezone(timezone.utc).astimezone(tz), "skipped"
    return local, "repeated"


def localize(text: str, zone: str | None) -> str:
    """Give a naive date-time the offset of ``zone`` at that wall-clock time; the rest as is.

    Parameters
    ----------
    text : str
        A time text.
    zone : str or None
        The row's IANA zone; without one the text is returned unchanged.

    Returns
    -------
    str
        ``2026-12-10T09:00:00+01:00`` for ``2026-12-10 09:00`` in Europe/Berlin: the instant
        and the wall-clock time agree, whichever way a server reads it. Dates and aware times
        are returned exactly as given.

    Examples
    --------
    >>> localize("2026-12-10 09:00", "Europe/Berlin")
    '2026-12-10T09:00:00+01:00'
    >>> localize("2026-12-10", "Europe/Berlin")
    '2026-12-10'
    """
    value = parse_time(text)
    tz = zone_info(zone)
    if not isinstance(value, datetime) or value.tzinfo is not None or tz is None:
        return text
    # A time the clocks skip (02:30 on a spring-forward night) becomes the real wall clock it
    # stands for (03:30, with the summer offset), never an offset the zone does not have then.
    return localize_value(value, tz)[0].isoformat()


def clock_change(text: str, zone: str | None) -> ClockChange | None:
    """Say whether a naive wall-clock time falls in a clock change of ``zone``.

    Returns
    -------
    {"skipped", "repeated"} or None
        ``"skipped"``: the time does not exist there (the clocks jump over it in spring;
        :func:`localize` moves it on by the jump, 02:30 to 03:30); ``"repeated"``: it
        happens twice (autumn; :func:`localize` means the first); ``None`` otherwise.

    Examples
    --------
    >>> clock_change("2027-03-28 02:30", "Europe/Berlin")
    'skipped'
    >>> clock_change("2027-10-31 02:30", "Europe/Berlin")
    'repeated'
    """
    value = parse_time(text)
    tz = zone_info(zone)
    if not isinstance(value, datetime) or value.tzinfo is not None or tz is None:
        return None
    return localize_value(value, tz)[1]


def offset_disagrees(text: str, zone: str | None) -> bool:
    """Say whether an aware time's offset differs from ``zone``'s offset at that instant.

    Examples
    --------
    >>> offset_disagrees("2026-12-10T09:00:00+00:00", "Europe/Berlin")
    True
    >>> offset_disagrees("2026-12-10T09:00:00+01:00", "Europe/Berlin")
    False
    """
    value = parse_time(text)
    tz = zone_info(zone)
    if not isinstance(value, datetime) or value.tzinfo is None or tz is None:
        return False
    return value.utcoffset() != value.astimezone(tz).utcoffset()


def in_zone(text: str, zone: str | None) -> date | datetime | None:
    """Read a time and express it in ``zone``: a date as is, a naive time as wall-clock there.

    Returns
    -------
    date, datetime or None
        An aware datetime in ``zone`` (UTC when the zone is unknown), a date, or ``None``.
    """
    value = parse_time(text)
    if not isinstance(value, datetime):
        return value
    tz = zone_info(zone) or timezone.utc
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value.astimezone(tz)


def as_date(text: str, zone: str | None) -> str | None:
    """The date of a time that falls on midnight in ``zone`` (``2026-12-10``), else ``None``.

    An all-day event takes dates; a date-time exactly at midnight in the event's own zone (what
    a shift by whole days of a midnight value gives) names the same day, so it may stand for it.

    Examples
    --------
    >>> as_date("2026-12-11T00:00:00+01:00", "Europe/Berlin")
    '2026-12-11'
    >>> as_date("2026-12-10T01:00:00+01:00", "Europe/Berlin") is None
    True
    """
    value = in_zone(text, zone)
    if not isinstance(value, datetime):
        return value.isoformat() if isinstance(value, date) else None
    if value.timetz().replace(tzinfo=None) != time(0):
        return None
    return value.date().isoformat()


def wall_clock(text: str, zone: str | None) -> str:
    """Spell a time as the event's own wall clock for a preview: ``2026-12-10 09:00``.

    Dates stay ``2026-12-10``; seconds are shown only when not zero; text that is not a time
    is returned as it is.
    """
    value = in_zone(text, zone)
    if value is None:
        return text
    if not isinstance(value, datetime):
        return value.isoformat()
    spec = "%Y-%m-%d %H:%M" if value.second == 0 and value.microsecond == 0 else "%Y-%m-%d %H:%M:%S"
    return value.strftime(spec)
