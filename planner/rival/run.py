"""`rival(scenario, options)`: the nominal plan against the rival, the exact hedged plan, and the ladder.

Every figure is recomputed from a portfolio and a response with the model's numpy face
(`planner.rival.value`), never read from a solver: the solvers only search (the master for
the hedged plan, the response MILP for the rival's best response).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict

import numpy as np

from planner.api import solve
from planner.errors import PlannerError
from planner.inputs.scenario import Scenario
from planner.results.evaluation import selection_vector
from planner.rival.master import Master
from planner.rival.response import Response, best_response
from planner.rival.value import (
    Evaluator,
    RivalTerms,
    gap_value_curves,
    options_per_partner,
    rival_terms,
    spend,
)
from planner.solver.outcome import Status

MAX_ROUNDS = 500


@dataclass(frozen=True)
class RivalOptions:
    """What `planner rival` runs: the rival budget(s) (None: the scenario's `rival.budget`)."""

    budget: float | None = None
    budgets: tuple[float, ...] = ()  # the ladder of rival budgets (empty: no ladder)
    max_rounds: int = MAX_ROUNDS
    progress: Callable[[str], None] | None = None  # told what runs now (the CLI's indicator on stderr)


@dataclass(frozen=True)
class Plan:
    """A portfolio against the rival: its objective with nobody pulled, its worst case and the rival's best response."""

    x: np.ndarray
    selected: tuple[str, ...]
    objective: float
    worst_case: float
    response: Response
    cost: float  # its use of objective.cost_resource

    def to_dict(self) -> dict[str, Any]:
        return {
            "objective": self.objective,
            "worst_case": self.worst_case,
            "selected": list(self.selected),
            "response": list(self.response.pulled),
            "response_spend": self.response.spend,
            "cost": self.cost,
            "options": len(self.selected),
        }


@dataclass(frozen=True)
class Hedge:
    """The maximin plan at one rival budget, with the exactness of its search."""

    budget: float
    plan: Plan
    bound: float  # the master's proven upper bound of the maximin
    gap: float  # bound − plan.worst_case (0 within the tolerance: exact)
    iterations: int
    exact: bool
    responses: tuple[tuple[str, ...], ...]  # every response in the final master


class LadderRow(TypedDict):
    """One rival budget of the ladder (rival_ladder.csv, rival.json's `ladder`)."""

    budget: float
    nominal_worst_case: float
    nominal_response: str
    hedged_worst_case: float
    hedged_objective: float
    hedged_response: str
    price_of_hedging: float
    gain: float
    added: str
    dropped: str
    gap: float
    iterations: int
    exact: bool


# One partner (rival_partners.csv): partner_id, name, rival_cost, then per plan ("nominal", "hedged")
# options_<plan>, cost_<plan>, loss_alone_<plan>, pulled_<plan>, and shore_up.
PartnerRow = dict[str, str | int | float | bool]


@dataclass
class RivalResult:
    """What `planner rival` reports; `to_dict()` is rival.json and `--json`."""

    scenario: Scenario
    terms: RivalTerms
    nominal: Plan
    hedged: Hedge
    partners: list[PartnerRow] = field(default_factory=list)
    ladder: list[LadderRow] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    solves: int = 0

    @property
    def price_of_hedging(self) -> float:
        return self.nominal.objective - self.hedged.plan.objective

    @property
    def gain(self) -> float:
        return self.hedged.plan.worst_case - self.nominal.worst_case

    @property
    def status(self) -> Status:
        return Status.OPTIMAL if self.hedged.exact and all(r["exact"] for r in self.ladder) else Status.FEASIBLE

    def to_dict(self) -> dict[str, Any]:
        t = self.terms
        return {
            "scenario": self.scenario.name,
            "status": str(self.status),
            "rival": {
                "name": t.name,
                "budget": self.hedged.budget,
                "cost": t.cost_column,
                "shield": t.shield,
                "loss": t.loss,
            },
            "nominal": self.nominal.to_dict(),
            "hedged": self.hedged.plan.to_dict(),
            "price_of_hedging": self.price_of_hedging,
            "gain": self.gain,
            "gap": self.hedged.gap,
            "bound": self.hedged.bound,
            "iterations": self.hedged.iterations,
            "exact": self.hedged.exact,
            "partners": self.partners,
            "ladder": self.ladder,
            "solves": self.solves,
            "seconds": self.seconds,
            "input_sha256": self.scenario.input_sha256,
        }


class Search:
    """One scenario's evaluator, value curves and counters, shared by every solve of a run."""

    def __init__(self, scenario: Scenario, progress: Callable[[str], None] | None = None):
        self.scenario = scenario
        self.terms = rival_terms(scenario)
        self.evaluator = Evaluator(scenario, self.terms.loss)
        self.curves = gap_value_curves(scenario)
        self.cost = scenario.options[scenario.cost_resource].to_numpy(dtype=float)
        self.ids = scenario.option_ids()
        self.solves = 0
        self.progress = progress or (lambda _: None)

    def at_budget(self, budget: float) -> RivalTerms:
        return replace(self.terms, budget=float(budget))

    def respond(self, x: np.ndarray, terms: RivalTerms) -> Response:
        self.solves += 1
        return best_response(self.scenario, x, terms, self.evaluator, self.curves)

    def plan(self, x: np.ndarray, terms: RivalTerms, response: Response | None = None) -> Plan:
        x = np.asarray(x, dtype=np.int8)
        response = response or self.respond(x, terms)
        return Plan(
            x,
            tuple(o for o, on in zip(self.ids, x.tolist()) if on),
            self.evaluator.value(x, ()),
            response.value,
            response,
            float(self.cost @ x),
        )


def tolerance(value: float, mip_gap: float = 0.0) -> float:
    """The exactness tolerance: the tie-break stage's own, 1e-6 relative, or the scenario's
    solver.mip_gap where that is larger (the master is solved to that gap)."""
    return max(1e-6, mip_gap) * max(1.0, abs(value))


def hedge(
    search: Search,
    terms: RivalTerms,
    nominal: Plan,
    upper: float,
    seeds: Iterable[tuple[str, ...]] = (),
    max_rounds: int = MAX_ROUNDS,
) -> Hedge:
    """The maximin plan by column-and-constraint generation (`planner.rival.master`).

    Rounds without the tie-break stage until the master's bound meets the best worst case
    found; then rounds with it, until the least-cost master optimum is itself a maximin plan."""
    master = Master(search.scenario, terms, search.evaluator)
    gap_setting = search.scenario.config.solver.mip_gap
    nominal_response = search.respond(nominal.x, terms)
    best = search.plan(nominal.x, terms, nominal_response)
    for pulled in (nominal_response.pulled, *seeds):
        master.add(tuple(pulled))
    rounds, bound, tie_break, exact = 0, upper, False, False
    unproven = nominal_response.status is not Status.OPTIMAL  # a response found at a limit may not be the best
    while rounds < max_rounds:
        search.progress(f"round {rounds + 1}: {len(master.responses)} responses in the master")
        outcome = master.solve(tie_break, best.x)
        search.solves += 1
        rounds += 1
        if not outcome.status.has_portfolio:
            raise PlannerError(f"the hedged plan's master MILP ended {outcome.status.value} ({outcome.message})")
        solver_bound = outcome.bound if outcome.bound is not None else outcome.objective_solver
        if solver_bound is not None:
            bound = min(bound, float(solver_bound))
        found = search.plan(master.x_of(outcome), terms)
        proven = outcome.status is Status.OPTIMAL and found.response.status is Status.OPTIMAL
        if tie_break:
            if found.worst_case >= bound - tolerance(bound, gap_setting) and proven:
                best, exact = found, True
                break
        elif found.worst_case > best.worst_case:
            best = found
        if not tie_break and bound - best.worst_case <= tolerance(bound, gap_setting) and proven:
            tie_break = search.scenario.config.solver.tie_break
            if not tie_break:
                exact = True
                break
            continue
        if not proven:
            unproven = True
            break  # a solve stopped at a limit: the gap stays open and is reported (exit 4)
        if not master.add(found.response.pulled):
            break  # numerically closed: the master already holds this response
    gap = max(0.0, bound - best.worst_case)
    exact = not unproven and (exact or gap <= tolerance(bound, gap_setting))
    return Hedge(terms.budget, best, bound, 0.0 if exact else gap, rounds, exact, tuple(master.responses))


def nominal_plan(scenario: Scenario) -> tuple[np.ndarray, float, Status]:
    """The usual optimum (`planner.api.solve`): its option vector, proven bound and status."""
    result = solve(scenario)
    bound = result.bound if result.bound is not None else result.objective
    if not result.status.has_portfolio or result.evaluation is None or bound is None:
        return np.zeros(len(scenario.options), dtype=np.int8), float("nan"), result.status
    return np.asarray(result.evaluation.x, dtype=np.int8), float(bound), result.status


def worst_case(scenario: Scenario, selected: Sequence[str] | np.ndarray) -> tuple[float, tuple[str, ...]]:
    """The worst case of a portfolio against the scenario's rival: (value after the rival's best
    response, the partners it pulls). `selected` is option ids or a 0/1 vector in option order."""
    search = Search(scenario)
    response = search.respond(selection_vector(scenario, selected), search.terms)
    return response.value, response.pulled


def partner_rows(search: Search, nominal: Plan, hedged: Plan, terms: RivalTerms) -> list[PartnerRow]:
    """Per partner: its cost to the rival before and after shielding (against each plan), the loss if
    pulled alone, whether the rival pulls it against each plan, and whether to shore it up."""
    sc = search.scenario
    names = sc.partners["name"].tolist()
    rows = []
    per: dict[str, tuple[np.ndarray, np.ndarray, set[str]]] = {}
    for label, plan in (("nominal", nominal), ("hedged", hedged)):
        per[label] = (options_per_partner(sc, plan.x), spend(terms, sc, plan.x), set(plan.response.pulled))
    for i, (pid, name) in enumerate(zip(terms.partners, names)):
        row: PartnerRow = {"partner_id": pid, "name": name, "rival_cost": float(terms.cost[i])}
        for label, plan in (("nominal", nominal), ("hedged", hedged)):
            n, cost, pulled = per[label]
            row[f"options_{label}"] = int(n[i])
            row[f"cost_{label}"] = float(cost[i])
            row[f"loss_alone_{label}"] = plan.objective - search.evaluator.value(plan.x, (pid,)) if n[i] else 0.0
            row[f"pulled_{label}"] = pid in pulled
        row["shore_up"] = row["pulled_nominal"]
        rows.append(row)
    return rows


def ladder_rows(
    search: Search, nominal_x: np.ndarray, budgets: Iterable[float], upper: float, max_rounds: int
) -> list[LadderRow]:
    """At each rival budget: the nominal plan's and the hedged plan's worst cases, and the hedged plan's changes."""
    rows: list[LadderRow] = []
    seeds: tuple[tuple[str, ...], ...] = ()
    ids = np.array(search.ids)
    for budget in budgets:
        terms = search.at_budget(budget)
        search.progress(f"ladder: rival budget {budget:g}")
        nominal = search.plan(nominal_x, terms)
        h = hedge(search, terms, nominal, upper, seeds, max_rounds)
        seeds = h.responses  # valid responses at any budget: each is re-judged against this budget's limit
        added = ids[(h.plan.x == 1) & (nominal_x == 0)].tolist()
        dropped = ids[(h.plan.x == 0) & (nominal_x == 1)].tolist()
        rows.append(
            LadderRow(
                budget=float(budget),
                nominal_worst_case=nominal.worst_case,
                nominal_response=";".join(nominal.response.pulled),
                hedged_worst_case=h.plan.worst_case,
                hedged_objective=h.plan.objective,
                hedged_response=";".join(h.plan.response.pulled),
                price_of_hedging=nominal.objective - h.plan.objective,
                gain=h.plan.worst_case - nominal.worst_case,
                added=";".join(added),
                dropped=";".join(dropped),
                gap=h.gap,
                iterations=h.iterations,
                exact=h.exact,
            )
        )
    return rows


def rival(scenario: Scenario, options: RivalOptions | None = None) -> RivalResult:
    """The nominal plan against the rival, the exact hedged (maximin) plan, per-partner figures and the ladder."""
    options = options or RivalOptions()
    t0 = time.perf_counter()
    rival_terms(scenario)  # a scenario without a rival: section is refused before any solve
    own = scenario.config.rival
    if options.budget is not None and own is not None and options.budget != own.budget:
        cfg = scenario.config  # the budget becomes the scenario's, so scenario.json and input_sha256 record it
        scenario = scenario.with_config(
            cfg.model_copy(update={"rival": own.model_copy(update={"budget": float(options.budget)})})
        )
    search = Search(scenario, options.progress)
    terms = search.at_budget(search.terms.budget if options.budget is None else options.budget)
    search.progress("nominal plan")
    x0, upper, status = nominal_plan(scenario)
    search.solves += 1
    if not status.has_portfolio:
        raise RivalInfeasible(status)
    seconds = {"nominal": time.perf_counter() - t0}
    t = time.perf_counter()
    nominal = search.plan(x0, terms)
    h = hedge(search, terms, nominal, upper, max_rounds=options.max_rounds)
    seconds["hedged"] = time.perf_counter() - t
    result = RivalResult(scenario, terms, nominal, h, partner_rows(search, nominal, h.plan, terms))
    if options.budgets:
        t = time.perf_counter()
        result.ladder = ladder_rows(search, x0, options.budgets, upper, options.max_rounds)
        seconds["ladder"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - t0
    result.seconds, result.solves = seconds, search.solves
    return result


class RivalInfeasible(PlannerError):
    """No portfolio meets the scenario's limits, targets and rules (or none was found in time): nothing to hedge."""

    def __init__(self, status: Status):
        self.status = status
        super().__init__(
            f"the scenario's own plan ended {status.value}: no portfolio to plan against the rival "
            "(planner diagnose names the conflicting constraints)"
        )
