"""Partner engagement: an indicator per partner, 1 when any of its options is selected.

Not part of the planning model itself: analyses that count the partners a portfolio
engages (`planner pareto`'s `partners` objective) add it to a built model. Two faces:

- `add_engaged(model)`: for each partner p with options, a column y[p] ∈ [0, 1] and,
  per option o of p, the row `engaged_<o>`:  x[o] − y[p] ≤ 0.
  Σ_p y[p] ≥ the number of partners engaged, with equality at its minimum; y is only ever
  bounded from above by an analysis (minimised, or Σ y ≤ ε), so continuous y is exact.
- `evaluate_engaged(state)`: y[p] = max_{o of p} x[o] (the least value the rows allow), and
  each row's activity x[o] − y[p].
"""

from __future__ import annotations

import pulp

from planner.inputs.scenario import Scenario
from planner.model.core import Model, Role, expr
from planner.model.faces import Face, State

FAMILY = "engaged"


def partner_options(scenario: Scenario) -> dict[str, list[str]]:
    """partner → its options, in table order (partners without options are left out)."""
    out: dict[str, list[str]] = {}
    for oid, pid in scenario.option_partner.items():
        out.setdefault(pid, []).append(oid)
    return out


def add_engaged(model: Model) -> dict[str, pulp.LpVariable]:
    """Add y[p] and the rows `engaged_<o>`; returns partner → its y column."""
    owners = partner_options(model.scenario)
    ys = model.new_vars(FAMILY, list(owners), 0, 1.0)
    y = dict(zip(owners, ys))
    for pid, options in owners.items():
        for oid in options:
            model.add(
                FAMILY, expr([(model.x[oid], 1.0), (y[pid], -1.0)]) <= 0, oid, role=Role.DEFINE, subject=pid, scale=None
            )
    return y


def evaluate_engaged(state: State) -> Face:
    """y[p] = 1 iff p has a selected option; row `engaged_<o>`: x[o] − y[partner(o)] ≤ 0."""
    sc = state.scenario
    x = dict(zip(sc.option_ids(), state.x.tolist()))
    face = Face()
    for pid, options in partner_options(sc).items():
        y = float(max(x[o] for o in options))
        face.columns[(FAMILY, pid)] = y
        for oid in options:
            face.row(oid, x[oid] - y, upper=0.0)
    return face


def partners_engaged(state: State) -> int:
    """How many partners the portfolio engages: Σ_p y[p] at the numpy face."""
    return int(round(sum(evaluate_engaged(state).columns.values())))
