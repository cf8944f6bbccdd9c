"""`planner frontier --tranches`: nested plans for a budget that arrives in tranches.

Given limits L_1 < L_2 < … < L_T on one resource r, find portfolios P_1 ⊆ P_2 ⊆ … ⊆ P_T with
P_t feasible at limits.r = L_t (every other setting and rule as the scenario states):

- `joint`: one MILP maximising Σ_t objective_t(P_t) (minimising, for min_cost). It stacks
  the compiled model of each tranche's scenario (`planner.model.assemble.build` →
  `compile_model`: the model's one definition, once per tranche, its columns x_t) side by
  side and adds the nesting rows `nested_<t>_<o>`: x_t[o] − x_{t+1}[o] ≤ 0. The tie-break
  stage is the sum of the tranches' own.
- `greedy`: tranche by tranche: P_t is the optimum at L_t among the portfolios that contain
  P_{t−1} (`rules.require` extended by P_{t−1}); a tranche that has none is reported
  infeasible and the next one starts from the last portfolio found.

A tranche with no portfolio at its limit at all (its own solve, below, is infeasible) is
reported `infeasible` in both modes and left out of the joint MILP, whose other tranches are
then planned as if it were not there (a tranche without a portfolio constrains no other).
`infeasible_tranches` lists such tranches; the CLI names them and exits 3.

Per tranche it also solves the scenario at L_t alone (the unconstrained optimum U_t), so
the price of nesting is U_t − objective(P_t) (objective(P_t) − U_t for min_cost), ≥ 0 for
proven optima. Each figure is `planner.results.evaluation.evaluate`'s, never the solver's.

Tables: `tranches.csv` (one row per tranche: limit, status, objective, unconstrained
objective, price of nesting, what the tranche adds, the portfolio), `summary.json`
(`kind: tranches`; `exact`: every solve proved its status, optimal or infeasible).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd

from planner import __version__
from planner.errors import InputError, Problem
from planner.inputs.scenario import Scenario
from planner.model.assemble import build
from planner.model.compile import Compiled, compile_model
from planner.model.core import Role, RowTag
from planner.sensitivity.engine import Engine, PointResult, point_result
from planner.sensitivity.frontier import frontier_engine
from planner.sensitivity.points import source_of
from planner.sensitivity.runner import Progress, RunResult, r9
from planner.solver.live import LiveModel
from planner.solver.outcome import Status
from planner.solver.tiebreak import SUBSETS

KIND = "tranches"
SEP = ";"
PROVEN = (Status.OPTIMAL, Status.INFEASIBLE)  # statuses that are proofs: the tranche's answer is exact
Nested = Literal["joint", "greedy"]


def stack(comps: list[Compiled]) -> Compiled:
    """The compiled models side by side (block-diagonal), plus x_t[o] − x_{t+1}[o] ≤ 0 per option.

    Columns and rows of tranche t are prefixed `t<t>_`; `x_cols` lists every tranche's x columns
    (tranche-major), so a solution's `x` is the T portfolios one after another."""
    offsets = np.cumsum([0] + [len(c.col_names) for c in comps])
    nnz = np.cumsum([0] + [len(c.index) for c in comps])
    cat = np.concatenate
    starts = [c.start[:-1] + nnz[t] for t, c in enumerate(comps)]
    index = [c.index.astype(np.int64) + offsets[t] for t, c in enumerate(comps)]
    value = [c.value for c in comps]
    names = [f"t{t + 1}_{n}" for t, c in enumerate(comps) for n in c.row_names]
    tags = [tag for c in comps for tag in c.tags]
    lower, upper = [c.row_lower for c in comps], [c.row_upper for c in comps]
    total = int(nnz[-1])
    options = len(comps[0].x_cols)
    for t in range(len(comps) - 1):  # nesting rows: two entries each
        here, there = comps[t].x_cols + offsets[t], comps[t + 1].x_cols + offsets[t + 1]
        starts.append(total + 2 * np.arange(options))
        index.append(np.column_stack([here, there]).ravel())
        value.append(np.tile([1.0, -1.0], options))
        total += 2 * options
        lower.append(np.full(options, -np.inf))
        upper.append(np.zeros(options))
        ids = [key[1] for key in (comps[t].col_keys[i] for i in comps[t].x_cols)]
        names += [f"nested_{t + 1}_{i}" for i in range(options)]
        tags += [RowTag("nested", f"{t + 1}_{o}", Role.LIMIT, o, None, None, None) for o in ids]
    first = comps[0]
    return Compiled(
        col_names=[f"t{t + 1}_{n}" for t, c in enumerate(comps) for n in c.col_names],
        col_lower=cat([c.col_lower for c in comps]),
        col_upper=cat([c.col_upper for c in comps]),
        integer=cat([c.integer for c in comps]),
        row_names=names,
        row_lower=cat(lower),
        row_upper=cat(upper),
        start=cat([*starts, [total]]).astype(np.int32),
        index=cat(index).astype(np.int32),
        value=cat(value),
        primary=cat([c.primary for c in comps]),
        secondary=cat([c.secondary for c in comps]),
        maximize=first.maximize,
        x_cols=cat([c.x_cols + offsets[t] for t, c in enumerate(comps)]).astype(np.int64),
        tags=tags,
        col_keys=[(f"t{t + 1}", *k) for t, c in enumerate(comps) for k in c.col_keys],
    )


