"""The `rival` run folder (`planner rival --out`): its manifest and its check.

Recomputed from the inputs and the reported plans through the model's numpy face
(`planner.rival.value`) and the rival's best-response MILP (`planner.rival.response`, a small
exact solve, RESOLVED): both plans' objectives, costs and sizes, the value after each reported
response and that the rival can afford it, each worst case as the rival's best response
re-solved, the price of hedging and the gain, the gap against the bound, per partner its cost to
the rival, its options and the loss if pulled alone (rival_partners.csv and rival.json
`partners`), and at each rung of the ladder both plans' worst cases and the hedged plan
(nominal plan + added − dropped) with its objective (rival_ladder.csv and rival.json `ladder`).
The bound of the maximin search and its exactness are the search's account: check verifies
the gap and the status against them, not the bound itself (that is the whole search again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from planner.io.runs import MARKER_FILE, SCENARIO_FILE, RunFiles
from planner.results.audit import (
    CheckReport,
    Context,
    JsonObject,
    Path_,
    as_list,
    as_object,
    check_inputs,
    check_run,
    close,
    num,
)
from planner.results.audit_fields import marker_fields, scenario_fields
from planner.results.evaluation import evaluate
from planner.results.manifest import Field, FileSpec, How, KeyPath, KindSpec
from planner.rival.folder import LADDER_COLUMNS, PARTNER_COLUMNS
from planner.rival.run import Plan, Search, tolerance
from planner.rival.value import RivalTerms, affordable, options_per_partner, response_spend, spend

V, R, U = How.VERIFIED, How.RESOLVED, How.UNVERIFIABLE
J, PC, LC = "rival.json", "rival_partners.csv", "rival_ladder.csv"
PLANS = ("nominal", "hedged")
Vector = NDArray[np.int8]
At = Callable[[int, str], Path_]  # (row index, column) → the field's path in the file checked
Row = JsonObject | dict[str, str]  # a CSV row, or the JSON entry that repeats it
RIVAL = "the scenario's rival: section (scenario.json; --budget is written there)"
WORST = "the value after the rival's best response, re-solved (a small exact MILP)"
PARTNER = "recomputed from both plans and their responses (numpy face)"
SEARCH = "the maximin search's account (how it ran): check verifies the gap and the status against it"

VERIFIED = (
    "rival.json rival: name, budget, cost column, shield and loss equal the scenario's rival: section",
    "rival.json nominal/hedged selected: known option ids; the plan breaks no row of the model (numpy face)",
    "rival.json nominal/hedged objective: the model's objective with nobody pulled",
    "rival.json nominal/hedged response: partners the rival can afford against that plan; response_spend recomputed",
    "rival.json nominal/hedged worst_case: value after the reported response, and equal to the rival's best "
    "response re-solved (a small exact MILP), so the response is a best one",
    "rival.json nominal/hedged cost and options: the plan's cost_resource use and size",
    "rival.json price_of_hedging = nominal objective − hedged objective; gain = hedged − nominal worst case",
    "rival.json gap and exact: gap ≥ 0, gap = bound − hedged worst case unless exact (then within the tolerance: "
    "1e-6 relative, or solver.mip_gap if larger)",
    "rival_partners.csv and rival.json partners: every row and column recomputed from the two plans and their "
    "responses",
    "rival_ladder.csv and rival.json ladder: at each budget the nominal worst case and response (re-solved), the "
    "hedged plan (nominal plan + added − dropped) with its objective, worst case and response (re-solved), price "
    "and gain",
)
UNVERIFIABLE = (
    "bound and iterations: the master's proven bound of the maximin; recomputing it is the whole search "
    "(run planner rival again); check verifies the hedged plan's worst case against it",
    "nominal plan's optimality: as for a solve folder, check does not re-solve the scenario",
    "solves, seconds: how the run went, not what it found",
)


def _partner_fields(file: str, prefix: str) -> tuple[Field, ...]:
    return (
        Field(file, f"{prefix}partner_id", V, "every partner once, in the partners table's order"),
        Field(file, f"{prefix}name", V, "the partners table"),
        Field(file, f"{prefix}rival_cost", V, "the partners table's rival.cost column (1 without one)"),
        *(
            Field(file, f"{prefix}{col}_{plan}", V, PARTNER)
            for plan in PLANS
            for col in ("options", "cost", "loss_alone", "pulled")
        ),
        Field(file, f"{prefix}shore_up", V, "pulled against the nominal plan"),
    )


def _ladder_fields(file: str, prefix: str) -> tuple[Field, ...]:
    return (
        Field(
            file, f"{prefix}budget", U, "the rung's rival budget as asked (--budgets): its figures are checked at it"
        ),
        Field(file, f"{prefix}nominal_worst_case", R, "the nominal plan at this budget: " + WORST),
        Field(
            file, f"{prefix}nominal_response", V, "known partners; the nominal plan's value after it is its worst case"
        ),
        Field(file, f"{prefix}hedged_worst_case", R, "the hedged plan (nominal + added − dropped): " + WORST),
        Field(file, f"{prefix}hedged_objective", V, "the hedged plan's objective with nobody pulled (numpy face)"),
        Field(
            file, f"{prefix}hedged_response", V, "known partners; the hedged plan's value after it is its worst case"
        ),
        Field(file, f"{prefix}price_of_hedging", V, "nominal − hedged objective at this budget"),
        Field(file, f"{prefix}gain", V, "hedged − nominal worst case at this budget"),
        Field(file, f"{prefix}added", V, "known option ids outside the nominal plan: with dropped, the hedged plan"),
        Field(file, f"{prefix}dropped", V, "known option ids of the nominal plan: with added, the hedged plan"),
        Field(file, f"{prefix}gap", V, "≥ 0, and 0 where exact (the rung's bound is not recorded)"),
        Field(file, f"{prefix}iterations", U, SEARCH),
        Field(file, f"{prefix}exact", U, SEARCH),
    )


FIELDS: tuple[Field, ...] = (
    Field(J, "scenario", V, "the scenario's name (scenario.json)"),
    Field(J, "status", V, "optimal iff the hedged plan and every rung of the ladder are exact, else feasible"),
    *(Field(J, f"rival.{key}", V, RIVAL) for key in ("name", "budget", "cost", "shield", "loss")),
    Field(J, "<plan>.selected", V, "known option ids; the plan breaks no row of the model (numpy face)"),
    Field(J, "<plan>.objective", V, "the model's objective with nobody pulled (numpy face)"),
    Field(J, "<plan>.worst_case", R, "the value after the reported response, and " + WORST),
    Field(J, "<plan>.response", V, "known partners the rival can afford against the plan"),
    Field(J, "<plan>.response_spend", V, "Σ over the response of the partner's cost + shield × its options"),
    Field(J, "<plan>.cost", V, "the plan's use of objective.cost_resource"),
    Field(J, "<plan>.options", V, "the plan's size"),
    Field(J, "price_of_hedging", V, "nominal objective − hedged objective"),
    Field(J, "gain", V, "hedged worst case − nominal worst case"),
    Field(J, "gap", V, "≥ 0; bound − hedged worst case, 0 where exact (the bound within the tolerance)"),
    Field(J, "bound", U, "the maximin search's proven bound: recomputing it is the whole search; gap is checked"),
    Field(J, "iterations", U, SEARCH),
    Field(J, "exact", U, SEARCH),
    *_partner_fields(J, "partners[]."),
    *_ladder_fields(J, "ladder[]."),
    Field(J, "solves", U, "how many solves it took, not a result"),
    Field(J, "seconds.<step>", U, "a timing: how long it took on that machine, not a result"),
    Field(
        J,
        "input_sha256",
        V,
        "recomputed from scenario.json's settings and the input tables' bytes",
        blame=SCENARIO_FILE,
    ),
    *_partner_fields(PC, ""),
    *_ladder_fields(LC, ""),
    *scenario_fields(),
    *marker_fields(),
)

FILES = (
    FileSpec(J, True, "both plans, their worst cases, the partners and the ladder"),
    FileSpec(PC, True, "one row per partner"),
    FileSpec(LC, True, "one row per rival budget of --budgets (header only without)"),
    FileSpec(SCENARIO_FILE, True, "the settings as run"),
    FileSpec(MARKER_FILE, False, "the run-folder marker"),
)


def _recognise(files: RunFiles) -> bool:
    return J in files.json


def _vocabulary(ctx: Context) -> dict[str, set[str]]:
    return {"plan": set(PLANS), "step": {"nominal", "hedged", "ladder", "total"}}


def check_rival(run_dir: str | Path) -> CheckReport:
    """Recompute a rival run folder (see the module doc); the report lists what does not hold."""
    return check_run(run_dir)


# ---------------------------------------------------------------- rival.json


def check(ctx: Context) -> None:
    data, ck, sc = ctx.json(J), ctx.ck, ctx.scenario
    ck.equal(J, "scenario", data.get("scenario"), sc.name, "scenario name differs")
    check_inputs(ctx, J, data)
    ctx.require_columns(PC, PARTNER_COLUMNS)
    ctx.require_columns(LC, LADDER_COLUMNS)
    search = Search(sc)
    terms = search.terms
    r = as_object(data.get("rival"))
    for key, expected in (("name", terms.name), ("cost", terms.cost_column)):
        ck.equal(J, ("rival", key), r.get(key), expected, f"rival.{key} differs")
    for key, value in (("budget", terms.budget), ("shield", terms.shield), ("loss", terms.loss)):
        ck.number(J, ("rival", key), r.get(key), value, f"rival.{key}")
    xs = {label: _plan(ctx, search, terms, label, data.get(label)) for label in PLANS}
    nominal, hedged = xs["nominal"], xs["hedged"]
    if nominal is not None and hedged is not None:
        _totals(ctx, data, search, nominal, hedged)
        responses = {k: as_list(as_object(data.get(k)).get("response")) for k in PLANS}
        _partners(ctx, data, search, (nominal, hedged), responses)
    _ladder(ctx, data, search, nominal)
    _status(ctx, data)
    ctx.report.status = str(data.get("status"))
    ctx.report.verified.extend(VERIFIED)
    ctx.report.verified.extend(f"not verifiable: {u}" for u in UNVERIFIABLE)


def _plan(ctx: Context, search: Search, terms: RivalTerms, label: str, reported: object) -> Vector | None:
    """Recompute one plan's figures; its option vector (None when it cannot be read)."""
    ck, sc = ctx.ck, search.scenario
    plan = as_object(reported)
    selected = plan.get("selected")
    ck.mark(J, (label, "selected"))
    if not isinstance(selected, list):
        ck.bad(J, (label, "selected"), reported, None, "must be an object with a selected list")
        return None
    unknown = [o for o in selected if o not in sc.option_position]
    if unknown:
        ck.bad(J, (label, "selected"), unknown, None, "unknown option ids")
        return None
    ev = evaluate(sc, selected)
    for family, ident, row in ev.violations():
        ck.bad(
            J,
            (label, "selected"),
            selected,
            None,
            f"the plan breaks row {family}_{ident} (activity {row.activity:g}, bounds [{row.lower:g}, {row.upper:g}])",
        )
    x = ev.x
    pulled = plan.get("response")
    ck.mark(J, (label, "response"))
    if not isinstance(pulled, list) or any(p not in terms.partners for p in pulled):
        ck.bad(J, (label, "response"), pulled, None, "must list known partner ids")
        return x
    value = search.evaluator.value
    objective, cost, size = value(x, ()), float(search.cost @ x), int(x.sum())
    fits = [
        (n := num(plan.get("objective"))) is not None and close(n, objective),
        (c := num(plan.get("cost"))) is not None and close(c, cost),
        plan.get("options") == size,
    ]
    if not any(fits):  # the plan's figures agree with each other, not with its options: the list was edited
        ck.bad(J, (label, "selected"), selected, None, "its objective, cost and size are none of those reported")
    ck.number(J, (label, "objective"), plan.get("objective"), objective, "objective")
    ck.number(J, (label, "cost"), plan.get("cost"), cost, "cost")
    ck.equal(J, (label, "options"), plan.get("options"), size, "option count differs")
    spent = response_spend(terms, sc, x, pulled)
    ck.number(J, (label, "response_spend"), plan.get("response_spend"), spent, "the rival's spend")
    if not affordable(terms, sc, x, pulled):
        ck.bad(J, (label, "response"), pulled, None, "the rival cannot afford this response")
    best = search.respond(x, terms)
    ck.number(
        J,
        (label, "worst_case"),
        plan.get("worst_case"),
        best.value,
        "worst case (the rival's best response, re-solved)",
    )
    ck.number(
        J,
        (label, "response"),
        value(x, pulled),
        best.value,
        "value after the reported response: not the worst case (the rival's best response, re-solved)",
    )
    return x


