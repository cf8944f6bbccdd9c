"""`planner alternatives`: near-optimal portfolios that differ as much as possible
(modelling to generate alternatives, MGA, max-min form).

With z* the optimum (min-sense form zmin* of the compiled primary objective) and
P_0 = the optimal portfolio, alternative k (k = 1, 2, …) solves, on the same compiled model
plus one column t and a few rows:

    stage A:  maximise t
              s.t.  primary(y) ≤ zmin* + within·|zmin*|          (`mga_near_optimal`)
                    t ≤ Σ_{o∈P_j} (1 − x[o])   for j = 0..k−1    (`mga_distance_<j>`)
    stage B:  fix t ≥ t*, then the usual two-stage solve: best objective, then least cost.

So alternative k drops as many options as possible from the *closest* earlier portfolio
(the optimum and every earlier alternative) while losing at most `within` of the
objective; among those, it is the best and cheapest. Distance counts options dropped, not
options added, so padding a portfolio with idle options never looks "different"; the
tables report the symmetric difference as well. The search stops early when no portfolio
within `within` drops anything more (t* = 0).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner import __version__
from planner.errors import InputError, Problem
from planner.inputs.scenario import Scenario
from planner.model.compile import Compiled
from planner.solver.live import LiveModel
from planner.solver.outcome import Status
from planner.sensitivity.engine import Engine, PointResult, point_result
from planner.sensitivity.points import source_of
from planner.sensitivity.runner import Progress, RunResult, r9

KIND = "alternatives"
SEP = ";"
MAX_WITHIN = 10.0  # 1000 %


def parse_within(text: str | float) -> float:
    """'5%' → 0.05, '0.05' → 0.05: the objective loss allowed, as a share of the optimum's absolute value."""
    raw = str(text).strip()
    percent = raw.endswith("%")
    try:
        value = float(raw[:-1]) / 100 if percent else float(raw)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= (MAX_WITHIN if percent else 1):  # also catches NaN
        raise InputError(
            Problem(
                file="--within",
                value=text,
                message="write a share of the optimum as 5% or 0.05 (a bare number must be at most 1)",
            )
        )
    return value


def augmented(comp: Compiled, zmin: float, within: float, references: list[np.ndarray]) -> Compiled:
    """The compiled model plus column t, the near-optimality row and one distance row per reference."""
    out = copy.copy(comp)
    n, t = len(comp.col_names), len(comp.col_names)
    out.col_names = [*comp.col_names, "mga_distance"]
    out.col_lower = np.append(comp.col_lower, 0.0)
    out.col_upper = np.append(comp.col_upper, float(len(comp.x_cols)))
    out.integer = np.append(comp.integer, False)
    out.primary = np.append(comp.primary, 0.0)
    out.secondary = np.append(comp.secondary, 0.0)
    rows_idx, rows_val, names, lower, upper = [], [], [], [], []
    cols = np.flatnonzero(comp.primary[:n])
    rows_idx.append(cols)
    rows_val.append(comp.primary[cols])
    names.append("mga_near_optimal")
    lower.append(-np.inf)
    upper.append(zmin + within * abs(zmin) + 1e-9 * max(1.0, abs(zmin)))
    for j, ref in enumerate(references):  # t + Σ_{o∈P_j} x[o] ≤ |P_j|
        chosen = comp.x_cols[ref.astype(bool)]
        rows_idx.append(np.append(chosen, t))
        rows_val.append(np.ones(len(chosen) + 1))
        names.append(f"mga_distance_{j}")
        lower.append(-np.inf)
        upper.append(float(len(chosen)))
    out.row_names = [*comp.row_names, *names]
    out.row_lower = np.append(comp.row_lower, lower)
    out.row_upper = np.append(comp.row_upper, upper)
    lengths = np.cumsum([len(i) for i in rows_idx])
    out.start = np.append(comp.start, comp.start[-1] + lengths).astype(np.int32)
    out.index = np.concatenate([comp.index, *rows_idx]).astype(np.int32)
    out.value = np.concatenate([comp.value, *rows_val])
    return out


