"""The `solve` run folder (`planner solve --out`): its manifest and its check.

Recomputed through the model's numpy face (`planner.results.evaluation.evaluate`), never the
solver: per portfolio row the options table's cells, partner and sector names, `forced_by`,
start years within the horizon; per gap covered = min(size, Σ selected amounts), fraction,
target met, weights, N-1 columns; per resource use ≤ limit; every row of the model holds at
the portfolio; the objective; the status's honesty (bound on the right side, `mip_gap` =
|objective − bound| / |objective|); the active rule families; N-1 resilience; a re-plan's
changes; the re-plan's clean-sheet plan by one re-solve (it is itself an optimum).
The rule-family parts live in `planner.results.audit_rules`.
"""

from __future__ import annotations

import math

from planner.io.runs import MARKER_FILE, SCENARIO_FILE, RunFiles
from planner.io.safety import neutralise
from planner.model.rules import active_parts, active_rules
from planner.results.audit import REL_TOL, Context, CsvRow, JsonObject, as_list, as_object, check_inputs, num
from planner.results.audit_fields import digest_fields, marker_fields, scenario_fields
from planner.results.audit_rules import (
    check_changes,
    check_replan,
    check_resilience,
    check_resources_by_year,
    check_status,
)
from planner.results.audit_solve_tables import PORTFOLIO_NAMED, check_coverage, check_portfolio
from planner.results.evaluation import Evaluation, evaluate
from planner.results.manifest import Field, FileSpec, How, KindSpec
from planner.solver.outcome import PRIMARY, TIE_BREAK, Status
from planner.solver.tiebreak import tie_break_scope

V, R, U = How.VERIFIED, How.RESOLVED, How.UNVERIFIABLE
S, P, C = "summary.json", "portfolio.csv", "coverage.csv"
EVAL = "recomputed from the portfolio and the inputs (numpy face, planner.results.evaluation)"
TIMING = "a timing: how long it took on that machine, not a result"
SETTING = "a setting as given: nothing to recompute it from"


