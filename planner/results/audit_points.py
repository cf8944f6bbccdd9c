"""What every sensitivity folder's check shares: a row that names a portfolio, re-evaluated.

A sweep point, a frontier segment, a tranche, a Monte Carlo sample and an alternative each
report a portfolio (its ids joined by `;`) and figures of it under that row's scenario (the
run's scenario with the row's settings: an axis value, a limit, a perturbed sample). Each
figure is recomputed through the model's one evaluation (`evaluate`) under that scenario;
the portfolio must hold every row of that scenario's model; the status, bound and gap must
be honest (`audit_rules.check_status`). Whether the portfolio is *optimal* there is the
solver's claim: check does not re-solve it (the manifest says so, field by field).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from planner.inputs.scenario import Scenario
from planner.io.runs import MARKER_FILE, SCENARIO_FILE, RunFiles
from planner.io.safety import TRIGGERS
from planner.results.audit import Context, JsonObject, check_inputs, num
from planner.results.audit_fields import digest_fields, marker_fields, scenario_fields
from planner.results.audit_rules import check_status
from planner.results.evaluation import Evaluation, evaluate
from planner.results.manifest import Field, FileSpec, How
from planner.solver.outcome import Status

SEP = ";"
V, U = How.VERIFIED, How.UNVERIFIABLE
S = "summary.json"
NOT_RESOLVED = (
    "the solver's claim that the portfolio is optimal at this row's settings: not re-solved (the command "
    "run again reproduces it); its honesty against the bound is verified"
)
TIMING = "a timing: how long it took on that machine, not a result"
HOW = "how the run was carried out (paths, workers, batches), not a result"


def split_ids(cell: Any) -> list[str]:
    """The option ids of a `;`-joined portfolio cell (a cell neutralised for spreadsheets loses its quote)."""
    text = "" if cell is None else str(cell)
    if text.startswith("'") and text[1:2] != "" and text[1:2] in TRIGGERS:
        text = text[1:]
    return [t for t in text.split(SEP)] if text else []


def join_ids(ids: Iterable[str]) -> str:
    return SEP.join(ids)


@dataclass
class Point:
    """One row's portfolio, as reported and re-evaluated (None without a portfolio)."""

    ids: list[str]
    status: Status | None
    evaluation: Evaluation | None

    @property
    def objective(self) -> float | None:
        return None if self.evaluation is None else self.evaluation.objective


def check_point(
    ctx: Context,
    file: str,
    line: int,
    row: Mapping[str, Any],
    scenario: Scenario,
    *,
    portfolio: str = "portfolio",
    status: str | None = "status",
    objective: str | None = "objective",
    selected: str | None = "selected",
    used: str | None = "{}_used",
    keys: tuple[str, str, str] | None = ("status", "bound", "mip_gap"),
    resources: Iterable[str] | None = None,
) -> Point:
    """Check the figures of one row naming a portfolio, under `scenario` (the row's own)."""
    ck = ctx.ck
    ids = _point_ids(ctx, file, line, row, scenario, portfolio)
    st = Status.of(row.get(status)) if status else None
    if status and not keys:  # with keys, check_status judges it
        ck.mark(file, status)
        if st is None:
            ck.bad(file, status, row.get(status), [s.value for s in Status], "unknown status", line)
    has = st.has_portfolio if st is not None else (bool(ids) or status is None)
    ev = None
    if has:
        ev = _evaluate_point(ctx, file, line, row, scenario, portfolio, ids)
    elif ids:
        said = row.get(status) if status else None  # a row without a status column always has a portfolio
        ck.bad(file, portfolio, row.get(portfolio), "", f"status {said} comes without a portfolio", line)
    if objective:
        ck.number(file, objective, row.get(objective), None if ev is None else ev.objective, "objective", line)
    if selected:
        ck.number(file, selected, row.get(selected), None if ev is None else len(ids), "number of options", line)
    if used:
        for r in scenario.resources if resources is None else resources:
            ck.number(
                file,
                used.format(r),
                row.get(used.format(r)),
                None if ev is None else ev.resource_use[r],
                f"use of {r}",
                line,
            )
    if keys:
        check_status(
            ck,
            file,
            row,
            None if ev is None else ev.objective,
            scenario.config.objective.sense == "max_coverage",
            scenario.config.solver.mip_gap,
            line,
            keys,
        )
    return Point(ids, st, ev)


