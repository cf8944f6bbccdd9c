"""The `pareto` run folder (`planner pareto --out DIR`): its manifest and its check.

Recomputes, for every row of pareto.csv, each objective's value from the listed portfolio
and the inputs through the numpy face (`planner.pareto.objectives.numpy_value`, the same
definition the run used), never the solver; checks that the portfolio obeys every row of
the model (`Evaluation.violations`), that no listed point dominates or repeats another,
that `entered_ids` / `left_ids` are the differences from the previous row, that
`supported` (two objectives) is what the listed points' convex hull says, and that
summary.json agrees with the table (`points_count`, objectives).

What a check cannot verify without solving again is listed in `UNVERIFIABLE` and in the
report: that no non-dominated point is missing (the method's exactness, docs/pareto.md),
that each point's portfolio is the least-cost one with its values, and that a point is
non-dominated by portfolios the run did not list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from planner.errors import InputError, Problem
from planner.io.runs import MARKER_FILE, SCENARIO_FILE, read_json
from planner.results.audit import CheckReport, Context, CsvRow, JsonObject, as_list, check_inputs, check_run, num
from planner.results.audit_fields import marker_fields, scenario_fields
from planner.results.audit_points import recognise_summary, split_ids
from planner.results.evaluation import evaluate
from planner.results.manifest import Field, FileSpec, How, KindSpec
from planner.pareto.objectives import ObjectiveSpec, Sense, numpy_value
from planner.pareto.run import supported_flags

V, U = How.VERIFIED, How.UNVERIFIABLE
CSV, SUMMARY = "pareto.csv", "summary.json"
KIND = "pareto"
FILES_WRITTEN = [CSV, SUMMARY, SCENARIO_FILE]
VERIFIED = (
    "pareto.csv: each objective's value per point, recomputed from its portfolio and the inputs (numpy face)",
    "pareto.csv: each portfolio obeys every row of the model (rules, limits, targets)",
    "pareto.csv: no point dominates or repeats another",
    "pareto.csv: entered_ids / left_ids against the previous point; options = number selected",
    "pareto.csv: supported (two objectives) from the listed points' convex hull",
    "summary.json: points_count and objectives match pareto.csv",
)
UNVERIFIABLE = (
    "that no non-dominated point is missing (needs the solver; see docs/pareto.md for the proof)",
    "that each point's portfolio is the least-cost one among those with its values",
    "lexicographic optimality of each point against portfolios the run did not list",
)
HOW = "how the run went, not what it found"
METHOD = "the method's account (docs/pareto.md): that no point is missing needs the solver, not re-solved by check"

FIELDS: tuple[Field, ...] = (
    Field(SUMMARY, "kind", V, "pareto: the folder's kind"),
    Field(SUMMARY, "scenario", V, "the scenario's name (scenario.json)"),
    Field(SUMMARY, "objectives[].label", V, "the label of its kind and id; a column of pareto.csv"),
    Field(SUMMARY, "objectives[].kind", U, "--objectives as given: every value is recomputed by it"),
    Field(SUMMARY, "objectives[].id", U, "--objectives as given: every value is recomputed by it"),
    Field(SUMMARY, "objectives[].sense", V, "the sense of its kind (maximised or minimised)"),
    Field(SUMMARY, "complete", U, METHOD),
    Field(SUMMARY, "stop", U, "what stopped an incomplete run (--max-points, --time-limit): " + HOW),
    Field(SUMMARY, "covered", U, "null for a complete run; else the range listed completely: " + METHOD),
    Field(SUMMARY, "covered.<key>", U, "the range an incomplete run lists completely: " + METHOD),
    Field(SUMMARY, "points_count", V, "the rows of pareto.csv"),
    Field(
        SUMMARY, "resolution.<objective>.step", U, "the step the ε-constraints took (the data's resolution): " + METHOD
    ),
    Field(SUMMARY, "resolution.<objective>.exact", U, "whether that step is exact: " + METHOD),
    Field(SUMMARY, "solves", U, HOW),
    Field(SUMMARY, "lexicographic_solves", U, HOW),
    Field(SUMMARY, "seconds", U, "a timing: how long it took on that machine, not a result"),
    Field(
        SUMMARY, "scenario_file", U, "where the scenario was read: a fact of the run; its settings are scenario.json"
    ),
    Field(
        SUMMARY,
        "input_sha256",
        V,
        "recomputed from scenario.json's settings and the input tables' bytes",
        blame=SCENARIO_FILE,
    ),
    Field(SUMMARY, "planner_version", U, "the planner version that wrote the run: a fact of the run, not a result"),
    Field(SUMMARY, "files", V, "pareto.csv, summary.json, scenario.json: the files a Pareto run writes"),
    Field(CSV, "point", V, "1, 2, …: the row's place"),
    Field(
        CSV,
        "<objective>",
        V,
        "the objective's value, recomputed from the portfolio (numpy face); no point dominates or repeats another",
    ),
    Field(CSV, "supported", V, "two objectives: on the listed points' convex hull (blank for three)"),
    Field(CSV, "options", V, "the number of selected_ids"),
    Field(CSV, "selected_ids", V, "known option ids; the portfolio obeys every row of the model (numpy face)"),
    Field(CSV, "entered_ids", V, "selected here and not at the previous point (none at the first)"),
    Field(CSV, "left_ids", V, "selected at the previous point and not here (none at the first)"),
    Field(CSV, "start_years", V, "under rules.phasing: a year of the horizon per selected option (option:year)"),
    *scenario_fields(),
    *marker_fields(),
)

FILES = (
    FileSpec(CSV, True, "one row per non-dominated point"),
    FileSpec(SUMMARY, True, "the objectives, the run's account, the digest"),
    FileSpec(SCENARIO_FILE, True, "the settings as run"),
    FileSpec(MARKER_FILE, False, "the run-folder marker"),
)


def _vocabulary(ctx: Context) -> dict[str, set[str]]:
    labels = {str(o.get("label")) for o in as_list(ctx.json(SUMMARY).get("objectives")) if isinstance(o, dict)}
    return {"objective": labels, "key": {"objective", "side", "value"}}


def is_pareto_run(run_dir: str | Path) -> bool:
    """Does summary.json say this folder is a Pareto run?"""
    try:
        data = read_json(Path(run_dir) / SUMMARY)
    except InputError:
        return False
    return isinstance(data, dict) and data.get("kind") == KIND


def check_pareto(
    run_dir: str | Path, scenario: str | Path | None = None, overrides: tuple[str, ...] = ()
) -> CheckReport:
    """Every checkable figure of a Pareto run folder (see the module doc)."""
    return check_run(run_dir, scenario, overrides)


# ---------------------------------------------------------------- the check


Value = Callable[[NDArray[np.int8], NDArray[np.int64] | None], float]


@dataclass
class _Front:
    """What the check of pareto.csv carries from row to row."""

    specs: list[ObjectiveSpec]
    values: list[Value]
    hs: list[tuple[float, ...]] = field(default_factory=list)  # each point's values, all maximised
    previous: list[str] | None = None  # the previous point's portfolio


def _specs(ctx: Context, summary: JsonObject) -> list[ObjectiveSpec]:
    try:
        return [ObjectiveSpec.from_dict(o) for o in as_list(summary.get("objectives"))]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            Problem(
                file=str(ctx.files.folder / SUMMARY),
                value=summary.get("objectives"),
                message=f"objectives cannot be read: {exc}",
            )
        ) from None


def check(ctx: Context) -> None:
    summary, ck, sc = ctx.json(SUMMARY), ctx.ck, ctx.scenario
    ctx.report.status = "complete" if summary.get("complete") else "incomplete"
    ck.equal(SUMMARY, "kind", summary.get("kind"), KIND, "not this folder's kind")
    ck.equal(SUMMARY, "scenario", summary.get("scenario"), sc.name, "scenario name differs")
    check_inputs(ctx, SUMMARY, summary)
    ck.equal(SUMMARY, "files", summary.get("files"), FILES_WRITTEN, "not the files a Pareto run writes")
    specs = _specs(ctx, summary)
    for k, (spec, entry) in enumerate(zip(specs, as_list(summary.get("objectives")))):
        ck.equal(SUMMARY, ("objectives", k, "label"), entry.get("label"), spec.label, "not its kind and id's label")
        ck.equal(SUMMARY, ("objectives", k, "sense"), entry.get("sense"), spec.sense.value, "not its kind's sense")
    labels = [s.label for s in specs]
    header, rows = ctx.header(CSV), ctx.rows(CSV)
    missing = [label for label in labels if label not in header]
    if missing:
        ctx.require_columns(CSV, missing)
        return
    ctx.require_columns(CSV, ("point", "supported", "options", "selected_ids", "entered_ids", "left_ids"))
    if sc.config.rules.phasing is not None and any(split_ids(r.get("selected_ids")) for r in rows):
        ctx.require_columns(CSV, ("start_years",))  # written whenever a point selects an option
    front = _Front(specs, [numpy_value(sc, s) for s in specs])
    for n, row in enumerate(rows, start=1):
        _check_point(ctx, front, n, row)
    _check_front(ctx, front, rows)
    ck.equal(SUMMARY, "points_count", summary.get("points_count"), len(rows), "not the number of rows in pareto.csv")
    ctx.report.verified.extend(VERIFIED)
    ctx.report.verified.extend(f"not verifiable without solving: {u}" for u in UNVERIFIABLE)


def _starts(ctx: Context, n: int, row: CsvRow, chosen: list[str]) -> dict[str, int] | None:
    """The row's start years (rules.phasing): one year of the horizon per selected option."""
    phasing = ctx.scenario.config.rules.phasing
    if phasing is None:
        return None
    cell = row.get("start_years") or ""
    ctx.ck.mark(CSV, "start_years")
    years: dict[str, int] = {}
    for item in filter(None, cell.split(";")):
        option, _, year = item.partition(":")
        got = num(year)
        if got is not None and got == got and got == int(got):
            years[option] = int(got)
    if set(years) != set(chosen) or any(y not in phasing.years for y in years.values()):
        ctx.ck.bad(
            CSV, "start_years", cell, f"{phasing.start}–{phasing.end}", "one start year per selected option", n + 1
        )
        return {o: years[o] if years.get(o) in phasing.years else phasing.start for o in chosen}
    return years


