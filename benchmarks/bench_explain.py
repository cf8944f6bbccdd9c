"""Time `planner explain` / `value` / `diagnose` on the shipped baseline; prints figures, asserts nothing.

python benchmarks/bench_explain.py            # 20 options: the first 10 selected, the first 10 not
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.analysis.diagnose import diagnose  # noqa: E402
from planner.analysis.explain import explain  # noqa: E402
from planner.analysis.value import value_bounds  # noqa: E402
from planner.analysis.workbench import Workbench  # noqa: E402
from planner.api import load_scenario, solve  # noqa: E402


def main() -> None:
    path = ROOT / "models" / "baseline.yaml"
    sc = load_scenario(path)
    chosen = solve(sc).selected
    ids = list(chosen[:10]) + [o for o in sc.options.index if o not in chosen][:10]
    print(f"machine load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for entry in (False, True):
        t0, c0 = time.perf_counter(), time.process_time()
        wb = Workbench(sc)
        explain(sc, ids, entry=entry, workbench=wb)
        label = "with thresholds" if entry else "--no-thresholds"
        print(
            f"explain 20 options ({label}): {time.perf_counter() - t0:.1f} s wall, "
            f"{time.process_time() - c0:.1f} s CPU, {wb.solves} solves"
        )
    t0 = time.perf_counter()
    wb = Workbench(sc)
    r = value_bounds(sc, workbench=wb)
    print(f"value ({len(r.bounds)} bounds): {time.perf_counter() - t0:.1f} s, {wb.solves} solves")
    t0 = time.perf_counter()
    bad = load_scenario(path, ["limits.budget_musd=500"])
    wb = Workbench(bad)
    d = diagnose(bad, workbench=wb)
    print(
        f"diagnose (budget 500): {time.perf_counter() - t0:.1f} s, {wb.solves} solves, "
        f"{len(d.alternatives)} alternatives"
    )


if __name__ == "__main__":
    main()
