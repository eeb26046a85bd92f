"""The time rules of a row: what its times mean, and the rows whose times cannot be right.

:func:`prepare_times` runs before a row is compared with its baseline: a naive date-time
becomes wall-clock time in the row's zone (the ``timezone`` it sets, else the event's), and on
an event whose times are dates (all-day, as read) a date-time at midnight in that zone becomes
its date, so that an unchanged day compares equal and is re-sent as the date it was.

:func:`check_times` runs on the body that will be sent:

* ``start_time`` and ``end_time`` are of the same kind: both dates or both date-times;
* on an all-day event read with dates, a time of day is refused (a ``+1 hour`` shift of every
  row must not turn a holiday into a timed event starting at 01:00);
* the end is after the start;
* an edited time whose offset is not the zone's at that instant is a *warning*: ``09:00+00:00``
  on a Europe/Berlin event is sent as that instant (10:00 in Berlin), which is rarely meant.

Each problem names the column and the fix; a row with one is ``invalid`` and is not sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from ..frame.times import localize_value, parse_time, time_kind, zone_info

__all__ = ["TIME_FIELDS", "OffsetNote", "check_times", "prepare_times", "row_zone"]

TIME_FIELDS: tuple[str, str] = ("start_time", "end_time")
"""The two fields that hold an event's times."""

Issue = tuple[str, str]
Note = tuple[str, object]
"""A warning: the column and its message, or an object whose ``str()`` is the message."""


def row_zone(payload: Mapping[str, Any], current: Mapping[str, Any] | None) -> str | None:
    """The zone a row's times are read in: the ``timezone`` it sets, else the event's."""
    zone = payload.get("timezone")
    if isinstance(zone, str) and zone:
        return zone
    zone = current.get("timezone") if current is not None else None
    return zone if isinstance(zone, str) and zone else None


def _dated(current: Mapping[str, Any] | None) -> bool:
    # An all-day event as the API gave it: its start is a date without a time of day.
    value = current.get("start_time") if current is not None else None
    return isinstance(value, str) and time_kind(value) == "date"


def prepare_times(
    payload: Mapping[str, Any], current: Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[Issue]]:
    """Give a row's times their meaning before it is compared with the current event.

    Parameters
    ----------
    payload : mapping
        The validated body of the row.
    current : mapping or None
        The event as read (``None`` without a baseline).

    Returns
    -------
    body : dict
        The body with naive date-times localized to the row's zone, and, on an event read
        with dates, midnight date-times in its zone turned into those dates.
    warnings : list of (column, message)
        A naive time that the zone's clocks skip (spring) or repeat (autumn).
    """
    warnings: list[Issue] = []
    out = dict(payload)
    texts = [(f, out[f]) for f in TIME_FIELDS if type(out.get(f)) is str]
    if not texts:
        return out, warnings
    zone = row_zone(payload, current)
    tz = zone_info(zone)
    dated = _dated(current)
    for field, text in texts:
        # Parsed once per cell: this runs for every row of a plan.
        value = parse_time(text)
        if not isinstance(value, datetime):
            continue  # a date, or text the schema has already judged
        if value.tzinfo is None and tz is not None:
            local, change = localize_value(value, tz)
            out[field] = local.isoformat()
            if change is not None:
                warnings.append((field, _clock_message(text, local, zone, change)))
        elif dated and tz is not None:
            local = value.astimezone(tz)
        else:
            continue  # no zone, or an instant on a timed event: sent as written
        if dated and local.timetz().replace(tzinfo=None) == time(0):
            out[field] = local.date().isoformat()  # midnight on an all-day event: its date
    return out, warnings


def _clock_message(text: str, local: datetime, zone: str | None, change: str) -> str:
    how = (
        f"does not exist in {zone} (the clocks jump over it); it is sent as "
        f"{local.strftime('%Y-%m-%d %H:%M')}"
        if change == "skipped"
        else f"happens twice in {zone} (the clocks go back); it is sent as the first, "
        f"{local.isoformat()}"
    )
    return f"{text.strip()} {how}; give an offset to choose"


def _title(current: Mapping[str, Any] | None) -> str:
    title = current.get("title") if current is not None else None
    return f"{title!r} " if isinstance(title, str) and title else ""


def _edited(field: str, text: str, current: Mapping[str, Any] | None) -> bool:
    before = current.get(field) if current is not None else None
    return not (isinstance(before, str) and before.strip() == text.strip())


def _offset_text(moment: datetime) -> str:
    # "+01:00"; formatted by hand: strftime is the slow part of a warning, and a frame of UTC
    # times on zoned events warns on every row.
    offset = moment.utcoffset()
    if offset is None:
        return "?"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _clock(moment: datetime) -> str:
    # "09:00", or "09:00:30" when there are seconds.
    text = f"{moment.hour:02d}:{moment.minute:02d}"
    return f"{text}:{moment.second:02d}" if moment.second or moment.microsecond else text


