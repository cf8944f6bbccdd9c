"""What it would take for an unselected option to enter the portfolio: exact thresholds.

For each parameter q — the bound of a limit or rule row that blocks o, a scale factor on
o's contributions, a cut in o's cost — the threshold is the smallest q at which `planner
solve` selects o. It is found without bisection, from entry MIPs (`Workbench.min_parameter`):

1. t₁ = min t such that some portfolio containing o, with the parameter at t, is at least as
   good as z₀ = today's optimum. For every t < t₁ each portfolio containing o is strictly
   worse than z₀, and a portfolio without o still reaches z₀, so o is not selected.
2. Re-solve at t₁ (as `planner solve` would, tie-break included). If o is selected, t₁ is
   the threshold. If not, the optimum without o at t₁ is z₁ > z₀ (a relaxed bound can make
   portfolios without o better too) — repeat with z₁; if it is a tie the tie-break lost,
   repeat asking for strictly better. Contribution and cost parameters leave portfolios
   without o unchanged, so they need at most the tie step.

Stated values are rounded outward to a grid (1 unit when the row's data are whole
numbers, else 1/1000 of o's coefficient; 0.001 for a scale factor); `below` is one grid
step short of the stated value and is proven (or, after a tie step, checked by a re-solve)
not to select o. The selection need not be monotone beyond the threshold: a larger
relaxation can also let a better portfolio without o in; the threshold is the smallest value.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from planner.analysis.parallel import run_threads
from planner.analysis.workbench import Parameter, Workbench, obj_tol
from planner.errors import PlannerError
from planner.io.numbers import fmt_num
from planner.results.evaluation import evaluate
from planner.solver.outcome import Status

SCALE_GRID = 0.001


@dataclass
class RowEffect:
    """A row o's flip would violate (or a limit o uses): what binds, and o's coefficient in it."""

    row: str
    family: str
    ident: str
    sense: str
    bound: float
    activity: float  # row activity if o is flipped (removed / added)
    coefficient: float  # o's coefficient in the row


@dataclass
class EntryPath:
    parameter: str  # resource name, row name, "contributions" or "cost"
    kind: str  # "limit" | "rule" | "contributions" | "cost"
    status: str  # "found" | "impossible" (no value does it) | "not_below" (none short of `checked`)
    #              | "tie" (ties exactly in objective and tie-break cost; the solver's fixed order
    #                decides among exact ties, not searched) | "unknown"
    current: float | None
    needed: float | None = None  # at this value `planner solve` selects the option
    below: float | None = None  # one grid step short of `needed`: not selected there
    grid: float | None = None
    override: str | None = None  # the `--set KEY=VALUE` that makes the change, where one exists
    edit: dict | None = None  # the table cell to change, where the change is to input data
    checked: float | None = None  # status 'not_below': o is proven out for every value short of this
    steps: int = 0  # entry MIPs solved
    notes: list[str] = field(default_factory=list)
    family: str | None = None  # kind 'limit' / 'rule': the row's family (`RowTag.family`)
    exact_tie: bool = False  # the search ended on an exact tie (objective and tie-break weight)


def _better(wb: Workbench, a: float, b: float) -> bool:
    """a strictly better than b in the scenario's sense (beyond the objective tolerance)."""
    return (a > b + obj_tol(b)) if wb.comp.maximize else (a < b - obj_tol(b))


def _bisect_ties(wb: Workbench, o: str, p: Parameter, grid: float, lo: float, steps: int, notes: list) -> dict:
    """o ties at `lo` and loses the tie-break; the parameter also moves the tie-break (a cost
    cut), and the selection is monotone in it: bisect on the grid between lo and t_max."""
    top = math.floor(p.t_max / grid + 1e-9)
    k_lo = round(lo / grid)
    probe = wb.solve(param=p, t=top * grid)
    if not (probe.feasible and o in probe.selected):
        return {
            "status": "impossible",
            "steps": steps,
            "notes": notes + ["ties at best, and loses the tie-break even at the limit"],
        }
    k_hi = top
    while k_hi - k_lo > 1:
        mid = (k_lo + k_hi) // 2
        probe = wb.solve(param=p, t=mid * grid)
        if probe.feasible and o in probe.selected:
            k_hi = mid
        else:
            k_lo = mid
    notes.append("it ties in the objective; the stated value wins the tie-break (least cost), found by bisection")
    below = k_lo * grid
    out = wb.solve(param=p, t=below)
    inside = wb.solve(param=p, t=below, fix={o: 1})
    if (
        out.feasible
        and inside.feasible
        and abs(out.solver_objective - inside.solver_objective) <= obj_tol(out.solver_objective)
    ):
        cost = wb.comp.secondary.copy()
        cost[wb.col(o)] += below * p.secondary
        c_out, c_in = float(cost[wb.comp.x_cols] @ out.x), float(cost[wb.comp.x_cols] @ inside.x)
        if abs(c_out - c_in) <= 1e-9 * max(1.0, abs(c_out)):
            notes.append("one grid step short it ties in objective and cost: either portfolio may be chosen there")
            below = None
    return {"status": "found", "t": k_hi * grid, "below": below, "steps": steps, "notes": notes}


