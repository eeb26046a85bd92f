"""Quota-bound benchmark: does the engine run at the quota without tripping it?

60 rows against a per-account quota of 10 requests per 2 s, enforced by the sandbox (fixed
windows that open at an account's first request, ``ratelimit-*`` headers on every answer, 429
with ``Retry-After`` beyond the limit), 200 ms server latency, the sandbox under uvicorn in its
own process. The client is configured to the same quota (``RateLimits(per_account=(10, 2.0))``)
or, with ``--learn``, starts from Truto's documented defaults and learns it from the headers.

Quota-bound time, for N rows and a limit of L requests per W seconds whose first window admits
L requests at once: ``(ceil(N / L) - 1) * W + latency`` (the last batch goes at the start of
the last window and takes one latency). Bars: wall <= 1.15 x that, and <= 2% of requests
answered 429. Then 3 accounts x 60 rows in one plan, in parallel: each account has its own
quota, so they should finish in about the time of one (bars: ratio to one account <= 1.15, and
wall <= 1.15 x the same quota-bound time). Last, rows that are re-read before writing (a title
edit planned with ``baseline=``: Google re-sends the times, so each row is a GET then a PATCH,
see docs/concurrent-edits.md): bar wall <= 1.15 x the quota-bound time of the requests actually
made (GETs + PATCHes). Default concurrency (16), as a user gets it.

Run: ``python benchmarks/quota_bound.py`` (options: ``--help``).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

import truto_frame  # registers df.truto
from benchmarks._common import (
    RUNS,
    TOKEN,
    WIDE_WINDOW,
    admin,
    check,
    median,
    read_rows,
    sandbox_process,
    spread,
    summary,
    title,
)
from truto_frame.api.client import TrutoClient
from truto_frame.api.pacing import RateLimits
from truto_frame.planning.sending import send_plan
from truto_frame.sandbox import GOOGLE_ACCOUNT_ID, GOOGLECALENDAR_ACCOUNT_ID, OUTLOOK_ACCOUNT_ID

ACCOUNTS = (GOOGLECALENDAR_ACCOUNT_ID, GOOGLE_ACCOUNT_ID, OUTLOOK_ACCOUNT_ID)
# The Google integrations require start/end (with the time zone) on every update.
COLUMNS = ["id", "calendar.id", "start_time", "end_time", "timezone"]
WALL_BAR = 1.15
RATE_LIMITED_BAR = 0.02


def quota_bound_time(rows: int, limit: int, window: float, latency: float) -> float:
    """``(ceil(rows / limit) - 1) * window + latency``: the least time the quota allows."""
    return (math.ceil(rows / limit) - 1) * window + latency


async def _send(
    plan: truto_frame.EventUpdatePlan, url: str, limits: RateLimits
) -> tuple[float, pd.DataFrame]:
    async with TrutoClient(token=TOKEN, base_url=url, limits=limits) as client:
        start = time.perf_counter()
        results = await send_plan(plan, client=client, progress=False)
        return time.perf_counter() - start, results


def run(
    url: str,
    frame: pd.DataFrame,
    limits: RateLimits,
    concurrency: int,
    label: str,
    baseline: pd.DataFrame | None = None,
) -> tuple[float, int, int]:
    """Send one plan from a fresh sandbox; return wall time, requests and 429 answers."""
    admin(url, "reset")  # fresh windows, seeded events, empty idempotency cache
    frame = frame.assign(title=[f"{label} #{i}" for i in range(len(frame))])
    plan = frame.truto.update_events(
        token=TOKEN, base_url=url, concurrency=concurrency, baseline=baseline
    )
    if baseline is not None and not plan.rereads.all():
        print(f"   warning: run {label} re-reads {int(plan.rereads.sum())} of {len(frame)} rows")
    wall, results = asyncio.run(_send(plan, url, limits))
    statuses = Counter(results["status"])
    if statuses != Counter({"updated": len(frame)}):
        print(f"   warning: run {label} ended {dict(statuses)}")
    stats = admin(url, "stats")["accounts"]
    requests = sum(a["requests"] for a in stats.values())
    limited = sum(a["rate_limited"] for a in stats.values())
    return wall, requests, limited


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60, help="rows per account")
    parser.add_argument("--limit", type=int, default=10, help="requests per window")
    parser.add_argument("--window", type=float, default=2.0, help="window in seconds")
    parser.add_argument("--latency", type=float, default=0.2, help="server seconds per request")
    parser.add_argument("--accounts", type=int, default=3, choices=range(1, 4))
    parser.add_argument("--concurrency", type=int, default=16, help="the plan's (default 16)")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument(
        "--learn", action="store_true", help="client starts from defaults, learns from headers"
    )
    args = parser.parse_args(argv)
    n, limit, window, latency = args.rows, args.limit, args.window, args.latency
    bound = quota_bound_time(n, limit, window, latency)
    limits = RateLimits() if args.learn else RateLimits(per_account=(limit, window))

    title("quota-bound: pacing to a per-account quota")
    print(
        f"   {n} rows per account, quota {limit} per {window:g} s per account (no token limit on "
        f"the server), latency {latency * 1000:.0f} ms, sandbox under uvicorn in its own process"
    )
    print(f"   client limits: {limits}; concurrency {args.concurrency}")
    print(
        f"   quota-bound time = (ceil(N/L) - 1) x W + latency = (ceil({n}/{limit}) - 1) x "
        f"{window:g} + {latency:g} = {bound:.3f} s"
    )
    server_args = ["--account-limit", f"{limit}/{window:g}", "--token-limit", "none"]
    server_args += ["--latency", str(latency), "--events-per-account", str(n)]
    one: list[float] = []
    many: list[float] = []
    reread: list[tuple[float, int]] = []
    shares: list[float] = []
    with sandbox_process(server_args) as url:
        frames = []
        for account in ACCOUNTS[: args.accounts]:
            rows = read_rows(url, account, n, COLUMNS)
            frames.append(rows.assign(integrated_account_id=account))
        single = frames[0]
        several = pd.concat(frames, ignore_index=True)
        # The events as read (updated_at and all): the snapshot a re-read compares with.
        snapshot = truto_frame.read_events(
            ACCOUNTS[0], token=TOKEN, base_url=url, page_size=1000, **WIDE_WINDOW
        ).iloc[:n]
        for i in range(args.runs):
            wall, requests, limited = run(url, single, limits, args.concurrency, f"one account {i}")
            one.append(wall)
            shares.append(limited / requests)
            print(f"   run {i}: 1 account {wall:.3f} s, {requests} requests, {limited} x 429")
            if args.accounts > 1:
                wall, requests, limited = run(
                    url, several, limits, args.concurrency, f"{args.accounts} accounts {i}"
                )
                many.append(wall)
                shares.append(limited / requests)
                print(
                    f"   run {i}: {args.accounts} accounts {wall:.3f} s, {requests} requests, "
                    f"{limited} x 429"
                )
            edits = snapshot[["id", "calendar.id", "integrated_account_id"]].reset_index(drop=True)
            wall, requests, limited = run(
                url, edits, limits, args.concurrency, f"re-read {i}", baseline=snapshot
            )
            reread.append((wall, requests))
            shares.append(limited / requests)
            print(f"   run {i}: re-read first {wall:.3f} s, {requests} requests, {limited} x 429")

    print(f"   1 account, {n} rows: {spread(one)}")
    passed = [
        check("wall / quota-bound time, 1 account", median(one) / bound, WALL_BAR, at_least=False),
        check(
            "share of requests answered 429 (worst run)",
            max(shares),
            RATE_LIMITED_BAR,
            at_least=False,
        ),
    ]
    if many:
        print(f"   {args.accounts} accounts x {n} rows in parallel: {spread(many)}")
        ratio = median(many) / median(one)
        passed.append(
            check(f"ratio {args.accounts} accounts / 1 account", ratio, WALL_BAR, at_least=False)
        )
        passed.append(
            check(
                f"wall / quota-bound time, {args.accounts} accounts in parallel",
                median(many) / bound,
                WALL_BAR,
                at_least=False,
            )
        )
    if reread:
        walls = [w for w, _ in reread]
        made = max(r for _, r in reread)
        reread_bound = quota_bound_time(made, limit, window, latency)
        print(
            f"   {n} rows re-read before writing: {spread(walls)}; {made} requests (GET + PATCH "
            f"per row): quota-bound time {reread_bound:.3f} s"
        )
        passed.append(
            check(
                "wall / quota-bound time of the requests made, rows re-read first",
                median(walls) / reread_bound,
                WALL_BAR,
                at_least=False,
            )
        )
    summary(passed)


if __name__ == "__main__":
    main()
