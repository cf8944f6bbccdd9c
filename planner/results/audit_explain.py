"""The `explain` run folder (`planner explain --out`): its manifest and its check.

Per explained option o, against the portfolio P it explains (`portfolio`, recorded since):
P's objective and o's gaps (coverage with and without o, sole contributor) recompute through
the numpy face; the flipped portfolio P ∖ leaves ∪ enters (without o if selected, with it
otherwise) recomputes to `flipped_objective` and holds every row of the flipped scenario
(o forbidden, or required); the flip itself is re-solved (the flipped optimum is an optimum)
and its status and objective compared; each row named as forcing or blocking o is a row of the
model that the flipped portfolio breaks, with its bound and activity from the numpy face. The
entry thresholds are searches by re-solves and are not repeated: check verifies which
parameters were searched and from what value, not what the search found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planner.api import SolveOptions, solve
from planner.inputs.scenario import Scenario
from planner.io.runs import MARKER_FILE, SCENARIO_FILE, RunFiles
from planner.results.audit import Context, CsvRow, JsonObject, as_list, as_object, check_inputs, num
from planner.results.audit_explain_rows import check_entry, check_named_rows, fits
from planner.results.audit_fields import digest_fields, marker_fields, scenario_fields
from planner.results.audit_points import join_ids, split_ids
from planner.results.evaluation import Evaluation, evaluate
from planner.results.manifest import Field, FileSpec, How, KeyPath, KindSpec
from planner.solver.outcome import Status

V, R, U = How.VERIFIED, How.RESOLVED, How.UNVERIFIABLE
J, C = "explain.json", "explain.csv"
E = "explanations[]"
SEARCH = (
    "the result of a search by exact re-solves (planner.analysis.entry): not repeated by check; planner explain "
    "run again reproduces it"
)
ROWS = (
    "a row of the model (family, ident) that the flipped portfolio breaks: bound, sense and activity from the "
    "numpy face (a target's activity is the coverage without o, its coefficient −o's amount)"
)

FIELDS: tuple[Field, ...] = (
    Field(J, "scenario", V, "the scenario's name (scenario.json)"),
    *digest_fields(J),
    Field(J, f"{E}.option_id", V, "a known option; explain.csv's rows, in order"),
    *(Field(J, f"{E}.{k}", V, "the options table") for k in ("name", "partner_id", "sector_id", "kind")),
    Field(J, f"{E}.portfolio", V, "known option ids; every row of the model holds at them (numpy face)"),
    Field(
        J,
        f"{E}.start_years.<option>",
        V,
        "under rules.phasing: a year of the horizon for each selected option; the figures recompute with it",
    ),
    Field(J, f"{E}.selected", V, "whether the portfolio holds the option"),
    Field(J, f"{E}.objective", V, "recomputed from the portfolio (numpy face)"),
    Field(J, f"{E}.flipped_status", R, "re-solved: the scenario with the option forbidden (selected) or required"),
    Field(J, f"{E}.flipped_objective", R, "re-solved, and recomputed from the flipped portfolio"),
    Field(J, f"{E}.objective_change", V, "flipped_objective − objective"),
    Field(
        J,
        f"{E}.enters",
        V,
        "options outside the portfolio (sorted) that, with leaves, make the flipped portfolio: "
        "it recomputes to flipped_objective and holds every row of the flipped scenario",
    ),
    Field(J, f"{E}.leaves", V, "options of the portfolio (sorted) that leave in the flipped portfolio (see enters)"),
    Field(J, f"{E}.gaps[].gap_id", V, "the gaps the option contributes to, in the contributions table's order"),
    Field(J, f"{E}.gaps[].amount", V, "the contributions table"),
    Field(J, f"{E}.gaps[].covered", V, "the portfolio's coverage (numpy face)"),
    Field(J, f"{E}.gaps[].covered_other", V, "the coverage with the option flipped (numpy face)"),
    Field(J, f"{E}.gaps[].sole", V, "no other option of the portfolio contributes to the gap"),
    *(
        Field(J, f"{E}.{side}[].{k}", V, ROWS)
        for side in ("forced_by", "blocked_by")
        for k in ("row", "family", "ident", "sense", "bound", "activity", "coefficient")
    ),
    Field(J, f"{E}.entry[].parameter", V, "per row blocking it (a limit's resource, a rule row), contributions, cost"),
    Field(J, f"{E}.entry[].kind", V, "limit, rule, contributions or cost"),
    Field(J, f"{E}.entry[].current", V, "today's value: the bound, 1 (× contributions), the option's cost"),
    Field(J, f"{E}.entry[].family", V, "the blocking row's family (limit and rule paths)"),
    Field(J, f"{E}.entry[].edit.<cell>", V, "the input table cell to change: the file, row, column, option"),
    *(
        Field(J, f"{E}.entry[].{k}", U, SEARCH)
        for k in ("status", "needed", "below", "grid", "override", "checked", "steps", "notes", "exact_tie", "edit")
    ),
    *(
        Field(J, f"{E}.entry[].{k}", U, "words for sentences (planner.analysis.words), from the resource's key")
        for k in ("label", "unit")
    ),
    Field(J, f"{E}.entry[].all_fit", U, "a limit's bound from which every option fits: words for sentences"),
    Field(J, f"{E}.notes", U, "explanatory sentences, not figures"),
    Field(C, "option_id", V, "explain.json's options, in order"),
    Field(C, "selected", V, "as explain.json, recomputed"),
    Field(C, "objective", V, "as explain.json, recomputed"),
    Field(C, "flipped_status", R, "as explain.json, re-solved"),
    Field(C, "objective_change", V, "as explain.json, recomputed"),
    Field(C, "enters", V, "as explain.json"),
    Field(C, "leaves", V, "as explain.json"),
    Field(C, "sole_gaps", V, "the gaps only the (selected) option covers, recomputed"),
    Field(C, "forced_by", V, "the rows of explain.json's forced_by"),
    Field(C, "blocked_by", V, "the rows of explain.json's blocked_by"),
    Field(C, "enter_<parameter>", U, "explain.json's entry result for that parameter: " + SEARCH),
    *scenario_fields(),
    *marker_fields(),
)

FILES = (
    FileSpec(J, True, "one explanation per option"),
    FileSpec(C, True, "one row per option"),
    FileSpec(SCENARIO_FILE, True, "the settings as run"),
    FileSpec(MARKER_FILE, False, "the run-folder marker"),
)


def _recognise(files: RunFiles) -> bool:
    return J in files.json


def _vocabulary(ctx: Context) -> dict[str, set[str]]:
    return {"cell": {"file", "row", "column", "option_id"}}


def with_starts(
    ctx: Context, where: KeyPath, ids: list[str], starts: object, file: str = J
) -> list[str] | dict[str, int]:
    """The portfolio as `evaluate` takes it: ids, or under rules.phasing {id: start year} (checked)."""
    phasing = ctx.scenario.config.rules.phasing
    if phasing is None:
        return ids
    years = as_object(starts)
    if not ids:
        return {}
    ctx.ck.mark(file, (*where, "start_years", ids[0]))
    if set(years) != set(ids) or any(not isinstance(y, int) or y not in phasing.years for y in years.values()):
        ctx.ck.bad(
            file,
            (*where, "start_years", ids[0]),
            years,
            f"{phasing.start}–{phasing.end}",
            "one start year of the horizon per selected option",
        )
        return {o: (years[o] if years.get(o) in phasing.years else phasing.start) for o in ids}
    return {o: years[o] for o in ids}


def flipped_scenario(sc: Scenario, option: str, selected: bool) -> Scenario:
    """The scenario with `option` forbidden (it was selected) or required (it was not)."""
    rules = sc.config.rules
    update = {"forbid": [*rules.forbid, option]} if selected else {"require": [*rules.require, option]}
    return sc.with_config(sc.config.model_copy(update={"rules": rules.model_copy(update=update)}))


def check(ctx: Context) -> None:
    data, ck, sc = ctx.json(J), ctx.ck, ctx.scenario
    ck.equal(J, "scenario", data.get("scenario"), sc.name, "scenario name differs")
    check_inputs(ctx, J, data)
    explanations = as_list(data.get("explanations"))
    rows = ctx.rows(C)
    ctx.require_columns(
        C,
        (
            "option_id",
            "selected",
            "objective",
            "flipped_status",
            "objective_change",
            "enters",
            "leaves",
            "sole_gaps",
            "forced_by",
            "blocked_by",
        ),
    )
    ck.equal(
        C,
        "option_id",
        [r.get("option_id") for r in rows],
        [e.get("option_id") for e in explanations if isinstance(e, dict)],
        "explain.json's options",
    )
    portfolios = [e.get("portfolio") for e in explanations if isinstance(e, dict)]
    for k, e in enumerate(explanations):
        if isinstance(e, dict):
            row = rows[k] if k < len(rows) else {}
            figures = _check_explanation(ctx, k, e, row, portfolios)
            if figures is not None and row:
                _check_row(ctx, k, row, e, figures)
    ctx.report.status = f"{len(explanations)} options explained"


def _ids(ctx: Context, k: int, key: str, value: object) -> list[str]:
    known = set(map(str, ctx.scenario.options.index))
    ids = as_list(value)
    ctx.ck.mark(J, ("explanations", k, key))
    if not isinstance(value, list) or any(i not in known for i in ids) or len(set(ids)) != len(ids):
        ctx.ck.bad(J, ("explanations", k, key), value, None, "not a list of known option ids, each once")
        return [i for i in dict.fromkeys(ids) if i in known]
    return list(ids)


@dataclass(frozen=True)
class _Figures:
    """What explain.csv's row of an option repeats, recomputed."""

    selected: bool
    objective: float
    change: float | None  # flipped − objective (None without a flipped portfolio)
    sole: list[Any]  # the gaps only the (selected) option covers, as explain.json lists them (JSON values)