FIELDS: tuple[Field, ...] = (
    Field(S, "scenario", V, "the scenario's name (scenario.json)"),
    Field(
        S,
        "status",
        V,
        "honest: optimal only with objective = bound within solver.mip_gap, feasible with a bound on "
        "the right side, no portfolio and no figures otherwise (the proof itself is the solver's)",
    ),
    Field(S, "objective", V, EVAL + ", every rule family's terms included"),
    Field(
        S,
        "bound",
        V,
        "on the right side of the objective; = objective within solver.mip_gap when optimal; null "
        "without a portfolio (its value is the solver's proof, not re-solved)",
    ),
    Field(
        S,
        "mip_gap",
        V,
        "= |objective − bound| / |objective| as HiGHS and CBC's log state it; 0 for a proven "
        "optimum at solver.mip_gap 0; null without a bound",
    ),
    Field(S, "sense", V, "objective.sense of scenario.json"),
    Field(S, "selected", V, "the number of selected_ids"),
    Field(
        S,
        "selected_ids",
        V,
        "known option ids, each once, the rows of portfolio.csv; every row of the model "
        "(base and rule families) holds at this portfolio (numpy face); require/forbid",
    ),
    Field(S, "resources.<resource>.used", V, EVAL + "; within the limit"),
    Field(S, "resources.<resource>.limit", V, "limits.<resource> of scenario.json"),
    Field(S, "solve_seconds", U, TIMING),
    Field(S, "timings_seconds.<step>", U, TIMING),
    Field(S, "stages[].stage", V, "primary, then tie_break when solver.tie_break and a portfolio"),
    Field(S, "stages[].scope", V, "planner.solver.tiebreak.tie_break_scope(status, solver.mip_gap)"),
    Field(
        S,
        "stages[].status",
        V,
        "the primary stage's is the run's status; the tie-break stage's is the solver's (not re-solved)",
    ),
    Field(S, "stages[].seconds", U, TIMING),
    Field(S, "backend", V, "solver.backend of scenario.json (with auto: auto.winner)"),
    Field(S, "auto.winner", V, "highs or cbc, the backend"),
    Field(S, "auto.<solver>.status", U, "the race's record of each solver's run (the losing run is not repeated)"),
    Field(S, "auto.<solver>.seconds", U, TIMING),
    Field(S, "message", U, "the solver's own message"),
    Field(S, "rules_active", V, "the rule families the settings switch on (planner.model.rules.active_rules)"),
    Field(S, "resilience.fraction", V, "rules.resilience.fraction of scenario.json"),
    Field(
        S,
        "resilience.worst_partner",
        V,
        "recomputed by planner.model.rules.coverage.n1_coverage (first partner wins ties)",
    ),
    Field(S, "resilience.worst_partner_loss", V, "recomputed by n1_coverage"),
    Field(S, "resilience.loss_by_partner.<partner>", V, "recomputed by n1_coverage, one key per selected partner"),
    Field(S, "changes", V, "null: a run without a portfolio changes nothing"),
    Field(S, "changes.kept", V, "recomputed from replan.incumbent and the portfolio (planner.model.rules.replan)"),
    Field(S, "changes.dropped", V, "recomputed from replan.incumbent and the portfolio"),
    Field(S, "changes.added", V, "recomputed from replan.incumbent and the portfolio"),
    Field(S, "changes.total", V, "recomputed from replan.incumbent and the portfolio"),
    Field(S, "replan.incumbent", V, "the number of incumbent ids (scenario.json replan.incumbent)"),
    Field(S, "replan.incumbent_from", U, "where the incumbent's ids were read (a setting as given)"),
    Field(S, "replan.max_changes", V, "scenario.json replan.max_changes"),
    Field(S, "replan.max_dropped", V, "scenario.json replan.max_dropped"),
    Field(S, "replan.max_added", V, "scenario.json replan.max_added"),
    Field(S, "replan.drop_use.<resource>", V, "recomputed by planner.model.rules.replan.drop_use"),
    Field(S, "replan.clean_sheet.status", R, "re-solved: the scenario without replan:, as planner solve does"),
    Field(S, "replan.clean_sheet.objective", R, "re-solved (the clean-sheet plan is an optimum) and recomputed"),
    Field(S, "replan.clean_sheet.selected", R, "re-solved: the clean-sheet portfolio's size"),
    Field(S, "replan.clean_sheet.changes.<change>", R, "re-solved: the clean-sheet portfolio against the incumbent"),
    Field(S, "replan.clean_sheet.changes", R, "null: the re-solved clean sheet has no portfolio"),
    Field(
        S,
        "replan.clean_sheet.price_of_stability",
        R,
        "(clean-sheet objective − objective), sign so that ≥ 0 is the price, from the re-solved clean sheet",
    ),
    *digest_fields(S),
    Field(S, "planner_version", U, "the planner version that wrote the run: a fact of the run, not a result"),
    Field(P, "option_id", V, "the ids of summary.json selected_ids"),
    Field(P, "partner_id", V, "the options table"),
    Field(P, "partner_name", V, "the partners table"),
    Field(P, "sector_id", V, "the options table"),
    Field(P, "sector_name", V, "the sectors table"),
    Field(P, "kind", V, "the options table"),
    Field(P, "start_year", V, "a year of the rules.phasing horizon; spending and objective recompute with it"),
    Field(P, "name", V, "the options table"),
    Field(P, "<resource>", V, "the options table"),
    Field(P, "risk", V, "the options table"),
    Field(P, "forced_by", V, "recomputed by planner.model.rules.forced_by"),
    Field(P, "<column>", V, "a column carried through from the options table: its cell"),
    Field(C, "gap_id", V, "every gap once, in the gaps table's order"),
    Field(C, "sector_id", V, "the gaps table"),
    Field(C, "name", V, "the gaps table"),
    Field(C, "size", V, "the gaps table"),
    Field(C, "covered", V, "min(size, Σ selected amounts) " + EVAL),
    Field(C, "fraction", V, "covered / size"),
    Field(C, "target", V, "the effective target (own, else objective.coverage_target × size); met by covered"),
    Field(C, "weight", V, "the gaps table"),
    Field(C, "objective_weight", V, "Scenario.gap_weights: weight × sector weight after the objective's overrides"),
    Field(C, "critical", V, "the gaps table"),
    Field(C, "n1_covered", V, "recomputed by n1_coverage: the worst coverage if any one partner walks away"),
    Field(C, "n1_fraction", V, "n1_covered / size"),
    Field(C, "n1_worst_partner", V, "recomputed by n1_coverage (first partner wins ties)"),
    Field(C, "n1_protected", V, "planner.model.rules.coverage.resilience_gaps"),
    Field("resources_by_year.csv", "year", V, "every (year, resource) of the horizon once"),
    Field("resources_by_year.csv", "resource", V, "every (year, resource) of the horizon once"),
    Field("resources_by_year.csv", "used", V, "spending that year from the start years (Evaluation.use_by_year)"),
    Field("resources_by_year.csv", "limit", V, "rules.phasing.per_year of scenario.json; spending within it"),
    Field("changes.csv", "option_id", V, "each incumbent and each selected option once (change_table)"),
    Field("changes.csv", "partner_id", V, "the options table"),
    Field("changes.csv", "sector_id", V, "the options table"),
    Field("changes.csv", "kind", V, "the options table"),
    Field("changes.csv", "name", V, "the options table"),
    Field("changes.csv", "change", V, "kept / dropped / added, from the incumbent and the portfolio"),
    Field("changes.csv", "<resource>", V, "what the change uses (planner.model.rules.replan.change_table)"),
    *scenario_fields(),
    *marker_fields(),
)

