"""Robust-portfolio benchmark (`planner robust`, docs/robust.md): the issue's performance figures.

- `baseline`: models/baseline.yaml with an interval on every one of its six sector weights
  (nominal × [0.5, 1.5]): seconds of the maximin MILP, and of minimax regret (the optimum at
  each vertex of W, then the constraint-generation master), each target < 10 s.
- `core30`: `planner generate --options 30 --seed 1` (and with `--gaps 30`), intervals nominal × [0.5, 1.5] on every
  sector: the exact non-dominated enumeration and core index (complete), target < 60 s.
- growth: maximin and minimax regret on generated scenarios of 30, 100, 300 (… --sizes)
  options, the same intervals.
- `many`: models/baseline.yaml with an interval on every one of its 31 gap weights (nominal ×
  [0.5, 1.5]): 2^31 vertices, so maximin (one MILP) and the lazy minimax regret with its
  bounds at the default robust.max_vertices (64).

Each figure is `RobustReport.seconds` of one `planner.robust.robust` call in this process
(`samples=0`; `max_portfolios=1` where only maximin / minimax regret are timed), and a
second run of the same to show the spread.

    python benchmarks/bench_robust.py
    python benchmarks/bench_robust.py --sizes 30,100,300,1000 --reps 1
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def gap_intervals(path: str, width: float = 0.5) -> list[str]:
    """--set overrides: every gap's own weight within nominal × [1 − width, 1 + width]."""
    from planner.api import load_scenario

    sc = load_scenario(path)
    return [
        f"robust.gap_weights.{gid}=[{w * (1 - width):.6g},{w * (1 + width):.6g}]"
        for gid, w in zip(sc.gaps.index, sc.gaps["weight"].astype(float))
    ]


def intervals(path: str, width: float = 0.5) -> list[str]:
    """--set overrides: every sector's weight within nominal × [1 − width, 1 + width]."""
    from planner.api import load_scenario

    sc = load_scenario(path)
    weights = sc.sectors.set_index("sector_id")["weight"] if "weight" in sc.sectors.columns else None
    sets = []
    for sid in sc.sectors["sector_id"]:
        w = float(weights[sid]) if weights is not None else 1.0
        sets.append(f"robust.sector_weights.{sid}=[{w * (1 - width):.6g},{w * (1 + width):.6g}]")
    return sets


def run(path: str, sets: list[str], max_portfolios: int, max_vertices: int | None = None):
    from planner.api import load_scenario
    from planner.robust import robust

    sc = load_scenario(path, sets)
    return sc, robust(sc, max_portfolios=max_portfolios, samples=0, max_vertices=max_vertices)


def generated(folder: Path, n: int, gaps: int | None = None) -> str:
    name = f"robust-n{n}" + (f"-g{gaps}" if gaps else "")
    path = folder / name / "models" / f"{name}.yaml"
    if path.is_file():  # written already (the core-index case and the growth table share n = 30)
        return str(path)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "planner",
            "generate",
            str(folder / name),
            "--options",
            str(n),
            "--seed",
            "1",
            "--name",
            name,
            *(["--gaps", str(gaps)] if gaps else []),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return str(path)


def line(label: str, sc, rep) -> str:
    s = rep.seconds
    regret = s["vertices"] + s["minimax_regret"]
    ws = rep.weight_set
    return (
        f"{label:<10} {len(sc.options):>5} options  {len(rep.factors)} factors  {ws['vertex_count']:>3,} vertices "
        f"({ws['vertices_examined']} solved)  "
        f"maximin {s['maximin']:6.2f} s  minimax regret {regret:6.2f} s "
        f"(vertex optima {s['vertices']:.2f} + master {s['minimax_regret']:.2f}, {rep.minimax_regret['iterations']} iterations, "
        f"gap {rep.minimax_regret['gap']:.3g}, bounds [{rep.minimax_regret['lower_bound']:.4g}, "
        f"{rep.minimax_regret['max_regret_upper']:.4g}])"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="30,100,300", help="option counts of the growth table")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--skip-core", action="store_true")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--skip-many", action="store_true")
    args = ap.parse_args()
    base = str(ROOT / "models" / "baseline.yaml")
    for r in range(0 if args.skip_baseline else args.reps):
        sc, rep = run(base, intervals(base), 1)
        print(line("baseline", sc, rep), flush=True)
    for r in range(0 if args.skip_many else args.reps):
        sc, rep = run(base, gap_intervals(base), 1)
        print(line("many", sc, rep) + f"  total {rep.seconds['total']:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for gaps in [] if args.skip_core else [None, 30]:  # the default 3 gaps (few sectors), then 30
            path = generated(tmp, 30, gaps)
            for r in range(args.reps):
                sc, rep = run(path, intervals(path), 100000)
                ci = rep.core_index
                labels = list(ci["options"].values())
                print(
                    f"core30{'-g' + str(gaps) if gaps else ''}  {len(sc.options)} options  {len(rep.factors)} factors  "
                    f"{rep.weight_set['vertex_count']} vertices  non-dominated {rep.seconds['nondominated']:.2f} s: "
                    f"{ci['portfolios']} portfolios, complete {ci['complete']}, {labels.count('core')} core / "
                    f"{labels.count('borderline')} borderline / {labels.count('exterior')} exterior; "
                    f"total {rep.seconds['total']:.2f} s",
                    flush=True,
                )
        for n in [int(v) for v in args.sizes.split(",")]:
            path = generated(tmp, n)
            for r in range(args.reps):
                sc, rep = run(path, intervals(path), 1)
                print(line(f"n{n}", sc, rep), flush=True)


if __name__ == "__main__":
    main()
