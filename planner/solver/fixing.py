"""Which integer columns a bound on the objective fixes: reduced-cost fixing by weak duality.

For any row multipliers y, every x within the column bounds l ≤ x ≤ u and the row ranges
rl ≤ A·x ≤ ru satisfies

    c·x = d·x + y·(A·x) ≥ L = Σ_j min(d_j·l_j, d_j·u_j) + Σ_i min(y_i·rl_i, y_i·ru_i),   d = c − Aᵀy.

So an integer column j with L + |d_j| > limit stays at the bound its reduced cost favours
(l_j if d_j > 0, u_j if d_j < 0) in every x with c·x ≤ limit. The bound holds for *any* y —
the LP relaxation's duals only make it tight — and d is computed here from y, so the fixing
does not depend on the accuracy of the LP's solve; a y with the wrong sign on a row's
infinite side is replaced by 0 (still valid), and an unbounded term gives no fixing at all.

The tie-break stage (`HighsSession.solve`) searches the portfolios whose primary objective
is within its tolerance of the proven optimum; the columns fixed by the primary's LP duals
are fixed there too, which leaves the stage the same answer and less to prove.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int32]


@dataclass(frozen=True)
class LpArrays:
    """A model as HiGHS holds it: costs, column bounds, row ranges, the matrix column-wise."""

    cost: Floats
    col_lower: Floats
    col_upper: Floats
    row_lower: Floats
    row_upper: Floats
    start: npt.NDArray[np.int64]  # column j's entries are start[j]:start[j + 1]
    index: npt.NDArray[np.int64]  # row of each entry
    value: Floats
    integer: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Fixing:
    """Integer columns and the values they keep in every x with c·x ≤ the limit (and their bounds before)."""

    cols: Ints
    values: Floats
    lower: Floats
    upper: Floats

    def __len__(self) -> int:
        return len(self.cols)


NONE = Fixing(np.zeros(0, np.int32), np.zeros(0), np.zeros(0), np.zeros(0))


def fixed_by_bound(lp: LpArrays, row_dual: Floats, limit: float) -> Fixing:
    """The integer columns that c·x ≤ `limit` fixes, given row multipliers `row_dual` (see the module doc)."""
    y = np.asarray(row_dual, dtype=float).copy()
    y[(y > 0) & ~np.isfinite(lp.row_lower)] = 0.0  # y_i·r_i is bounded below only on a finite side
    y[(y < 0) & ~np.isfinite(lp.row_upper)] = 0.0
    n = len(lp.cost)
    cols = np.repeat(np.arange(n), np.diff(lp.start))
    d = lp.cost - np.bincount(cols, weights=lp.value * y[lp.index], minlength=n)
    col_term = _least(d, lp.col_lower, lp.col_upper)
    row_term = _least(y, lp.row_lower, lp.row_upper)
    if not (np.isfinite(col_term).all() and np.isfinite(row_term).all()):
        return NONE
    bound = float(col_term.sum() + row_term.sum())
    if bound > limit:  # no x at all (numerically impossible when an x with c·x ≤ limit is known)
        return NONE
    free = lp.integer & (lp.col_lower < lp.col_upper) & np.isfinite(lp.col_lower) & np.isfinite(lp.col_upper)
    fix = np.flatnonzero(free & (bound + np.abs(d) > limit))
    if not len(fix):
        return NONE
    values = np.where(d[fix] > 0, lp.col_lower[fix], lp.col_upper[fix])
    return Fixing(fix.astype(np.int32), values.astype(float), lp.col_lower[fix], lp.col_upper[fix])


def _least(coef: Floats, lower: Floats, upper: Floats) -> Floats:
    """min(coef·lower, coef·upper) per entry (0 where coef is 0, −inf where it is unbounded below)."""
    with np.errstate(invalid="ignore"):
        low = np.where(coef > 0, coef * lower, np.where(coef < 0, coef * upper, 0.0))
    return np.where(np.isnan(low), -np.inf, low)
