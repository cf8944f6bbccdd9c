"""Re-planning from an incumbent portfolio (the scenario's top-level `replan:` section).

Notation: I is the incumbent (`replan.incumbent`, option ids), x[o] ∈ {0,1} the new
portfolio. An incumbent o ∈ I with x[o] = 0 is *dropped*, an option o ∉ I with x[o] = 1
is *added*, an incumbent kept is *kept*. c[o,r] ≥ 0 is what dropping o uses of resource r
(`replan.drop_cost.r`: one number for every option, or the name of an options column).

Columns (continuous, defined by equality rows; their values are integral at any portfolio):

    replan_n_dropped = Σ_{o∈I} (1 − x[o])           row `replan_count_dropped`: n_dropped + Σ_{o∈I} x[o] = |I|
    replan_n_added   = Σ_{o∉I} x[o]                 row `replan_count_added`:   n_added − Σ_{o∉I} x[o] = 0
    replan_drop_use_r = Σ_{o∈I} c[o,r]·(1 − x[o])   row `replan_drop_<r>`:      drop_use_r + Σ_{o∈I} c[o,r]·x[o] = Σ_{o∈I} c[o,r]

(a count column only where a limit reads it; a drop-use column for each drop-cost resource with a limit).
Limits (each a bound read straight from its scenario key, scale 1):

    `replan_max_changes`:  n_dropped + n_added ≤ max_changes
    `replan_max_dropped`:  n_dropped ≤ max_dropped
    `replan_max_added`:    n_added ≤ max_added
    `replan_limit_<r>`:    Σ_o use[o,r]·x[o] + drop_use_r ≤ limits[r]    (the base limit row plus what leaving costs)

The base row `limit_<r>` stays (it is implied, as drop_use_r ≥ 0). Ties are broken as
without `replan:` (least cost, then the canonical order), so a plan that is the planner's
answer without `replan:` stays that answer as the incumbent.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pulp
from numpy.typing import NDArray

from planner.inputs.config_replan import ReplanConfig
from planner.inputs.scenario import FloatArray, Scenario, float_column
from planner.model.base import evaluate_limit
from planner.model.core import Model, Role
from planner.model.faces import Face, State

Indicator = NDArray[np.int8]  # 1 or 0 per option, in option order


def rule(scenario: Scenario) -> ReplanConfig | None:
    return scenario.config.replan


def replan_rule(scenario: Scenario) -> ReplanConfig:
    """The scenario's `replan:` section (this family and its figures exist only where it is stated)."""
    cfg = rule(scenario)
    if cfg is None:
        raise ValueError(f"scenario {scenario.name!r} states no replan:")
    return cfg


def incumbent_vector(scenario: Scenario) -> Indicator:
    """1 for each incumbent option, in option order."""
    ids = set(replan_rule(scenario).ids)
    return np.array([1 if o in ids else 0 for o in scenario.option_ids()], dtype=np.int8)


def drop_costs(scenario: Scenario) -> dict[str, FloatArray]:
    """resource → c[o, r] per option (a number for every option, or an options column)."""
    n = len(scenario.options)
    out = {}
    for res, cost in replan_rule(scenario).drop_cost.items():
        out[res] = float_column(scenario.options[cost]) if isinstance(cost, str) else np.full(n, float(cost))
    return out


def limited_drop_costs(scenario: Scenario) -> dict[str, FloatArray]:
    """The drop costs on resources with a limit (those get a `replan_limit_<r>` row)."""
    return {r: c for r, c in drop_costs(scenario).items() if r in scenario.config.limits}


class Changes(NamedTuple):
    """Per option (option order): kept / dropped / added indicators, and the counts."""

    kept: Indicator
    dropped: Indicator
    added: Indicator

    def counts(self) -> dict[str, int]:
        d, a = int(self.dropped.sum()), int(self.added.sum())
        return {"kept": int(self.kept.sum()), "dropped": d, "added": a, "total": d + a}


def changes_of(scenario: Scenario, x: NDArray[Any]) -> Changes:
    """What a portfolio changes against the incumbent: the one statement of kept/dropped/added."""
    inc = incumbent_vector(scenario).astype(bool)
    on = np.asarray(x).astype(bool)
    return Changes((inc & on).astype(np.int8), (inc & ~on).astype(np.int8), (~inc & on).astype(np.int8))


def drop_use(scenario: Scenario, x: NDArray[Any]) -> dict[str, float]:
    """resource → Σ_{o dropped} c[o, r]: what leaving commitments uses."""
    dropped = changes_of(scenario, x).dropped
    return {r: float(c @ dropped) for r, c in drop_costs(scenario).items()}


def charged_beyond_use(scenario: Scenario, x: NDArray[Any], resource: str) -> float:
    """What `limits.<resource>` charges a portfolio beyond its options' own use: the drop use
    of a re-plan with a drop cost on that (limited) resource, else 0."""
    if rule(scenario) is None or resource not in limited_drop_costs(scenario):
        return 0.0
    return drop_use(scenario, x)[resource]


def _counted(cfg: ReplanConfig) -> tuple[bool, bool]:
    """(needs the dropped count, needs the added count)."""
    return (
        cfg.max_changes is not None or cfg.max_dropped is not None,
        cfg.max_changes is not None or cfg.max_added is not None,
    )