def _totals(ctx: Context, data: JsonObject, search: Search, nominal: Vector, hedged: Vector) -> None:
    ck, value = ctx.ck, search.evaluator.value
    n_obj, h_obj = value(nominal, ()), value(hedged, ())
    n_worst, h_worst = (
        value(x, as_object(data.get(k)).get("response") or ()) for x, k in ((nominal, "nominal"), (hedged, "hedged"))
    )
    ck.number(J, "price_of_hedging", data.get("price_of_hedging"), n_obj - h_obj, "price of hedging")
    ck.number(J, "gain", data.get("gain"), h_worst - n_worst, "gain")
    ck.mark(J, "gap")
    bound, gap = num(data.get("bound")), num(data.get("gap"))
    if bound is None or gap is None or bound != bound or gap != gap:
        ck.bad(J, "gap", data.get("gap"), None, "bound and gap must be numbers")
        return
    tol = tolerance(bound, search.scenario.config.solver.mip_gap)
    if data.get("exact") is True and (gap != 0 or bound - h_worst > tol or h_worst - bound > tol):
        ck.bad(J, "gap", gap, bound - h_worst, "an exact run has gap 0 and bound = hedged worst case")
    if data.get("exact") is not True and not close(gap, max(0.0, bound - h_worst)):
        ck.bad(J, "gap", gap, max(0.0, bound - h_worst), "gap = bound − hedged worst case")


