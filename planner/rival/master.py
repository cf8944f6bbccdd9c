"""The hedged (maximin) plan by column-and-constraint generation.

    max_x  min_{R affordable against x}  value(x, R)

Master MILP over the scenario's own model (`planner.model.assemble.build`: every limit,
target and rule) with η ≤ z* (the nominal optimum bounds every value after a response) and,
for each response R_k found so far, one copy of the coverage variables in the scenario the
rival leaves us (`after_response`), built by the model's own row functions (`add_link`, the
objective-shaping families, `set_objectives`) so its value V_k(x) is the model's objective:

    η ≤ V_0(x)                              (nobody pulled: the model's own objective)
    η ≤ V_k(x) + M·u_k                      u_k binary: "x makes R_k unaffordable"
    Σ_{o with p ∈ R_k} x[o] ≥ need_k·u_k     need_k = least count with c(R_k) + s·count > B

(R_k costs c(R_k) + s·Σ_{p∈R_k} n_p(x); with s = 0 it is always affordable and has no u_k.)
M_k = the most the pulled partners could ever be worth (`Master.most_lost`). The master's bound is an upper bound of
the maximin; the rival's best response to the master's x gives a lower bound; rounds add that
response until the two meet (`planner.rival.run.hedge`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pulp

from planner.inputs.scenario import Scenario
from planner.model.assemble import build
from planner.model.base import add_link, set_objectives
from planner.model.core import Model, expr
from planner.model.rules import REGISTRY, gap_values
from planner.solver import solve_model
from planner.rival.value import Evaluator, RivalTerms
from planner.solver.outcome import SolveOutcome

# The families that shape the objective's value of coverage (rules.__init__: "the objective's
# shape"); a response copy gets their rows on its own coverage. Phasing's horizon value is
# refused with a rival (planner.inputs.validate_rival).
VALUE_FAMILIES = ("diminishing_returns", "standards_bonus")


def response_value(model: Model, after: Scenario, label: str) -> pulp.LpAffineExpression:
    """V(x) in the scenario `after`: a copy of the coverage variables with the model's own rows
    (`add_link` and the objective-shaping families) and objective (`set_objectives`), sharing x."""
    shadow = Model(
        after,
        model.prob,
        model.x,
        {},
        model.maximize,
        pulp.LpAffineExpression(),
        pulp.LpAffineExpression(),
        tags=model.tags,
        var_keys=model.var_keys,
        extra_vars=model.extra_vars,
        x_year=model.x_year,
        _taken=model._taken,
    )
    gaps = after.gap_ids()
    covers = shadow.new_vars(
        f"rival_cover_{label}",
        gaps,
        0,
        [float(s) for s in after.gaps["size"].tolist()],
        keys=[(label, g) for g in gaps],
    )
    shadow.cover = dict(zip(gaps, covers))
    add_link(shadow)
    for name in VALUE_FAMILIES:
        if REGISTRY[name].active(after):
            REGISTRY[name].add(shadow)
    set_objectives(shadow)  # also points the problem's objective at this copy; the master sets its own after
    return shadow.primary


def only_gaps(scenario: Scenario, gaps: list[str]) -> Scenario:
    """The scenario with only these gaps (and their contributions): a response copy needs no
    coverage variables for the gaps the pulled partners do not touch."""
    keep = set(gaps)
    contrib = scenario.contributions[scenario.contributions["gap_id"].isin(keep)].reset_index(drop=True)
    new = replace(scenario, gaps=scenario.gaps.loc[[g for g in scenario.gap_ids() if g in keep]], contributions=contrib)
    for name in ("_option_ids", "option_position", "option_partner", "select_columns"):
        if name in scenario.__dict__:
            new.__dict__[name] = scenario.__dict__[name]
    return new


def gap_of_terms(model: Model) -> dict[str, str]:
    """Column name → the gap whose coverage value it carries in the objective (cover[g] and its
    diminishing-returns segments), read from the columns' keys (`Model.var_keys`)."""
    out = {}
    for name, key in model.var_keys.items():
        if key[0] == "cover":
            out[name] = key[1]
    for name, key in model.var_keys.items():
        if key[0] == "diminishing_returns_seg" and key[1] in out:
            out[name] = out[key[1]]
    return out


