"""Where a plan's baseline comes from: a frame, ``"fetch"``, or what the frame was read as.

:func:`resolve_baseline` turns ``build_plan``'s ``baseline=`` into the lookup the row loop
diffs against: a frame of current events (:func:`~truto_frame.planning.baseline.baseline_lookup`),
``"fetch"`` (one GET per row, :func:`~truto_frame.planning.fetch.fetch_baseline`), or, when
none is given, the events a frame from :func:`~truto_frame.read_events` was read as
(:mod:`truto_frame.planning.snapshot`). A frame with none of these but with read-only columns
is refused there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..api.auth import Secret, resolve_token
from ..errors import ConfigurationError
from ..frame.provenance import snapshot_of
from .baseline import BaselineKey, baseline_lookup
from .fetch import fetch_baseline
from .frame_baseline import FrameBaseline
from .snapshot import refuse_read_only_columns, snapshot_baseline
from .unchanged import prefilter_active

if TYPE_CHECKING:
    import httpx

__all__ = ["resolve_baseline"]


def resolve_baseline(
    df: pd.DataFrame,
    baseline: pd.DataFrame | str | None,
    event_ids: Sequence[str | None],
    accounts: Sequence[str | None],
    *,
    token: Secret | None,
    base_url: str | None,
    concurrency: int,
    transport: httpx.AsyncBaseTransport | None,
) -> Mapping[BaselineKey, dict[str, Any]] | None:
    """The current events to diff ``df``'s rows against, or ``None`` to send rows as given.

    Parameters
    ----------
    df : pandas.DataFrame
        The frame to plan.
    baseline : pandas.DataFrame, "fetch" or None
        As given to ``build_plan``.
    event_ids, accounts : sequence
        Each row's event id and account (for ``"fetch"``).
    token, base_url, concurrency, transport
        For ``"fetch"``.

    Returns
    -------
    mapping or None
        ``(account, event id)`` -> current event.

    Raises
    ------
    ConfigurationError
        For a ``baseline`` text other than ``"fetch"``.
    InputError
        For a frame with read-only columns and no record of what was read.
    """
    if isinstance(baseline, str):
        if baseline != "fetch":
            raise ConfigurationError(f"baseline must be a DataFrame or 'fetch', got {baseline!r}")
        return fetch_baseline(
            df,
            list(event_ids),
            list(accounts),
            token=resolve_token(token),  # a read needs one: the same message as apply()
            base_url=base_url,
            concurrency=concurrency,
            transport=transport,
        )
    if baseline is not None:
        # The fast path keeps the frame and rebuilds only the events a plan reads.
        return FrameBaseline(baseline) if prefilter_active() else baseline_lookup(baseline)
    # A frame read from the API is diffed against what was read, never sent back whole.
    snapshot = snapshot_of(df)
    if snapshot is not None:
        return snapshot_baseline(snapshot)
    refuse_read_only_columns(df)
    return None
