"""Id columns that pandas read as numbers: a warning, because the ids may already be wrong.

``pd.read_csv`` guesses types: an id column of digits becomes ``int64`` (``00123`` -> ``123``)
or, with a gap, ``float64`` (long ids lose digits past 2**53). The plan cannot know what the
text was, so it sends what it has and says how to read the file as text.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..frame.columns import parse_column

__all__ = ["numeric_id_columns", "numeric_id_warning"]

_ACCOUNT_COLUMN = "integrated_account_id"


def _is_id_column(name: object) -> bool:
    if name == _ACCOUNT_COLUMN:
        return True
    if not isinstance(name, str):
        return False
    try:
        return parse_column(name)[-1] == "id"
    except ValueError:
        return False


def _holds_numbers(column: pd.Series) -> bool:
    if isinstance(column.dtype, pd.StringDtype):
        return False  # text by type: no cell to look at
    kind = column.dtype.kind
    if kind in "iu":
        return len(column) > 0
    if kind == "f":
        return bool(column.notna().any())
    if kind == "O":
        # A column of mixed cells: any real number (not NaN, not a bool) among the values.
        return any((type(v) is int) or (type(v) is float and v == v) for v in column.tolist())
    return False


def numeric_id_columns(df: pd.DataFrame) -> list[str]:
    """Name the id columns of ``df`` that hold numbers instead of text.

    Parameters
    ----------
    df : pandas.DataFrame
        The frame to plan.

    Returns
    -------
    list of str
        ``id``, ``integrated_account_id`` and every ``...id`` column whose values are numbers,
        in frame order.
    """
    return [str(name) for name in df.columns if _is_id_column(name) and _holds_numbers(df[name])]


def numeric_id_warning(columns: Iterable[str]) -> str | None:
    """The plan's warning about id columns read as numbers, or ``None`` when there are none.

    Parameters
    ----------
    columns : iterable of str
        From :func:`numeric_id_columns`.

    Returns
    -------
    str or None
    """
    names = list(columns)
    if not names:
        return None
    return (
        f"id column{'s' * (len(names) > 1)} {', '.join(names)} hold{'s' * (len(names) == 1)} "
        "numbers, not text: pandas may have changed the ids (00123 read as 123, long ids "
        "rounded); read the file with truto_frame.read_csv(path) or "
        "pd.read_csv(path, dtype=str)"
    )
