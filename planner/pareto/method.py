"""The exact ε-constraint method with lexicographic tie-breaks, for two and three objectives.

All objectives are maximised here (h_k = ±f_k) and take values on lattices δ_k·ℤ
(`planner.pareto.objectives.resolution`). The one operation is the oracle's

    lexmax(order, ε) = the lexicographic maximum of (h_order[0], h_order[1], …) over the
                       portfolios with h_k ≥ ε_k for every k, then least cost (tie-break),

or None when no portfolio meets ε. Every lexmax is non-dominated: a portfolio as good in
every objective meets ε as well, so it ties the first objective, then the second, … — it
has the same values. A bound "h_k > y_k" is posed as h_k ≥ y_k + δ_k/2, which on the lattice
is h_k ≥ y_k + δ_k: nothing between two lattice values is skipped or admitted twice.

Two objectives (sweep):  y¹ = lexmax((1,2), −∞); y^{i+1} = lexmax((1,2), h_2 > y^i_2); stop at None.
  h_2 strictly increases and h_1 strictly decreases along the sweep, so each point comes
  once. None is missed: for a non-dominated y, let y^i be the last point found with
  h_2 < y_2 (y¹ has h_1 ≥ y_1, so if y¹_2 ≥ y_2 then y = y¹). y meets the next bound, so
  y^{i+1} has h_1 ≥ y_1 and, y^i being the last below, h_2 ≥ y_2: y^{i+1} = y.

Three objectives (levels of h_3):  at level e (first −∞), sweep (h_1, h_2) over the
  portfolios with h_3 ≥ e, each point completed lexicographically by h_3; then the next
  level is e' = min h_3 over the points found at this level, + δ_3; stop when a level has
  no portfolio. Exact: a non-dominated y with y_3 ≥ e not found at level e is, in (h_1, h_2),
  weakly dominated by a point z found there (the sweep's points dominate every portfolio
  of the level) with z_3 < y_3 (else z would dominate y), so y_3 ≥ min z_3 + δ_3 = e':
  y is still in the next level's region. Levels strictly increase and are values of h_3
  of non-dominated points, so the method ends. Points found at several levels are kept once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Callable, Protocol, Sequence

import numpy as np

NEG_INF = float("-inf")


class Stop(StrEnum):
    """Why a front is incomplete."""

    MAX_POINTS = "max_points"
    TIME_LIMIT = "time_limit"


@dataclass(frozen=True)
class Found:
    """One lexmax: the values h (maximised, on their lattices) and its portfolio."""

    h: tuple[float, ...]
    x: np.ndarray
    start_year: np.ndarray | None = None


class Stopped(Exception):
    """The oracle could not prove a lexmax within the time left."""


class Oracle(Protocol):
    def lexmax(self, order: Sequence[int], lower: Sequence[float], upper: Sequence[float]) -> Found | None:
        """`upper`: bounds no lexmax within `lower` exceeds (valid cuts that help the solver)."""


@dataclass
class Sweep:
    """The points found so far (each once, in finding order) and, if the run stopped, why and
    the bound below which the front is known complete: every non-dominated point with
    h_last < `complete_below` is among `points` (h_last: h_2 for two objectives, h_3 for three)."""

    points: list[Found] = field(default_factory=list)
    stop: Stop | None = None
    complete_below: float | None = None
    lexmax_calls: int = 0


def front(
    oracle: Oracle,
    deltas: Sequence[float],
    max_points: int | None = None,
    on_point: Callable[[Found], None] | None = None,
) -> Sweep:
    """Every non-dominated point (two or three objectives), or what was found before a stop."""
    n = len(deltas)
    out = Sweep()
    seen: set[tuple[float, ...]] = set()

    def add(y: Found) -> None:
        key = tuple(y.h)
        if key in seen:
            return
        seen.add(key)
        out.points.append(y)
        if on_point is not None:
            on_point(y)

    def call(order: list[int], lower: list[float], upper: list[float]) -> Found | None:
        out.lexmax_calls += 1
        return oracle.lexmax(order, lower, upper)

    last = n - 1
    level = NEG_INF
    try:
        while True:
            lower = [NEG_INF] * n
            upper = [-NEG_INF] * n
            lower[last] = level
            found_here: list[Found] = []
            # the sweep: maximise h_1 first, then raise the bound on h_2
            while True:
                y = call(list(range(n)), lower, upper)
                if y is None:
                    break
                if max_points is not None and len(out.points) >= max_points and tuple(y.h) not in seen:
                    out.stop = Stop.MAX_POINTS  # a new point beyond the limit: not kept
                    out.complete_below = lower[1] if n == 2 else level
                    return out
                found_here.append(y)
                add(y)
                lower[1] = y.h[1] + deltas[1] / 2
                upper[0] = y.h[0] - deltas[0] / 2  # the next point trades h_1 for h_2: h_1 < y_1
            if n == 2 or not found_here:
                return out
            level = min(y.h[2] for y in found_here) + deltas[2] / 2
    except Stopped:
        out.stop = Stop.TIME_LIMIT
        out.complete_below = lower[1] if n == 2 else level
        return out
