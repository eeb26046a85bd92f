"""The notebook preview of a plan: summary, changes, problems, Apply / Cancel, live results.

``plan`` in a notebook cell (or ``plan.preview()``) shows this widget. It decides nothing: the
summary comes from :mod:`truto_frame.ui.summary`, every table from :mod:`truto_frame.ui.tables`
(paged by :mod:`truto_frame.ui.pager`), and Apply runs the plan's own
:meth:`~truto_frame.planning.plan.EventUpdatePlan.apply_async`. ipywidgets (the ``notebook``
extra) is imported only when a preview is built.

Apply never blocks the kernel: inside a running event loop (Jupyter, Voila) the run is a task on
that loop, so widget messages keep flowing and progress updates live; without one (a script, a
test) it runs on a private loop in a worker thread. While it runs, Cancel becomes **Stop**: no
new request starts, requests on the wire finish, and rows never sent end ``cancelled``.

The preview follows its plan: it listens to
:meth:`~truto_frame.planning.plan.EventUpdatePlan.on_applied`, so a plan applied in code (or
stopped there by Ctrl-C) shows its results here too and Apply is disabled for good.
"""

from __future__ import annotations

import asyncio
import html
import threading
import time
from typing import TYPE_CHECKING, Any

from ..planning.failed_rows import RETRYABLE, failed_rows_plan, merge_retry_results
from ..planning.interruption import RunStopped
from .pager import Pager, set_visible
from .summary import plan_summary, summary_html
from .tables import (
    PAGE_SIZE,
    change_rows,
    changes_html,
    problem_rows,
    problems_html,
    result_rows,
    results_html,
    results_summary_html,
)

if TYPE_CHECKING:
    import httpx

    from ..engine.results import RowResult
    from ..planning.plan import EventUpdatePlan

__all__ = ["PlanPreview", "preview_widget"]


