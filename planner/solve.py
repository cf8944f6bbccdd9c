"""Solve a built model with HiGHS (through highspy, from arrays) or CBC (through PuLP).

Returns plain data (`SolveOutcome`), never prints. Two stages, lexicographically:
stage 1 optimises the primary objective; stage 2 (the tie-break) keeps the primary
within a tolerance of stage 1's value and minimises `Model.secondary` (least
cost_resource, no idle option; see `build.set_objectives`), starting from stage 1's
portfolio. Stage 2 searches all portfolios after a proven optimum (mip_gap 0), else only
subsets of stage 1's portfolio (see `tie_break_scope`): exact where "optimal" is defined,
cheap where it is not.

Status is read from the solver's model status *and* its primal solution status, so a
time-limited MIP with an incumbent is `feasible` (with bound and gap), never `optimal`.
"""
from __future__ import annotations

import sys
import threading
import time
import types
from dataclasses import dataclass, field

import numpy as np

from .build import Model

OPTIMAL, FEASIBLE, INFEASIBLE, UNBOUNDED, NO_SOLUTION, ERROR = (
    "optimal", "feasible", "infeasible", "unbounded", "no_solution", "error")


@dataclass
class SolveOutcome:
    status: str
    x: np.ndarray | None  # 0/1 per option, in scenario.options order
    objective_solver: float | None  # stage-1 objective as the solver saw it (user sense)
    bound: float | None  # best proven bound on the stage-1 objective (user sense)
    mip_gap: float | None
    solve_seconds: float
    backend: str
    message: str = ""
    stages: list[dict] = field(default_factory=list)
    prepare_seconds: float = 0.0  # model → solver arrays (compile_model, passModel), before stage 1
    race: dict | None = None  # --solver auto: winner and each solver's status and seconds (planner.race)
    start_year: np.ndarray | None = None  # phasing: start year per option (0 where not selected)


@dataclass
class Compiled:
    """The model as arrays (row-wise CSR), objective vectors in minimisation form."""

    col_names: list[str]
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    row_names: list[str]
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    primary: np.ndarray
    secondary: np.ndarray
    maximize: bool
    x_cols: np.ndarray  # column index of x[o] for each option, in scenario order
    years: list[int] = field(default_factory=list)  # phasing horizon (empty without phasing)
    year_cols: np.ndarray | None = None  # column of x[o, y]: shape (options, years)

    def start_year(self, values: np.ndarray) -> np.ndarray | None:
        """Start year per option from a solution vector (0 where not started)."""
        return start_years(values[self.year_cols], self.years) if self.year_cols is not None else None

    def row(self, name: str) -> int:
        return self.row_names.index(name)


def start_years(x_year: np.ndarray, years: list[int]) -> np.ndarray:
    """The year whose x[o, y] is 1, per option (0 where none is)."""
    on = x_year > 0.5
    return np.where(on.any(axis=1), np.asarray(years)[on.argmax(axis=1)], 0).astype(np.int64)


def _vector(expr, col_of: dict[int, int], n: int) -> np.ndarray:
    out = np.zeros(n)
    cols = np.fromiter(map(col_of.__getitem__, map(id, expr)), dtype=np.int64, count=len(expr))
    np.add.at(out, cols, np.fromiter(expr.values(), dtype=float, count=len(expr)))
    return out


def _columns(model: Model, term_ids: set[int]) -> list:
    """Every variable of the model, ordered by name as PuLP orders them (`prob.variables()`,
    and so its LP/MPS writers): the arrays and a written model file list columns alike.
    `term_ids` are the ids of the variables the constraints use."""
    prob = model.prob
    seen = {id(v): v for v in model.x.values()}
    for group in (model.cover.values(), model.extra_vars.values(), prob.objective.keys() if prob.objective else ()):
        for v in group:
            seen.setdefault(id(v), v)
    if not term_ids.issubset(seen.keys()):  # variables only a constraint knows (rare): find them
        for con in prob._constraints.values():
            for v in con.expr:
                seen.setdefault(id(v), v)
    variables = list(seen.values())
    names = [v.name for v in variables]
    return [variables[i] for i in sorted(range(len(variables)), key=names.__getitem__)]


