"""Latency-bound benchmark: does the engine overlap server latency fully when there is no quota?

400 rows, 200 ms per request on the server, concurrency 32, the sandbox under uvicorn in its
own process with rate limits off (the client's budgets off too). Ideal wall time:
``ceil(N / C) * latency``; efficiency = ideal / measured, bar >= 0.85.

In the same run, two loops an analyst writes by hand, over fewer rows (per-row time
extrapolated to N): one ``httpx.Client`` PATCHing one row after another (keep-alive), and
``httpx.patch`` per row (a new connection each time). The engine's speed-up over each is printed.

Run: ``python benchmarks/latency_bound.py`` (options: ``--help``).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import pandas as pd

import truto_frame  # registers df.truto
from benchmarks._common import (
    RUNS,
    TOKEN,
    admin,
    check,
    median,
    read_rows,
    sandbox_process,
    spread,
    summary,
    title,
)
from truto_frame.client import TrutoClient
from truto_frame.pacing import RateLimits
from truto_frame.sandbox import OUTLOOK_ACCOUNT_ID
from truto_frame.sending import send_plan

ACCOUNT = OUTLOOK_ACCOUNT_ID  # Outlook needs only calendar.id besides the changed field
EFFICIENCY_BAR = 0.85


async def _send(plan: truto_frame.EventUpdatePlan, url: str) -> tuple[float, pd.DataFrame]:
    # No client-side budgets: this benchmark measures overlap, not pacing.
    async with TrutoClient(token=TOKEN, base_url=url, limits=RateLimits.unlimited()) as client:
        start = time.perf_counter()
        results = await send_plan(plan, client=client, progress=False)
        return time.perf_counter() - start, results


def engine_run(url: str, rows: pd.DataFrame, concurrency: int, label: str) -> float:
    """Plan and send every row with the engine; return the sending wall time."""
    admin(url, "reset")
    frame = rows.assign(title=[f"{label} #{i}" for i in range(len(rows))])
    plan = frame.truto.update_events(
        integrated_account_id=ACCOUNT, token=TOKEN, base_url=url, concurrency=concurrency
    )
    wall, results = asyncio.run(_send(plan, url))
    statuses = Counter(results["status"])
    if statuses != Counter({"updated": len(rows)}):
        print(f"   warning: engine run {label} ended {dict(statuses)}")
    return wall


def loop_run(url: str, rows: pd.DataFrame, *, keep_alive: bool, label: str) -> float:
    """The hand-written loop: one PATCH after another; return the wall time."""
    admin(url, "reset")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    params = {"integrated_account_id": ACCOUNT}
    bodies = [
        (quote(str(event_id), safe=""), {"calendar": {"id": calendar}, "title": f"{label} #{i}"})
        for i, (event_id, calendar) in enumerate(zip(rows["id"], rows["calendar.id"], strict=True))
    ]
    start = time.perf_counter()
    if keep_alive:
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            for event_id, body in bodies:
                client.patch(
                    f"/unified/calendar/events/{event_id}", params=params, json=body
                ).raise_for_status()
    else:
        for event_id, body in bodies:
            httpx.patch(
                f"{url}/unified/calendar/events/{event_id}",
                params=params,
                json=body,
                headers=headers,
                timeout=30,
            ).raise_for_status()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.2, help="server seconds per request")
    parser.add_argument("--loop-rows", type=int, default=40, help="rows of the hand-written loops")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    n, c, latency = args.rows, args.concurrency, args.latency
    ideal = math.ceil(n / c) * latency

    title("latency-bound: overlap of server latency (no quota)")
    print(
        f"   {n} rows, concurrency {c}, server latency {latency * 1000:.0f} ms, sandbox under "
        "uvicorn in its own process, rate limits off (server and client)"
    )
    server_args = ["--latency", str(latency), "--account-limit", "none", "--token-limit", "none"]
    server_args += ["--events-per-account", str(max(n, args.loop_rows))]
    engine: list[float] = []
    kept: list[float] = []
    fresh: list[float] = []
    with sandbox_process(server_args) as url:
        rows = read_rows(url, ACCOUNT, n, ["id", "calendar.id"])
        loop_rows = rows.iloc[: args.loop_rows]
        # Interleaved, so that load from other processes hits every variant alike.
        for run in range(args.runs):
            engine.append(engine_run(url, rows, c, f"engine {run}"))
            kept.append(loop_run(url, loop_rows, keep_alive=True, label=f"keep-alive {run}"))
            fresh.append(loop_run(url, loop_rows, keep_alive=False, label=f"new-conn {run}"))

    wall = median(engine)
    m = args.loop_rows
    kept_row, fresh_row = median(kept) / m, median(fresh) / m
    print(f"   ideal ceil(N/C) x latency = ceil({n}/{c}) x {latency} s = {ideal:.3f} s")
    print(f"   engine wall (sending {n} rows):   {spread(engine)}")
    print(f"   engine throughput:                 {n / wall:.1f} rows/s")
    print(
        f"   sequential keep-alive loop:        {kept_row * 1000:.1f} ms/row over {m} rows "
        f"-> {kept_row * n:.1f} s for {n} rows (extrapolated)"
    )
    print(
        f"   new connection per request loop:   {fresh_row * 1000:.1f} ms/row over {m} rows "
        f"-> {fresh_row * n:.1f} s for {n} rows (extrapolated)"
    )
    print(f"   speed-up over the keep-alive loop: {kept_row * n / wall:.1f}x")
    print(f"   speed-up over new-connection loop: {fresh_row * n / wall:.1f}x")
    efficiency = ideal / wall
    passed = [check("efficiency = ideal / wall", efficiency, EFFICIENCY_BAR, at_least=True)]
    summary(passed)


if __name__ == "__main__":
    main()
