"""Time phasing: each option starts in one year of the horizon, or not at all.

Years Y = start..end (index t = 0..T−1). d[o] ≥ 1 is the option's duration (the
`duration_column`, else 1). A resource r is spent in the start year, or — if listed in
`spread` — in equal parts use[o,r]/d[o] over the d[o] years from the start (spending
after the horizon's last year falls outside every per-year limit and table).
Coverage counts from the start year; `value: end` values coverage at the horizon's
end (every started option), `value: horizon` the mean over the years of each year's value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pulp
from numpy.typing import NDArray

from planner.inputs.config_rules import PhasingRule
from planner.inputs.scenario import FloatArray, Scenario, float_column
from planner.model.base import tie_eps
from planner.model.core import Model, Role
from planner.model.faces import Face, State

# by_option[i][t]: the column x[o_i, year t]
StartColumns = list[list[pulp.LpVariable]]


def phasing_rule(scenario: Scenario) -> PhasingRule:
    """The scenario's `rules.phasing` (this family and its figures exist only where it is stated)."""
    rule = scenario.config.rules.phasing
    if rule is None:
        raise ValueError(f"scenario {scenario.name!r} states no rules.phasing")
    return rule


def durations(scenario: Scenario) -> NDArray[np.int_]:
    """d[o] per option (1 where the scenario has no duration column)."""
    col = phasing_rule(scenario).duration_column
    if col in scenario.options.columns:
        days: NDArray[np.int_] = float_column(scenario.options[col]).round().astype(int)
        return days
    return np.ones(len(scenario.options), dtype=int)


def spend_share(scenario: Scenario, resource: str) -> FloatArray:
    """share[o, s, y]: fraction of use[o, r] spent in year index y when o starts in year index s."""
    rule = phasing_rule(scenario)
    n, T = len(scenario.options), len(rule.years)
    share = np.zeros((n, T, T))
    if resource in rule.spread:
        d = durations(scenario)
        for s in range(T):
            for y in range(s, T):
                share[:, s, y] = np.where(y - s < d, 1.0 / d, 0.0)
    else:
        for s in range(T):
            share[:, s, s] = 1.0
    return share


def add_phasing(model: Model) -> None:
    """Start years, per-year limits and (value: horizon) per-year coverage:

    x[o,y] binary;  `phasing_once_<o>`:  x[o] − Σ_y x[o,y] = 0           (x[o]: selected in some year)
    `phasing_limit_<r>_<y>`:  Σ_o Σ_s share[o,s,y]·use[o,r]·x[o,s] ≤ per_year[r]
    value: horizon —  cover[g,y] ∈ [0, size[g]],
      `phasing_link_<g>_<y>`:  cover[g,y] − Σ_o a[o,g]·Σ_{s≤y} x[o,s] ≤ 0,
      and the objective values (1/T)·Σ_y cover[g,y] in place of cover[g].
    Tie-break preference (second stage only): earlier starts, by a weight below one option's.
    """
    sc = model.scenario
    rule = phasing_rule(sc)
    by_option = _add_start_years(model, rule.years)
    _add_year_limits(model, rule, by_option)
    if rule.value == "horizon":
        _add_horizon_cover(model, rule.years, by_option)
    T, n = len(rule.years), len(sc.options)
    unit = (tie_eps(sc) if sc.config.objective.sense == "max_coverage" else 1.0) / (2 * max(1, n) * T)
    model.secondary = model.secondary + pulp.LpAffineExpression(
        (v, unit * t) for row in by_option for t, v in enumerate(row) if t
    )


def _add_start_years(model: Model, years: list[int]) -> StartColumns:
    """The columns x[o,y] and the rows `phasing_once_<o>`; returns the columns by option."""
    ids = model.scenario.option_ids()
    T = len(years)
    grid = model.new_vars(
        "x", [f"{o}_{y}" for o in ids for y in years], 0, 1, pulp.LpBinary, keys=[(o, y) for o in ids for y in years]
    )
    by_option = [grid[i * T : (i + 1) * T] for i in range(len(ids))]  # by_option[i][t] = x[o_i, year t]
    for i, oid in enumerate(ids):
        for t, y in enumerate(years):
            model.x_year[(oid, y)] = by_option[i][t]
        once = pulp.LpAffineExpression([(model.x[oid], 1.0), *((v, -1.0) for v in by_option[i])])
        model.add("phasing", once == 0, f"once_{oid}", role=Role.DEFINE, subject=oid, scale=None)
    return by_option


def _add_year_limits(model: Model, rule: PhasingRule, by_option: StartColumns) -> None:
    """The rows `phasing_limit_<r>_<y>`, one per resource with a per-year limit and year."""
    sc = model.scenario
    for res, cap in rule.per_year.items():
        share = spend_share(sc, res) * float_column(sc.options[res])[:, None, None]
        for t, y in enumerate(rule.years):
            rows, starts = np.nonzero(share[:, : t + 1, t])
            terms = zip(
                [by_option[i][s_] for i, s_ in zip(rows.tolist(), starts.tolist())], share[rows, starts, t].tolist()
            )
            model.add(
                "phasing",
                pulp.LpAffineExpression(terms) <= cap,
                f"limit_{res}_{y}",
                subject=res,
                key=f"rules.phasing.per_year.{res}",
            )


