"""The figures at the top of the notebook preview: rows, accounts, who may be emailed, warnings.

A pure function of the plan (:func:`plan_summary`) and its HTML (:func:`summary_html`); every
value that comes from the input is escaped.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..planning.no_change import UNCHANGED_REASON

if TYPE_CHECKING:
    from ..planning.check import PlanCheck
    from ..planning.plan import EventUpdatePlan

__all__ = [
    "PlanSummary",
    "check_lines",
    "empty_rows",
    "notifications_text",
    "plan_summary",
    "summary_html",
]


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


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
    rereads : int
        Rows whose event is read again just before writing (one GET each), to merge changes
        made since the baseline.
    warnings : list of str
        The plan's warnings (fields an integration ignores, ...).
    nothing_to_change : list of (row, reason)
        Rows skipped because they fill only their selector (``calendar``): probably a value
        the user meant to send was read as empty.
    row_warnings : list of (row, column, message)
        Rows that are sent but may not mean what was typed (a time's offset...).
    ignored_columns : list of (column, reason)
        Input columns that are not sent.
    checked : list of str or None
        What the preflight found (:func:`check_lines`); ``None`` when it has not run.
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
    rereads: int = 0
    warnings: list[str] = field(default_factory=list)
    ignored_columns: list[tuple[str, str]] = field(default_factory=list)
    row_warnings: list[tuple[Any, str, str]] = field(default_factory=list)
    checked: list[str] | None = None
    nothing_to_change: list[tuple[Any, str]] = field(default_factory=list)


def _notified(attendees: Any) -> int:
    if not isinstance(attendees, list):
        return 0
    return sum(
        1
        for a in attendees
        if isinstance(a, Mapping) and not a.get("is_organizer") and not a.get("is_self")
    )


def empty_rows(plan: EventUpdatePlan) -> list[tuple[Any, str]]:
    """The rows skipped although they were not diffed unchanged: they fill only ``calendar``.

    Parameters
    ----------
    plan : EventUpdatePlan

    Returns
    -------
    list of (row label, reason)
    """
    return [
        (label, reason)
        for label, reason in zip(plan.skip_reasons.index, plan.skip_reasons.tolist(), strict=True)
        if reason and reason != UNCHANGED_REASON
    ]


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
    attendees = attendee_events = unknown = 0
    for position, (status, payload) in enumerate(
        zip(statuses, plan.payloads.tolist(), strict=True)
    ):
        if status != "send" or payload is None:
            continue
        # Only rows to send: the baseline events of skipped rows are never rebuilt.
        current = plan.baseline_of(position)
        if "attendees" in payload:
            people = payload["attendees"]
        elif current is not None:
            people = current.get("attendees")
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
        has_baseline=plan.has_baseline,
        accounts=[(a, plan.integrations.get(a), n) for a, n in sorted(accounts.items())],
        send_notifications=plan.options.send_notifications,
        attendees=attendees,
        attendee_events=attendee_events,
        attendees_unknown=unknown,
        rereads=int(plan.rereads.sum()),
        warnings=list(plan.warnings),
        ignored_columns=[(c.column, c.reason) for c in plan.ignored_columns],
        row_warnings=[tuple(r) for r in plan.row_warnings.itertuples(index=False)],
        nothing_to_change=empty_rows(plan),
        checked=check_lines(plan.preflight) if plan.preflight is not None else None,
    )


def check_lines(check: PlanCheck) -> list[str]:
    """Say what the preflight found: each account's integration, then its findings.

    Parameters
    ----------
    check : PlanCheck
        ``plan.preflight``.

    Returns
    -------
    list of str
        Plain text without control characters (it holds Truto's words: escape it before
        showing it as HTML).
    """
    lines = []
    for account, verdict in check.accounts.items():
        state = "can take writes" if verdict.ok else "refused"
        name = verdict.integration or "integration unknown"
        lines.append(f"{account}: {name}, {verdict.status or 'status unknown'}: {state}")
    # A remote status could carry terminal escapes: no control characters in a line.
    return ["".join(c if c.isprintable() else " " for c in x) for x in lines + check.findings]


def notifications_text(
    s: PlanSummary,
    *,
    strong: Callable[[str], str] = lambda text: f"<b>{text}</b>",
    how_to_silence: str = "Pass send_notifications='none' to be sure no one is.",
) -> str:
    """Say who may be emailed about the update: the analyst's first fear, in one sentence.

    Parameters
    ----------
    s : PlanSummary
        The plan's summary.
    strong : callable, optional
        Marks the figures that matter (HTML bold by default; the command line passes plain).
    how_to_silence : str, optional
        The advice when ``send_notifications`` is not set, in the caller's own terms.

    Returns
    -------
    str
        One sentence. Holds no text from the input, only figures and option names.
    """
    people = f"{s.attendees:,} attendee{'s' * (s.attendees != 1)} on {s.attendee_events:,} event"
    people += "s" * (s.attendee_events != 1)
    unknown = (
        f" (and {s.attendees_unknown:,} event{'s' * (s.attendees_unknown != 1)} whose attendees "
        "are unknown without a baseline)"
        if s.attendees_unknown
        else ""
    )
    setting = f"send_notifications={strong(str(s.send_notifications))}"
    if s.send_notifications == "none":
        return f"{setting}: no attendee is emailed ({people}{unknown})."
    if s.send_notifications == "all":
        return f"{setting}: {strong(people)}{unknown} would be emailed."
    if s.send_notifications == "external_only":
        return (
            f"{setting}: up to {strong(people)}{unknown} would be emailed (those outside the "
            "organizer's domain)."
        )
    return (
        f"send_notifications not set: the provider's default applies; up to {strong(people)}"
        f"{unknown} could be emailed. {how_to_silence}"
    )


def summary_html(s: PlanSummary, *, applied: bool = False) -> str:
    """Render a :class:`PlanSummary` as HTML (every value from the input is escaped).

    Parameters
    ----------
    s : PlanSummary
        The figures.
    applied : bool
        Whether the plan has been sent (the line then points at the results, not "nothing sent").
    """
    state = "Applied: see the results below." if applied else "Nothing has been sent yet."
    parts = [
        f"<div><b>{s.rows:,} rows</b>: <b style='color:#14532d'>{s.send:,} to update</b>, "
        f"{s.skipped:,} unchanged (skipped), "
        f"<b style='color:{'#8a1c25' if s.invalid else '#555'}'>{s.invalid:,} invalid</b>. "
        f"{state}</div>"
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
    parts.append(f"<div>{notifications_text(s)}</div>")
    if s.rereads:
        parts.append(
            f"<div><b>{s.rereads:,} row{'s' * (s.rereads != 1)} will be re-read before "
            f"writing</b> (one GET each): {'they re-send' if s.rereads != 1 else 'it re-sends'} "
            "values from the baseline, so changes made "
            "since then are merged; a field changed on both sides ends <code>conflict</code>, "
            "unsent.</div>"
        )
    if s.checked is None:
        parts.append(
            "<div>Accounts not checked yet: <code>plan.check()</code> asks Truto now; Apply "
            "checks them before the first update.</div>"
        )
    else:
        items = "".join(f"<li>{_e(line)}</li>" for line in s.checked)
        parts.append(f"<div>Checked with Truto:<ul>{items}</ul></div>")
    for warning in s.warnings:
        parts.append(f"<div style='color:#8a5a00'>⚠ {_e(warning)}</div>")
    if s.nothing_to_change:
        items = "".join(
            f"<li>row {_e(row)}: {_e(reason)}</li>" for row, reason in s.nothing_to_change
        )
        parts.append(
            f"<details style='color:#8a5a00'><summary>Rows with nothing to change "
            f"({len(s.nothing_to_change)}, skipped)</summary><ul>{items}</ul></details>"
        )
    if s.row_warnings:
        items = "".join(
            f"<li>row {_e(row)}, <code>{_e(column)}</code>: {_e(message)}</li>"
            for row, column, message in s.row_warnings
        )
        parts.append(
            f"<details style='color:#8a5a00'><summary>Rows to check ({len(s.row_warnings)}, "
            f"sent as they are)</summary><ul>{items}</ul></details>"
        )
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
