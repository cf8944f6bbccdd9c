"""Sensitivity benchmark: sweep throughput against a raw-HiGHS loop, rebuilding per point,
two workers, the exact frontier, and a Monte Carlo on the shipped baseline.

On one generated scenario (`planner generate --options N --seed S`; budget points evenly
spread over 0.5–1.5 × its budget limit):

A. Interleaved, in this process, point by point (so machine load drifts hit all alike):
   - raw loop — the reference: arrays built once (`compile_model(build(...))`), one
     `HighsSession`; `set_row_bounds("limit_budget_musd")` and the same two-stage `solve`
     as `planner solve`; nothing else (no scenario, no evaluation);
   - engine, in place, warm — `Engine.solve` on the fast path from the previous point's
     portfolio (what `sweep` does per point), figures recomputed by `evaluate`;
   - engine, in place, cold — the same without a MIP start;
   - rebuild per point — each point built and compiled from its scenario, then solved.
B. `run_sweep` end to end (journal, records, tables) with 1 worker and with 2 workers
   (spawned processes; wall time includes their start-up).
C. `run_frontier` over the same budget range: solves next to breakpoints
   (`--frontier-max-solves` caps the walk; the figures then cover the top of the range).
D. `run_montecarlo` on models/baseline.yaml with 2 workers: contributions ×U(0.7, 1.3),
   budget costs ×Tri(0.8, 1, 1.5), gap weights ×U(0.8, 1.2).

Every point of A and B is checked against the raw loop's objective. Run on demand:

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

from planner.build import build  # noqa: E402
from planner.generate import generate  # noqa: E402
from planner.load import load_raw  # noqa: E402
from planner.sensitivity.engine import Engine  # noqa: E402
from planner.sensitivity.frontier import run_frontier  # noqa: E402
from planner.sensitivity.montecarlo import run_montecarlo  # noqa: E402
from planner.sensitivity.sweep import run_sweep  # noqa: E402
from planner.solve import HighsSession, compile_model  # noqa: E402

MC_PERTURB = ["contributions.amount=uniform:0.7:1.3", "options.budget_musd=triangular:0.8:1:1.5",
              "gaps.weight=uniform:0.8:1.2"]


def interleaved(raw, budgets: list[float]) -> tuple[dict[str, float], dict[str, list[float]], dict[str, int]]:
    """Part A: seconds and objectives per method, each point solved by every method in turn."""
    engine = Engine(raw)
    base = engine.base
    cfg = base.config.solver
    session = HighsSession(compile_model(build(base)), cfg.threads)
    seconds = dict.fromkeys(("raw", "warm", "cold", "rebuild"), 0.0)
    objectives: dict[str, list[float]] = {k: [] for k in seconds}
    previous = None
    for b in budgets:
        t0 = time.perf_counter()
        session.set_row_bounds("limit_budget_musd", -np.inf, b)
        objectives["raw"].append(session.solve(cfg.time_limit_s, cfg.mip_gap, cfg.tie_break).objective_solver)
        seconds["raw"] += time.perf_counter() - t0
        for name in ("warm", "cold", "rebuild"):
            t0 = time.perf_counter()
            scenario, changes = engine.scenario([("limits.budget_musd", b)])
            result = engine.solve(scenario, None if name == "rebuild" else changes,
                                  start_x=previous if name == "warm" else None)
            seconds[name] += time.perf_counter() - t0
            objectives[name].append(result.objective)
            if name == "warm":
                previous = result.x
    return seconds, objectives, dict(engine.counts)


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
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: interleaved,sweep1,sweep2,frontier")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    tmp = Path(tempfile.mkdtemp(prefix="bench-sens-"))
    gen = generate(tmp / "scenario", options=args.options, seed=args.seed)
    raw = load_raw(gen.scenario_file)
    top = gen.limits["budget_musd"]
    budgets = [round(float(b), 2) for b in np.linspace(0.5 * top, 1.5 * top, args.points)]
    vary = ["limits.budget_musd=" + ",".join(f"{b:g}" for b in budgets)]
    gap = raw.config.solver.mip_gap
    tol = max(gap, 1e-7) * 1.01
    print(f"scenario: {gen.scenario_file.name} ({args.options} options, mip_gap {gap}); "
          f"{args.points} budget points {budgets[0]:g}–{budgets[-1]:g}\n")
    rows, notes = [], []
    t_raw = None
    if "interleaved" not in skip:
        seconds, objs, counts = interleaved(raw, budgets)
        t_raw = seconds["raw"]
        for name, label in (("raw", "A. raw HiGHS loop (reference)"), ("warm", "A. engine in place, warm start"),
                            ("cold", "A. engine in place, no start"), ("rebuild", "A. rebuild per point")):
            rows.append((label, len(budgets), seconds[name]))
            if name != "raw":
                notes.append(compare(label, objs["raw"], objs[name], tol))
        notes.append(f"A. engine paths: {counts}")
        ref = objs["raw"]
    else:
        ref = None
    for workers in (1, 2):
        if f"sweep{workers}" in skip:
            continue
        t0 = time.perf_counter()
        out = run_sweep(gen.scenario_file, vary, out_dir=tmp / f"sweep{workers}", workers=workers)
        rows.append((f"B. sweep, {workers} worker{'s' if workers > 1 else ''} (end to end)", len(budgets),
                     time.perf_counter() - t0))
        if ref:
            notes.append(compare(f"B. sweep, {workers} workers", ref, out.tables["sweep.csv"]["objective"].tolist(), tol))
    if "frontier" not in skip:
        t0 = time.perf_counter()
        fr = run_frontier(gen.scenario_file, "budget_musd", lo=budgets[0], hi=budgets[-1], out_dir=tmp / "frontier",
                          max_solves=args.frontier_max_solves)
        s = fr.summary
        rows.append(("C. frontier over the same range", s["solves"], time.perf_counter() - t0))
        span = "the whole range" if s["complete"] else f"{s['covered_from']:g}–{budgets[-1]:g} only (--frontier-max-solves)"
        notes.append(f"C. frontier: {s['solves']} solves for {s['breakpoints']} breakpoints "
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
        mc = run_montecarlo(ROOT / "models" / "baseline.yaml", samples=args.mc_samples, seed=7, perturb=MC_PERTURB,
                            out_dir=tmp / "mc", workers=2)
        sec = time.perf_counter() - t0
        s = mc.summary
        print(f"\nD. Monte Carlo on models/baseline.yaml: {args.mc_samples} samples, 2 workers: {sec:.1f} s "
              f"({args.mc_samples / sec:.2f} samples/s); {s['counts']}; paths {s['paths']}")
    print(f"\n(outputs under {tmp})")


if __name__ == "__main__":
    main()
