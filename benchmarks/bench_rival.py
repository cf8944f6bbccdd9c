"""Rival benchmark (`planner rival`, docs/rival.md): the issue's performance figures.

- `baseline`: models/rival.yaml (the shipped baseline, 26 partners, rival_cost from partners.csv,
  shield 0.5, loss 1) at rival budgets 1–5 one by one (target: each exact within 30 s), then the
  ladder `--budgets 0:5:1` in one call (target: 90 s).
- growth: `planner generate --options N` scenarios (every partner costs the rival 1; shield 0.5,
  loss 1, rival budget 2), for N in --sizes: seconds, rounds, exactness.

Each figure is `RivalResult.seconds["total"]` of one `planner.rival.rival` call in this process.

    python benchmarks/bench_rival.py
    python benchmarks/bench_rival.py --sizes 50,100,200 --skip-baseline
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(path: str, overrides=(), budget=None, budgets=()) -> tuple[float, object]:
    from planner.api import load_scenario
    from planner.rival import RivalOptions, rival

    result = rival(load_scenario(path, list(overrides)), RivalOptions(budget=budget, budgets=tuple(budgets)))
    return result.seconds["total"], result


def baseline() -> None:
    path = str(ROOT / "models" / "rival.yaml")
    print("baseline (models/rival.yaml, 26 partners): one rival budget at a time")
    for budget in (1, 2, 3, 4, 5):
        seconds, r = run(path, budget=budget)
        print(
            f"  budget {budget}: {seconds:6.1f} s, {r.hedged.iterations} rounds, exact {r.hedged.exact}, "
            f"nominal worst {r.nominal.worst_case:.4f}, hedged worst {r.hedged.plan.worst_case:.4f}"
        )
    seconds, r = run(path, budgets=(0, 1, 2, 3, 4, 5))
    print(f"  --budgets 0:5:1: {seconds:6.1f} s ({r.seconds}), every rung exact: {all(x['exact'] for x in r.ladder)}")


def growth(sizes: list[int]) -> None:
    print("growth (planner generate --options N --seed 1; every partner costs 1, shield 0.5, loss 1, budget 2)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            name = f"bench-rival-{n}"
            subprocess.run(
                [sys.executable, "-m", "planner", "generate", tmp, "--options", str(n), "--seed", "1", "--name", name],
                check=True,
                capture_output=True,
            )
            path = str(Path(tmp) / "models" / f"{name}.yaml")
            seconds, r = run(path, ["rival.budget=2", "rival.shield=0.5", "rival.loss=1"])
            print(
                f"  {n:5d} options, {len(r.terms.partners)} partners: {seconds:6.1f} s, {r.hedged.iterations} rounds, "
                f"exact {r.hedged.exact}, gap {r.hedged.gap:.2g}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="30,100,200", help="option counts for the growth table")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    if not args.skip_baseline:
        baseline()
    growth([int(s) for s in args.sizes.split(",") if s])


if __name__ == "__main__":
    main()