def _key(k: int, *path: str | int) -> KeyPath:
    return ("explanations", k, *path)


def _check_option(ctx: Context, k: int, e: JsonObject) -> str | None:
    """The explained option: an option of the table, its cells as the table has them."""
    ck, sc = ctx.ck, ctx.scenario
    o = e.get("option_id")
    ck.mark(J, _key(k, "option_id"))
    if not isinstance(o, str) or o not in sc.options.index:
        ck.bad(J, _key(k, "option_id"), o, None, "not an option of the options table")
        return None
    option = sc.options.loc[[o]].iloc[0]  # its row (ids are unique)
    ck.text(J, _key(k, "name"), e.get("name"), str(option.get("name", "") or ""))
    for col in ("partner_id", "sector_id", "kind"):
        ck.text(J, _key(k, col), e.get(col), str(option[col]))
    return o


def _check_portfolio(ctx: Context, k: int, e: JsonObject, portfolios: list[object]) -> tuple[list[str], Evaluation]:
    """The portfolio explained: it holds every row of the model; where another explanation's portfolio
    gives the reported objective and this one does not, this one is blamed."""
    ck, sc = ctx.ck, ctx.scenario
    portfolio = _ids(ctx, k, "portfolio", e.get("portfolio"))
    base = evaluate(sc, with_starts(ctx, _key(k), portfolio, e.get("start_years")))
    if base.violations():
        ck.bad(
            J, _key(k, "portfolio"), portfolio, None, "breaks a row of the model: it cannot be the scenario's portfolio"
        )
    elif not fits(base.objective, e.get("objective")) and any(
        isinstance(p, list)
        and p != e.get("portfolio")
        and fits(evaluate(sc, [i for i in p if i in sc.options.index]).objective, e.get("objective"))
        for p in portfolios
    ):
        ck.bad(
            J,
            _key(k, "portfolio"),
            portfolio,
            None,
            "differs from the other explanations' portfolio, which gives the reported objective (this one does not)",
        )
    return portfolio, base


