"""The undo of an applied plan: the plan that puts back what the baseline held.

An applied plan with a baseline knows, for every row it ``updated``, which top-level fields it
sent and what they held before. :func:`build_undo_plan` turns that into a new
:class:`~truto_frame.planning.plan.EventUpdatePlan` that sends those fields with their baseline
values (``null`` where the field was empty), to be previewed and applied like any plan. Its own
baseline is the state the first run left, so an undo can itself be undone.

The undo is checked like any plan (the integration's rules, the time rules) and never clears a
required field (:data:`NEVER_CLEARED`); it is refused after a ``raw``, ``normalized`` or
``stream`` apply, whose responses are not unified events.

Sending the rows that failed again is :mod:`truto_frame.planning.failed_rows`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import InputError
from ..frame.cells import as_id
from ..frame.columns import format_path
from ..model.integrations import IntegrationRules, check_update_rules, rules_for
from ..model.schema import EventUpdate, payload_from_model
from .baseline import merge_onto
from .merge import edited_fields
from .request_shape import with_request_types
from .time_rules import check_times

if TYPE_CHECKING:
    from .plan import EventUpdatePlan

__all__ = ["NEVER_CLEARED", "build_undo_plan", "restore_body", "undo_problems"]


def restore_body(
    sent: Mapping[str, Any], before: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """Build the body that restores every field of ``sent`` to its value in ``before``.

    Parameters
    ----------
    sent : mapping
        The body that was sent.
    before : mapping
        The event as it was before: the baseline, request-shaped as stored
        (:func:`~truto_frame.planning.request_shape.with_request_types`).

    Returns
    -------
    body : dict or None
        The validated body (``None`` when it is not valid).
    problems : list of (column, message)
        Why the previous values cannot be sent back, if so.
    """
    body = {field: before.get(field) for field in sent}  # request-shaped when stored
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
    # What the event holds now: the baseline with the sent fields applied, overlaid with the
    # server's unified answer where it has a field (truto_exclude_fields and
    # truto_ignore_remote_data leave some out: those keep the computed value, never null).
    state = dict(before)
    for field, value in sent.items():
        state[field] = merge_onto(before.get(field), value)
    if isinstance(response, Mapping) and as_id(response.get("id")) == event_id:
        state.update({k: v for k, v in response.items() if v is not None or k not in sent})
    return with_request_types(state)  # stored as the undo plan's baseline: pruned once


NEVER_CLEARED: frozenset[str] = frozenset({"calendar", "start_time", "end_time", "title"})
"""Fields an undo never sends as ``null``, whatever the integration: an event has them."""


def undo_problems(
    body: Mapping[str, Any], before: Mapping[str, Any], rules: IntegrationRules
) -> list[tuple[str, str]]:
    """Check a restore body as any plan's body is checked, and refuse to clear what is required.

    Parameters
    ----------
    body : mapping
        The body that would put the previous values back.
    before : mapping
        The event as it was before the update (the values restored).
    rules : IntegrationRules
        The account's integration.

    Returns
    -------
    list of (column, message)
        Empty when the body may be sent.
    """
    problems = [
        (
            field,
            f"cannot restore {field}: the state before holds no value for it, and a required "
            "field is never cleared; read the event again and plan the restore from that frame",
        )
        for field in sorted((NEVER_CLEARED | rules.required_fields) & set(body))
        if body[field] is None
    ]
    problems.extend(check_update_rules(body, rules))
    time_problems, _ = check_times(body, before)
    problems.extend(time_problems)
    return problems


def _refuse_unified_only(plan: EventUpdatePlan) -> None:
    fmt = plan.options.response_format
    if fmt != "unified":
        raise InputError(
            f"undo is built from the unified events an update returns, but this plan was "
            f"applied with response_format={fmt!r} (the provider's own objects): read the "
            "events again with truto_frame.read_events and plan the restore from that frame, "
            "or apply with response_format='unified' when you mean to undo"
        )


def _before_write(
    sent: Mapping[str, Any], baseline: Mapping[str, Any], reread: Mapping[str, Any] | None
) -> Mapping[str, Any]:
    # The fields the user edited go back to the baseline; the fields only re-sent keep what
    # the event held just before the write when it was re-read (others' changes since the
    # baseline, such as an organizer's move, are not undone).
    if reread is None:
        return baseline
    edited = edited_fields(sent, baseline)
    return {**reread, **{name: baseline.get(name) for name in edited}}


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
        If the plan has no baseline or no results, or was applied with a ``response_format``
        other than ``"unified"`` (its responses are not events to restore from).
    """
    rows = plan.rows
    if rows.baselines is None:
        raise InputError("undo needs the values from before: build the plan with baseline=")
    if plan.results is None:
        raise InputError("nothing to undo yet: the plan has not been applied")
    _refuse_unified_only(plan)
    statuses = plan.results["status"].tolist()
    responses = plan.results["response"].tolist()
    positions = [i for i, status in enumerate(statuses) if status == "updated"]
    payloads: list[dict[str, Any] | None] = []
    problems: list[list[tuple[str, str]]] = []
    plan_statuses: list[str] = []
    after_state: list[dict[str, Any] | None] = []
    for position in positions:
        event_id = rows.event_ids[position]
        sent = rows.payloads[position]
        assert event_id is not None and sent is not None  # only sent rows can be "updated"
        baseline = rows.baselines[position]
        assert baseline is not None  # a row with a baseline but no current event is not sent
        before = _before_write(sent, baseline, plan.prewrite_events.get(position))
        body, row_problems = restore_body(sent, before)
        if body is not None:
            account = rows.accounts[position]
            rules = rules_for(plan.integrations.get(account) if account else None)
            row_problems = undo_problems(body, before, rules)
        payloads.append(None if row_problems else body)
        problems.append(row_problems)
        plan_statuses.append("invalid" if row_problems else "send")
        after_state.append(_state_after(sent, before, responses[position], event_id))
    return plan.subset(
        positions,
        payloads=payloads,
        problems=problems,
        statuses=plan_statuses,
        baselines=after_state,
    )