def compile_model(model: Model) -> Compiled:
    """Read the PuLP problem into arrays once (far faster than per-column solver calls).

    Columns: every variable, by name (see `_columns`); rows: constraints in insertion
    order, zero coefficients dropped. Bulk list operations per row, not per term.
    """
    prob = model.prob
    cons = prob._constraints
    ids, value, lengths, rhs, sense = [], [], [], [], []
    for con in cons.values():
        terms = con.expr
        ids.extend(map(id, terms))
        value.extend(terms.values())
        lengths.append(len(terms))
        rhs.append(-con.constant)
        sense.append(con.sense)
    variables = _columns(model, set(ids))
    col_of = {id(v): i for i, v in enumerate(variables)}
    n = len(variables)
    inf = np.inf
    col_lower = np.array([-inf if v.lowBound is None else v.lowBound for v in variables], dtype=float)
    col_upper = np.array([inf if v.upBound is None else v.upBound for v in variables], dtype=float)
    integer = np.array([v.cat == "Integer" for v in variables], dtype=bool)
    index_a = np.fromiter(map(col_of.__getitem__, ids), dtype=np.int32, count=len(ids))
    value_a = np.array(value, dtype=float)
    row_of_term = np.repeat(np.arange(len(lengths)), lengths)
    keep = value_a != 0
    counts = np.bincount(row_of_term[keep], minlength=len(lengths))
    start = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(counts, out=start[1:])
    rhs_a, sense_a = np.array(rhs, dtype=float), np.array(sense, dtype=int)
    sign = -1.0 if model.maximize else 1.0
    years = sorted({y for _, y in model.x_year})
    year_cols = None
    if model.x_year:
        year_cols = np.array([[col_of[id(model.x_year[(o, y)])] for y in years] for o in model.x], dtype=np.int64)
    return Compiled(
        col_names=[v.name for v in variables], col_lower=col_lower, col_upper=col_upper, integer=integer,
        row_names=list(cons), row_lower=np.where(sense_a >= 0, rhs_a, -inf), row_upper=np.where(sense_a <= 0, rhs_a, inf),
        start=start, index=index_a[keep], value=value_a[keep],
        primary=sign * _vector(model.primary, col_of, n), secondary=_vector(model.secondary, col_of, n),
        maximize=model.maximize, x_cols=np.array([col_of[id(v)] for v in model.x.values()], dtype=np.int64),
        years=years, year_cols=year_cols,
    )


ALL, SUBSETS = "all portfolios", "sub-portfolios of the primary stage's"


def tie_break_scope(primary_status: str, mip_gap: float) -> str:
    """Where the tie-break stage looks for the least-cost portfolio of (within 1e-6) equal objective.

    Only a proven optimum (status optimal at mip_gap 0) defines "the optimal objective";
    then the stage searches all portfolios — exact lexicographic optimisation, as hard as a
    second MIP. Otherwise (mip_gap > 0, or stopped by a limit) the objective is only known
    within the gap, so the stage keeps the portfolio found and removes what it does not
    need: the least-cost subset with the same objective. Both leave no selected option idle.
    """
    return ALL if primary_status == OPTIMAL and mip_gap == 0 else SUBSETS


