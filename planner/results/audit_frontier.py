"""The `frontier` run folder (`planner frontier --out`): its manifest and its check.

Each segment's portfolio is re-evaluated under the scenario with `limits.<resource>` at the
segment's lower end (`audit_points.check_point`): it must hold every row there, so it is
feasible over the whole interval, and its `limit_from` is its use of the resource (with what
the limit charges beyond it). The frontier's structure is verified without re-solving: the
intervals are contiguous and ascending from `from` to `to`, and — since every portfolio of a
lower limit is feasible at a higher one — the objective never gets worse as the limit rises (a
segment beaten by a cheaper one is not optimal). ladder.csv, entered/left and the summary's
counts are recomputed from the segments. Each portfolio's optimality is the solver's claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from planner.inputs.scenario import Scenario
from planner.model.rules.replan import charged_beyond_use
from planner.results.audit import REL_TOL, Context, CsvRow, JsonObject, close, num
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
from planner.solver.outcome import Status

T, L = "frontier.csv", "ladder.csv"
EVAL = "recomputed from the segment's portfolio (numpy face)"
LADDER = "recomputed from frontier.csv's portfolios: where each option enters or exits as the limit rises"

FIELDS: tuple[Field, ...] = (
    *header_fields("frontier"),
    Field(S, "resource", V, "a numeric column of the options table; frontier.csv's limits are on it"),
    Field(S, "from", V, "frontier.csv's lowest limit_from"),
    Field(S, "to", V, "frontier.csv's highest limit_to"),
    Field(S, "solves", V, "one per portfolio segment, plus one for the infeasible end"),
    Field(S, "segments", V, "the segments with a portfolio"),
    Field(S, "breakpoints", V, "segments − 1, plus one where the walk ended infeasible"),
    Field(S, "objective_breakpoints", V, "the points where the recomputed objective changes"),
    Field(S, "infeasible_below", V, "the lowest segment's limit_from when the walk ended infeasible, else null"),
    Field(S, "exact", V, "true iff every segment's status is optimal"),
    Field(
        S,
        "complete",
        U,
        "whether the walk reached the bottom of the range (not stopped by --max-solves): only a "
        "solve below the lowest breakpoint could confirm it; not re-solved",
    ),
    Field(S, "covered_from", V, "= from"),
    Field(S, "paths.<path>", U, "how the run was carried out, not a result"),
    Field(S, "wall_seconds", U, "a timing: how long it took on that machine, not a result"),
    Field(S, "time_limit_s", U, "a setting as given (each solve's limit)"),
    Field(T, "segment", V, "0, 1, …: the row's place"),
    Field(T, "status", V, "honest against the bound and the portfolio; " + NOT_RESOLVED),
    Field(
        T,
        "limit_from",
        V,
        "the portfolio's use of the resource (what the limit charges), or from; contiguous "
        "with the previous row's limit_to",
    ),
    Field(T, "limit_to", V, "the next row's limit_from, or to"),
    Field(T, "objective", V, EVAL + "; never worse than a lower limit's (every cheaper portfolio is feasible here)"),
    Field(T, "bound", V, "on the right side of the objective; = objective within solver.mip_gap when optimal"),
    Field(T, "mip_gap", V, "= |objective − bound| / |objective|; 0 for a proven optimum at solver.mip_gap 0"),
    Field(T, "selected", V, "the number of ids in portfolio"),
    Field(T, "<resource>_used", V, EVAL),
    Field(T, "entered", V, "ids in this portfolio and not in the previous row's"),
    Field(T, "left", V, "ids in the previous row's portfolio and not in this one"),
    Field(T, "portfolio", V, "known option ids; every row of the model at limit_from holds at it (numpy face)"),
    *(Field(L, c, V, LADDER) for c in ("option_id", "partner_id", "sector_id", "event", "at_limit", "objective_at")),
)


def _vocabulary(ctx: Context) -> dict[str, set[str]]:
    resource = ctx.json(S).get("resource")
    return {**path_vocabulary(ctx), "resource": set(ctx.scenario.resources) | ({str(resource)} if resource else set())}


def segment_scenario(factory: ScenarioFactory, resource: str, limit: float) -> Scenario:
    """The run's scenario with limits.<resource> at `limit` (as the walk set it)."""
    return factory.scenario([(f"limits.{resource}", limit)])[0]


