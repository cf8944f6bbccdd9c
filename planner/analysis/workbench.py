"""Exact re-solves of one built model with temporary changes: the engine under explain, value, diagnose.

A `Workbench` builds and compiles a scenario once and keeps one `LiveModel` alive, so
each re-solve costs one solver run, never a rebuild. `solve(...)` applies temporary
changes — options fixed in or out, row bounds, a `Parameter` set to a value — solves
exactly as `planner solve` does (stage 1, then the tie-break stage, with the scenario's
solver settings) and undoes the changes.

`min_parameter(p, o, z_ref)` solves the *entry* MIP of a parameter:

    min t  s.t.  x[o] = 1,  every row of the model with p applied at value t,
                 primary objective at least as good as z_ref (within 1e-6 relative)

With x[o] fixed at 1 a change to o's column coefficients or to a row bound is linear in
t, so this is one MILP with one extra column: the smallest t at which some portfolio
containing o is as good as z_ref — exactly, not by bisection.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from planner.errors import PlannerError
from planner.inputs.scenario import Scenario
from planner.model.assemble import build
from planner.model.compile import Compiled, compile_model
from planner.model.core import Role, RowTag
from planner.results.evaluation import evaluate
from planner.solver.search import Search
from planner.solver.live import LiveModel
from planner.solver.outcome import Status

OBJ_TOL = 1e-6  # relative tolerance of "as good as", the same as the tie-break stage's


def obj_tol(z: float) -> float:
    return OBJ_TOL * max(1.0, abs(z))


@dataclass(frozen=True)
class Probe:
    """One re-solve: status, 0/1 selection (scenario order), objective (user sense, recomputed)."""

    status: Status
    x: np.ndarray | None
    objective: float | None
    solver_objective: float | None  # stage-1 objective as the solver saw it (user sense)
    selected: tuple[str, ...] = ()
    start_year: np.ndarray | None = None  # phasing: start year per option

    @property
    def feasible(self) -> bool:
        return self.x is not None

    @property
    def optimal(self) -> bool:
        return self.status == Status.OPTIMAL


@dataclass(frozen=True)
class LpRelaxation:
    """The LP relaxation's optimum: status, objective and per-row duals, both in user sense
    (a dual: the relaxation's objective change per unit increase of the row's bound)."""

    status: Status
    objective: float | None
    duals: np.ndarray | None


@dataclass(frozen=True)
class Parameter:
    """A change linear in t ≥ 0 (t ≤ t_max): o's column coefficients, row bounds, o's objective costs.

    coefficient(t) = base + t·coef[row] on x[option]; bound(t) = base + t·bound[row] on the
    row's finite side(s); min-sense primary/secondary cost of x[option] shift by t·primary/secondary.
    """

    label: str
    option: str | None = None
    coef: dict[int, float] = field(default_factory=dict)
    bound: dict[int, float] = field(default_factory=dict)
    primary: float = 0.0
    secondary: float = 0.0
    t_max: float = math.inf


@dataclass(frozen=True)
class RowInfo:
    """One row of the compiled model: its name, bounds and tag (what it means, where its bound came from)."""

    name: str
    tag: RowTag
    lower: float
    upper: float

    @property
    def family(self) -> str:
        return self.tag.family

    @property
    def ident(self) -> str:
        """The id the row was made for (a resource, gap or option for limits, targets, require/forbid)."""
        return self.tag.ident

    @property
    def subject(self) -> str | None:
        return self.tag.subject

    @property
    def sense(self) -> str:
        if self.lower == self.upper:
            return "=="
        return "<=" if math.isfinite(self.upper) else ">="

    @property
    def bound(self) -> float:
        return self.upper if math.isfinite(self.upper) else self.lower


class Workbench:
    """A scenario built and compiled once, with a live model (`LiveModel`) for exact re-solves."""

    def __init__(self, scenario: Scenario, threads: int | None = None):
        """`threads`: HiGHS threads (None: the scenario's `solver.threads`)."""
        self.scenario = scenario
        self.model = build(scenario)
        cfg = scenario.config.solver
        self.time_limit, self.mip_gap, self.tie_break = cfg.time_limit_s, cfg.mip_gap, cfg.tie_break
        self.live = LiveModel(
            compile_model(self.model), cfg.threads if threads is None else threads, own=False, search=Search.RESOLVE
        )
        self.comp = self.live.comp  # the live arrays: inside a `live.changes()` block they hold the change
        self.options = list(scenario.options.index)
        self.opt_index = {o: i for i, o in enumerate(self.options)}
        self.row_index = {n: i for i, n in enumerate(self.comp.row_names)}
        c = self.comp
        self.rows = [
            RowInfo(n, tag, float(lo), float(hi))
            for n, tag, lo, hi in zip(c.row_names, c.tags, c.row_lower, c.row_upper)
        ]
        self._row_of_entry = np.repeat(np.arange(len(c.row_names)), np.diff(c.start))
        self.solves = 0
        self._values: dict[bytes, np.ndarray] = {}  # values_for, by selection
        self._probes: dict[tuple[object, ...], Probe] = {}  # solve, by its changes
        self.base = self.solve()

    def fork(self, threads: int | None = 1) -> Workbench:
        """Another workbench of the same built model and base optimum, with a live model of its
        own (HiGHS on `threads`), e.g. for another thread: HiGHS releases the GIL while it
        solves, so forks re-solve side by side. Its caches start empty."""
        other = copy.copy(self)
        other.live = self.live.copy(threads=threads)
        other.comp = other.live.comp
        other.solves, other._values, other._probes = 0, {}, {}
        return other

    # ---- the model's structure -------------------------------------------------------
    def col(self, option: str) -> int:
        return int(self.comp.x_cols[self.opt_index[option]])

    def column(self, col: int) -> dict[int, float]:
        """Row index -> coefficient of one column."""
        mask = self.comp.index == col
        return dict(zip(self._row_of_entry[mask].tolist(), self.comp.value[mask].tolist()))

    def activity(self, values: np.ndarray) -> np.ndarray:
        """Row activities A·v."""
        c = self.comp
        return np.bincount(self._row_of_entry, weights=c.value * values[c.index], minlength=len(c.row_names))

    def bound_rows(self) -> list[RowInfo]:
        """Rows that state a bound an analyst chose (`Role.LIMIT`): limits, targets, rule rows —
        not those that define an auxiliary variable. The rows `value` prices and `diagnose` may relax."""
        return [r for r in self.rows if r.tag.role == Role.LIMIT]

    def row_integral(self, i: int) -> bool:
        """Whole-number data: every column of the row is integer, its coefficients and bound whole."""
        c = self.comp
        lo, hi = c.start[i], c.start[i + 1]
        cols, vals = c.index[lo:hi], c.value[lo:hi]
        return bool(
            np.all(c.integer[cols]) and np.all(vals == np.round(vals)) and float(self.rows[i].bound).is_integer()
        )

    def loose_bound(self, i: int) -> float | None:
        """The bound from which row i binds no selection at all (every column at any value of its
        bounds fits: for a limit, every option affordable); None when some column is unbounded."""
        c = self.comp
        lo, hi = c.start[i], c.start[i + 1]
        cols, vals = c.index[lo:hi], c.value[lo:hi]
        ends = np.stack([vals * c.col_lower[cols], vals * c.col_upper[cols]])
        reach = ends.max(axis=0) if self.rows[i].sense == "<=" else ends.min(axis=0)
        total = float(reach.sum())
        return total if math.isfinite(total) else None

    def family_rows(self, *families: str) -> list[RowInfo]:
        return [r for r in self.rows if r.family in families]

    def values_for(self, x: np.ndarray) -> np.ndarray:
        """Every column's value for a fixed selection x: one LP-sized solve with x fixed (cached).

        Covers and any auxiliary columns of rule families take their best values for x."""
        key = bytes(np.asarray(x, dtype=np.int8))
        cache = self._values
        if key not in cache:
            live, comp = self.live, self.comp
            with live.changes():
                live.fix(comp.x_cols, np.asarray(x, dtype=float))
                res = live.run_stage(comp.primary, self.time_limit, 0.0, None)
            if res.values is None:
                raise PlannerError(f"the selection is infeasible with the scenario's rows ({res.status})")
            cache[key] = np.array(res.values)
        return cache[key]

    def selected_ids(self, x: np.ndarray) -> tuple[str, ...]:
        return tuple(o for o, v in zip(self.options, x.tolist()) if v)

    # ---- re-solves ---------------------------------------------------------------------
    def solve(
        self,
        fix: dict[str, int] | None = None,
        rows: dict[str, tuple[float, float]] | None = None,
        param: Parameter | None = None,
        t: float = 0.0,
        tie_break: bool | None = None,
        near: np.ndarray | None = None,
    ) -> Probe:
        """Solve as `planner solve` would with temporary changes; the model is restored after.

        Results are cached by the changes: explaining many options re-asks the same
        questions (e.g. "the optimum with one more unit of capacity"). `near`: a selection
        (0/1 per option) likely close to the answer, a MIP start where the answer cannot
        depend on it (`LiveModel.resolve_applies`); it changes only the speed."""
        live = self.live
        fix, rows = fix or {}, rows or {}
        tb = self.tie_break if tie_break is None else tie_break
        key = (
            tuple(sorted(fix.items())),
            tuple(sorted(rows.items())),
            tb,
            None
            if param is None or not t
            else (
                param.option,
                tuple(sorted(param.coef.items())),
                tuple(sorted(param.bound.items())),
                param.primary,
                param.secondary,
                float(t),
            ),
        )
        cache = self._probes
        if key in cache:
            return cache[key]
        with live.changes():  # every change is undone when the block ends
            for o, v in fix.items():
                live.fix([self.col(o)], [v])
            for name, (lo, hi) in rows.items():
                live.set_row_bounds([self.row_index[name]], [lo], [hi])
            if param is not None and t:
                self._apply(param, t)
            start = None
            if near is not None and live.resolve_applies(self.mip_gap, tb):
                start = (self.comp.x_cols, np.asarray(near, dtype=float))
            out = live.solve(self.time_limit, self.mip_gap, tb, start)
        self.solves += 1
        cache[key] = self._probe(out.status, out.x, out.objective_solver, out.start_year)
        return cache[key]

    def _probe(
        self,
        status: Status,
        x: np.ndarray | None,
        solver_objective: float | None,
        start_year: np.ndarray | None = None,
    ) -> Probe:
        if x is None:
            return Probe(status, None, None, None)
        ev = evaluate(self.scenario, x, start_year)
        return Probe(status, x, ev.objective, solver_objective, self.selected_ids(x), start_year=start_year)

    def _apply(self, p: Parameter, t: float) -> None:
        """Apply parameter p at t to the live model (inside a `live.changes()` block, which undoes it)."""
        live, comp = self.live, self.comp
        if p.coef:
            j = self.col(self._option_of(p))
            base = self.column(j)
            for i, d in p.coef.items():
                live.set_coefficient(i, j, base.get(i, 0.0) + t * d)
        for i, d in p.bound.items():
            lo, hi = comp.row_lower[i], comp.row_upper[i]
            live.set_row_bounds(
                [i], [lo + t * d if math.isfinite(lo) else lo], [hi + t * d if math.isfinite(hi) else hi]
            )
        if p.primary or p.secondary:
            j = self.col(self._option_of(p))
            primary, secondary = comp.primary.copy(), comp.secondary.copy()
            primary[j] += t * p.primary
            secondary[j] += t * p.secondary
            live.set_objectives(primary, secondary)

    def min_parameter(
        self, p: Parameter, option: str, z_ref: float, strict: bool = False, max_secondary: float | None = None
    ) -> tuple[Status, float | None, np.ndarray | None, np.ndarray | None]:
        """Smallest t in [0, t_max] at which a portfolio containing `option` is at least as good as z_ref.

        `strict` asks for strictly better (by the objective tolerance); `max_secondary` adds
        "tie-break weight (min-sense secondary) at most this" — a tie the option would win. Returns (status, t);
        t is None when no such t exists (status 'infeasible') or the solver stopped early.
        """
        live, comp = self.live, self.comp
        n = live.num_columns
        j = self.col(option)
        d: dict[int, float] = {}
        for i, v in p.coef.items():
            d[i] = d.get(i, 0.0) + v
        for i, v in p.bound.items():
            d[i] = d.get(i, 0.0) - v
        idx = np.array(sorted(i for i, v in d.items() if v != 0), dtype=np.int32)
        vals = np.array([d[i] for i in idx.tolist()], dtype=float)
        sign = -1.0 if comp.maximize else 1.0
        # strictly better by 10× the tie tolerance: a smaller margin is within integrality tolerances
        z_min = sign * z_ref + (-10 if strict else 1) * obj_tol(z_ref)
        cols = np.flatnonzero(comp.primary).astype(np.int32)
        coef = comp.primary[cols]
        if p.primary:
            cols, coef = np.append(cols, n).astype(np.int32), np.append(coef, p.primary)
        with live.changes():
            live.add_column(0.0, 0.0, p.t_max, idx, vals)
            live.add_row(-np.inf, z_min, cols, coef)
            if max_secondary is not None:
                scols = np.flatnonzero(comp.secondary).astype(np.int32)
                scoef = comp.secondary[scols]
                if p.secondary:
                    scols, scoef = np.append(scols, n).astype(np.int32), np.append(scoef, p.secondary)
                live.add_row(-np.inf, max_secondary, scols, scoef)
            live.fix([j], [1.0])
            cost = np.zeros(n + 1)
            cost[n] = 1.0
            # one stage, no tie-break; its t is unique, and `entry._search` needs no particular x
            res = live.run_stage(cost, self.time_limit, 0.0, None, live.resolve_applies(self.mip_gap, self.tie_break))
        self.solves += 1
        if res.values is None:
            return res.status, None, None, None
        values = res.values
        x = (values[comp.x_cols] > 0.5).astype(np.int8)
        start = comp.start_year(values[:n])
        return res.status, max(0.0, float(values[n])), x, start

    @staticmethod
    def _option_of(p: Parameter) -> str:
        """The option whose column a parameter changes (its coefficients or costs)."""
        if p.option is None:
            raise PlannerError(f"the parameter {p.label!r} changes no option's column")
        return p.option

    def lp_relaxation(self) -> LpRelaxation:
        """Solve the LP relaxation (every integer column made continuous) on a separate live model.

        Returns status, objective (user sense) and per-row duals in user sense: the change
        of the relaxation's objective per unit increase of the row's bound. These are the
        prices of the *relaxation*; a MIP has no dual prices."""
        relaxed = self.live.relaxation()
        comp = relaxed.comp
        res = relaxed.run_stage(comp.primary, self.time_limit, 0.0, None)
        self.solves += 1
        if res.values is None:
            return LpRelaxation(res.status, None, None)
        sign = -1.0 if comp.maximize else 1.0
        duals = sign * relaxed.row_duals()
        return LpRelaxation(res.status, sign * float(comp.primary @ res.values), duals)

    @staticmethod
    def _entries(comp: Compiled) -> dict[tuple[int, int], float]:
        rows = np.repeat(np.arange(len(comp.row_names)), np.diff(comp.start))
        return dict(zip(zip(rows.tolist(), comp.index.tolist()), comp.value.tolist()))

    # ---- parameters ---------------------------------------------------------------------
    def row_bound_parameter(self, row: str, label: str | None = None) -> Parameter:
        """t = how far a row's bound is relaxed: ≤ rows raised, ≥ rows lowered."""
        info = self.rows[self.row_index[row]]
        step = 1.0 if info.sense == "<=" else -1.0
        return Parameter(label or f"bound of {row}", bound={self.row_index[row]: step})

    def variant_parameter(
        self, option: str, variant: Scenario, label: str, t_max: float = math.inf, at: float = 1.0
    ) -> Parameter:
        """The change to o's column between this scenario (t=0) and `variant` (t=`at`), extended linearly.

        Only o's column is compared: rules that build rows from contributions or costs follow
        automatically, as long as their coefficients are linear in o's own data.
        """
        other = compile_model(build(variant))
        if other.row_names != self.comp.row_names or other.col_names != self.comp.col_names:
            raise PlannerError(f"cannot vary {option!r} continuously: the model's rows change with its data")
        j = self.col(option)
        mine, theirs = self._entries(self.comp), self._entries(other)
        diff = {k: theirs.get(k, 0.0) - mine.get(k, 0.0) for k in set(mine) | set(theirs)}
        diff = {k: v for k, v in diff.items() if abs(v) > 1e-12}
        if any(col != j for _, col in diff):
            raise PlannerError(
                f"cannot vary {option!r} continuously: its data also enter other columns "
                "(e.g. per-year start variables under phasing)"
            )
        coef = {row: v / at for (row, _), v in diff.items()}
        return Parameter(
            label,
            option=option,
            coef=coef,
            primary=float(other.primary[j] - self.comp.primary[j]) / at,
            secondary=float(other.secondary[j] - self.comp.secondary[j]) / at,
            t_max=t_max,
        )
