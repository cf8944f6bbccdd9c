"""The waits an analyst feels, each beside one `planner solve` of the same scenario, in one run.

Every part is a separate process (wall time including start-up), run in rounds so that load
drift hits all parts alike; the table gives each part's median and best round and its ratio to
the median `planner solve` of the baseline measured in the same rounds, and the same for CPU
seconds (the process and its children, user + system: what the part costs whatever the load;
a part that uses both cores has CPU above wall). Where issue 19 names a
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
    git archive main | tar -x -C /tmp/before && python benchmarks/bench_waits.py --before /tmp/before

`--before DIR` also runs each baseline part with the planner (and models/) in DIR, in the same
rounds: a before/after comparison under the same load.
"""

from __future__ import annotations

import argparse
import os
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


def timed(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and everything it waited for), run in `cwd`
    (`python -m planner` imports the planner found there)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 4):
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {err[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime


def baseline_parts(tmp: Path) -> dict[str, list[str]]:
    return {
        "solve (baseline)": PLANNER + ["solve", "models/baseline.yaml", "--json", "--out", str(tmp / "solve")],
        "frontier 3000-5000": PLANNER
        + [
            "frontier",
            "models/baseline.yaml",
            "--resource",
            "budget_musd",
            "--from",
            "3000",
            "--to",
            "5000",
            "--json",
            "--out",
            str(tmp / "frontier"),
        ],
        "explain kor-semis-memory-supply": PLANNER
        + ["explain", "models/baseline.yaml", "kor-semis-memory-supply", "--json"],
        "montecarlo 100 samples": PLANNER
        + [
            "montecarlo",
            "models/baseline.yaml",
            "--samples",
            "100",
            "--perturb",
            "contributions.amount=uniform:0.7:1.3",
            "--json",
            "--out",
            str(tmp / "mc"),
        ],
    }


def scale_parts(tmp: Path, options: int) -> dict[str, list[str]]:
    gen = tmp / f"gen{options}"
    subprocess.run(
        PLANNER + ["generate", str(gen), "--options", str(options), "--seed", "1"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    scenario = next((gen / "models").glob("*.yaml"))
    mps = tmp / f"gen{options}.mps"
    subprocess.run(
        PLANNER + ["solve", str(scenario), "--write-model", str(mps), "--out", str(tmp / "w")],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return {
        f"solve ({options} options)": PLANNER
        + ["solve", str(scenario), "--mip-gap", "1e-4", "--json", "--out", str(tmp / "s")],
        f"raw highspy ({options} options)": [sys.executable, "-c", REFERENCE, str(mps), "1e-4"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scale", action="store_true", help="also the 5,000-option solve against raw highspy")
    ap.add_argument("--options", type=int, default=5000)
    ap.add_argument("--before", type=Path, default=None, help="another checkout to run the baseline parts with")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        parts = {label: (cmd, ROOT) for label, cmd in baseline_parts(tmp).items()}
        if args.before:
            (tmp / "before").mkdir()
            parts.update(
                {
                    f"{label} (before)": (cmd, args.before.resolve())
                    for label, cmd in baseline_parts(tmp / "before").items()
                }
            )
        if args.scale:
            parts.update({label: (cmd, ROOT) for label, cmd in scale_parts(tmp, args.options).items()})
        times: dict[str, list[float]] = {k: [] for k in parts}
        cpu: dict[str, list[float]] = {k: [] for k in parts}
        for r in range(args.rounds):
            for label, (cmd, cwd) in parts.items():
                wall, used = timed(cmd, cwd)
                times[label].append(wall)
                cpu[label].append(used)
                print(f"round {r + 1}: {label}: {wall:.2f} s wall, {used:.2f} s CPU", file=sys.stderr)
        print(f"load average after the runs: {os.getloadavg()[0]:.1f}", file=sys.stderr)
    one = statistics.median(times["solve (baseline)"])
    one_cpu = statistics.median(cpu["solve (baseline)"])
    print(f"{'wait':40s} {'median s':>9s} {'best s':>8s} {'× one solve':>12s} {'CPU s':>7s} {'CPU ×':>6s}")
    for label, ts in times.items():
        med, med_cpu = statistics.median(ts), statistics.median(cpu[label])
        print(f"{label:40s} {med:9.2f} {min(ts):8.2f} {med / one:12.1f} {med_cpu:7.2f} {med_cpu / one_cpu:6.1f}")
    if args.scale:
        tool = statistics.median(times[f"solve ({args.options} options)"])
        raw = statistics.median(times[f"raw highspy ({args.options} options)"])
        print(f"\nsolve / raw highspy at {args.options} options: {tool / raw:.2f} ×")


if __name__ == "__main__":
    main()
