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

import html
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..api.auth import Secret
from ..api.options import RequestOptions
from .actions import PlanActions
from .follow_ups import PlanFollowUps
from .listeners import Listeners
from .merge import needs_reread
from .reread import conflicts_frame
from .rows import IgnoredColumn, PlanRows
from .views import PlanViews

if TYPE_CHECKING:
    from .check import PlanCheck

__all__ = ["EventUpdatePlan", "IgnoredColumn", "PlanRows", "register_previewer"]


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


class EventUpdatePlan(PlanActions, PlanFollowUps, PlanViews):
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
            # A list, or a sequence that rebuilds each event when read (frame_baseline.py).
            baselines=(
                baselines
                if baselines is None or isinstance(baselines, Sequence)
                else list(baselines)
            ),
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
        # Conflicts the last run's re-reads found, by row position (see reread.py), and the
        # events those re-reads saw just before writing (what an undo must put back).
        self.found_conflicts: dict[int, tuple[Any, ...]] = {}
        self.prewrite_events: dict[int, dict[str, Any]] = {}
        self._rereads: list[bool] | None = None  # computed once: bodies do not change

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

    @property
    def rereads(self) -> pd.Series:
        """Whether each row's event is read again just before writing, to merge others' changes.

        True for a row to send whose body re-sends values from the baseline (times Google
        requires, the untouched parts of an object, the other items of a list).
        """
        if self._rereads is None:
            # Only rows to send read their baseline event (the others are never rebuilt).
            self._rereads = [
                status == "send" and needs_reread(payload, self.baseline_of(position))
                for position, (status, payload) in enumerate(
                    zip(self.rows.statuses, self.rows.payloads, strict=True)
                )
            ]
        return pd.Series(self._rereads, index=self.rows.index, dtype=bool, name="reread")

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
