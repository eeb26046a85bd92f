"""Plans derived from an applied plan: the undo, and the re-send of the rows that failed.

An applied plan with a baseline knows, for every row it ``updated``, which top-level fields it
sent and what they held before. :func:`build_undo_plan` turns that into a new
:class:`~truto_frame.planning.plan.EventUpdatePlan` that sends those fields with their baseline
values
(``null`` where the field was empty), to be previewed and applied like any plan. Its own
baseline is the state the first run left, so an undo can itself be undone.

:func:`failed_rows_plan` plans the rows that ``failed`` or were ``cancelled`` again, with the
same bodies, and :func:`merge_retry_results` folds that run's results back into the full frame
(the preview's **Retry failed** button).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import ValidationError

from ..engine.results import RowResult, results_frame
from ..errors import InputError
from ..frame.columns import format_path
from ..model.schema import EventUpdate, payload_from_model
from .baseline import merge_onto, request_shape

if TYPE_CHECKING:
    from .plan import EventUpdatePlan

__all__ = [
    "RETRYABLE",
    "build_undo_plan",
    "failed_rows_plan",
    "merge_retry_results",
    "restore_body",
]

RETRYABLE: frozenset[str] = frozenset({"failed", "cancelled", "conflict"})
"""Result statuses that Retry failed sends again (``invalid`` rows need an edit first; a
``conflict`` row is re-read and merged again)."""


def restore_body(
    sent: Mapping[str, Any], before: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """Build the body that restores every field of ``sent`` to its value in ``before``.

    Parameters
    ----------
    sent : mapping
        The body that was sent.
    before : mapping
        The event as it was before (the baseline).

    Returns
    -------
    body : dict or None
        The validated body (``None`` when it is not valid).
    problems : list of (column, message)
        Why the previous values cannot be sent back, if so.
    """
    body = {field: request_shape(field, before.get(field)) for field in sent}
    try:
        return payload_from_model(EventUpdate.model_validate(body)), []
    except ValidationError as exc:
        return None, [
            (format_path(err["loc"]), f"cannot restore: {err['msg']}")
            for err in exc.errors(include_url=False, include_context=False)
        ]


def _state_after(
    sent: Mapping[str, Any], before: Mapping[str, Any], response: Any, event_id: str
) -> dict[str, Any]:
    # What the event holds now: the server's unified answer when there is one, else the
    # baseline with the sent fields applied.
    if isinstance(response, Mapping) and str(response.get("id")) == event_id:
        return dict(response)
    state = dict(before)
    for field, value in sent.items():
        state[field] = merge_onto(before.get(field), value)
    return state


def build_undo_plan(plan: EventUpdatePlan) -> EventUpdatePlan:
    """Plan the restore of the baseline values for every row ``plan`` updated.

    Parameters
    ----------
    plan : EventUpdatePlan
        An applied plan (its ``results`` are set) that was built with ``baseline=``.

    Returns
    -------
    EventUpdatePlan
        One row per ``updated`` row of ``plan.results``, with the same index labels, the same
        accounts, options, token and base URL. Rows whose previous values do not validate are
        ``invalid`` with the reason. Empty when no row was updated.

    Raises
    ------
    InputError
        If the plan has no baseline or no results.
    """
    from .plan import EventUpdatePlan

    if plan._baselines is None:
        raise InputError("undo needs the values from before: build the plan with baseline=")
    if plan.results is None:
        raise InputError("nothing to undo yet: the plan has not been applied")
    statuses = plan.results["status"].tolist()
    responses = plan.results["response"].tolist()
    positions = [i for i, status in enumerate(statuses) if status == "updated"]
    event_ids: list[str | None] = []
    accounts: list[str | None] = []
    payloads: list[dict[str, Any] | None] = []
    problems: list[list[tuple[str, str]]] = []
    plan_statuses: list[str] = []
    after_state: list[dict[str, Any] | None] = []
    for position in positions:
        event_id = plan._event_ids[position]
        sent = plan._payloads[position]
        assert event_id is not None and sent is not None  # only sent rows can be "updated"
        before = plan._baselines[position]
        assert before is not None  # a row with a baseline but no current event is not sent
        body, row_problems = restore_body(sent, before)
        event_ids.append(event_id)
        accounts.append(plan._accounts[position])
        payloads.append(body)
        problems.append(row_problems)
        plan_statuses.append("invalid" if row_problems else "send")
        after_state.append(_state_after(sent, before, responses[position], event_id))
    return EventUpdatePlan(
        index=plan._index[positions],
        event_ids=event_ids,
        accounts=accounts,
        payloads=payloads,
        problems=problems,
        statuses=plan_statuses,
        ignored_columns=[],
        warnings=[],
        options=plan.options,
        concurrency=plan.concurrency,
        token=plan._token_value,
        base_url=plan.base_url,
        integrations=plan.integrations,
        baselines=after_state,
    )


def failed_rows_plan(plan: EventUpdatePlan) -> tuple[EventUpdatePlan, list[int]]:
    """Plan the rows of ``plan.results`` that did not succeed (:data:`RETRYABLE`), to send again.

    Returns
    -------
    (EventUpdatePlan, list of int)
        The plan of those rows (same payloads, accounts, options) and their positions in
        ``plan``.
    """
    from .plan import EventUpdatePlan

    if plan.results is None:
        raise InputError("the plan has not been applied yet: no row has failed")
    statuses = plan.results["status"].tolist()
    positions = [
        i for i, s in enumerate(statuses) if s in RETRYABLE and plan._payloads[i] is not None
    ]
    sub = EventUpdatePlan(
        index=plan._index[positions],
        event_ids=[plan._event_ids[i] for i in positions],
        accounts=[plan._accounts[i] for i in positions],
        payloads=[plan._payloads[i] for i in positions],
        problems=[[] for _ in positions],
        statuses=["send"] * len(positions),
        ignored_columns=[],
        warnings=[],
        options=plan.options,
        concurrency=plan.concurrency,
        token=plan._token_value,
        base_url=plan.base_url,
        integrations=plan.integrations,
        baselines=None if plan._baselines is None else [plan._baselines[i] for i in positions],
    )
    return sub, positions


def _row_results(frame: pd.DataFrame) -> list[RowResult]:
    names = ("status", "http_status", "error", "attempts", "response", "merged")
    columns: list[list[Any]] = [
        frame[name].tolist() if name in frame.columns else [None] * len(frame) for name in names
    ]
    return [
        RowResult(
            status=str(status),
            http_status=None if pd.isna(code) else int(code),
            error=None if pd.isna(error) else str(error),
            attempts=int(attempts),
            response=response,
            merged=None if merged is None or pd.isna(merged) else str(merged),
        )
        for status, code, error, attempts, response, merged in zip(*columns, strict=True)
    ]


def merge_retry_results(
    results: pd.DataFrame, positions: Sequence[int], retried: pd.DataFrame
) -> pd.DataFrame:
    """Put the results of a retry back into the full results frame (attempts add up).

    Parameters
    ----------
    results : pandas.DataFrame
        The results frame of the whole plan.
    positions : sequence of int
        The positions in ``results`` of the rows that were sent again, in ``retried`` order.
    retried : pandas.DataFrame
        The results frame of the retry.

    Returns
    -------
    pandas.DataFrame
        A new results frame with the retried rows replaced.
    """
    rows = _row_results(results)
    for position, new in zip(positions, _row_results(retried), strict=True):
        rows[position] = replace(new, attempts=rows[position].attempts + new.attempts)
    return results_frame(results.index, rows)