def _joint(
    scenarios: list[Scenario],
    time_limit_s: float | None,
    mip_gap: float | None,
    greedy: list[PointResult] | None = None,
) -> list[PointResult]:
    """One MILP over the stacked tranche models; the greedy plans (feasible for it) are its MIP start."""
    t0 = time.perf_counter()
    comps = [compile_model(build(sc)) for sc in scenarios]
    cfg = scenarios[0].config.solver
    stacked = stack(comps)
    start = None
    if greedy and all(p.has_portfolio for p in greedy):
        start = (stacked.x_cols, np.concatenate([p.x for p in greedy]).astype(float))
    session = LiveModel(stacked, cfg.threads, own=False)
    outcome = session.solve(
        cfg.time_limit_s if time_limit_s is None else time_limit_s,
        cfg.mip_gap if mip_gap is None else mip_gap,
        cfg.tie_break,
        start,
        scope=SUBSETS,
    )
    seconds = time.perf_counter() - t0
    n = len(scenarios[0].options)
    out = []
    for t, sc in enumerate(scenarios):
        x = None if outcome.x is None else outcome.x[t * n : (t + 1) * n]
        out.append(point_result(sc, replace(outcome, x=x, start_year=None), "joint", seconds / len(scenarios)))
    return out


def _joint_where_feasible(
    engine: Engine,
    key: str,
    limits: list[float],
    free: list[PointResult],
    greedy: list[PointResult],
    time_limit_s: float | None,
    mip_gap: float | None,
) -> list[PointResult]:
    """The joint MILP over the tranches that have a portfolio on their own; a tranche proven
    infeasible alone keeps that infeasible solve as its plan and is left out of the MILP
    (it would make the whole MILP infeasible, though no portfolio of it constrains the others)."""
    keep = [t for t, f in enumerate(free) if f.status is not Status.INFEASIBLE]
    plans = list(free)
    if keep:
        scenarios = [engine.scenario([(key, limits[t])])[0] for t in keep]
        for t, plan in zip(keep, _joint(scenarios, time_limit_s, mip_gap, [greedy[t] for t in keep])):
            plans[t] = plan
    return plans


def infeasible_tranches(outcome: RunResult) -> list[dict[str, Any]]:
    """The tranches that have no portfolio because none exists (status `infeasible`), each with
    its number, limit and `alone`: True when no portfolio meets the scenario at that limit even
    without nesting, False when the nesting (the earlier tranches' portfolio) rules them out."""
    rows = outcome.tables["tranches.csv"].to_dict("records")
    return [
        {
            "tranche": int(row["tranche"]),
            "limit": float(row["limit"]),
            "alone": Status.of(row["unconstrained_status"]) is Status.INFEASIBLE,
        }
        for row in rows
        if Status.of(row["status"]) is Status.INFEASIBLE
    ]


def _greedy(engine: Engine, key: str, limits: list[float], time_limit_s: float | None) -> list[PointResult]:
    base_require = list(engine.base.config.rules.require)
    out: list[PointResult] = []
    previous: tuple[str, ...] = ()
    for limit in limits:
        require = base_require + [o for o in previous if o not in base_require]
        sc, changes = engine.scenario([(key, limit), ("rules.require", require)])
        result = engine.solve(sc, changes, time_limit_s=time_limit_s)
        out.append(result)
        if result.has_portfolio:
            previous = result.selected
    return out


@dataclass(frozen=True)
class TranchesOptions:
    """Nested portfolios for the increasing `limits` on `limits.<resource>`: `nested` "joint"
    (one MILP) or "greedy" (tranche by tranche; see the module doc); `time_limit_s` caps each
    solve, `mip_gap` the joint MILP's; `progress(done, total)` is called as solves finish."""

    resource: str
    limits: Sequence[float]
    nested: Nested = "joint"
    time_limit_s: float | None = None
    mip_gap: float | None = None
    progress: Progress | None = None


@dataclass(frozen=True)
class TranchesResult(RunResult):
    """The tranches: `tables["tranches.csv"]` (one row per tranche), `summary`."""

    @property
    def tranches(self) -> pd.DataFrame:
        return self.tables["tranches.csv"]


def _checked(scenario: Scenario, options: TranchesOptions) -> list[float]:
    """The limits as floats, once they, the nesting mode and the scenario can make tranches."""
    limits = [float(v) for v in options.limits]
    if (
        not limits
        or any(not np.isfinite(v) or v < 0 for v in limits)
        or any(b <= a for a, b in zip(limits, limits[1:]))
    ):
        raise InputError(
            Problem(
                file="--tranches",
                value=",".join(f"{v:g}" for v in limits),
                message="give increasing limits ≥ 0, comma-separated, e.g. 2000,3000,4800",
            )
        )
    if options.nested not in ("joint", "greedy"):
        raise InputError(Problem(file="--nested", value=options.nested, message="must be joint or greedy"))
    if scenario.config.rules.phasing is not None:
        raise InputError(
            Problem(
                file=str(scenario.scenario_file),
                key="rules.phasing",
                message="--tranches nests portfolios, not start years; drop rules.phasing "
                "(--set rules.phasing=null) to plan tranches",
            )
        )
    return limits