def _day(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"


class OffsetNote:
    """The warning for a time whose offset is not its event's zone, spelled out on demand.

    ``str(note)``: ``2026-12-10T09:00:00+00:00 is an instant (offset +00:00), which is
    2026-12-10 10:00 in Europe/Berlin, ...; to mean 09:00 there, write 2026-12-10 09:00
    without an offset``.
    """

    __slots__ = ("given", "local", "text", "zone")

    def __init__(self, text: str, given: datetime, local: datetime, zone: str | None) -> None:
        self.text, self.given, self.local, self.zone = text, given, local, zone

    def __str__(self) -> str:
        given, local, meant = self.given, self.local, _clock(self.given)
        return (
            f"{self.text} is an instant (offset {_offset_text(given)}), which is "
            f"{_day(local)} {_clock(local)} in {self.zone}, the event's time zone "
            f"(offset {_offset_text(local)}); to mean {meant} there, "
            f"write {_day(given)} {meant} without an offset (a computed shift is right as it "
            "is; df.truto.shift_times writes the zone's own offset)"
        )

    def __repr__(self) -> str:
        return repr(str(self))

    def __eq__(self, other: object) -> bool:
        return str(self) == (str(other) if isinstance(other, (str, OffsetNote)) else other)

    def __hash__(self) -> int:
        return hash(str(self))


def check_times(
    payload: Mapping[str, Any], current: Mapping[str, Any] | None
) -> tuple[list[Issue], list[Note]]:
    """Check the times of the body that will be sent.

    Parameters
    ----------
    payload : mapping
        The body as it will be sent (after :func:`prepare_times` and any baseline diff).
    current : mapping or None
        The event as read (``None`` without a baseline).

    Returns
    -------
    problems : list of (column, message)
        What stops the row: mixed kinds, a time of day on an all-day event, an end that is not
        after the start.
    warnings : list of (column, message)
        What is sent but probably not meant: an edited time whose offset is not its zone's.
        The message is an :class:`OffsetNote`, spelled out by ``str()`` only when shown (a
        frame of UTC times on zoned events warns on every row).
    """
    texts = {f: payload[f] for f in TIME_FIELDS if type(payload.get(f)) is str}
    if not texts:
        return [], []
    zone = row_zone(payload, current)
    tz = zone_info(zone)
    values = {f: parse_time(t) for f, t in texts.items()}  # once per cell
    problems: list[Issue] = []
    warnings: list[Note] = []
    if _dated(current):
        for field, text in texts.items():
            if isinstance(values[field], datetime):
                was = current.get(field) if current is not None else None
                problems.append(
                    (
                        field,
                        f"give a date such as {was} (YYYY-MM-DD), not a time of day: "
                        f"{_title(current)}is an all-day event and {text} has one; shift it by "
                        "whole days",
                    )
                )
    if not problems and len(texts) == 2 and None not in values.values():
        start, end = texts["start_time"], texts["end_time"]
        a, b = values["start_time"], values["end_time"]
        if isinstance(a, datetime) != isinstance(b, datetime):
            problems.append(
                (
                    "end_time",
                    "give start_time and end_time both as dates (all-day, e.g. 2026-12-10 and "
                    "2026-12-11) or both as date-times (e.g. 2026-12-10 09:00): "
                    f"{start} and {end} mix a date and a date-time",
                )
            )
        elif _not_after(a, b, tz):  # type: ignore[arg-type]
            how = "would end when it starts" if a == b else "would end before it starts"
            problems.append(
                (
                    "end_time",
                    f"make end_time later than start_time: the event {how} "
                    f"(start_time {start}, end_time {end})",
                )
            )
    if tz is None:
        return problems, warnings  # no zone to compare an offset with
    for field, text in texts.items():
        given = values[field]
        if not isinstance(given, datetime) or given.tzinfo is None:
            continue
        local = given.astimezone(tz)
        if local.utcoffset() == given.utcoffset() or not _edited(field, text, current):
            continue
        warnings.append((field, OffsetNote(text, given, local, zone)))
    return problems, warnings


def _not_after(a: date, b: date, tz: Any) -> bool:
    # Whether the end (b) is not after the start (a); False when they cannot be compared.
    if (
        isinstance(a, datetime)
        and isinstance(b, datetime)
        and (a.tzinfo is None) != (b.tzinfo is None)
    ):
        if tz is None:
            return False
        a = a if a.tzinfo is not None else a.replace(tzinfo=tz)
        b = b if b.tzinfo is not None else b.replace(tzinfo=tz)
    return b <= a