def _search(
    wb: Workbench,
    o: str,
    p: Parameter,
    grid: float,
    fixed_others: bool,
    max_steps: int,
    value_at=None,
    ties_move: bool = False,
) -> dict:
    """The threshold t (on `grid`) at which o is selected, and a t one step below where it is not.

    `fixed_others`: portfolios without o do not change with the parameter (z_ref never moves).
    `value_at(t, x)`: the objective of portfolio x with the parameter at t, when it can be
    computed without the solver; a portfolio with o strictly better than z₀ then proves o
    is selected without a re-solve. Returns a dict: status ('found', 'impossible',
    'not_below', 'unknown'), t, below, checked (t below which o is proven out), steps, notes,
    and exact_tie (True when it stopped on an exact tie in objective and tie-break weight)."""
    z_ref = wb.base.solver_objective
    strict, tie_step, notes = False, False, []
    tie_noted = False  # the "ties and loses the tie-break" note is written
    c_ref = None  # after a lost tie: the winner's tie-break weight (o may win a tie by being cheaper)
    proven_out = 0.0  # o is proven out for every t below this (from the last tie-inclusive entry MIP)
    for step in range(1, max_steps + 1):
        status, t, x, start = wb.min_parameter(p, o, z_ref, strict)
        if c_ref is not None:  # or a tie o wins on the tie-break: as good, and cheaper
            st2, t2, x2, start2 = wb.min_parameter(p, o, z_ref, False, c_ref - 1e-7 * max(1.0, abs(c_ref)))
            if t2 is not None and st2 == Status.OPTIMAL and (t is None or t2 < t):
                status, t, x, start, strict_now = st2, t2, x2, start2, False
            else:
                strict_now = strict
        else:
            strict_now = strict
        if t is None:
            if status == Status.INFEASIBLE and strict and fixed_others:
                # o's own portfolios improve with the parameter (its contributions): never strictly
                # better, but one of them can tie and, being cheaper than today's, win the tie-break
                # at a larger value — not proven impossible. (A limit only admits dearer portfolios.)
                return {
                    "status": "unknown",
                    "steps": step,
                    "notes": notes
                    + [
                        "it can tie but never be strictly better; whether a larger value wins the "
                        "tie-break was not searched"
                    ],
                }
            if status == Status.INFEASIBLE:
                return {"status": "impossible", "steps": step, "notes": notes}
            return {"status": "unknown", "steps": step, "notes": notes + [f"entry MIP stopped: {status}"]}
        if status != Status.OPTIMAL:
            return {"status": "unknown", "steps": step, "notes": notes + [f"entry MIP stopped early: {status}"]}
        value = value_at(t, x, start) if value_at is not None else evaluate(wb.scenario, x, start).objective
        slack = 10 * obj_tol(z_ref)  # the MIP's own tolerances (feasibility, integrality)
        good = (
            _better(wb, value, z_ref)
            if strict_now
            else (value >= z_ref - slack if wb.comp.maximize else value <= z_ref + slack)
        )
        if not good:  # the MIP's portfolio, rounded to 0/1, is not as good: a tolerance artefact
            return {
                "status": "impossible",
                "steps": step,
                "notes": notes + ["the entry MIP's only candidates fall short once rounded to whole selections"],
            }
        if not strict_now and c_ref is None:
            proven_out = t
        t_rep = min(p.t_max, math.ceil(t / grid - 1e-6) * grid)
        if fixed_others and value_at is not None and _better(wb, value_at(t_rep, x, start), wb.base.solver_objective):
            selected = True  # a portfolio with o beats every portfolio without it
        else:
            probe = wb.solve(param=p, t=t_rep, near=x)
            if not probe.feasible:
                return {"status": "unknown", "steps": step, "notes": notes + [f"re-solve at {t_rep:g}: {probe.status}"]}
            selected = o in probe.selected
        if selected:
            below = t_rep - grid if t_rep - grid >= 0 else None
            if below is not None and tie_step:
                check = wb.solve(param=p, t=below)
                if check.feasible and o in check.selected:
                    notes.append("selected one grid step below as well: the tie-break decides near the threshold")
                    below = None
            return {"status": "found", "t": t_rep, "below": below, "steps": step, "notes": notes}
        if not fixed_others and _better(wb, probe.solver_objective, z_ref):
            z_ref, strict, c_ref = probe.solver_objective, False, None
        elif ties_move and not strict:
            return _bisect_ties(wb, o, p, grid, t_rep, step, notes)
        else:
            # a tie lost on the tie-break: next, strictly better, or as good and cheaper
            weight = wb.comp.secondary.copy()
            weight[wb.col(o)] += t_rep * p.secondary
            c_new = float(weight[wb.comp.x_cols] @ probe.x)
            if strict and c_ref is not None and c_new >= c_ref - 1e-7 * max(1.0, abs(c_ref)):
                return {
                    "status": "not_below",
                    "checked": proven_out,
                    "steps": step,
                    "exact_tie": True,
                    "notes": notes
                    + [
                        "it ties exactly (objective and tie-break weight) with a portfolio without it: the solver's "
                        "fixed order among exact ties decides"
                    ],
                }
            strict, tie_step, c_ref = True, True, c_new
            if not tie_noted:
                notes.append("it ties and loses the tie-break (least cost) at first; the stated value wins")
                tie_noted = True
    return {"status": "not_below", "checked": proven_out, "steps": max_steps, "notes": notes}


