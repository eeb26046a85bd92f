"""``baseline="fetch"``: read each row's event with one GET, instead of taking a frame.

The GETs go through the same client as the PATCHes (paced per account and per token, retried
on transient errors). An event that cannot be read is left out with its reason, and the plan
reports that row as a problem rather than sending it blind.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..api.auth import Secret
from ..api.client import TrutoClient
from ..engine.runner import run_sync
from ..frame.cells import as_id, normalize_cell
from .baseline import BaselineKey
from .request_shape import with_request_types

__all__ = ["FetchedBaseline", "fetch_baseline"]


class FetchedBaseline(dict[BaselineKey, dict[str, Any]]):
    """Events read one by one for ``baseline="fetch"``, and why the others could not be.

    Keys are ``(integrated_account_id, event_id)``, as
    :func:`~truto_frame.planning.baseline.baseline_lookup`
    gives them.

    Attributes
    ----------
    errors : dict
        ``(account, event id)`` -> one readable line (``"404 Not Found: ..."``).
    """

    def __init__(
        self, events: Mapping[BaselineKey, dict[str, Any]], errors: Mapping[BaselineKey, str]
    ) -> None:
        super().__init__(events)
        self.errors = dict(errors)


def _calendar_ids(df: pd.DataFrame) -> list[str | None]:
    # GET needs calendar[id]: from a `calendar.id` column, or a whole `calendar` cell.
    if "calendar.id" in df.columns:
        return [as_id(v) for v in df["calendar.id"].tolist()]
    out: list[str | None] = []
    for raw in df["calendar"].tolist() if "calendar" in df.columns else [None] * len(df):
        cell = normalize_cell(raw)
        if isinstance(cell, str):
            try:
                cell = json.loads(cell)
            except ValueError:
                cell = None
        found = cell.get("id") if isinstance(cell, Mapping) else None
        out.append(as_id(found))
    return out


def fetch_baseline(
    df: pd.DataFrame,
    event_ids: Sequence[str | None],
    accounts: Sequence[str | None],
    *,
    token: Secret,
    base_url: str | None,
    concurrency: int = 16,
    transport: Any = None,
) -> FetchedBaseline:
    """Read the current state of every row's event with one GET each (``baseline="fetch"``).

    The GETs go through the same client as the PATCHes: paced per account and per token,
    retried on transient errors. An event that cannot be read is left out, with the reason in
    ``errors`` (the plan reports that row as a problem).

    Parameters
    ----------
    df : pandas.DataFrame
        The update frame (its ``calendar.id`` or ``calendar`` column gives ``calendar[id]``).
    event_ids, accounts : sequence
        Each row's event id and integrated account (rows missing either are not read).
    token : Secret
        The API token.
    base_url : str, optional
        As for :func:`~truto_frame.planning.build.build_plan`.
    concurrency : int
        Requests in flight at most.
    transport : httpx.AsyncBaseTransport, optional
        Send through this transport (the sandbox app in process).

    Returns
    -------
    FetchedBaseline
        ``(account, event id)`` -> current event (typed like :func:`baseline_lookup`'s), plus
        ``errors``.
    """
    targets = {
        (event_id, account, calendar_id)
        for event_id, account, calendar_id in zip(
            event_ids, accounts, _calendar_ids(df), strict=True
        )
        if event_id is not None and account is not None
    }

    async def read_all() -> FetchedBaseline:
        events: dict[BaselineKey, dict[str, Any]] = {}
        errors: dict[BaselineKey, str] = {}
        gate = asyncio.Semaphore(concurrency)
        async with TrutoClient(token=token, base_url=base_url, transport=transport) as client:

            async def read(event_id: str, account: str, calendar_id: str | None) -> None:
                async with gate:
                    result = await client.get_event(event_id, account, calendar_id)
                if result.ok and isinstance(result.body, Mapping):
                    event = with_request_types({**result.body, "id": event_id})
                    events[(account, event_id)] = event
                else:
                    errors[(account, event_id)] = result.error or "no event in the answer"

            await asyncio.gather(*(read(*target) for target in sorted(targets, key=str)))
        return FetchedBaseline(events, errors)

    return run_sync(read_all())