class PlanPreview:
    """The preview widget of a plan and what its buttons do.

    Parameters
    ----------
    plan : EventUpdatePlan
        The plan to show and, on Apply, to send.
    transport : httpx.AsyncBaseTransport, optional
        Passed to ``apply_async`` (e.g. the sandbox app in process).
    journal : str or Journal, optional
        Passed to ``apply_async``.
    page_size : int
        Rows per page of each table.

    Attributes
    ----------
    widget : ipywidgets.VBox
        What the notebook displays.
    task : asyncio.Task or None
        The running Apply / Retry when it runs on the notebook's event loop.
    """

    def __init__(
        self,
        plan: EventUpdatePlan,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        journal: Any = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        # Deferred: ipywidgets is the optional ``notebook`` extra, needed once a preview shows.
        import ipywidgets as w

        self.plan = plan
        self._transport = transport
        self._journal = journal
        self._done = threading.Event()
        self._done.set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._counts = {"done": 0, "failed": 0}
        self._last_draw = 0.0
        self._cancelled = False

        summary = plan_summary(plan)
        self.summary = w.HTML(summary_html(summary, applied=plan.results is not None))
        self.changes = Pager(
            w, "Changes", lambda rows: changes_html(rows, summary.has_baseline), page_size
        )
        self.changes.set_rows(change_rows(plan))
        self.problems = Pager(w, "Invalid rows (not sent)", problems_html, page_size)
        self.problems.set_rows(problem_rows(plan))
        set_visible(self.problems.box, bool(self.problems.rows))
        send = summary.send
        self.apply_button = w.Button(
            description=f"Apply: update {send:,} event{'s' * (send != 1)}",
            button_style="danger" if send else "",
            disabled=send == 0,
            layout={"width": "auto"},
        )
        self.cancel_button = w.Button(description="Cancel", layout={"width": "auto"})
        self.status = w.HTML()
        self.progress = w.IntProgress(min=0, max=max(send, 1))
        set_visible(self.progress, False)
        self.failures_only = w.Checkbox(description="failures only", value=False, indent=False)
        self.results_summary = w.HTML()
        self.results = Pager(w, "Results", results_html, page_size)
        self.retry_button = w.Button(description="Retry failed", layout={"width": "auto"})
        # Undo only prepares the restoring plan and previews it: it too is sent on Apply.
        self.undo_button = w.Button(description="Prepare undo…", layout={"width": "auto"})
        self.undo_preview: PlanPreview | None = None
        self.undo_box = w.VBox([])
        self.results_box = w.VBox(
            [
                self.results_summary,
                w.HBox([self.failures_only, self.retry_button, self.undo_button]),
                self.results.box,
                self.undo_box,
            ],
        )
        set_visible(self.results_box, False)
        self.apply_button.on_click(lambda _b: self.apply())
        self.cancel_button.on_click(lambda _b: self.cancel())
        self.retry_button.on_click(lambda _b: self.retry_failed())
        self.undo_button.on_click(lambda _b: self.prepare_undo())
        self.failures_only.observe(lambda _c: self._show_results(), names="value")
        self.widget = w.VBox(
            [
                w.HTML("<h3 style='margin:4px 0'>Event update plan</h3>"),
                self.summary,
                self.changes.box,
                self.problems.box,
                w.HBox([self.apply_button, self.cancel_button]),
                self.progress,
                self.status,
                self.results_box,
            ]
        )
        if plan.results is not None:  # previewing a plan that was already applied
            self.cancel_button.disabled = True
            self._show_results()
        # Results landing by any road (this widget, plan.apply() in a cell) are shown here.
        self._stop_listening = plan.on_applied(self._on_applied)

    # -- actions -------------------------------------------------------------------------
    @property
    def thread(self) -> threading.Thread | None:
        """The worker thread of the last run, or ``None`` when it ran as a task on a running loop.

        Returns
        -------
        threading.Thread or None
            Read-only.
        """
        return self._thread

    def apply(self) -> None:
        """Start sending the plan (what the Apply button does); returns at once.

        Does nothing after Cancel, while a run is going on, or once the plan has results (a
        second click must not send the plan twice; use Retry failed).
        """
        if self._cancelled or not self._done.is_set() or self.plan.results is not None:
            return
        self.apply_button.disabled = True
        self._start(self.plan, None, self.plan.counts["send"])

    def retry_failed(self) -> None:
        """Send again the rows that failed or were cancelled (the Retry failed button)."""
        if not self._done.is_set() or self.plan.results is None:
            return
        sub, positions = failed_rows_plan(self.plan)
        if positions:
            self._start(sub, positions, len(positions))

    def prepare_undo(self) -> PlanPreview | None:
        """Build the plan that restores what this run changed and show its own preview.

        Returns
        -------
        PlanPreview or None
            The undo plan's preview (nothing is sent until its Apply), or ``None`` when there
            is nothing to undo yet.
        """
        if not self._done.is_set() or self.plan.results is None:
            return None
        # Deferred: the optional ``notebook`` extra (see __init__).
        import ipywidgets as w

        undo = self.plan.undo()
        self.undo_preview = PlanPreview(undo, transport=self._transport)
        title = "<h4 style='margin:10px 0 2px'>Undo: put the previous values back</h4>"
        self.undo_box.children = (w.HTML(title), self.undo_preview.widget)
        self.undo_button.disabled = True
        return self.undo_preview

    def cancel(self) -> None:
        """Before Apply: dismiss the plan (nothing is sent). While running: stop sending."""
        if not self._done.is_set():
            if self._loop is not None and self.task is not None:
                self._loop.call_soon_threadsafe(self.task.cancel)
            self.status.value = "Stopping: requests on the wire finish, nothing new is sent…"
            return
        if self.plan.results is None:
            self._cancelled = True
            self.apply_button.disabled = True
            self.cancel_button.disabled = True
            self.status.value = "<b>Cancelled.</b> Nothing was sent."

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current run ends (not from the notebook's own event loop).

        Returns
        -------
        bool
            True when no run is in progress any more.
        """
        return self._done.wait(timeout)

    # -- running -------------------------------------------------------------------------
    def _start(self, plan: EventUpdatePlan, positions: list[int] | None, total: int) -> None:
        self._done.clear()
        self._counts = {"done": 0, "failed": 0}
        self.cancel_button.description = "Stop"
        self.cancel_button.disabled = False
        self.retry_button.disabled = True
        self.progress.max = max(total, 1)
        self.progress.value = 0
        set_visible(self.progress, True)
        self._draw_progress(total, force=True)
        coro = self._run(plan, positions, total)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            self._loop = loop
            self.task = loop.create_task(coro)
        else:
            private = asyncio.new_event_loop()
            self._loop = private
            task = self.task = private.create_task(coro)

            def main() -> None:
                try:
                    private.run_until_complete(task)
                finally:
                    private.run_until_complete(private.shutdown_asyncgens())
                    private.close()

            self._thread = threading.Thread(target=main, name="truto-frame-preview", daemon=True)
            self._thread.start()

    async def _run(self, plan: EventUpdatePlan, positions: list[int] | None, total: int) -> None:
        def landed(_label: Any, result: RowResult) -> None:
            self._counts["done" if result.status == "updated" else "failed"] += 1
            self._draw_progress(total)

        try:
            try:
                results = await plan.apply_async(
                    progress=False,
                    journal=self._journal,
                    transport=self._transport,
                    on_result=landed,
                )
            except RunStopped as stop:  # Stop: the rows that landed are kept, the rest cancelled
                results = stop.results
            if positions is not None and self.plan.results is not None:
                self.plan.results = merge_retry_results(self.plan.results, positions, results)
            self._draw_progress(total, force=True)
            self.status.value = ""
            self._show_results()
        except BaseException as exc:  # shown in the widget: a click has nowhere else to raise
            self.status.value = (
                f"<b style='color:#8a1c25'>Not sent: {html.escape(type(exc).__name__)}: "
                f"{html.escape(str(exc))}</b>"
            )
            if self.plan.results is None:
                self.apply_button.disabled = False
            if not isinstance(exc, Exception):
                raise
        finally:
            self.cancel_button.description = "Cancel"
            self.cancel_button.disabled = self.plan.results is not None
            self._done.set()

    def _on_applied(self, _results: Any) -> None:
        # The plan's results changed (here, or plan.apply() / retry_failed() in code).
        self._show_results()
        if self._done.is_set():  # not our own run: nothing left to cancel or stop
            self.cancel_button.disabled = True

    def _draw_progress(self, total: int, *, force: bool = False) -> None:
        # A result can land every millisecond; redraw at most ten times a second.
        now = time.monotonic()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        done, failed = self._counts["done"], self._counts["failed"]
        self.progress.value = done + failed
        self.progress.description = f"{done + failed:,}/{total:,}"
        self.progress.bar_style = "danger" if failed else "success"
        self.status.value = (
            f"Sending: {done + failed:,} of {total:,} landed, {done:,} updated, {failed:,} failed"
        )

    def _show_results(self) -> None:
        results = self.plan.results
        if results is None:
            return
        set_visible(self.results_box, True)
        self.summary.value = summary_html(plan_summary(self.plan), applied=True)  # + preflight
        self.apply_button.disabled = True
        self.results_summary.value = results_summary_html(results, self.plan.conflicts())
        retryable = int(results["status"].isin(list(RETRYABLE)).sum())
        self.retry_button.description = f"Retry failed ({retryable:,})"
        self.retry_button.disabled = retryable == 0
        updated = int((results["status"] == "updated").sum())
        set_visible(self.undo_button, self.plan.can_undo and updated > 0)
        self.undo_button.disabled = self.undo_preview is not None
        self.results.set_rows(
            result_rows(
                results, self.plan.event_ids.tolist(), failures_only=self.failures_only.value
            )
        )

    def _ipython_display_(self) -> None:  # pragma: no cover - notebooks only
        # Deferred: IPython is there only in a notebook, where this is called.
        from IPython.display import display

        display(self.widget)


def preview_widget(
    plan: EventUpdatePlan,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    journal: Any = None,
    page_size: int = PAGE_SIZE,
) -> Any:
    """Build the ipywidgets preview of a plan, with Apply and Cancel.

    Parameters
    ----------
    plan : EventUpdatePlan
        The plan to show.
    transport : httpx.AsyncBaseTransport, optional
        Send through this transport on Apply (e.g. the sandbox app in process).
    journal : str or Journal, optional
        Journal for the run (see :meth:`~truto_frame.planning.plan.EventUpdatePlan.apply`).
    page_size : int
        Rows per page of each table.

    Returns
    -------
    ipywidgets.VBox
        The widget; its ``preview`` attribute is the :class:`PlanPreview` behind it.
    """
    preview = PlanPreview(plan, transport=transport, journal=journal, page_size=page_size)
    preview.widget.preview = preview
    return preview.widget