def _decimal_quantum(values: np.ndarray) -> float | None:
    """The largest q (a decimal, ≤ 9 places) of which every value is a whole multiple, or None."""
    for places in range(10):
        scaled = values * 10.0 ** places
        if scaled.max() > 1e15:
            return None
        whole = np.round(scaled)
        if np.all(np.abs(scaled - whole) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            return float(np.gcd.reduce(whole.astype(np.int64))) / 10.0 ** places
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
        e = positive.min()
        rest = positive[positive > e * (1 + 1e-12)]
        q = _decimal_quantum(rest) if rest.size else None
        if q is None or q < 2 * n * e:
            return np.zeros(n)
        res = e
    return res / (4 * n) * (1.0 + np.modf(np.sqrt(_square_free(n)))[0])


def _square_free(n: int) -> np.ndarray:
    """The first n square-free integers ≥ 2. Their square roots are linearly independent over
    the rationals, so no two different sets of options get the same sum of weights (weights
    from multiples of one irrational, such as the golden ratio, collide: g1 + g4 = g2 + g3)."""
    limit = 2 * n + 16  # over 60 % of integers are square-free
    ok = np.ones(limit, dtype=bool)
    ok[:2] = False
    k = 2
    while k * k < limit:
        ok[k * k::k * k] = False
        k += 1
    return np.flatnonzero(ok)[:n].astype(float)


def _guarded(solver: str, call, *args):
    """Run a solver call; an exception from the solver becomes a PlannerError (exit 1) that
    carries the solver's own message, instead of an anonymous internal error."""
    from .errors import PlannerError

    try:
        return call(*args)
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - solver bindings raise many types
        raise PlannerError(f"{solver} failed: {exc}") from exc


_SCHEDULER = {"threads": None, "active": 0}  # HiGHS's one global thread pool: its size, runs in flight
_SCHEDULER_LOCK = threading.Lock()


def _run_highs(h, threads: int | None) -> None:
    """h.run() with `threads` honoured. HiGHS keeps one global thread pool per process, sized
    by the first solve; a later solve asking for another size fails ("Not Set" status). So
    the pool is reset for the new size when no other solve is running; while one is (Dask
    threads), the solve uses the pool as it is — the thread count changes speed, not answers."""
    import highspy

    with _SCHEDULER_LOCK:
        if threads and _SCHEDULER["threads"] != threads and _SCHEDULER["active"] == 0:
            highspy.Highs.resetGlobalScheduler(True)
            _SCHEDULER["threads"] = threads
        use = threads if threads and _SCHEDULER["threads"] == threads else 0
        if not threads and _SCHEDULER["threads"] is None:
            _SCHEDULER["threads"] = 0  # HiGHS's own default size
        h.setOptionValue("threads", use)
        _SCHEDULER["active"] += 1
    try:
        _guarded("HiGHS", h.run)
    finally:
        with _SCHEDULER_LOCK:
            _SCHEDULER["active"] -= 1


_BANNER_SHOWN = False


def new_highs():
    """A silent highspy.Highs. HiGHS prints a banner to fd 1 on the first construction in a
    process, which would corrupt `--json` output, so that one is sent to /dev/null."""
    import os
    import sys

    import highspy

    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    return h


class HighsSession:
    """One highspy model kept alive for repeated solves with changed bounds or costs."""

    def __init__(self, comp: Compiled, threads: int | None = None):
        import highspy

        self.hs = highspy
        self.comp = comp
        h = new_highs()
        h.setOptionValue("random_seed", 0)
        self.threads = int(threads) if threads else None
        lp = highspy.HighsLp()
        lp.num_col_ = len(comp.col_names)
        lp.num_row_ = len(comp.row_names)
        lp.col_cost_ = comp.primary
        lp.col_lower_ = comp.col_lower
        lp.col_upper_ = comp.col_upper
        lp.row_lower_ = comp.row_lower
        lp.row_upper_ = comp.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = comp.start
        lp.a_matrix_.index_ = comp.index
        lp.a_matrix_.value_ = comp.value
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in comp.integer]
        lp.col_names_ = comp.col_names
        lp.row_names_ = comp.row_names
        status = h.passModel(lp)
        if status == highspy.HighsStatus.kError:
            from .errors import PlannerError

            raise PlannerError("HiGHS refused the model (passModel returned an error)")
        self.h = h

    def set_row_bounds(self, name: str, lower: float, upper: float) -> None:
        self.h.changeRowBounds(self.comp.row(name), lower, upper)

    def _run(self, cost: np.ndarray, time_limit: float | None, mip_gap: float,
             start: np.ndarray | tuple[np.ndarray, np.ndarray] | None) -> dict:
        h, hs = self.h, self.hs
        h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        h.setOptionValue("time_limit", float(time_limit) if time_limit else float("inf"))
        h.setOptionValue("mip_rel_gap", float(mip_gap))
        h.setOptionValue("mip_abs_gap", 1e-9 if mip_gap == 0 else 1e-6)
        h.clearSolver()
        if isinstance(start, tuple):  # partial start (column indices, values): HiGHS completes it
            idx, vals = start
            h.setSolution(len(idx), np.asarray(idx, dtype=np.int32), np.asarray(vals, dtype=float))
        elif start is not None:
            sol = hs.HighsSolution()
            sol.col_value = start
            sol.value_valid = True
            h.setSolution(sol)
        t0 = time.perf_counter()
        _run_highs(h, self.threads)
        seconds = time.perf_counter() - t0
        ms = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2
        S = hs.HighsModelStatus
        if ms == S.kOptimal:
            status = OPTIMAL
        elif ms == S.kInfeasible:
            status = INFEASIBLE
        elif ms == S.kUnboundedOrInfeasible:
            status = self._infeasible_or_unbounded()
        elif ms == S.kUnbounded:
            status = UNBOUNDED
        elif ms in (S.kTimeLimit, S.kIterationLimit, S.kSolutionLimit, S.kInterrupt, S.kMemoryLimit,
                    S.kObjectiveBound, S.kObjectiveTarget, S.kHighsInterrupt):
            status = FEASIBLE if has_solution else NO_SOLUTION
        else:
            status = ERROR
        values = np.array(h.getSolution().col_value) if has_solution else None
        if values is not None and start is not None:
            reported = info.objective_function_value
            if abs(float(cost @ values) - reported) > 1e-6 * max(1.0, abs(reported)):
                # HiGHS 1.16 can return the MIP start itself instead of the better solution it
                # reports (seen when the start, mapped into the presolved space, is optimal
                # there); the values then disagree with the objective. Solve again without it.
                return self._run(cost, time_limit, mip_gap, None)
        return {"status": status, "values": values, "objective": info.objective_function_value if has_solution else None,
                "bound": info.mip_dual_bound, "gap": info.mip_gap, "seconds": seconds,
                "message": h.modelStatusToString(ms)}

    def _infeasible_or_unbounded(self) -> str:
        """Presolve can only say "infeasible or unbounded"; the two need different fixes, so
        tell them apart: with a zero objective the model is feasible iff it was unbounded."""
        h, n = self.h, len(self.comp.primary)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
        h.clearSolver()
        _run_highs(h, self.threads)
        ms = h.getModelStatus()
        S = self.hs.HighsModelStatus
        if ms == S.kOptimal:
            return UNBOUNDED
        if ms == S.kInfeasible:
            return INFEASIBLE
        return ERROR

    def solve(self, time_limit: float | None, mip_gap: float, tie_break: bool = True,
              start: np.ndarray | tuple[np.ndarray, np.ndarray] | None = None) -> SolveOutcome:
        """Stage 1, then (if a portfolio was found) the tie-break stage; see the module doc.

        `start` is a MIP start for stage 1: a full column vector, or a partial one as
        (column indices, values) that HiGHS completes (ignored if infeasible)."""
        comp = self.comp
        sign = -1.0 if comp.maximize else 1.0
        t0 = time.perf_counter()
        first = self._run(comp.primary, time_limit, mip_gap, start)
        stages = [{"stage": "primary", **{k: v for k, v in first.items() if k != "values"}}]
        values = first["values"]
        if values is not None and tie_break:
            z = float(comp.primary @ values)
            tol = 1e-6 * max(1.0, abs(z))
            cols = np.flatnonzero(comp.primary).astype(np.int32)
            self.h.addRow(-np.inf, z + tol, len(cols), cols, comp.primary[cols])
            scope = tie_break_scope(first["status"], mip_gap)
            off = comp.x_cols[values[comp.x_cols] < 0.5].astype(np.int32) if scope == SUBSETS else np.zeros(0, np.int32)
            if len(off):  # only sub-portfolios of the one found: x = 0 for every option it left out
                self.h.changeColsBounds(len(off), off, comp.col_lower[off], np.zeros(len(off)))
            remaining = None if not time_limit else max(1.0, time_limit - (time.perf_counter() - t0))
            second = self._run(comp.secondary + canonical_weights(comp), remaining, 0.0, values)
            if len(off):
                self.h.changeColsBounds(len(off), off, comp.col_lower[off], comp.col_upper[off])
            self.h.deleteRows(1, np.array([self.h.getNumRow() - 1], dtype=np.int32))
            self.h.changeColsCost(len(comp.primary), np.arange(len(comp.primary), dtype=np.int32), comp.primary)
            stages.append({"stage": "tie_break", "scope": scope, **{k: v for k, v in second.items() if k != "values"}})
            if second["values"] is not None and float(comp.primary @ second["values"]) <= z + tol * 1.01:
                values = second["values"]
        bound = None if first["values"] is None and first["status"] != OPTIMAL else sign * first["bound"]
        x = None if values is None else (values[comp.x_cols] > 0.5).astype(np.int8)
        gap = None
        if first["values"] is not None:
            gap = 0.0 if first["status"] == OPTIMAL and mip_gap == 0 else float(first["gap"])
        return SolveOutcome(
            status=first["status"], x=x,
            objective_solver=None if first["objective"] is None else sign * first["objective"],
            bound=bound if first["values"] is not None else None, mip_gap=gap,
            solve_seconds=time.perf_counter() - t0, backend="highs", message=first["message"], stages=stages,
            start_year=None if values is None else comp.start_year(values),
        )


