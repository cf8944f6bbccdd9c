"""The tie-break stage's scope and its canonical order among exact ties."""

from __future__ import annotations

import numpy as np

from planner.model.compile import Compiled
from planner.solver.outcome import Status


ALL, SUBSETS = "all portfolios", "sub-portfolios of the primary stage's"


def tie_break_scope(primary_status: Status, mip_gap: float) -> str:
    """Where the tie-break stage looks for the least-cost portfolio of (within 1e-6) equal objective.

    Only a proven optimum (status optimal at mip_gap 0) defines "the optimal objective";
    then the stage searches all portfolios — exact lexicographic optimisation, as hard as a
    second MIP. Otherwise (mip_gap > 0, or stopped by a limit) the objective is only known
    within the gap, so the stage keeps the portfolio found and removes what it does not
    need: the least-cost subset with the same objective. Both leave no selected option idle.
    """
    return ALL if primary_status == Status.OPTIMAL and mip_gap == 0 else SUBSETS


def _decimal_quantum(values: np.ndarray) -> float | None:
    """The largest q (a decimal, ≤ 9 places) of which every value is a whole multiple, or None."""
    for places in range(10):
        scaled = values * 10.0**places
        if scaled.max() > 1e15:
            return None
        whole = np.round(scaled)
        if np.all(np.abs(scaled - whole) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            return float(np.gcd.reduce(whole.astype(np.int64))) / 10.0**places
    return None


def canonical_weights(comp: Compiled) -> np.ndarray:
    """Tiny generic weights on x, added to the tie-break stage's objective, so that portfolios
    tying exactly in objective *and* tie-break cost are ordered too — one definite answer,
    whatever HiGHS's thread count (which otherwise decides among exact ties).

    w[o] = res/(4n)·(1 + frac(√s[o])) for the n options in file order (s the square-free numbers), so
    Σ w < res/2 where `res` is the least difference between two portfolios' tie-break values:
    the decimal quantum q of the tie-break weights, or — when the tie-break also carries the
    one tiny weight e of free options (build.tie_eps, below 1e-3 of any cost) — e, provided
    q ≥ 2·n·e. The order of distinct tie-break values is therefore never changed. Weights that
    are not decimals get no canonical order (zeros)."""
    w = np.zeros(len(comp.secondary))
    w[comp.x_cols] = canonical_x_weights(comp.secondary[comp.x_cols])
    return w


def canonical_x_weights(coef: np.ndarray) -> np.ndarray:
    """`canonical_weights` for the options alone, from their tie-break coefficients."""
    n = len(coef)
    positive = coef[coef > 0]
    if not n or not positive.size:
        return np.zeros(n)
    res = _decimal_quantum(positive)
    if res is None:
        e = float(positive.min())
        rest = positive[positive > e * (1 + 1e-12)]
        q = _decimal_quantum(rest) if rest.size else None
        if q is None or q < 2 * n * e:
            return np.zeros(n)
        res = e
    weights: np.ndarray = res / (4 * n) * (1.0 + np.modf(np.sqrt(_square_free(n)))[0])
    return weights


def _square_free(n: int) -> np.ndarray:
    """The first n square-free integers ≥ 2. Their square roots are linearly independent over
    the rationals, so no two different sets of options get the same sum of weights (weights
    from multiples of one irrational, such as the golden ratio, collide: g1 + g4 = g2 + g3)."""
    limit = 2 * n + 16  # over 60 % of integers are square-free
    ok = np.ones(limit, dtype=bool)
    ok[:2] = False
    k = 2
    while k * k < limit:
        ok[k * k :: k * k] = False
        k += 1
    return np.flatnonzero(ok)[:n].astype(float)
