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

from planner.io.runs import MARKER_FILE, SCENARIO_FILE
from planner.results.audit import REL_TOL, Context, check_inputs, num
from planner.results.audit_points import join_ids
from planner.results.audit_solve import digest_fields, marker_fields, scenario_fields
from planner.results.evaluation import evaluate
from planner.results.manifest import Field, FileSpec, How, KindSpec
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
    Field(
        J,
        f"{E}.entry[].parameter",
        V,
        "one per row blocking the option (a limit's resource, a rule row's name), then contributions and cost",
    ),
    Field(J, f"{E}.entry[].kind", V, "limit, rule, contributions or cost"),
    Field(J, f"{E}.entry[].current", V, "today's value: the bound, 1 (× contributions), the option's cost"),
    Field(J, f"{E}.entry[].family", V, "the blocking row's family (limit and rule paths)"),
    Field(J, f"{E}.entry[].edit.<cell>", V, "the input table cell to change: the file, row, column, option"),
    *(
        Field(J, f"{E}.entry[].{k}", U, SEARCH)
        for k in ("status", "needed", "below", "grid", "override", "checked", "steps", "notes", "exact_tie", "edit")
    ),
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


def _recognise(files) -> bool:
    return J in files.json


def _vocabulary(ctx: Context) -> dict[str, set[str]]:
    return {"cell": {"file", "row", "column", "option_id"}}


def row_keys(ctx: Context) -> dict[str, tuple[str, str]]:
    """Each row name of the scenario's model → (family, ident), from the tags recorded when it was built."""
    if "row_keys" not in ctx.cache:
        from planner.model.assemble import build

        ctx.cache["row_keys"] = {name: (t.family, t.ident) for name, t in build(ctx.scenario).tags.items()}
    return ctx.cache["row_keys"]


def with_starts(ctx: Context, where: tuple, ids: list[str], starts, file: str = J) -> list[str] | dict[str, int]:
    """The portfolio as `evaluate` takes it: ids, or under rules.phasing {id: start year} (checked)."""
    phasing = ctx.scenario.config.rules.phasing
    if phasing is None:
        return ids
    starts = starts if isinstance(starts, dict) else {}
    if not ids:
        return {}
    ctx.ck.mark(file, (*where, "start_years", ids[0]))
    if set(starts) != set(ids) or any(not isinstance(y, int) or y not in phasing.years for y in starts.values()):
        ctx.ck.bad(
            file,
            (*where, "start_years", ids[0]),
            starts,
            f"{phasing.start}–{phasing.end}",
            "one start year of the horizon per selected option",
        )
        return {o: (starts.get(o) if starts.get(o) in phasing.years else phasing.start) for o in ids}
    return {o: starts[o] for o in ids}


def flipped_scenario(sc, option: str, selected: bool):
    """The scenario with `option` forbidden (it was selected) or required (it was not)."""
    rules = sc.config.rules
    update = {"forbid": [*rules.forbid, option]} if selected else {"require": [*rules.require, option]}
    return sc.with_config(sc.config.model_copy(update={"rules": rules.model_copy(update=update)}))


def check(ctx: Context) -> None:
    data, ck, sc = ctx.json(J), ctx.ck, ctx.scenario
    ck.equal(J, "scenario", data.get("scenario"), sc.name, "scenario name differs")
    check_inputs(ctx, J, data)
    explanations = data.get("explanations") if isinstance(data.get("explanations"), list) else []
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


def _ids(ctx: Context, k: int, key: str, value) -> list[str]:
    known = set(map(str, ctx.scenario.options.index))
    ids = value if isinstance(value, list) else []
    ctx.ck.mark(J, ("explanations", k, key))
    if not isinstance(value, list) or any(i not in known for i in ids) or len(set(ids)) != len(ids):
        ctx.ck.bad(J, ("explanations", k, key), value, None, "not a list of known option ids, each once")
        return [i for i in dict.fromkeys(ids) if i in known]
    return list(ids)


def _fits(value: float | None, reported) -> bool:
    got = num(reported)
    if value is None or got is None or got != got:
        return value is None and got is None
    return abs(value - got) <= REL_TOL * max(1.0, abs(value), abs(got))