def add_replan(model: Model) -> None:
    """The rows and columns of the module doc."""
    sc = model.scenario
    cfg = replan_rule(sc)
    inc = incumbent_vector(sc).tolist()
    xs = list(model.x.values())
    n_inc = int(sum(inc))
    need_dropped, need_added = _counted(cfg)
    dropped = added = None
    if need_dropped:
        dropped = model.new_var("replan", "n_dropped", 0, float(n_inc))
        terms = [(dropped, 1.0), *((v, 1.0) for v, i in zip(xs, inc) if i)]
        model.add("replan", pulp.LpAffineExpression(terms) == n_inc, "count_dropped", role=Role.DEFINE, scale=None)
    if need_added:
        added = model.new_var("replan", "n_added", 0, float(len(xs) - n_inc))
        terms = [(added, 1.0), *((v, -1.0) for v, i in zip(xs, inc) if not i)]
        model.add("replan", pulp.LpAffineExpression(terms) == 0, "count_added", role=Role.DEFINE, scale=None)
    if cfg.max_changes is not None:
        model.add(
            "replan",
            pulp.LpAffineExpression([(dropped, 1.0), (added, 1.0)]) <= cfg.max_changes,
            "max_changes",
            key="replan.max_changes",
        )
    if cfg.max_dropped is not None:
        model.add(
            "replan",
            pulp.LpAffineExpression([(dropped, 1.0)]) <= cfg.max_dropped,
            "max_dropped",
            key="replan.max_dropped",
        )
    if cfg.max_added is not None:
        model.add(
            "replan", pulp.LpAffineExpression([(added, 1.0)]) <= cfg.max_added, "max_added", key="replan.max_added"
        )
    for res, cost in limited_drop_costs(sc).items():
        c_inc = [(v, float(c)) for v, c, i in zip(xs, cost.tolist(), inc) if i and c]
        total = float(sum(c for _, c in c_inc))
        use_var = model.new_var("replan_drop_use", res, 0, total)
        model.add(
            "replan",
            pulp.LpAffineExpression([(use_var, 1.0), *c_inc]) == total,
            f"drop_{res}",
            role=Role.DEFINE,
            subject=res,
            scale=None,
        )
        use = sc.options[res].to_numpy(dtype=float)
        nz = np.flatnonzero(use).tolist()
        row = pulp.LpAffineExpression([*zip([xs[i] for i in nz], use[nz].tolist()), (use_var, 1.0)])
        model.add("replan", row <= float(sc.config.limits[res]), f"limit_{res}", subject=res, key=f"limits.{res}")


def evaluate_replan(state: State) -> Face:
    """The columns' values at the portfolio (from `changes_of`, `drop_use`) and each row's activity;
    `replan_limit_<r>` is the base limit row's activity (`evaluate_limit`) plus the drop use."""
    sc, face = state.scenario, Face()
    cfg = replan_rule(sc)
    counts = changes_of(sc, state.x).counts()
    n_inc = int(incumbent_vector(sc).sum())
    need_dropped, need_added = _counted(cfg)
    if need_dropped:
        face.columns[("replan", "n_dropped")] = float(counts["dropped"])
        face.row("count_dropped", counts["dropped"] + counts["kept"], n_inc, n_inc)
    if need_added:
        face.columns[("replan", "n_added")] = float(counts["added"])
        face.row("count_added", 0.0, 0.0, 0.0)
    if cfg.max_changes is not None:
        face.row("max_changes", counts["total"], upper=cfg.max_changes)
    if cfg.max_dropped is not None:
        face.row("max_dropped", counts["dropped"], upper=cfg.max_dropped)
    if cfg.max_added is not None:
        face.row("max_added", counts["added"], upper=cfg.max_added)
    limits = evaluate_limit(state).rows
    used = drop_use(sc, state.x)
    inc = incumbent_vector(sc)
    for res, cost in limited_drop_costs(sc).items():
        total = float(cost @ inc)
        face.columns[("replan_drop_use", res)] = used[res]
        face.row(f"drop_{res}", used[res] + float(cost @ (inc * state.x)), total, total)
        face.row(f"limit_{res}", limits[res].activity + used[res], upper=limits[res].upper)
    return face


def change_table(scenario: Scenario, x: NDArray[Any] | None) -> pd.DataFrame:
    """changes.csv: each incumbent and each selected option (option order) with `change` —
    kept, dropped or added — and per resource what the change uses: an added option its use,
    a dropped one its drop cost, a kept one nothing. No portfolio (x None): no rows."""
    ch = changes_of(scenario, np.zeros(len(scenario.options), dtype=np.int8) if x is None else x)
    rows = np.flatnonzero(ch.kept | ch.dropped | ch.added) if x is not None else np.zeros(0, dtype=np.int64)
    opts = scenario.options.iloc[rows]
    label = np.where(ch.kept[rows] > 0, "kept", np.where(ch.dropped[rows] > 0, "dropped", "added"))
    frame = pd.DataFrame(
        {
            "option_id": opts.index.to_numpy(),
            "partner_id": opts["partner_id"].to_numpy(),
            "sector_id": opts["sector_id"].to_numpy(),
            "kind": opts["kind"].to_numpy(),
            "name": opts["name"].to_numpy(),
            "change": label,
        }
    )
    costs = drop_costs(scenario)
    for res in scenario.resources:
        use = float_column(scenario.options[res])
        drop = costs.get(res, np.zeros(len(use)))
        frame[res] = np.round(ch.added[rows] * use[rows] + ch.dropped[rows] * drop[rows], 9)
    return frame
