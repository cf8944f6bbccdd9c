"""The `value` run folder (`planner value --out`): its manifest and its check.

The priced portfolio (`portfolio`, recorded since, with start years under phasing) and its
objective recompute through the numpy face; every priced row is a row of the model (its name
as the model gives it), with its bound and today's activity from the numpy face; the moved
bounds are bound ± Δ; the gains, losses and per-unit values are the stated arithmetic of the
re-solved objectives, signed so that positive is worth having, and relaxing a bound never
costs (tightening never pays) where both solves are proven optima. The re-solves at ±Δ and
the LP relaxation are not repeated by check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.io.runs import MARKER_FILE, SCENARIO_FILE, RunFiles
from planner.results.audit import (
    REL_TOL,
    Context,
    JsonObject,
    Path_,
    as_list,
    as_object,
    check_inputs,
    num,
)
from planner.results.audit_explain import with_starts
from planner.results.audit_explain_rows import Faces, fits, row_keys
from planner.results.audit_fields import digest_fields, marker_fields, scenario_fields
from planner.results.evaluation import Evaluation, evaluate
from planner.results.manifest import Field, FileSpec, How, KindSpec
from planner.solver.outcome import Status

V, U = How.VERIFIED, How.UNVERIFIABLE
J, C = "value.json", "value.csv"
B = "bounds[]"
RESOLVE = "an exact re-solve with the bound moved by Δ: not repeated by check (planner value run again reproduces it)"
LP = "the LP relaxation's, from the solver: not re-solved by check"
COLUMNS = (
    "row",
    "family",
    "ident",
    "sense",
    "bound",
    "activity",
    "delta",
    "relaxed_bound",
    "tightened_bound",
    "status_relaxed",
    "objective_relaxed",
    "gain_if_relaxed",
    "status_tightened",
    "objective_tightened",
    "loss_if_tightened",
    "gain_per_unit",
    "loss_per_unit",
    "lp_dual",
)
HOW: dict[str, tuple[How, str]] = {
    "row": (V, "a row of the model (the name the model gives it)"),
    "family": (V, "the row's family (its tag)"),
    "ident": (V, "the row's ident (its tag)"),
    "sense": (V, "<= or >=, the row's (numpy face)"),
    "bound": (V, "the row's bound (numpy face)"),
    "activity": (V, "the row's activity at the portfolio (numpy face)"),
    "delta": (
        U,
        "the step Δ: as given (--delta) or chosen by planner value (an option's typical use): the question asked",
    ),
    "relaxed_bound": (V, "bound + Δ for a ≤ row, bound − Δ for a ≥ row"),
    "tightened_bound": (V, "bound ∓ Δ, or null where tightening makes no sense"),
    "status_relaxed": (U, RESOLVE),
    "objective_relaxed": (U, RESOLVE),
    "gain_if_relaxed": (V, "objective_relaxed − objective (signed so positive is worth having); ≥ 0 between optima"),
    "status_tightened": (U, RESOLVE),
    "objective_tightened": (U, RESOLVE),
    "loss_if_tightened": (V, "objective − objective_tightened (signed so positive is a loss); ≥ 0 between optima"),
    "gain_per_unit": (V, "gain_if_relaxed / Δ"),
    "loss_per_unit": (V, "loss_if_tightened / Δ"),
    "lp_dual": (U, LP),
}

FIELDS: tuple[Field, ...] = (
    Field(J, "scenario", V, "the scenario's name (scenario.json)"),
    Field(J, "sense", V, "objective.sense of scenario.json"),
    Field(
        J,
        "status",
        V,
        "a status with a portfolio comes with one; the optimality itself is the solver's claim, not re-solved",
    ),
    Field(J, "objective", V, "recomputed from the portfolio (numpy face)"),
    Field(J, "lp_status", U, LP),
    Field(J, "lp_objective", U, LP),
    Field(J, "portfolio", V, "known option ids; every row of the model holds at them (numpy face)"),
    Field(J, "start_years.<option>", V, "under rules.phasing: a year of the horizon for each selected option"),
    *digest_fields(J),
    *(Field(J, f"{B}.{k}", *HOW[k]) for k in COLUMNS),
    *(
        Field(C, k, HOW[k][0], f"value.json's bounds[].{k}" + ("" if HOW[k][0] is U else ", verified the same way"))
        for k in COLUMNS
    ),
    *scenario_fields(),
    *marker_fields(),
)
FILES = (
    FileSpec(J, True, "the portfolio priced and one entry per bound"),
    FileSpec(C, True, "one row per bound"),
    FileSpec(SCENARIO_FILE, True, "the settings as run"),
    FileSpec(MARKER_FILE, False, "the run-folder marker"),
)


def _recognise(files: RunFiles) -> bool:
    return J in files.json


def check(ctx: Context) -> None:
    data, ck, sc = ctx.json(J), ctx.ck, ctx.scenario
    ck.equal(J, "scenario", data.get("scenario"), sc.name, "scenario name differs")
    ck.equal(J, "sense", data.get("sense"), sc.config.objective.sense, "objective sense differs")
    check_inputs(ctx, J, data)
    known = set(map(str, sc.options.index))
    ids = as_list(data.get("portfolio"))
    ck.mark(J, "portfolio")
    if not isinstance(data.get("portfolio"), list) or any(i not in known for i in ids) or len(set(ids)) != len(ids):
        ck.bad(J, "portfolio", data.get("portfolio"), None, "not a list of known option ids, each once")
        ids = [i for i in dict.fromkeys(ids) if i in known]
    status = Status.of(data.get("status"))
    ck.mark(J, "status")
    if status is None or not status.has_portfolio:
        ck.bad(
            J, "status", data.get("status"), "optimal or feasible", "planner value prices a scenario with a portfolio"
        )
    portfolio = with_starts(ctx, (), ids, data.get("start_years"), J)
    ev = evaluate(sc, portfolio)
    if ev.violations():
        ck.bad(J, "portfolio", ids, None, "breaks a row of the model: it cannot be the scenario's portfolio")
    faces, _ = ev.faces()
    bounds = as_list(data.get("bounds"))
    _blame_portfolio(ctx, data, ids, ev, faces, bounds)
    ck.number(J, "objective", data.get("objective"), ev.objective, "the portfolio's objective")
    rows = ctx.rows(C)
    ctx.require_columns(C, COLUMNS)
    if len(rows) != len(bounds):
        ck.bad(C, (), len(rows), len(bounds), "one row per entry of value.json's bounds")
    maximize = sc.config.objective.sense == "max_coverage"
    for j, b in enumerate(bounds):
        b = as_object(b)
        _check_bound(ctx, J, ("bounds", j), None, b, b, faces, ev.objective, maximize, status)
        if j < len(rows):
            _check_bound(ctx, C, None, j + 2, rows[j], b, faces, ev.objective, maximize, status)
    ctx.report.status = f"{len(bounds)} bounds priced"


def _row_key(names: dict[str, tuple[str, str]], row: object) -> tuple[str, str] | None:
    """(family, ident) of a row named in the folder, None for a name the model does not have."""
    return names.get(row) if isinstance(row, str) else None


def _blame_portfolio(
    ctx: Context, data: JsonObject, ids: list[str], ev: Evaluation, faces: Faces, bounds: list[Any]
) -> None:
    """When neither the objective nor the rows' activities recompute from the portfolio, the portfolio
    is the one edited (they agree with each other, not with it)."""
    names = row_keys(ctx)
    activities = [
        (faces[key].activity, b.get("activity"))
        for b in bounds
        if isinstance(b, dict) and (key := _row_key(names, b.get("row"))) is not None and key in faces
    ]
    if not fits(ev.objective, data.get("objective")) and any(not fits(a, got) for a, got in activities):
        ctx.ck.bad(
            J,
            "portfolio",
            ids,
            None,
            "neither the objective nor the rows' activities reported recompute "
            "from this portfolio: it is not the portfolio priced",
        )


def _check_bound(
    ctx: Context,
    file: str,
    where: tuple[str | int, ...] | None,
    line: int | None,
    got: Mapping[str, Any],
    entry: JsonObject,
    faces: Faces,
    objective: float,
    maximize: bool,
    status: Status | None,
) -> None:
    """One priced bound, in value.json (`where` its key path) or value.csv (`line` its row)."""
    ck = ctx.ck

    def at(k: str) -> Path_:
        return (*where, k) if where is not None else k

    names = row_keys(ctx)
    ck.mark(file, at("row"))
    key = _row_key(names, got.get("row"))
    if key is None or key not in faces:
        ck.bad(file, at("row"), got.get("row"), None, "not a row of the model", line)
        return
    family, ident = key
    ck.text(file, at("family"), got.get("family"), family, line, "not the row's family")
    ck.text(file, at("ident"), got.get("ident"), ident, line, "not the row's ident")
    face = faces[key]
    sense = "<=" if face.lower == float("-inf") else ">=" if face.upper == float("inf") else "=="
    ck.text(file, at("sense"), got.get("sense"), sense, line, "not the row's sense")
    bound = face.upper if sense == "<=" else face.lower
    ck.number(file, at("bound"), got.get("bound"), bound, "the row's bound", line)
    ck.number(file, at("activity"), got.get("activity"), face.activity, "the row's activity at the portfolio", line)
    delta = num(entry.get("delta"))
    if delta is None or delta != delta or delta <= 0:
        ck.bad(file, at("relaxed_bound"), entry.get("delta"), None, "Δ must be a positive number", line)
        return
    step = delta if sense == "<=" else -delta
    ck.number(file, at("relaxed_bound"), got.get("relaxed_bound"), bound + step, "bound moved by Δ", line)
    if num(got.get("tightened_bound")) is not None:
        ck.number(file, at("tightened_bound"), got.get("tightened_bound"), bound - step, "bound moved back by Δ", line)
    else:
        ck.mark(file, at("tightened_bound"))
    sign = 1.0 if maximize else -1.0
    relaxed, tightened = num(entry.get("objective_relaxed")), num(entry.get("objective_tightened"))
    gain = None if relaxed is None else sign * (relaxed - objective)
    loss = None if tightened is None else -sign * (tightened - objective)
    ck.number(file, at("gain_if_relaxed"), got.get("gain_if_relaxed"), gain, "relaxed − today's objective", line)
    ck.number(file, at("loss_if_tightened"), got.get("loss_if_tightened"), loss, "today's − tightened objective", line)
    ck.number(
        file, at("gain_per_unit"), got.get("gain_per_unit"), None if gain is None else gain / delta, "gain / Δ", line
    )
    ck.number(
        file, at("loss_per_unit"), got.get("loss_per_unit"), None if loss is None else loss / delta, "loss / Δ", line
    )
    proven = status is Status.OPTIMAL
    tol = REL_TOL * max(1.0, abs(objective))
    if proven and gain is not None and Status.of(entry.get("status_relaxed")) is Status.OPTIMAL and gain < -tol:
        ck.bad(file, at("gain_if_relaxed"), gain, 0.0, "relaxing a bound cannot lower an optimum", line)
    if proven and loss is not None and Status.of(entry.get("status_tightened")) is Status.OPTIMAL and loss < -tol:
        ck.bad(file, at("loss_if_tightened"), loss, 0.0, "tightening a bound cannot raise an optimum", line)


SPEC = KindSpec(
    "value",
    "`planner value SCENARIO --out DIR`: what one step of each limit and rule bound is worth.",
    FILES,
    FIELDS,
    _recognise,
    check,
)
