"""Audit a `planner rival` run folder: recompute its figures from the inputs and the reported plans.

`check_rival(run_dir)` reads rival.json, rival_partners.csv, rival_ladder.csv and the run's
scenario.json, then, through the model's numpy face (`planner.rival.value`) and the rival's
best-response MILP (`planner.rival.response`, a small exact solve):

VERIFIED: every field of rival.json, rival_partners.csv and rival_ladder.csv in the list
below is recomputed; UNVERIFIABLE lists the rest and why.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from planner.errors import InputError, Problem
from planner.results.audit import CheckReport, Discrepancy, as_object, close, load_run_scenario

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
    "rival_partners.csv: every row and column recomputed from the two plans and their responses",
    "rival_ladder.csv: at each budget the nominal worst case and response (re-solved), the hedged plan "
    "(nominal plan + added − dropped) with its objective, worst case and response (re-solved), price and gain",
)
UNVERIFIABLE = (
    "bound and iterations: the master's proven bound of the maximin; recomputing it is the whole search "
    "(run planner rival again); check verifies the hedged plan's worst case against it",
    "nominal plan's optimality: as for a solve folder, check does not re-solve the scenario",
    "solves, seconds, status: how the run went, not what it found",
    "input_sha256: compared by planner compare, not recomputed here",
)


class _Ck:
    def __init__(self, report: CheckReport):
        self.report = report

    def bad(self, file: str, where: str, reported: Any, recomputed: Any, message: str) -> None:
        self.report.discrepancies.append(Discrepancy(file, where, reported, recomputed, message))

    def number(self, file: str, where: str, reported: Any, expected: float, what: str = "figure") -> None:
        self.report.checked += 1
        try:
            got = float(reported)
        except (TypeError, ValueError):
            got = math.nan
        if not math.isfinite(got) or not close(got, expected):
            self.bad(file, where, reported, expected, f"{what} does not recompute")

    def same(self, file: str, where: str, reported: Any, expected: Any, what: str = "value") -> None:
        self.report.checked += 1
        if reported != expected:
            self.bad(file, where, reported, expected, f"{what} differs")


def _read(run_dir: Path) -> tuple[dict, list[dict], list[dict]]:
    import csv

    path = run_dir / "rival.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(Problem(file=str(path), message=f"not valid JSON: {exc}")) from None
    if not isinstance(data, dict):
        raise InputError(Problem(file=str(path), message="must be a JSON object"))
    tables = []
    for name in ("rival_partners.csv", "rival_ladder.csv"):
        try:
            with (run_dir / name).open(encoding="utf-8", newline="") as fh:
                tables.append(list(csv.DictReader(fh)))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise InputError(Problem(file=str(run_dir / name), message=f"cannot read: {exc}")) from None
    return data, tables[0], tables[1]


def _plan(ck: _Ck, search, terms, label: str, plan: Any) -> np.ndarray | None:
    """Recompute one plan's figures; its option vector (None when it cannot be read)."""
    from planner.results.evaluation import evaluate
    from planner.rival.value import affordable, response_spend

    sc = search.scenario
    if not isinstance(plan, dict) or not isinstance(plan.get("selected"), list):
        ck.bad("rival.json", f"key {label}", plan, None, "must be an object with a selected list")
        return None
    unknown = [o for o in plan["selected"] if o not in sc.option_position]
    if unknown:
        ck.bad("rival.json", f"key {label}.selected", unknown, None, "unknown option ids")
        return None
    ev = evaluate(sc, plan["selected"])
    for family, ident, row in ev.violations():
        ck.bad(
            "rival.json",
            f"key {label}.selected",
            plan["selected"],
            None,
            f"the plan breaks row {family}_{ident} (activity {row.activity:g}, bounds [{row.lower:g}, {row.upper:g}])",
        )
    x = ev.x
    pulled = plan.get("response") if isinstance(plan.get("response"), list) else None
    if pulled is None or any(p not in terms.partners for p in pulled):
        ck.bad("rival.json", f"key {label}.response", plan.get("response"), None, "must list known partner ids")
        return x
    ck.number("rival.json", f"key {label}.objective", plan.get("objective"), search.evaluator.value(x, ()), "objective")
    ck.number("rival.json", f"key {label}.cost", plan.get("cost"), float(search.cost @ x), "cost")
    ck.same("rival.json", f"key {label}.options", plan.get("options"), int(x.sum()), "option count")
    ck.number(
        "rival.json",
        f"key {label}.response_spend",
        plan.get("response_spend"),
        response_spend(terms, sc, x, pulled),
        "the rival's spend",
    )
    ck.report.checked += 1
    if not affordable(terms, sc, x, pulled):
        ck.bad("rival.json", f"key {label}.response", pulled, None, "the rival cannot afford this response")
    ck.number(
        "rival.json",
        f"key {label}.worst_case",
        plan.get("worst_case"),
        search.evaluator.value(x, pulled),
        "value after the reported response",
    )
    best = search.respond(x, terms)
    ck.number(
        "rival.json",
        f"key {label}.worst_case",
        plan.get("worst_case"),
        best.value,
        "worst case (the rival's best response, re-solved)",
    )
    return x