class _Segment(NamedTuple):
    """A segment with a portfolio: its line in frontier.csv, its row, its point re-evaluated, its objective."""

    line: int
    row: CsvRow
    point: Point
    objective: float


@dataclass
class _Walk:
    """What the check of frontier.csv carries from one row to the next."""

    factory: ScenarioFactory
    resource: str
    maximize: bool
    found: list[_Segment] = field(default_factory=list)
    infeasible: CsvRow | None = None  # the lowest interval's row, when the walk ended infeasible there
    previous: list[str] = field(default_factory=list)  # the last portfolio


def check(ctx: Context) -> None:
    summary = check_summary_header(ctx, "frontier")
    ck, sc = ctx.ck, ctx.scenario
    resource = summary.get("resource")
    ck.mark(S, "resource")
    if not isinstance(resource, str) or resource not in sc.options.columns:
        ck.bad(S, "resource", resource, None, "not a column of the options table")
        return
    ctx.require_columns(
        T,
        (
            "segment",
            "status",
            "limit_from",
            "limit_to",
            "objective",
            "bound",
            "mip_gap",
            "selected",
            f"{resource}_used",
            "entered",
            "left",
            "portfolio",
        ),
    )
    rows = ctx.rows(T)
    walk = _Walk(ScenarioFactory(raw_inputs(sc), sc), resource, sc.config.objective.sense == "max_coverage")
    for i, row in enumerate(rows):
        ck.number(T, "segment", row.get("segment"), i, "segment number", i + 2)
        _check_segment(ctx, summary, walk, i, row)
    _check_intervals(ctx, summary, rows)
    _check_ladder(ctx, walk.found)
    _check_summary(ctx, summary, walk.found, walk.infeasible)


def _check_segment(ctx: Context, summary: JsonObject, walk: _Walk, i: int, row: CsvRow) -> None:
    """One row of frontier.csv: its portfolio under its limit, the limit it starts at (the portfolio's
    use), what entered and left, and that no lower limit's portfolio scores better here."""
    ck, line = ctx.ck, i + 2
    low = num(row.get("limit_from"))
    if low is None or low != low:
        ck.bad(T, "limit_from", row.get("limit_from"), None, "a limit must be a number", line)
        return
    scenario = segment_scenario(walk.factory, walk.resource, low)
    point = check_point(ctx, T, line, row, scenario)
    if point.evaluation is None:
        if i == 0 and point.status in (Status.INFEASIBLE,):
            walk.infeasible = row
        else:
            ck.bad(
                T,
                "status",
                row.get("status"),
                "optimal or feasible",
                "only the lowest interval may have no portfolio (the walk ends there)",
                line,
            )
        return
    ev = point.evaluation
    used = ev.resource_use[walk.resource] + charged_beyond_use(
        segment_scenario(walk.factory, walk.resource, low), ev.x, walk.resource
    )
    ck.number(
        T,
        "limit_from",
        row.get("limit_from"),
        max(used, num(summary.get("from")) or 0.0),
        "the portfolio's use of the resource",
        line,
    )
    previous = walk.previous
    ck.text(
        T,
        "entered",
        row.get("entered"),
        join_ids(o for o in point.ids if o not in previous),
        line,
        "not the options that entered",
    )
    ck.text(
        T,
        "left",
        row.get("left"),
        join_ids(o for o in previous if o not in point.ids),
        line,
        "not the options that left",
    )
    for lower in walk.found:  # a cheaper portfolio is feasible here too
        better = lower.objective > ev.objective if walk.maximize else lower.objective < ev.objective
        if better and not close(lower.objective, ev.objective, REL_TOL):
            ck.bad(
                T,
                "objective",
                row.get("objective"),
                lower.objective,
                f"the portfolio of a lower limit (row {lower.line}) scores better and is feasible here: "
                "this one is not optimal",
                line,
            )
            break
    walk.found.append(_Segment(line, row, point, ev.objective))
    walk.previous = point.ids