def solve_cbc(model: Model, time_limit: float | None, mip_gap: float, tie_break: bool = True,
              tmp_dir: str | None = None) -> SolveOutcome:
    """Solve with CBC through PuLP (bundled binary). CBC reports no bound through PuLP.
    `tmp_dir`: where PuLP writes the model and solution files (default: the system's)."""
    import pulp

    prob = model.prob
    t0 = time.perf_counter()

    log: dict[str, float] = {}

    def run(msg_stage: str) -> tuple[str, str]:
        import os
        import tempfile

        fd, log_path = tempfile.mkstemp(prefix="planner-cbc-", suffix=".log", dir=tmp_dir)
        os.close(fd)
        try:
            # preprocess off: the bundled CBC 2.10.3's default (sos) preprocessing returned a wrong
            # "optimal" answer (cost 1 instead of 0) on a 3-option tie-break; see test_hand.py
            # test_tie_break_free_option_beats_paid_one. ~30 % slower on scp42; correct first.
            solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=mip_gap, warmStart=msg_stage == "tie",
                                       logPath=log_path, options=["preprocess off"])
            if tmp_dir is not None:
                solver.tmpDir = tmp_dir
            _guarded("CBC", prob.solve, solver)
            if msg_stage == "first":
                log.update(_cbc_log_figures(log_path))
        finally:
            os.unlink(log_path)
        sol = prob.sol_status
        if sol == pulp.LpSolutionOptimal:
            return OPTIMAL, "optimal"
        if sol == pulp.LpSolutionIntegerFeasible:
            return FEASIBLE, "stopped by a limit with a portfolio"
        if sol == pulp.LpSolutionInfeasible or prob.status == pulp.LpStatusInfeasible:
            return INFEASIBLE, "infeasible"
        if sol == pulp.LpSolutionUnbounded:
            return UNBOUNDED, "unbounded"
        return NO_SOLUTION, pulp.LpStatus[prob.status]

    status, message = run("first")
    stages = [{"stage": "primary", "status": status, "seconds": time.perf_counter() - t0}]
    if status not in (OPTIMAL, FEASIBLE):
        return SolveOutcome(status, None, None, None, None, time.perf_counter() - t0, "cbc", message, stages)
    x = np.array([1 if (v.varValue or 0) > 0.5 else 0 for v in model.x.values()], dtype=np.int8)
    years = sorted({y for _, y in model.x_year})

    def starts():
        if not model.x_year:
            return None
        grid = np.array([[model.x_year[(o, y)].varValue or 0 for y in years] for o in model.x], dtype=float)
        return start_years(grid, years)

    start = starts()
    # Not pulp.value(): with an all-zero objective PuLP adds a `__dummy` variable with no
    # value to it, and value() then returns None.
    z = model.primary.constant + sum(c * (v.varValue or 0.0) for v, c in model.primary.items())
    if tie_break:
        tol = 1e-6 * max(1.0, abs(z))
        name = "tie_break_keep_primary"
        prob.addConstraint((model.primary >= z - tol) if model.maximize else (model.primary <= z + tol), name)
        prob.sense = pulp.LpMinimize
        xs = list(model.x.values())
        canon = canonical_x_weights(np.array([model.secondary.get(v, 0.0) for v in xs], dtype=float))
        prob.setObjective(model.secondary + pulp.LpAffineExpression([(v, c) for v, c in zip(xs, canon) if c]))
        scope = tie_break_scope(status, mip_gap)
        off = [v for v, on in zip(model.x.values(), x) if not on] if scope == SUBSETS else []
        saved = [v.upBound for v in off]
        for v in off:
            v.upBound = 0
        t1 = time.perf_counter()
        try:
            second, _ = run("tie")
        finally:
            for v, up in zip(off, saved):
                v.upBound = up
        stages.append({"stage": "tie_break", "scope": scope, "status": second, "seconds": time.perf_counter() - t1})
        if second in (OPTIMAL, FEASIBLE):
            x = np.array([1 if (v.varValue or 0) > 0.5 else 0 for v in model.x.values()], dtype=np.int8)
            start = starts()
        prob._constraints.pop(name)
        prob.sense = pulp.LpMaximize if model.maximize else pulp.LpMinimize
        prob.setObjective(model.primary)
    bound, gap = _cbc_bound(z, log, status, mip_gap)
    return SolveOutcome(status, x, z, bound, gap, time.perf_counter() - t0, "cbc", message, stages, start_year=start)


