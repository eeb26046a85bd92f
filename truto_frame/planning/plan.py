"""EventUpdatePlan: rows turned into validated PATCH bodies, before anything is sent.

The plan holds, per input row, the exact body to send (or why the row is not sent) and offers
what comes next: ``payloads``, ``problems``, ``changes``, the preview, ``apply()``,
``retry_failed()`` and ``undo()``. :func:`~truto_frame.planning.build.build_plan` builds it;
nothing is sent until :meth:`EventUpdatePlan.apply`.

The verbs (sending, the preflight, undo, retry-failed, the preview in ``ui/``) read only the
plan's public face: :attr:`EventUpdatePlan.rows` (:class:`PlanRows`, by position), its options
and token handle, and :meth:`EventUpdatePlan.subset`. The plan calls them; they import it only
for types.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..api.auth import Secret
from ..api.options import RequestOptions
from ..engine.results import RowResult
from ..engine.runner import run_sync
from ..errors import ApplyInterrupted, InputError
from .changes import changes_frame
from .check import preflight
from .failed_rows import failed_rows_plan, merge_retry_results
from .interruption import RunStopped, interrupted_message
from .listeners import Listeners
from .merge import needs_reread
from .reread import RereadLog, check_on_conflict, conflicts_frame
from .sending import send_plan
from .undo import build_undo_plan

if TYPE_CHECKING:
    import httpx

    from ..api.client import TrutoClient
    from ..api.pacing import RateLimits
    from ..api.retry import RetryPolicy
    from ..engine.journal import Journal
    from .check import PlanCheck

__all__ = ["EventUpdatePlan", "IgnoredColumn", "PlanRows"]


ID_COLUMN = "id"
# The preview widget lives in ``ui/``, a layer above this one: the package's ``__init__``
# registers it here, so that a plan can show itself without planning importing the UI.
_PREVIEWER: Callable[[EventUpdatePlan], Any] | None = None


def register_previewer(factory: Callable[[EventUpdatePlan], Any]) -> None:
    """Set the function that :meth:`EventUpdatePlan.preview` calls to build the widget.

    Parameters
    ----------
    factory : callable
        Takes a plan and returns its preview widget (``truto_frame.ui.widget.preview_widget``,
        registered when ``truto_frame`` is imported).
    """
    global _PREVIEWER
    _PREVIEWER = factory


ACCOUNT_COLUMN = "integrated_account_id"
PROBLEM_COLUMNS = ["row", "column", "message"]


@dataclass(frozen=True)
class IgnoredColumn:
    """A column of the input that is not part of the update body, and why."""

    column: str
    reason: str


@dataclass(frozen=True)
class PlanRows:
    """A plan's rows by position: what the verbs (send, check, undo, retry, preview) read.

    Every list has one item per input row, in input order; position ``i`` of each describes
    the row labelled ``index[i]`` (labels may repeat, positions never do). The preflight
    updates ``statuses``, ``payloads`` and ``problems`` in place.

    Attributes
    ----------
    index : pandas.Index
        The input frame's index.
    event_ids, accounts : list of str or None
        Each row's event id and integrated account.
    payloads : list of dict or None
        The body to send (``None`` where the row is not sent).
    problems : list of list of (column, message)
        Why each row cannot be sent (empty when it can).
    statuses : list of str
        ``send``, ``invalid`` or ``skipped``.
    baselines : list of dict or None, or None
        Each row's current event when the plan has a baseline, else ``None``.
    skip_reasons : list of str or None
        Why each ``skipped`` row is not sent.
    warnings : list of list of (column, message), or None
        What each row sends but probably does not mean.
    """

    index: pd.Index
    event_ids: list[str | None]
    accounts: list[str | None]
    payloads: list[dict[str, Any] | None]
    problems: list[list[tuple[str, str]]]
    statuses: list[str]
    baselines: list[dict[str, Any] | None] | None
    skip_reasons: list[str | None]
    warnings: list[list[tuple[str, object]]] | None


class EventUpdatePlan:
    """A validated bulk update, ready to send; building it sent nothing.

    Build one with ``df.truto.update_events(...)`` or :func:`build_plan`.

    Attributes
    ----------
    rows : PlanRows
        Every row's id, account, body, problems, status and baseline, by position: what
        sending, the preflight, undo, retry and the preview read.
    token : Secret or None
        The API token found when the plan was built (hidden from every repr); ``None`` when
        there was none, and then :meth:`apply` raises.
    concurrency : int
        Requests in flight at most.
    base_url : str or None
        Where requests go.
    integrations : dict
        Account -> integration name, where known.
    found_conflicts : dict
        Row position -> the conflicts the last run's re-reads found (see :meth:`conflicts`).
    prewrite_events : dict
        Row position -> the event a re-read saw just before writing (what an undo puts back).
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
    row_warnings : pandas.DataFrame
        The same for single rows (``row``, ``column``, ``message``): a time whose offset is
        not the event's zone...
    event_ids : pandas.Series
        The event id of each row (text), same index as the input.
    accounts : pandas.Series
        The integrated account of each row, same index as the input.
    options : RequestOptions
        Query options sent with every request.
    results : pandas.DataFrame or None
        The results of the last :meth:`apply` (complete also after Ctrl-C), or ``None``
        before; :meth:`on_applied` callbacks run each time it is set.
    has_baseline : bool
        Whether the plan was diffed against a ``baseline=``.
    baselines : pandas.Series
        Each row's event as it was in the baseline (``None`` where it had none).
    skip_reasons : pandas.Series
        Why each ``skipped`` row is not sent; the results' ``error`` column repeats it.
    rereads : pandas.Series
        Whether each row's event is read again just before writing (see
        ``docs/concurrent-edits.md``).
    preflight : PlanCheck or None
        What :meth:`check` (or ``apply()``, before sending) learned from Truto about the
        accounts, and what it did to the rows; ``None`` before.
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
        token: str | Secret | None,
        base_url: str | None,
        integrations: Mapping[str, str] | None = None,
        baselines: Sequence[dict[str, Any] | None] | None = None,
        row_warnings: Sequence[Sequence[tuple[str, object]]] | None = None,
        skip_reasons: Sequence[str | None] | None = None,
    ) -> None:
        self.rows = PlanRows(
            index=index,
            event_ids=event_ids,
            accounts=accounts,
            payloads=payloads,
            problems=problems,
            statuses=statuses,
            # Each row's current event, by position (not by id: two accounts may share an id).
            baselines=list(baselines) if baselines is not None else None,
            skip_reasons=(
                list(skip_reasons) if skip_reasons is not None else [None] * len(statuses)
            ),
            warnings=[list(w) for w in row_warnings] if row_warnings is not None else None,
        )
        self.ignored_columns = ignored_columns
        self.warnings = warnings
        self.options = options
        self.concurrency = concurrency
        # Hidden from repr, vars and logs; unwrapped only where the request header is built.
        self.token: Secret | None = (
            token if isinstance(token, Secret) or token is None else Secret(token)
        )
        self.base_url = base_url
        self.integrations = dict(integrations or {})
        self.preflight: PlanCheck | None = None
        self._listeners = Listeners()
        self._last_results: pd.DataFrame | None = None
        self._applying = False
        # Conflicts the last run's re-reads found, by row position (see reread.py), and the
        # events those re-reads saw just before writing (what an undo must put back).
        self.found_conflicts: dict[int, tuple[Any, ...]] = {}
        self.prewrite_events: dict[int, dict[str, Any]] = {}

    @property
    def results(self) -> pd.DataFrame | None:
        """The results of the last apply or retry, or ``None`` before the first."""
        return self._last_results

    @results.setter
    def results(self, value: pd.DataFrame | None) -> None:
        self._last_results = value
        if value is not None:
            self._listeners.notify(value)

    def on_applied(self, callback: Callable[[pd.DataFrame], None]) -> Callable[[], None]:
        """Call ``callback(results)`` each time results land (apply, retry, interrupted run).

        The preview widget uses it to follow a plan applied in code. The callback may run in
        the engine's worker thread; keep it quick. A bound method is held weakly.

        Parameters
        ----------
        callback : callable
            Called with the new :attr:`results` frame. An exception it raises is logged.

        Returns
        -------
        callable
            Call it to unregister the callback.
        """
        return self._listeners.add(callback)

    def subset(
        self,
        positions: Sequence[int],
        *,
        payloads: list[dict[str, Any] | None] | None = None,
        problems: list[list[tuple[str, str]]] | None = None,
        statuses: list[str] | None = None,
        baselines: list[dict[str, Any] | None] | None = None,
    ) -> EventUpdatePlan:
        """A new plan of the rows at ``positions``, with the same options, token and accounts.

        Parameters
        ----------
        positions : sequence of int
            Row positions (not labels) in this plan, in the order of the new plan.
        payloads, problems, statuses, baselines : list, optional
            The new plan's own values, one per position; default: this plan's values at those
            positions (``baselines`` too, when this plan has one).

        Returns
        -------
        EventUpdatePlan
            Not applied yet; no ignored columns or warnings of its own.
        """
        rows = self.rows
        if baselines is None and rows.baselines is not None:
            baselines = [rows.baselines[i] for i in positions]
        return EventUpdatePlan(
            index=rows.index[list(positions)],
            event_ids=[rows.event_ids[i] for i in positions],
            accounts=[rows.accounts[i] for i in positions],
            payloads=payloads if payloads is not None else [rows.payloads[i] for i in positions],
            problems=problems if problems is not None else [rows.problems[i] for i in positions],
            statuses=statuses if statuses is not None else [rows.statuses[i] for i in positions],
            ignored_columns=[],
            warnings=[],
            options=self.options,
            concurrency=self.concurrency,
            token=self.token,
            base_url=self.base_url,
            integrations=self.integrations,
            baselines=baselines,
        )

    # -- what the plan holds -------------------------------------------------------------
    @property
    def has_baseline(self) -> bool:
        """Whether the plan was diffed against a ``baseline=`` (and so can be undone)."""
        return self.rows.baselines is not None

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` can be built once applied: a baseline and unified responses."""
        return self.rows.baselines is not None and self.options.response_format == "unified"

    @property
    def baselines(self) -> pd.Series:
        """Each row's event as it was in the baseline (``None`` where none, or no baseline)."""
        values = (
            self.rows.baselines
            if self.rows.baselines is not None
            else [None] * len(self.rows.index)
        )
        return pd.Series(values, index=self.rows.index, dtype=object, name="baseline")

    @property
    def skip_reasons(self) -> pd.Series:
        """Why each ``skipped`` row is not sent (``None`` for the other rows)."""
        return pd.Series(
            self.rows.skip_reasons, index=self.rows.index, dtype=object, name="skip_reason"
        )

    @property
    def rereads(self) -> pd.Series:
        """Whether each row's event is read again just before writing, to merge others' changes.

        True for a row to send whose body re-sends values from the baseline (times Google
        requires, the untouched parts of an object, the other items of a list).
        """
        bases = (
            self.rows.baselines
            if self.rows.baselines is not None
            else [None] * len(self.rows.index)
        )
        values = [
            status == "send" and needs_reread(payload, base)
            for status, payload, base in zip(
                self.rows.statuses, self.rows.payloads, bases, strict=True
            )
        ]
        return pd.Series(values, index=self.rows.index, dtype=bool, name="reread")

    def conflicts(self) -> pd.DataFrame:
        """The fields that changed on both sides, found by the last :meth:`apply`'s re-reads.

        Returns
        -------
        pandas.DataFrame
            One line per conflicting field: ``row`` (input index label), ``id``, ``field``,
            ``base`` (the baseline's value), ``mine`` (the plan's), ``theirs`` (the event's
            value just before writing). Rows sent anyway with ``on_conflict="overwrite"`` are
            listed too. Empty before an apply.
        """
        return conflicts_frame(self.rows.index, self.rows.event_ids, self.found_conflicts)

    @property
    def payloads(self) -> pd.Series:
        """The exact JSON body of each row (``None`` where the row is not sent)."""
        return pd.Series(self.rows.payloads, index=self.rows.index, dtype=object, name="payload")

    @property
    def event_ids(self) -> pd.Series:
        """The event id of each row."""
        return pd.Series(self.rows.event_ids, index=self.rows.index, dtype=object, name="id")

    @property
    def accounts(self) -> pd.Series:
        """The integrated account id of each row."""
        return pd.Series(
            self.rows.accounts, index=self.rows.index, dtype=object, name=ACCOUNT_COLUMN
        )

    @property
    def problems(self) -> pd.DataFrame:
        """Every validation problem, one row each: ``row``, ``column``, ``message``."""
        records = [
            (label, column, message)
            for label, row in zip(self.rows.index, self.rows.problems, strict=True)
            for column, message in row
        ]
        return pd.DataFrame.from_records(records, columns=PROBLEM_COLUMNS)

    @property
    def row_warnings(self) -> pd.DataFrame:
        """What rows send but probably do not mean, one per line: ``row``, ``column``, ``message``.

        A warning does not stop its row (``09:00+00:00`` on a Europe/Berlin event is sent as
        that instant, 10:00 in Berlin); fix the cell and plan again when it is not what you meant.
        """
        rows = self.rows.warnings or [[] for _ in self.rows.index]
        # Messages are spelled out here, when asked for (see time_rules.OffsetNote).
        records = [
            (label, column, str(message))
            for label, row in zip(self.rows.index, rows, strict=True)
            for column, message in row
        ]
        return pd.DataFrame.from_records(records, columns=PROBLEM_COLUMNS)

    @property
    def statuses(self) -> pd.Series:
        """What the plan will do with each row: ``send``, ``invalid`` or ``skipped``."""
        return pd.Series(self.rows.statuses, index=self.rows.index, dtype="string", name="plan")

    @property
    def is_valid(self) -> pd.Series:
        """Boolean Series: True where the row has no problem."""
        return pd.Series([not p for p in self.rows.problems], index=self.rows.index, name="valid")

    @property
    def counts(self) -> dict[str, int]:
        """How many rows will be sent, are invalid, or are skipped."""
        counts = {"send": 0, "invalid": 0, "skipped": 0}
        for status in self.rows.statuses:
            counts[status] += 1
        return counts

    @property
    def changes(self) -> pd.DataFrame:
        """What each row to send changes, one field per line: before -> after.

        Columns ``row`` (input index label), ``id``, ``column`` (flat name), ``before`` (the
        baseline value; ``None`` when empty or when the plan has no baseline) and ``after``.
        """
        return changes_frame(
            self.rows.index,
            self.rows.statuses,
            self.rows.event_ids,
            self.rows.payloads,
            self.rows.baselines,
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
            If the plan has no baseline, has not been applied, or was applied with a
            ``response_format`` other than ``"unified"``.
        """
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
        return failed_rows_plan(self)[0]  # raises InputError before an apply

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
        on_conflict: str = "skip",
    ) -> pd.DataFrame:
        """Send again the rows that failed, were cancelled or conflicted; update :attr:`results`.

        Takes the options of :meth:`apply`. Rows that succeeded are not sent again; a
        ``conflict`` row is read and merged again (``on_conflict="overwrite"`` forces it).

        Returns
        -------
        pandas.DataFrame
            The whole results frame, one row per input row as after :meth:`apply`, with the
            retried rows' new outcomes (their ``attempts`` add up over both runs).

        Raises
        ------
        InputError
            If the plan has not been applied.
        ApplyInterrupted
            On Ctrl-C, as :meth:`apply`; :attr:`results` then holds the merged frame.

        Examples
        --------
        >>> results = plan.apply()  # doctest: +SKIP
        >>> results = plan.retry_failed()  # doctest: +SKIP
        """
        sub, positions = failed_rows_plan(self)  # raises InputError before an apply
        assert self.results is not None
        if positions:
            try:
                retried = sub.apply(
                    progress=progress,
                    journal=journal,
                    transport=transport,
                    limits=limits,
                    retry=retry,
                    timeout=timeout,
                    on_result=on_result,
                    on_conflict=on_conflict,
                )
            except ApplyInterrupted as stop:
                # Keep what the retry landed in the whole frame, then stop like apply() does.
                self.results = merge_retry_results(self.results, positions, stop.results)
                message = interrupted_message(self.results, journal)
                raise ApplyInterrupted(message, self.results) from None
            found = {positions[i]: found for i, found in sub.found_conflicts.items()}
            kept = {p: c for p, c in self.found_conflicts.items() if p not in set(positions)}
            self.found_conflicts = {**kept, **found}
            for i, event in sub.prewrite_events.items():
                # The first read stays: a retried row's PATCH may already have landed (an
                # answer lost on the way), so a later read can hold our own write.
                self.prewrite_events.setdefault(positions[i], event)
            self.results = merge_retry_results(self.results, positions, retried)
        return self.results

    def __len__(self) -> int:
        return len(self.rows.index)

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
        # Deferred: IPython is there only in a notebook, where this is called.
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
        if _PREVIEWER is None:
            raise ImportError("no preview is registered: import truto_frame first")
        return _PREVIEWER(self)

    # -- checking ------------------------------------------------------------------------
    def check(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> PlanCheck:
        """Ask Truto about each account of the plan before sending (the preflight).

        One ``GET /integrated-account/{id}`` per account learns its integration (so its rules
        apply without ``integration=``) and whether it can take writes. Rows of an account
        that cannot (a sandbox account, one that needs re-authorization, an unknown account,
        a refused token, an unreachable host) will not be sent; rows the learned rules make
        invalid become ``invalid``, or are completed from the baseline when it has the
        missing fields. ``apply()`` runs it before its first PATCH unless it already ran.

        Parameters
        ----------
        transport : httpx.AsyncBaseTransport, optional
            Send through this transport (e.g. the sandbox app in process).
        retry : RetryPolicy, optional
            Attempts and backoff.
        timeout : float, default 30.0
            Seconds one request may take.

        Returns
        -------
        PlanCheck
            Also kept in :attr:`preflight`; its ``findings`` say what it found.

        Raises
        ------
        ConfigurationError
            If there is no API token.
        """
        return run_sync(self.check_async(transport=transport, retry=retry, timeout=timeout))

    async def check_async(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        client: TrutoClient | None = None,
    ) -> PlanCheck:
        """Like :meth:`check`, for async callers; ``client`` reuses an open client."""
        found = await preflight(
            self,
            token=self.token,
            transport=transport,
            retry=retry,
            timeout=timeout,
            client=client,
        )
        for position, problems in found.invalid.items():
            self.rows.statuses[position] = "invalid"
            self.rows.payloads[position] = None
            self.rows.problems[position].extend(problems)
        for position, body in found.completed.items():
            self.rows.payloads[position] = body
        self.preflight = found
        return found

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
        again: bool = False,
        on_conflict: str = "skip",
    ) -> pd.DataFrame:
        """Send every valid row's PATCH, in parallel, and return the results frame.

        Safe to call in a Jupyter cell (a running event loop): the requests run on a private
        loop in a worker thread. One bad row never raises; it lands in its row of the results.

        Ctrl-C (or the notebook's interrupt) stops the run the way Python programs stop: no new
        request starts, the requests on the wire settle, the journal records them, and
        :class:`~truto_frame.errors.ApplyInterrupted` (a ``KeyboardInterrupt``) is raised with
        :attr:`results` complete, rows never sent ``cancelled``. Send the rest with
        :meth:`retry_failed` (or run again with the same ``journal``).

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
            :class:`~truto_frame.engine.results.RowResult` as each sent row's result lands; for a
            live count or a log. It runs in the engine's thread: keep it quick. If it
            raises, no new request starts and the error is raised once the requests in
            flight have ended (a journal has recorded them); a ``KeyboardInterrupt`` it
            raises (Ctrl-C while it ran) stops the run like Ctrl-C anywhere else.
        again : bool, default False
            Send every row again although the plan was already applied. Without it a
            second ``apply()`` (a notebook cell run twice) raises instead of sending, and
            possibly emailing, every row a second time; :meth:`retry_failed` sends only the
            rows that did not succeed.
        on_conflict : {"skip", "overwrite"}, default "skip"
            For rows re-read before writing (:attr:`rereads`): a field that the plan changes
            and someone else changed too since the baseline leaves the row unsent, with status
            ``conflict`` (``skip``; see :meth:`conflicts`), or sends the plan's value anyway
            (``overwrite``). Fields only others changed are kept either way.

        Returns
        -------
        pandas.DataFrame
            One row per input row, same index and order; see :mod:`truto_frame.engine.results`.

        Raises
        ------
        InputError
            If the plan was already applied and ``again`` is not set, or is being applied.
        ConfigurationError
            If there is no API token.
        ApplyInterrupted
            On Ctrl-C, once every row has its result (see above).

        Examples
        --------
        >>> from truto_frame.api.pacing import RateLimits
        >>> results = plan.apply(limits=RateLimits(per_account=(20, 10.0)))  # doctest: +SKIP
        """
        before = self.results
        try:
            return run_sync(
                self.apply_async(
                    progress=progress,
                    journal=journal,
                    transport=transport,
                    limits=limits,
                    retry=retry,
                    timeout=timeout,
                    on_result=on_result,
                    again=again,
                    on_conflict=on_conflict,
                ),
                # A Ctrl-C just as the run ended still stops the script (results are kept).
                always_raise_interrupt=True,
            )
        except (KeyboardInterrupt, asyncio.CancelledError):
            # CancelledError: an on_result callback raised KeyboardInterrupt (see sending.py)
            results = self.results
            if results is None or results is before:  # stopped before any result landed
                raise
            raise ApplyInterrupted(interrupted_message(results, journal), results) from None

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
        again: bool = False,
        on_conflict: str = "skip",
    ) -> pd.DataFrame:
        """Like :meth:`apply`, for async callers: ``results = await plan.apply_async()``.

        A cancellation of the awaiting task stops the run gracefully (requests on the wire
        settle) and then propagates as ``asyncio.CancelledError``, with :attr:`results` kept.
        """
        check_on_conflict(on_conflict)
        if self._applying:
            raise InputError("this plan is being applied right now: wait for that run to end")
        if self.results is not None and not again:
            done = self.results["status"].value_counts()
            tally = ", ".join(f"{n} {status}" for status, n in done.items())
            raise InputError(
                f"this plan was already applied ({tally}); applying it again would send every "
                "row again. Use plan.retry_failed() for the rows that did not succeed, or "
                "apply(again=True) to send them all again."
            )

        self._applying = True
        log = RereadLog()
        try:
            results = await send_plan(
                self,
                progress=progress,
                journal=journal,
                transport=transport,
                limits=limits,
                retry=retry,
                timeout=timeout,
                on_result=on_result,
                on_conflict=on_conflict,
                reread_log=log,
            )
        except RunStopped as stop:
            self.found_conflicts, self.prewrite_events = dict(log.conflicts), dict(log.current)
            self.results = stop.results  # every row; the cancellation goes on
            raise
        finally:
            self._applying = False
        self.found_conflicts, self.prewrite_events = dict(log.conflicts), dict(log.current)
        self.results = results
        return results

    def results_before_sending(self) -> list[RowResult | None]:
        """The result each row has before anything is sent, by position.

        Returns
        -------
        list of RowResult or None
            ``invalid`` (with its problems), ``skipped`` (with its reason) or, for an account
            the preflight stopped, ``cancelled``; ``None`` for a row to send.
        """
        out: list[RowResult | None] = []
        stopped = self.preflight.stopped if self.preflight is not None else {}
        for position, (status, problems, reason) in enumerate(
            zip(self.rows.statuses, self.rows.problems, self.rows.skip_reasons, strict=True)
        ):
            if position in stopped and status == "send":
                out.append(RowResult(status="cancelled", error=stopped[position]))
            elif status == "invalid":
                message = "; ".join(f"{col}: {msg}" for col, msg in problems)
                out.append(RowResult(status="invalid", error=message))
            elif status == "skipped":
                # The reason rides in `error`: the results' one message column.
                out.append(RowResult(status="skipped", error=reason))
            else:
                out.append(None)
        return out