def run_tranches(scenario: Scenario, options: TranchesOptions) -> TranchesResult:
    """Nested portfolios of `scenario` (validated, or changed in memory since) for the limits of
    `options` (see the module doc); returns tranches.csv and the summary
    (`planner.sensitivity.write.write_tranches` writes them)."""
    limits = _checked(scenario, options)
    resource, nested, time_limit_s, progress = options.resource, options.nested, options.time_limit_s, options.progress
    t0 = time.perf_counter()
    source = source_of(scenario)
    raw = source.raw
    engine, _ = frontier_engine(source, resource, limits[-1])
    key = f"limits.{resource}"
    free = []
    for i, limit in enumerate(limits):
        sc, changes = engine.scenario([(key, limit)])
        free.append(engine.solve(sc, changes, time_limit_s=time_limit_s))
        if progress:
            progress(i + 1, 2 * len(limits))
    greedy = _greedy(engine, key, limits, time_limit_s)
    plans = (
        _joint_where_feasible(engine, key, limits, free, greedy, time_limit_s, options.mip_gap)
        if nested == "joint"
        else greedy
    )
    if progress:
        progress(2 * len(limits), 2 * len(limits))
    table = tranche_table(engine, resource, limits, plans, free)
    found = [p for p in plans if p.has_portfolio]
    summary: dict[str, Any] = {
        "kind": KIND,
        "scenario": raw.config.name,
        "scenario_file": str(raw.scenario_file),
        "input_sha256": raw.input_sha256,
        "tables_sha256": raw.tables_sha256,
        "planner_version": __version__,
        "sense": raw.config.objective.sense,
        "resource": resource,
        "tranches": limits,
        "nested": nested,
        "objective_sum": r9(sum(p.objective or 0.0 for p in found)) if found else None,  # each has one
        "unconstrained_sum": r9(sum(f.objective or 0.0 for f in free if f.has_portfolio)),
        "price_of_nesting": [r for r in table["price_of_nesting"].tolist()],
        "nested_ok": _nested(plans),
        "exact": all(p.status in PROVEN for p in (*plans, *free)),
        "paths": dict(engine.counts),
        "wall_seconds": round(time.perf_counter() - t0, 3),
        "time_limit_s": time_limit_s,
    }
    return TranchesResult(summary, {"tranches.csv": table}, raw.config)


def _nested(plans: list[PointResult]) -> bool:
    """Every tranche's portfolio contains the previous one found."""
    found = [set(p.selected) for p in plans if p.has_portfolio]
    return all(a <= b for a, b in zip(found, found[1:]))


def used_columns(scenario: Scenario, resource: str) -> list[str]:
    """The resources whose use tranches.csv shows: the raised one, then every other (a limit on it may bind)."""
    return [resource, *(r for r in scenario.resources if r != resource)]


def tranche_table(
    engine: Engine, resource: str, limits: list[float], plans: list[PointResult], free: list[PointResult]
) -> pd.DataFrame:
    """tranches.csv: per tranche the nested plan beside the unconstrained optimum at its limit.
    (A point has an objective exactly when it has a portfolio: `engine.point_result`.)"""
    sign = 1.0 if engine.base.config.objective.sense == "max_coverage" else -1.0
    rows: list[dict[str, Any]] = []
    previous: list[str] = []
    for t, (limit, plan, best) in enumerate(zip(limits, plans, free)):
        selected = list(plan.selected)
        objective, last = plan.objective, rows[-1]["objective"] if rows else None
        price = None
        if objective is not None and best.objective is not None:
            price = r9(sign * (best.objective - objective))
        rows.append(
            {
                "tranche": t + 1,
                "limit": r9(limit),
                "status": plan.status,
                "objective": r9(plan.objective),
                "unconstrained_status": best.status,
                "unconstrained_objective": r9(best.objective),
                "price_of_nesting": price,
                "selected": len(selected) if plan.has_portfolio else None,
                **{
                    f"{r}_used": r9(plan.resource_use.get(r)) if plan.has_portfolio else None
                    for r in used_columns(engine.base, resource)
                },
                "added": SEP.join(o for o in selected if o not in previous),
                "added_count": len([o for o in selected if o not in previous]) if plan.has_portfolio else None,
                "objective_added": r9(objective - last)
                if objective is not None and last is not None
                else r9(objective),
                "portfolio": SEP.join(selected),
                "unconstrained_portfolio": SEP.join(best.selected),
            }
        )
        if plan.has_portfolio:
            previous = selected
    frame = pd.DataFrame(rows)
    for col in ("selected", "added_count"):
        frame[col] = frame[col].astype("Int64")
    return frame
