"""Re-planning benchmark: what `replan:` adds to a solve, and `frontier --tranches` on the baseline.

For each case it alternates REPS solves of the plain scenario and of the re-plan (in this
process, `planner.api.solve`), and prints the median solver time of both stages (primary +
tie-break: `timings["solve"]`) and of build, for each, and the ratio. The re-plan's incumbent is
the scenario's own optimum (last quarter's plan); the budget is then cut to 85 % (both the plain
solve and the re-plan are at the cut budget), and the re-plan allows `max_changes`, half of them
drops, and charges `drop_cost {diplomatic_capacity: 1}` per dropped option. The
clean-sheet solve a re-plan also runs (for the price of stability) is timed apart
(`clean_sheet`): it is the plain solve again.

- `baseline`:  models/baseline.yaml (161 options);
- `n5000`:     `planner generate --options 5000 --seed 1` (written to a temporary folder).

Then `run_tranches` with 5 tranches on the baseline budget (1500, 2500, 3500, 4200, 4800),
joint and greedy, wall seconds (target: < 10 s).

    python benchmarks/bench_replan.py               # 5 repetitions
    python benchmarks/bench_replan.py --reps 3 --skip-large
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def replan_overrides(path: str, budget: float, max_changes: int) -> list[str]:
    from planner.api import load_scenario, solve

    last = solve(load_scenario(path))
    ids = ",".join(last.selected)
    return [
        f"replan.incumbent=[{ids}]",
        f"replan.max_changes={max_changes}",
        f"replan.max_dropped={max_changes // 2}",
        "replan.drop_cost={diplomatic_capacity: 1}",
    ]


def bench(label: str, path: str, reps: int, max_changes: int) -> None:
    from planner.api import load_scenario, solve

    base = load_scenario(path)
    budget = float(base.config.limits["budget_musd"])
    extra = replan_overrides(path, budget, max_changes)
    cut = [f"limits.budget_musd={budget * 0.85}"]
    times = {"plain": [], "replan": []}
    builds = {"plain": [], "replan": []}
    clean = []
    for _ in range(reps):
        for kind, overrides in (("plain", cut), ("replan", cut + extra)):
            result = solve(load_scenario(path, overrides))
            times[kind].append(result.timings.solve or 0.0)
            builds[kind].append(result.timings.build or 0.0)
            if kind == "replan":
                clean.append(result.timings.clean_sheet or 0.0)
                changes = result.change_counts()
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"{label}: {len(base.options)} options; budget cut to 85 %; re-plan {result.status} {changes} "
        f"(max_changes {max_changes})"
    )
    print(
        f"  solve (both stages), median of {reps}: plain {med['plain']:.3f} s, re-plan {med['replan']:.3f} s "
        f"(x{med['replan'] / med['plain']:.2f}); build plain {statistics.median(builds['plain']):.3f} s, "
        f"re-plan {statistics.median(builds['replan']):.3f} s; clean-sheet solve {statistics.median(clean):.3f} s"
    )


def tranches() -> None:
    from planner.api import load_scenario
    from planner.sensitivity.tranches import TranchesOptions, run_tranches

    sc = load_scenario(ROOT / "models" / "baseline.yaml")
    for mode in ("joint", "greedy"):
        t0 = time.perf_counter()
        out = run_tranches(sc, TranchesOptions("budget_musd", (1500, 2500, 3500, 4200, 4800), mode))
        s = out.summary
        print(
            f"tranches ({mode}, 5 tranches on the baseline): {time.perf_counter() - t0:.2f} s wall; "
            f"objective sum {s['objective_sum']} vs unconstrained {s['unconstrained_sum']}; exact {s['exact']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--skip-large", action="store_true", help="baseline and tranches only")
    args = parser.parse_args()
    bench("baseline", str(ROOT / "models" / "baseline.yaml"), args.reps, 10)
    if not args.skip_large:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "planner",
                    "generate",
                    tmp,
                    "--options",
                    "5000",
                    "--seed",
                    "1",
                    "--name",
                    "n5000",
                ],
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
            bench("n5000", str(Path(tmp) / "models" / "n5000.yaml"), args.reps, 100)
    tranches()


if __name__ == "__main__":
    main()
