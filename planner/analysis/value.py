"""What is one more (or one less) unit of each limit and rule bound worth? Exact re-solves.

A MIP has no meaningful dual prices, so each bound b of a row (limits `limit_<r>`,
targets `target_<g>`, every non-structural rule row) is moved by ±Δ and the scenario
re-solved as `planner solve` would:

    gain_if_relaxed    = z(b relaxed by Δ)   − z(b)      (≤ rows raised, ≥ rows lowered)
    loss_if_tightened  = z(b)   − z(b tightened by Δ)

in the objective's own units (positive = better for max_coverage, for min_cost a lower cost
is better, so signs are taken so that positive always means "worth having"). Per unit: ÷ Δ.
Δ defaults to one option's typical use: the median positive coefficient of the row's
options (1 for rows of whole numbers: counts, require/forbid); for a target, the median
positive contribution to its gap. A tightening that leaves today's portfolio feasible
costs nothing, exactly, and is not re-solved.

`lp_dual` is the LP relaxation's dual price of the same row (objective change per unit
of bound, relaxation only), labelled as such.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from planner.analysis.explain import start_years_of
from planner.analysis.parallel import check_workers, run_split
from planner.analysis.workbench import Probe, RowInfo, Workbench
from planner.errors import PlannerError
from planner.inputs.scenario import Scenario
from planner.io.numbers import fmt
from planner.solver.outcome import Status


@dataclass
class BoundValue:
    row: str
    family: str
    ident: str
    sense: str
    bound: float
    activity: float  # in today's portfolio
    delta: float
    relaxed_bound: float
    tightened_bound: float | None  # None where tightening makes no sense (require, forbid, bound at 0 … )
    status_relaxed: Status
    objective_relaxed: float | None
    gain_if_relaxed: float | None  # per Δ, "worth having" positive
    status_tightened: Status | None
    objective_tightened: float | None
    loss_if_tightened: float | None
    gain_per_unit: float | None
    loss_per_unit: float | None
    lp_dual: float | None  # LP relaxation only: objective change per unit increase of the bound

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ValueReport:
    scenario: str
    sense: str
    status: Status
    objective: float | None
    lp_status: Status
    lp_objective: float | None
    bounds: list[BoundValue]
    portfolio: list[str] = field(default_factory=list)  # the portfolio priced (ids), so the figures recompute
    start_years: dict[str, int] = field(default_factory=dict)  # under rules.phasing: each selected option's start

    def to_dict(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in asdict(self).items() if k != "bounds"},
            "bounds": [b.to_dict() for b in self.bounds],
        }


def default_delta(wb: Workbench, row: RowInfo) -> float:
    """One option's typical use of the row: median positive |coefficient| of its option columns."""
    sc = wb.scenario
    i = wb.row_index[row.name]
    if row.family in ("require", "forbid"):
        return 1.0
    if row.family == "target":
        c = sc.contributions
        amounts = c.loc[(c["gap_id"] == row.subject) & (c["amount"] > 0), "amount"].to_numpy(dtype=float)
        return float(np.median(amounts)) if amounts.size else max(1.0, abs(row.bound) * 0.1)
    comp = wb.comp
    lo, hi = comp.start[i], comp.start[i + 1]
    xset = set(comp.x_cols.tolist())
    coefs = [abs(v) for j, v in zip(comp.index[lo:hi].tolist(), comp.value[lo:hi].tolist()) if j in xset and v != 0]
    if coefs:
        return float(np.median(coefs))
    return max(1.0, abs(row.bound) * 0.1)


def _worth(wb: Workbench, new: float | None, base: float) -> float | None:
    """new − base, signed so positive means better in the scenario's sense (rounded to 1e-9)."""
    if new is None:
        return None
    return round((new - base) if wb.comp.maximize else (base - new), 9) + 0.0


def value_bounds(
    scenario: Scenario,
    deltas: dict[str, float] | None = None,
    families: tuple[str, ...] | None = None,
    workbench: Workbench | None = None,
    workers: int = 1,
) -> ValueReport:
    """Price every bound row by exact re-solves at ±Δ, plus LP-relaxation duals.

    `deltas`: Δ by row name, resource name or gap id (else `default_delta`);
    `families`: only rows of these families (default: all bound rows); `workers` > 1: the
    rows are priced on that many processes, one Workbench each built from `scenario`
    (`planner.analysis.parallel`; `workbench` then only gives the base and the LP duals);
    the same results as 1."""
    check_workers(workers)
    wb = workbench or Workbench(scenario)
    deltas = deltas or {}
    base = wb.base
    if not base.feasible:
        raise PlannerError(
            f"the scenario has no portfolio to price (status: {base.status}); run `planner diagnose` to see why"
        )
    lp = wb.lp_relaxation()
    todo = []  # (row name, Δ, LP dual)
    for row in wb.bound_rows():
        if families is not None and row.family not in families:
            continue
        if row.sense == "==":
            continue  # an equality bound has no direction to relax
        i = wb.row_index[row.name]
        delta = float(deltas.get(row.name, deltas.get(row.ident, default_delta(wb, row))))
        todo.append((row.name, delta, None if lp.duals is None else float(lp.duals[i])))
    if workers > 1 and len(todo) > 1:
        out = run_split(scenario, price_rows, todo, workers)
    else:
        out = price_rows(wb, todo)
    return ValueReport(
        scenario.name,
        scenario.config.objective.sense,
        base.status,
        base.objective,
        lp.status,
        lp.objective,
        out,
        list(base.selected),
        start_years_of(wb, base),
    )