def _add_horizon_cover(model: Model, years: list[int], by_option: StartColumns) -> None:
    """value: horizon — the columns cover[g,y], the rows `phasing_link_<g>_<y>`, and the valued
    coverage (each cover[g,y] with factor 1/T) in place of cover[g]."""
    sc = model.scenario
    T = len(years)
    position = sc.option_position
    gaps = sc.gap_ids()
    sizes = float_column(sc.gaps["size"]).tolist()
    covs = model.new_vars(
        "phasing_cover",
        [f"{g}_{y}" for g in gaps for y in years],
        0,
        [size for size in sizes for _ in years],
        keys=[(g, y) for g in gaps for y in years],
    )
    slots = []
    for j, gid in enumerate(gaps):
        contrib = [(position[o], a) for o, a in sc.contributions_by_gap()[gid]]
        for t, y in enumerate(years):
            cov = covs[j * T + t]
            terms = [(cov, 1.0)] + [(by_option[i][s_], -a) for i, a in contrib for s_ in range(t + 1)]
            model.add(
                "phasing",
                pulp.LpAffineExpression(terms) <= 0,
                f"link_{gid}_{y}",
                role=Role.DEFINE,
                subject=gid,
                scale=None,
            )
            slots.append((gid, cov, 1.0 / T))
    model.valued = slots


def start_indices(state: State) -> NDArray[np.int64]:
    """The state's start-year index per option; without one, every selected option starts in
    the first year (index 0) and every other is not started (−1)."""
    if state.start is not None:
        return state.start
    return np.where(state.x > 0, 0, -1)


def evaluate_phasing(state: State) -> Face:
    """x[o,y] = 1 in o's start year; each year's spending per limited resource; under
    `value: horizon`, phasing_cover[g,y] = min(size[g], Σ_o a[o,g]·[o started by y])."""
    sc, face = state.scenario, Face()
    rule = phasing_rule(sc)
    start = start_indices(state)
    ids = sc.option_ids()
    for i, oid in enumerate(ids):
        for t, y in enumerate(rule.years):
            face.columns[("x", oid, y)] = float(start[i] == t and state.x[i] > 0)
        face.row(f"once_{oid}", float(state.x[i]) - float(start[i] >= 0 and state.x[i] > 0), 0.0, 0.0)
    spent = use_by_year(sc, state.x, np.where(state.x > 0, start, -1))
    for res, cap in rule.per_year.items():
        for t, y in enumerate(rule.years):
            face.row(f"limit_{res}_{y}", float(spent[res][t]), upper=cap)
    if rule.value == "horizon":
        oi, gi, amt = sc.contribution_arrays()
        per_year = covered_by_year(sc, state.x, start)
        for t, y in enumerate(rule.years):
            on = state.x * (start >= 0) * (start <= t)
            raw = np.bincount(gi, weights=amt * on[oi], minlength=len(sc.gaps))
            for j, gid in enumerate(sc.gap_ids()):
                face.columns[("phasing_cover", gid, y)] = float(per_year[t, j])
                face.row(f"link_{gid}_{y}", float(per_year[t, j] - raw[j]), upper=0.0)
    return face


def start_index(scenario: Scenario, start_year: Sequence[int] | NDArray[Any] | Mapping[str, int]) -> NDArray[np.int64]:
    """Year index per option (−1 where not started) from an array or {option: year} mapping."""
    years = phasing_rule(scenario).years
    if isinstance(start_year, dict):
        start_year = [start_year.get(o, 0) for o in scenario.option_ids()]
    pos = {y: t for t, y in enumerate(years)}
    return np.array([pos.get(int(y), -1) for y in start_year], dtype=np.int64)


def covered_by_year(scenario: Scenario, x: NDArray[Any], start: NDArray[np.int64]) -> FloatArray:
    """covered[y, g] = min(size[g], Σ_o a[o,g]·x[o]·[start[o] ≤ y])."""
    oi, gi, amt = scenario.contribution_arrays()
    size = float_column(scenario.gaps["size"])
    T = len(phasing_rule(scenario).years)
    out = np.zeros((T, len(size)))
    for t in range(T):
        on = x * (start >= 0) * (start <= t)
        out[t] = np.minimum(np.bincount(gi, weights=amt * on[oi], minlength=len(size)), size)
    return out


def use_by_year(scenario: Scenario, x: NDArray[Any], start: NDArray[np.int64]) -> dict[str, FloatArray]:
    """resource → spending per year of the horizon (Σ_o share[o,start[o],y]·use[o,r]·x[o])."""
    T = len(phasing_rule(scenario).years)
    out = {}
    rows = np.flatnonzero(x.astype(bool) & (start >= 0))
    for res in scenario.resources:
        use = float_column(scenario.options[res])
        share = spend_share(scenario, res)
        out[res] = np.array([float(sum(share[i, start[i], t] * use[i] for i in rows)) for t in range(T)])
    return out
