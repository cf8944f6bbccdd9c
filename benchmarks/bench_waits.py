"""The waits an analyst feels, each beside one `planner solve` of the same scenario, in one run.

Every part is a separate process (wall time including start-up), run in rounds so that load
drift hits all parts alike; the table gives each part's median and best round and its ratio to
the median `planner solve` of the baseline measured in the same rounds. Where issue 19 names a
reference that shares no code with the tool (plain highspy on the tool's own MPS file), that
reference runs in its own process too:

- frontier: `planner frontier models/baseline.yaml --resource budget_musd --from 3000 --to 5000`
- explain: `planner explain models/baseline.yaml kor-semis-memory-supply`
- montecarlo: `planner montecarlo models/baseline.yaml --samples 100 --perturb contributions.amount=uniform:0.7:1.3`
- `--scale`: `planner solve` of a generated 5,000-option scenario against plain highspy reading
  the tool's MPS of it (the solve, without the tool's tie-break stage: `--no-tie-break` is not
  offered, so the ratio includes the tie-break stage's cost)

    python benchmarks/bench_waits.py                 # baseline waits, 3 rounds
    python benchmarks/bench_waits.py --rounds 1 --scale
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
PLANNER = [sys.executable, "-m", "planner"]

REFERENCE = r"""
import sys, time
import highspy
t0 = time.perf_counter()
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.setOptionValue("mip_rel_gap", float(sys.argv[2]))
h.readModel(sys.argv[1])
h.run()
print(time.perf_counter() - t0, h.getInfo().objective_function_value)
"""


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 4):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def baseline_parts(tmp: Path) -> dict[str, list[str]]:
    return {
        "solve (baseline)": PLANNER + ["solve", "models/baseline.yaml", "--json", "--out", str(tmp / "solve")],
        "frontier 3000-5000": PLANNER + ["frontier", "models/baseline.yaml", "--resource", "budget_musd",
                                         "--from", "3000", "--to", "5000", "--json", "--out", str(tmp / "frontier")],
        "explain kor-semis-memory-supply": PLANNER + ["explain", "models/baseline.yaml", "kor-semis-memory-supply",
                                                      "--json"],
        "montecarlo 100 samples": PLANNER + ["montecarlo", "models/baseline.yaml", "--samples", "100", "--perturb",
                                             "contributions.amount=uniform:0.7:1.3", "--json",
                                             "--out", str(tmp / "mc")],
    }


def scale_parts(tmp: Path, options: int) -> dict[str, list[str]]:
    gen = tmp / f"gen{options}"
    subprocess.run(PLANNER + ["generate", str(gen), "--options", str(options), "--seed", "1"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    scenario = next((gen / "models").glob("*.yaml"))
    mps = tmp / f"gen{options}.mps"
    subprocess.run(PLANNER + ["solve", str(scenario), "--write-model", str(mps), "--out", str(tmp / "w")], cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {
        f"solve ({options} options)": PLANNER + ["solve", str(scenario), "--mip-gap", "1e-4", "--json",
                                                 "--out", str(tmp / "s")],
        f"raw highspy ({options} options)": [sys.executable, "-c", REFERENCE, str(mps), "1e-4"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scale", action="store_true", help="also the 5,000-option solve against raw highspy")
    ap.add_argument("--options", type=int, default=5000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        parts = baseline_parts(tmp)
        if args.scale:
            parts.update(scale_parts(tmp, args.options))
        times: dict[str, list[float]] = {k: [] for k in parts}
        for r in range(args.rounds):
            for label, cmd in parts.items():
                times[label].append(timed(cmd))
                print(f"round {r + 1}: {label}: {times[label][-1]:.2f} s", file=sys.stderr)
    one = statistics.median(times["solve (baseline)"])
    print(f"{'wait':40s} {'median s':>9s} {'best s':>8s} {'× one solve':>12s}")
    for label, ts in times.items():
        med = statistics.median(ts)
        print(f"{label:40s} {med:9.2f} {min(ts):8.2f} {med / one:12.1f}")
    if args.scale:
        tool = statistics.median(times[f"solve ({args.options} options)"])
        raw = statistics.median(times[f"raw highspy ({args.options} options)"])
        print(f"\nsolve / raw highspy at {args.options} options: {tool / raw:.2f} ×")


if __name__ == "__main__":
    main()
