"""The rival's best response to a portfolio x: a small MILP over which partners to pull.

With x fixed, A_g = Σ_o a[o,g]·x[o] and B_gp = Σ_{o with p} a[o,g]·x[o]; pulling the
partners y (binary per partner) leaves t_g(y) = A_g − ℓ·Σ_p B_gp·y_p of contributions to gap
g, whose value is f_g(min(size_g, t_g)) with f_g the gap's value function (linear, or a
diminishing-returns shape: concave and non-decreasing). On t ≥ 0 that is the minimum of the
lines through consecutive breakpoints of f_g (and the constant f_g(size_g)), so

    min Σ_g v_g   s.t.   v_g ≥ α_j + β_j·t_g(y) − M_gj·(1 − σ_gj),  Σ_j σ_gj = 1   (σ binary)
                         Σ_p spend_p(x)·y_p ≤ B                                     (the rival's budget)

(only the lines of segments t_g can reach; one line needs no σ). The lines come from the
model's one definition (`planner.rival.value.gap_value_curves`); the reported value of a
response is always recomputed with the numpy face (`Evaluator.value`), never read from this
MILP. Among best responses the tie-break stage takes the one that costs the rival least
(then the solver's canonical order), so the answer is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pulp

from planner.errors import PlannerError
from planner.inputs.scenario import Scenario
from planner.model.core import Model, expr
from planner.solver import solve_model
from planner.rival.value import Evaluator, RivalTerms, option_partner_index, spend
from planner.solver.outcome import Status

CONCAVE_TOL = 1e-9


@dataclass(frozen=True)
class Response:
    """The rival's best response to a portfolio: whom it pulls, what that costs it, our value after it."""

    pulled: tuple[str, ...]  # partner ids, in partner table order
    value: float  # value(x, pulled), from the numpy face
    spend: float  # Σ spend_p(x) over the pulled partners
    status: Status  # OPTIMAL: a proven best response (also when nothing can be pulled)


def _lines(points: np.ndarray, values: np.ndarray, lo: float, hi: float) -> list[tuple[float, float, float]]:
    """(α, β, M) of the lines whose segments meet [lo, hi] (coverage amounts), capped at the size."""
    out = []
    size = points[-1]
    low, high = min(lo, size), min(hi, size)
    for k in range(len(points) - 1):
        a, b = points[k], points[k + 1]
        if b <= a or b < low or a > high:  # a segment t never reaches
            continue
        beta = (values[k + 1] - values[k]) / (b - a)
        alpha = values[k] - beta * a
        out.append((alpha, beta))
    if hi > size:  # beyond the size the gap is closed: the constant f(size)
        out.append((float(values[-1]), 0.0))
    slopes = [beta for _, beta in out]
    if any(s2 > s1 + CONCAVE_TOL * max(1.0, abs(s1)) for s1, s2 in zip(slopes, slopes[1:])) or any(
        s < -CONCAVE_TOL for s in slopes
    ):
        raise PlannerError(
            "a gap's value is not concave and non-decreasing in its coverage; the rival's best "
            "response needs it to be (see docs/rival.md)"
        )
    return [(alpha, beta, max(0.0, alpha + beta * hi)) for alpha, beta in out]


def best_response(
    scenario: Scenario,
    x: np.ndarray,
    terms: RivalTerms,
    evaluator: Evaluator,
    curves: list[tuple[np.ndarray, np.ndarray]],
) -> Response:
    """The rival's best response to x (see the module doc): an exact MILP, solved with the scenario's solver settings."""
    x = np.asarray(x, dtype=np.int8)
    oi, gi, amt = scenario.contribution_arrays()
    part = option_partner_index(scenario)
    live = (x[oi] > 0) & (amt > 0)
    n_gaps, n_partners = len(scenario.gaps), len(terms.partners)
    given = np.zeros((n_gaps, n_partners))
    np.add.at(given, (gi[live], part[oi[live]]), amt[live])
    cost = spend(terms, scenario, x)
    candidates = [p for p in range(n_partners) if given[:, p].any() and cost[p] <= terms.limit()]
    if not candidates or terms.loss == 0:
        return Response((), evaluator.value(x, ()), 0.0, Status.OPTIMAL)
    model = Model(
        scenario,
        pulp.LpProblem("rival_response", pulp.LpMinimize),
        {},
        {},
        False,
        pulp.LpAffineExpression(),
        pulp.LpAffineExpression(),
    )
    ids = [terms.partners[p] for p in candidates]
    pull = model.new_vars("rival_pull", ids, 0, 1, pulp.LpBinary)
    model.x = dict(zip(ids, pull))  # the decision the solve reports (`SolveOutcome.x`), one per candidate partner
    model.add(
        "rival_budget",
        expr((y, float(cost[p])) for y, p in zip(pull, candidates)) <= terms.limit(),
        "budget",
        key="rival.budget",
    )
    total = given.sum(axis=1)
    objective = []
    for g in np.flatnonzero(given[:, candidates].any(axis=1)).tolist():
        gid = scenario.gap_ids()[g]
        lost = [(y, terms.loss * float(given[g, p])) for y, p in zip(pull, candidates) if given[g, p] > 0]
        hi = float(total[g])
        lo = hi - sum(c for _, c in lost)
        lines = _lines(*curves[g], lo, hi)
        v = model.new_var("rival_value", gid, 0, None)
        objective.append((v, 1.0))
        picks = (
            [None]
            if len(lines) == 1
            else model.new_vars("rival_piece", [f"{gid}_{j}" for j in range(len(lines))], 0, 1, pulp.LpBinary)
        )
        for j, ((alpha, beta, big), pick) in enumerate(zip(lines, picks)):
            # v ≥ α + β·(A_g − Σ loss·B_gp·y_p) − M·(1 − σ)
            row = [(v, 1.0), *((y, beta * c) for y, c in lost)] + ([(pick, -big)] if pick is not None else [])
            rhs = alpha + beta * hi - (big if pick is not None else 0.0)
            model.add("rival_value", expr(row) >= rhs, f"{gid}_{j}", subject=gid, scale=None)
        if picks[0] is not None:
            model.add("rival_piece", expr((s, 1.0) for s in picks) == 1, gid, subject=gid, scale=None)
    model.primary = expr(objective)
    model.secondary = expr((y, float(cost[p])) for y, p in zip(pull, candidates))
    model.prob.setObjective(model.primary)
    # mip_gap 0 whatever the scenario says: a response short of the best would overstate the worst case.
    outcome = solve_model(model, backend="highs", tie_break=True, mip_gap=0.0)
    if not outcome.status.has_portfolio or outcome.x is None:
        raise PlannerError(f"the rival's best-response MILP ended {outcome.status.value} ({outcome.message})")
    chosen = {ids[k] for k, on in enumerate(outcome.x.tolist()) if on}
    pulled = tuple(p for p in terms.partners if p in chosen)
    spent = float(sum(cost[terms.partners.index(p)] for p in pulled))
    return Response(pulled, evaluator.value(x, pulled), spent, outcome.status)