def _check_intervals(ctx: Context, summary: JsonObject, rows: list[CsvRow]) -> None:
    ck = ctx.ck
    for i, (row, nxt) in enumerate(zip(rows, rows[1:])):
        ck.number(T, "limit_to", row.get("limit_to"), num(nxt.get("limit_from")), "the next interval's start", i + 2)
    if rows:
        ck.number(
            T, "limit_to", rows[-1].get("limit_to"), num(summary.get("to")), "the top of the range (to)", len(rows) + 1
        )
        ck.number(S, "from", summary.get("from"), num(rows[0].get("limit_from")), "the lowest limit_from")
        ck.number(S, "to", summary.get("to"), num(rows[-1].get("limit_to")), "the highest limit_to")
    ck.number(S, "covered_from", summary.get("covered_from"), num(summary.get("from")), "from")


class _Event(NamedTuple):
    """One row of ladder.csv, recomputed from frontier.csv."""

    option_id: str
    partner_id: str
    sector_id: str
    event: str
    at_limit: float | None
    objective_at: float


def _check_ladder(ctx: Context, found: list[_Segment]) -> None:
    ck, sc = ctx.ck, ctx.scenario
    order = {o: i for i, o in enumerate(map(str, sc.options.index))}
    opts = sc.options
    want: list[_Event] = []
    previous: set[str] = set()
    for _, row, point, objective in found:
        now = set(point.ids)
        for event, ids in (("enter", now - previous), ("exit", previous - now)):
            for oid in sorted(ids, key=order.__getitem__):
                partner, sector = (str(opts[col].loc[oid]) for col in ("partner_id", "sector_id"))
                want.append(_Event(oid, partner, sector, event, num(row.get("limit_from")), objective))
        previous = now
    rows = ctx.rows(L)
    ctx.require_columns(L, ("option_id", "partner_id", "sector_id", "event", "at_limit", "objective_at"))
    if len(rows) != len(want):
        ck.bad(L, (), len(rows), len(want), "one row per option entering or exiting")
    for i, (row, exp) in enumerate(zip(rows, want)):
        for col, value in (
            ("option_id", exp.option_id),
            ("partner_id", exp.partner_id),
            ("sector_id", exp.sector_id),
            ("event", exp.event),
        ):
            ck.text(L, col, row.get(col), value, i + 2, "does not recompute from frontier.csv")
        ck.number(L, "at_limit", row.get("at_limit"), exp.at_limit, "the limit of the event", i + 2)
        ck.number(L, "objective_at", row.get("objective_at"), exp.objective_at, "the objective there", i + 2)


def _check_summary(ctx: Context, summary: JsonObject, found: list[_Segment], infeasible: CsvRow | None) -> None:
    ck = ctx.ck
    segments = len(found)
    ck.equal(S, "segments", summary.get("segments"), segments, "the segments with a portfolio")
    ck.equal(
        S, "solves", summary.get("solves"), segments + (infeasible is not None), "one solve per segment (+1 infeasible)"
    )
    ck.equal(
        S,
        "breakpoints",
        summary.get("breakpoints"),
        max(0, segments - 1) + (infeasible is not None and segments > 0),
        "segments − 1 (+1 where the walk ended infeasible)",
    )
    objectives = [seg.objective for seg in found]
    ck.equal(
        S,
        "objective_breakpoints",
        summary.get("objective_breakpoints"),
        sum(abs(b - a) > 1e-9 for a, b in zip(objectives, objectives[1:])),
        "where the objective changes",
    )
    below = None
    if infeasible is not None:
        below = num(found[0].row.get("limit_from")) if found else num(summary.get("to"))
    ck.number(S, "infeasible_below", summary.get("infeasible_below"), below, "where the walk ended infeasible")
    ck.equal(
        S,
        "exact",
        summary.get("exact"),
        all(seg.point.status is Status.OPTIMAL for seg in found),
        "every segment optimal",
    )
    ctx.report.status = f"{segments} segments"


SPEC = KindSpec(
    "frontier",
    "`planner frontier --out DIR`: the exact objective-versus-resource frontier.",
    common_files((T, "one row per limit interval, ascending"), (L, "options entering/exiting")),
    FIELDS,
    recognise_summary("frontier"),
    check,
    _vocabulary,
)