def _cbc_log_figures(path: str) -> dict[str, float]:
    """'Objective value:' and 'Lower bound:' (minimising) or 'Upper bound:' (maximising) from CBC's closing summary."""
    import re

    figures = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return figures
    for key, label in (("objective", "Objective value:"), ("bound", "(?:Lower|Upper) bound:")):
        found = re.findall(rf"^{label}\s+(-?[0-9.eE+-]+)\s*$", text, flags=re.M)
        if found:
            try:
                figures[key] = float(found[-1])
            except ValueError:
                pass
    return figures


def _cbc_bound(z: float, log: dict[str, float], status: str, mip_gap: float) -> tuple[float | None, float | None]:
    """The proven bound (user sense) and relative gap |z − bound| / |z| of a CBC stage-1 solve.

    PuLP does not pass CBC's bound on, so it is read from CBC's log; should the log state the
    figures negated (CBC minimises internally), matching CBC's objective to z finds the sign. Only a
    proven optimum at mip_gap 0 may claim bound = z; unknown stays None, never invented."""
    if status == OPTIMAL and mip_gap == 0:
        return z, 0.0
    cbc_obj, cbc_bound = log.get("objective"), log.get("bound")
    if cbc_obj is None or cbc_bound is None:
        return None, None
    tol = 1e-6 * max(1.0, abs(z))
    if abs(cbc_obj - z) <= tol:
        bound = cbc_bound
    elif abs(-cbc_obj - z) <= tol:
        bound = -cbc_bound
    else:
        return None, None
    return bound, abs(z - bound) / max(abs(z), 1e-10)