def _status(ctx: Context, data: JsonObject) -> None:
    """optimal iff the hedged plan and every rung are exact (the search's account), else feasible."""
    rungs = [as_object(r) for r in as_list(data.get("ladder"))]
    exact = data.get("exact") is True and all(r.get("exact") is True for r in rungs)
    ctx.ck.equal(J, "status", data.get("status"), "optimal" if exact else "feasible", "not what exact says")


# ---------------------------------------------------------------- partners


@dataclass(frozen=True)
class _PlanFacts:
    """Per partner (table order) against one plan: its options, its cost to the rival, whether it is pulled."""

    count: NDArray[np.int64]
    cost: NDArray[np.float64]
    pulled: set[Any]
    objective: float
    x: Vector


def _partners(
    ctx: Context, data: JsonObject, search: Search, xs: tuple[Vector, Vector], responses: dict[str, list[Any]]
) -> None:
    """rival_partners.csv and rival.json `partners`: one row per partner, recomputed."""
    ck, sc, terms = ctx.ck, search.scenario, search.terms
    facts = {
        k: _PlanFacts(
            options_per_partner(sc, x), spend(terms, sc, x), set(responses[k]), search.evaluator.value(x, ()), x
        )
        for k, x in zip(PLANS, xs)
    }
    names = [str(n) for n in sc.partners["name"].tolist()]
    rows = ctx.rows(PC)
    entries = [as_object(e) for e in as_list(data.get("partners"))]
    for file, listed, at in ((PC, rows, _column), (J, entries, _entry("partners"))):
        ids = [r.get("partner_id") for r in listed]
        ck.mark(file, at(0, "partner_id"))
        if ids != list(terms.partners):
            ck.bad(file, at(0, "partner_id"), ids, list(terms.partners), "must list every partner once, in table order")
            continue
        for i, (row, pid) in enumerate(zip(listed, terms.partners)):
            line = i + 2 if file == PC else None
            ck.text(file, at(i, "name"), row.get("name"), names[i], line, "not the partners table's name")
            ck.number(file, at(i, "rival_cost"), row.get("rival_cost"), float(terms.cost[i]), "rival cost", line)
            for k, f in facts.items():
                _partner_cells(ctx, search, file, at, i, line, row, pid, k, f)
            ck.flag(file, at(i, "shore_up"), row.get("shore_up"), pid in facts["nominal"].pulled, "shore up", line)


