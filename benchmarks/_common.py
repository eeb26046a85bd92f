"""Shared helpers of the benchmarks: the sandbox process, medians, bars and printing."""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pandas as pd

import truto_frame
from truto_frame.sandbox import DEFAULT_TOKEN, running_server_process

TOKEN = DEFAULT_TOKEN
RUNS = 3
WIDE_WINDOW = {"start_time": "2000-01-01T00:00:00Z", "end_time": "2100-01-01T00:00:00Z"}


def median(values: Sequence[float]) -> float:
    """The median of the measured values."""
    return float(statistics.median(values))


def spread(values: Sequence[float], unit: str = "s", digits: int = 3) -> str:
    """``median (min..max, n runs)`` for printing."""
    return (
        f"{median(values):.{digits}f} {unit} (min {min(values):.{digits}f}, "
        f"max {max(values):.{digits}f}, {len(values)} runs)"
    )


def title(text: str) -> None:
    """Print a benchmark's heading and the machine it runs on."""
    print(f"== {text}")
    print(
        f"   python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"truto-frame {truto_frame.__version__}, "
        f"pandas {pd.__version__}, httpx {httpx.__version__}"
    )


def check(label: str, value: float, bar: float, *, at_least: bool, fmt: str = ".3f") -> bool:
    """Print one bar with its verdict; return whether it passed."""
    passed = value >= bar if at_least else value <= bar
    sign = ">=" if at_least else "<="
    verdict = "PASS" if passed else "FAIL"
    print(f"   [{verdict}] {label}: {value:{fmt}} (bar {sign} {bar:{fmt}})")
    return passed


def summary(results: Sequence[bool]) -> None:
    """Print the overall verdict line (the exit code stays 0 either way)."""
    passed = sum(results)
    note = "" if passed == len(results) else " (see FAIL)"
    print(f"== {passed}/{len(results)} bars passed{note}")
    sys.stdout.flush()


@contextlib.contextmanager
def sandbox_process(args: Sequence[str]) -> Iterator[str]:
    """The sandbox under uvicorn in its own process; yields its base URL."""
    with running_server_process(list(args)) as url:
        yield url


def admin(url: str, action: str) -> Any:
    """Call the sandbox's admin surface (``stats`` is a GET, ``reset`` a POST)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    method = "GET" if action == "stats" else "POST"
    response = httpx.request(method, f"{url}/_sandbox/{action}", headers=headers, timeout=30)
    response.raise_for_status()
    return response.json()


def read_rows(url: str, account: str, rows: int, columns: Sequence[str]) -> pd.DataFrame:
    """The first ``rows`` events of ``account``, as the flat columns an analyst would edit."""
    frame = truto_frame.read_events(
        account, token=TOKEN, base_url=url, page_size=1000, **WIDE_WINDOW
    )
    if len(frame) < rows:
        raise SystemExit(f"the sandbox has only {len(frame)} events for {account}, need {rows}")
    picked = frame.iloc[:rows][list(columns)].reset_index(drop=True)
    # Forget the read: these runs measure plain PATCHes of a typed frame. A frame that keeps
    # its read snapshot is diffed against it, and Google rows then re-read before writing
    # (the quota benchmark measures that case on its own, with baseline=).
    picked.attrs = {}
    return picked