def _grid_for(wb: Workbench, i: int, coef: float) -> float:
    if wb.row_integral(i):
        return 1.0
    return 10.0 ** (math.floor(math.log10(abs(coef))) - 3) if coef else 1e-3


def _bound_path(wb: Workbench, o: str, row, max_steps: int) -> EntryPath:
    i = wb.row_index[row.row]
    info = wb.rows[i]
    grid = _grid_for(wb, i, row.coefficient)
    p = wb.row_bound_parameter(info.name)
    r = _search(wb, o, p, grid, fixed_others=False, max_steps=max_steps)
    t, below = r.get("t"), r.get("below")
    up = info.sense == "<="
    kind = "limit" if info.family == "limit" else "rule"
    path = EntryPath(
        parameter=info.ident if kind == "limit" else info.name,
        kind=kind,
        status=r["status"],
        current=info.bound,
        grid=grid,
        steps=r["steps"],
        notes=r["notes"],
        family=info.family,
        exact_tie=r.get("exact_tie", False),
    )
    if r["status"] == "not_below":
        t_out = math.floor(r["checked"] / grid + 1e-6) * grid  # o proven out for every t < t_out
        path.checked = info.bound + t_out if up else info.bound - t_out
        if t_out <= 0 and path.exact_tie:
            path.status, path.checked = "tie", None
    if t is not None:
        path.needed = info.bound + t if up else info.bound - t
        if below is not None:
            path.below = info.bound + below if up else info.bound - below
        if kind == "limit":
            path.override = f"{info.tag.key}={fmt_num(path.needed)}"
        elif info.family == "forbid":
            rest = [f for f in wb.scenario.config.rules.forbid if f != info.subject]
            path.override = f"{info.tag.key}=" + _yaml_list(rest)
    return path


def _scaled(scenario, o: str, column: str, factor: float, table: str):
    frame = getattr(scenario, table).copy()
    if table == "contributions":
        frame.loc[frame["option_id"] == o, column] = frame.loc[frame["option_id"] == o, column] * factor
    else:
        frame.loc[o, column] = frame.loc[o, column] * factor
    return replace(scenario, **{table: frame})


def _contribution_path(wb: Workbench, o: str) -> EntryPath | None:
    sc = wb.scenario
    amounts = sc.contributions.loc[sc.contributions["option_id"] == o, "amount"]
    if not (amounts > 0).any():
        return None
    # Beyond the scale at which each of o's contributions fills its gap, nothing changes.
    sizes = sc.gaps["size"].to_dict()
    mine = sc.contributions[(sc.contributions["option_id"] == o) & (sc.contributions["amount"] > 0)]
    s_max = max(sizes[g] / a for g, a in zip(mine["gap_id"], mine["amount"]))
    t_max = max(SCALE_GRID, math.ceil((s_max - 1.0) / SCALE_GRID) * SCALE_GRID)
    p = wb.variant_parameter(o, _scaled(sc, o, "amount", 2.0, "contributions"), "contributions ×(1+t)", t_max=t_max)

    def value_at(t: float, x, start) -> float:
        return evaluate(_scaled(sc, o, "amount", 1.0 + t, "contributions"), x, start).objective

    # a larger scale can also make a portfolio with o cheaper at an equal (capped) objective:
    # ties are settled by bisection, as for a cost cut
    r = _search(wb, o, p, SCALE_GRID, fixed_others=True, max_steps=3, value_at=value_at, ties_move=True)
    t, below = r.get("t"), r.get("below")
    path = EntryPath(
        "contributions",
        "contributions",
        r["status"],
        1.0,
        grid=SCALE_GRID,
        steps=r["steps"],
        notes=r["notes"],
        edit={"file": sc.files["contributions"], "column": "amount", "option_id": o},
    )
    if t is not None:
        path.needed = round(1.0 + t, 6)
        path.below = None if below is None else round(1.0 + below, 6)
    return path


