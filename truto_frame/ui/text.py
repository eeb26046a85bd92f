"""The command line's text: the plan, the results table and the results file's frame.

Everything here is a pure function from a plan or a results frame to text or a frame (files are
read and written by :mod:`truto_frame.frame.files`), so the command line
(:mod:`truto_frame.ui.cli`) and the demo print the same thing and tests can read it.
Remote text is untrusted: control characters are escaped before anything reaches the terminal.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..engine.results import RESULT_COLUMNS
from ..frame.files import read_csv, write_csv
from ..planning.changes import time_change_text
from .summary import empty_rows, notifications_text, plan_summary

if TYPE_CHECKING:
    from ..planning.plan import EventUpdatePlan

__all__ = [
    "RESPONSE_CELL_LIMIT",
    "RESULT_CSV_COLUMNS",
    "conflict_hint",
    "format_plan",
    "format_results",
    "read_csv_text",
    "reread_text",
    "results_csv_frame",
    "summary_line",
    "write_csv",
]

RESULT_CSV_COLUMNS: tuple[str, ...] = tuple(f"result_{name}" for name in RESULT_COLUMNS)
"""Columns the results CSV adds after the input's own; prefixed because ``status`` is also an
event field that an input file may hold."""

_MAX_CELL = 60


def _clean(text: str, limit: int = _MAX_CELL) -> str:
    # Escape control characters (a remote title could carry terminal escape sequences).
    cleaned = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _show(value: Any, limit: int = _MAX_CELL) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return _clean(json.dumps(value, ensure_ascii=False), limit)
    return _clean(json.dumps(value, ensure_ascii=False, default=str), limit)


def _ignored_text(plan: EventUpdatePlan, per_reason: int = 6) -> str:
    # Grouped by reason: a frame from read_events has a dozen read-only columns.
    by_reason: dict[str, list[str]] = {}
    for column in plan.ignored_columns:
        by_reason.setdefault(column.reason, []).append(_clean(column.column, 40))
    parts = []
    for reason, names in by_reason.items():
        more = f", +{len(names) - per_reason} more" if len(names) > per_reason else ""
        parts.append(f"{', '.join(names[:per_reason])}{more} ({reason})")
    return "; ".join(parts)


def _item_label(item: Any) -> str:
    # An attendee reads best as "Name <email>"; anything else as its JSON.
    if isinstance(item, Mapping):
        inner = item.get("person")
        person: Mapping[str, Any] = inner if isinstance(inner, Mapping) else item
        name = person.get("name")
        emails = person.get("emails")
        first = emails[0] if isinstance(emails, list) and emails else None
        email = first.get("email") if isinstance(first, Mapping) else None
        if isinstance(email, str):
            return _clean(f"{name} <{email}>" if isinstance(name, str) else email, 60)
    return _show(item, 60)


def _change_text(column: str, before: Any, after: Any, with_before: bool, zone: Any = None) -> str:
    name = _clean(column, 50)
    if isinstance(zone, str):
        # A time in the event's own zone: "start_time: 2026-12-10 09:00 → 10:00 Europe/Berlin".
        shown = time_change_text(before if with_before else None, after, zone, arrow="->")
        return f"{name}: {_clean(shown, 80)}" if with_before else f"{name} = {_clean(shown, 80)}"
    if isinstance(after, list) and isinstance(before, list):
        # Lists are sent whole; say what the new list adds and drops, not both in full.
        added = [_item_label(i) for i in after if i not in before]
        removed = [_item_label(i) for i in before if i not in after]
        detail = "; ".join(
            part
            for part in (
                f"added {', '.join(added)}" if added else "",
                f"removed {', '.join(removed)}" if removed else "",
            )
            if part
        )
        return f"{name}: {len(before)} -> {len(after)} items" + (f" ({detail})" if detail else "")
    if not with_before:
        return f"{name} = {_show(after)}"
    return f"{name}: {_show(before, 40)} -> {_show(after)}"


def _change_lines(plan: EventUpdatePlan, sample: int) -> list[str]:
    changes = plan.changes
    if not len(changes):
        return []
    with_before = plan.has_baseline
    rows = list(dict.fromkeys(changes["row"].tolist()))
    shown = rows[:sample]
    lines = [
        "Changes:" if len(shown) == len(rows) else f"Changes (first {sample} of {len(rows)} rows):"
    ]
    grouped = {label: group for label, group in changes.groupby("row", sort=False)}
    for label in shown:
        group = grouped[label]
        parts = [
            _change_text(str(c.column), c.before, c.after, with_before, c.zone)
            for c in group.itertuples(index=False)
        ]
        event_id = group["id"].iloc[0]
        lines.append(f"  row {label} (id {_clean(str(event_id), 40)}): " + "; ".join(parts))
    return lines


def read_csv_text(path: str) -> pd.DataFrame:
    """Read a CSV file with every cell as text, as ``update-events`` does.

    The same function as :func:`truto_frame.read_csv` (kept under this name for callers of
    the command line's helpers).

    Parameters
    ----------
    path : str
        The CSV file.

    Returns
    -------
    pandas.DataFrame
    """
    return read_csv(path)


def format_plan(plan: EventUpdatePlan, *, sample: int = 5, max_problems: int = 20) -> str:
    """Describe a plan for a terminal: counts, ignored columns, invalid rows, sample changes.

    Parameters
    ----------
    plan : EventUpdatePlan
        The plan to describe.
    sample : int, default 5
        How many rows to send are shown with their changes.
    max_problems : int, default 20
        How many validation problems are listed.

    Returns
    -------
    str
        Several lines of text, without a trailing newline.
    """
    counts = plan.counts
    lines = [
        f"Plan: {_rows(len(plan))} -> {counts['send']} to send, {counts['invalid']} invalid "
        f"(not sent), {counts['skipped']} unchanged (skipped). Nothing has been sent yet."
    ]
    if counts["send"]:
        # Who may be emailed: the one consequence of a bulk edit that cannot be undone.
        advice = "Pass --send-notifications none to be sure no one is."
        lines.append(
            "Notifications: "
            + notifications_text(plan_summary(plan), strong=str, how_to_silence=advice)
        )
    rereads = int(plan.rereads.sum())
    if rereads:
        lines.append(reread_text(rereads))
    if plan.ignored_columns:
        lines.append(f"Ignored columns (not sent): {_ignored_text(plan)}")
    lines.extend(f"Warning: {_clean(w, 200)}" for w in plan.warnings)
    row_warnings = plan.row_warnings
    if len(row_warnings):
        lines.append(f"Rows to check ({len(row_warnings)}, sent as they are):")
        for label, column, message in row_warnings.head(max_problems).itertuples(index=False):
            lines.append(f"  row {label}: {_clean(str(column), 50)}: {_clean(str(message), 240)}")
        if len(row_warnings) > max_problems:
            lines.append(f"  ... and {len(row_warnings) - max_problems} more")
    empty = empty_rows(plan)
    if empty:
        lines.append(f"Rows with nothing to change ({len(empty)}, skipped):")
        for label, reason in empty[:max_problems]:
            lines.append(f"  row {label}: {_clean(reason, 240)}")
        if len(empty) > max_problems:
            lines.append(f"  ... and {len(empty) - max_problems} more")
    problems = plan.problems
    if len(problems):
        lines.append(f"Invalid rows ({counts['invalid']}):")
        # By position, not by label: an index may repeat a label (each row keeps its own id).
        listed = [
            (label, event_id, column, message)
            for label, event_id, row in zip(
                plan.rows.index, plan.rows.event_ids, plan.rows.problems, strict=True
            )
            for column, message in row
        ]
        for label, event_id, column, message in listed[:max_problems]:
            lines.append(
                f"  row {label} (id {_clean(str(event_id), 40)}): "
                f"{_clean(str(column), 50)}: {_clean(str(message), 160)}"
            )
        if len(problems) > max_problems:
            lines.append(f"  ... and {len(problems) - max_problems} more problems")
    lines.extend(_change_lines(plan, sample))
    return "\n".join(lines)


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def reread_text(rows: int) -> str:
    """Say what re-reading costs: ``320 rows will be re-read before writing (...)``."""
    noun = "row" if rows == 1 else "rows"
    return (
        f"{rows:,} {noun} will be re-read before writing ({rows:,} GET"
        f"{'s' * (rows != 1)} more): {'they re-send' if rows != 1 else 'it re-sends'} values "
        "from the baseline, so changes made "
        "since then are merged, not overwritten."
    )


def conflict_hint(results: pd.DataFrame) -> str | None:
    """The line after the results when rows conflicted: what happened and how to force."""
    n = int((results["status"] == "conflict").sum())
    if not n:
        return None
    rows = "row was" if n == 1 else "rows were"
    return (
        f"{n} {rows} not sent: someone else changed the same fields since the baseline "
        "(see the error column; --on-conflict overwrite sends your values anyway; if that "
        "change was your own earlier run, read-events again for a fresh --baseline)."
    )


def summary_line(results: pd.DataFrame) -> str:
    """One line that counts the results by status, e.g. ``5 updated, 1 invalid``.

    Parameters
    ----------
    results : pandas.DataFrame
        A results frame (column ``status``).

    Returns
    -------
    str
    """
    counts = results["status"].value_counts()
    order = ["updated", "skipped", "failed", "invalid", "cancelled", "conflict"]
    parts = [f"{int(counts[name])} {name}" for name in order if name in counts.index]
    return (", ".join(parts) or "0 rows") + f" (of {_rows(len(results))})"


def format_results(
    results: pd.DataFrame, event_ids: pd.Series | None = None, *, limit: int = 50
) -> str:
    """A fixed-width table of the results: row, id, status, HTTP status, attempts, error.

    Rows that did not succeed come first; ``skipped`` (unchanged) rows are only counted.

    Parameters
    ----------
    results : pandas.DataFrame
        A results frame.
    event_ids : pandas.Series, optional
        The event id of each row (same index), shown next to the row label.
    limit : int, default 50
        At most this many rows are listed; failures first.

    Returns
    -------
    str
    """
    ids = event_ids.tolist() if event_ids is not None else [None] * len(results)
    rows = []
    for label, event_id, status, http, attempts, error in zip(
        results.index,
        ids,
        results["status"].tolist(),
        results["http_status"].tolist(),
        results["attempts"].tolist(),
        results["error"].tolist(),
        strict=True,
    ):
        rows.append(
            (
                str(label),
                _clean("" if event_id is None else str(event_id), 28),
                str(status),
                "" if pd.isna(http) else str(int(http)),
                str(attempts),
                "" if pd.isna(error) else _clean(str(error), 70),
            )
        )
    # Problems are what the reader needs: list them first; unchanged rows only as a count.
    skipped = sum(r[2] == "skipped" for r in rows)
    rows = [r for r in rows if r[2] != "skipped"]
    rows.sort(key=lambda r: r[2] == "updated")
    header = ("row", "id", "status", "http", "tries", "error")
    shown = rows[:limit]
    widths = [max(len(r[i]) for r in [header, *shown]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *shown]
    ]
    if len(rows) > limit:
        lines.append(f"... {len(rows) - limit} more rows (see the results CSV)")
    if skipped:
        lines.append(f"({skipped} unchanged rows skipped, not listed)")
    return "\n".join(lines)


RESPONSE_CELL_LIMIT = 2000
"""Characters of response JSON a results file keeps per row; a longer body is summarized."""

_SUMMARY_FIELDS = ("id", "title", "start_time", "end_time", "timezone", "status", "updated_at")


def _json_text(value: Any, limit: int) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return pd.NA
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= limit:
        return text
    # A 3 MB provider body would make a cell no spreadsheet opens: keep what identifies the
    # event, say how much was left out and where the whole body is.
    summary: dict[str, Any] = {}
    if isinstance(value, Mapping):
        for key in _SUMMARY_FIELDS:
            item = value.get(key)
            if isinstance(item, (str, int, float, bool)):
                summary[key] = item[:200] if isinstance(item, str) else item
    summary["truncated"] = (
        f"{len(text)} characters; the full response is in the journal (--journal)"
    )
    return json.dumps(summary, ensure_ascii=False)


def results_csv_frame(
    inputs: pd.DataFrame, results: pd.DataFrame, *, response_limit: int = RESPONSE_CELL_LIMIT
) -> pd.DataFrame:
    """The input rows with the results beside them, ready for a results file.

    Parameters
    ----------
    inputs : pandas.DataFrame
        The frame that was planned (as read from the file).
    results : pandas.DataFrame
        Its results frame: same length and order.
    response_limit : int, default 2000
        A response whose JSON is longer is replaced by a bounded summary (its ``id``,
        ``title``, times, ``status`` and a ``truncated`` note); a journal opened with
        responses keeps the whole body.

    Returns
    -------
    pandas.DataFrame
        The input's columns followed by :data:`RESULT_CSV_COLUMNS`; ``result_response`` holds the
        response body as JSON text.
    """
    if len(inputs) != len(results):
        raise ValueError(f"{len(results)} results for {len(inputs)} input rows")
    out = inputs.reset_index(drop=True).copy()
    for name in RESULT_COLUMNS:
        if name not in results.columns:  # a frame from before a column was added (merged)
            out[f"result_{name}"] = pd.Series([pd.NA] * len(out), dtype="string")
            continue
        values = results[name].reset_index(drop=True)
        if name == "response":
            values = pd.Series([_json_text(v, response_limit) for v in values], dtype=object)
        out[f"result_{name}"] = values
    return out
