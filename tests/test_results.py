"""The results frame contract: one row per input row, same index, fixed columns and dtypes."""

from __future__ import annotations

import pandas as pd
import pytest

from truto_frame.engine.results import RESULT_COLUMNS, RowResult, results_frame


def test_aligned_with_a_duplicated_unsorted_index() -> None:
    index = pd.Index(["b", "a", "b"])
    frame = results_frame(
        index,
        [
            RowResult("updated", 200, None, 1, {"id": "1"}),
            RowResult("invalid", None, "title: bad", 0),
            RowResult("failed", 404, "404 Not Found", 1, {"statusCode": 404}),
        ],
    )
    assert list(frame.columns) == list(RESULT_COLUMNS)
    assert frame.index.equals(index)
    assert frame["status"].tolist() == ["updated", "invalid", "failed"]
    assert str(frame["http_status"].dtype) == "Int64"
    assert frame["http_status"].isna().tolist() == [False, True, False]
    assert frame["error"].isna().tolist() == [True, False, False]
    assert frame["attempts"].dtype == "int64"
    assert frame["response"].iloc[0] == {"id": "1"}


def test_a_lost_row_is_an_error_not_a_gap() -> None:
    with pytest.raises(ValueError, match="2 results for 3 rows"):
        results_frame(pd.RangeIndex(3), [RowResult("updated"), RowResult("updated")])


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown status"):
        results_frame(pd.RangeIndex(1), [RowResult("done")])