def _cost_path(wb: Workbench, o: str) -> EntryPath | None:
    sc = wb.scenario
    res = sc.cost_resource
    cost = float(sc.options.loc[o, res])
    if cost <= 0:
        return None
    grid_cost = (
        1.0
        if cost.is_integer() and (sc.options[res] == sc.options[res].round()).all()
        else 10.0 ** (math.floor(math.log10(cost)) - 3)
    )
    # half the cost, not zero: a zero-cost option's tie-break weight is a tiny ε, not 0 (not linear)
    p = wb.variant_parameter(o, _scaled(sc, o, res, 0.5, "options"), f"cut of {res} use", t_max=1.0, at=0.5)

    def value_at(t: float, x, start) -> float:
        return evaluate(_scaled(sc, o, res, 1.0 - t, "options"), x, start).objective

    r = _search(wb, o, p, grid_cost / cost, fixed_others=True, max_steps=3, value_at=value_at, ties_move=True)
    t, below = r.get("t"), r.get("below")
    row = sc.options.index.get_loc(o) + 2
    path = EntryPath(
        "cost",
        "cost",
        r["status"],
        cost,
        grid=grid_cost,
        steps=r["steps"],
        notes=r["notes"],
        edit={"file": sc.files["options"], "row": row, "column": res, "option_id": o},
    )
    if t is not None:
        path.needed = max(0.0, round(cost * (1 - t), 9))
        path.below = None if below is None else round(cost * (1 - below), 9)
        if path.needed == 0:  # the linearised tie-break is off at exactly 0 (weight ε there): build it
            free = Workbench(_scaled(sc, o, res, 0.0, "options")).base
            if not (free.feasible and o in free.selected):
                path.status, path.needed, path.below = "impossible", None, None
                path.notes.append("at 0 it ties and an idle free option is left out")
    return path


def entry_tasks(wb: Workbench, o: str, blocked_by, max_steps: int = 3) -> list[Callable[[Workbench], EntryPath | None]]:
    """Every way in that one parameter can give — blocking rows, limits o uses, contributions,
    cost — as independent tasks, each a function of a workbench of `wb`'s model (see
    `planner.analysis.parallel.run_threads`); a task's answer is None where the way does not apply."""
    j = wb.col(o)
    column = wb.column(j)
    rows = {r.row: r for r in blocked_by}
    for i, coef in column.items():
        info = wb.rows[i]
        pushes = (coef > 0 and info.sense == "<=") or (coef < 0 and info.sense == ">=")
        if info.family == "limit" and pushes and info.name not in rows:
            rows[info.name] = RowEffect(info.name, info.family, info.ident, info.sense, info.bound, math.nan, coef)
    bound = {r.name for r in wb.bound_rows()}
    tasks: list[Callable[[Workbench], EntryPath | None]] = [
        functools.partial(_bound_task, o=o, row=r, max_steps=max_steps)
        for r in rows.values()
        if r.family != "require" and r.row in bound
    ]
    tasks += [
        functools.partial(_extra_task, o=o, kind=kind, make=make)
        for kind, make in (("contributions", _contribution_path), ("cost", _cost_path))
    ]
    return tasks


def _bound_task(wb: Workbench, o: str, row: RowEffect, max_steps: int) -> EntryPath:
    return _bound_path(wb, o, row, max_steps)


def _extra_task(wb: Workbench, o: str, kind: str, make) -> EntryPath | None:
    try:
        return make(wb, o)
    except PlannerError as exc:
        return EntryPath(kind, kind, "unknown", None, notes=[str(exc)])


def entry_paths(wb: Workbench, o: str, blocked_by, max_steps: int = 3, threads: int = 1) -> list[EntryPath]:
    """Every way in that one parameter can give (`entry_tasks`), on up to `threads` threads."""
    return [p for p in run_threads(wb, entry_tasks(wb, o, blocked_by, max_steps), threads) if p is not None]


def _yaml_list(items) -> str:
    import json

    return "[" + ", ".join(json.dumps(i) for i in items) + "]"