def _check_explanation(ctx: Context, k: int, e: dict, row: dict, portfolios: list) -> dict | None:
    from planner.results.audit_points import split_ids

    ck, sc = ctx.ck, ctx.scenario
    key = lambda *p: ("explanations", k, *p)  # noqa: E731
    o = e.get("option_id")
    ck.mark(J, key("option_id"))
    if o not in sc.options.index:
        ck.bad(J, key("option_id"), o, None, "not an option of the options table")
        return None
    option = sc.options.loc[o]
    ck.text(J, key("name"), e.get("name"), str(option.get("name", "") or ""))
    for col in ("partner_id", "sector_id", "kind"):
        ck.text(J, key(col), e.get(col), str(option[col]))
    portfolio = _ids(ctx, k, "portfolio", e.get("portfolio"))
    base = evaluate(sc, with_starts(ctx, key(), portfolio, e.get("start_years")))
    if base.violations():
        ck.bad(J, key("portfolio"), portfolio, None, "breaks a row of the model: it cannot be the scenario's portfolio")
    elif not _fits(base.objective, e.get("objective")) and any(
        isinstance(p, list)
        and p != e.get("portfolio")
        and _fits(evaluate(sc, [i for i in p if i in sc.options.index]).objective, e.get("objective"))
        for p in portfolios
    ):
        ck.bad(
            J,
            key("portfolio"),
            portfolio,
            None,
            "differs from the other explanations' portfolio, which gives the reported objective (this one does not)",
        )
    selected = o in portfolio
    ck.equal(J, key("selected"), e.get("selected"), selected, "whether the portfolio holds the option")
    ck.number(J, key("objective"), e.get("objective"), base.objective, "the portfolio's objective")
    status = Status.of(e.get("flipped_status"))
    if status is None:
        ck.bad(J, key("flipped_status"), e.get("flipped_status"), None, "unknown status")
    scenario_f = flipped_scenario(sc, o, selected)
    enters, leaves = _ids(ctx, k, "enters", e.get("enters")), _ids(ctx, k, "leaves", e.get("leaves"))
    flip_objective = _check_flip(
        ctx,
        k,
        e,
        o,
        portfolio,
        selected,
        scenario_f,
        (enters, leaves),
        (split_ids(row.get("enters")), split_ids(row.get("leaves"))) if row else None,
    )
    change = None if flip_objective is None else flip_objective - base.objective
    ck.number(J, key("objective_change"), e.get("objective_change"), change, "flipped − objective")
    _resolve_flip(ctx, k, e, scenario_f)
    _check_gaps(ctx, k, e, o, portfolio, base)
    side = "forced_by" if selected else "blocked_by"
    other = "blocked_by" if selected else "forced_by"
    if e.get(other):
        ck.bad(
            J,
            key(other, 0, "row"),
            e.get(other),
            [],
            f"a {'selected' if selected else 'unselected'} option is not {'blocked' if selected else 'forced'}",
        )
    _check_rows(ctx, k, side, e.get(side), o, with_starts(ctx, key(), portfolio, e.get("start_years")), selected)
    _check_entry(ctx, k, e, o)
    sole = [g.get("gap_id") for g in e.get("gaps") or [] if isinstance(g, dict) and g.get("sole") and selected]
    return {"selected": selected, "objective": base.objective, "change": change, "sole": sole}


def _flipped(portfolio: list[str], o: str, selected: bool, enters: list[str], leaves: list[str]) -> list[str]:
    return [*[i for i in portfolio if i not in leaves and i != o], *enters, *([] if selected else [o])]


def _check_flip(
    ctx: Context,
    k: int,
    e: dict,
    o: str,
    portfolio: list[str],
    selected: bool,
    scenario_f,
    moves: tuple[list[str], list[str]],
    csv_moves,
) -> float | None:
    """enters/leaves make the flipped portfolio: it holds the flipped scenario's rows and gives the reported
    flipped objective. Where explain.csv's enters/leaves do and explain.json's do not, the JSON is blamed."""
    ck = ctx.ck
    key = ("explanations", k)
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
    ev = evaluate(scenario_f, _flipped(portfolio, o, selected, enters, leaves))
    if (
        csv_moves is not None
        and csv_moves != (enters, leaves)
        and (ev.violations() or not _fits(ev.objective, e.get("flipped_objective")))
    ):
        other = evaluate(scenario_f, _flipped(portfolio, o, selected, *csv_moves))
        if not other.violations() and _fits(other.objective, e.get("flipped_objective")):
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


