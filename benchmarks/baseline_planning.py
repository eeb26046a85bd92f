"""Baseline-planning benchmark: read -> edit some cells -> plan against what was read.

Builds a read frame (``typed_frame`` of the sandbox's seeded Google events, as
:func:`truto_frame.read_events` returns it: 87 columns, typed as it types them), edits 10% or
100% of its rows (titles, cities, attendee answers, +1 h moves, cleared descriptions, in turn)
and plans the edited copy with ``update_events(baseline=read_frame)``, at 3,000 and 30,000 rows.
The reference, timed in the same run on the same frame: ``frame.to_dict("records")`` +
``json.dumps``. Bars (issue 12): baseline planning <= 2x the reference with 10% of rows edited,
<= 4x with every row edited. Also printed: the per-row reference path (the planner without its
column-wise pre-filter, ``--reference``), the no-baseline plan of the same edited frame, the
time ``plan.changes`` and the preview's changes (one page shown) take once the plan is built,
and the tracemalloc peak per 10,000 rows.

Run: ``python benchmarks/baseline_planning.py`` (options: ``--help``). Against a checkout that
has no pre-filter (the figures *before*), the script times the only path there is.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd

import truto_frame  # registers df.truto
from benchmarks._common import RUNS, check, median, spread, summary, title
from truto_frame import NULL
from truto_frame.model.schema import RESPONSE_ONLY_FIELDS
from truto_frame.read import typed_frame
from truto_frame.sandbox import GOOGLECALENDAR_ACCOUNT_ID
from truto_frame.sandbox.seed import seed_events

try:  # absent from checkouts made before the pre-filter: then only the per-row path exists
    from truto_frame.planning.unchanged import prefilter_enabled
except ImportError:  # pragma: no cover - measuring an older checkout
    prefilter_enabled = None  # type: ignore[assignment]

BARS = {0.1: 2.0, 1.0: 4.0}
SIZES = (3_000, 30_000)
MEMORY_ROWS = 10_000


def read_frame(rows: int) -> pd.DataFrame:
    """What ``read_events`` returns for ``rows`` seeded Google events (no network)."""
    events = seed_events(GOOGLECALENDAR_ACCOUNT_ID, "googlecalendar", count=rows)
    return typed_frame(events, GOOGLECALENDAR_ACCOUNT_ID)


def edit(frame: pd.DataFrame, fraction: float, seed: int = 0) -> pd.DataFrame:
    """A copy with ``fraction`` of its rows edited, one kind of edit per row in turn."""
    edited = frame.copy()
    rng = np.random.default_rng(seed)
    count = max(1, round(len(frame) * fraction))
    rows = np.sort(rng.choice(len(frame), count, replace=False))
    kinds = np.arange(count) % 5
    columns = {name: edited[name].tolist() for name in edited.columns}
    cities = ["Lisbon", "Oslo", "Porto"]
    for row, kind in zip(rows.tolist(), kinds.tolist(), strict=True):
        if kind == 0:
            columns["title"][row] = f"{columns['title'][row]} (moved)"
        elif kind == 1:
            columns["location.address.city"][row] = cities[row % 3]
        elif kind == 2:
            columns["attendees[0].response.status"][row] = "tentative"
        elif kind == 3:
            columns["start_time"][row] = _later(columns["start_time"][row])
            columns["end_time"][row] = _later(columns["end_time"][row])
        else:
            columns["description"][row] = NULL
    for name in ("title", "location.address.city", "attendees[0].response.status", "description"):
        edited[name] = pd.Series(columns[name], index=edited.index, dtype=object)
    for name in ("start_time", "end_time"):
        edited[name] = pd.Series(columns[name], index=edited.index, dtype=frame[name].dtype)
    return edited


def _later(value: Any) -> Any:
    # One hour later, in the form the cell has (ISO text as read, or a Timestamp).
    if isinstance(value, str):
        moved = pd.Timestamp(value) + pd.Timedelta(hours=1)
        return moved.isoformat() if "T" in value else moved.date().isoformat()
    return value + pd.Timedelta(hours=1)


def serialise(frame: pd.DataFrame) -> str:
    """The reference: the rows as dicts, then as JSON text."""
    return json.dumps(frame.to_dict("records"), default=str)


def plan_against(baseline: pd.DataFrame, reference: bool = False) -> Callable[[pd.DataFrame], Any]:
    def plan(frame: pd.DataFrame) -> truto_frame.EventUpdatePlan:
        if prefilter_enabled is None:
            return frame.truto.update_events(baseline=baseline, token="benchmark-token")
        with prefilter_enabled(not reference):
            return frame.truto.update_events(baseline=baseline, token="benchmark-token")

    return plan


def plan_alone(frame: pd.DataFrame) -> truto_frame.EventUpdatePlan:
    """The no-baseline plan of the same frame (its read-only columns dropped beforehand)."""
    return frame.truto.update_events(token="benchmark-token")


def writable(frame: pd.DataFrame) -> pd.DataFrame:
    # A read frame without its baseline is refused while it holds read-only columns.
    keep = [c for c in frame.columns if c == "id" or c.split(".")[0] not in RESPONSE_ONLY_FIELDS]
    return frame[keep]


def timed(func: Callable[[pd.DataFrame], Any], frame: pd.DataFrame) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    value = func(frame)
    return time.perf_counter() - start, value


def after_plan(plan: truto_frame.EventUpdatePlan) -> tuple[float, float]:
    """Seconds for ``plan.changes`` and for the preview (every row's changes, one page shown)."""
    from truto_frame.ui.tables import change_rows, changes_html

    start = time.perf_counter()
    plan.changes  # noqa: B018 - the property builds the frame
    changes = time.perf_counter() - start
    start = time.perf_counter()
    changes_html(change_rows(plan)[:50], plan.has_baseline)
    return changes, time.perf_counter() - start


def traced_peak(func: Callable[[pd.DataFrame], Any], frame: pd.DataFrame) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        func(frame)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def measure(rows: int, runs: int, reference: bool) -> list[bool]:
    frame = read_frame(rows)
    print(f"-- {rows:,} rows x {frame.shape[1]} columns")
    passed: list[bool] = []
    serial = [timed(serialise, frame)[0] for _ in range(runs)]
    print(f"   to_dict('records') + json.dumps: {spread(serial)}")
    base = median(serial)
    for fraction, bar in BARS.items():
        edited = edit(frame, fraction)
        plans = [timed(plan_against(frame), edited) for _ in range(runs)]
        seconds = [s for s, _ in plans]
        plan = plans[-1][1]
        print(f"   {fraction:.0%} of rows edited: {plan.counts}")
        print(f"     baseline plan:        {spread(seconds)}  = {median(seconds) / base:.2f}x")
        if reference and prefilter_enabled is not None:
            ref = [timed(plan_against(frame, reference=True), edited)[0] for _ in range(runs)]
            print(f"     per-row reference:    {spread(ref)}  = {median(ref) / base:.2f}x")
        changes, page = after_plan(plan)
        print(f"     then plan.changes {changes:.3f} s, preview's changes {page:.3f} s")
        passed.append(
            check(
                f"{rows:,} rows, {fraction:.0%} edited: plan / serialise",
                median(seconds) / base,
                bar,
                at_least=False,
            )
        )
        del plans, plan
    bare = writable(edit(frame, 0.1))
    alone = [timed(plan_alone, bare)[0] for _ in range(runs)]
    print(
        f"   no baseline (same frame without its {frame.shape[1] - bare.shape[1]} read-only "
        f"columns): {spread(alone)}  = {median(alone) / base:.2f}x"
    )
    return passed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument(
        "--reference", action="store_true", help="also time the per-row reference path"
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    title("baseline planning vs to_dict + json.dumps")
    print("   load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    passed: list[bool] = []
    for rows in args.rows:
        passed += measure(rows, args.runs, args.reference)
    frame = read_frame(MEMORY_ROWS)
    edited = edit(frame, 0.1)
    peak = traced_peak(plan_against(frame), edited)
    print(f"   peak memory per {MEMORY_ROWS:,} rows (tracemalloc, 10% edited): {peak:.0f} MiB")
    print(f"   (benchmark ran in {time.perf_counter() - began:.0f} s)")
    summary(passed)


if __name__ == "__main__":
    main()
