"""The ε-constraint method itself (`planner.pareto.method.front`) against brute force.

A fake oracle answers lexmax by enumerating a random finite set of integer value vectors
(the "portfolios"), so thousands of fronts are checked in seconds: exactly the
non-dominated set, each point once, for two and three objectives.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.pareto.method import Found, Stop, front


class SetOracle:
    """lexmax over a finite set of value vectors (all maximised, integer lattice δ = 1)."""

    def __init__(self, vectors):
        self.vectors = [tuple(v) for v in vectors]
        self.calls = 0

    def lexmax(self, order, lower, upper):
        self.calls += 1
        ok = [v for v in self.vectors if all(v[k] >= lower[k] for k in range(len(v)))]
        if not ok:
            return None
        best = max(ok, key=lambda v: tuple(v[k] for k in order))
        assert all(best[k] <= upper[k] for k in range(len(best))), "an upper bound the method gave cuts off the optimum"
        return Found(best, np.zeros(1, dtype=np.int8))


def non_dominated(vectors) -> set[tuple]:
    vs = set(map(tuple, vectors))
    return {v for v in vs if not any(w != v and all(a >= b for a, b in zip(w, v)) for w in vs)}


def vectors(dim: int):
    return st.lists(st.tuples(*[st.integers(-6, 6)] * dim), min_size=1, max_size=40)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(vs=vectors(2))
def test_two_objectives_exact_front(vs):
    sweep = front(SetOracle(vs), [1.0, 1.0])
    found = [y.h for y in sweep.points]
    assert len(found) == len(set(found)), "a point was listed twice"
    assert set(found) == non_dominated(vs)
    assert sweep.stop is None
    # two objectives: one lexmax per point plus the final infeasible one
    assert sweep.lexmax_calls == len(found) + 1


@settings(max_examples=300, deadline=None, derandomize=True)
@given(vs=vectors(3))
def test_three_objectives_exact_front(vs):
    sweep = front(SetOracle(vs), [1.0, 1.0, 1.0])
    found = [y.h for y in sweep.points]
    assert len(found) == len(set(found))
    assert set(found) == non_dominated(vs)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(vs=vectors(3), limit=st.integers(1, 5))
def test_stopped_front_is_complete_below_its_bound(vs, limit):
    sweep = front(SetOracle(vs), [1.0, 1.0, 1.0], max_points=limit)
    nd = non_dominated(vs)
    found = {y.h for y in sweep.points}
    assert found <= nd and len(found) <= limit
    if sweep.stop is None:
        assert found == nd
    else:
        assert sweep.stop is Stop.MAX_POINTS
        assert {v for v in nd if v[2] < sweep.complete_below} <= found


def test_hand_two_objectives():
    # Portfolios (h1, h2): (5,0) (4,1) (4,0) (2,2) (1,4) (0,4) (3,1).
    # Non-dominated: (5,0), (4,1), (2,2), (1,4); (3,1) is dominated by (4,1), (0,4) by (1,4),
    # (4,0) by (5,0). The sweep finds them in that order (h2 rising), then one infeasible call.
    oracle = SetOracle([(5, 0), (4, 1), (4, 0), (2, 2), (1, 4), (0, 4), (3, 1)])
    sweep = front(oracle, [1.0, 1.0])
    assert [y.h for y in sweep.points] == [(5, 0), (4, 1), (2, 2), (1, 4)]
    assert oracle.calls == 5