def find_alternative(
    engine: Engine, zmin: float, within: float, references: list[np.ndarray], time_limit_s: float | None
) -> tuple[int, PointResult | None, Status]:
    """(t*, the alternative or None, status of stage A) — see the module doc."""
    comp = augmented(engine.base_comp, zmin, within, references)
    cfg = engine.base.config.solver
    limit = cfg.time_limit_s if time_limit_s is None else time_limit_s
    spread = copy.copy(comp)
    spread.primary = np.zeros(len(comp.col_names))
    spread.primary[-1] = -1.0  # maximise t (the session minimises)
    spread.maximize = False
    first = LiveModel(spread, engine.threads, own=False).solve(limit, 0.0, tie_break=False)
    if first.x is None:
        return 0, None, first.status
    dropped = min(int(round(float(np.sum(ref.astype(bool) & (first.x == 0))))) for ref in references)
    if dropped == 0:
        return 0, None, first.status
    comp.col_lower = comp.col_lower.copy()
    comp.col_lower[-1] = dropped  # stage B: at least this different, then best and cheapest
    t0 = time.perf_counter()
    outcome = LiveModel(comp, engine.threads, own=False).solve(
        limit, cfg.mip_gap, cfg.tie_break, (comp.x_cols, first.x.astype(float))
    )
    result = point_result(engine.base, outcome, "rebuild", time.perf_counter() - t0)
    # A time-limited stage A proves nothing about the spread: the alternative is then only "feasible".
    if first.status != Status.OPTIMAL and result.status == Status.OPTIMAL:
        result.status = first.status
    return dropped, result, first.status


@dataclass(frozen=True)
class AlternativesOptions:
    """Up to `count` alternatives within `within` of the optimum (a share of the optimum's
    absolute value: 0.05 is 5 %; see the module doc); `time_limit_s` caps each solve;
    `progress(done, count)` is called as alternatives are found."""

    within: float = 0.05
    count: int = 3
    time_limit_s: float | None = None
    progress: Progress | None = None


@dataclass(frozen=True)
class AlternativesResult(RunResult):
    """The optimum and its alternatives (`tables["alternatives.csv"]`, row 0 the optimum), which
    portfolio selects which option (`tables["alternatives_matrix.csv"]`), `summary`."""

    @property
    def alternatives(self) -> pd.DataFrame:
        return self.tables["alternatives.csv"]

    @property
    def matrix(self) -> pd.DataFrame:
        return self.tables["alternatives_matrix.csv"]


def _checked(options: AlternativesOptions) -> tuple[float, int]:
    within, count = options.within, options.count
    if isinstance(within, bool) or not isinstance(within, (int, float)) or not 0 <= within <= MAX_WITHIN:
        raise InputError(
            Problem(
                file="--within",
                value=within,
                message=f"a share of the optimum between 0 and {MAX_WITHIN:g}, e.g. 0.05 for 5%",
            )
        )
    if count < 1:
        raise InputError(Problem(file="--count", value=count, message="must be at least 1"))
    return float(within), count


def run_alternatives(scenario: Scenario, options: AlternativesOptions | None = None) -> AlternativesResult:
    """The optimum and up to `count` alternatives of `scenario` (validated, as
    `planner.load_scenario` returns it, or changed in memory since); returns alternatives.csv,
    alternatives_matrix.csv and the summary (`planner.sensitivity.write.write_alternatives`
    writes them)."""
    opts = AlternativesOptions() if options is None else options
    within, count = _checked(opts)
    t0 = time.perf_counter()
    source = source_of(scenario)
    engine = Engine.of(source, threads=scenario.config.solver.threads)
    raw = source.raw
    optimum = engine.solve(engine.base, time_limit_s=opts.time_limit_s)
    found, stop = _search(engine, optimum, within, count, opts)
    tables = {
        "alternatives.csv": alternatives_table(engine, found),
        "alternatives_matrix.csv": matrix_table(engine, found),
    }
    summary = {
        "kind": KIND,
        "scenario": raw.config.name,
        "scenario_file": str(raw.scenario_file),
        "input_sha256": raw.input_sha256,
        "tables_sha256": raw.tables_sha256,
        "planner_version": __version__,
        "sense": raw.config.objective.sense,
        "within": within,
        "count": count,
        "found": len(found) - 1,
        "stopped": stop,
        "optimum": {"status": optimum.status, "objective": r9(optimum.objective), "selected": list(optimum.selected)},
        "alternatives": [
            {
                k: row[k]
                for k in ("alternative", "status", "objective", "loss", "loss_pct", "dropped", "added", "distance")
            }
            for row in tables["alternatives.csv"].to_dict("records")[1:]
        ],
        "wall_seconds": round(time.perf_counter() - t0, 3),
        "time_limit_s": opts.time_limit_s,
    }
    return AlternativesResult(summary, tables, raw.config)