def _resolve_flip(ctx: Context, k: int, e: dict, scenario_f) -> None:
    """Re-solve the flip: its status and (both proven optima) its objective."""
    from planner.api import SolveOptions, solve

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


def _check_gaps(ctx: Context, k: int, e: dict, o: str, portfolio: list[str], base) -> None:
    ck, sc = ctx.ck, ctx.scenario
    c = sc.contributions
    mine = c[(c["option_id"] == o) & (c["amount"] > 0)]
    other = evaluate(sc, [i for i in portfolio if i != o] if o in portfolio else [*portfolio, o])
    index = {str(g): i for i, g in enumerate(sc.gaps.index)}
    others = [i for i in portfolio if i != o]
    got = e.get("gaps") if isinstance(e.get("gaps"), list) else []
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
        sole = float(c[(c["gap_id"] == g) & c["option_id"].isin(others)]["amount"].sum()) <= 0
        ck.number(J, (*p, "amount"), got[j].get("amount"), float(amount), f"{o}'s amount to {g}")
        ck.number(J, (*p, "covered"), got[j].get("covered"), float(base.covered[index[str(g)]]), f"coverage of {g}")
        ck.number(
            J,
            (*p, "covered_other"),
            got[j].get("covered_other"),
            float(other.covered[index[str(g)]]),
            f"coverage of {g} with {o} flipped",
        )
        ck.equal(J, (*p, "sole"), got[j].get("sole"), sole, "whether no other selected option covers the gap")


def _check_rows(ctx: Context, k: int, side: str, listed, o: str, portfolio, selected: bool) -> None:
    """Each row named as forcing (selected) or blocking (unselected) o: a row of the model (its name as the
    model gives it) that the flipped portfolio breaks. Under rules.phasing an added option's start year is
    not known, so the rows of the phasing family are checked for their bound only."""
    ck, sc = ctx.ck, ctx.scenario
    listed = listed if isinstance(listed, list) else []
    phasing = sc.config.rules.phasing
    ids = list(portfolio)
    starts = dict(portfolio) if isinstance(portfolio, dict) else None
    with_ids = ids if selected else [*ids, o]
    without_ids = [i for i in ids if i != o]
    if starts is not None:
        with_o = evaluate(sc, {i: starts.get(i, phasing.start) for i in with_ids})
        without = evaluate(sc, {i: starts[i] for i in without_ids})
    else:
        with_o, without = evaluate(sc, with_ids), evaluate(sc, without_ids)
    rows_with, _ = with_o.faces()
    rows_without, _ = without.faces()
    flipped = rows_without if selected else rows_with
    names = row_keys(ctx)
    amounts = sc.contributions[sc.contributions["option_id"] == o].set_index("gap_id")["amount"]
    for j, r in enumerate(listed):
        p = ("explanations", k, side, j)
        r = r if isinstance(r, dict) else {}
        ck.mark(J, (*p, "row"))
        if r.get("row") not in names or names[r.get("row")] not in flipped:
            ck.bad(J, (*p, "row"), r.get("row"), None, "not a row of the model")
            continue
        family, ident = names[r.get("row")]
        ck.equal(J, (*p, "family"), r.get("family"), family, "the row's family")
        ck.equal(J, (*p, "ident"), r.get("ident"), ident, "the row's ident")
        face = flipped[(family, ident)]
        sense = "<=" if face.lower == float("-inf") else ">=" if face.upper == float("inf") else "=="
        ck.equal(J, (*p, "sense"), r.get("sense"), sense, "the row's sense")
        ck.number(J, (*p, "bound"), r.get("bound"), face.upper if sense == "<=" else face.lower, "the row's bound")
        if phasing is not None and family == "phasing":
            ck.mark(J, (*p, "activity"))
            ck.mark(J, (*p, "coefficient"))
            continue
        ck.number(J, (*p, "activity"), r.get("activity"), face.activity, "the row's activity with the option flipped")
        if face.violation() <= REL_TOL * max(1.0, abs(face.activity)):
            ck.bad(J, (*p, "activity"), face.activity, None, "the flipped portfolio does not break this row")
        coefficient = (
            -float(amounts.get(ident, 0.0))
            if family == "target"
            else rows_with[(family, ident)].activity - rows_without[(family, ident)].activity
        )
        ck.number(J, (*p, "coefficient"), r.get("coefficient"), coefficient, "the option's coefficient in the row")