def _check_explanation(ctx: Context, k: int, e: JsonObject, row: CsvRow, portfolios: list[object]) -> _Figures | None:
    ck, sc = ctx.ck, ctx.scenario
    o = _check_option(ctx, k, e)
    if o is None:
        return None
    portfolio, base = _check_portfolio(ctx, k, e, portfolios)
    selected = o in portfolio
    ck.equal(J, _key(k, "selected"), e.get("selected"), selected, "whether the portfolio holds the option")
    ck.number(J, _key(k, "objective"), e.get("objective"), base.objective, "the portfolio's objective")
    status = Status.of(e.get("flipped_status"))
    if status is None:
        ck.bad(J, _key(k, "flipped_status"), e.get("flipped_status"), None, "unknown status")
    scenario_f = flipped_scenario(sc, o, selected)
    enters, leaves = _ids(ctx, k, "enters", e.get("enters")), _ids(ctx, k, "leaves", e.get("leaves"))
    flip = _Flip(o, portfolio, selected, scenario_f)
    csv_moves = (split_ids(row.get("enters")), split_ids(row.get("leaves"))) if row else None
    flip_objective = _check_flip(ctx, k, e, flip, (enters, leaves), csv_moves)
    change = None if flip_objective is None else flip_objective - base.objective
    ck.number(J, _key(k, "objective_change"), e.get("objective_change"), change, "flipped − objective")
    _resolve_flip(ctx, k, e, scenario_f)
    _check_gaps(ctx, k, e, o, portfolio, base)
    side = "forced_by" if selected else "blocked_by"
    other = "blocked_by" if selected else "forced_by"
    if e.get(other):
        ck.bad(
            J,
            _key(k, other, 0, "row"),
            e.get(other),
            [],
            f"a {'selected' if selected else 'unselected'} option is not {'blocked' if selected else 'forced'}",
        )
    check_named_rows(ctx, k, side, e.get(side), o, with_starts(ctx, _key(k), portfolio, e.get("start_years")), selected)
    check_entry(ctx, k, e, o)
    sole = [g.get("gap_id") for g in e.get("gaps") or [] if isinstance(g, dict) and g.get("sole") and selected]
    return _Figures(selected, base.objective, change, sole)