def solve_model(model: Model, time_limit: float | None = None, mip_gap: float | None = None,
                backend: str | None = None, tie_break: bool | None = None) -> SolveOutcome:
    """Solve with the scenario's solver settings, each overridable by argument."""
    cfg = model.scenario.config.solver
    time_limit = cfg.time_limit_s if time_limit is None else time_limit
    mip_gap = cfg.mip_gap if mip_gap is None else mip_gap
    backend = backend or cfg.backend
    tie_break = cfg.tie_break if tie_break is None else tie_break
    if backend == "cbc":
        return solve_cbc(model, time_limit, mip_gap, tie_break)
    if backend == "auto":
        from .race import solve_auto

        return solve_auto(model, time_limit, mip_gap, tie_break, cfg.threads)
    t0 = time.perf_counter()
    session = HighsSession(compile_model(model), cfg.threads)
    prepare = time.perf_counter() - t0
    outcome = session.solve(time_limit, mip_gap, tie_break)
    outcome.prepare_seconds = prepare
    return outcome


class _CallableModule(types.ModuleType):
    """This module's name is also the API function's: once it is imported, the import system
    binds `planner.solve` to the module, so `from planner import solve` may find the module.
    Calling it runs `planner.api.solve`, so that import works either way."""

    def __call__(self, *args, **kwargs):
        from .api import solve

        return solve(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
