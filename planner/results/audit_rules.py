"""The run-folder figures that rule families and the solver add, and the status's honesty.

- `check_status`: a status with a portfolio has a bound on the right side of the objective
  (equal to it within `solver.mip_gap` when optimal) and `mip_gap` = |objective − bound| /
  |objective| (HiGHS's and CBC's definition; 0 for a proven optimum at gap setting 0); a
  status without one reports no objective, bound or gap. Shared by every kind's rows.
- `check_resilience`: summary.json `resilience` from `planner.model.rules.coverage.n1_coverage`.
- `check_resources_by_year`: resources_by_year.csv under time phasing — spending per (year,
  resource) is the evaluation's (`Evaluation.use_by_year`, `planner.model.rules.phasing`),
  within the per-year limits.
- `check_changes`: a re-plan's changes.csv, summary.json `changes` and `replan.*`
  (`planner.model.rules.replan`).
- `check_replan`: the clean-sheet plan, re-solved (`planner.api.solve` without `replan:`): it
  is itself an optimum, so no evaluation of the reported figures could confirm it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from planner.api import SolveOptions, solve
from planner.io.safety import neutralise
from planner.model.rules.coverage import n1_coverage
from planner.model.rules.replan import change_table, changes_of, drop_use
from planner.results.audit import REL_TOL, Checker, Context, JsonObject, as_object, close, num
from planner.results.evaluation import Evaluation
from planner.solver.outcome import Status

S = "summary.json"
GAP_TOL = 1e-5  # the reported objective is the final portfolio's; the solver's gap is of its stage-1 objective


def check_status(
    ck: Checker,
    file: str,
    record: Mapping[str, Any],
    objective: float | None,
    maximize: bool,
    gap_setting: float,
    row: int | None = None,
    keys: tuple[str, str, str] = ("status", "bound", "mip_gap"),
) -> None:
    """The honesty of a status and its bound and gap (`record` holds them under `keys`;
    `objective` is the recomputed one, None without a portfolio)."""
    k_status, k_bound, k_gap = keys
    status = Status.of(record.get(k_status))
    bound, gap = num(record.get(k_bound)), num(record.get(k_gap))
    ck.mark(file, k_status)
    ck.mark(file, k_bound)
    ck.mark(file, k_gap)
    if status is None:
        ck.bad(file, k_status, record.get(k_status), [s.value for s in Status], "unknown status", row)
        return
    if not status.has_portfolio:
        if bound is not None:
            ck.bad(file, k_bound, record.get(k_bound), None, f"a run with status {status} has no bound", row)
        if gap is not None:
            ck.bad(file, k_gap, record.get(k_gap), None, f"a run with status {status} has no gap", row)
        return
    if objective is None:
        ck.bad(
            file,
            k_status,
            record.get(k_status),
            "a status without a portfolio",
            "a status with a portfolio must come with one",
            row,
        )
        return
    if bound is None or math.isnan(bound):
        if status is Status.OPTIMAL:
            ck.bad(file, k_bound, record.get(k_bound), objective, "an optimal run must report its bound", row)
        if gap is not None:
            ck.bad(file, k_gap, record.get(k_gap), None, "a gap needs a bound", row)
        return
    slack = REL_TOL * max(1.0, abs(objective))
    if (maximize and bound < objective - slack) or (not maximize and bound > objective + slack):
        ck.bad(file, k_bound, bound, objective, "the bound is on the wrong side of the objective", row)
        return
    if status is Status.OPTIMAL:
        allowed = max(gap_setting, 1e-6)
        if abs(bound - objective) > allowed * max(1.0, abs(objective)) + 1e-6:
            # bound and gap agreeing with each other: the status is what is false; else the bound is
            agree = (
                gap is not None
                and gap == gap
                and not math.isinf(gap)
                and abs(abs(objective - bound) - gap * abs(objective)) <= GAP_TOL * max(1.0, abs(objective), abs(bound))
            )
            ck.bad(
                file,
                k_status if agree else k_bound,
                record.get(k_status) if agree else bound,
                Status.FEASIBLE.value if agree else objective,
                f"status optimal, but objective {objective:g} and bound {bound:g} differ by more than the gap "
                f"setting: {'not proven optimal' if agree else 'the bound does not agree with the gap either'}",
                row,
            )
            return
    _check_gap(ck, file, k_gap, record.get(k_gap), gap, objective, bound, status, gap_setting, row)


def _check_gap(
    ck: Checker,
    file: str,
    key: str,
    reported: Any,
    gap: float | None,
    objective: float,
    bound: float,
    status: Status,
    gap_setting: float,
    row: int | None,
) -> None:
    if gap is None or math.isnan(gap) or gap < 0:
        ck.bad(
            file, key, reported, abs(objective - bound) / max(abs(objective), 1e-10), "a gap must be a number ≥ 0", row
        )
        return
    if status is Status.OPTIMAL and gap_setting == 0:
        if gap != 0:
            ck.bad(file, key, reported, 0.0, "a proven optimum at solver.mip_gap 0 has gap 0", row)
        return
    # gap = |z − bound| / |z| for the solver's z; the portfolio's objective is within 1e-6 of it
    if (
        abs(objective) > 1e-9
        and not math.isinf(gap)
        and abs(abs(objective - bound) - gap * abs(objective)) > GAP_TOL * max(1.0, abs(objective), abs(bound))
    ):
        ck.bad(
            file,
            key,
            reported,
            abs(objective - bound) / abs(objective),
            "the gap is not |objective − bound| / |objective|",
            row,
        )


def check_resilience(ctx: Context, summary: JsonObject, ev: Evaluation | None) -> None:
    """summary.json `resilience`: the rule's fraction, the worst partner and each partner's loss."""
    rule = ctx.scenario.config.rules.resilience
    ck = ctx.ck
    got = summary.get("resilience")
    if rule is None or ev is None:
        if got is not None:
            ck.bad(S, "resilience.fraction", got, None, "only a run with a portfolio under rules.resilience reports it")
        return
    got = as_object(got)
    _, _, loss = n1_coverage(ctx.scenario, ev.x)
    worst = max(loss, key=lambda p: loss[p], default=None)  # first partner wins ties
    ck.number(S, "resilience.fraction", got.get("fraction"), rule.fraction, "rules.resilience.fraction")
    ck.equal(S, "resilience.worst_partner", got.get("worst_partner"), worst, "not the partner whose loss costs most")
    ck.number(
        S,
        "resilience.worst_partner_loss",
        got.get("worst_partner_loss"),
        None if worst is None else loss[worst],
        "the worst partner's loss",
    )
    reported = as_object(got.get("loss_by_partner"))
    for p in sorted(set(reported) - set(loss)):
        ck.bad(S, ("resilience", "loss_by_partner", p), reported[p], None, "not a partner of the portfolio")
    for p, value in loss.items():
        ck.number(S, ("resilience", "loss_by_partner", p), reported.get(p), value, f"coverage lost without {p}")


def check_resources_by_year(ctx: Context, ev: Evaluation | None) -> None:
    """resources_by_year.csv against spending recomputed from the portfolio's start years
    (`ev` is the portfolio's Evaluation, None for a run without a portfolio)."""
    phasing = ctx.scenario.config.rules.phasing
    name, ck, sc = "resources_by_year.csv", ctx.ck, ctx.scenario
    if phasing is None:
        return
    has_portfolio = ev is not None and bool(ev.x.any())
    if name not in ctx.files.csv:
        if has_portfolio:
            ck.bad(name, (), None, name, "a run with rules.phasing must write its per-year resource table")
        return
    ctx.require_columns(name, ("year", "resource", "used", "limit"))
    seen: set[tuple[int, str]] = set()
    for i, row in enumerate(ctx.rows(name)):
        res, year = row.get("resource", ""), num(row.get("year"))
        ck.mark(name, "resource")
        ck.mark(name, "year")
        if res not in sc.resources or year is None or math.isnan(year) or year not in phasing.years:
            ck.bad(
                name,
                "resource",
                f"{res} {row.get('year')}",
                None,
                "not a resource of the scenario in a year of the horizon",
                i + 2,
            )
            continue
        y = int(year)
        if (y, res) in seen:
            ck.bad(name, "year", f"{res} {y}", None, "a (year, resource) pair is listed twice", i + 2)
        seen.add((y, res))
        spent = None if ev is None else ev.use_by_year
        used = float(spent[res][phasing.years.index(y)]) if spent is not None else 0.0
        ck.number(name, "used", row.get("used"), used, f"{res} spent in {y}", i + 2)
        limit = phasing.per_year.get(res)
        ck.number(name, "limit", row.get("limit"), limit, f"per-year limit of {res}", i + 2)
        if limit is not None and used > limit + 1e-6 * max(1.0, limit):
            ck.bad(name, "used", used, limit, f"{res} exceeds its {y} limit", i + 2)
    missing = {(y, r) for y in phasing.years for r in sc.resources} - seen
    if missing and has_portfolio:
        ck.bad(name, "year", None, sorted(missing), "every (year, resource) pair needs a row")


def check_changes(ctx: Context, summary: JsonObject, ev: Evaluation | None) -> None:
    """A re-plan: changes.csv and summary.json's `changes` and `replan.*` against the change
    table and counts recomputed from the incumbent and the portfolio (`planner.model.rules.replan`)."""
    sc, ck, name = ctx.scenario, ctx.ck, "changes.csv"
    rule = sc.config.replan
    if rule is None:
        for key in ("changes", "replan"):
            if key in summary:
                ck.bad(
                    S,
                    "changes.total" if key == "changes" else "replan.incumbent",
                    summary[key],
                    None,
                    "only a re-plan (replan:) reports it",
                )
        return
    x = ev.x if ev is not None else None  # no portfolio: a header without rows
    if name not in ctx.files.csv:
        ck.bad(name, (), None, name, "a re-plan (replan:) must write its change table")
    else:
        expected = change_table(sc, x)
        want = expected.to_dict("records")
        rows = ctx.rows(name)
        ck.equal(
            name,
            "option_id",
            [r.get("option_id", "") for r in rows],
            [neutralise(str(r["option_id"])) for r in want],
            "must list each incumbent and each selected option once, in the options table's order",
        )
        ctx.require_columns(name, expected.columns)
        numeric = set(sc.resources)
        for i, (row, exp) in enumerate(zip(rows, want)):
            if row.get("option_id") != neutralise(str(exp["option_id"])):
                continue
            for col in expected.columns:
                if col == "option_id" or col not in ctx.header(name):
                    continue
                if col in numeric:
                    ck.number(
                        name,
                        col,
                        row.get(col),
                        float(exp[col]),
                        f"{col} used by the change of {exp['option_id']}",
                        i + 2,
                    )
                else:
                    ck.text(name, col, row.get(col), str(exp[col]), i + 2)
        ctx.report.verified.append(
            "changes.csv recomputed from the incumbent (replan.incumbent) and the portfolio "
            "by planner.model.rules.replan"
        )
    replan = as_object(summary.get("replan"))
    ck.equal(S, "replan.incumbent", replan.get("incumbent"), len(rule.ids), "the number of incumbent options")
    for key in ("max_changes", "max_dropped", "max_added"):
        ck.equal(S, ("replan", key), replan.get(key), getattr(rule, key), f"differs from replan.{key}")
    if ev is None:  # no portfolio, no changes
        ck.equal(S, "changes", summary.get("changes"), None, "a run without a portfolio changes nothing")
    else:
        got = as_object(summary.get("changes"))
        for key, value in changes_of(sc, ev.x).counts().items():
            ck.number(S, ("changes", key), got.get(key), float(value), f"{key} count")
    reported = as_object(replan.get("drop_use"))
    if ev is not None:
        for res, used in drop_use(sc, ev.x).items():
            ck.number(S, ("replan", "drop_use", res), reported.get(res), used, f"{res} used by dropping")
    elif reported:
        ck.bad(S, "replan.drop_use.<resource>", reported, None, "a run without a portfolio drops nothing")


def check_replan(ctx: Context, summary: JsonObject, objective: float | None) -> None:
    """The clean-sheet plan (summary.json replan.clean_sheet), re-solved without `replan:`."""
    sc, ck = ctx.scenario, ctx.ck
    replan = as_object(summary.get("replan"))
    clean = replan.get("clean_sheet")
    if sc.config.replan is None or clean is None:
        return  # --no-clean-sheet: nothing reported, nothing to check
    clean = as_object(clean)
    free = solve(sc.with_config(sc.config.model_copy(update={"replan": None})), SolveOptions(clean_sheet=False))
    ctx.report.verified.append(
        "replan.clean_sheet re-solved: the scenario without replan:, as planner solve does "
        "(the clean-sheet plan is an optimum; no evaluation could confirm it)"
    )
    key = ("replan", "clean_sheet")
    reported = Status.of(clean.get("status"))
    ck.equal(S, (*key, "status"), clean.get("status"), str(free.status), "differs from the re-solved clean sheet")
    if not free.status.is_proof or reported is None or not reported.is_proof:
        ctx.report.verified.append(
            f"replan.clean_sheet: the re-solve ended {free.status}: its figures are compared "
            "only where both solves are proofs (an optimum, or infeasible)"
        )
        return
    ck.number(S, (*key, "objective"), clean.get("objective"), free.objective, "the clean sheet's objective (re-solved)")
    ck.equal(S, (*key, "selected"), clean.get("selected"), len(free.selected), "the clean sheet's size (re-solved)")
    if free.evaluation is None:
        ck.equal(S, (*key, "changes"), clean.get("changes"), None, "a clean sheet without a portfolio changes nothing")
        return
    changes = as_object(clean.get("changes"))
    ck.mark(S, (*key, "changes"))
    for k, value in changes_of(sc, free.evaluation.x).counts().items():
        ck.equal(S, (*key, "changes", k), changes.get(k), value, f"the clean sheet's {k} count (re-solved)")
    if objective is not None and free.objective is not None:
        sign = 1.0 if sc.config.objective.sense == "max_coverage" else -1.0
        ck.number(
            S,
            (*key, "price_of_stability"),
            clean.get("price_of_stability"),
            sign * (free.objective - objective),
            "the price of stability (re-solved clean sheet − this plan)",
        )
        price = num(clean.get("price_of_stability"))
        if (
            price is not None
            and not math.isnan(price)
            and price < -REL_TOL * max(1.0, abs(objective))
            and not close(price, 0.0)
        ):
            ck.bad(S, (*key, "price_of_stability"), price, 0.0, "a clean sheet cannot be worse than a constrained plan")
