"""Exact robust solves over the weight set W, on one live HiGHS model of the scenario.

All start from the built model (`planner.model.assemble.build`, every rule honoured) and its
objective as C + Σ_k y_k·A[k] per column q (`planner.robust.weights.Linear.columns`), y = (f, t)
a point of W: G y ≥ 0 and α·y = T are W's rows (`WeightSet.rows`), w_1 … w_V vertices of W.

- maximin:  max_q min_{y∈W} (C + yA)·q. The inner LP's dual (λ ≥ 0 on G y ≥ 0, μ free on the
  total) makes it one MILP, whatever the number of factors: max C·q + T·μ  s.t.  Gᵀλ + α·μ − A·q = 0
  (y's coordinates rescaled to about 1 and G's rows to unit size, for the solver's tolerances).
- minimax regret: min_P max_v [z*(w_v) − value(P, w_v)] over the vertices given (regret is
  convex in y, so over all of W its maximum is at a vertex). z*(w_v) is one nominal solve per
  vertex; the master MILP min r s.t. r ≥ z*(w_v) − (C + w_v A)·q for the vertices in it —
  seeded with those where the starting portfolio regrets most (`SEED_VERTICES`) — and each
  round adds the vertex where the master's portfolio regrets most, until that regret equals r.
- non-dominated: maximise value at a point w̄ of W's relative interior (so an optimum is never
  dominated) subject to "not weakly dominated by any portfolio found" on the vertices given:
  for each found Z, Σ_v δ_Zv ≥ 1 and (C + w_v A)·q ≥ z_Z(w_v) + ε − M_v(1 − δ_Zv). Equal-valued
  portfolios fall to the same cut, so each counts once: the tie-break stage's cheapest. On a
  subset of the vertices every portfolio found is still non-dominated over W (it is optimal at
  an interior point among those the found ones do not dominate), but some may be missed.
- upper: max_q c̄·q with c̄_j ≥ the column's coefficient anywhere in W: a bound on z*(y) over W.

Each solve is `LiveModel.solve`: the objective, then least cost among its optima.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planner.errors import PlannerError
from planner.inputs.scenario import Scenario
from planner.model.assemble import build
from planner.model.compile import compile_model
from planner.robust.weights import Linear
from planner.solver.live import LiveModel
from planner.solver.outcome import Status


# The minimax-regret master starts with up to this many vertices (those where the starting
# portfolio regrets most): z*(w_v) is known for every vertex anyway, and one master MILP with
# them all was about twice as fast as adding them one round at a time (baseline, 6 sectors,
# 60 vertices: 11.6 s against 21.3 s; benchmarks/bench_robust.py). Rounds still add any vertex
# beyond the seed until the gap closes.
SEED_VERTICES = 200


@dataclass(frozen=True)
class Found:
    """A portfolio from a robust solve: the option vector, start years, and the solver's figure."""

    x: np.ndarray
    start: np.ndarray | None
    solver_value: float | None
    status: Status
    bound: float | None = None  # the solver's bound on the objective (user sense)


