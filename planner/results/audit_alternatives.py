"""The `alternatives` run folder (`planner alternatives --out`): its manifest and its check.

Every portfolio (row 0 the optimum, then each alternative) is re-evaluated under the run's
scenario (`audit_points.check_point`). Verified without re-solving: each alternative's loss
against the optimum is within the stated `within` (its near-optimality), each drops at least
one option of every earlier portfolio (what the search maximises), and the differences, the
matrix and the summary recompute from the portfolios. That the optimum is optimal and that no
further alternative exists are the solver's claims, not re-solved.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from planner.results.audit import REL_TOL, Context, CsvRow, JsonObject, as_list, as_object, num
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
    recognise_summary,
)
from planner.results.manifest import Field, KindSpec
from planner.solver.outcome import Status

T, M = "alternatives.csv", "alternatives_matrix.csv"
EVAL = "recomputed from the row's portfolio (numpy face)"
DIFF = "recomputed from this portfolio and the optimum's (row 0)"
SUMMARY_ROW = "alternatives.csv's row of this alternative, recomputed"

FIELDS: tuple[Field, ...] = (
    *header_fields("alternatives"),
    Field(S, "within", U, "a setting as given: every alternative's loss is verified to be within it"),
    Field(S, "count", U, "a setting as given: at most this many alternatives are verified to be listed"),
    Field(S, "found", V, "the rows of alternatives.csv after the optimum; at most count"),
    Field(
        S, "stopped", U, "why the search ended: that no further alternative exists is the solver's claim, not re-solved"
    ),
    Field(S, "optimum.status", V, "a status with a portfolio comes with one; " + NOT_RESOLVED),
    Field(S, "optimum.objective", V, "alternatives.csv row 0's objective, recomputed"),
    Field(S, "optimum.selected", V, "alternatives.csv row 0's portfolio"),
    *(
        Field(S, f"alternatives[].{k}", V, SUMMARY_ROW)
        for k in ("alternative", "status", "objective", "loss", "loss_pct", "dropped", "added", "distance")
    ),
    Field(S, "wall_seconds", U, "a timing: how long it took on that machine, not a result"),
    Field(S, "time_limit_s", U, "a setting as given (each solve's limit)"),
    Field(T, "alternative", V, "0 (the optimum), 1, 2, …: the row's place"),
    Field(T, "status", V, "a status with a portfolio comes with one; " + NOT_RESOLVED),
    Field(T, "objective", V, EVAL),
    Field(T, "loss", V, "the optimum's objective − this one (signed so ≥ 0 is a loss); within summary.json within"),
    Field(T, "loss_pct", V, "100 × loss / |the optimum's objective|"),
    Field(T, "dropped", V, DIFF),
    Field(T, "added", V, DIFF),
    Field(T, "distance", V, DIFF + " (options in one and not the other)"),
    Field(T, "min_distance_to_earlier", V, "the least distance to an earlier row's portfolio"),
    Field(T, "selected", V, "the number of ids in portfolio"),
    Field(T, "<resource>_used", V, EVAL),
    Field(T, "dropped_ids", V, DIFF),
    Field(T, "added_ids", V, DIFF),
    Field(
        T,
        "portfolio",
        V,
        "known option ids; every row of the model holds at it (numpy face); drops at least one "
        "option of every earlier portfolio",
    ),
    Field(M, "option_id", V, "the options of any portfolio, in the options table's order"),
    Field(M, "partner_id", V, "the options table"),
    Field(M, "sector_id", V, "the options table"),
    Field(M, "optimum", V, "1 where the optimum selects it"),
    Field(M, "alternative_<n>", V, "1 where alternative n selects it"),
    Field(M, "portfolios", V, "the number of portfolios selecting it"),
)


def check(ctx: Context) -> None:
    summary = check_summary_header(ctx, "alternatives")
    ck, sc = ctx.ck, ctx.scenario
    ctx.require_columns(
        T,
        (
            "alternative",
            "status",
            "objective",
            "loss",
            "loss_pct",
            "dropped",
            "added",
            "distance",
            "min_distance_to_earlier",
            "selected",
            *(f"{r}_used" for r in sc.resources),
            "dropped_ids",
            "added_ids",
            "portfolio",
        ),
    )
    rows = ctx.rows(T)
    maximize = sc.config.objective.sense == "max_coverage"
    within = num(summary.get("within"))
    points: list[Point] = []
    recomputed: list[_Figures] = []
    for i, row in enumerate(rows):
        line = i + 2
        ck.number(T, "alternative", row.get("alternative"), i, "alternative number", line)
        point = check_point(ctx, T, line, row, sc, keys=None)
        points.append(point)
        recomputed.append(_differences(ctx, line, row, point, points, maximize, within))
    if rows:
        _check_summary(ctx, summary, points, recomputed)
    _check_matrix(ctx, points)
    ctx.report.status = f"{max(0, len(rows) - 1)} alternatives"


@dataclass(frozen=True)
class _Figures:
    """One row's figures as summary.json repeats them (its `alternatives[]` entry), in that order."""

    alternative: int
    status: str | None
    objective: float | None
    loss: float | None
    loss_pct: float | None
    dropped: int
    added: int
    distance: int