def _partner_cells(
    ctx: Context,
    search: Search,
    file: str,
    at: At,
    i: int,
    line: int | None,
    row: Row,
    pid: str,
    k: str,
    f: _PlanFacts,
) -> None:
    ck = ctx.ck
    loss = f.objective - search.evaluator.value(f.x, (pid,)) if f.count[i] else 0.0
    ck.number(file, at(i, f"options_{k}"), row.get(f"options_{k}"), float(f.count[i]), "options", line)
    ck.number(file, at(i, f"cost_{k}"), row.get(f"cost_{k}"), float(f.cost[i]), "cost to the rival", line)
    ck.number(file, at(i, f"loss_alone_{k}"), row.get(f"loss_alone_{k}"), loss, "loss if pulled alone", line)
    ck.flag(file, at(i, f"pulled_{k}"), row.get(f"pulled_{k}"), pid in f.pulled, "pulled", line)


def _column(i: int, col: str) -> Path_:
    return col


def _entry(key: str) -> At:
    def at(i: int, col: str) -> KeyPath:
        return (key, i, col)

    return at


# ---------------------------------------------------------------- the ladder


@dataclass(frozen=True)
class _Rung:
    """One rung recomputed: both plans at its budget (re-solved responses)."""

    plans: dict[str, Plan]


