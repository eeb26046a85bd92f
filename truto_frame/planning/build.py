"""Building a plan: every row read, unflattened, validated and checked; nothing sent.

:func:`build_plan` (what ``df.truto.update_events`` calls) turns each row's flat columns into
the nested body (:mod:`truto_frame.frame.flatten`), validates it against
:class:`~truto_frame.model.schema.EventUpdate`, diffs it against a baseline when one is given
(:mod:`truto_frame.planning.baseline`), checks the integration's rules
(:mod:`truto_frame.model.integrations`)
and records every problem per row, named by its DataFrame column. The result is an
:class:`~truto_frame.planning.plan.EventUpdatePlan`; nothing is sent until its ``apply()``.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import ValidationError

from ..api.auth import Secret, find_token, resolve_base_url
from ..api.options import RequestOptions
from ..errors import ConfigurationError, InputError
from ..frame.attendee_rules import attendee_email_problems
from ..frame.cells import as_id
from ..frame.flatten import normalize_cell, parse_column, unflatten_frame, unflatten_record
from ..frame.row_problems import validation_message
from ..model.integrations import IntegrationRules, check_update_rules, rules_for, unsupported_fields
from ..model.schema import REQUEST_FIELDS, RESPONSE_ONLY_FIELDS, EventUpdate, payload_from_model
from ..model.sentinels import MISSING
from .baseline import BaselineKey, current_event, diff_against_baseline, missing_reason
from .baseline_source import resolve_baseline
from .frame_baseline import FrameBaseline
from .headers import export_header_hint
from .no_change import UNCHANGED_REASON, no_change_reason
from .numeric_ids import numeric_id_columns, numeric_id_warning
from .plan import EventUpdatePlan
from .rows import ACCOUNT_COLUMN, ID_COLUMN, IgnoredColumn
from .series import frame_parents, series_notes
from .time_rules import check_times, prepare_times
from .unchanged import plan_with_prefilter
from .whole_or_parts import settle_null_conflicts

if TYPE_CHECKING:
    import httpx

__all__ = ["build_plan"]


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


def _classify_columns(
    columns: Sequence[Any],
) -> tuple[list[str], list[IgnoredColumn]]:
    body: list[str] = []
    ignored: list[IgnoredColumn] = []
    for name in columns:
        if not isinstance(name, str):
            ignored.append(IgnoredColumn(str(name), "column name is not text"))
            continue
        if name in (ID_COLUMN, ACCOUNT_COLUMN):
            continue
        try:
            path = parse_column(name)
        except ValueError as exc:
            ignored.append(IgnoredColumn(name, f"not a field path ({exc})"))
            continue
        top = path[0]
        if top in REQUEST_FIELDS:
            body.append(name)
        elif top in RESPONSE_ONLY_FIELDS:
            ignored.append(IgnoredColumn(name, "read-only field, never sent"))
        else:
            meant = export_header_hint(name)
            close = difflib.get_close_matches(str(top), sorted(REQUEST_FIELDS), n=1, cutoff=0.8)
            hint = (
                f"; did you mean {meant}?"
                if meant is not None
                else f"; did you mean {close[0]!r}?"
                if close
                else ""
            )
            ignored.append(IgnoredColumn(name, f"not an event field{hint}"))
    return body, ignored


def _resolve_accounts(
    df: pd.DataFrame, integrated_account_id: str | None
) -> tuple[list[str | None], list[list[tuple[str, str]]]]:
    n = len(df)
    problems: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    if ACCOUNT_COLUMN in df.columns:
        column = [as_id(v) for v in df[ACCOUNT_COLUMN].tolist()]
    else:
        column = [None] * n
    accounts: list[str | None] = []
    for i, value in enumerate(column):
        if value is None:
            value = integrated_account_id
        elif integrated_account_id is not None and value != integrated_account_id:
            problems[i].append(
                (
                    ACCOUNT_COLUMN,
                    f"row says {value!r} but integrated_account_id={integrated_account_id!r} "
                    "was passed; give one or make them agree",
                )
            )
        if value is None:
            problems[i].append(
                (
                    ACCOUNT_COLUMN,
                    "no integrated account: pass integrated_account_id= or fill the column",
                )
            )
        accounts.append(value)
    return accounts, problems


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # Planning builds millions of small dicts and lists that all stay alive; the cyclic
    # collector would rescan them again and again (measured: 2-3x the whole planning time on
    # 100,000 rows). Nothing here makes reference cycles, so pause it and restore its state.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                # What was just built lives as long as the plan: freeze + unfreeze moves it to
                # the oldest generation in one step, where a young collection on the next
                # allocation would rescan every object (~10% of a plan of 100,000 rows). Not
                # when the program froze objects itself: unfreeze would undo that.
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _integration_by_account(
    accounts: Sequence[str | None], integration: str | Mapping[str, str] | None
) -> dict[str, str]:
    # The preview names each account's integration, whichever way it was given.
    if isinstance(integration, str):
        return {a: integration for a in dict.fromkeys(accounts) if a is not None}
    return dict(integration or {})


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
class _RowsPlanned:
    payloads: list[dict[str, Any] | None]
    statuses: list[str]
    unsupported: dict[str, set[str]]
    baselines: Sequence[dict[str, Any] | None]
    warnings: list[list[tuple[str, object]]]
    skip_reasons: list[str | None]


def _plan_rows(
    df: pd.DataFrame,
    body_columns: list[str],
    event_ids: list[str | None],
    accounts: list[str | None],
    problems: list[list[tuple[str, str]]],
    integration: str | Mapping[str, str] | None,
    baseline_events: Mapping[BaselineKey, dict[str, Any]] | None,
) -> _RowsPlanned:
    """Unflatten, validate and check every row; fills ``problems`` in place."""
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
            row = df.iloc[i]
            settled = settle_null_conflicts(body_columns, [row[c] for c in body_columns], current)
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
    return _RowsPlanned(payloads, statuses, unsupported, baselines, warnings, skip_reasons)


def build_plan(
    df: pd.DataFrame,
    *,
    integrated_account_id: str | None = None,
    token: str | Secret | None = None,
    base_url: str | None = None,
    send_notifications: str | None = None,
    response_format: str = "unified",
    ignore_remote_data: bool = False,
    exclude_fields: Sequence[str] | None = None,
    remote_query: Mapping[str, Any] | None = None,
    concurrency: int = 16,
    baseline: pd.DataFrame | str | None = None,
    integration: str | Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> EventUpdatePlan:
    """Plan a bulk update of calendar events from a DataFrame; sends nothing.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per event; column ``id`` holds the event id, other columns are flat field
        paths (``title``, ``location.address.city``, ``attendees[0].person.emails[0].email``).
        Empty cells leave a field unchanged; :data:`truto_frame.NULL` (or ``"<NULL>"``) clears it.
    integrated_account_id : str, optional
        The account of every row; or a column ``integrated_account_id``, one per row.
    token : str or Secret, optional
        Truto API token; default: environment variable ``TRUTO_API_TOKEN``.
    base_url : str, optional
        Default: environment variable ``TRUTO_API_BASE_URL``, else ``https://api.truto.one``.
    send_notifications : {"all", "external_only", "none"}, optional
        Whether the provider emails attendees (Google integrations only).
    response_format : {"unified", "raw", "normalized", "stream"}, default "unified"
    ignore_remote_data : bool, default False
        Ask Truto to leave the provider's object out of each response.
    exclude_fields : sequence of str, optional
        Fields to leave out of each response (``truto_exclude_fields[]``).
    remote_query : mapping, optional
        Passed to the provider untouched as ``remote_query[key]=value``.
    concurrency : int, default 16
        Requests in flight at most.
    baseline : pandas.DataFrame or "fetch", optional
        Current values (e.g. from :func:`truto_frame.read_events`), matched by ``id``: unchanged
        fields are not sent and unchanged rows are skipped. ``"fetch"`` reads each row's event
        with a GET first (paced like the PATCHes; needs ``calendar.id`` in the frame).
        When not given, a frame made by :func:`truto_frame.read_events` (or a copy of one) is
        compared with the events as read; any other frame is sent as it is, unless it holds
        read-only columns (``created_at``...), which it refuses (:mod:`.snapshot`).
    integration : str or mapping, optional
        The integration (``"googlecalendar"``, ``"google"``, ``"outlookcalendar"``) of every
        account, or a mapping account -> integration; enables that integration's required and
        supported field rules. When unknown, only the rules every integration shares apply.
    transport : httpx.AsyncBaseTransport, optional
        For ``baseline="fetch"``: read through this transport (the sandbox app in process,
        ``httpx.ASGITransport(app=create_app())``). ``apply()`` takes its own.

    Returns
    -------
    EventUpdatePlan

    Raises
    ------
    InputError
        If ``df`` is not a DataFrame or has no ``id`` column, or holds read-only columns with
        neither a baseline nor a record of what was read.
    ConfigurationError
        If an option has an invalid value.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if ID_COLUMN not in df.columns:
        raise InputError(
            "the frame has no 'id' column: it must hold the id of each event to update"
        )
    if df.columns.duplicated().any():
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise InputError(f"duplicate column names: {', '.join(dupes)}")
    if not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigurationError(f"concurrency must be a positive integer, got {concurrency!r}")
    options = RequestOptions(
        send_notifications=send_notifications,
        response_format=response_format,
        ignore_remote_data=ignore_remote_data,
        # A single name is one field, not its letters.
        exclude_fields=(
            (exclude_fields,) if isinstance(exclude_fields, str) else tuple(exclude_fields or ())
        ),
        remote_query=remote_query if remote_query is not None else {},
    )
    if isinstance(integration, str):
        rules_for(integration)  # unknown names fail now, not per row
    elif isinstance(integration, Mapping):
        for name in integration.values():
            rules_for(name)

    body_columns, ignored = _classify_columns(list(df.columns))
    event_ids = [as_id(v) for v in df[ID_COLUMN].tolist()]
    accounts, problems = _resolve_accounts(df, integrated_account_id)

    # The token is looked up once: a plan can be built and previewed without one; apply() (or
    # baseline="fetch", which reads) is where one is required.
    secret = find_token(token)
    baseline_events = resolve_baseline(
        df,
        baseline,
        event_ids,
        accounts,
        token=secret,
        base_url=base_url,
        concurrency=concurrency,
        transport=transport,
    )

    # Paused until the plan object exists: the warnings and the plan allocate too, and a
    # collection started there would rescan every body just built (measured: ~10% of a
    # plan of 30,000 rows).
    with _gc_paused():
        if isinstance(baseline_events, FrameBaseline):
            # Fast path: rows and fields the baseline shows unchanged skip the per-row path.
            planned = _RowsPlanned(
                *plan_with_prefilter(
                    df,
                    body_columns,
                    event_ids,
                    accounts,
                    problems,
                    integration,
                    baseline_events,
                    _plan_rows,
                )
            )
        else:
            planned = _plan_rows(
                df, body_columns, event_ids, accounts, problems, integration, baseline_events
            )
        payloads, statuses, unsupported = planned.payloads, planned.statuses, planned.unsupported
        warnings: list[str] = []
        # A series edited instance by instance: each becomes an exception (rarely what is meant).
        warnings.extend(
            series_notes(
                statuses, accounts, event_ids, planned.baselines, frame_parents(df), baseline_events
            )
        )
        # Only rows that are sent: an invalid row's problems already say what to fix.
        warned = sum(
            1
            for row, status in zip(planned.warnings, statuses, strict=True)
            if row and status == "send"
        )
        if warned:
            warnings.append(
                f"{warned} row{'s' if warned != 1 else ''} give a time that may not be the "
                "wall-clock time meant (an offset that is not the event's zone, or a local time "
                "the clocks skip or repeat): see plan.row_warnings"
            )
        numeric_ids = numeric_id_warning(numeric_id_columns(df))
        if numeric_ids is not None:
            warnings.append(numeric_ids)
        for name, fields in sorted(unsupported.items()):
            warnings.append(f"{name} ignores these fields: {', '.join(sorted(fields))}")
        if send_notifications is not None and isinstance(integration, (str, Mapping)):
            names = {integration} if isinstance(integration, str) else set(integration.values())
            if "outlookcalendar" in names:
                warnings.append("send_notifications has no effect on outlookcalendar accounts")
        return EventUpdatePlan(
            index=df.index,
            event_ids=event_ids,
            accounts=accounts,
            payloads=payloads,
            problems=problems,
            statuses=statuses,
            ignored_columns=ignored,
            warnings=warnings,
            options=options,
            concurrency=concurrency,
            token=secret,
            base_url=resolve_base_url(base_url),
            integrations=_integration_by_account(accounts, integration),
            baselines=planned.baselines if baseline_events is not None else None,
            row_warnings=planned.warnings,
            skip_reasons=planned.skip_reasons,
        )
