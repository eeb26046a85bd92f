"""The notebook preview's tables, as pure functions from a plan (or results) to rows and HTML.

:mod:`truto_frame.ui.widget` only arranges these pieces (and :mod:`truto_frame.ui.summary`)
in ipywidgets; everything it displays is computed here, so tests read it without a widget. All
text that comes from the DataFrame or the server goes through :func:`html.escape` before it
becomes HTML.
"""

from __future__ import annotations

import html
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..planning.baseline import same_value
from ..planning.changes import (
    FieldChange,
    display_time,
    display_value,
    field_changes,
    time_change_text,
)

if TYPE_CHECKING:
    from ..planning.plan import EventUpdatePlan

__all__ = [
    "PAGE_SIZE",
    "ChangeRow",
    "ChangeRows",
    "change_rows",
    "changes_html",
    "item_label",
    "list_changes",
    "page_bounds",
    "page_label",
    "problem_rows",
    "problems_html",
    "result_rows",
    "results_html",
    "results_summary_html",
]

PAGE_SIZE = 50
"""Rows shown per page of a preview table."""

_MAX_TEXT = 300
_FAILED = frozenset({"failed", "invalid", "cancelled", "conflict"})
_STYLE_BEFORE = "background:#fde7e9;color:#8a1c25;text-decoration:line-through"
_STYLE_AFTER = "background:#e3f4e8;color:#14532d;font-weight:600"
_STATUS_COLOURS = {
    "updated": "#14532d",
    "skipped": "#555",
    "failed": "#8a1c25",
    "invalid": "#8a1c25",
    "cancelled": "#8a5a00",
    "conflict": "#8a5a00",
}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _cell_text(value: Any) -> str:
    # Long values are shortened visibly (with how much was left out), never silently.
    text = display_value(value)
    if len(text) > _MAX_TEXT:
        hidden = len(text) - _MAX_TEXT
        return f'<span title="{_e(text)}">{_e(text[:_MAX_TEXT])}… (+{hidden:,} chars)</span>'
    return _e(text)


# --------------------------------------------------------------------------- paging