def _search(
    engine: Engine, optimum: PointResult, within: float, count: int, opts: AlternativesOptions
) -> tuple[list[dict[str, Any]], str]:
    """([the optimum, then each alternative found, with how many options it dropped], why the search stopped)."""
    found: list[dict[str, Any]] = [{"result": optimum, "dropped": 0}]
    if not optimum.has_portfolio:
        return found, f"the scenario has no portfolio ({optimum.status})"
    if not optimum.selected:
        return found, "the optimum is empty: no alternative can drop anything from it"
    assert optimum.objective is not None and optimum.x is not None  # it has a portfolio
    stop = "count reached"
    sign = -1.0 if engine.base_comp.maximize else 1.0
    zmin = sign * optimum.objective
    references = [optimum.x]
    for k in range(count):
        if opts.progress:
            opts.progress(k, count)
        dropped, result, status = find_alternative(engine, zmin, within, references, opts.time_limit_s)
        if result is None or result.x is None:  # no portfolio
            stop = (
                f"no portfolio within {within:.2%} of the optimum drops any option of an earlier one"
                if status in (Status.OPTIMAL, Status.INFEASIBLE)
                else f"stopped: the search ended {status}"
            )
            break
        found.append({"result": result, "dropped": dropped})
        references.append(result.x)
    if opts.progress:
        opts.progress(len(found) - 1, count)
    return found, stop


def alternatives_table(engine: Engine, found: list[dict[str, Any]]) -> pd.DataFrame:
    maximize = engine.base_comp.maximize
    optimum = found[0]["result"]
    best = set(optimum.selected)
    rows = []
    for k, item in enumerate(found):
        res = item["result"]
        sel = list(res.selected)
        here = set(sel)
        loss = None
        if res.objective is not None and optimum.objective is not None:
            loss = (optimum.objective - res.objective) if maximize else (res.objective - optimum.objective)
        earlier = [set(f["result"].selected) for f in found[:k]]
        rows.append(
            {
                "alternative": k,
                "status": res.status,
                "objective": r9(res.objective),
                "loss": r9(loss),
                "loss_pct": r9(100 * loss / abs(optimum.objective))
                if loss is not None and optimum.objective
                else (0.0 if loss == 0 else None),
                "dropped": len(best - here),
                "added": len(here - best),
                "distance": len(best ^ here),
                "min_distance_to_earlier": min((len(e ^ here) for e in earlier), default=None),
                "selected": len(sel),
                **{f"{r}_used": r9(res.resource_use.get(r)) for r in engine.base.resources},
                "dropped_ids": SEP.join(o for o in optimum.selected if o not in here),
                "added_ids": SEP.join(o for o in sel if o not in best),
                "portfolio": SEP.join(sel),
            }
        )
    frame = pd.DataFrame(rows)
    frame["min_distance_to_earlier"] = frame["min_distance_to_earlier"].astype("Int64")
    return frame


def matrix_table(engine: Engine, found: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per option in any of the portfolios: 1 where a portfolio selects it."""
    opts = engine.base.options
    chosen = [set(f["result"].selected) for f in found]
    every = set().union(*chosen)
    rows = []
    for oid in opts.index:
        if oid not in every:
            continue
        row = {"option_id": oid, "partner_id": opts.at[oid, "partner_id"], "sector_id": opts.at[oid, "sector_id"]}
        for k, sel in enumerate(chosen):
            row["optimum" if k == 0 else f"alternative_{k}"] = int(oid in sel)
        row["portfolios"] = sum(oid in sel for sel in chosen)
        rows.append(row)
    return pd.DataFrame(
        rows,
        columns=[
            "option_id",
            "partner_id",
            "sector_id",
            "optimum",
            *[f"alternative_{k}" for k in range(1, len(found))],
            "portfolios",
        ],
    )
