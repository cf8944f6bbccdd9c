"""Scale benchmark: `planner solve` end to end versus raw highspy on the same model.

For each size N (options; gaps = N/10) it generates one scenario (`planner generate`,
fixed seed), writes the exact model the tool solves as MPS (the tool's own writer,
`planner.model.lpfile`), then runs, REPS times each and alternating:

- the tool: `python -m planner solve MODEL --json --out DIR --mip-gap G --time-limit T`
  in a fresh process — wall time, stage split (load, validate, build, compile, solve
  split into the primary and tie-break stages, export), peak resident set;
- the reference: a fresh process that reads the MPS with `highspy.Highs().readModel`
  and calls `run()` with the same options — pure solver time, wall, peak resident set.

Peak RSS is read per child with `os.wait4`. Overhead = tool wall − the solver's own time
(both stages). Run on demand (not in CI):

    python benchmarks/bench_scale.py                          # 1k, 5k, 20k, 3 repetitions
    python benchmarks/bench_scale.py --sizes 1000 --reps 1    # quick look
    python benchmarks/bench_scale.py --solvers highs,auto,cbc # also race HiGHS against CBC

Prints a Markdown table (and writes JSON with every run if --json FILE).
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

REFERENCE = r"""
import json, sys, time
import highspy
path, gap, limit = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.setOptionValue("random_seed", 0)
h.setOptionValue("mip_rel_gap", gap)
h.setOptionValue("mip_abs_gap", 1e-9 if gap == 0 else 1e-6)
h.setOptionValue("time_limit", limit)
t0 = time.perf_counter()
h.readModel(path)
t1 = time.perf_counter()
h.run()
t2 = time.perf_counter()
info = h.getInfo()
print(json.dumps({"read": t1 - t0, "run": t2 - t1, "status": h.modelStatusToString(h.getModelStatus()),
                  "objective": info.objective_function_value, "bound": info.mip_dual_bound, "gap": info.mip_gap}))
"""


def run_child(args: list[str], env: dict | None = None) -> tuple[float, int, str, int]:
    """Run a command; return (wall seconds, peak RSS in KiB, stdout, exit code)."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return wall, usage.ru_maxrss, out.read().decode(), proc.returncode


def stats(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def fmt3(values: list[float], digits: int = 2, scale: float = 1.0) -> str:
    lo, med, hi = stats([v * scale for v in values])
    return f"{med:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def prepare(size: int | Path, seed: int, work: Path) -> tuple[Path, Path]:
    """The scenario (generated with `size` options, or the given file) and its model as MPS."""
    sys.path.insert(0, str(ROOT))
    from planner.api import load_scenario
    from planner.model.assemble import build
    from planner.inputs.generate import generate
    from planner.model.lpfile import write_model_file

    model = size if isinstance(size, Path) else generate(work, size, seed=seed, overwrite=True).scenario_file
    mps = work / f"{model.stem}.mps"
    write_model_file(build(load_scenario(model)), mps)
    return model, mps


def tool_run(model: Path, out: Path, gap: float, limit: float, solver: str) -> dict:
    args = [
        sys.executable,
        "-m",
        "planner",
        "solve",
        str(model),
        "--json",
        "--out",
        str(out),
        "--mip-gap",
        str(gap),
        "--time-limit",
        str(limit),
        "--solver",
        solver,
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    wall, rss, text, code = run_child(args, env)
    data = json.loads(text)
    stages = data.get("stages") or []
    solver_s = sum(s.get("seconds", 0.0) for s in stages) or data["timings_seconds"].get("solve", 0.0)
    return {
        "wall": wall,
        "rss_kib": rss,
        "exit": code,
        "status": data["status"],
        "objective": data["objective"],
        "bound": data["bound"],
        "mip_gap": data["mip_gap"],
        "timings": data["timings_seconds"],
        "stages": stages,
        "solver": solver_s,
        "backend": data.get("backend"),
        "winner": (data.get("auto") or {}).get("winner"),
    }


def ref_run(mps: Path, gap: float, limit: float) -> dict:
    wall, rss, text, code = run_child([sys.executable, "-c", REFERENCE, str(mps), str(gap), str(limit)])
    data = json.loads(text.strip().splitlines()[-1])  # HiGHS prints a banner first
    return {"wall": wall, "rss_kib": rss, "exit": code, **data}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,5000,20000")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mip-gap", type=float, default=1e-4)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--solvers", default="highs", help="tool backends to run, e.g. highs,auto,cbc")
    ap.add_argument("--scenarios", default="", help="also these scenario files, e.g. models/baseline.yaml")
    ap.add_argument("--work", type=Path, default=None, help="folder for generated scenarios (default: a temp dir)")
    ap.add_argument("--json", type=Path, default=None, help="also write every run to this JSON file")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_scale_"))
    sizes: list = [int(s) for s in args.sizes.split(",") if s]
    sizes += [(ROOT / f).resolve() for f in args.scenarios.split(",") if f]
    solvers = args.solvers.split(",")
    runs: dict = {}
    for size in sizes:
        n = f"{size:,}" if isinstance(size, int) else size.stem
        model, mps = prepare(size, args.seed, work)
        runs[n] = {"ref": [], **{s: [] for s in solvers}}
        for rep in range(args.reps):
            runs[n]["ref"].append(ref_run(mps, args.mip_gap, args.time_limit))
            for s in solvers:
                out = work / f"out-{n.replace(',', '')}-{s}-{rep}"
                runs[n][s].append(tool_run(model, out, args.mip_gap, args.time_limit, s))
            print(
                f"# {n} rep {rep + 1}: ref {runs[n]['ref'][-1]['run']:.2f} s; "
                + "; ".join(f"{s} {runs[n][s][-1]['wall']:.2f} s {runs[n][s][-1]['status']}" for s in solvers),
                file=sys.stderr,
                flush=True,
            )
    report(runs, solvers, args)
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "runs": runs}, indent=1))