FILES = (
    FileSpec(S, True, "the run's figures"),
    FileSpec(P, True, "one row per selected option"),
    FileSpec(C, True, "one row per gap"),
    FileSpec(SCENARIO_FILE, True, "the settings as run"),
    FileSpec("resources_by_year.csv", False, "with rules.phasing"),
    FileSpec("changes.csv", False, "with replan:"),
    FileSpec(MARKER_FILE, False, "the run-folder marker"),
    FileSpec("report.xlsx", False, "--report xlsx: a rendering of the files above (not re-rendered by check)"),
    FileSpec("report.html", False, "--report html: a rendering of the files above (not re-rendered by check)"),
    FileSpec("report.md", False, "--report md: a rendering of the files above (not re-rendered by check)"),
    FileSpec("report_charts/*", False, "--report md: its charts (not re-rendered by check)"),
)


def _recognise(files: RunFiles) -> bool:
    summary = files.json.get(S)
    return isinstance(summary, dict) and "kind" not in summary and P in files.csv


def _vocabulary(ctx: Context) -> dict[str, set[str]]:
    sc = ctx.scenario
    taken = {*PORTFOLIO_NAMED, *sc.resources}
    return {
        "column": {str(c) for c in sc.options.columns if c not in taken},
        "solver": {"highs", "cbc"},
        "change": {"kept", "dropped", "added", "total"},
    }


# ---------------------------------------------------------------- the check


