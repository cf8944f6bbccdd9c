"""Rules benchmark: what switching on every rule family costs in model building.

Builds the PuLP model (`planner.model.assemble.build`, rules included) of the shipped baseline
data REPS times for each case, in this process, after one warm-up build (the scenario's
caches are cleared before each timed build, as a run builds once), and prints
min / median build seconds, variables and rows:

- `no rules`:    models/baseline.yaml with the partners' max_options column ignored
                 (`rules.max_options.use_column=false`), so no rule family is on;
- `baseline`:    models/baseline.yaml as shipped (max_options from partners.csv);
- `all but phasing`: models/all-rules.yaml without its phasing (12 families; same variables);
- `all rules`:   models/all-rules.yaml (every family; phasing adds a start-year binary per
                 option and year, 4 × 161 here, so the model itself is ~4.5 × larger).

The target is all rules ≤ 2 × no rules. Optionally (--solve) also solves each case once.

    python benchmarks/bench_rules.py              # 15 repetitions
    python benchmarks/bench_rules.py --reps 5 --solve
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = [
    ("no rules", "models/baseline.yaml", ["rules.max_options.use_column=false"]),
    ("baseline", "models/baseline.yaml", []),
    ("all but phasing", "models/all-rules.yaml", ["rules.phasing=null"]),
    ("all rules", "models/all-rules.yaml", []),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15, help="timed builds per case (≥ 5 recommended)")
    parser.add_argument("--solve", action="store_true", help="also solve each case once and print the solve time")
    args = parser.parse_args()

    from planner.api import load_scenario
    from planner.model.assemble import build
    from planner.model.rules import active_rules
    from planner.solver import solve_model

    rows = []
    for label, path, overrides in CASES:
        sc = load_scenario(ROOT / path, overrides)
        build(sc)  # warm-up: imports, caches
        times = []
        for _ in range(args.reps):
            sc = load_scenario(ROOT / path, overrides)  # as in a real run, which builds once: nothing precomputed
            t0 = time.perf_counter()
            model = build(sc)
            times.append(time.perf_counter() - t0)
        solve_s = None
        if args.solve:
            t0 = time.perf_counter()
            solve_model(model)
            solve_s = time.perf_counter() - t0
        rows.append(
            (
                label,
                min(times),
                statistics.median(times),
                len(model.prob.variables()),
                len(model.prob.constraints()),
                len(active_rules(sc)),
                solve_s,
            )
        )

    base = rows[0][2]
    print(f"Build time of the baseline data, {args.reps} runs each (seconds)\n")
    print(
        "| case | families on | variables | rows | build min | build median | median / no rules |"
        + (" solve |" if args.solve else "")
    )
    print("|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if args.solve else ""))
    for label, lo, med, nvar, nrow, nfam, solve_s in rows:
        extra = f" {solve_s:.2f} |" if args.solve else ""
        print(f"| {label} | {nfam} | {nvar} | {nrow} | {lo:.4f} | {med:.4f} | {med / base:.2f}× |{extra}")


if __name__ == "__main__":
    main()