def _check_entry(ctx: Context, k: int, e: dict, o: str) -> None:
    """Which parameters the entry search tried, from what value (planner.analysis.entry.entry_paths): each
    blocking row (not require), each other limit the option uses, then contributions and cost."""
    ck, sc = ctx.ck, ctx.scenario
    entry = [p if isinstance(p, dict) else {} for p in e.get("entry")] if isinstance(e.get("entry"), list) else []
    if not entry:
        return  # selected options, and --no-thresholds: no search
    blocked = [b for b in e.get("blocked_by") or [] if isinstance(b, dict) and b.get("family") != "require"]
    want: dict[str, tuple] = {}
    for b in blocked:
        limit = b.get("family") == "limit"
        want[b.get("ident") if limit else b.get("row")] = (
            "limit" if limit else "rule",
            b.get("bound"),
            b.get("family"),
            None,
        )
    head = list(want)
    extra = [r for r in sc.config.limits if float(sc.options.loc[o, r]) > 0 and r not in want]
    for r in extra:
        want[r] = ("limit", sc.config.limits[r], "limit", None)
    tail = []
    c = sc.contributions
    if bool((c.loc[c["option_id"] == o, "amount"] > 0).any()):
        tail.append("contributions")
        want["contributions"] = (
            "contributions",
            1.0,
            None,
            {"file": sc.files["contributions"], "column": "amount", "option_id": o},
        )
    cost = float(sc.options.loc[o, sc.cost_resource])
    if cost > 0:
        tail.append("cost")
        want["cost"] = (
            "cost",
            cost,
            None,
            {
                "file": sc.files["options"],
                "row": sc.options.index.get_loc(o) + 2,
                "column": sc.cost_resource,
                "option_id": o,
            },
        )
    got = [p.get("parameter") for p in entry]
    n, m = len(head), len(extra)
    ck.mark(J, ("explanations", k, "entry", 0, "parameter"))
    if len(got) != len(want) or got[:n] != head or set(got[n : n + m]) != set(extra) or got[n + m :] != tail:
        ck.bad(
            J,
            ("explanations", k, "entry", 0, "parameter"),
            got,
            [*head, *extra, *tail],
            "one path per blocking row, then the other limits the option uses, then contributions and cost",
        )
    for j, p in enumerate(entry):
        if p.get("parameter") not in want:
            continue
        kind, current, family, edit = want[p.get("parameter")]
        path = ("explanations", k, "entry", j)
        ck.equal(J, (*path, "kind"), p.get("kind"), kind, "the path's kind")
        ck.equal(J, (*path, "family"), p.get("family"), family, "the blocking row's family")
        if p.get("status") == "unknown":  # the search could not start (its notes say why): no value, no cell
            continue
        ck.number(J, (*path, "current"), p.get("current"), num(current), "today's value")
        got_edit = p.get("edit") if isinstance(p.get("edit"), dict) else {}
        for cell, value in (edit or {}).items():
            ck.equal(J, (*path, "edit", cell), got_edit.get(cell), value, "the input cell to change")


def _check_row(ctx: Context, k: int, row: dict, e: dict, figures: dict) -> None:
    ck, line = ctx.ck, k + 2
    ck.flag(C, "selected", row.get("selected"), figures["selected"], "selected", line)
    ck.number(C, "objective", row.get("objective"), figures["objective"], "objective", line)
    ck.text(C, "flipped_status", row.get("flipped_status"), str(e.get("flipped_status")), line, "not explain.json's")
    ck.number(C, "objective_change", row.get("objective_change"), figures["change"], "flipped − objective", line)
    for col in ("enters", "leaves"):
        ck.text(C, col, row.get(col), join_ids(e.get(col) or []), line, "not explain.json's")
    ck.text(C, "sole_gaps", row.get("sole_gaps"), join_ids(figures["sole"]), line, "not the gaps only it covers")
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