def check_rival(run_dir: str | Path) -> CheckReport:
    """Recompute a rival run folder (see the module doc); the report lists what does not hold."""
    from planner.rival.run import Search

    run_dir = Path(run_dir)
    data, partner_rows, ladder_rows = _read(run_dir)
    sc = load_run_scenario(run_dir)
    report = CheckReport(run_dir=run_dir, scenario=sc.name, status=str(data.get("status")))
    ck = _Ck(report)
    search = Search(sc)
    terms = search.terms
    r = as_object(data.get("rival"))
    for key, expected in (("name", terms.name), ("cost", terms.cost_column)):
        ck.same("rival.json", f"key rival.{key}", r.get(key), expected)
    for key, expected in (("budget", terms.budget), ("shield", terms.shield), ("loss", terms.loss)):
        ck.number("rival.json", f"key rival.{key}", r.get(key), expected, f"rival.{key}")
    xs = {label: _plan(ck, search, terms, label, data.get(label)) for label in ("nominal", "hedged")}
    if xs["nominal"] is not None and xs["hedged"] is not None:
        _totals(ck, data, search, xs)
        _partners(ck, partner_rows, search, terms, xs, {k: (data.get(k) or {}).get("response") or [] for k in xs})
    _ladder(ck, ladder_rows, search, xs.get("nominal"))
    report.verified.extend(VERIFIED)
    report.verified.extend(f"not verifiable: {u}" for u in UNVERIFIABLE)
    return report


def _totals(ck: _Ck, data: dict, search, xs) -> None:
    value = search.evaluator.value
    n_obj, h_obj = value(xs["nominal"], ()), value(xs["hedged"], ())
    n_worst, h_worst = (value(xs[k], (data.get(k) or {}).get("response") or ()) for k in ("nominal", "hedged"))
    ck.number("rival.json", "key price_of_hedging", data.get("price_of_hedging"), n_obj - h_obj, "price of hedging")
    ck.number("rival.json", "key gain", data.get("gain"), h_worst - n_worst, "gain")
    bound, gap = data.get("bound"), data.get("gap")
    ck.report.checked += 1
    try:
        bound, gap = float(bound), float(gap)
    except (TypeError, ValueError):
        ck.bad("rival.json", "key gap", gap, None, "bound and gap must be numbers")
        return
    from planner.rival.run import tolerance

    tol = tolerance(bound, search.scenario.config.solver.mip_gap)
    if data.get("exact") is True and (gap != 0 or bound - h_worst > tol or h_worst - bound > tol):
        ck.bad("rival.json", "key gap", gap, bound - h_worst, "an exact run has gap 0 and bound = hedged worst case")
    if data.get("exact") is not True and not close(gap, max(0.0, bound - h_worst)):
        ck.bad("rival.json", "key gap", gap, max(0.0, bound - h_worst), "gap = bound − hedged worst case")


