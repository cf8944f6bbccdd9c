"""Reduced-cost fixing by weak duality (`planner.solver.fixing`): every column it fixes keeps its
value in every portfolio within the bound, whatever the multipliers; and the tie-break stage that
uses it returns what it returns without it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.model.assemble import build
from planner.model.compile import compile_model
from planner.solver.fixing import LpArrays, fixed_by_bound
from planner.solver.search import Search
from planner.solver.live import LiveModel
from planner.api import load_scenario
from sens_helpers import write_scenario


def _knapsack(values: list[float], weights: list[float], cap: float) -> LpArrays:
    """min −v·x s.t. w·x ≤ cap, x binary; one row, the matrix column-wise."""
    n = len(values)
    return LpArrays(
        cost=-np.asarray(values, dtype=float),
        col_lower=np.zeros(n),
        col_upper=np.ones(n),
        row_lower=np.array([-np.inf]),
        row_upper=np.array([cap]),
        start=np.arange(n + 1, dtype=np.int64),
        index=np.zeros(n, dtype=np.int64),
        value=np.asarray(weights, dtype=float),
        integer=np.ones(n, dtype=bool),
    )


def test_hand_knapsack():
    # max 10a + 6b + 1c s.t. 5a + 5b + 5c ≤ 10: optimum a + b = 16. LP duals: y = −1.2 on the row
    # (the ratio of b, the last item in); reduced costs d = c − Aᵀy = (−10 + 6, −6 + 6, −1 + 6) =
    # (−4, 0, 5). L = min over the box of d·x + y·(w·x ≤ 10) = −4 + 0 + 0 + (−1.2·10) = −16.
    # Within −16 + 0.5 (objective ≥ 15.5): c = 1 gives L + 5 = −11 > −15.5, so c = 0; a = 0 gives
    # L + 4 = −12 > −15.5, so a = 1; b (d = 0) stays free.
    lp = _knapsack([10, 6, 1], [5, 5, 5], 10)
    fixing = fixed_by_bound(lp, np.array([-1.2]), -15.5)
    assert dict(zip(fixing.cols.tolist(), fixing.values.tolist())) == {0: 1.0, 2: 0.0}
    # A bound looser than the gap to c's reduced cost (objective ≥ 10.5): c is free again.
    assert 2 not in fixed_by_bound(lp, np.array([-1.2]), -10.5).cols.tolist()


def test_wrong_signed_multiplier_on_an_infinite_side_is_dropped_not_trusted():
    lp = _knapsack([10, 6, 1], [5, 5, 5], 10)
    # y > 0 on a row with no lower side would make the bound −∞; it is replaced by 0, so d = c and
    # L = −17 (every item at 1). Objective ≥ 15.5 then needs a (without it at most 7) and b
    # (without it at most 11): L + 10 = −7 and L + 6 = −11 are above −15.5; c (L + 1 = −16) is free.
    fixing = fixed_by_bound(lp, np.array([3.0]), -15.5)
    assert dict(zip(fixing.cols.tolist(), fixing.values.tolist())) == {0: 1.0, 1: 1.0}


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(1, 9), st.integers(1, 9)), min_size=1, max_size=7),
    cap=st.integers(0, 30),
    y=st.floats(-5, 5, allow_nan=False),
    slack=st.integers(0, 6),
)
def test_brute_force_every_fixed_column_keeps_its_value(data, cap, y, slack):
    values, weights = [float(v) for v, _ in data], [float(w) for _, w in data]
    lp = _knapsack(values, weights, float(cap))
    points = [np.array(x, dtype=float) for x in itertools.product((0, 1), repeat=len(values))]
    feasible = [x for x in points if x @ lp.value <= cap]
    best = min(float(lp.cost @ x) for x in feasible)
    limit = best + slack
    fixing = fixed_by_bound(lp, np.array([y]), limit)
    for x in feasible:
        if lp.cost @ x <= limit:
            assert np.array_equal(x[fixing.cols], fixing.values)


@pytest.mark.parametrize("seed", range(4))
def test_tie_break_with_fixing_returns_the_plain_tie_break(tmp_path, seed):
    comp = compile_model(build(load_scenario(write_scenario(tmp_path, seed=seed, n_options=12, n_gaps=5, budget=25))))
    plain, fixed = LiveModel(comp), LiveModel(comp, search=Search.SAMPLES)
    assert fixed.resolve_applies(0.0)
    row = int(np.flatnonzero([t.family == "limit" and t.subject == "budget_musd" for t in comp.tags])[0])
    for limit in (25.0, 17.0, 9.0, 4.0):
        for live in (plain, fixed):
            live.set_row_bounds([row], [-np.inf], [limit])
        a, b = plain.solve(None, 0.0), fixed.solve(None, 0.0)
        assert a.status == b.status
        assert (a.x is None and b.x is None) or np.array_equal(a.x, b.x)
