"""EventUpdatePlan: rows turned into validated PATCH bodies, before anything is sent.

:func:`build_plan` reads every row, unflattens its columns into the nested body, validates it
against :class:`~truto_frame.schema.EventUpdate` and the integration's rules, and records every
problem per row. Nothing is sent until :meth:`EventUpdatePlan.apply`.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import html
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import ValidationError

from ._types import MISSING
from .auth import Secret
from .errors import ConfigurationError, InputError
from .flatten import normalize_cell, parse_column, unflatten_frame, unflatten_record
from .integrations import IntegrationRules, check_update_rules, rules_for, unsupported_fields
from .options import RequestOptions
from .results import RowResult, results_frame
from .schema import REQUEST_FIELDS, RESPONSE_ONLY_FIELDS, EventUpdate, payload_from_model

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    import httpx

    from .journal import Journal
    from .pacing import RateLimits
    from .retry import RetryPolicy

__all__ = ["EventUpdatePlan", "IgnoredColumn", "build_plan"]

ID_COLUMN = "id"
ACCOUNT_COLUMN = "integrated_account_id"
PROBLEM_COLUMNS = ["row", "column", "message"]


@dataclass(frozen=True)
class IgnoredColumn:
    """A column of the input that is not part of the update body, and why."""

    column: str
    reason: str


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
            close = difflib.get_close_matches(str(top), sorted(REQUEST_FIELDS), n=1, cutoff=0.8)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            ignored.append(IgnoredColumn(name, f"not an event field{hint}"))
    return body, ignored


def _as_id(value: Any) -> str | None:
    cell = normalize_cell(value)
    if cell is MISSING or cell is None:
        return None
    # normalize_cell has already turned 1234.0 (an id pandas read as float) into 1234.
    return str(cell).strip() or None


class EventUpdatePlan:
    """A validated bulk update, ready to send; building it sent nothing.

    Build one with ``df.truto.update_events(...)`` or :func:`build_plan`.

    Attributes
    ----------
    payloads : pandas.Series
        The exact JSON body of each row (a dict), same index as the input; ``None`` for a row
        that is invalid or will be skipped.
    problems : pandas.DataFrame
        Every validation problem: columns ``row`` (the input index label), ``column`` (spelled as
        in the input frame) and ``message``. Rows with problems are not sent.
    ignored_columns : list of IgnoredColumn
        Input columns that are not sent, with the reason.
    warnings : list of str
        Things worth knowing that do not stop a row (fields an integration ignores...).
    event_ids : pandas.Series
        The event id of each row (text), same index as the input.
    accounts : pandas.Series
        The integrated account of each row, same index as the input.
    options : RequestOptions
        Query options sent with every request.
    results : pandas.DataFrame or None
        The results of the last :meth:`apply`, or ``None`` before.
    baseline_events : dict or None
        The current events the plan was diffed against (event id -> event), when a
        ``baseline=`` was given.
    """

    def __init__(
        self,
        *,
        index: pd.Index,
        event_ids: list[str | None],
        accounts: list[str | None],
        payloads: list[dict[str, Any] | None],
        problems: list[list[tuple[str, str]]],
        statuses: list[str],
        ignored_columns: list[IgnoredColumn],
        warnings: list[str],
        options: RequestOptions,
        concurrency: int,
        token: str | None,
        base_url: str | None,
        integrations: Mapping[str, str] | None = None,
        baseline_events: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        self._index = index
        self._event_ids = event_ids
        self._accounts = accounts
        self._payloads = payloads
        self._row_problems = problems
        self._statuses = statuses
        self.ignored_columns = ignored_columns
        self.warnings = warnings
        self.options = options
        self.concurrency = concurrency
        self._token = Secret(token) if token else None  # hidden from repr, vars and logs
        self.base_url = base_url
        self.integrations = dict(integrations or {})
        self.baseline_events = dict(baseline_events) if baseline_events is not None else None
        self.results: pd.DataFrame | None = None

    @property
    def _token_value(self) -> str | None:
        return self._token.value if self._token is not None else None

    # -- what the plan holds -------------------------------------------------------------
    @property
    def payloads(self) -> pd.Series:
        """The exact JSON body of each row (``None`` where the row is not sent)."""
        return pd.Series(self._payloads, index=self._index, dtype=object, name="payload")

    @property
    def event_ids(self) -> pd.Series:
        """The event id of each row."""
        return pd.Series(self._event_ids, index=self._index, dtype=object, name="id")

    @property
    def accounts(self) -> pd.Series:
        """The integrated account id of each row."""
        return pd.Series(self._accounts, index=self._index, dtype=object, name=ACCOUNT_COLUMN)

    @property
    def problems(self) -> pd.DataFrame:
        """Every validation problem, one row each: ``row``, ``column``, ``message``."""
        records = [
            (label, column, message)
            for label, row in zip(self._index, self._row_problems, strict=True)
            for column, message in row
        ]
        return pd.DataFrame.from_records(records, columns=PROBLEM_COLUMNS)

    @property
    def statuses(self) -> pd.Series:
        """What the plan will do with each row: ``send``, ``invalid`` or ``skipped``."""
        return pd.Series(self._statuses, index=self._index, dtype="string", name="plan")

    @property
    def is_valid(self) -> pd.Series:
        """Boolean Series: True where the row has no problem."""
        return pd.Series([not p for p in self._row_problems], index=self._index, name="valid")

    @property
    def counts(self) -> dict[str, int]:
        """How many rows will be sent, are invalid, or are skipped."""
        counts = {"send": 0, "invalid": 0, "skipped": 0}
        for status in self._statuses:
            counts[status] += 1
        return counts

    @property
    def changes(self) -> pd.DataFrame:
        """What each row to send changes, one field per line: before -> after.

        Columns ``row`` (input index label), ``id``, ``column`` (flat name), ``before`` (the
        baseline value; ``None`` when empty or when the plan has no baseline) and ``after``.
        """
        from .changes import changes_frame

        return changes_frame(
            self._index, self._statuses, self._event_ids, self._payloads, self.baseline_events
        )

    def undo(self) -> EventUpdatePlan:
        """Plan the update that puts back the baseline values of the rows this plan updated.

        Returns
        -------
        EventUpdatePlan
            One row per ``updated`` row of :attr:`results`, same index labels; send it with
            ``apply()`` like any plan.

        Raises
        ------
        InputError
            If the plan has no baseline or has not been applied.
        """
        from .undo import build_undo_plan

        return build_undo_plan(self)

    def failed_rows(self) -> EventUpdatePlan:
        """Plan the rows whose result is ``failed`` or ``cancelled``, to send them again.

        Returns
        -------
        EventUpdatePlan
            The same bodies, accounts and options, one row per such row, same index labels;
            empty when every row went through. ``invalid`` rows are not in it: they need an
            edit first.

        Raises
        ------
        InputError
            If the plan has not been applied.
        """
        from .undo import failed_rows_plan

        if self.results is None:
            raise InputError("the plan has not been applied yet: no row has failed")
        return failed_rows_plan(self)[0]

    def retry_failed(
        self,
        *,
        progress: bool | None = None,
        journal: str | Journal | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: RateLimits | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        on_result: Callable[[Hashable, RowResult], None] | None = None,
    ) -> pd.DataFrame:
        """Send again the rows that failed or were cancelled, and update :attr:`results`.

        Takes the options of :meth:`apply`. Rows that succeeded are not sent again.

        Returns
        -------
        pandas.DataFrame
            The whole results frame, one row per input row as after :meth:`apply`, with the
            retried rows' new outcomes (their ``attempts`` add up over both runs).

        Raises
        ------
        InputError
            If the plan has not been applied.

        Examples
        --------
        >>> results = plan.apply()  # doctest: +SKIP
        >>> results = plan.retry_failed()  # doctest: +SKIP
        """
        from .undo import failed_rows_plan, merge_retry_results

        if self.results is None:
            raise InputError("the plan has not been applied yet: no row has failed")
        sub, positions = failed_rows_plan(self)
        if positions:
            retried = sub.apply(
                progress=progress,
                journal=journal,
                transport=transport,
                limits=limits,
                retry=retry,
                timeout=timeout,
                on_result=on_result,
            )
            self.results = merge_retry_results(self.results, positions, retried)
        return self.results

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"<EventUpdatePlan rows={len(self)} send={c['send']} invalid={c['invalid']} "
            f"skipped={c['skipped']} ignored_columns={len(self.ignored_columns)}>"
        )

    def _repr_html_(self) -> str:
        c = self.counts
        problems = self.problems.head(20)
        rows = "".join(
            f"<tr><td>{html.escape(str(r.row))}</td><td>{html.escape(str(r.column))}</td>"
            f"<td>{html.escape(str(r.message))}</td></tr>"
            for r in problems.itertuples()
        )
        table = (
            f"<table><tr><th>row</th><th>column</th><th>message</th></tr>{rows}</table>"
            if rows
            else ""
        )
        return (
            f"<b>EventUpdatePlan</b>: {len(self)} rows — {c['send']} to send, "
            f"{c['invalid']} invalid, {c['skipped']} unchanged. Nothing has been sent.{table}"
        )

    def _ipython_display_(self) -> None:  # pragma: no cover - exercised in notebooks
        from IPython.display import HTML, display

        try:
            widget = self.preview()
        except ImportError:
            display(HTML(self._repr_html_()))
        else:
            display(widget)

    def preview(self) -> Any:
        """Return the ipywidgets preview of this plan (needs the ``notebook`` extra).

        Returns
        -------
        ipywidgets.Widget
            Summary, changes, invalid rows, and Apply / Cancel buttons.
        """
        from .preview import preview_widget

        return preview_widget(self)

    # -- sending -------------------------------------------------------------------------
    def apply(
        self,
        *,
        progress: bool | None = None,
        journal: str | Journal | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: RateLimits | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        on_result: Callable[[Hashable, RowResult], None] | None = None,
    ) -> pd.DataFrame:
        """Send every valid row's PATCH, in parallel, and return the results frame.

        Safe to call in a Jupyter cell (a running event loop): the requests run on a private
        loop in a worker thread. One bad row never raises; it lands in its row of the results.

        Parameters
        ----------
        progress : bool, optional
            Show a tqdm progress bar (default: only when attached to a terminal or notebook).
        journal : str or Journal, optional
            Record each result as it lands; re-running with the same journal sends only rows
            that have not already succeeded with the same payload.
        transport : httpx.AsyncBaseTransport, optional
            Send through this transport (e.g. ``httpx.ASGITransport(app=sandbox_app)``).
        limits : RateLimits, optional
            The budgets to pace to; default Truto's documented 50 requests per 10 s per
            account and 500 per 10 s per token, refined from ``ratelimit-*`` headers.
        retry : RetryPolicy, optional
            Attempts and backoff; default 6 attempts, 0.5 s doubling up to 30 s, full jitter.
        timeout : float, default 30.0
            Seconds one request may take before it counts as a (retried) timeout.
        on_result : callable, optional
            Called as ``on_result(label, row_result)`` with the row's index label and its
            :class:`~truto_frame.results.RowResult` as each sent row's result lands; for a
            live count or a log. It runs in the engine's thread: keep it quick. If it
            raises, no new request starts and the error is raised once the requests in
            flight have ended (a journal has recorded them).

        Returns
        -------
        pandas.DataFrame
            One row per input row, same index and order; see :mod:`truto_frame.results`.

        Examples
        --------
        >>> from truto_frame.pacing import RateLimits
        >>> results = plan.apply(limits=RateLimits(per_account=(20, 10.0)))  # doctest: +SKIP
        """
        from .runner import run_sync

        return run_sync(
            self.apply_async(
                progress=progress,
                journal=journal,
                transport=transport,
                limits=limits,
                retry=retry,
                timeout=timeout,
                on_result=on_result,
            )
        )

    async def apply_async(
        self,
        *,
        progress: bool | None = None,
        journal: str | Journal | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: RateLimits | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        on_result: Callable[[Hashable, RowResult], None] | None = None,
    ) -> pd.DataFrame:
        """Like :meth:`apply`, for async callers: ``results = await plan.apply_async()``."""
        from .sending import send_plan

        results = await send_plan(
            self,
            progress=progress,
            journal=journal,
            transport=transport,
            limits=limits,
            retry=retry,
            timeout=timeout,
            on_result=on_result,
        )
        self.results = results
        return results

    def _row_results_before_sending(self) -> list[RowResult | None]:
        out: list[RowResult | None] = []
        for status, problems in zip(self._statuses, self._row_problems, strict=True):
            if status == "invalid":
                message = "; ".join(f"{col}: {msg}" for col, msg in problems)
                out.append(RowResult(status="invalid", error=message))
            elif status == "skipped":
                out.append(RowResult(status="skipped", error=None))
            else:
                out.append(None)
        return out

    def _results(self, rows: list[RowResult]) -> pd.DataFrame:
        return results_frame(self._index, rows)


def _resolve_accounts(
    df: pd.DataFrame, integrated_account_id: str | None
) -> tuple[list[str | None], list[list[tuple[str, str]]]]:
    n = len(df)
    problems: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    if ACCOUNT_COLUMN in df.columns:
        column = [_as_id(v) for v in df[ACCOUNT_COLUMN].tolist()]
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
            gc.enable()


def _integration_by_account(
    accounts: Sequence[str | None], integration: str | Mapping[str, str] | None
) -> dict[str, str]:
    # The preview names each account's integration, whichever way it was given.
    if isinstance(integration, str):
        return {a: integration for a in dict.fromkeys(accounts) if a is not None}
    return dict(integration or {})


def _token_or_none(token: str | None) -> str | None:
    # A plan can be built and previewed without a token; apply() is where one is required.
    from .client import resolve_token

    try:
        return resolve_token(token)
    except ConfigurationError:
        return None


def _rules_for_account(
    account: str | None, integration: str | Mapping[str, str] | None
) -> IntegrationRules:
    if isinstance(integration, Mapping):
        return rules_for(integration.get(account) if account else None)
    return rules_for(integration)


@dataclass
class _RowsPlanned:
    payloads: list[dict[str, Any] | None]
    statuses: list[str]
    unsupported: dict[str, set[str]]


def _plan_rows(
    df: pd.DataFrame,
    body_columns: list[str],
    event_ids: list[str | None],
    accounts: list[str | None],
    problems: list[list[tuple[str, str]]],
    integration: str | Mapping[str, str] | None,
    baseline_events: Mapping[str, dict[str, Any]] | None,
) -> _RowsPlanned:
    """Unflatten, validate and check every row; fills ``problems`` in place."""
    column_set = set(body_columns)
    payloads: list[dict[str, Any] | None] = []
    statuses: list[str] = []
    unsupported: dict[str, set[str]] = {}
    # Column names are parsed once for the whole frame, not once per cell.
    bodies, cell_problem_lists = unflatten_frame(df, body_columns)
    seen_ids: dict[tuple[str | None, str], int] = {}
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
        current = baseline_events.get(event_id) if baseline_events and event_id else None
        if cell_problems and current is not None:
            # Slow path, rows with problems only: a NULL whole value against its parts may be
            # settled by what the baseline shows unchanged (see conflicts.py).
            from .conflicts import settle_null_conflicts

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
                for err in exc.errors(include_url=False, include_context=False):
                    column, inner = _loc_to_column(err["loc"], column_set)
                    where = f" (at {inner})" if inner else ""
                    row_problems.append((column, f"{err['msg']}{where}"))
        rules = _rules_for_account(accounts[i], integration)
        skipped = False
        if payload is not None and baseline_events is not None and event_id is not None:
            from .baseline import diff_against_baseline

            current = baseline_events.get(event_id)
            if current is None:
                # Diffing needs the current state; sending the row whole could undo edits the
                # user never saw, so stop it with a clear note instead.
                from .baseline import missing_reason

                row_problems.append((ID_COLUMN, missing_reason(baseline_events, event_id)))
                payload = None
            else:
                payload = diff_against_baseline(payload, current, rules)
                skipped = payload is None
        if payload is not None:
            for column, message in check_update_rules(payload, rules):
                row_problems.append((column, message))
            missing_fields = unsupported_fields(payload, rules)
            if missing_fields:
                unsupported.setdefault(rules.name, set()).update(missing_fields)
        if row_problems:
            payloads.append(None)
            statuses.append("invalid")
        elif skipped:
            payloads.append(None)
            statuses.append("skipped")
        else:
            payloads.append(payload)
            statuses.append("send")
    return _RowsPlanned(payloads, statuses, unsupported)


def build_plan(
    df: pd.DataFrame,
    *,
    integrated_account_id: str | None = None,
    token: str | None = None,
    base_url: str | None = None,
    send_notifications: str | None = None,
    response_format: str = "unified",
    ignore_remote_data: bool = False,
    exclude_fields: Sequence[str] | None = None,
    remote_query: Mapping[str, Any] | None = None,
    concurrency: int = 16,
    baseline: pd.DataFrame | str | None = None,
    integration: str | Mapping[str, str] | None = None,
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
    token : str, optional
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
    integration : str or mapping, optional
        The integration (``"googlecalendar"``, ``"google"``, ``"outlookcalendar"``) of every
        account, or a mapping account -> integration; enables that integration's required and
        supported field rules. When unknown, only the rules every integration shares apply.

    Returns
    -------
    EventUpdatePlan

    Raises
    ------
    InputError
        If ``df`` is not a DataFrame or has no ``id`` column.
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
        exclude_fields=tuple(exclude_fields or ()),
        remote_query=dict(remote_query or {}),
    )
    if isinstance(integration, str):
        rules_for(integration)  # unknown names fail now, not per row
    elif isinstance(integration, Mapping):
        for name in integration.values():
            rules_for(name)

    body_columns, ignored = _classify_columns(list(df.columns))
    event_ids = [_as_id(v) for v in df[ID_COLUMN].tolist()]
    accounts, problems = _resolve_accounts(df, integrated_account_id)

    baseline_events: Mapping[str, dict[str, Any]] | None = None
    if isinstance(baseline, str):
        if baseline != "fetch":
            raise ConfigurationError(f"baseline must be a DataFrame or 'fetch', got {baseline!r}")
        from .baseline_fetch import fetch_baseline
        from .client import resolve_token

        baseline_events = fetch_baseline(
            df,
            event_ids,
            accounts,
            token=resolve_token(token),
            base_url=base_url,
            concurrency=concurrency,
        )
    elif baseline is not None:
        from .baseline import baseline_lookup

        baseline_events = baseline_lookup(baseline)

    with _gc_paused():
        planned = _plan_rows(
            df, body_columns, event_ids, accounts, problems, integration, baseline_events
        )
    payloads, statuses, unsupported = planned.payloads, planned.statuses, planned.unsupported
    warnings: list[str] = []
    for name, fields in sorted(unsupported.items()):
        warnings.append(f"{name} ignores these fields: {', '.join(sorted(fields))}")
    if send_notifications is not None and isinstance(integration, (str, Mapping)):
        names = {integration} if isinstance(integration, str) else set(integration.values())
        if "outlookcalendar" in names:
            warnings.append("send_notifications has no effect on outlookcalendar accounts")
    from .client import resolve_base_url

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
        token=_token_or_none(token),
        base_url=resolve_base_url(base_url),
        integrations=_integration_by_account(accounts, integration),
        baseline_events=baseline_events,
    )
