"""Sensitivity benchmark: sweep throughput against a raw-HiGHS loop, rebuilding per point,
two workers, the exact frontier, and a Monte Carlo on the shipped baseline.

In one run, on one generated scenario (`planner generate --options N --seed S`; budget
points evenly spread over 0.5–1.5 × its budget limit):

1. raw loop — the reference: arrays built once (`compile_model(build(...))`), one
   `HighsSession`; per point `set_row_bounds("limit_budget_musd")` and the same two-stage
   `solve` as `planner solve`. Nothing else: no scenario, no evaluation, no records.
2. sweep, 1 worker — `run_sweep` in this process (in-place re-solve, neighbour MIP starts,
   figures recomputed, journal written): the tool as an analyst runs it; and the same with
   `warm_start=False` (no MIP starts).
3. rebuild per point — the same points, each built and compiled from its scenario
   (`Engine.solve(scenario, None)`), solved the same way.
4. sweep, 2 workers — `run_sweep(workers=2)`: spawned processes, wall time including start-up.
5. frontier over the same budget range — solves next to breakpoints (`--frontier-max-solves`
   caps the walk; the figures then cover the top of the range only, and say so).
6. Monte Carlo on models/baseline.yaml — contributions ×U(0.7, 1.3), budget costs
   ×Tri(0.8, 1, 1.5), gap weights ×U(0.8, 1.2), with 2 workers.

Every point of 2–4 is checked against the raw loop's objective. Run on demand:

    python benchmarks/bench_sensitivity.py                                  # 1,000 options, 200 points
    python benchmarks/bench_sensitivity.py --options 300 --points 40 --mc-samples 100   # quick look
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.model.assemble import build# noqa: E402
from planner.inputs.generate import generate  # noqa: E402
from planner.api import load_scenario  # noqa: E402
from planner.inputs.read import load_raw  # noqa: E402
from planner.sensitivity.grid import Vary  # noqa: E402
from planner.sensitivity.perturb import parse_flag  # noqa: E402
from planner.sensitivity.engine import Engine  # noqa: E402
from planner.sensitivity.frontier import run_frontier  # noqa: E402
from planner.sensitivity.montecarlo import run_montecarlo  # noqa: E402
from planner.sensitivity.sweep import run_sweep  # noqa: E402
from planner.solver.highs import HighsSession
from planner.model.compile import compile_model# noqa: E402

MC_PERTURB = ["contributions.amount=uniform:0.7:1.3", "options.budget_musd=triangular:0.8:1:1.5",
              "gaps.weight=uniform:0.8:1.2"]


def raw_loop(raw, budgets: list[float]) -> tuple[float, list[float]]:
    """The reference: one compiled model, change the row bound, re-run. Returns (seconds, objectives)."""
    engine = Engine(raw)  # only to get the validated base scenario the same way
    base = engine.base
    cfg = base.config.solver
    t0 = time.perf_counter()
    session = HighsSession(compile_model(build(base)), cfg.threads)
    objectives = []
    for b in budgets:
        session.set_row_bounds("limit_budget_musd", -np.inf, b)
        outcome = session.solve(cfg.time_limit_s, cfg.mip_gap, cfg.tie_break)
        objectives.append(outcome.objective_solver)
    return time.perf_counter() - t0, objectives


def rebuild_loop(raw, budgets: list[float]) -> tuple[float, list[float]]:
    engine = Engine(raw)
    t0 = time.perf_counter()
    objectives = []
    for b in budgets:
        scenario, _ = engine.scenario([("limits.budget_musd", b)])
        objectives.append(engine.solve(scenario, None).objective)
    return time.perf_counter() - t0, objectives


def compare(name: str, reference: list[float], got: list[float], tol: float) -> str:
    bad = sum(1 for a, b in zip(reference, got) if a is None or b is None or abs(a - b) > tol * max(1.0, abs(a)))
    return f"{name}: {bad} of {len(reference)} points differ from the raw loop by more than the MIP gap"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--options", type=int, default=1000)
    ap.add_argument("--points", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--frontier-max-solves", type=int, default=None)
    ap.add_argument("--mc-samples", type=int, default=1000, help="0 skips the Monte Carlo")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: raw,sweep1,cold,rebuild,sweep2,frontier")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    tmp = Path(tempfile.mkdtemp(prefix="bench-sens-"))
    gen = generate(tmp / "scenario", options=args.options, seed=args.seed)
    raw = load_raw(gen.scenario_file)
    top = gen.limits["budget_musd"]
    budgets = [round(float(b), 2) for b in np.linspace(0.5 * top, 1.5 * top, args.points)]
    vary = [Vary("limits.budget_musd", budgets)]
    scenario = load_scenario(gen.scenario_file)
    gap = raw.config.solver.mip_gap
    tol = max(gap, 1e-7) * 1.01
    print(f"scenario: {gen.scenario_file.name} ({args.options} options, mip_gap {gap}); "
          f"{args.points} budget points {budgets[0]:g}–{budgets[-1]:g}\n")
    rows, notes = [], []

    if "raw" not in skip:
        t_raw, ref = raw_loop(raw, budgets)
        rows.append(("raw HiGHS loop (reference)", len(budgets), t_raw))
    else:
        t_raw, ref = None, None
    if "sweep1" not in skip:
        t0 = time.perf_counter()
        out = run_sweep(scenario, vary, out_dir=tmp / "sweep1", workers=1)
        rows.append(("sweep, 1 worker (in place)", len(budgets), time.perf_counter() - t0))
        if ref:
            notes.append(compare("sweep, 1 worker", ref, out.tables["sweep.csv"]["objective"].tolist(), tol))
        notes.append(f"sweep, 1 worker: paths {out.summary['paths']}")
    if "cold" not in skip:
        t0 = time.perf_counter()
        cold = run_sweep(scenario, vary, out_dir=tmp / "cold", workers=1, warm_start=False)
        rows.append(("sweep, 1 worker, --no-warm-start", len(budgets), time.perf_counter() - t0))
        if ref:
            notes.append(compare("sweep, no warm start", ref, cold.tables["sweep.csv"]["objective"].tolist(), tol))
    if "rebuild" not in skip:
        t_rebuild, objs = rebuild_loop(raw, budgets)
        rows.append(("rebuild per point, 1 worker", len(budgets), t_rebuild))
        if ref:
            notes.append(compare("rebuild per point", ref, objs, tol))
    if "sweep2" not in skip:
        t0 = time.perf_counter()
        out2 = run_sweep(scenario, vary, out_dir=tmp / "sweep2", workers=2)
        rows.append(("sweep, 2 workers (incl. start-up)", len(budgets), time.perf_counter() - t0))
        if ref:
            notes.append(compare("sweep, 2 workers", ref, out2.tables["sweep.csv"]["objective"].tolist(), tol))
    if "frontier" not in skip:
        t0 = time.perf_counter()
        fr = run_frontier(scenario, "budget_musd", lo=budgets[0], hi=budgets[-1], out_dir=tmp / "frontier",
                          max_solves=args.frontier_max_solves)
        s = fr.summary
        rows.append(("frontier over the same range", s["solves"], time.perf_counter() - t0))
        span = "the whole range" if s["complete"] else f"{s['covered_from']:g}–{budgets[-1]:g} only (--frontier-max-solves)"
        notes.append(f"frontier: {s['solves']} solves for {s['breakpoints']} breakpoints "
                     f"({s['objective_breakpoints']} objective changes) over {span}; exact: {s['exact']}")

    print("| run | solves | seconds | solves/s | × raw loop |")
    print("|---|---:|---:|---:|---:|")
    for name, n, sec in rows:
        rate = n / sec
        ratio = f"{rate / (len(budgets) / t_raw):.2f}" if t_raw else "—"
        print(f"| {name} | {n} | {sec:.1f} | {rate:.2f} | {ratio} |")
    print()
    for note in notes:
        print("-", note)

    if args.mc_samples:
        t0 = time.perf_counter()
        mc = run_montecarlo(load_scenario(ROOT / "models" / "baseline.yaml"), samples=args.mc_samples, seed=7,
                            perturb=[parse_flag(f) for f in MC_PERTURB],
                            out_dir=tmp / "mc", workers=2)
        sec = time.perf_counter() - t0
        s = mc.summary
        print(f"\nMonte Carlo on models/baseline.yaml: {args.mc_samples} samples, 2 workers: {sec:.1f} s "
              f"({args.mc_samples / sec:.2f} samples/s); {s['counts']}; paths {s['paths']}")
    print(f"\n(outputs under {tmp})")


if __name__ == "__main__":
    main()
