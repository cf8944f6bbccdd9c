"""What every batch command shares: a job, its journal, its executor, its result.

`execute` runs the batches that the journal (if the run keeps one) does not already hold and
appends each finished batch to it; a run returns a `RunResult`, and
`planner.sensitivity.write` writes it (whole, atomically) and drops the journal. Records are plain JSON-able dicts with an `index`; `record_of` turns a
`PointResult` into one.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd

from planner import __version__
from planner.errors import InputError, Problem
from planner.inputs.config import ScenarioConfig, parse_config
from planner.inputs.read import RawInputs, load_raw, raw_from_config
from planner.inputs.validate import validate
from planner.io.runs import SCENARIO_FILE, scenario_record
from planner.io.numbers import json_text
from planner.io.runfolder import atomic_dir, default_run_dir, safe_child, write_csv
from planner.results.result import ROUND
from planner.sensitivity.engine import PointResult
from planner.sensitivity.executors import Job, Record, TaskFn, default_workers, run_batches
from planner.sensitivity.journal import Journal
from planner.sensitivity.points import Source
from planner.solver.outcome import Status

Progress = Callable[[int, int | None], None]  # (points done, points in all; None: not known yet)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a journaled run: every finished batch is kept for `--resume out_dir`."""

    def __init__(self, out_dir: Path, done: int, total: int) -> None:
        super().__init__(f"interrupted after {done} of {total} points")
        self.out_dir, self.done, self.total = out_dir, done, total


@dataclass(frozen=True)
class RunResult:
    """What a sensitivity run returns, written nowhere yet: its summary (summary.json), its
    tables (file name → DataFrame) and the base scenario's settings as run (scenario.json; None
    for a run resumed from a journal older than that file; `planner.sensitivity.write` writes
    the three into a run folder)."""

    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    config: ScenarioConfig | dict[str, Any] | None

    @property
    def kind(self) -> str:
        return str(self.summary["kind"])


def default_out_dir(scenario_name: str, kind: str, root: str | Path = "outputs") -> Path:
    """outputs/<scenario>/<kind>-<UTC timestamp>/ (the name is checked by `default_run_dir`)."""
    plain = default_run_dir(scenario_name, root)
    return plain.parent / f"{kind}-{plain.name}"


def job_key(raw: RawInputs, kind: str, settings: dict[str, Any]) -> str:
    text = json.dumps({"kind": kind, "sha": raw.input_sha256, "settings": settings}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def manifest_of(source: Source, kind: str, **settings: Any) -> dict[str, Any]:
    """A journal's manifest: the run's kind, its scenario's file and merged settings (so
    `--resume` re-reads the same inputs), their hash, the command's own settings, and
    `from_files: false` when the tables were changed in memory (such a run cannot resume)."""
    scenario = source.scenario
    return {
        "kind": kind,
        "scenario_file": str(scenario.scenario_file),
        "config": scenario.config.to_plain(),
        **settings,
        "input_sha256": scenario.input_sha256,
        "planner_version": __version__,
        **({} if source.from_files else {"from_files": False}),
    }


def reload_source(manifest: dict[str, Any], journal: Journal) -> Source:
    """The `Source` of a journaled run: its files read again and validated (see `reload`)."""
    raw = reload(manifest, journal)
    return Source(validate(raw), raw)


def reload(manifest: dict[str, Any], journal: Journal) -> RawInputs:
    """The raw inputs of a journaled run, refusing inputs that changed since it started."""
    file = manifest["scenario_file"]
    if manifest.get("from_files") is False:
        raise InputError(
            Problem(
                file=str(journal.out_dir),
                key="--resume",
                message="this run was made from a scenario changed in memory, whose tables are not on file; "
                "run it again (run_sweep / run_montecarlo with the same Scenario)",
            )
        )
    if "config" in manifest:
        raw = raw_from_config(parse_config(manifest["config"], file), Path(file))
    else:  # a journal from before runs took a Scenario: its file and --set overrides
        raw = load_raw(file, manifest.get("overrides", []))
    if raw.input_sha256 != manifest["input_sha256"]:
        raise InputError(
            Problem(
                file=file,
                key="--resume",
                value=str(journal.out_dir),
                message="the scenario or its tables changed since this run started; start a new run instead",
            )
        )
    return raw


def record_of(index: int, result: PointResult, **extra: Any) -> Record:
    return {
        "index": index,
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "mip_gap": result.mip_gap,
        "selected": list(result.selected),
        "resource_use": result.resource_use,
        "path": result.path,
        "solve_seconds": round(result.solve_seconds, 6),
        "message": result.message,
        **extra,
    }


def error_record(index: int, exc: Exception, **extra: Any) -> Record:
    return {
        "index": index,
        "status": Status.ERROR,
        "objective": None,
        "bound": None,
        "mip_gap": None,
        "selected": [],
        "resource_use": {},
        "path": "",
        "solve_seconds": 0.0,
        "message": str(exc),
        **extra,
    }


def execute(
    job: Job,
    fn: TaskFn,
    make_batches: Callable[[dict[int, Record]], Sequence[Any]],
    journal: Journal | None,
    total: int,
    *,
    workers: int | None,
    scheduler: Any,
    progress: Progress | None,
) -> tuple[dict[int, Record], dict[str, Any]]:
    """Run what the journal lacks (no journal: everything); returns (all records by index, run statistics)."""
    if scheduler is None and workers is None:
        workers = default_workers()
    done = {} if journal is None else journal.records()
    resumed = len(done)
    batches = make_batches(done)
    if progress:
        progress(len(done), total)
    t0 = time.perf_counter()

    def on_batch(records: list[Record]) -> None:
        if journal is not None:
            journal.append(records)
        for r in records:
            done[r["index"]] = r
        if progress:
            progress(len(done), total)

    try:
        run_batches(job, fn, batches, on_batch, workers=workers, scheduler=scheduler)
    except KeyboardInterrupt:
        if journal is None:
            raise
        raise RunInterrupted(journal.out_dir, len(done), total) from None
    seconds = time.perf_counter() - t0
    solved = len(done) - resumed
    stats = {
        "points_resumed": resumed,
        "points_solved_now": solved,
        "wall_seconds": round(seconds, 3),
        "points_per_second": round(solved / seconds, 3) if seconds > 0 and solved else None,
        "workers": None if scheduler is not None else workers,
        "scheduler": scheduler is not None,
    }
    return done, stats


def write_tables(out_dir: Path, tables: dict[str, Any], summary: dict[str, Any], config: Any = None) -> Path:
    """The tables, summary.json and (given the base scenario's settings) scenario.json, at once."""
    with atomic_dir(out_dir, kind=summary["kind"]) as tmp:
        for name, frame in tables.items():
            write_csv(frame, safe_child(tmp, name))
        if config is not None:  # the settings as run, so `planner check` recomputes the figures from them
            safe_child(tmp, SCENARIO_FILE).write_text(scenario_record(config), encoding="utf-8")
        safe_child(tmp, "summary.json").write_text(json_text(summary) + "\n", encoding="utf-8")
    return Path(out_dir)


def r9(value: float | None) -> float | None:
    return None if value is None else round(float(value), ROUND) + 0.0  # + 0.0: no "-0.0" in tables


def status_counts(records: Sequence[Record]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in records:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return dict(sorted(counts.items()))