def _check_point(ctx: Context, front: _Front, n: int, row: CsvRow) -> None:
    """One row: its portfolio obeys the model, each objective's value recomputes, and what changed."""
    ck, sc, line = ctx.ck, ctx.scenario, n + 1
    ck.number(CSV, "point", row.get("point"), n, "the point's place", line)
    chosen = split_ids(row.get("selected_ids"))
    ck.mark(CSV, "selected_ids")
    known = set(sc.option_ids())
    unknown = [o for o in chosen if o not in known]
    if unknown:
        ck.bad(CSV, "selected_ids", unknown, None, "options not in the scenario", line)
        return
    starts = _starts(ctx, n, row, chosen)
    ids = sc.option_ids()
    x = np.array([1 if o in set(chosen) else 0 for o in ids], dtype=np.int8)
    start = np.array([starts.get(o, 0) for o in ids], dtype=np.int64) if starts else None
    ev = evaluate(sc, starts if starts else chosen)
    for family, ident, rv in ev.violations():
        ck.bad(CSV, "selected_ids", f"{family} {ident}", rv, "the portfolio breaks a row of the model", line)
    h = []
    for spec, value in zip(front.specs, front.values):
        got = value(x, start)
        ck.number(CSV, spec.label, row.get(spec.label), round(got, 9), "value", line)
        h.append(got if spec.sense is Sense.MAX else -got)
    front.hs.append(tuple(h))
    ck.number(CSV, "options", row.get("options"), len(chosen), "the number of selected options", line)
    previous = chosen if front.previous is None else front.previous  # the first point: nothing entered or left
    for column, expect in (
        ("entered_ids", [o for o in chosen if o not in previous]),
        ("left_ids", [o for o in previous if o not in set(chosen)]),
    ):
        got_ids = split_ids(row.get(column))
        ck.mark(CSV, column)
        if sorted(got_ids) != sorted(expect):
            ck.bad(CSV, column, got_ids, expect, "not the change from the previous point", line)
    front.previous = chosen


