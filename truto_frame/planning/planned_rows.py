"""Planned rows: each row unflattened, validated, diffed against its baseline and checked.

:func:`plan_rows` is the per-row path of :func:`~truto_frame.planning.build.build_plan`, and the
reference the column-wise fast path (:mod:`truto_frame.planning.unchanged`) is held to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import ValidationError

from ..frame.attendee_rules import attendee_email_problems
from ..frame.flatten import normalize_cell, unflatten_frame, unflatten_record
from ..frame.row_problems import validation_message
from ..model.integrations import IntegrationRules, check_update_rules, rules_for, unsupported_fields
from ..model.schema import EventUpdate, payload_from_model
from ..model.sentinels import MISSING
from .baseline import BaselineKey, current_event, diff_against_baseline, missing_reason
from .no_change import UNCHANGED_REASON, no_change_reason
from .rows import ID_COLUMN
from .time_rules import check_times, prepare_times
from .whole_or_parts import settle_null_conflicts

__all__ = ["PlannedRows", "plan_rows"]


def _loc_to_column(loc: Sequence[str | int], columns: set[str]) -> tuple[str, str]:
    """Spell a pydantic error location as the DataFrame column it came from.

    Returns the column and, when the error lies inside a whole JSON cell, the path within it.
    """
    prefixes: list[str] = []
    text = ""
    for item in loc:
        text = (
            f"{text}[{item}]" if isinstance(item, int) else f"{text}.{item}" if text else str(item)
        )
        prefixes.append(text)
    # The deepest prefix that is a real column of the frame is where the value came from.
    for prefix in reversed(prefixes):
        if prefix in columns:
            return prefix, "" if prefix == text else text
    return text, ""


def _rules_for_account(
    account: str | None, integration: str | Mapping[str, str] | None
) -> IntegrationRules:
    if isinstance(integration, Mapping):
        return rules_for(integration.get(account) if account else None)
    return rules_for(integration)


def _filled_columns(df: pd.DataFrame, position: int, columns: Sequence[str]) -> set[str]:
    row = df.iloc[position]
    return {c for c in columns if normalize_cell(row[c]) is not MISSING}


@dataclass
class PlannedRows:
    """What :func:`plan_rows` found, one item per row in input order.

    Attributes
    ----------
    payloads : list
        The body to send, or ``None`` (invalid or skipped).
    statuses : list of str
        ``"send"``, ``"skipped"`` or ``"invalid"``.
    unsupported : dict
        Integration name -> the fields its rows set that it ignores.
    baselines : sequence
        Each row's current event (``None``: no baseline, or none for the row).
    warnings : list
        Per row, ``(column, message)`` of what is sent but probably not meant.
    skip_reasons : list
        Why a skipped row is skipped; ``None`` for the others.
    """

    payloads: list[dict[str, Any] | None]
    statuses: list[str]
    unsupported: dict[str, set[str]]
    baselines: Sequence[dict[str, Any] | None]
    warnings: list[list[tuple[str, object]]]
    skip_reasons: list[str | None]


def plan_rows(
    df: pd.DataFrame,
    body_columns: list[str],
    event_ids: list[str | None],
    accounts: list[str | None],
    problems: list[list[tuple[str, str]]],
    integration: str | Mapping[str, str] | None,
    baseline_events: Mapping[BaselineKey, dict[str, Any]] | None,
) -> PlannedRows:
    """Unflatten, validate, diff and check every row; fills ``problems`` in place.

    Parameters
    ----------
    df : pandas.DataFrame
        The rows to plan.
    body_columns : list of str
        The columns of ``df`` that are update fields.
    event_ids, accounts : list
        Each row's event id and integrated account (``None`` when it has none).
    problems : list of list
        Each row's ``(column, message)`` problems so far; extended in place.
    integration : str or mapping, optional
        As :func:`~truto_frame.planning.build.build_plan` takes it.
    baseline_events : mapping, optional
        The current events by ``(account, event id)``; ``None`` plans without a baseline.

    Returns
    -------
    PlannedRows
    """
    payloads: list[dict[str, Any] | None] = []
    statuses: list[str] = []
    unsupported: dict[str, set[str]] = {}
    baselines: list[dict[str, Any] | None] = []  # each row's current event, by position
    warnings: list[list[tuple[str, object]]] = []  # sent but probably not meant, per row
    skip_reasons: list[str | None] = []
    # Column names are parsed once for the whole frame, not once per cell.
    bodies, cell_problem_lists = unflatten_frame(df, body_columns)
    seen_ids: dict[tuple[str | None, str], int] = {}
    baseline_accounts: set[str | None] | None = None
    rules_by_account: dict[str | None, IntegrationRules] = {}  # looked up once per account
    # The body columns as Python lists, made the first time a row needs its raw cells: indexing
    # a row's Series cell by cell cost more than the rest of the slow path.
    cells_by_column: list[list[Any]] | None = None
    for i, body in enumerate(bodies):
        row_problems = problems[i]
        event_id = event_ids[i]
        if event_id is None:
            row_problems.append((ID_COLUMN, "no event id"))
        else:
            key = (accounts[i], event_id)
            if key in seen_ids:
                row_problems.append(
                    (
                        ID_COLUMN,
                        f"event {event_id!r} also appears in row {df.index[seen_ids[key]]!r}",
                    )
                )
            else:
                seen_ids[key] = i
        cell_problems = cell_problem_lists[i]
        current = (
            current_event(baseline_events, accounts[i], event_id)
            if baseline_events is not None and event_id is not None
            else None
        )
        baselines.append(current)
        if cell_problems and current is not None:
            # Slow path, rows with problems only: a NULL whole value against its parts may be
            # settled by what the baseline shows unchanged (see whole_or_parts.py).
            if cells_by_column is None:
                cells_by_column = [df[c].tolist() for c in body_columns]
            raw_cells = [cells[i] for cells in cells_by_column]
            settled = settle_null_conflicts(body_columns, raw_cells, current)
            if settled is not None:
                settled_body, settled_problems = unflatten_record(settled)
                if not settled_problems:
                    body, cell_problems = settled_body, []
        row_problems.extend(cell_problems)
        payload: dict[str, Any] | None = None
        if not cell_problems:
            try:
                payload = payload_from_model(EventUpdate.model_validate(body))
            except ValidationError as exc:
                # Slow path: name the column the value came from, among the row's filled ones
                # (a whole `attendees` cell, not the empty part column next to it).
                filled = _filled_columns(df, i, body_columns)
                for err in exc.errors(include_url=False, include_context=False):
                    column, inner = _loc_to_column(err["loc"], filled)
                    where = f" (at {inner})" if inner else ""
                    row_problems.append((column, f"{validation_message(err)}{where}"))
        row_warnings: list[tuple[str, object]] = []
        warnings.append(row_warnings)
        if payload is not None:
            # Naive times are wall-clock time in the row's zone; before the diff, so that the
            # same local time compares equal to what was read.
            payload, clock_warnings = prepare_times(payload, current)
            row_warnings.extend(clock_warnings)
        rules = rules_by_account.get(accounts[i])
        if rules is None:
            rules = rules_by_account[accounts[i]] = _rules_for_account(accounts[i], integration)
        skip_reason: str | None = None
        if payload is not None and baseline_events is None:
            skip_reason = no_change_reason(payload)
        elif (
            payload is not None
            and baseline_events is not None
            and event_id is not None
            and accounts[i] is not None  # a row without account already says so
        ):
            if current is None:
                # Diffing needs the current state; sending the row whole could undo edits the
                # user never saw, so stop it with a clear note instead.
                if baseline_accounts is None:  # once per plan, only when a row misses
                    baseline_accounts = {key[0] for key in baseline_events}
                reason = missing_reason(baseline_events, accounts[i], event_id, baseline_accounts)
                row_problems.append((ID_COLUMN, reason))
                payload = None
            else:
                payload = diff_against_baseline(payload, current, rules)
                skip_reason = UNCHANGED_REASON if payload is None else None
        if skip_reason is not None:
            payload = None
        if payload is not None:
            time_problems, time_warnings = check_times(payload, current)
            row_problems.extend(time_problems)
            known = current.get("attendees") if current else None
            if attendee_email_problems(payload, (), known):
                # Slow path: name the filled column each attendee came from (a whole cell).
                row_problems.extend(
                    attendee_email_problems(payload, _filled_columns(df, i, body_columns), known)
                )
            row_warnings.extend(time_warnings)
            for column, message in check_update_rules(payload, rules):
                row_problems.append((column, message))
            missing_fields = unsupported_fields(payload, rules)
            if missing_fields:
                unsupported.setdefault(rules.name, set()).update(missing_fields)
        if row_problems:
            payloads.append(None)
            statuses.append("invalid")
            skip_reasons.append(None)
        elif skip_reason is not None:
            payloads.append(None)
            statuses.append("skipped")
            skip_reasons.append(skip_reason)
        else:
            payloads.append(payload)
            statuses.append("send")
            skip_reasons.append(None)
    return PlannedRows(payloads, statuses, unsupported, baselines, warnings, skip_reasons)