class RobustSolver:
    """One live model (`planner.solver.live.LiveModel`) of the scenario, re-solved with robust objectives."""

    def __init__(self, scenario: Scenario, lin: Linear):
        self.scenario, self.lin = scenario, lin
        self.comp = compile_model(build(scenario))
        self.session = LiveModel(self.comp, scenario.config.solver.threads, own=False)
        self.A, self.C = lin.columns
        self.n = len(self.C)
        self.solves = 0

    def _solve(self, user: np.ndarray, tie_break: bool = True, start: Found | None = None) -> Found | None:
        """Maximise `user` (a vector over the live model's columns), then the tie-break stage
        (unless `tie_break` is False); `start` a MIP start; None when no portfolio is feasible."""
        s = self.session
        cost = np.zeros(s.num_columns)
        cost[: len(user)] = -user  # the session minimises
        second = np.zeros(s.num_columns)
        second[: self.n] = self.comp.secondary
        cfg = self.scenario.config.solver
        with s.objectives(cost, second):
            hint = None if start is None else (self.comp.x_cols.astype(np.int32), start.x.astype(float))
            out = s.solve(cfg.time_limit_s, cfg.mip_gap, cfg.tie_break and tie_break, start=hint)
        self.solves += 1
        if out.status is Status.INFEASIBLE:
            return None
        if out.x is None:
            raise PlannerError(f"a robust solve ended {out.status.value} without a portfolio ({out.message})")
        return Found(out.x, out.start_year, out.objective_solver, out.status, out.bound)

    def at(self, y: np.ndarray, tie_break: bool = True, start: Found | None = None) -> Found | None:
        """The nominal problem at the point y of W (the optimum of value(·, y)); None when the scenario is infeasible."""
        return self._solve(self.C + np.asarray(y) @ self.A, tie_break, start)

    def optimum_at(self, y: np.ndarray, tie_break: bool = True, start: Found | None = None) -> Found:
        """`at` once the nominal problem has a portfolio: the weights move the objective, never the
        rows, so every point of W has one too."""
        return _feasible(self.at(y, tie_break, start))

    def maximin(self, scale: np.ndarray) -> Found:
        """The maximin portfolio; `scale` > 0 per coordinate of y (e.g. a point of W) sets the units."""
        ws = self.lin.ws
        g = ws.rows() * scale
        g = g / np.abs(g).max(axis=1, keepdims=True)
        a, alpha = self.A * scale[:, None], ws.alpha_y * scale
        s = self.session
        with s.changes():
            base = s.num_rows
            for k in range(len(scale)):
                cols = np.flatnonzero(a[k])
                s.add_row(0.0, 0.0, cols, -a[k][cols])
            for i in range(len(g)):
                ks = np.flatnonzero(g[i])
                s.add_column(0.0, 0.0, np.inf, base + ks, g[i][ks])
            ks = np.flatnonzero(alpha)
            s.add_column(0.0, -np.inf, np.inf, base + ks, alpha[ks])
            return _feasible(self._solve(np.concatenate([self.C, np.zeros(len(g)), [ws.total]])))

    def upper(self, low: np.ndarray, high: np.ndarray) -> float | None:
        """An upper bound on z*(y) for every y with low ≤ y ≤ high (W's bounding box), or None.

        Each column's coefficient C_j + Σ_k y_k·A_kj is at most c̄_j = C_j + Σ_k max(A_kj·low_k,
        A_kj·high_k); for columns ≥ 0, value(q, y) ≤ c̄·q, so max_q c̄·q bounds every z*(y)."""
        touched = np.any(self.A != 0, axis=0)
        if np.any(self.comp.col_lower[touched] < 0):
            return None
        with np.errstate(invalid="ignore"):
            top = np.where(self.A > 0, self.A * high[:, None], self.A * low[:, None])
        top = np.where(self.A == 0, 0.0, top)
        if not np.all(np.isfinite(top)):
            return None
        found = self._solve(self.C + top.sum(axis=0), tie_break=False)
        if found is None:
            return None
        values = [v for v in (found.solver_value, found.bound) if v is not None]
        return float(max(values)) if values else None

    def regret(
        self, vertices: np.ndarray, best: np.ndarray, first: Found, tol: float, tie_break: bool = True
    ) -> tuple[Found, float, float, int]:
        """Minimax regret by constraint generation; `best[v]` = z*(w_v), `first` a portfolio to start from
        (also a MIP start); `tie_break` False skips the least-cost stage on the closed master.

        Returns (portfolio, its max regret, the master's lower bound, iterations)."""
        s = self.session

        def values(x: np.ndarray, start: np.ndarray | None) -> np.ndarray:
            v, c = self.lin.portfolio(x, start)
            return np.asarray(vertices @ v + c, dtype=float)

        regret = best - values(first.x, first.start)
        active: list[int] = []
        found, lower = first, -np.inf
        with s.changes():
            r = s.add_column(0.0, 0.0, np.inf, [], [])
            iterations = 0

            def add(v: int) -> None:
                active.append(v)
                u = self.C + vertices[v] @ self.A
                cols = np.flatnonzero(u)
                s.add_row(float(best[v]), np.inf, np.append(cols, r), np.append(u[cols], 1.0))

            # Every z*(w_v) is known already, so a master seeded with the vertices where the
            # starting portfolio regrets most saves rounds (each round is a MILP from scratch).
            for v in np.argsort(-regret, kind="stable")[:SEED_VERTICES].tolist():
                add(int(v))
            while True:
                v = int(np.argmax(regret))
                if iterations and v in active:
                    break  # numerically closed: the worst vertex is already in the master
                if v not in active:
                    add(v)
                user = np.zeros(s.num_columns)
                user[r] = -1.0
                # Rounds before the last need only the master's optimum, not its cheapest tie.
                found = _feasible(self._solve(user, tie_break=False, start=found))  # found: first, in the first round
                iterations += 1
                lower = -_value(found)
                regret = best - values(found.x, found.start)
                if float(regret.max()) - lower <= tol:
                    break
            if tie_break:
                final = _feasible(self._solve(user, start=found))  # the tie-break stage on the closed master
                final_regret = best - values(final.x, final.start)
                if float(final_regret.max()) <= float(regret.max()) + tol:
                    found, regret = final, final_regret
            return found, float(regret.max()), lower, iterations

    def nondominated(
        self,
        vertices: np.ndarray,
        ceiling: np.ndarray,
        centre: np.ndarray,
        max_portfolios: int,
        eps: float,
        tell: Callable[[int], None] | None = None,
    ) -> tuple[list[Found], list[np.ndarray], bool]:
        """The non-dominated portfolios (value vectors over the vertices beside them); all found, or
        stopped at `max_portfolios`. `ceiling[v]` ≥ z*(w_v) (no portfolio beats a found one where it
        is optimal, so those vertices need no binary); `centre` a point of W's relative interior;
        `tell(n)` after each portfolio."""
        s = self.session
        lo, hi = self.comp.col_lower, self.comp.col_upper
        us = [self.C + w @ self.A for w in vertices]
        with np.errstate(invalid="ignore", over="ignore"):
            low = [float(np.sum(np.where(u > 0, u * lo, np.where(u < 0, u * hi, 0.0)))) for u in us]
        if not np.all(np.isfinite(low)):
            raise PlannerError("an objective column is unbounded; the dominance cuts need bounded values")
        centre = self.C + np.asarray(centre) @ self.A
        found: list[Found] = []
        zs: list[np.ndarray] = []
        with s.changes():
            while len(found) < max_portfolios:
                p = self._solve(centre)
                if p is None:
                    return found, zs, True  # no portfolio escapes the cuts: all found
                v, c = self.lin.portfolio(p.x, p.start)
                z = vertices @ v + c
                if any(np.all(z <= old + eps / 2) for old in zs):
                    return found, zs, True  # numerically nothing new
                found.append(p)
                zs.append(z)
                if tell:
                    tell(len(found))
                deltas = []
                for u, zv, lw, top in zip(us, z.tolist(), low, ceiling.tolist()):
                    if zv + eps / 2 > top:
                        continue  # optimal at this vertex already: nothing beats it there
                    d = s.add_column(0.0, 0.0, 1.0, [], [], integer=True)
                    deltas.append(d)
                    big = zv + eps - lw
                    cols = np.flatnonzero(u)
                    s.add_row(zv + eps - big, np.inf, np.append(cols, d), np.append(u[cols], -big))
                if not deltas:
                    return found, zs, True  # optimal at every vertex: it dominates every other portfolio
                s.add_row(1.0, np.inf, deltas, np.ones(len(deltas)))
            return found, zs, False


def _feasible(found: Found | None) -> Found:
    """A solve that must have a portfolio: the weights (or the robust columns and rows added) never
    change which portfolios meet the scenario's rows, and the nominal problem has one."""
    if found is None:
        raise PlannerError("a robust solve found no portfolio though the nominal problem has one")
    return found


def _value(found: Found) -> float:
    """The solver's objective of a found portfolio (every optimal solve reports one)."""
    if found.solver_value is None:
        raise PlannerError(f"a robust solve ended {found.status.value} without an objective value")
    return found.solver_value
