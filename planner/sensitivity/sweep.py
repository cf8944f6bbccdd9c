"""`planner sweep`: re-solve a scenario over a grid of settings.

    >>> from planner import load_scenario
    >>> from planner.sensitivity.grid import Vary
    >>> from planner.sensitivity.sweep import SweepOptions, run_sweep
    >>> from planner.sensitivity.write import write_sweep
    >>> result = run_sweep(load_scenario("models/baseline.yaml"), SweepOptions(Vary("limits.budget_musd", [3000, 4000])))
    >>> result.points                       # = result.tables["sweep.csv"]
    >>> write_sweep(result, "outputs/baseline/sweep")

Each grid point is the scenario with the axes' keys set (as `--set` would), solved by an
`Engine` (build once, change numbers in place; rebuild where the structure changes),
in blocks along the last axis where each point starts from the previous point's
portfolio. Output tables (see docs/sensitivity.md):

- `sweep.csv`   — one row per point: `point`, one column per varied key, `status`,
  `objective`, `bound`, `mip_gap`, `selected` (count), `<resource>_used` per resource,
  `portfolio` (selected ids joined by `;`).
- `changes.csv` — one row per option that enters or leaves between neighbouring points
  (points that differ in one varied key by one step): `axis`, `from_point`, `to_point`,
  `from_value`, `to_value`, `option_id`, `partner_id`, `sector_id`, `change` (enter/leave).
- `summary.json` — `kind: sweep`, the axes, status counts, paths taken, throughput.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from planner import __version__
from planner.results.evaluation import selection_vector
from planner.errors import InputError, Problem
from planner.inputs.read import RawInputs
from planner.inputs.scenario import Scenario
from planner.sensitivity.engine import Engine
from planner.sensitivity.executors import Job, Record
from planner.sensitivity.grid import Vary, blocks, cell, check_grid, neighbours, parse_axes, points
from planner.sensitivity.journal import Journal
from planner.sensitivity.points import ScenarioFactory, Source, source_of
from planner.sensitivity.runner import (
    Progress,
    RunResult,
    error_record,
    execute,
    job_key,
    manifest_of,
    r9,
    record_of,
    reload_source,
    status_counts,
)

KIND = "sweep"
SEP = ";"
WARM_BLOCK = 10  # default block with warm starts: long chains of neighbours
COLD_BLOCK = 1  # default without: one point per task balances the workers (hard points cluster)


def check_axes(factory: ScenarioFactory, axes: list[Vary]) -> None:
    """Apply every value of every axis alone, so a bad key or value stops the run before solving."""
    for axis in axes:
        for value in axis.values:
            factory.scenario([(axis.key, value)])


def solve_batch(engine: Engine, job: Job, batch: dict[str, Any]) -> list[Record]:
    """Solve consecutive points, each from the previous portfolio (batch["start"]: ids or None)."""
    engine.reset()
    warm = job.settings.get("warm_start", True)
    start = None if batch["start"] is None or not warm else selection_vector(engine.base, batch["start"])
    out = []
    for index, params in batch["points"]:
        try:
            scenario, changes = engine.scenario(params.items())
            result = engine.solve(scenario, changes, start_x=start, time_limit_s=job.settings.get("time_limit_s"))
        except Exception as exc:  # noqa: BLE001 - a failed point is a result; the run goes on
            out.append(error_record(index, exc))
            continue
        out.append(record_of(index, result))
        if result.has_portfolio and warm:
            start = result.x
    return out


def make_batches(
    grid: list[dict[str, Any]], block_list: list[list[int]], done: dict[int, Record]
) -> list[dict[str, Any]]:
    """Batches for the points not yet done; each run of missing points starts from the latest
    earlier portfolio in its block, exactly as in an uninterrupted run."""
    out = []
    for block in block_list:
        start, run = None, []
        for index in block:
            record = done.get(index)
            if record is None:
                run.append((index, grid[index]))
                continue
            if run:
                out.append({"start": start, "points": run})
                run = []
            if record["objective"] is not None:  # had a portfolio: the next point starts from it
                start = record["selected"]
        if run:
            out.append({"start": start, "points": run})
    return out


@dataclass(frozen=True)
class SweepOptions:
    """How to sweep: the grid, the executor, the journal.

    `vary`: one `Vary` per axis (the first is the outermost loop). Points are solved on
    `workers` local processes (default: all cores) or on a Dask `scheduler` (an address or a
    Client), in blocks of `block_size` along the last axis (default 1; 10 with `warm_start`,
    where each point starts from the previous point's portfolio — off by default: MIP starts
    made HiGHS slower on the benchmark scenarios); `time_limit_s` caps each solve.
    `journal`: the run folder to be — finished points stream to its journal, so an
    interrupted run can be finished by `resume_sweep(journal)` (None: no journal).
    `progress(done, total)` is called as points finish."""

    vary: Vary | Sequence[Vary]
    workers: int | None = None
    scheduler: Any = None
    block_size: int | None = None
    time_limit_s: float | None = None
    warm_start: bool = False
    journal: str | Path | None = None
    progress: Progress | None = None


@dataclass(frozen=True)
class SweepResult(RunResult):
    """A sweep: `tables["sweep.csv"]` (one row per point), `tables["changes.csv"]`, `summary`."""

    @property
    def points(self) -> pd.DataFrame:
        return self.tables["sweep.csv"]

    @property
    def changes(self) -> pd.DataFrame:
        return self.tables["changes.csv"]


def run_sweep(scenario: Scenario, options: SweepOptions) -> SweepResult:
    """Solve every point of the grid `options.vary` over `scenario` (validated, as
    `planner.load_scenario` returns it, or changed in memory since) and return the tables
    (see the module doc); `planner.sensitivity.write.write_sweep` writes them."""
    axes = check_grid(options.vary)
    block_size = options.block_size
    if block_size is None:
        block_size = WARM_BLOCK if options.warm_start else COLD_BLOCK
    if block_size < 1:
        raise InputError(Problem(file="--block-size", value=block_size, message="must be at least 1"))
    source = source_of(scenario)
    factory = ScenarioFactory(source.raw, source.scenario)
    check_axes(factory, axes)
    journal = None
    if options.journal is not None:
        manifest = manifest_of(
            source,
            KIND,
            axes=[{"key": a.key, "values": list(a.values)} for a in axes],
            block_size=block_size,
            time_limit_s=options.time_limit_s,
            warm_start=options.warm_start,
        )
        journal = Journal.start(options.journal, manifest)
    run = _Run(block_size, options.time_limit_s, options.warm_start, options.workers, options.scheduler)
    return _sweep(source, factory, axes, journal, run, options.progress, source.scenario.config.to_plain())


def resume_sweep(
    run_dir: str | Path, *, workers: int | None = None, scheduler: Any = None, progress: Progress | None = None
) -> SweepResult:
    """Finish an interrupted `run_sweep` from its journal in `run_dir`, solving only the points
    it lacks (the settings come from the journal; `workers`/`scheduler` may differ); write the
    result to `run_dir` with `write_sweep`."""
    journal = Journal.open(run_dir, KIND)
    manifest = journal.manifest
    source = reload_source(manifest, journal)
    if "axes" in manifest:
        axes = check_grid([Vary(a["key"], a["values"]) for a in manifest["axes"]])
    else:  # a journal from before runs took typed axes: the --vary texts
        axes = parse_axes(manifest["vary"])
    factory = ScenarioFactory(source.raw, source.scenario)
    check_axes(factory, axes)
    run = _Run(manifest["block_size"], manifest["time_limit_s"], manifest.get("warm_start", True), workers, scheduler)
    return _sweep(source, factory, axes, journal, run, progress, manifest.get("config"))


@dataclass(frozen=True)
class _Run:
    block_size: int
    time_limit_s: float | None
    warm_start: bool
    workers: int | None
    scheduler: Any


def _sweep(
    source: Source,
    factory: ScenarioFactory,
    axes: list[Vary],
    journal: Journal | None,
    run: _Run,
    progress: Progress | None,
    config: dict[str, Any] | None,
) -> SweepResult:
    raw = source.raw
    grid = points(axes)
    block_list = blocks(axes, run.block_size)
    settings = {"time_limit_s": run.time_limit_s, "warm_start": run.warm_start}
    job = Job(job_key(raw, KIND, settings), source, settings, raw.config.solver.threads)
    done, stats = execute(
        job,
        solve_batch,
        lambda d: make_batches(grid, block_list, d),
        journal,
        len(grid),
        workers=run.workers,
        scheduler=run.scheduler,
        progress=progress,
    )
    records = [done[i] for i in range(len(grid))]
    tables = {
        "sweep.csv": sweep_table(factory, axes, grid, records),
        "changes.csv": changes_table(factory, axes, grid, records),
    }
    summary = sweep_summary(raw, factory, axes, records, tables, stats, run.block_size, run.time_limit_s)
    summary["warm_start"] = run.warm_start
    return SweepResult(summary, tables, config)


def sweep_table(
    factory: ScenarioFactory, axes: list[Vary], grid: list[dict[str, Any]], records: list[Record]
) -> pd.DataFrame:
    resources = factory.base.resources
    rows = []
    for index, (params, r) in enumerate(zip(grid, records)):
        row: dict[str, Any] = {"point": index, **{a.key: cell(params[a.key]) for a in axes}}
        row.update(
            status=r["status"],
            objective=r9(r["objective"]),
            bound=r9(r["bound"]),
            mip_gap=r9(r["mip_gap"]),
            selected=len(r["selected"]) if r["objective"] is not None else None,
        )
        for res in resources:
            row[f"{res}_used"] = r9(r["resource_use"].get(res))
        row["portfolio"] = SEP.join(r["selected"])
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["selected"] = frame["selected"].astype("Int64")  # blank where a point has no portfolio
    return frame


def changes_table(
    factory: ScenarioFactory, axes: list[Vary], grid: list[dict[str, Any]], records: list[Record]
) -> pd.DataFrame:
    opts = factory.base.options
    order = {oid: i for i, oid in enumerate(opts.index)}
    rows = []
    for k, i, j in neighbours(axes):
        a, b = records[i], records[j]
        if a["objective"] is None or b["objective"] is None:
            continue
        before, after = set(a["selected"]), set(b["selected"])
        key = axes[k].key
        for change, ids in (("enter", after - before), ("leave", before - after)):
            for oid in sorted(ids, key=order.__getitem__):
                rows.append(
                    {
                        "axis": key,
                        "from_point": i,
                        "to_point": j,
                        "from_value": cell(grid[i][key]),
                        "to_value": cell(grid[j][key]),
                        "option_id": oid,
                        "partner_id": opts.at[oid, "partner_id"],
                        "sector_id": opts.at[oid, "sector_id"],
                        "change": change,
                    }
                )
    columns = [
        "axis",
        "from_point",
        "to_point",
        "from_value",
        "to_value",
        "option_id",
        "partner_id",
        "sector_id",
        "change",
    ]
    return pd.DataFrame(rows, columns=columns)


def sweep_summary(
    raw: RawInputs,
    factory: ScenarioFactory,
    axes: list[Vary],
    records: list[Record],
    tables: dict[str, pd.DataFrame],
    stats: dict[str, Any],
    block_size: int,
    time_limit_s: float | None,
) -> dict[str, Any]:
    solved = [r for r in records if r["objective"] is not None]
    counts: dict[str, int] = {}
    for r in solved:
        for oid in r["selected"]:
            counts[oid] = counts.get(oid, 0) + 1
    ids = list(factory.base.options.index)
    paths = {"fast": sum(r["path"] == "fast" for r in records), "rebuild": sum(r["path"] == "rebuild" for r in records)}
    objectives = [r["objective"] for r in solved]
    return {
        "kind": KIND,
        "scenario": raw.config.name,
        "scenario_file": str(raw.scenario_file),
        "input_sha256": raw.input_sha256,
        "tables_sha256": raw.tables_sha256,
        "planner_version": __version__,
        "sense": raw.config.objective.sense,
        "axes": [{"key": a.key, "values": list(a.values)} for a in axes],
        "points": len(records),
        "status_counts": status_counts(records),
        "objective": {"min": r9(min(objectives)), "max": r9(max(objectives))} if objectives else None,
        "options_always": [o for o in ids if solved and counts.get(o, 0) == len(solved)],
        "options_sometimes": [o for o in ids if 0 < counts.get(o, 0) < len(solved)],
        "changes": int(len(tables["changes.csv"])),
        "paths": paths,
        "block_size": block_size,
        "time_limit_s": time_limit_s,
        "solve_seconds_total": round(sum(r["solve_seconds"] for r in records), 3),
        **stats,
    }
