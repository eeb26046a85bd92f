"""Run every benchmark, one after another, each in its own process: ``python -m benchmarks``.

Pass names to run only some (``python -m benchmarks quota_bound``). Each benchmark prints its
figures and PASS/FAIL per bar; this runner prints one summary line per benchmark at the end and
exits 0 either way (benchmarks inform, tests assert).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("latency_bound", "quota_bound", "client_cost", "baseline_planning")


def main(argv: list[str] | None = None) -> int:
    names = list(argv if argv is not None else sys.argv[1:]) or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    verdicts: list[str] = []
    for name in names:
        start = time.perf_counter()
        # A process each: a clean heap for the memory figures, no shared event loop or pools.
        done = subprocess.run(
            [sys.executable, str(HERE / f"{name}.py")], capture_output=True, text=True
        )
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
        lines = [line for line in done.stdout.splitlines() if line.startswith("==")]
        last = lines[-1].strip("= ") if lines else f"crashed (exit code {done.returncode})"
        verdicts.append(f"{name}: {last} [{time.perf_counter() - start:.0f} s]")
        print(flush=True)
    print("== summary")
    for verdict in verdicts:
        print(f"   {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