def _portfolio(base: Probe) -> tuple[np.ndarray, float]:
    """The base optimum's selection and objective (the base has a portfolio: `value_bounds` checked)."""
    if base.x is None or base.objective is None:
        raise PlannerError(f"the scenario has no portfolio to price (status: {base.status})")
    return base.x, base.objective


def price_rows(wb: Workbench, todo: list[tuple[str, float, float | None]]) -> list[BoundValue]:
    """Each (row name, Δ, LP dual): the row's bound relaxed and tightened by Δ, re-solved on wb."""
    base = wb.base
    base_x, base_objective = _portfolio(base)
    act = wb.activity(wb.values_for(base_x))
    out = []
    for name, delta, dual in todo:
        i = wb.row_index[name]
        row = wb.rows[i]
        up = row.sense == "<="
        step = delta if up else -delta
        lo, hi = wb.comp.row_lower[i], wb.comp.row_upper[i]
        relaxed = wb.solve(rows={row.name: (lo, hi + step) if up else (lo + step, hi)}, tie_break=False)
        tight_bound = row.bound - step
        tightenable = row.family not in ("require", "forbid") and not (row.bound == 0 and row.family != "limit" and up)
        sizes = wb.scenario.gaps["size"]
        if row.family == "target" and tight_bound > float(
            sizes.to_numpy(dtype=float)[sizes.index.get_loc(row.subject)]
        ):
            tightenable = False  # a target above the gap's size cannot be met by construction
        if row.family == "limit" and tight_bound < 0:
            tightenable = False
        st_t = obj_t = loss = None
        if tightenable:
            tol = 1e-9 * max(1.0, abs(row.bound))
            still = act[i] <= tight_bound + tol if up else act[i] >= tight_bound - tol
            if still:  # today's portfolio stays feasible: the optimum cannot improve, nor get worse
                st_t, obj_t = base.status, base.objective
            else:
                t = wb.solve(rows={row.name: (lo, tight_bound) if up else (tight_bound, hi)}, tie_break=False)
                st_t, obj_t = t.status, t.objective
            worse = _worth(wb, obj_t, base_objective)
            loss = None if worse is None else -worse + 0.0
        gain = _worth(wb, relaxed.objective, base_objective)
        out.append(
            BoundValue(
                row=row.name,
                family=row.family,
                ident=row.ident,
                sense=row.sense,
                bound=row.bound,
                activity=float(act[i]),
                delta=delta,
                relaxed_bound=row.bound + step,
                tightened_bound=tight_bound if tightenable else None,
                status_relaxed=relaxed.status,
                objective_relaxed=relaxed.objective,
                gain_if_relaxed=gain,
                status_tightened=st_t,
                objective_tightened=obj_t,
                loss_if_tightened=loss,
                gain_per_unit=None if gain is None else gain / delta,
                loss_per_unit=None if loss is None else loss / delta,
                lp_dual=dual,
            )
        )
    return out


def describe(report: ValueReport) -> list[str]:
    """One sentence per bound with a non-zero value."""
    out = [
        f"Objective {fmt(report.objective)} ({report.status}); LP relaxation {fmt(report.lp_objective)} "
        f"({report.lp_status}). Values are exact MIP re-solves at ±Δ; LP duals are the relaxation's prices only."
    ]
    idle = []
    for b in report.bounds:
        if b.gain_if_relaxed == 0 and (b.tightened_bound is None or b.loss_if_tightened == 0):
            idle.append(b.row)
            continue
        verb = "raising" if b.sense == "<=" else "lowering"
        what = {"limit": b.ident, "target": f"the target on gap {b.ident}"}.get(b.family, f"rule {b.row}")
        if b.status_relaxed == Status.INFEASIBLE:
            out.append(f"{what}: still infeasible when relaxed by {fmt(b.delta)}.")
            continue
        if b.family in ("require", "forbid"):
            out.append(f"Dropping the rule {b.family} {b.ident} is worth {fmt(b.gain_if_relaxed)}.")
            continue
        parts = [f"{verb} {what} by {fmt(b.delta)} (to {fmt(b.relaxed_bound)}) is worth {fmt(b.gain_if_relaxed)}"]
        if b.tightened_bound is not None:
            if b.status_tightened == Status.INFEASIBLE:
                parts.append(f"the reverse (to {fmt(b.tightened_bound)}) makes the scenario infeasible")
            elif b.loss_if_tightened is not None:
                parts.append(f"the reverse (to {fmt(b.tightened_bound)}) costs {fmt(b.loss_if_tightened)}")
        out.append((", ".join(parts) + ".")[0].upper() + (", ".join(parts) + ".")[1:])
    if idle:
        out.append(f"Worth 0 both ways at ±Δ ({len(idle)}): {', '.join(idle)}.")
    return out


def value_rows(report: ValueReport) -> list[dict[str, Any]]:
    return [b.to_dict() for b in report.bounds]
