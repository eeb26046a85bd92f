"""Latency-bound benchmark: does the engine overlap server latency fully when there is no quota?

400 rows, 200 ms per request on the server, concurrency 32, the sandbox under uvicorn in its
own process with rate limits off (the client's budgets off too). Ideal wall time:
``ceil(N / C) * latency``; efficiency = ideal / measured, bar >= 0.85.

A floor is measured too: the same PATCHes as pre-built bytes written on C raw keep-alive
sockets (no HTTP library, no parsing), i.e. the best this server allows on this machine; the
gap between it and the ideal is the sandbox's own per-request cost, not the client's.

In the same run, two loops an analyst writes by hand, over fewer rows (per-row time
extrapolated to N): one ``httpx.Client`` PATCHing one row after another (keep-alive), and
``httpx.patch`` per row (a new connection each time). The engine's speed-up over each is printed.

Run: ``python benchmarks/latency_bound.py`` (options: ``--help``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
from truto_frame.api.client import TrutoClient
from truto_frame.api.pacing import RateLimits
from truto_frame.planning.sending import send_plan
from truto_frame.sandbox import OUTLOOK_ACCOUNT_ID

ACCOUNT = OUTLOOK_ACCOUNT_ID  # Outlook needs only calendar.id besides the changed field
EFFICIENCY_BAR = 0.85


async def _send(plan: truto_frame.EventUpdatePlan, url: str) -> tuple[float, pd.DataFrame]:
    # No client-side budgets: this benchmark measures overlap, not pacing.
    async with TrutoClient(token=TOKEN, base_url=url, limits=RateLimits.unlimited()) as client:
        start = time.perf_counter()
        results = await send_plan(plan, client=client, progress=False)
        return time.perf_counter() - start, results


def engine_run(url: str, rows: pd.DataFrame, concurrency: int, label: str) -> tuple[float, float]:
    """Plan and send every row with the engine; return the wall and CPU time of sending."""
    admin(url, "reset")
    frame = rows.assign(title=[f"{label} #{i}" for i in range(len(rows))])
    plan = frame.truto.update_events(
        integrated_account_id=ACCOUNT, token=TOKEN, base_url=url, concurrency=concurrency
    )
    cpu = time.process_time()
    wall, results = asyncio.run(_send(plan, url))
    cpu = time.process_time() - cpu
    statuses = Counter(results["status"])
    if statuses != Counter({"updated": len(rows)}):
        print(f"   warning: engine run {label} ended {dict(statuses)}")
    return wall, cpu


async def _raw(url: str, requests: list[bytes], concurrency: int) -> float:
    parts = httpx.URL(url)
    pending = iter(requests)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(parts.host, parts.port)
        try:
            for request in pending:  # one shared iterator: each request goes once
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(head.split(b"\r\n")[0].decode())
                length = next(
                    int(line.split(b":")[1])
                    for line in head.lower().split(b"\r\n")
                    if line.startswith(b"content-length:")
                )
                await reader.readexactly(length)
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start


def floor_run(url: str, rows: pd.DataFrame, concurrency: int, label: str) -> float:
    """The same PATCHes as pre-built bytes on raw keep-alive sockets: what the server allows."""
    admin(url, "reset")
    host = httpx.URL(url).netloc.decode()
    requests = []
    for i, (event_id, calendar) in enumerate(zip(rows["id"], rows["calendar.id"], strict=True)):
        body = json.dumps({"calendar": {"id": calendar}, "title": f"{label} #{i}"}).encode()
        head = (
            f"PATCH /unified/calendar/events/{quote(str(event_id), safe='')}"
            f"?integrated_account_id={ACCOUNT} HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return asyncio.run(_raw(url, requests, concurrency))


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
    cpu: list[float] = []
    floor: list[float] = []
    kept: list[float] = []
    fresh: list[float] = []
    with sandbox_process(server_args) as url:
        rows = read_rows(url, ACCOUNT, n, ["id", "calendar.id"])
        loop_rows = rows.iloc[: args.loop_rows]
        # Interleaved, so that load from other processes hits every variant alike.
        for run in range(args.runs):
            wall, seconds = engine_run(url, rows, c, f"engine {run}")
            engine.append(wall)
            cpu.append(seconds)
            floor.append(floor_run(url, rows, c, f"floor {run}"))
            kept.append(loop_run(url, loop_rows, keep_alive=True, label=f"keep-alive {run}"))
            fresh.append(loop_run(url, loop_rows, keep_alive=False, label=f"new-conn {run}"))

    wall = median(engine)
    m = args.loop_rows
    kept_row, fresh_row = median(kept) / m, median(fresh) / m
    print(f"   ideal ceil(N/C) x latency = ceil({n}/{c}) x {latency} s = {ideal:.3f} s")
    print(f"   engine wall (sending {n} rows):   {spread(engine)}")
    print(f"   engine throughput:                 {n / wall:.1f} rows/s")
    print(
        f"   floor (raw sockets, pre-built):    {spread(floor)}: efficiency "
        f"{ideal / median(floor):.3f}; the engine takes {wall / median(floor):.2f}x the floor"
    )
    print(
        f"   client CPU while sending:          {median(cpu):.3f} s "
        f"({median(cpu) / n * 1000:.2f} ms per request; the rest of the wall is waiting)"
    )
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
