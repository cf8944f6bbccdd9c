"""Start-up and the shipped baseline: how long the everyday commands take, end to end.

Measures, each in fresh processes (REPS times, min/median/max):
- `planner --help` wall time;
- `planner validate models/baseline.yaml` wall time;
- `planner solve models/baseline.yaml --json --out DIR` wall time and its stage split;
and prints the ten slowest imports (`python -X importtime`, cumulative) of `planner --help`
and of `planner solve --json`. Run on demand:

    python benchmarks/bench_startup.py [--reps 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
PLANNER = [sys.executable, "-m", "planner"]


def timed(args: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=ENV)
    return time.perf_counter() - t0, out.stdout


def three(values: list[float], scale: float = 1000.0, unit: str = "ms") -> str:
    v = [x * scale for x in values]
    return f"{statistics.median(v):.0f} {unit} ({min(v):.0f}–{max(v):.0f})"


def top_imports(args: list[str], n: int = 10) -> list[tuple[int, str]]:
    err = subprocess.run(
        [sys.executable, "-X", "importtime", *args], capture_output=True, text=True, cwd=ROOT, env=ENV
    ).stderr
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    return sorted(rows, reverse=True)[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args()
    print(
        f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; {os.cpu_count()} cores; "
        f"python {sys.version.split()[0]}; median (min–max) of {args.reps} fresh processes\n"
    )
    help_t = [timed([*PLANNER, "--help"])[0] for _ in range(args.reps)]
    val_t = [timed([*PLANNER, "validate", "models/baseline.yaml"])[0] for _ in range(args.reps)]
    solves, stages = [], []
    out = Path(tempfile.mkdtemp(prefix="bench_startup_"))
    for i in range(args.reps):
        wall, text = timed([*PLANNER, "solve", "models/baseline.yaml", "--json", "--out", str(out / f"r{i}")])
        solves.append(wall)
        stages.append(json.loads(text))
    print("| command | wall |\n|---|---|")
    print(f"| `planner --help` | {three(help_t)} |")
    print(f"| `planner validate models/baseline.yaml` | {three(val_t)} |")
    print(f"| `planner solve models/baseline.yaml --json` | {three(solves)} |")
    keys = list(dict.fromkeys(k for s in stages for k in s["timings_seconds"]))
    print("\nStage split of the baseline solve (ms):\n")
    print("| " + " | ".join(keys) + " | primary stage | tie-break stage | startup (rest) |")
    print("|" + "---|" * (len(keys) + 3))
    cols = [three([s["timings_seconds"].get(k, 0.0) for s in stages]) for k in keys]
    for name in ("primary", "tie_break"):
        cols.append(
            three([sum(st["seconds"] for st in s.get("stages", []) if st.get("stage") == name) for s in stages])
        )
    cols.append(three([w - sum(s["timings_seconds"].values()) for w, s in zip(solves, stages)]))
    print("| " + " | ".join(cols) + " |")
    for label, cmd in (
        ("planner --help", ["-m", "planner", "--help"]),
        (
            "planner solve --json",
            ["-m", "planner", "solve", "models/baseline.yaml", "--json", "--out", str(out / "imports")],
        ),
    ):
        print(f"\nSlowest imports of `{label}` (cumulative µs, one run):\n")
        for us, name in top_imports(cmd):
            print(f"    {us:>8}  {name}")
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