def _loss(
    ctx: Context, line: int, row: CsvRow, point: Point, optimum: Point, maximize: bool, within: float | None
) -> tuple[float | None, float | None]:
    """The loss against the optimum (signed so ≥ 0 is a loss) and in %; within `within` of the optimum."""
    ck = ctx.ck
    loss = pct = None
    if point.objective is not None and optimum.objective is not None:
        loss = (optimum.objective - point.objective) if maximize else (point.objective - optimum.objective)
        pct = 100 * loss / abs(optimum.objective) if optimum.objective else (0.0 if loss == 0 else None)
    ck.number(T, "loss", row.get("loss"), loss, "the loss against the optimum", line)
    ck.number(T, "loss_pct", row.get("loss_pct"), pct, "the loss in % of the optimum", line)
    best = optimum.objective
    if loss is not None and within is not None and best is not None:
        allowed = within * abs(best)
        if loss > allowed + REL_TOL * max(1.0, abs(best)):
            ck.bad(
                T,
                "loss",
                row.get("loss"),
                allowed,
                f"loses more than within ({within:g} of the optimum): not a near-optimal alternative",
                line,
            )
    return loss, pct


def _differences(
    ctx: Context, line: int, row: CsvRow, point: Point, points: list[Point], maximize: bool, within: float | None
) -> _Figures:
    """Loss, differences and distances of one row against the optimum and the earlier rows."""
    ck = ctx.ck
    optimum = points[0]
    best, here = set(optimum.ids), set(point.ids)
    loss, pct = _loss(ctx, line, row, point, optimum, maximize, within)
    figures = {"dropped": len(best - here), "added": len(here - best), "distance": len(best ^ here)}
    for key, value in figures.items():
        ck.number(T, key, row.get(key), value, key, line)
    earlier = [set(p.ids) for p in points[:-1]]
    ck.number(
        T,
        "min_distance_to_earlier",
        row.get("min_distance_to_earlier"),
        min((len(e ^ here) for e in earlier), default=None),
        "the least distance to an earlier portfolio",
        line,
    )
    for j, e in enumerate(earlier):
        if not e - here and point.evaluation is not None:
            ck.bad(
                T,
                "portfolio",
                row.get("portfolio"),
                None,
                f"drops no option of row {j + 2}'s portfolio: every alternative drops one of each earlier portfolio",
                line,
            )
    ck.text(
        T,
        "dropped_ids",
        row.get("dropped_ids"),
        join_ids(o for o in optimum.ids if o not in here),
        line,
        "not the optimum's options this one drops",
    )
    ck.text(
        T,
        "added_ids",
        row.get("added_ids"),
        join_ids(o for o in point.ids if o not in best),
        line,
        "not the options this one adds",
    )
    return _Figures(line - 2, row.get("status"), point.objective, loss, pct, **figures)


def _check_summary(ctx: Context, summary: JsonObject, points: list[Point], recomputed: list[_Figures]) -> None:
    ck = ctx.ck
    optimum = as_object(summary.get("optimum"))
    ck.equal(S, "optimum.status", optimum.get("status"), recomputed[0].status, "alternatives.csv row 0's status")
    ck.number(S, "optimum.objective", optimum.get("objective"), points[0].objective, "the optimum's objective")
    ck.equal(S, "optimum.selected", optimum.get("selected"), points[0].ids, "alternatives.csv row 0's portfolio")
    ck.equal(S, "found", summary.get("found"), len(points) - 1, "the alternatives listed")
    count = summary.get("count")
    if isinstance(count, int) and len(points) - 1 > count:
        ck.bad(S, "found", summary.get("found"), count, "more alternatives than asked for (count)")
    listed = as_list(summary.get("alternatives"))
    ck.mark(S, ("alternatives", 0, "alternative"))
    if len(listed) != len(points) - 1:
        ck.bad(S, ("alternatives", 0, "alternative"), len(listed), len(points) - 1, "one entry per alternative")
    for i, (item, want) in enumerate(zip(listed, recomputed[1:])):
        entry = as_object(item)
        for key, value in asdict(want).items():
            if key == "status":
                ck.equal(S, ("alternatives", i, key), entry.get(key), value, "alternatives.csv's status")
            else:
                ck.number(S, ("alternatives", i, key), entry.get(key), value, f"{key} of alternative {i + 1}")
    if Status.of(optimum.get("status")) is None:
        ck.bad(S, "optimum.status", optimum.get("status"), None, "unknown status")


def _check_matrix(ctx: Context, points: list[Point]) -> None:
    ck, opts = ctx.ck, ctx.scenario.options
    chosen = [set(p.ids) for p in points]
    every: set[str] = set().union(*chosen) if chosen else set()
    ids = [str(o) for o in opts.index if str(o) in every]
    columns = [
        "option_id",
        "partner_id",
        "sector_id",
        "optimum",
        *[f"alternative_{k}" for k in range(1, len(points))],
        "portfolios",
    ]
    ctx.require_columns(M, columns)
    rows = ctx.rows(M)
    ck.equal(M, "option_id", [r.get("option_id") for r in rows], ids, "the options of any portfolio, in table order")
    for i, row in enumerate(rows):
        o = row.get("option_id")
        if o is None or o not in every:
            continue
        for col in ("partner_id", "sector_id"):
            ck.text(M, col, row.get(col), str(opts.at[o, col]), i + 2)
        for k, sel in enumerate(chosen):
            col = "optimum" if k == 0 else f"alternative_{k}"
            ck.number(M, col, row.get(col), int(o in sel), f"whether portfolio {k} selects {o}", i + 2)
        ck.number(
            M, "portfolios", row.get("portfolios"), sum(o in sel for sel in chosen), "portfolios selecting it", i + 2
        )


SPEC = KindSpec(
    "alternatives",
    "`planner alternatives --out DIR`: near-optimal portfolios that differ most.",
    common_files(
        (T, "one row per portfolio: the optimum, then each alternative"), (M, "which portfolio selects which option")
    ),
    FIELDS,
    recognise_summary("alternatives"),
    check,
)
