"""The `tranches` run folder (`planner frontier --tranches --out`): its manifest and its check.

Per tranche t, the nested plan and the unconstrained optimum are re-evaluated under the
scenario with `limits.<resource>` = the tranche's limit (`audit_points.check_point`): each must
hold every row there. Verified without re-solving: the plans are nested (each contains the
previous one found), what each tranche adds, the price of nesting (unconstrained − nested,
signed so ≥ 0 is the price) and that it is not negative where the unconstrained optimum is
claimed optimal (the nested plan is feasible at the same limit, so it cannot beat an optimum).
The optimality of each plan is the solver's claim, not re-solved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.results.audit import REL_TOL, Context, CsvRow, JsonObject, as_list, num
from planner.results.audit_frontier import segment_scenario
from planner.results.audit_points import (
    NOT_RESOLVED,
    Point,
    S,
    U,
    V,
    check_point,
    check_summary_header,
    common_files,
    header_fields,
    join_ids,
    path_vocabulary,
    recognise_summary,
)
from planner.results.manifest import Field, KindSpec
from planner.sensitivity.points import ScenarioFactory, raw_inputs
from planner.sensitivity.tranches import used_columns
from planner.solver.outcome import Status

T = "tranches.csv"
EVAL = "recomputed from the portfolio under the tranche's limit (numpy face)"

FIELDS: tuple[Field, ...] = (
    *header_fields("tranches"),
    Field(S, "resource", V, "a numeric column of the options table; the tranches' limits are on it"),
    Field(S, "tranches", V, "tranches.csv's limit column"),
    Field(S, "nested", U, "how the nested plans were found (joint or greedy): a setting as given"),
    Field(S, "objective_sum", V, "the sum of the nested plans' recomputed objectives"),
    Field(S, "unconstrained_sum", V, "the sum of the unconstrained optima's recomputed objectives"),
    Field(S, "price_of_nesting", V, "tranches.csv's price_of_nesting column"),
    Field(S, "nested_ok", V, "true iff every plan contains the previous one found"),
    Field(S, "exact", V, "true iff every nested plan and every unconstrained optimum is optimal"),
    Field(S, "paths.<path>", U, "how the run was carried out, not a result"),
    Field(S, "wall_seconds", U, "a timing: how long it took on that machine, not a result"),
    Field(S, "time_limit_s", U, "a setting as given (each solve's limit)"),
    Field(T, "tranche", V, "1, 2, …: the row's place"),
    Field(T, "limit", V, "summary.json tranches, in order"),
    Field(T, "status", V, "a status with a portfolio comes with one; " + NOT_RESOLVED),
    Field(T, "objective", V, EVAL),
    Field(
        T,
        "unconstrained_status",
        V,
        "a status with a portfolio comes with one; not beaten by the nested plan where optimal; " + NOT_RESOLVED,
    ),
    Field(T, "unconstrained_objective", V, EVAL),
    Field(T, "price_of_nesting", V, "unconstrained − nested objective (signed so ≥ 0 is the price)"),
    Field(T, "selected", V, "the number of ids in portfolio"),
    Field(T, "<resource>_used", V, EVAL + " (the tranches' resource, then every other resource)"),
    Field(T, "added", V, "ids in this plan and not in the previous plan found"),
    Field(T, "added_count", V, "the number of ids added"),
    Field(T, "objective_added", V, "this objective − the previous row's (this objective where there is none)"),
    Field(
        T,
        "portfolio",
        V,
        "known option ids; contains the previous plan found; every row at the tranche's limit holds at it (numpy face)",
    ),
    Field(T, "unconstrained_portfolio", V, "known option ids; every row at the tranche's limit holds at it"),
)


def _vocabulary(ctx: Context) -> dict[str, set[str]]:
    resource = ctx.json(S).get("resource")
    others = set(ctx.scenario.resources) if resource else set()
    return {**path_vocabulary(ctx), "resource": ({str(resource)} | others) if resource else set()}


@dataclass
class _Nesting:
    """What the check of tranches.csv carries from one tranche to the next."""

    factory: ScenarioFactory
    resource: str
    sign: float  # +1 when the objective is maximised: a price of nesting ≥ 0 is a cost
    plans: list[Point] = field(default_factory=list)
    frees: list[Point] = field(default_factory=list)  # the unconstrained optima
    prices: list[float | None] = field(default_factory=list)
    previous: list[str] = field(default_factory=list)  # the last plan found
    last_objective: float | None = None


def check(ctx: Context) -> None:
    summary = check_summary_header(ctx, "tranches")
    ck, sc = ctx.ck, ctx.scenario
    resource = summary.get("resource")
    ck.mark(S, "resource")
    if not isinstance(resource, str) or resource not in sc.options.columns:
        ck.bad(S, "resource", resource, None, "not a column of the options table")
        return
    ctx.require_columns(
        T,
        (
            "tranche",
            "limit",
            "status",
            "objective",
            "unconstrained_status",
            "unconstrained_objective",
            "price_of_nesting",
            "selected",
            f"{resource}_used",
            "added",
            "added_count",
            "objective_added",
            "portfolio",
            "unconstrained_portfolio",
        ),
    )
    rows = ctx.rows(T)
    limits = as_list(summary.get("tranches"))
    ck.mark(S, "tranches")
    if [num(v) for v in limits] != [num(r.get("limit")) for r in rows]:
        ck.bad(S, "tranches", limits, [r.get("limit") for r in rows], "not tranches.csv's limits")
    sign = 1.0 if sc.config.objective.sense == "max_coverage" else -1.0
    nesting = _Nesting(ScenarioFactory(raw_inputs(sc), sc), resource, sign)
    for i, row in enumerate(rows):
        line = i + 2
        ck.number(T, "tranche", row.get("tranche"), i + 1, "tranche number", line)
        ck.number(
            T, "limit", row.get("limit"), num(limits[i]) if i < len(limits) else None, "the tranche's limit", line
        )
        limit = num(row.get("limit"))
        if limit is not None and limit == limit:
            _check_tranche(ctx, nesting, line, row, limit)
    _check_summary(ctx, summary, nesting.plans, nesting.frees, nesting.prices)


def _check_tranche(ctx: Context, nesting: _Nesting, line: int, row: CsvRow, limit: float) -> None:
    """One tranche: its nested plan and the unconstrained optimum at its limit, the price of nesting,
    and what the plan adds to the previous one (which it must contain)."""
    ck = ctx.ck
    scenario = segment_scenario(nesting.factory, nesting.resource, limit)
    plan = check_point(ctx, T, line, row, scenario, keys=None, resources=used_columns(ctx.scenario, nesting.resource))
    free = check_point(
        ctx,
        T,
        line,
        row,
        scenario,
        portfolio="unconstrained_portfolio",
        status="unconstrained_status",
        objective="unconstrained_objective",
        selected=None,
        used=None,
        keys=None,
    )
    nesting.plans.append(plan)
    nesting.frees.append(free)
    both = None if plan.objective is None or free.objective is None else (plan.objective, free.objective)
    price = None if both is None else nesting.sign * (both[1] - both[0])
    nesting.prices.append(price)
    ck.number(T, "price_of_nesting", row.get("price_of_nesting"), price, "the price of nesting", line)
    if both is not None and price is not None:
        if price < -REL_TOL * max(1.0, abs(both[0])) and free.status is Status.OPTIMAL:
            ck.bad(
                T,
                "unconstrained_status",
                row.get("unconstrained_status"),
                Status.FEASIBLE.value,
                "the nested plan, feasible at the same limit, scores better: the unconstrained plan is not optimal",
                line,
            )
    if plan.evaluation is not None:
        _check_added(ctx, nesting, line, row, plan.ids, plan.evaluation.objective)
    else:
        ck.text(T, "added", row.get("added"), "", line, "a tranche without a plan adds nothing")
        ck.number(T, "added_count", row.get("added_count"), None, "options added", line)
        ck.number(T, "objective_added", row.get("objective_added"), None, "objective added", line)
    nesting.last_objective = plan.objective


def _check_added(ctx: Context, nesting: _Nesting, line: int, row: CsvRow, ids: list[str], objective: float) -> None:
    ck, previous = ctx.ck, nesting.previous
    if not set(previous) <= set(ids):
        ck.bad(
            T,
            "portfolio",
            row.get("portfolio"),
            None,
            f"does not contain the previous plan ({join_ids(previous)}): the plans are not nested",
            line,
        )
    added = [o for o in ids if o not in previous]
    ck.text(T, "added", row.get("added"), join_ids(added), line, "not the options this tranche adds")
    ck.number(T, "added_count", row.get("added_count"), len(added), "options added", line)
    ck.number(
        T,
        "objective_added",
        row.get("objective_added"),
        objective - (nesting.last_objective or 0.0),
        "objective added",
        line,
    )
    nesting.previous = ids


def _same_price(reported: object, price: float | None) -> bool:
    """A reported price of nesting is the recomputed one (both absent, or within the tolerance)."""
    if reported is None or price is None:
        return reported is None and price is None
    got = num(reported)
    return got is not None and not abs(got - price) > REL_TOL * max(1.0, abs(price))


def _check_summary(
    ctx: Context, summary: JsonObject, plans: list[Point], frees: list[Point], prices: list[float | None]
) -> None:
    ck = ctx.ck
    found = [p for p in plans if p.evaluation is not None]
    ck.number(
        S,
        "objective_sum",
        summary.get("objective_sum"),
        sum(p.evaluation.objective for p in plans if p.evaluation is not None) if found else None,
        "the nested plans' objectives",
    )
    ck.number(
        S,
        "unconstrained_sum",
        summary.get("unconstrained_sum"),
        sum(f.evaluation.objective for f in frees if f.evaluation is not None),
        "the unconstrained optima's objectives",
    )
    reported = as_list(summary.get("price_of_nesting"))
    ck.mark(S, "price_of_nesting")
    if len(reported) != len(prices) or not all(_same_price(a, b) for a, b in zip(reported, prices)):
        ck.bad(S, "price_of_nesting", reported, prices, "not the tranches' prices of nesting")
    nested = all(set(a.ids) <= set(b.ids) for a, b in zip(found, found[1:]))
    ck.equal(S, "nested_ok", summary.get("nested_ok"), nested, "whether every plan contains the previous one")
    exact = all(p.status is Status.OPTIMAL for p in (*plans, *frees))
    ck.equal(S, "exact", summary.get("exact"), exact, "every plan and unconstrained optimum optimal")
    ctx.report.status = f"{len(found)} of {len(plans)} tranches planned"


SPEC = KindSpec(
    "tranches",
    "`planner frontier --tranches A,B,… --out DIR`: nested plans for a budget in tranches.",
    common_files((T, "one row per tranche")),
    FIELDS,
    recognise_summary("tranches"),
    check,
    _vocabulary,
)
