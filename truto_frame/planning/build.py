"""Building a plan: every row read, unflattened, validated and checked; nothing sent.

:func:`build_plan` (what ``df.truto.update_events`` calls) checks the frame and its options,
sorts its columns, resolves each row's account and its baseline, then has every row
(:mod:`truto_frame.planning.planned_rows`) turned into the nested body
(:mod:`truto_frame.frame.flatten`), validated against
:class:`~truto_frame.model.schema.EventUpdate`, diffed against the baseline when one is given
(:mod:`truto_frame.planning.baseline`) and checked against the integration's rules
(:mod:`truto_frame.model.integrations`), every problem recorded per row, named by its
DataFrame column. The result is an
:class:`~truto_frame.planning.plan.EventUpdatePlan`; nothing is sent until its ``apply()``.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..api.auth import Secret, find_token, resolve_base_url
from ..api.options import RequestOptions
from ..errors import ConfigurationError, InputError
from ..frame.cells import as_id
from ..frame.flatten import parse_column
from ..model.integrations import rules_for
from ..model.schema import REQUEST_FIELDS, RESPONSE_ONLY_FIELDS
from .baseline_source import resolve_baseline
from .frame_baseline import FrameBaseline
from .headers import export_header_hint
from .numeric_ids import numeric_id_columns, numeric_id_warning
from .plan import EventUpdatePlan
from .planned_rows import PlannedRows, plan_rows
from .rows import ACCOUNT_COLUMN, ID_COLUMN, IgnoredColumn
from .series import frame_parents, series_notes
from .unchanged import plan_with_prefilter

if TYPE_CHECKING:
    import httpx

__all__ = ["build_plan"]


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
            planned = PlannedRows(
                *plan_with_prefilter(
                    df,
                    body_columns,
                    event_ids,
                    accounts,
                    problems,
                    integration,
                    baseline_events,
                    plan_rows,
                )
            )
        else:
            planned = plan_rows(
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
