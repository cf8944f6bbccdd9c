"""The `sweep` run folder (`planner sweep --out`): its manifest and its check.

Each point's scenario is the run's scenario.json with the point's axis values set, exactly as
the sweep derived it (`planner.sensitivity.points.ScenarioFactory`); its portfolio (the
`portfolio` column) is re-evaluated there (`audit_points.check_point`). changes.csv is
recomputed from the points' portfolios and the grid's neighbours, the summary's totals from
the rows. Whether each portfolio is optimal at its point is the solver's claim, not re-solved.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.errors import InputError
from planner.results.audit import Context, JsonObject, as_object, num
from planner.results.audit_points import (
    NOT_RESOLVED,
    S,
    U,
    V,
    check_point,
    check_run_stats,
    check_summary_header,
    common_files,
    counts_of,
    header_fields,
    path_vocabulary,
    recognise_summary,
    stats_fields,
)
from planner.results.manifest import Field, KindSpec
from planner.sensitivity.grid import Vary, cell, check_grid, points
from planner.sensitivity.points import ScenarioFactory, raw_inputs
from planner.sensitivity.sweep import changes_table

T, CH = "sweep.csv", "changes.csv"
EVAL = "recomputed from the row's portfolio under the point's scenario (numpy face)"

FIELDS: tuple[Field, ...] = (
    *header_fields("sweep"),
    Field(S, "axes[].key", V, "each varied key is a column of sweep.csv, in order"),
    Field(S, "axes[].values", V, "the values of that column over the grid (last axis fastest)"),
    Field(S, "points", V, "the rows of sweep.csv: the product of the axes' lengths"),
    Field(S, "status_counts.<status>", V, "counted from sweep.csv's status column"),
    Field(S, "objective", V, "null: no point has a portfolio"),
    Field(S, "objective.min", V, "the least recomputed objective of the points with a portfolio"),
    Field(S, "objective.max", V, "the greatest recomputed objective of the points with a portfolio"),
    Field(S, "options_always", V, "recomputed from the points' portfolios"),
    Field(S, "options_sometimes", V, "recomputed from the points' portfolios"),
    Field(S, "changes", V, "the rows of changes.csv"),
    Field(S, "block_size", U, "how the points were batched, not a result"),
    Field(S, "warm_start", U, "how each solve started, not a result"),
    *stats_fields(),
    Field(T, "point", V, "0, 1, …: the row's place in the grid"),
    Field(T, "<axis>", V, "the point's value of that key (summary.json axes, last axis fastest)"),
    Field(T, "status", V, "honest against the bound and the portfolio; " + NOT_RESOLVED),
    Field(T, "objective", V, EVAL),
    Field(T, "bound", V, "on the right side of the objective; = objective within solver.mip_gap when optimal"),
    Field(T, "mip_gap", V, "= |objective − bound| / |objective|; 0 for a proven optimum at solver.mip_gap 0"),
    Field(T, "selected", V, "the number of ids in portfolio"),
    Field(T, "<resource>_used", V, EVAL),
    Field(T, "portfolio", V, "known option ids; every row of the point's model holds at it (numpy face)"),
    *(
        Field(CH, c, V, "recomputed from the portfolios of neighbouring points (one step along one axis)")
        for c in (
            "axis",
            "from_point",
            "to_point",
            "from_value",
            "to_value",
            "option_id",
            "partner_id",
            "sector_id",
            "change",
        )
    ),
)


def _csv_keys(header: list[str]) -> list[str]:
    """The axis columns of sweep.csv: those between `point` and `status`."""
    if header[:1] != ["point"] or "status" not in header:
        return []
    return header[1 : header.index("status")]


def _vocabulary(ctx: Context) -> dict[str, set[str]]:
    axes = ctx.json(S).get("axes")
    keys = {str(a.get("key")) for a in axes if isinstance(a, dict)} if isinstance(axes, list) else set()
    return {**path_vocabulary(ctx), "axis": keys | set(_csv_keys(ctx.header(T)))}


def same_value(reported: object, expected: object) -> bool:
    """A table cell against the value it was written from (numbers compared as numbers)."""
    want = cell(expected)
    a, b = num(reported), num(want)
    if a is not None and b is not None and a == a and b == b and not isinstance(want, bool):
        return abs(a - b) <= 1e-9 * max(1.0, abs(b))
    return str(reported) == str(want)


def _axes(ctx: Context, summary: JsonObject) -> list[Vary] | None:
    """The grid summary.json states, checked against sweep.csv's axis columns. A difference is
    blamed on the file that disagrees with itself: a column missing, or rows that do not form
    the stated grid, are sweep.csv's; a grid the rows do form, but stated otherwise, is summary.json's."""
    raw: Any = summary.get("axes")  # JSON as written: a shape that is no grid raises, and is reported
    ck = ctx.ck
    try:
        axes = check_grid([Vary(str(a["key"]), tuple(a["values"])) for a in raw])
    except (InputError, KeyError, TypeError, ValueError) as exc:
        ck.bad(S, "axes[].key", raw, None, f"not a grid of varied keys ({exc})")
        return None
    keys, csv_keys = [a.key for a in axes], _csv_keys(ctx.header(T))
    ck.mark(S, ("axes", 0, "key"))
    if keys != csv_keys:
        if set(keys) > set(csv_keys):
            ctx.require_columns(T, keys)
        else:
            ck.bad(S, ("axes", 0, "key"), keys, csv_keys, "the varied keys are sweep.csv's axis columns, in order")
        return None
    rows = ctx.rows(T)
    seen = [list(dict.fromkeys(r.get(k) for r in rows)) for k in keys]
    formed = len(rows) == len(points([Vary(k, tuple(v)) for k, v in zip(keys, seen)])) and all(
        [r.get(k) for k in keys] == list(p.values())
        for r, p in zip(rows, points([Vary(k, tuple(v)) for k, v in zip(keys, seen)]))
    )
    for k, a in enumerate(axes):
        ck.mark(S, ("axes", k, "values"))
        # A grid stated with another number of values than the rows take is summary.json's; a value
        # that differs in a grid of the same size is a cell of sweep.csv's (compared row by row below).
        if formed and len(seen[k]) != len(a.values):
            ck.bad(S, ("axes", k, "values"), a.values, seen[k], "not the values sweep.csv's rows take")
            return None
    return axes


def check(ctx: Context) -> None:
    summary = check_summary_header(ctx, "sweep")
    ck, sc = ctx.ck, ctx.scenario
    ctx.require_columns(
        T,
        (
            "point",
            "status",
            "objective",
            "bound",
            "mip_gap",
            "selected",
            *(f"{r}_used" for r in sc.resources),
            "portfolio",
        ),
    )
    axes = _axes(ctx, summary)
    if axes is None:
        return
    rows = ctx.rows(T)
    grid = points(axes)
    ck.equal(S, "points", summary.get("points"), len(grid), "the grid's points")
    if len(rows) != len(grid):
        ck.bad(T, (), len(rows), len(grid), "one row per grid point")
        return
    ctx.report.status = "; ".join(f"{k} {v}" for k, v in counts_of(r.get("status") for r in rows).items())
    factory = ScenarioFactory(raw_inputs(sc), sc)
    records: list[dict[str, Any]] = []  # as planner.sensitivity.sweep records its points
    for i, (row, params) in enumerate(zip(rows, grid)):
        line = i + 2
        ck.number(T, "point", row.get("point"), i, "point number", line)
        for a in axes:
            ck.mark(T, a.key)
            if not same_value(row.get(a.key), params[a.key]):
                ck.bad(T, a.key, row.get(a.key), params[a.key], "not the grid's value at this point", line)
        scenario, _ = factory.scenario(params.items())
        point = check_point(ctx, T, line, row, scenario)
        records.append({"objective": point.objective, "selected": point.ids, "status": row.get("status")})
    _check_changes(ctx, changes_table(factory, axes, grid, records))
    solved = [r for r in records if r["objective"] is not None]
    objectives: list[float] = [r["objective"] for r in solved]
    if not objectives:
        ck.equal(S, "objective", summary.get("objective"), None, "no point has a portfolio")
    got = as_object(summary.get("objective"))
    ck.number(S, "objective.min", got.get("min"), min(objectives) if objectives else None, "least objective")
    ck.number(S, "objective.max", got.get("max"), max(objectives) if objectives else None, "greatest objective")
    counts = as_object(summary.get("status_counts"))
    ck.equal(S, ("status_counts", "optimal"), counts, counts_of(r["status"] for r in records), "counted from sweep.csv")
    ids = list(map(str, sc.options.index))
    times = {o: sum(o in r["selected"] for r in solved) for o in ids}
    ck.equal(
        S,
        "options_always",
        summary.get("options_always"),
        [o for o in ids if solved and times[o] == len(solved)],
        "the options every point with a portfolio selects",
    )
    ck.equal(
        S,
        "options_sometimes",
        summary.get("options_sometimes"),
        [o for o in ids if 0 < times[o] < len(solved)],
        "the options some but not all points select",
    )
    ck.equal(S, "changes", summary.get("changes"), len(ctx.rows(CH)), "the rows of changes.csv")
    check_run_stats(ctx, len(grid))


def _check_changes(ctx: Context, expected: pd.DataFrame) -> None:
    ck, rows = ctx.ck, ctx.rows(CH)
    ctx.require_columns(CH, list(expected.columns))
    want = expected.to_dict("records")
    if len(rows) != len(want):
        ck.bad(CH, (), len(rows), len(want), "one row per option entering or leaving between neighbouring points")
    for i, (row, exp) in enumerate(zip(rows, want)):
        for col in expected.columns:
            ck.mark(CH, col)
            if not same_value(row.get(col), exp[col]) and str(row.get(col)) != str(exp[col]):
                ck.bad(CH, col, row.get(col), exp[col], "does not recompute from the points' portfolios", i + 2)


SPEC = KindSpec(
    "sweep",
    "`planner sweep --out DIR`: one row per grid point, the changes between neighbours.",
    common_files((T, "one row per grid point"), (CH, "options entering/leaving between neighbours")),
    FIELDS,
    recognise_summary("sweep"),
    check,
    _vocabulary,
)
