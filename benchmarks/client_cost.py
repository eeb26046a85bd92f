"""Client-cost benchmark: is planning negligible next to serialising the same rows?

Plans 100,000 rows x 25 realistic columns (id, calendar.id, title, description, start/end and
time zone, location.*, attendees[0..2].person.*, status, visibility, recurrence[0], a helper
column...) with ``df.truto.update_events(...)`` and compares it with ``df.to_dict("records")``
plus ``json.dumps`` of the same rows, the least any tool that sends these rows must do.
Bar: planning <= 4x that. Also reported: peak memory (tracemalloc peak of a separate untimed
run on a quarter of the rows, scaled x4, and the growth of the process's max RSS during the
first plan of all the rows), and where planning spends its time (each stage timed alone with
the functions the plan calls: flatten, validation, body, rules; the rest is the plan's own
work).

Run: ``python benchmarks/client_cost.py`` (options: ``--help``).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
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
from truto_frame.frame.flatten import unflatten_frame
from truto_frame.model.integrations import check_update_rules, rules_for, unsupported_fields
from truto_frame.model.schema import EventUpdate, payload_from_model
from truto_frame.sandbox import GOOGLECALENDAR_ACCOUNT_ID

RATIO_BAR = 4.0
MEMORY_SLICE = 4  # tracemalloc runs on 1/4 of the rows


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """A realistic edit sheet: 25 columns, typed as pandas reads them, with gaps."""
    rng = np.random.default_rng(seed)
    ids = [f"evt{n:07d}k2m9q" for n in range(rows)]
    start = pd.Timestamp("2026-12-01T09:00:00Z") + pd.to_timedelta(
        rng.integers(0, 90 * 24 * 4, rows) * 15, unit="min"
    )
    minutes = rng.choice([30, 45, 60, 90], rows)
    people = ["Ana Lima", "Bo Chen", "Chloé Martin", "Dev Patel", "Eva Novak", "Farah Haddad"]

    def pick(values: list[Any], empty: float = 0.0) -> list[Any]:
        chosen = [values[i] for i in rng.integers(0, len(values), rows)]
        if empty:
            for i in np.flatnonzero(rng.random(rows) < empty):
                chosen[i] = None
        return chosen

    def attendee(k: int, empty: float, before: list[Any] | None) -> dict[str, list[Any]]:
        names = pick(people, empty)
        if before is not None:  # no holes: attendee k only where attendee k-1 is set
            names = [None if b is None else n for n, b in zip(names, before, strict=True)]
        previous[k] = names
        emails = [
            None if n is None else n.lower().replace(" ", ".").replace("é", "e") + "@example.com"
            for n in names
        ]
        return {
            f"attendees[{k}].person.name": names,
            f"attendees[{k}].person.emails[0].email": emails,
        }

    previous: dict[int, list[Any]] = {}
    columns: dict[str, Any] = {
        "id": ids,
        "calendar.id": "primary",
        "title": [f"Onboarding session {n % 997}" for n in range(rows)],
        "description": pick(["Agenda: intro, demo, Q&A", "Bring your laptop", "Room moved"], 0.3),
        "start_time": start,
        "end_time": start + pd.to_timedelta(minutes, unit="min"),
        "timezone": pick(["Europe/Lisbon", "America/New_York", "Asia/Tokyo"]),
        "location.name": pick(["Thames suite", "Room 4.02", "Atrium"], 0.1),
        "location.address.street_1": pick(["1 Canada Square", "5 Rua Augusta"], 0.1),
        "location.address.city": pick(["London", "Lisbon"], 0.1),
        "location.address.state": pick(["Greater London", "Lisboa"], 0.4),
        "location.address.country": pick(["GB", "PT"], 0.1),
        "location.address.postal_code": pick(["E14 5AB", "1100-048"], 0.1),
        **attendee(0, 0.0, None),
        **attendee(1, 0.2, previous.get(0)),
        **attendee(2, 0.5, previous.get(1)),
        "attendees[0].is_optional": pick([False, True]),
        "status": pick(["confirmed", "tentative"]),
        "visibility": pick(["calendar_default", "private"], 0.5),
        "recurrence[0]": pick(["RRULE:FREQ=WEEKLY;COUNT=4", "RRULE:FREQ=DAILY;COUNT=3"], 0.8),
        "availability": pick(["busy", "free"], 0.5),
        "notes": pick(["checked by Ana", "VIP", "moved from room 3"], 0.5),  # helper column
    }
    frame = pd.DataFrame(columns)
    # What read_csv would give: strings with NaN gaps, not Python None.
    return frame.fillna(np.nan)


def plan_rows(frame: pd.DataFrame) -> truto_frame.EventUpdatePlan:
    """The measured operation."""
    return frame.truto.update_events(
        integrated_account_id=GOOGLECALENDAR_ACCOUNT_ID, token="benchmark-token"
    )


def serialise_rows(frame: pd.DataFrame) -> str:
    """The baseline: the rows as dicts, then as JSON text."""
    return json.dumps(frame.to_dict("records"), default=str)


def timed(func: Callable[[pd.DataFrame], Any], frame: pd.DataFrame) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    value = func(frame)
    return time.perf_counter() - start, value


def peak_traced(func: Callable[[pd.DataFrame], Any], frame: pd.DataFrame) -> int:
    """Peak bytes allocated by Python while ``func`` runs (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        func(frame)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def max_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def breakdown(frame: pd.DataFrame) -> dict[str, float]:
    """Time the stages of planning one after another, with the functions the plan calls."""
    columns = [c for c in frame.columns if c not in ("id", "notes")]
    rules = rules_for(None)
    seconds: dict[str, float] = {}
    gc.collect()
    gc.disable()  # as the plan does while it builds bodies
    try:
        start = time.perf_counter()
        bodies, _ = unflatten_frame(frame, columns)
        seconds["flatten (unflatten_frame)"] = time.perf_counter() - start
        start = time.perf_counter()
        models = [EventUpdate.model_validate(body) for body in bodies]
        seconds["validation (EventUpdate.model_validate)"] = time.perf_counter() - start
        start = time.perf_counter()
        payloads = [payload_from_model(model) for model in models]
        seconds["body (payload_from_model)"] = time.perf_counter() - start
        start = time.perf_counter()
        for payload in payloads:
            check_update_rules(payload, rules)
            unsupported_fields(payload, rules)
        seconds["rules (check_update_rules, unsupported_fields)"] = time.perf_counter() - start
    finally:
        gc.enable()
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)

    began = time.perf_counter()
    title("client cost: planning vs to_dict + json.dumps")
    frame = make_frame(args.rows)
    print(f"   {len(frame):,} rows x {frame.shape[1]} columns: {', '.join(frame.columns)}")

    plans: list[float] = []
    baselines: list[float] = []
    rss_before = max_rss_mib()
    seconds, plan = timed(plan_rows, frame)
    rss_growth = max_rss_mib() - rss_before
    plans.append(seconds)
    ignored = [c.column for c in plan.ignored_columns]
    print(f"   plan: {plan.counts}; ignored columns: {ignored}")
    del plan
    for run in range(args.runs):
        baselines.append(timed(serialise_rows, frame)[0])
        if run + 1 < args.runs:
            plans.append(timed(plan_rows, frame)[0])

    ratio = median(plans) / median(baselines)
    print(f"   to_dict('records') + json.dumps: {spread(baselines)}")
    print(f"   df.truto.update_events(...):     {spread(plans)}")
    print(
        f"   per row: planning {median(plans) / len(frame) * 1e6:.1f} us, baseline "
        f"{median(baselines) / len(frame) * 1e6:.1f} us"
    )

    # tracemalloc slows allocation-heavy code several times over; it traces a slice and the
    # peak is scaled to the whole frame (every row's objects are alike, so it grows linearly).
    part = frame.iloc[: max(1, len(frame) // MEMORY_SLICE)]
    scale = len(frame) / len(part)
    traced_plan = peak_traced(plan_rows, part) * scale / 2**20
    traced_base = peak_traced(serialise_rows, part) * scale / 2**20
    print(
        f"   peak memory (tracemalloc on {len(part):,} rows, x{scale:g}): planning "
        f"{traced_plan:.0f} MiB, baseline {traced_base:.0f} MiB ({traced_plan / traced_base:.1f}x)"
    )
    print(
        f"   max RSS growth during the first plan ({len(frame):,} rows): {rss_growth:.0f} MiB "
        f"(process max RSS now {max_rss_mib():.0f} MiB)"
    )

    stages = breakdown(frame)
    total = median(plans)
    print("   where planning time goes (each stage timed alone; share of the median plan):")
    for stage, seconds in stages.items():
        print(f"     {stage:<48} {seconds:6.2f} s  {seconds / total:6.1%}")
    rest = total - sum(stages.values())
    label = "the rest (columns, ids, accounts, plan object)"
    print(f"     {label:<48} {rest:6.2f} s  {rest / total:6.1%}")

    passed = [check("planning / (to_dict + json.dumps)", ratio, RATIO_BAR, at_least=False)]
    print(f"   (benchmark ran in {time.perf_counter() - began:.0f} s)")
    summary(passed)


if __name__ == "__main__":
    main()