def _selected(ctx: Context, summary: JsonObject, port_rows: list[CsvRow]) -> list[str]:
    ck, options = ctx.ck, set(map(str, ctx.scenario.options.index))
    listed = summary.get("selected_ids")
    ck.mark(S, "selected_ids")
    if not isinstance(listed, list):
        ck.bad(S, "selected_ids", listed, None, "must be a list of option ids")
        listed = []
    ids = [str(i) for i in listed]
    ck.equal(S, "selected", summary.get("selected"), len(ids), "count differs from selected_ids")
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        ck.bad(S, "selected_ids", dup, None, "an option is listed more than once")
    unknown = [i for i in ids if i not in options]
    if unknown:
        ck.bad(S, "selected_ids", unknown, None, "ids that are not in the options table")
    port_ids = [r.get("option_id", "") for r in port_rows]
    ck.mark(P, "option_id")
    if sorted(port_ids) != sorted(neutralise(i) for i in ids):
        # Blame the one the other figures disagree with: if portfolio.csv's ids give the reported
        # objective and selected_ids do not, selected_ids were edited; else portfolio.csv was.
        from_rows = [o for o in options if neutralise(o) in set(port_ids)]
        reported = num(summary.get("objective"))
        fits = [
            reported is not None
            and not math.isnan(reported)
            and close_to(evaluate(ctx.scenario, chosen).objective, reported)
            for chosen in (ids, from_rows)
        ]
        if fits[1] and not fits[0]:
            ck.bad(
                S,
                "selected_ids",
                ids,
                from_rows,
                "differ from portfolio.csv's rows, which give the reported objective (selected_ids do not)",
            )
        else:
            ck.bad(P, "option_id", port_ids, ids, "portfolio rows differ from summary.json selected_ids")
    return [i for i in dict.fromkeys(ids) if i in options]


def close_to(a: float, b: float) -> bool:
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b))


def _check_summary(ctx: Context, summary: JsonObject, ev: Evaluation, has_portfolio: bool) -> None:
    sc, ck = ctx.scenario, ctx.ck
    cfg = sc.config
    chosen = set(sc.options.index[ev.x.astype(bool)])
    ck.equal(S, "scenario", summary.get("scenario"), sc.name, "scenario name differs")
    ck.equal(S, "sense", summary.get("sense"), cfg.objective.sense, "objective sense differs")
    ck.equal(
        S,
        "rules_active",
        summary.get("rules_active"),
        active_rules(sc),
        "differs from the rule families the settings switch on",
    )
    resources = as_object(summary.get("resources"))
    for r in sc.resources:
        rec = as_object(resources.get(r))
        used = ev.resource_use[r] if has_portfolio else None
        ck.number(S, ("resources", r, "used"), rec.get("used"), used, f"use of {r}")
        limit = cfg.limits.get(r)
        ck.number(S, ("resources", r, "limit"), rec.get("limit"), limit, f"limit of {r}")
        if used is not None and limit is not None and used > limit + REL_TOL * max(1.0, limit):
            ck.bad(S, ("resources", r, "used"), used, limit, f"the portfolio exceeds the limit on {r}")
    for oid in cfg.rules.require:
        if has_portfolio and oid not in chosen:
            ck.bad(S, "selected_ids", oid, None, "a required option (rules.require) is not selected")
    for oid in cfg.rules.forbid:
        if oid in chosen:
            ck.bad(S, "selected_ids", oid, None, "a forbidden option (rules.forbid) is selected")
    _check_backend(ctx, summary)
    objective = ev.objective if has_portfolio else None
    ck.number(S, "objective", summary.get("objective"), objective, "objective")
    if has_portfolio:
        _check_rows(ctx, ev)
    check_status(ck, S, summary, objective, cfg.objective.sense == "max_coverage", cfg.solver.mip_gap)