def page_bounds(total: int, page: int, size: int = PAGE_SIZE) -> tuple[int, int, int]:
    """Clamp a page number and give the slice it shows.

    Parameters
    ----------
    total : int
        Rows in all.
    page : int
        The wanted page, from 0 (clamped to the pages that exist).
    size : int
        Rows per page.

    Returns
    -------
    (page, start, stop)
        The page actually shown and the ``[start, stop)`` positions of its rows.
    """
    last = max(0, (total - 1) // size)
    page = min(max(page, 0), last)
    start = page * size
    return page, start, min(start + size, total)


def page_label(start: int, stop: int, total: int, noun: str = "rows") -> str:
    """Say which rows a page shows: ``"rows 1-50 of 3,000"`` (``"no rows"`` when empty)."""
    if total == 0:
        return f"no {noun}"
    return f"{noun} {start + 1:,}-{stop:,} of {total:,}"


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class ChangeRow:
    """One row to update and its field changes."""

    label: Any
    event_id: str | None
    changes: list[FieldChange]


class ChangeRows(Sequence[ChangeRow]):
    """The rows a plan will send, in input order; each row's changes worked out when read.

    A preview shows one page at a time: listing the changes of 30,000 rows up front would make
    it wait for rows nobody looks at.
    """

    def __init__(self, plan: EventUpdatePlan) -> None:
        self._plan = plan
        self._payloads = plan.payloads.tolist()
        self._positions = [
            i
            for i, (status, payload) in enumerate(
                zip(plan.statuses.tolist(), self._payloads, strict=True)
            )
            if status == "send" and payload is not None
        ]
        self._index = plan.payloads.index
        self._ids = plan.event_ids.tolist()

    def __len__(self) -> int:
        return len(self._positions)

    def _row(self, position: int) -> ChangeRow:
        current = self._plan.baseline_of(position) if self._plan.has_baseline else None
        changes = field_changes(self._payloads[position], current)
        return ChangeRow(self._index[position], self._ids[position], changes)

    @typing.overload
    def __getitem__(self, item: int) -> ChangeRow: ...
    @typing.overload
    def __getitem__(self, item: slice) -> list[ChangeRow]: ...
    def __getitem__(self, item: int | slice) -> ChangeRow | list[ChangeRow]:
        if isinstance(item, slice):
            return [self._row(p) for p in self._positions[item]]
        return self._row(self._positions[item])


def change_rows(plan: EventUpdatePlan) -> ChangeRows:
    """The rows a plan will send, in input order, each with its before -> after changes.

    Returns
    -------
    ChangeRows
        A sequence; a row's changes are listed when it is read (a page at a time).
    """
    return ChangeRows(plan)


_TABLE_CSS = (
    "<style>.truto-table td,.truto-table th{padding:3px 10px;text-align:left;"
    "border-bottom:1px solid #e4e4e4}.truto-table th{background:#f5f5f5}</style>"
)


def _table(headers: Sequence[str], body: str, css_class: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return (
        f"{_TABLE_CSS}<table class='truto-table {css_class}' style='border-collapse:collapse'>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def item_label(item: Any) -> str:
    """Name a list item briefly: an attendee as ``Name <email>``, anything else as JSON."""
    person = item.get("person") if isinstance(item, Mapping) else None
    if isinstance(person, Mapping):
        emails = [
            e["email"]
            for e in person.get("emails") or []
            if isinstance(e, Mapping) and e.get("email")
        ]
        parts = [str(person["name"])] if person.get("name") else []
        parts += [f"<{emails[0]}>"] if emails else []
        if parts:
            return " ".join(parts)
    return display_value(item)


def list_changes(before: Any, after: Any) -> tuple[list[Any], list[Any], int]:
    """Compare two lists item by item: ``(removed, added, unchanged count)``.

    An item that changed inside (an attendee's answer) counts as removed and added.
    """
    old = list(before) if isinstance(before, list) else []
    added: list[Any] = []
    kept = 0
    for item in after if isinstance(after, list) else []:
        match = next((i for i, o in enumerate(old) if same_value(o, item)), None)
        if match is None:
            added.append(item)
        else:
            old.pop(match)
            kept += 1
    return old, added, kept


def _lines(sign: str, items: Sequence[Any]) -> str:
    return "<br>".join(f"{sign} {_e(item_label(item))}" for item in items)


def _change_cells(change: FieldChange, has_baseline: bool) -> tuple[str, str]:
    # Lists (attendees, recurrence) read best as the items added and removed.
    if isinstance(change.after, list) and (
        not has_baseline or change.before is None or isinstance(change.before, list)
    ):
        if not has_baseline:
            return "<i>?</i>", _lines("", change.after) or _cell_text(change.after)
        removed, added, kept = list_changes(change.before, change.after)
        note = f"<br><span style='color:#555;font-weight:400'>({kept:,} unchanged)</span>"
        after = (_lines("+", added) or "no item added") + (note if kept else "")
        return _lines("−", removed) or "—", after
    if change.zone is not None:
        # Times read best in the event's own zone: "2026-12-10 09:00" -> "10:00 Europe/Berlin".
        before = _e(display_time(change.before, change.zone)) if has_baseline else "<i>?</i>"
        after = time_change_text(change.before if has_baseline else None, change.after, change.zone)
        return before, _e(after.rsplit(" → ", 1)[-1])
    before = _cell_text(change.before) if has_baseline else "<i>?</i>"
    return before, _cell_text(change.after)


def changes_html(rows: Sequence[ChangeRow], has_baseline: bool) -> str:
    """Render rows to update as a table: row, event id, field, before (struck), after."""
    body = []
    for row in rows:
        changes = row.changes or [FieldChange("(no field change)", None, None)]
        span = len(changes)
        for i, change in enumerate(changes):
            lead = (
                f"<td rowspan='{span}' style='vertical-align:top'>{_e(row.label)}</td>"
                f"<td rowspan='{span}' style='vertical-align:top'><code>{_e(row.event_id)}"
                "</code></td>"
                if i == 0
                else ""
            )
            before, after = _change_cells(change, has_baseline)
            body.append(
                f"<tr>{lead}<td><code>{_e(change.column)}</code></td>"
                f"<td style='{_STYLE_BEFORE}'>{before}</td>"
                f"<td style='{_STYLE_AFTER}'>{after}</td></tr>"
            )
    before_head = "before" if has_baseline else "before (no baseline)"
    return _table(
        ["row", "event id", "field", before_head, "after"], "".join(body), "truto-changes"
    )


def problem_rows(plan: EventUpdatePlan) -> list[tuple[Any, str | None, str, str]]:
    """Every validation problem as ``(row label, event id, column, message)``, in input order."""
    rows = plan.rows
    return [
        (rows.index[position], rows.event_ids[position], column, message)
        for position, problems in enumerate(rows.problems)
        for column, message in problems
    ]


def problems_html(rows: Sequence[tuple[Any, str | None, str, str]]) -> str:
    """Render invalid rows' problems as a table: row, event id, column, message."""
    body = "".join(
        f"<tr><td>{_e(label)}</td><td><code>{_e(event_id)}</code></td>"
        f"<td><code>{_e(column)}</code></td><td>{_e(message)}</td></tr>"
        for label, event_id, column, message in rows
    )
    return _table(["row", "event id", "column", "problem"], body, "truto-problems")


def result_rows(
    results: pd.DataFrame, event_ids: Sequence[str | None], *, failures_only: bool = False
) -> list[tuple[Any, str | None, str, Any, int, Any]]:
    """Rows of a results frame as ``(row, event id, status, http_status, attempts, error)``.

    Parameters
    ----------
    results : pandas.DataFrame
        A results frame (see :mod:`truto_frame.engine.results`).
    event_ids : sequence
        The plan's event ids, aligned with ``results`` by position.
    failures_only : bool
        Keep only ``failed``, ``invalid``, ``cancelled`` and ``conflict`` rows.
    """
    out = []
    for label, event_id, status, code, attempts, error in zip(
        results.index,
        event_ids,
        results["status"].tolist(),
        results["http_status"].tolist(),
        results["attempts"].tolist(),
        results["error"].tolist(),
        strict=True,
    ):
        if failures_only and status not in _FAILED:
            continue
        out.append(
            (
                label,
                event_id,
                str(status),
                None if pd.isna(code) else int(code),
                int(attempts),
                None if pd.isna(error) else error,
            )
        )
    return out


def results_html(rows: Sequence[tuple[Any, str | None, str, Any, int, Any]]) -> str:
    """Render result rows: row, event id, status (coloured), HTTP status, attempts, error."""
    body = "".join(
        f"<tr><td>{_e(label)}</td><td><code>{_e(event_id)}</code></td>"
        f"<td style='color:{_STATUS_COLOURS.get(status, '#000')};font-weight:600'>"
        f"{_e(status)}</td><td>{'' if code is None else _e(code)}</td><td>{attempts}</td>"
        f"<td>{'' if error is None else _cell_text(error)}</td></tr>"
        for label, event_id, status, code, attempts, error in rows
    )
    headers = ["row", "event id", "status", "HTTP", "attempts", "error"]
    return _table(headers, body, "truto-results")


def results_summary_html(results: pd.DataFrame, conflicts: pd.DataFrame | None = None) -> str:
    """One line counting a results frame's statuses: ``2 updated, 4 skipped, 0 failed``.

    With ``conflicts`` (``plan.conflicts()``), a table of the fields changed on both sides
    follows: row, event id, field, baseline, planned and current value (all escaped).
    """
    counts = results["status"].value_counts()
    order = ["updated", "skipped", "failed", "invalid", "cancelled", "conflict"]
    parts = [
        f"<span style='color:{_STATUS_COLOURS[s]}'><b>{int(counts.get(s, 0)):,}</b> {s}</span>"
        for s in order
        if s in ("updated", "failed") or counts.get(s, 0)
    ]
    line = f"<div class='truto-results-summary'>Done: {', '.join(parts)}.</div>"
    if conflicts is None or not len(conflicts):
        return line
    body = "".join(
        f"<tr><td>{_e(c.row)}</td><td><code>{_e(c.id)}</code></td><td>{_e(c.field)}</td>"
        f"<td>{_cell_text(c.base)}</td><td>{_cell_text(c.mine)}</td>"
        f"<td>{_cell_text(c.theirs)}</td></tr>"
        for c in conflicts.itertuples(index=False)
    )
    table = _table(["row", "event id", "field", "baseline", "planned", "now"], body, "truto-conf")
    return (
        f"{line}<details open><summary>Changed by someone else too since the baseline "
        f"({len(conflicts):,} fields; <code>on_conflict='overwrite'</code> sends yours)"
        f"</summary>{table}</details>"
    )
