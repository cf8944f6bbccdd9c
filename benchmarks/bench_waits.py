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
- `--sweep`: `planner sweep --workers 2`, 41 budget points over 0.5–1.5 × the limit of a generated
  1,000-option scenario, against a serial plain-highspy loop on the tool's MPS (one process, one
  thread, the budget row's bound changed in place; `bench_sensitivity.REFERENCE`)
- `--huge`: `planner solve --mip-gap 1e-3` of a generated 100,000-option scenario against plain
  highspy on its MPS (long: minutes)

Peak RSS is each process's `ru_maxrss` (with its children's, for a part that has any).

    python benchmarks/bench_waits.py                 # baseline waits, 3 rounds
    python benchmarks/bench_waits.py --rounds 1 --scale --sweep
    git archive main | tar -x -C /tmp/before && python benchmarks/bench_waits.py --before /tmp/before

`--before DIR` also runs each baseline part with the planner (and models/) in DIR, in the same
rounds: a before/after comparison under the same load.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sensitivity import REFERENCE as SWEEP_REFERENCE  # noqa: E402 - the sibling script's raw loop

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


def timed(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the process and everything it waited for, peak RSS MiB), run
    in `cwd` (`python -m planner` imports the planner found there)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 4):
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {err[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


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
    scenario, mps = generated(tmp, options)
    return {
        f"solve ({options} options)": PLANNER
        + ["solve", str(scenario), "--mip-gap", "1e-4", "--json", "--out", str(tmp / "s")],
        f"raw highspy ({options} options)": [sys.executable, "-c", REFERENCE, str(mps), "1e-4"],
    }


def generated(tmp: Path, options: int) -> tuple[Path, Path]:
    """A generated scenario of `options` options and the tool's MPS file of it."""
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
        PLANNER + ["solve", str(scenario), "--write-model", str(mps), "--out", str(tmp / f"w{options}"), "--json"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return scenario, mps


def sweep_parts(tmp: Path, options: int = 1000, points: int = 41) -> dict[str, list[str]]:
    """`planner sweep --workers 2` and the serial raw loop over the same budget points."""
    scenario, mps = generated(tmp, options)
    summary = json.loads((tmp / f"w{options}" / "summary.json").read_text())
    top = summary["resources"]["budget_musd"]["limit"]
    gap = json.loads((tmp / f"w{options}" / "scenario.json").read_text())["solver"]["mip_gap"]
    budgets = [round(0.5 * top + i * top / (points - 1), 2) for i in range(points)]
    vary = "limits.budget_musd=" + ",".join(f"{b:g}" for b in budgets)
    return {
        f"sweep --workers 2 ({options} options, {points} points)": PLANNER
        + ["sweep", str(scenario), "--vary", vary, "--workers", "2", "--json", "--out", str(tmp / "sweep")],
        f"raw highspy loop ({options} options, {points} points)": [
            sys.executable,
            "-c",
            SWEEP_REFERENCE,
            str(mps),
            "limit_budget_musd",
            str(gap),
            json.dumps(budgets),
            "cold",
        ],
    }


def huge_parts(tmp: Path, options: int = 100_000) -> dict[str, list[str]]:
    scenario, mps = generated(tmp, options)
    return {
        f"solve ({options} options, gap 1e-3)": PLANNER
        + ["solve", str(scenario), "--mip-gap", "1e-3", "--json", "--out", str(tmp / "huge")],
        f"raw highspy ({options} options, gap 1e-3)": [sys.executable, "-c", REFERENCE, str(mps), "1e-3"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scale", action="store_true", help="also the 5,000-option solve against raw highspy")
    ap.add_argument("--options", type=int, default=5000)
    ap.add_argument("--sweep", action="store_true", help="also sweep --workers 2 against the serial raw loop")
    ap.add_argument("--huge", action="store_true", help="also 100,000 options to a 1e-3 gap against raw highspy")
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
        if args.sweep:
            parts.update({label: (cmd, ROOT) for label, cmd in sweep_parts(tmp).items()})
        if args.huge:
            parts.update({label: (cmd, ROOT) for label, cmd in huge_parts(tmp).items()})
        times, cpu, rss = measure(parts, args.rounds)
    report(times, cpu, rss)
    pairs = []
    if args.scale:
        pairs.append((f"solve ({args.options} options)", f"raw highspy ({args.options} options)", "planner solve"))
    if args.sweep:
        pairs.append(
            (
                "raw highspy loop (1000 options, 41 points)",
                "sweep --workers 2 (1000 options, 41 points)",
                "sweep speed-up",
            )
        )
    if args.huge:
        pairs.append(("solve (100000 options, gap 1e-3)", "raw highspy (100000 options, gap 1e-3)", "planner solve"))
    for a, b, what in pairs:
        ratio = statistics.median(times[a]) / statistics.median(times[b])
        print(f"{what}: {a} / {b} = {ratio:.2f} ×  (CPU {statistics.median(cpu[a]) / statistics.median(cpu[b]):.2f} ×)")


Series = dict[str, list[float]]


def measure(parts: dict[str, tuple[list[str], Path]], rounds: int) -> tuple[Series, Series, Series]:
    """Every part once per round, in the same order: wall, CPU seconds and peak RSS per part."""
    times: Series = {k: [] for k in parts}
    cpu: Series = {k: [] for k in parts}
    rss: Series = {k: [] for k in parts}
    for r in range(rounds):
        for label, (cmd, cwd) in parts.items():
            wall, used, peak = timed(cmd, cwd)
            times[label].append(wall)
            cpu[label].append(used)
            rss[label].append(peak)
            print(
                f"round {r + 1}: {label}: {wall:.2f} s wall, {used:.2f} s CPU, load {os.getloadavg()[0]:.1f}",
                file=sys.stderr,
            )
    print(f"load average after the runs: {os.getloadavg()[0]:.1f}", file=sys.stderr)
    return times, cpu, rss


def report(times: Series, cpu: Series, rss: Series) -> None:
    one = statistics.median(times["solve (baseline)"])
    one_cpu = statistics.median(cpu["solve (baseline)"])
    print(f"{'wait':46s} {'median s':>9s} {'best s':>8s} {'× one solve':>12s} {'CPU s':>7s} {'CPU ×':>6s} {'MiB':>6s}")
    for label, ts in times.items():
        med, med_cpu = statistics.median(ts), statistics.median(cpu[label])
        print(
            f"{label:46s} {med:9.2f} {min(ts):8.2f} {med / one:12.1f} {med_cpu:7.2f} {med_cpu / one_cpu:6.1f}"
            f" {max(rss[label]):6.0f}"
        )


if __name__ == "__main__":
    main()
