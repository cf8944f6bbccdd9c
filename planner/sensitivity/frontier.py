"""`planner frontier`: the exact objective-versus-resource frontier (ε-constraint).

The limit on one resource r is the ε. If the optimal portfolio P at limit L uses
U = use_r(P) ≤ L, then P is optimal — and is the portfolio `planner solve` returns — for
every limit in [U, L]: every portfolio feasible at a smaller limit was feasible at L, P
is still feasible, and among the optima P stays the least-cost one (the tie-break). So
one solve settles the whole interval, and the next solve is at a limit just below U
(U − δ, δ = 1e-6·max(1, U), well above HiGHS's feasibility tolerance). Walking down from
the top of the range, every solve finds a new breakpoint — the number of solves is the
number of portfolios on the frontier, plus one when the walk ends infeasible:

    L ← to;  repeat: P ← solve(limit_r = L); U ← use_r(P); record P on [U, L]; L ← U − δ
    until L < from, or no portfolio exists (then every limit below U is infeasible).

U counts what the limit rows charge beyond the options' own use (a re-plan's drop costs on r,
`planner.model.rules.replan.charged_beyond_use`). Portfolios whose uses differ by less than δ are not told apart. A solve stopped by its
time limit is recorded as `feasible` and makes the frontier inexact (`exact: false`).

Tables: `frontier.csv` (one row per interval, ascending), `ladder.csv` (the limit at which
each option enters or exits as the limit rises), `summary.json` (`kind: frontier`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from planner import __version__
from planner.errors import InputError, Problem
from planner.inputs.read import RawInputs
from planner.inputs.scenario import Scenario
from planner.sensitivity.engine import Engine
from planner.sensitivity.executors import default_workers
from planner.sensitivity.points import Source, source_of
from planner.sensitivity.runner import Progress, RunResult, r9
from planner.sensitivity.walk import Walk, replay, walkers
from planner.solver.outcome import Status

KIND = "frontier"
SEP = ";"
MAX_SOLVES = 100_000


def frontier_engine(source: Source, resource: str, hi: float | None) -> tuple[Engine, float]:
    """An engine whose base limits `resource` at the top of the range `hi` (default: the
    scenario's limit, else what every option together uses), and that top."""
    raw = source.raw
    engine = Engine.of(source)
    base = engine.base
    limits = base.config.limits
    if resource not in base.resources:
        if resource not in base.options.columns:
            raise InputError(
                Problem(
                    file="--resource",
                    value=resource,
                    message=f"not a column of the options table; resources here: {', '.join(base.resources)}",
                )
            )
        # validate it as a limited resource (a numeric column ≥ 0), with the file, row, column of any bad cell
        engine = Engine(dataclasses.replace(raw, config=engine.factory.config([(f"limits.{resource}", 0)])))
        base = engine.base
    if hi is None:
        hi = float(limits[resource]) if resource in limits else float(base.options[resource].sum())
    if float(base.config.limits.get(resource, float("nan"))) == hi:
        return engine, hi
    return Engine(dataclasses.replace(raw, config=engine.factory.config([(f"limits.{resource}", hi)]))), hi


@dataclass(frozen=True)
class FrontierOptions:
    """Which frontier: the objective against `limits.<resource>` (any numeric column of the
    options table, limited by the scenario or not) from `hi` down to `lo` (`lo` defaults to 0,
    `hi` to the scenario's limit, else what every option together uses); at most `max_solves`
    solves (then the frontier covers only the top of the range); `time_limit_s` caps each
    solve; `workers`: threads walking the range (default: the cores; one with `max_solves`),
    each with a live model of its own (`planner.sensitivity.walk`) — the frontier is the same
    with any number. `progress(done, total)` is called as solves finish."""

    resource: str
    lo: float | None = None
    hi: float | None = None
    time_limit_s: float | None = None
    max_solves: int | None = None
    workers: int | None = None
    progress: Progress | None = None


@dataclass(frozen=True)
class FrontierResult(RunResult):
    """A frontier: `tables["frontier.csv"]` (one row per interval), `tables["ladder.csv"]`, `summary`."""

    @property
    def segments(self) -> pd.DataFrame:
        return self.tables["frontier.csv"]

    @property
    def ladder(self) -> pd.DataFrame:
        return self.tables["ladder.csv"]

    @property
    def complete(self) -> bool:
        """False when `max_solves` stopped the walk above the lowest limit asked."""
        return bool(self.summary["complete"])


def _check(options: FrontierOptions) -> float:
    """`lo` (default 0), once the range and the number of workers are valid."""
    lo = 0.0 if options.lo is None else float(options.lo)
    hi, workers = options.hi, options.workers
    if lo < 0 or (hi is not None and hi < lo):
        raise InputError(Problem(file="--from/--to", value=f"{lo}..{hi}", message="need 0 ≤ --from ≤ --to"))
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InputError(Problem(file="--workers", value=workers, message="must be a whole number of at least 1"))
    return lo


def run_frontier(scenario: Scenario, options: FrontierOptions) -> FrontierResult:
    """Walk the frontier (see the module doc and `FrontierOptions`) of `scenario` (validated, as
    `planner.load_scenario` returns it, or changed in memory since) and return frontier.csv,
    ladder.csv and the summary; `planner.sensitivity.write.write_frontier` writes them."""
    lo = _check(options)
    source = source_of(scenario)
    raw, resource = source.raw, options.resource
    t0 = time.perf_counter()
    engine, hi = frontier_engine(source, resource, options.hi)
    if hi < lo:
        raise InputError(Problem(file="--from", value=lo, message=f"--from is above the top of the range ({hi:g})"))
    max_solves = options.max_solves
    cap = MAX_SOLVES if max_solves is None else max(1, min(MAX_SOLVES, max_solves))
    n = 1 if max_solves is not None else options.workers or default_workers()  # a capped walk is the top's: one walker
    team = walkers(engine, resource, n, options.time_limit_s)
    runs = Walk(team, lo, hi, cap, options.progress).run()
    points, end, limit = replay(runs, lo, hi, cap, team[0].exact, lambda at: team[0].solve(at, None))
    found: list[dict[str, Any]] = [
        {"limit_to": p.limit, "used": p.used, "result": p.result} for p in points
    ]  # walked from the top down
    infeasible_below = None if end is None else {"limit_to": end.limit, "status": end.result.status}
    paths = {"fast": 0, "rebuild": 0}
    for p in points + ([end] if end else []):
        paths[p.result.path] += 1
    complete = infeasible_below is not None or limit < lo
    if not complete:  # stopped by max_solves: the walk covers [lowest use found, hi] only
        lo = found[-1]["used"]
    segments = list(reversed(found))
    tables = {
        "frontier.csv": frontier_table(engine, resource, segments, infeasible_below, lo),
        "ladder.csv": ladder_table(engine, segments, lo),
    }
    summary = _summary(raw, options, tables, segments, infeasible_below, (lo, hi), complete, paths)
    summary["wall_seconds"] = round(time.perf_counter() - t0, 3)
    summary["time_limit_s"] = options.time_limit_s
    return FrontierResult(summary, tables, raw.config)


def _summary(
    raw: RawInputs,
    options: FrontierOptions,
    tables: dict[str, pd.DataFrame],
    segments: list[dict[str, Any]],
    infeasible_below: dict[str, Any] | None,
    span: tuple[float, float],
    complete: bool,
    paths: dict[str, int],
) -> dict[str, Any]:
    """summary.json of a frontier (its keys in their written order; the caller adds the seconds)."""
    lo, hi = span
    frame = tables["frontier.csv"]
    portfolios = frame[frame["objective"].notna()]
    objective_breaks = int((portfolios["objective"].diff().abs() > 1e-9).sum())
    return {
        "kind": KIND,
        "scenario": raw.config.name,
        "scenario_file": str(raw.scenario_file),
        "input_sha256": raw.input_sha256,
        "tables_sha256": raw.tables_sha256,
        "planner_version": __version__,
        "sense": raw.config.objective.sense,
        "resource": options.resource,
        "from": lo,
        "to": hi,
        "solves": len(segments) + (infeasible_below is not None),
        "segments": len(segments),
        "breakpoints": max(0, len(segments) - 1) + (infeasible_below is not None and bool(segments)),
        "objective_breakpoints": objective_breaks,
        "infeasible_below": None if infeasible_below is None else r9(segments[0]["used"]) if segments else hi,
        "exact": all(s["result"].status == Status.OPTIMAL for s in segments),
        "complete": complete,
        "covered_from": r9(lo),
        "paths": paths,
    }


def frontier_table(
    engine: Engine, resource: str, segments: list[dict[str, Any]], infeasible: dict[str, Any] | None, lo: float
) -> pd.DataFrame:
    """One row per limit interval, ascending: the portfolio optimal for limit_from ≤ limit <
    limit_to (≤ for the top interval, whose limit_to is the top of the range)."""
    resources = engine.base.resources
    rows = []
    if infeasible is not None:
        top = segments[0]["used"] if segments else infeasible["limit_to"]
        rows.append(
            {
                "segment": 0,
                "status": Status.INFEASIBLE,
                "limit_from": r9(lo),
                "limit_to": r9(top),
                "objective": None,
                "bound": None,
                "mip_gap": None,
                "selected": None,
                **{f"{r}_used": None for r in resources},
                "entered": "",
                "left": "",
                "portfolio": "",
            }
        )
    previous: list[str] = []
    for i, seg in enumerate(segments):
        res = seg["result"]
        upper = segments[i + 1]["used"] if i + 1 < len(segments) else seg["limit_to"]
        selected = list(res.selected)
        rows.append(
            {
                "segment": len(rows),
                "status": res.status,
                "limit_from": r9(max(seg["used"], lo)),
                "limit_to": r9(upper),
                "objective": r9(res.objective),
                "bound": r9(res.bound),
                "mip_gap": r9(res.mip_gap),
                "selected": len(selected),
                **{f"{r}_used": r9(res.resource_use[r]) for r in resources},
                "entered": SEP.join(o for o in selected if o not in previous),
                "left": SEP.join(o for o in previous if o not in selected),
                "portfolio": SEP.join(selected),
            }
        )
        previous = selected
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["selected"] = frame["selected"].astype("Int64")
    return frame


def ladder_table(engine: Engine, segments: list[dict[str, Any]], lo: float) -> pd.DataFrame:
    """The limit at which each option enters or exits the optimal portfolio as the limit rises."""
    opts = engine.base.options
    order = {o: i for i, o in enumerate(opts.index)}
    rows: list[dict[str, Any]] = []
    previous: set[str] = set()
    for seg in segments:
        res = seg["result"]
        at = r9(max(seg["used"], lo))
        now = set(res.selected)
        for event, ids in (("enter", now - previous), ("exit", previous - now)):
            for oid in sorted(ids, key=order.__getitem__):
                rows.append(
                    {
                        "option_id": oid,
                        "partner_id": opts.at[oid, "partner_id"],
                        "sector_id": opts.at[oid, "sector_id"],
                        "event": event,
                        "at_limit": at,
                        "objective_at": r9(res.objective),
                    }
                )
        previous = now
    return pd.DataFrame(rows, columns=["option_id", "partner_id", "sector_id", "event", "at_limit", "objective_at"])
