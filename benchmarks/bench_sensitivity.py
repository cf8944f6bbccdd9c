"""Sensitivity benchmark: `planner sweep` and `planner montecarlo` throughput against a raw
HiGHS loop that shares no code with the tool.

In one run, on one generated scenario (`planner generate --options N --seed S`; budget
points evenly spread over 0.5–1.5 × its budget limit; the scenario's mip_gap, 1e-4):

1. reference — a fresh `python` process with plain highspy and nothing of planner: it
   reads the MPS file the tool writes (`planner solve --write-model`), and per point changes
   the budget row's upper bound in place and runs HiGHS (1 thread, one solve per point);
   once as is (HiGHS keeps the previous point's solution) and once with `clearSolver()`
   before each run, as the tool does; ratios are against the faster of the two;
2. `planner sweep --workers 1` and `--workers 2` (default settings: no MIP starts, one
   point per task), as separate processes, wall time including start-up, journals, the
   tie-break stage and every figure recomputed;
3. optionally the same with `--warm-start` (MIP starts from the neighbouring point);
4. the tie-break stage's cost per point, from an in-process sweep's per-stage times;
5. optionally a Monte Carlo on the same scenario, 1 and 2 workers, against the reference
   solving the same number of unperturbed points (`--mc-samples`).

The parts are run in rounds (reference, 1 worker, 2 workers, …, then again), so that load
drift hits all alike; the table gives each part's best and median round. Every sweep's
objectives are checked against the reference within the MIP gap. Run on demand:

    python benchmarks/bench_sensitivity.py                        # 1,000 options, 41 points, 2 rounds
    python benchmarks/bench_sensitivity.py --options 300 --points 21 --rounds 1   # quick look
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The reference: plain highspy on the tool's MPS file. It shares no code with the tool.
REFERENCE = r"""
import json, sys, time
import highspy
path, row_name, gap, budgets, cold = sys.argv[1], sys.argv[2], float(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5] == "cold"
t0 = time.perf_counter()
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.setOptionValue("threads", 1)
h.setOptionValue("mip_rel_gap", gap)
h.readModel(path)
lp = h.getLp()
row = list(lp.row_names_).index(row_name)
lower = lp.row_lower_[row]
out = []
for b in budgets:
    h.changeRowBounds(row, lower, b)
    if cold:
        h.clearSolver()  # forget the previous point's solution, as the tool does
    h.run()
    out.append(h.getInfo().objective_function_value)