def _point_ids(
    ctx: Context, file: str, line: int, row: Mapping[str, Any], scenario: Scenario, portfolio: str
) -> list[str]:
    """The row's portfolio: known option ids, each once (an unknown or repeated one is a finding)."""
    ids = split_ids(row.get(portfolio))
    ctx.ck.mark(file, portfolio)
    known = set(map(str, scenario.options.index))
    if [i for i in ids if i not in known] or len(set(ids)) != len(ids):
        ctx.ck.bad(file, portfolio, row.get(portfolio), None, "names an unknown option or one twice", line)
        ids = [i for i in dict.fromkeys(ids) if i in known]
    return ids


def _evaluate_point(
    ctx: Context,
    file: str,
    line: int,
    row: Mapping[str, Any],
    scenario: Scenario,
    portfolio: str,
    ids: list[str],
) -> Evaluation:
    """The portfolio's evaluation under the row's scenario; a row of its model it breaks is a finding."""
    ev = evaluate(scenario, ids)
    broken = ev.violations()
    if broken:
        family, ident, r = broken[0]
        ctx.ck.bad(
            file,
            portfolio,
            row.get(portfolio),
            None,
            f"the portfolio breaks row {family}_{ident} of this row's scenario (activity {r.activity:g}, "
            f"bounds [{r.lower:g}, {r.upper:g}]), so it cannot be its result",
            line,
        )
    return ev


def check_summary_header(ctx: Context, kind: str) -> JsonObject:
    """The keys every sensitivity summary.json starts with; returns the summary."""
    summary, ck, sc = ctx.json(S), ctx.ck, ctx.scenario
    ck.equal(S, "kind", summary.get("kind"), kind, "not this folder's kind")
    ck.equal(S, "scenario", summary.get("scenario"), sc.name, "scenario name differs")
    ck.equal(S, "sense", summary.get("sense"), sc.config.objective.sense, "objective sense differs")
    check_inputs(ctx, S, summary)
    return summary


def counts_of(statuses: Iterable[object]) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in statuses:
        out[str(s)] = out.get(str(s), 0) + 1
    return dict(sorted(out.items()))


def check_run_stats(ctx: Context, points: int) -> None:
    """points_resumed + points_solved_now = the points of the run."""
    summary = ctx.json(S)
    resumed, now = num(summary.get("points_resumed")), num(summary.get("points_solved_now"))
    ok = resumed is not None and now is not None and resumed + now == points
    ctx.ck.mark(S, "points_resumed")
    ctx.ck.mark(S, "points_solved_now")
    if not ok:  # which of the two was edited cannot be told: both are named
        for key in ("points_resumed", "points_solved_now"):
            ctx.ck.bad(
                S,
                key,
                f"{summary.get('points_resumed')} + {summary.get('points_solved_now')}",
                points,
                "points resumed and solved now must add up to the run's points",
            )


def header_fields(kind: str) -> tuple[Field, ...]:
    """summary.json's first keys, the digests, scenario.json and the marker: the same in every sensitivity kind."""
    return (
        Field(S, "kind", V, f"{kind}: the folder's kind"),
        Field(S, "scenario", V, "the scenario's name (scenario.json)"),
        Field(S, "scenario_file", U, "where the scenario was read: a fact of the run; its settings are scenario.json"),
        *digest_fields(S),
        Field(S, "planner_version", U, "the planner version that wrote the run: a fact of the run, not a result"),
        Field(S, "sense", V, "objective.sense of scenario.json"),
        *scenario_fields(),
        *marker_fields(),
    )


def stats_fields() -> tuple[Field, ...]:
    """The journaled commands' run statistics (sweep, montecarlo)."""
    return (
        Field(S, "paths.<path>", U, HOW),
        Field(S, "time_limit_s", U, "a setting as given (each solve's limit)"),
        Field(S, "solve_seconds_total", U, TIMING),
        Field(S, "points_resumed", V, "with points_solved_now, adds up to the run's points"),
        Field(S, "points_solved_now", V, "with points_resumed, adds up to the run's points"),
        Field(S, "wall_seconds", U, TIMING),
        Field(S, "points_per_second", U, TIMING),
        Field(S, "workers", U, HOW),
        Field(S, "scheduler", U, HOW),
    )


def common_files(*tables: tuple[str, str]) -> tuple[FileSpec, ...]:
    return (
        *(FileSpec(name, True, note) for name, note in tables),
        FileSpec(S, True, "the run's settings and totals"),
        FileSpec(SCENARIO_FILE, True, "the base scenario's settings as run"),
        FileSpec(MARKER_FILE, False, "the run-folder marker"),
    )


def recognise_summary(kind: str) -> Callable[[RunFiles], bool]:
    def recognise(files: RunFiles) -> bool:
        summary = files.json.get(S)
        return isinstance(summary, dict) and summary.get("kind") == kind

    return recognise


def path_vocabulary(ctx: Context) -> dict[str, set[str]]:
    return {"path": {"fast", "rebuild", "joint"}}