def report(runs: dict, solvers: list[str], args) -> None:
    print(
        f"\nmedian (min–max) over {args.reps} runs; mip_gap {args.mip_gap:g}, time limit {args.time_limit:g} s; "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; load average at the end "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}\n"
    )
    print("| N | what | wall s | solver s | overhead s | overhead / ref solve | peak RSS MiB | status, gap |")
    print("|---|---|---|---|---|---|---|---|")
    for n, r in runs.items():
        ref = r["ref"]
        ref_solve = statistics.median(x["run"] for x in ref)
        print(
            f"| {n} | highspy reference | {fmt3([x['wall'] for x in ref])} | {fmt3([x['run'] for x in ref])} | "
            f"{fmt3([x['wall'] - x['run'] for x in ref])} | — | {fmt3([x['rss_kib'] for x in ref], 0, 1 / 1024)} | "
            f"{ref[0]['status']}, {statistics.median(x['gap'] for x in ref):.1e} |"
        )
        for s in solvers:
            t = r[s]
            over = [x["wall"] - x["solver"] for x in t]
            won = {x["winner"] for x in t if x.get("winner")}
            print(
                f"| {n} | planner solve --solver {s}{' (won: ' + ', '.join(sorted(won)) + ')' if won else ''} | "
                f"{fmt3([x['wall'] for x in t])} | {fmt3([x['solver'] for x in t])} | {fmt3(over)} | "
                f"{100 * statistics.median(over) / ref_solve:.0f} % | {fmt3([x['rss_kib'] for x in t], 0, 1 / 1024)} | "
                f"{t[0]['status']}, {statistics.median((x['mip_gap'] or 0) for x in t):.1e} |"
            )
    print(
        "\nStage split of `planner solve` (seconds, median (min–max)); startup = wall − Σ stages "
        "(interpreter, imports, printing):\n"
    )
    keys = ["load", "validate", "build", "compile", "primary", "tie_break", "export", "startup"]
    print("| N | backend | " + " | ".join(keys) + " |")
    print("|---|---|" + "---|" * len(keys))
    for n, r in runs.items():
        for s in solvers:
            cols = []
            for k in keys:
                if k in ("primary", "tie_break"):
                    vals = [sum(st["seconds"] for st in x["stages"] if st.get("stage") == k) for x in r[s]]
                elif k == "startup":
                    vals = [x["wall"] - sum(x["timings"].values()) for x in r[s]]
                else:
                    vals = [x["timings"].get(k, 0.0) for x in r[s]]
                cols.append(fmt3(vals, 3))
            print(f"| {n} | {s} | " + " | ".join(cols) + " |")


if __name__ == "__main__":
    main()