def _check_front(ctx: Context, front: _Front, rows: list[CsvRow]) -> None:
    """No point dominates or repeats another; `supported` as the hull says (two objectives)."""
    ck, hs = ctx.ck, front.hs
    first = front.specs[0].label if front.specs else "point"

    def tol(a: float, b: float) -> float:
        return 1e-9 * max(1.0, abs(a), abs(b))

    for i, a in enumerate(hs):
        for j, b in enumerate(hs):
            if i != j and all(p >= q - tol(p, q) for p, q in zip(a, b)):
                ck.mark(CSV, first)
                same = all(abs(p - q) <= tol(p, q) for p, q in zip(a, b))
                if same and i < j:
                    ck.bad(CSV, first, f"rows {i + 2} and {j + 2}", "distinct points", "a point is listed twice", i + 2)
                elif not same:
                    ck.bad(CSV, first, "non-dominated", f"dominates row {j + 2}", "a listed point is dominated", i + 2)
    if len(hs) != len(rows) or not hs:
        return
    if len(front.specs) != 2:
        for k, row in enumerate(rows):
            ck.text(CSV, "supported", row.get("supported"), "", k + 2, "blank for three objectives")
        return
    order = sorted(range(len(hs)), key=lambda k: tuple(-v for v in hs[k]))
    for k, flag in zip(order, supported_flags([hs[k] for k in order])):
        ck.flag(CSV, "supported", rows[k].get("supported"), flag, "not what the convex hull says: supported", k + 2)


SPEC = KindSpec(
    "pareto",
    "`planner pareto --out DIR`: the exact Pareto front of two or three objectives.",
    FILES,
    FIELDS,
    recognise_summary(KIND),
    check,
    _vocabulary,
)