@dataclass(frozen=True)
class _Flip:
    """Option `o` flipped: forbidden if the portfolio selects it, else required (`scenario`)."""

    o: str
    portfolio: list[str]
    selected: bool
    scenario: Scenario

    def portfolio_after(self, enters: list[str], leaves: list[str]) -> list[str]:
        """The flipped portfolio: the portfolio without `leaves` (and o), with `enters` (and o if it enters)."""
        kept = [i for i in self.portfolio if i not in leaves and i != self.o]
        return [*kept, *enters, *([] if self.selected else [self.o])]


Moves = tuple[list[str], list[str]]  # (enters, leaves)


def _check_flip(
    ctx: Context, k: int, e: JsonObject, flip: _Flip, moves: Moves, csv_moves: Moves | None
) -> float | None:
    """enters/leaves make the flipped portfolio: it holds the flipped scenario's rows and gives the reported
    flipped objective. Where explain.csv's enters/leaves do and explain.json's do not, the JSON is blamed."""
    ck = ctx.ck
    key = ("explanations", k)
    o, portfolio = flip.o, flip.portfolio
    enters, leaves = moves
    status = Status.of(e.get("flipped_status"))
    if enters != sorted(enters) or set(enters) & set(portfolio) or o in enters:
        ck.bad(J, (*key, "enters"), enters, None, "must be sorted options outside the portfolio, not the option itself")
    if leaves != sorted(leaves) or not set(leaves) <= set(portfolio) or o in leaves:
        ck.bad(J, (*key, "leaves"), leaves, None, "must be sorted options of the portfolio, not the option itself")
    if status is None or not status.has_portfolio:  # no flipped portfolio: everything else leaves
        ck.equal(J, (*key, "enters"), enters, [], "a flip without a portfolio brings nothing in")
        ck.equal(
            J, (*key, "leaves"), leaves, sorted(set(portfolio) - {o}), "a flip without a portfolio drops every option"
        )
        ck.number(J, (*key, "flipped_objective"), e.get("flipped_objective"), None, "the flipped portfolio's objective")
        return None
    if ctx.scenario.config.rules.phasing is not None:  # the flip's start years are not recorded: re-solved only
        ck.mark(J, (*key, "flipped_objective"))
        ctx.report.verified.append(
            f"explanations[{k}]: under rules.phasing the flipped portfolio's start years are not "
            "recorded: its objective is checked by the re-solve, not recomputed"
        )
        return num(e.get("flipped_objective"))
    ev = evaluate(flip.scenario, flip.portfolio_after(enters, leaves))
    if (
        csv_moves is not None
        and csv_moves != (enters, leaves)
        and (ev.violations() or not fits(ev.objective, e.get("flipped_objective")))
    ):
        other = evaluate(flip.scenario, flip.portfolio_after(*csv_moves))
        if not other.violations() and fits(other.objective, e.get("flipped_objective")):
            name = "enters" if csv_moves[0] != enters else "leaves"
            ck.bad(
                J,
                (*key, name),
                moves[0 if name == "enters" else 1],
                csv_moves[0 if name == "enters" else 1],
                f"differs from explain.csv's {name}, which give the reported flipped portfolio (these do not)",
            )
            return other.objective
    broken = ev.violations()
    if broken:
        family, ident, _ = broken[0]
        ck.bad(J, (*key, "enters"), enters, None, f"the flipped portfolio (enters, leaves) breaks row {family}_{ident}")
    ck.number(
        J, (*key, "flipped_objective"), e.get("flipped_objective"), ev.objective, "the flipped portfolio's objective"
    )
    return ev.objective