def _check_backend(ctx: Context, summary: JsonObject) -> None:
    sc, ck = ctx.scenario, ctx.ck
    cfg = sc.config.solver
    auto = summary.get("auto")
    if cfg.backend == "auto":
        winner = auto.get("winner") if isinstance(auto, dict) else None
        ck.equal(
            S,
            "auto.winner",
            winner,
            summary.get("backend") if winner in ("highs", "cbc") else "highs or cbc",
            "the race's winner is the backend",
        )
        ck.equal(
            S,
            "backend",
            summary.get("backend"),
            winner if winner in ("highs", "cbc") else "highs or cbc",
            "the backend is the race's winner",
        )
    else:
        ck.equal(S, "backend", summary.get("backend"), cfg.backend, "differs from solver.backend")
        if auto is not None:
            ck.bad(S, "auto.winner", auto, None, "only a run with solver.backend auto races solvers")
    stages = as_list(summary.get("stages"))
    status = Status.of(summary.get("status"))
    names = [s.get("stage") if isinstance(s, dict) else None for s in stages]
    want = [PRIMARY, *([TIE_BREAK] if cfg.tie_break and status is not None and status.has_portfolio else [])]
    ck.equal(S, ("stages", 0, "stage"), names, want, "the stages of a solve are primary, then tie_break")
    for i, stage in enumerate(stages):
        if not isinstance(stage, dict):
            continue
        if stage.get("stage") == PRIMARY:
            ck.equal(
                S,
                ("stages", i, "status"),
                stage.get("status"),
                summary.get("status"),
                "the primary stage's status is the run's",
            )
        elif stage.get("stage") == TIE_BREAK and status is not None:
            ck.equal(
                S,
                ("stages", i, "scope"),
                stage.get("scope"),
                tie_break_scope(status, cfg.mip_gap),
                "the tie-break scope follows the primary status and solver.mip_gap",
            )


def _check_rows(ctx: Context, ev: Evaluation) -> None:
    """Every row of the model (base and rule families) holds at the portfolio: its activity,
    from the model's numpy face (`Evaluation.faces`), lies within its bounds."""
    rows, _ = ev.faces()
    ctx.ck.mark(S, "selected_ids", len(rows))
    ctx.report.verified.append(
        f"{len(rows)} rows of {', '.join(p.name for p in active_parts(ctx.scenario))} "
        "hold at the portfolio (activities from the model's numpy face)"
    )
    for family, ident, row in ev.violations():
        bound = row.lower if row.activity < row.lower else row.upper
        ctx.ck.bad(
            S,
            "selected_ids",
            round(row.activity, 9),
            bound,
            f"the selection violates row {family}_{ident} of the model (activity {row.activity:g}, "
            f"bounds [{row.lower:g}, {row.upper:g}])",
        )


def check(ctx: Context) -> None:
    summary = ctx.json(S)
    check_inputs(ctx, S, summary)  # first: an edited scenario.json is named before the figures it makes wrong
    ctx.report.status = str(summary.get("status"))
    status = Status.of(summary.get("status"))
    has_portfolio = status is None or status.has_portfolio  # an unknown status is reported, its figures checked
    port_rows = ctx.rows(P)
    ids = _selected(ctx, summary, port_rows)
    if not has_portfolio and (ids or port_rows):
        ctx.ck.bad(S, "selected_ids", ids, [], f"status {summary.get('status')} must come without a portfolio")
    chosen = set(ids)
    starts = check_portfolio(ctx, chosen)
    phasing = ctx.scenario.config.rules.phasing
    ev = evaluate(ctx.scenario, {o: starts.get(o, phasing.start) for o in chosen} if phasing is not None else chosen)
    check_coverage(ctx, ev, has_portfolio)
    _check_summary(ctx, summary, ev, has_portfolio)
    check_resilience(ctx, summary, ev if has_portfolio else None)
    check_resources_by_year(ctx, ev if has_portfolio else None)
    check_changes(ctx, summary, ev if has_portfolio else None)
    check_replan(ctx, summary, ev.objective if has_portfolio else None)
    ctx.report.verified.insert(
        0,
        "coverage, resource use and the objective recomputed from the portfolio and the "
        "inputs through the model's numpy face (planner.results.evaluation), not the solver",
    )


SPEC = KindSpec(
    "solve",
    "`planner solve --out DIR`: the portfolio, its coverage and its figures.",
    FILES,
    FIELDS,
    _recognise,
    check,
    _vocabulary,
)
