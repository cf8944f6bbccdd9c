"""The figures of portfolios over W, from the vertices examined so far, with honest bounds.

`Figures` keeps the vertices of W whose optimum z*(w_v) is known (one nominal solve each) and
every portfolio seen (each optimum, the nominal, maximin and master portfolios). For a
portfolio P (value V(P)·y + c(P), `planner.robust.weights.Linear`):

- worst case: min over W of value(P, y), exact without vertices (`WeightSet.minimise`);
- max regret: max over W of z*(y) − value(P, y), at a vertex of W. With every vertex examined
  it is exact. Otherwise it lies between
  lower = max(max over the examined vertices, max_Q max_{y∈W} value(Q, y) − value(P, y) over the
          portfolios Q seen — each an exact linear-fractional optimum, as z*(y) ≥ value(Q, y)),
  upper = z̄ − worst case(P), z̄ ≥ z*(y) on all of W (`RobustSolver.upper`).
- minimax regret (`lazy_regret`) when W has more vertices than may be solved: the master over
  the examined vertices is a lower bound on it; each round adds the vertices (and the corners
  one factor away from them) where a portfolio seen beats the master's portfolio by more than
  that bound, the largest first, until none does or the limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from planner.inputs.validate_robust import WeightSet
from planner.robust.methods import Found, RobustSolver
from planner.robust.weights import Linear

ROUND_VERTICES = (
    32  # vertices added per round of the lazy minimax regret (largest lower bounds first): a round costs a master MILP
)


@dataclass(frozen=True)
class Regret:
    """A portfolio's max regret over W: exact when lower == upper; `x` where `lower` is reached."""

    lower: float
    upper: float | None
    x: np.ndarray


@dataclass
class Figures:
    ws: WeightSet
    lin: Linear
    complete: bool  # every vertex of W is (to be) examined
    xs: list[np.ndarray] = field(default_factory=list)  # examined vertices, statement scale
    best: list[float] = field(default_factory=list)  # z* at each
    optima: list[Found] = field(default_factory=list)  # the optimum at each
    ceiling: list[float] = field(default_factory=list)  # ≥ z* at each: the larger of it and the solver's bound
    known: dict[bytes, tuple[np.ndarray, float]] = field(default_factory=dict)  # portfolio → (V, c)
    zbar: float | None = None  # an upper bound on z* over W (truncated W only)
    keys: set[bytes] = field(default_factory=set)  # the examined vertices, for look-up

    @property
    def ys(self) -> np.ndarray:
        return np.array([self.ws.point(x) for x in self.xs]).reshape(len(self.xs), self.ws.size + 1)

    def of(self, found: Found) -> tuple[np.ndarray, float]:
        """(V(P), c(P)) of a portfolio, remembered as one seen."""
        key = found.x.tobytes() + (b"" if found.start is None else np.asarray(found.start).tobytes())
        if key not in self.known:
            self.known[key] = self.lin.portfolio(found.x, found.start)
        return self.known[key]

    def examined(self, x: np.ndarray) -> bool:
        return np.asarray(x, dtype=float).tobytes() in self.keys

    def add(self, x: np.ndarray, optimum: Found) -> None:
        """Vertex x of W examined: its optimum's value there is z*(w_x)."""
        v, c = self.of(optimum)
        self.xs.append(np.asarray(x, dtype=float))
        self.keys.add(self.xs[-1].tobytes())
        self.optima.append(optimum)
        self.best.append(float(v @ self.ws.point(x) + c))
        self.ceiling.append(max(self.best[-1], optimum.bound if optimum.bound is not None else -np.inf))

    def values(self, v: np.ndarray, c: float) -> np.ndarray:
        """value(P, w) at each examined vertex."""
        return np.asarray(self.ys @ v + c, dtype=float)

    def worst(self, v: np.ndarray, c: float) -> tuple[float, np.ndarray]:
        value, x = self.ws.minimise(v)
        return value + c, x

    def regret(self, v: np.ndarray, c: float) -> Regret:
        """Max regret of the portfolio (V, c): exact with every vertex examined, else bounds."""
        at = np.array(self.best) - self.values(v, c)
        k = int(np.argmax(at))
        lower, x = float(at[k]), self.xs[k]
        if self.complete:
            return Regret(lower, lower, x)
        for vq, cq in self.known.values():
            gain, xq = self.ws.maximise(vq - v)
            if gain + cq - c > lower:
                lower, x = gain + cq - c, xq
        upper = None if self.zbar is None else max(lower, self.zbar - self.worst(v, c)[0])
        return Regret(lower, upper, x)


def lazy_regret(
    solver: RobustSolver,
    fig: Figures,
    start: Found,
    nominal: Found,
    tol: float,
    max_vertices: int,
    tell: Callable[[int], None],
) -> tuple[Found, float, int]:
    """Minimax regret when W's vertices are too many to solve: (portfolio, the master's lower bound, MILPs)."""
    iterations = 0
    while True:  # rounds skip the least-cost tie-break; the last master gets it
        found, _, lower, its = solver.regret(fig.ys, np.array(fig.best), start, tol, tie_break=False)
        iterations += its
        v, c = fig.of(found)
        candidates: dict[bytes, tuple[float, np.ndarray]] = {}
        for vq, cq in list(fig.known.values()):
            _, x = fig.ws.maximise(vq - v)
            for near in [x, *fig.ws.neighbours(x)]:  # the best corner, and the corners one factor away
                gain = float((vq - v) @ fig.ws.point(near) + cq - c)
                if (
                    gain > lower + tol
                    and not fig.examined(near)
                    and gain > candidates.get(near.tobytes(), (-np.inf,))[0]
                ):
                    candidates[near.tobytes()] = (gain, near)
        added = 0
        for _, x in sorted(candidates.values(), key=lambda p: -p[0]):
            if len(fig.xs) >= max_vertices or added == ROUND_VERTICES:
                break
            if not fig.examined(x):
                fig.add(x, solver.optimum_at(fig.ws.point(x), tie_break=False, start=nominal))
                added += 1
                tell(len(fig.xs))
        if not added:
            found, _, lower, its = solver.regret(fig.ys, np.array(fig.best), found, tol)
            return found, lower, iterations + its
        start = found