print(json.dumps({"seconds": time.perf_counter() - t0, "objectives": out}))
"""


def run(args: list[str], cwd: Path) -> float:
    """Wall seconds of a child process (fails loudly if it fails)."""
    t0 = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if proc.returncode not in (0, 4):
        raise SystemExit(f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return time.perf_counter() - t0


def reference(mps: Path, budgets: list[float], gap: float, cwd: Path, mode: str) -> tuple[float, list[float]]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", REFERENCE, str(mps), "limit_budget_musd", str(gap), json.dumps(budgets), mode],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - t0
    data = json.loads(proc.stdout.strip().splitlines()[-1])  # HiGHS prints its banner first
    return wall, data["objectives"]  # the MPS states OBJSENSE MAX, which HiGHS honours


def sweep_objectives(folder: Path) -> list[float]:
    with (folder / "sweep.csv").open(newline="", encoding="utf-8") as fh:
        return [float(r["objective"]) for r in csv.DictReader(fh)]


def differing(ref: list[float], got: list[float], gap: float) -> int:
    tol = 1.01 * max(gap, 1e-7)
    return sum(1 for a, b in zip(ref, got) if abs(a - b) > tol * max(1.0, abs(a)))


def tie_break_cost(scenario_file: Path, budgets: list[float]) -> tuple[float, float]:
    """(primary, tie-break) stage seconds summed over the points of an in-process sweep."""
    sys.path.insert(0, str(ROOT))
    from planner.api import load_scenario
    from planner.sensitivity.engine import Engine
    from planner.sensitivity.points import raw_inputs

    base = load_scenario(scenario_file)
    engine = Engine(raw_inputs(base), base=base)
    primary = tie = 0.0
    for b in budgets:
        scenario, changes = engine.scenario([("limits.budget_musd", b)])
        result = engine.solve(scenario, changes)
        for stage in result.stages:
            if stage.stage == "primary":
                primary += stage.seconds
            else:
                tie += stage.seconds
    return primary, tie


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--options", type=int, default=1000)
    ap.add_argument("--points", type=int, default=41)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--warm", action="store_true", help="also run sweeps with --warm-start")
    ap.add_argument("--mc-samples", type=int, default=0, help="also a Monte Carlo of this many samples")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-sens-"))
    planner = [sys.executable, "-m", "planner"]
    run([*planner, "generate", str(tmp / "gen"), "--options", str(args.options), "--seed", str(args.seed)], tmp)
    scenario = next((tmp / "gen" / "models").glob("*.yaml"))
    mps = tmp / "model.mps"
    run([*planner, "solve", str(scenario), "--write-model", str(mps), "--out", str(tmp / "solve"), "--json"], tmp)
    summary = json.loads((tmp / "solve" / "summary.json").read_text())
    top = summary["resources"]["budget_musd"]["limit"]
    gap = json.loads((tmp / "solve" / "scenario.json").read_text())["solver"]["mip_gap"]
    n = args.points
    budgets = [round(0.5 * top + i * top / (n - 1), 2) for i in range(n)]
    vary = "limits.budget_musd=" + ",".join(f"{b:g}" for b in budgets)
    print(
        f"scenario: {scenario.name} ({args.options} options, mip_gap {gap}); {n} budget points "
        f"{budgets[0]:g}–{budgets[-1]:g}; {args.rounds} rounds; cores: {os.cpu_count()}\n"
    )

    parts: dict[str, list[float]] = {}
    notes: list[str] = []
    ref_objectives: list[float] = []
    for r in range(args.rounds):
        wall, ref_objectives = reference(mps, budgets, gap, tmp, "warm")
        parts.setdefault("reference: plain highspy loop on the MPS (1 process, 1 thread)", []).append(wall)
        wall, _ = reference(mps, budgets, gap, tmp, "cold")
        parts.setdefault("reference, clearSolver() before each point", []).append(wall)
        variants = [("sweep --workers 1", ["--workers", "1"]), ("sweep --workers 2", ["--workers", "2"])]
        if args.warm:
            variants += [
                ("sweep --workers 1 --warm-start", ["--workers", "1", "--warm-start"]),
                ("sweep --workers 2 --warm-start", ["--workers", "2", "--warm-start"]),
            ]
        for name, extra in variants:
            out = tmp / f"sweep-{r}-{len(parts)}-{extra[1]}{len(extra)}"
            parts.setdefault(f"planner {name}", []).append(
                run([*planner, "sweep", str(scenario), "--vary", vary, *extra, "--out", str(out), "--json"], tmp)
            )
            bad = differing(ref_objectives, sweep_objectives(out), gap)
            if r == 0:
                notes.append(f"planner {name}: {bad} of {n} objectives differ from the reference by more than the gap")
        if args.mc_samples:
            for w in ("1", "2"):
                out = tmp / f"mc-{r}-{w}"
                parts.setdefault(f"planner montecarlo --samples {args.mc_samples} --workers {w}", []).append(
                    run(
                        [
                            *planner,
                            "montecarlo",
                            str(scenario),
                            "--samples",
                            str(args.mc_samples),
                            "--seed",
                            "7",
                            "--perturb",
                            "contributions.amount=uniform:0.9:1.1",
                            "--workers",
                            w,
                            "--out",
                            str(out),
                            "--json",
                        ],
                        tmp,
                    )
                )
    # the faster of the two references (so the ratios are never flattered by a slow one)
    ref_best = min(min(times) for name, times in parts.items() if name.startswith("reference"))
    print("| run | best s | median s | points/s (best) | throughput × the faster reference |")
    print("|---|---:|---:|---:|---:|")
    for name, times in parts.items():
        count = args.mc_samples if "montecarlo" in name else n
        best = min(times)
        ratio = (count / best) / (n / ref_best)
        print(f"| {name} | {best:.2f} | {statistics.median(times):.2f} | {count / best:.2f} | {ratio:.2f} |")
    print()
    for note in notes:
        print("-", note)
    try:
        primary, tie = tie_break_cost(scenario, budgets)
    except ImportError:  # an older tree without these modules (before/after comparisons)
        primary = tie = None
    if tie is not None:
        print(
            f"- tie-break stage (in-process sweep, 1 worker): {tie:.3f} s over {n} points "
            f"({1000 * tie / n:.1f} ms per point; {100 * tie / max(primary, 1e-9):.1f} % of the primary stage's "
            f"{primary:.2f} s)"
        )
    print(f"\n(outputs under {tmp})")


if __name__ == "__main__":
    main()
