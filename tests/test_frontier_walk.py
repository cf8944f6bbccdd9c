"""The frontier's walk on several threads gives the serial walk's frontier, point for point.

`planner.sensitivity.walk`: walkers (each its own live model) walk pieces of the range and
`replay` stitches them into the serial walk. Checked three ways: the stitching alone against a
hand-made staircase (fake walkers, Hypothesis over staircases, ranges and walker counts), real
frontiers with 1–3 walkers against each other and against `planner solve`, and the baseline.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.api import load_scenario, solve
from planner.sensitivity.engine import PointResult
from planner.sensitivity.walk import Point, Run, Walk, delta, replay
from planner.solver.outcome import Status
from sens_helpers import frontier_into, write_scenario

TINY = Path(__file__).parent / "data" / "tiny.yaml"
BASELINE = Path(__file__).resolve().parent.parent / "models" / "baseline.yaml"


class Staircase:
    """A fake walker: at limit L the answer is the costliest step with use ≤ L (a portfolio per
    step), none below the cheapest — a frontier whose every segment is known in advance."""

    exact = True

    def __init__(self, uses: list[float], infeasible_below: bool = True, pause: float = 0.0):
        self.uses, self.infeasible_below, self.pause = sorted(uses), infeasible_below, pause
        self.solved: list[float] = []
        self.lock = threading.Lock()

    def solve(self, limit: float, previous: PointResult | None) -> Point:
        with self.lock:
            self.solved.append(limit)
        time.sleep(self.pause)  # lets the other walker steal
        fits = [u for u in self.uses if u <= limit]
        if not fits:
            res = PointResult(Status.INFEASIBLE, None, None, None, (), {}, 0.0, "fast")
            return Point(limit, None, res)
        used = fits[-1]
        res = PointResult(
            Status.OPTIMAL, used, used, 0.0, (f"p{used}",), {"r": used}, 0.0, "fast", x=np.array([1], dtype=np.int8)
        )
        return Point(limit, used, res)


def serial(uses: list[float], lo: float, hi: float) -> list[tuple[float, float | None]]:
    """The walk as the module doc states it, written out: (limit, use) per solve."""
    out, limit, fits = [], hi, sorted(uses)
    while limit >= lo:
        below = [u for u in fits if u <= limit]
        if not below:
            out.append((limit, None))
            break
        out.append((limit, below[-1]))
        limit = min(below[-1], limit) - delta(below[-1])
    return out


def walked(walkers, lo: float, hi: float) -> list[tuple[float, float | None]]:
    runs = Walk(walkers, lo, hi, 100_000).run()
    points, end, _ = replay(runs, lo, hi, 100_000, True, lambda at: walkers[0].solve(at, None))
    return [(p.limit, p.used) for p in points] + ([(end.limit, None)] if end else [])


def test_two_walkers_stitch_a_hand_made_staircase():
    # Uses 1, 3, 4, 6, 9 on [0, 10]: the serial walk solves at 10, 9−δ, 6−δ, 4−δ, 3−δ, 1−δ (infeasible).
    uses = [1.0, 3.0, 4.0, 6.0, 9.0]
    expect = serial(uses, 0.0, 10.0)
    assert [u for _, u in expect] == [9.0, 6.0, 4.0, 3.0, 1.0, None]
    team = [Staircase(uses, pause=0.01), Staircase(uses, pause=0.01)]
    assert walked(team, 0.0, 10.0) == expect
    assert team[1].solved, "the second walker took part of the range"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 60), min_size=1, max_size=25, unique=True),
    st.integers(0, 30),
    st.integers(0, 40),
    st.integers(1, 3),
)
def test_any_staircase_any_range_any_walkers_is_the_serial_walk(steps, lo, span, n):
    uses = [float(s) for s in steps]
    lo, hi = float(lo), float(lo + span)
    team = [Staircase(uses) for _ in range(n)]
    assert walked(team, lo, hi) == serial(uses, lo, hi)


def test_a_limit_no_run_settled_is_solved_by_the_replay():
    # Staircase 3, 6, 9. Runs: one solved 10 only; one started at 8 and walked 8 → 6−δ → 3−δ.
    # The serial walk goes 10 → 9−δ, which no run solved (and no optimum found covers it:
    # (8, use 6) covers [6, 8] only): the replay solves it, then joins the second run at 6−δ.
    walker = Staircase([3.0, 6.0, 9.0])
    first = [walker.solve(10.0, None)]
    second = [walker.solve(8.0, None), walker.solve(6.0 - delta(6.0), None), walker.solve(3.0 - delta(3.0), None)]
    runs = [Run(10.0, 8.0, first), Run(8.0, 0.0, second)]
    asked: list[float] = []

    def solve_missing(at: float) -> Point:
        asked.append(at)
        return walker.solve(at, None)

    points, end, _ = replay(runs, 0.0, 10.0, 100, True, solve_missing)
    assert asked == [9.0 - delta(9.0)]
    assert [(p.limit, p.used) for p in points] + [(end.limit, end.used)] == serial([3.0, 6.0, 9.0], 0.0, 10.0)


@pytest.mark.parametrize("seed", [1, 7])
def test_every_walker_count_gives_the_same_frontier_as_planner_solve(tmp_path, seed):
    path = write_scenario(tmp_path, seed=seed, n_options=10, n_gaps=5, budget=40)
    frames = [
        frontier_into(tmp_path / f"w{n}", load_scenario(path), "budget_musd", lo=0, hi=40, workers=n).tables[
            "frontier.csv"
        ]
        for n in (1, 2, 3)
    ]
    for other in frames[1:]:
        assert other.equals(frames[0])
    for _, row in frames[0].iterrows():  # each interval's lower end is what `planner solve` returns there
        if row["status"] == "infeasible":
            continue
        ref = solve(load_scenario(path, [f"limits.budget_musd={row['limit_from']}"]))
        assert ";".join(ref.selected) == (row["portfolio"] if isinstance(row["portfolio"], str) else "")


def test_tiny_frontier_with_threads_keeps_the_serial_count_of_solves(tmp_path):
    # test_sens_frontier.test_tiny_frontier_by_hand: six portfolios, six solves — with 2 walkers
    # too: a run's first solve, which repeats a segment, is not one of the walk's solves.
    out = frontier_into(tmp_path / "f", load_scenario(TINY), "budget_musd", workers=2)
    assert out.summary["solves"] == 6 and out.summary["paths"] == {"fast": 6, "rebuild": 0}
    assert out.tables["frontier.csv"]["portfolio"].fillna("").tolist() == ["", "c", "d", "b", "c;d", "a;b"]


@pytest.mark.slow
def test_baseline_top_of_range_one_and_two_walkers_byte_identical(tmp_path):
    sc = load_scenario(BASELINE)
    runs = [frontier_into(tmp_path / f"w{n}", sc, "budget_musd", lo=4500.0, hi=5000.0, workers=n) for n in (1, 2)]
    for name in ("frontier.csv", "ladder.csv"):
        assert (tmp_path / "w1" / name).read_bytes() == (tmp_path / "w2" / name).read_bytes()
    assert runs[0].summary["solves"] == runs[1].summary["solves"] == runs[0].summary["segments"]
