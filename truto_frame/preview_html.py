"""What the notebook preview shows, as pure functions from a plan (or results) to data and HTML.

:mod:`truto_frame.preview` only arranges these pieces in ipywidgets; everything it displays is
computed here, so tests read it without a widget. All text that comes from the DataFrame or the
server goes through :func:`html.escape` before it becomes HTML.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from .baseline import FieldChange, changes_by_row, display_value

if TYPE_CHECKING:
    from .plan import EventUpdatePlan

__all__ = [
    "PAGE_SIZE",
    "ChangeRow",
    "PlanSummary",
    "change_rows",
    "changes_html",
    "page_bounds",
    "page_label",
    "plan_summary",
    "problem_rows",
    "problems_html",
    "result_rows",
    "results_html",
    "results_summary_html",
    "summary_html",
]

PAGE_SIZE = 50
"""Rows shown per page of a preview table."""

_MAX_TEXT = 300
_FAILED = frozenset({"failed", "invalid", "cancelled"})
_STYLE_BEFORE = "background:#fde7e9;color:#8a1c25;text-decoration:line-through"
_STYLE_AFTER = "background:#e3f4e8;color:#14532d;font-weight:600"
_STATUS_COLOURS = {
    "updated": "#14532d",
    "skipped": "#555",
    "failed": "#8a1c25",
    "invalid": "#8a1c25",
    "cancelled": "#8a5a00",
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


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class PlanSummary:
    """The figures at the top of a preview.

    Attributes
    ----------
    rows, send, skipped, invalid : int
        Rows in all, to update, unchanged (skipped), invalid.
    has_baseline : bool
        Whether the plan was diffed against current values.
    accounts : list of (account, integration or None, rows)
        Each integrated account and how many rows it has.
    send_notifications : str or None
        The query option as given (``None``: the provider's default).
    attendees : int
        Attendees (organizer and self excluded) on the events to update, where known.
    attendee_events : int
        Events to update that have such attendees.
    attendees_unknown : int
        Events to update whose attendees are unknown (no baseline, not in the row).
    warnings : list of str
        The plan's warnings (fields an integration ignores, ...).
    ignored_columns : list of (column, reason)
        Input columns that are not sent.
    """

    rows: int
    send: int
    skipped: int
    invalid: int
    has_baseline: bool
    accounts: list[tuple[str, str | None, int]]
    send_notifications: str | None
    attendees: int
    attendee_events: int
    attendees_unknown: int
    warnings: list[str] = field(default_factory=list)
    ignored_columns: list[tuple[str, str]] = field(default_factory=list)


def _notified(attendees: Any) -> int:
    if not isinstance(attendees, list):
        return 0
    return sum(
        1
        for a in attendees
        if isinstance(a, Mapping) and not a.get("is_organizer") and not a.get("is_self")
    )


def plan_summary(plan: EventUpdatePlan) -> PlanSummary:
    """Compute the preview's summary of a plan.

    Parameters
    ----------
    plan : EventUpdatePlan

    Returns
    -------
    PlanSummary
    """
    counts = plan.counts
    statuses = plan.statuses.tolist()
    accounts = Counter(a for a in plan.accounts.tolist() if a is not None)
    baseline = plan.baseline_events
    attendees = attendee_events = unknown = 0
    for status, event_id, payload in zip(
        statuses, plan.event_ids.tolist(), plan.payloads.tolist(), strict=True
    ):
        if status != "send" or payload is None:
            continue
        if "attendees" in payload:
            people = payload["attendees"]
        elif baseline is not None and event_id in baseline:
            people = baseline[event_id].get("attendees")
        else:
            unknown += 1
            continue
        count = _notified(people)
        attendees += count
        attendee_events += count > 0
    return PlanSummary(
        rows=len(plan),
        send=counts["send"],
        skipped=counts["skipped"],
        invalid=counts["invalid"],
        has_baseline=baseline is not None,
        accounts=[(a, plan.integrations.get(a), n) for a, n in sorted(accounts.items())],
        send_notifications=plan.options.send_notifications,
        attendees=attendees,
        attendee_events=attendee_events,
        attendees_unknown=unknown,
        warnings=list(plan.warnings),
        ignored_columns=[(c.column, c.reason) for c in plan.ignored_columns],
    )


def _notifications_text(s: PlanSummary) -> str:
    people = f"{s.attendees:,} attendee{'s' * (s.attendees != 1)} on {s.attendee_events:,} event"
    people += "s" * (s.attendee_events != 1)
    unknown = (
        f" (and {s.attendees_unknown:,} event{'s' * (s.attendees_unknown != 1)} whose attendees "
        "are unknown without a baseline)"
        if s.attendees_unknown
        else ""
    )
    if s.send_notifications == "none":
        return f"send_notifications=<b>none</b>: no attendee is emailed ({people}{unknown})."
    if s.send_notifications == "all":
        return f"send_notifications=<b>all</b>: <b>{people}</b>{unknown} would be emailed."
    if s.send_notifications == "external_only":
        return (
            f"send_notifications=<b>external_only</b>: up to <b>{people}</b>{unknown} would be "
            "emailed (those outside the organizer's domain)."
        )
    return (
        f"send_notifications not set: the provider's default applies; up to <b>{people}</b>"
        f"{unknown} could be emailed. Pass send_notifications='none' to be sure no one is."
    )


def summary_html(s: PlanSummary) -> str:
    """Render a :class:`PlanSummary` as HTML (every value from the input is escaped)."""
    parts = [
        f"<div><b>{s.rows:,} rows</b>: <b style='color:#14532d'>{s.send:,} to update</b>, "
        f"{s.skipped:,} unchanged (skipped), "
        f"<b style='color:{'#8a1c25' if s.invalid else '#555'}'>{s.invalid:,} invalid</b>. "
        "Nothing has been sent yet.</div>"
    ]
    if not s.has_baseline:
        parts.append(
            "<div>No baseline: every filled field is sent as is. Pass <code>baseline=</code> "
            "(the frame <code>read_events</code> returned) to send only what changed.</div>"
        )
    accounts = ", ".join(
        f"<code>{_e(account)}</code>{f' ({_e(name)})' if name else ''}: {n:,} rows"
        for account, name, n in s.accounts
    )
    count = len(s.accounts)
    parts.append(f"<div>{count} account{'s' * (count != 1)}: {accounts or 'none'}</div>")
    parts.append(f"<div>{_notifications_text(s)}</div>")
    for warning in s.warnings:
        parts.append(f"<div style='color:#8a5a00'>⚠ {_e(warning)}</div>")
    if s.ignored_columns:
        items = "".join(
            f"<li><code>{_e(column)}</code>: {_e(reason)}</li>"
            for column, reason in s.ignored_columns
        )
        parts.append(
            f"<details><summary>Columns not sent ({len(s.ignored_columns)})</summary>"
            f"<ul>{items}</ul></details>"
        )
    return f"<div class='truto-summary'>{''.join(parts)}</div>"


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class ChangeRow:
    """One row to update and its field changes."""

    label: Any
    event_id: str | None
    changes: list[FieldChange]


def change_rows(plan: EventUpdatePlan) -> list[ChangeRow]:
    """The rows a plan will send, in input order, each with its before -> after changes."""
    index = plan.payloads.index
    ids = plan.event_ids.tolist()
    return [
        ChangeRow(index[position], ids[position], changes)
        for position, changes in changes_by_row(
            plan.statuses.tolist(), ids, plan.payloads.tolist(), plan.baseline_events
        )
    ]


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
            before = _cell_text(change.before) if has_baseline else "<i>?</i>"
            body.append(
                f"<tr>{lead}<td><code>{_e(change.column)}</code></td>"
                f"<td style='{_STYLE_BEFORE}'>{before}</td>"
                f"<td style='{_STYLE_AFTER}'>{_cell_text(change.after)}</td></tr>"
            )
    before_head = "before" if has_baseline else "before (no baseline)"
    return _table(
        ["row", "event id", "field", before_head, "after"], "".join(body), "truto-changes"
    )


def problem_rows(plan: EventUpdatePlan) -> list[tuple[Any, str | None, str, str]]:
    """Every validation problem as ``(row label, event id, column, message)``, in input order."""
    labels = plan.payloads.index
    ids = plan.event_ids.tolist()
    return [
        (labels[position], ids[position], column, message)
        for position, problems in enumerate(plan._row_problems)
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
        A results frame (see :mod:`truto_frame.results`).
    event_ids : sequence
        The plan's event ids, aligned with ``results`` by position.
    failures_only : bool
        Keep only ``failed``, ``invalid`` and ``cancelled`` rows.
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


def results_summary_html(results: pd.DataFrame) -> str:
    """One line counting a results frame's statuses: ``2 updated, 4 skipped, 0 failed``."""
    counts = results["status"].value_counts()
    order = ["updated", "skipped", "failed", "invalid", "cancelled"]
    parts = [
        f"<span style='color:{_STATUS_COLOURS[s]}'><b>{int(counts.get(s, 0)):,}</b> {s}</span>"
        for s in order
        if s in ("updated", "failed") or counts.get(s, 0)
    ]
    return f"<div class='truto-results-summary'>Done: {', '.join(parts)}.</div>"