def _resolve_flip(ctx: Context, k: int, e: JsonObject, scenario_f: Scenario) -> None:
    """Re-solve the flip: its status and (both proven optima) its objective."""
    ck = ctx.ck
    key = ("explanations", k)
    free = solve(scenario_f, SolveOptions(clean_sheet=False))
    reported = Status.of(e.get("flipped_status"))
    if free.status.is_proof and reported is not None and reported.is_proof:
        ck.equal(
            J, (*key, "flipped_status"), e.get("flipped_status"), str(free.status), "differs from the re-solved flip"
        )
        if free.status is Status.OPTIMAL:
            ck.number(
                J,
                (*key, "flipped_objective"),
                e.get("flipped_objective"),
                free.objective,
                "the re-solved flip's objective",
            )
    else:
        ck.mark(J, (*key, "flipped_status"))
        ctx.report.verified.append(
            f"explanations[{k}]: the flip's re-solve ended {free.status}: compared only where both are proofs"
        )


def _check_gaps(ctx: Context, k: int, e: JsonObject, o: str, portfolio: list[str], base: Evaluation) -> None:
    ck, sc = ctx.ck, ctx.scenario
    c = sc.contributions
    mine = c[(c["option_id"] == o) & (c["amount"] > 0)]
    other = evaluate(sc, [i for i in portfolio if i != o] if o in portfolio else [*portfolio, o])
    index = {str(g): i for i, g in enumerate(sc.gaps.index)}
    others = [i for i in portfolio if i != o]
    got = as_list(e.get("gaps"))
    ck.equal(
        J,
        ("explanations", k, "gaps", 0, "gap_id"),
        [g.get("gap_id") for g in got if isinstance(g, dict)],
        [str(g) for g in mine["gap_id"]],
        "the gaps the option contributes to",
    )
    for j, (g, amount) in enumerate(zip(mine["gap_id"], mine["amount"])):
        if j >= len(got) or not isinstance(got[j], dict):
            break
        p = ("explanations", k, "gaps", j)
        entry: JsonObject = got[j]
        sole = float(c[(c["gap_id"] == g) & c["option_id"].isin(others)]["amount"].sum()) <= 0
        ck.number(J, (*p, "amount"), entry.get("amount"), float(amount), f"{o}'s amount to {g}")
        ck.number(J, (*p, "covered"), entry.get("covered"), float(base.covered[index[str(g)]]), f"coverage of {g}")
        ck.number(
            J,
            (*p, "covered_other"),
            entry.get("covered_other"),
            float(other.covered[index[str(g)]]),
            f"coverage of {g} with {o} flipped",
        )
        ck.equal(J, (*p, "sole"), entry.get("sole"), sole, "whether no other selected option covers the gap")


def _check_row(ctx: Context, k: int, row: CsvRow, e: JsonObject, figures: _Figures) -> None:
    ck, line = ctx.ck, k + 2
    ck.flag(C, "selected", row.get("selected"), figures.selected, "selected", line)
    ck.number(C, "objective", row.get("objective"), figures.objective, "objective", line)
    ck.text(C, "flipped_status", row.get("flipped_status"), str(e.get("flipped_status")), line, "not explain.json's")
    ck.number(C, "objective_change", row.get("objective_change"), figures.change, "flipped − objective", line)
    for col in ("enters", "leaves"):
        ck.text(C, col, row.get(col), join_ids(e.get(col) or []), line, "not explain.json's")
    ck.text(C, "sole_gaps", row.get("sole_gaps"), join_ids(figures.sole), line, "not the gaps only it covers")
    for col in ("forced_by", "blocked_by"):
        ck.text(
            C,
            col,
            row.get(col),
            join_ids(r.get("row", "") for r in e.get(col) or [] if isinstance(r, dict)),
            line,
            "not explain.json's rows",
        )


SPEC = KindSpec(
    "explain",
    "`planner explain SCENARIO OPTION … --out DIR`: why options are in or out.",
    FILES,
    FIELDS,
    _recognise,
    check,
    _vocabulary,
)