def _ladder(ctx: Context, data: JsonObject, search: Search, nominal_x: Vector | None) -> None:
    """rival_ladder.csv and rival.json `ladder`: each rung's figures at its budget."""
    if nominal_x is None:
        return
    cache: dict[tuple[float, bytes], Plan] = {}
    entries = [as_object(e) for e in as_list(data.get("ladder"))]
    for file, listed, at in ((LC, ctx.rows(LC), _column), (J, entries, _entry("ladder"))):
        for i, row in enumerate(listed):
            line = i + 2 if file == LC else None
            rung = _rung(ctx, search, nominal_x, cache, file, at, i, line, row)
            if rung is not None:
                _check_rung(ctx, search, file, at, i, line, row, rung)


def _rung(
    ctx: Context,
    search: Search,
    nominal_x: Vector,
    cache: dict[tuple[float, bytes], Plan],
    file: str,
    at: At,
    i: int,
    line: int | None,
    row: Row,
) -> _Rung | None:
    """Both plans at the row's budget: the nominal plan, and nominal + added − dropped (each re-solved once)."""
    ck, pos = ctx.ck, search.scenario.option_position
    budget = num(row.get("budget"))
    if budget is None or budget != budget:
        ck.bad(file, at(i, "budget"), row.get("budget"), None, "must be a number", line)
        return None
    x = nominal_x.copy()
    for col, value in (("added", 1), ("dropped", 0)):
        ck.mark(file, at(i, col))
        for o in filter(None, str(row.get(col, "")).split(";")):
            if o not in pos or (nominal_x[pos[o]] == value):
                ck.bad(file, at(i, col), o, None, f"not an option the hedged plan can have {col}", line)
                continue
            x[pos[o]] = value
    terms = search.at_budget(budget)
    plans = {}
    for k, v in (("nominal", nominal_x), ("hedged", x)):
        key = (budget, v.tobytes())
        if key not in cache:
            cache[key] = search.plan(v, terms)
        plans[k] = cache[key]
    return _Rung(plans)


def _check_rung(
    ctx: Context,
    search: Search,
    file: str,
    at: At,
    i: int,
    line: int | None,
    row: Row,
    rung: _Rung,
) -> None:
    ck, partners = ctx.ck, set(search.terms.partners)
    nominal, hedged = rung.plans["nominal"], rung.plans["hedged"]
    for k, plan in rung.plans.items():
        ck.number(
            file, at(i, f"{k}_worst_case"), row.get(f"{k}_worst_case"), plan.worst_case, "worst case (re-solved)", line
        )
        reported = [p for p in str(row.get(f"{k}_response", "")).split(";") if p]
        if any(p not in partners for p in reported):
            ck.bad(file, at(i, f"{k}_response"), reported, None, "must list known partner ids", line)
            continue
        after = search.evaluator.value(plan.x, reported)
        ck.number(file, at(i, f"{k}_response"), after, plan.worst_case, "value after the reported response", line)
    ck.number(file, at(i, "hedged_objective"), row.get("hedged_objective"), hedged.objective, "objective", line)
    price = nominal.objective - hedged.objective
    ck.number(file, at(i, "price_of_hedging"), row.get("price_of_hedging"), price, "price of hedging", line)
    gain = hedged.worst_case - nominal.worst_case
    ck.number(file, at(i, "gain"), row.get("gain"), gain, "gain", line)
    gap = num(row.get("gap"))
    ck.mark(file, at(i, "gap"))
    exact = str(row.get("exact")).strip().lower() == "true"
    if gap is None or gap != gap or gap < 0 or (exact and gap != 0):
        ck.bad(file, at(i, "gap"), row.get("gap"), 0.0 if exact else None, "a gap ≥ 0, and 0 where exact", line)


SPEC = KindSpec(
    "rival",
    "`planner rival --out DIR`: the nominal and the hedged plan against a rival, per partner, the ladder.",
    FILES,
    FIELDS,
    _recognise,
    check,
    _vocabulary,
)
