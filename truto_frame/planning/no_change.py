"""Rows that change nothing: skipped with a reason, never sent and counted as a success.

A row whose body holds only the fields that *select* the event (``calendar``: which calendar
it lives in) asks for no change. That happens when the cells the user meant to send are empty:
a title read as NaN because ``pd.read_csv`` took the text ``N/A`` or ``null`` for a missing
value, a column left blank. Sending such a PATCH would be reported ``updated`` while nothing
was written, so :func:`no_change_reason` turns it into a ``skipped`` row with the reason.

With a baseline the same holds for every field: a row whose filled cells all equal the current
event is skipped with :data:`UNCHANGED_REASON`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SELECTOR_FIELDS", "UNCHANGED_REASON", "no_change_reason"]

SELECTOR_FIELDS: frozenset[str] = frozenset({"calendar"})
"""Top-level fields that say *which* event a PATCH is for, not *what* it changes."""

UNCHANGED_REASON = "unchanged: every filled cell holds the value the event has now"
"""Why a row diffed against its baseline is skipped."""


def no_change_reason(payload: Mapping[str, Any]) -> str | None:
    """Say why a body planned without a baseline changes nothing, or ``None`` if it changes some.

    Parameters
    ----------
    payload : mapping
        The validated body of one row.

    Returns
    -------
    str or None
        The reason to skip the row (naming what it fills), or ``None`` when the body sets a
        field beyond the selectors.

    Examples
    --------
    >>> no_change_reason({"calendar": {"id": "primary"}})[:17]
    'nothing to change'
    >>> no_change_reason({"calendar": {"id": "primary"}, "title": "Sync"}) is None
    True
    """
    # Runs for every row: no set built for the common body, which sets more than the selectors.
    if len(payload) > len(SELECTOR_FIELDS) or not payload.keys() <= SELECTOR_FIELDS:
        return None
    filled = ", ".join(sorted(payload)) or "no field"
    return (
        f"nothing to change: the row fills only {filled} (an empty cell leaves its field "
        "unchanged; was a value read as NaN? read CSV files with truto_frame.read_csv or "
        "pd.read_csv(..., dtype=str, keep_default_na=False))"
    )
