"""Side by side: no-baseline planning in two checkouts, on one machine, in one run.

On a shared machine the load moves wall times 2-5x from one minute to the next, so two
figures taken apart say little. This runs the client-cost measurement (``client_cost.py``'s
frame, ``df.truto.update_events(...)`` against ``to_dict("records")`` + ``json.dumps``) in
two source trees, each in its own process, old and new alternating so that load hits both, and
prints medians of wall and CPU time (``time.process_time``, less moved by load) and the ratio
new / old.

Run: ``python benchmarks/side_by_side.py OLD_TREE NEW_TREE`` (e.g. a ``git worktree`` of an
older commit and this checkout; options: ``--help``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

# One process per tree and round: this checkout's client_cost.py (loaded by path) builds the
# frame, the same for both trees; truto_frame is imported from the tree on PYTHONPATH.
CHILD = """
import gc, importlib.util, json, sys, time
import truto_frame  # first, from PYTHONPATH: client_cost.py puts its own checkout on sys.path
spec = importlib.util.spec_from_file_location("client_cost", sys.argv[3])
cost = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cost)
plan_rows, serialise_rows = cost.plan_rows, cost.serialise_rows
frame = cost.make_frame(int(sys.argv[1]))
out = {"tree": truto_frame.__file__, "plan": [], "plan_cpu": [], "base": [], "base_cpu": []}
for _ in range(int(sys.argv[2])):
    for key, func in (("plan", plan_rows), ("base", serialise_rows)):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        func(frame)
        out[key].append(time.perf_counter() - wall)
        out[key + "_cpu"].append(time.process_time() - cpu)
print(json.dumps(out))
"""


def run_tree(tree: Path, rows: int, runs: int) -> dict[str, list[float]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(rows),
            str(runs),
            str(HERE / "benchmarks/client_cost.py"),
        ],
        env=env,
        cwd=tree,  # `python -c` puts the working directory first on sys.path
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    if not str(result.pop("tree")).startswith(str(tree.resolve())):
        raise SystemExit(f"truto_frame was not imported from {tree}")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="source tree of the older commit")
    parser.add_argument("new", type=Path, help="source tree of the newer commit")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="old/new alternations")
    parser.add_argument("--runs", type=int, default=2, help="plans per process")
    args = parser.parse_args(argv)

    figures: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    loads = []
    for _ in range(args.rounds):
        for name in ("old", "new"):
            loads.append(os.getloadavg()[0])
            result = run_tree(getattr(args, name), args.rows, args.runs)
            for key in ("plan", "plan_cpu", "base", "base_cpu"):
                figures[name].setdefault(key, []).extend(result[key])
    med = {n: {k: statistics.median(v) for k, v in f.items()} for n, f in figures.items()}
    # Both trees serialise the same frame with the same pandas: pool their baselines.
    base = statistics.median(figures["old"]["base"] + figures["new"]["base"])
    base_cpu = statistics.median(figures["old"]["base_cpu"] + figures["new"]["base_cpu"])
    print(f"{args.rows:,} rows, {args.rounds} rounds x {args.runs} runs per tree")
    print(f"load average (1 min) {min(loads):.1f} - {max(loads):.1f}")
    for name in ("old", "new"):
        m = med[name]
        print(
            f"{name}: plan {m['plan']:.2f} s wall ({m['plan'] / base:.2f}x serialise), "
            f"{m['plan_cpu']:.2f} s CPU ({m['plan_cpu'] / base_cpu:.2f}x)"
        )
    print(f"serialise (both trees): {base:.2f} s wall, {base_cpu:.2f} s CPU")
    print(
        f"new / old planning: {med['new']['plan'] / med['old']['plan']:.3f} wall, "
        f"{med['new']['plan_cpu'] / med['old']['plan_cpu']:.3f} CPU"
    )


if __name__ == "__main__":
    main()