class Master:
    """The master MILP, grown in place: one response copy per round, re-solved from scratch each round."""

    def __init__(self, scenario: Scenario, terms: RivalTerms, evaluator: Evaluator):
        self.scenario, self.terms, self.evaluator = scenario, terms, evaluator
        self.model = build(scenario)
        # η is free: η ≤ V_0(x) bounds it (an explicit η ≤ z* bound made HiGHS 1.16 end "Solve error"
        # on a tiny master whose optimum sat at z*, tests/test_rival_property.py).
        self.eta = self.model.new_var("rival_eta", "worst_case", None, None)
        nominal = self.model.primary
        self.nominal = nominal
        self.gap_of = gap_of_terms(self.model)
        self.model.add("rival_worst", expr([(self.eta, 1.0)]) - nominal <= 0, "none", scale=None)
        self.model.primary = expr([(self.eta, 1.0)])
        self.responses: list[tuple[str, ...]] = [()]
        partner = self.scenario.options["partner_id"].tolist()
        self._options_of = {p: [o for o, q in zip(scenario.option_ids(), partner) if q == p] for p in terms.partners}

    def value_after(self, pulled: tuple[str, ...], label: str) -> pulp.LpAffineExpression:
        """V_k(x): the model's objective with the coverage of the gaps R touches taken from a copy in
        the scenario R leaves us (`response_value` on those gaps: their coverage, the risk and bonus
        terms), and every other gap's value term from the model's own objective (nominal coverage)."""
        sc = self.scenario
        chosen = set(pulled)
        touched = sorted(
            {
                g
                for o, g, a in zip(
                    sc.contributions["option_id"].tolist(),
                    sc.contributions["gap_id"].tolist(),
                    sc.contributions["amount"].tolist(),
                )
                if a > 0 and sc.option_partner[o] in chosen
            }
        )
        copy = response_value(self.model, only_gaps(self.evaluator.after(pulled), touched), label)
        touched_set = set(touched)
        kept = [
            (v, c) for v, c in self.nominal.items() if v.name in self.gap_of and self.gap_of[v.name] not in touched_set
        ]
        return copy + pulp.LpAffineExpression(kept)

    def most_lost(self, pulled: tuple[str, ...]) -> float:
        """An upper bound of V_0(x) − V_k(x) over all x: the value of the most the pulled partners could
        give each gap, Σ_g f_g(min(size_g, ℓ·Σ_{o with p∈R} a[o,g])) (f_g concave with f_g(0) = 0, so losing r
        of coverage costs at most f_g(r)). With η ≤ V_0(x) always there, it is the row's big-M."""

        sc = self.scenario
        oi, gi, amt = sc.contribution_arrays()
        chosen = set(pulled)
        mask = np.array([sc.option_partner[o] in chosen for o in sc.option_ids()], dtype=bool)
        lost = np.bincount(gi, weights=amt * mask[oi], minlength=len(sc.gaps)) * self.terms.loss
        lost = np.minimum(lost, sc.gaps["size"].to_numpy(dtype=float))
        total = float(np.sum(gap_values(sc, lost)))
        return total + 1e-6 * max(1.0, total)

    def need(self, pulled: tuple[str, ...]) -> int | None:
        """Least number of options with the pulled partners that makes R unaffordable (None: never)."""
        t = self.terms
        if t.shield == 0:
            return None
        base = float(sum(t.cost[t.partners.index(p)] for p in pulled))
        count = math.floor((t.limit() - base) / t.shield) + 1
        while base + t.shield * (count - 1) > t.limit():  # floating point: the least count, exactly
            count -= 1
        while base + t.shield * count <= t.limit():
            count += 1
        available = sum(len(self._options_of[p]) for p in pulled)
        return max(count, 0) if count <= available else None

    def add(self, pulled: tuple[str, ...]) -> bool:
        """Add response R (False if it is in the master already)."""
        if pulled in self.responses:
            return False
        k = len(self.responses)
        self.responses.append(pulled)
        value = self.value_after(pulled, str(k))
        need = self.need(pulled)
        row = expr([(self.eta, 1.0)]) - value
        if need is None:
            self.model.add("rival_worst", row <= 0, str(k), scale=None)
            return True
        blocked = self.model.new_var("rival_blocked", str(k), 0, 1, pulp.LpBinary)
        self.model.add("rival_worst", row - self.most_lost(pulled) * blocked <= 0, str(k), scale=None)
        members = [self.model.x[o] for p in pulled for o in self._options_of[p]]
        self.model.add(
            "rival_block", expr([*((v, 1.0) for v in members), (blocked, -float(need))]) >= 0, str(k), scale=None
        )
        return True

    def solve(self, tie_break: bool, start: np.ndarray | None = None) -> SolveOutcome:
        """Maximise η (then, with `tie_break`, least cost among the master's optima), with the scenario's
        solver settings; `start`, the best plan found so far, is HiGHS's MIP start.

        (No lower bound on η from that plan's worst case: HiGHS 1.16's presolve declared a feasible
        master infeasible with one — tests/test_rival_hand.py::test_partial_loss_rewards_redundancy.)"""

        self.model.prob.sense = pulp.LpMaximize
        self.model.prob.setObjective(self.model.primary)
        return solve_model(self.model, tie_break=tie_break, start=start)

    def x_of(self, outcome: SolveOutcome) -> np.ndarray:
        return np.asarray(outcome.x, dtype=np.int8)