def _partners(ck: _Ck, rows: list[dict], search, terms, xs, responses) -> None:
    from planner.rival.value import options_per_partner, spend

    sc = search.scenario
    if [r.get("partner_id") for r in rows] != list(terms.partners):
        ck.bad(
            "rival_partners.csv",
            "column partner_id",
            [r.get("partner_id") for r in rows],
            list(terms.partners),
            "must list every partner once, in table order",
        )
        return
    facts = {
        k: (options_per_partner(sc, x), spend(terms, sc, x), set(responses[k]), search.evaluator.value(x, ()))
        for k, x in xs.items()
    }
    for i, (row, pid) in enumerate(zip(rows, terms.partners)):
        where = f"row {i + 2}, column "
        ck.number("rival_partners.csv", where + "rival_cost", row.get("rival_cost"), float(terms.cost[i]), "rival cost")
        for k, x in xs.items():
            count, cost, pulled, objective = facts[k]
            ck.number("rival_partners.csv", where + f"options_{k}", row.get(f"options_{k}"), float(count[i]), "options")
            ck.number(
                "rival_partners.csv", where + f"cost_{k}", row.get(f"cost_{k}"), float(cost[i]), "cost to the rival"
            )
            loss = objective - search.evaluator.value(x, (pid,)) if count[i] else 0.0
            ck.number(
                "rival_partners.csv",
                where + f"loss_alone_{k}",
                row.get(f"loss_alone_{k}"),
                loss,
                "loss if pulled alone",
            )
            ck.same("rival_partners.csv", where + f"pulled_{k}", row.get(f"pulled_{k}"), str(pid in pulled), "pulled")
        ck.same(
            "rival_partners.csv", where + "shore_up", row.get("shore_up"), str(pid in facts["nominal"][2]), "shore up"
        )


def _ladder(ck: _Ck, rows: list[dict], search, nominal_x) -> None:
    if nominal_x is None:
        return
    pos = search.scenario.option_position
    for i, row in enumerate(rows):
        where = f"row {i + 2}, column "
        try:
            terms = search.at_budget(float(row.get("budget", "")))
        except ValueError:
            ck.bad("rival_ladder.csv", where + "budget", row.get("budget"), None, "must be a number")
            continue
        x = nominal_x.copy()
        for col, value in (("added", 1), ("dropped", 0)):
            for o in filter(None, str(row.get(col, "")).split(";")):
                if o not in pos:
                    ck.bad("rival_ladder.csv", where + col, o, None, "unknown option id")
                    continue
                x[pos[o]] = value
        plans = {"nominal": search.plan(nominal_x, terms), "hedged": search.plan(x, terms)}
        for k, plan in plans.items():
            ck.number(
                "rival_ladder.csv",
                where + f"{k}_worst_case",
                row.get(f"{k}_worst_case"),
                plan.worst_case,
                "worst case (re-solved)",
            )
            reported = [p for p in str(row.get(f"{k}_response", "")).split(";") if p]
            ck.number(
                "rival_ladder.csv",
                where + f"{k}_response",
                search.evaluator.value(plans[k].x, reported),
                plan.worst_case,
                "value after the reported response",
            )
        ck.number(
            "rival_ladder.csv",
            where + "hedged_objective",
            row.get("hedged_objective"),
            plans["hedged"].objective,
            "objective",
        )
        ck.number(
            "rival_ladder.csv",
            where + "price_of_hedging",
            row.get("price_of_hedging"),
            plans["nominal"].objective - plans["hedged"].objective,
            "price of hedging",
        )
        ck.number(
            "rival_ladder.csv",
            where + "gain",
            row.get("gain"),
            plans["hedged"].worst_case - plans["nominal"].worst_case,
            "gain",
        )
