"""Undo: the plan that puts back what an applied plan changed.

An applied plan with a baseline knows, for every row it ``updated``, which top-level fields it
sent and what they held before. :func:`build_undo_plan` turns that into a new
:class:`~truto_frame.plan.EventUpdatePlan` that sends those fields with their baseline values
(``null`` where the field was empty), to be previewed and applied like any plan. Its own
baseline is the state the first run left, so an undo can itself be undone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .baseline import merge_onto, request_shape
from .errors import InputError
from .flatten import format_path
from .schema import EventUpdate, payload_from_model

if TYPE_CHECKING:
    from .plan import EventUpdatePlan

__all__ = ["build_undo_plan", "restore_body"]


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

    if plan.baseline_events is None:
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
    after_state: dict[str, dict[str, Any]] = {}
    for position in positions:
        event_id = plan._event_ids[position]
        sent = plan._payloads[position]
        assert event_id is not None and sent is not None  # only sent rows can be "updated"
        before = plan.baseline_events[event_id]
        body, row_problems = restore_body(sent, before)
        event_ids.append(event_id)
        accounts.append(plan._accounts[position])
        payloads.append(body)
        problems.append(row_problems)
        plan_statuses.append("invalid" if row_problems else "send")
        after_state[event_id] = _state_after(sent, before, responses[position], event_id)
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
        token=plan._token.value,
        base_url=plan.base_url,
        integrations=plan.integrations,
        baseline_events=after_state,
    )
