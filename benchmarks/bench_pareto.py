"""Pareto benchmark: `planner.pareto.pareto` on public knapsack instances, the shipped
baseline, and generated scenarios of growing size.

Cases (each run once, in this process; wall seconds, points, lexicographic and MILP solves):

- knapsack `2kp50`, `2kp100` (pyaugmecon's bi-objective instances, tests/data/pareto):
  the front is compared with the published non-dominated set;
- `--three`: also `3kp40` (three objectives, 389 points; long);
- baseline `coverage,risk` and `sector:ai,sector:semis` (models/baseline.yaml);
- growth: `coverage,risk` on `planner generate` scenarios of N options (--sizes), with a
  total time limit (--limit), so the table shows how far each gets.

`--threads 1` sets solver.threads (HiGHS's own parallelism hurts on a loaded machine).

    python benchmarks/bench_pareto.py                      # knapsacks + baseline
    python benchmarks/bench_pareto.py --sizes 100,200,400 --limit 120
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def _threads(sc, threads):
    if threads is None:
        return sc
    solver = sc.config.solver.model_copy(update={"threads": threads})
    return sc.with_config(sc.config.model_copy(update={"solver": solver}))


def run(label, sc, specs, limit=None, expected=None, threads=None):
    from planner.pareto import ParetoOptions, pareto

    t0 = time.perf_counter()
    r = pareto(_threads(sc, threads), ParetoOptions(tuple(specs), time_limit_s=limit))
    wall = time.perf_counter() - t0
    match = ""
    if expected is not None:
        got = sorted(tuple(round(v) for v in p.values.values()) for p in r.points)
        match = "yes" if got == sorted(expected) else f"NO ({len(got)} vs {len(expected)})"
    supported = sum(1 for p in r.points if p.supported)
    print(
        f"| {label} | {len(sc.options)} | {len(r.points)} | {supported if len(specs) == 2 else '–'} | {r.lexmax} | "
        f"{r.solves} | {wall:.1f} | {'yes' if r.complete else 'no (' + str(r.stop) + ')'} | {match} |",
        flush=True,
    )


def main() -> None:
    from pareto_instances import knapsack_scenario

    from planner.api import load_scenario
    from planner.pareto import Kind, ObjectiveSpec

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--three", action="store_true", help="also 3kp40 (three objectives)")
    ap.add_argument("--sizes", default="", help="generated scenarios of these option counts, e.g. 100,200,400")
    ap.add_argument("--limit", type=float, default=120.0, help="total time limit per generated case (s)")
    ap.add_argument("--threads", type=int, default=None, help="solver.threads for every case")
    ap.add_argument("--baseline-limit", type=float, default=None, help="total time limit per baseline case (s)")
    ap.add_argument("--skip", default="", help="comma-separated case names to skip: knapsack, baseline")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    print(
        "| case | options | points | supported | lexicographic solves | MILP solves | seconds | complete | matches published |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    if "knapsack" not in skip:
        for name in ["2kp50", "2kp100"] + (["3kp40"] if args.three else []):
            sc, front = knapsack_scenario(name)
            specs = [ObjectiveSpec(Kind.SECTOR, f"p{k + 1}") for k in range(len(front[0]))]
            run(name, sc, specs, expected=front, threads=args.threads)
    if "baseline" not in skip:
        base = load_scenario(ROOT / "models" / "baseline.yaml")
        for specs in (
            [ObjectiveSpec(Kind.COVERAGE), ObjectiveSpec(Kind.RISK)],
            [ObjectiveSpec(Kind.SECTOR, "ai"), ObjectiveSpec(Kind.SECTOR, "semis")],
            [ObjectiveSpec(Kind.COVERAGE), ObjectiveSpec(Kind.PARTNERS)],
        ):
            run(
                "baseline " + ",".join(s.label for s in specs),
                base,
                specs,
                limit=args.baseline_limit,
                threads=args.threads,
            )
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if sizes:
        from planner.inputs.generate import generate

        with tempfile.TemporaryDirectory() as tmp:
            for n in sizes:
                made = generate(tmp, n, seed=0)
                sc = load_scenario(made.scenario_file)
                run(
                    f"generated {n} coverage,risk",
                    sc,
                    [ObjectiveSpec(Kind.COVERAGE), ObjectiveSpec(Kind.RISK)],
                    limit=args.limit,
                    threads=args.threads,
                )


if __name__ == "__main__":
    main()
