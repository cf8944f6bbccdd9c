"""`planner montecarlo`: re-solve under perturbed inputs; how robust is each choice?

    >>> from planner import load_scenario
    >>> from planner.inputs.config import Perturbation
    >>> from planner.sensitivity.montecarlo import MonteCarloOptions, run_montecarlo
    >>> amounts = Perturbation(table="contributions", column="amount", dist="uniform", low=0.7, high=1.3)
    >>> result = run_montecarlo(load_scenario("models/baseline.yaml"), MonteCarloOptions(100, 7, (amounts,)))
    >>> result.options                      # = result.tables["montecarlo_options.csv"]

The perturbations are the scenario's `uncertainty.perturb`, each replaced by a given one
on the same column (or added); samples, seed and labels default to `uncertainty:` too.

Sample i perturbs the tables (`perturb.sample_tables`, seeded by (seed, i) alone), is
solved on a worker's live model (numbers changed in place; rebuilt where a perturbation
zeroes a coefficient or a rule family reads the perturbed column), starting from the
unperturbed optimum, and evaluated on its own perturbed tables. Options are labelled by
how often they are selected among the samples that have a portfolio: `core` (frequency
≥ core, default 0.9), `exterior` (≤ exterior, default 0.1), else `borderline`.

Tables (docs/sensitivity.md): `montecarlo_options.csv`, `montecarlo_objective.csv`
(one row per sample), `montecarlo_coverage.csv` (per-sector percentiles), `summary.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from planner import __version__
from planner.inputs.config import Perturbation
from planner.errors import InputError, Problem
from planner.results.evaluation import evaluate, selection_vector
from planner.inputs.read import RawInputs
from planner.inputs.scenario import Scenario
from planner.sensitivity.engine import Engine, PointResult
from planner.sensitivity.executors import Job, Record, adopt
from planner.solver.search import Search
from planner.sensitivity.journal import Journal
from planner.sensitivity.perturb import changes_of, check, merge, sample_tables
from planner.sensitivity.points import Source, perturbed, source_of
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

KIND = "montecarlo"
SEP = ";"
BATCH = 10
PERCENTILES = (5, 25, 50, 75, 95)


def sector_fractions(engine: Engine, covered: np.ndarray) -> dict[str, float]:
    """Size-weighted covered fraction per sector (`sector_fractions_of` the engine's base scenario)."""
    return sector_fractions_of(engine.base, covered)


def sector_fractions_of(scenario: Scenario, covered: np.ndarray) -> dict[str, float]:
    """Size-weighted covered fraction per sector: Σ covered / Σ size over the sector's gaps."""
    return SectorFractions(scenario)(covered)


class SectorFractions:
    """`sector_fractions_of` one scenario's gaps, for many coverage vectors (the groups found once)."""

    def __init__(self, scenario: Scenario):
        gaps = scenario.gaps
        self.size = gaps["size"].to_numpy(dtype=float)
        self.groups = [(str(s), idx) for s, idx in gaps.groupby("sector_id", sort=False).indices.items()]

    def __call__(self, covered: np.ndarray) -> dict[str, float]:
        return {sector: float(covered[idx].sum() / self.size[idx].sum()) for sector, idx in self.groups}


def solve_samples(engine: Engine, job: Job, batch: list[int]) -> list[Record]:
    """Solve the samples of one batch (the same batches whatever the executor)."""
    engine.search = Search.SAMPLES  # independent solves from scratch (see `Search`)
    engine.reset()
    s = job.settings
    perts = [Perturbation.model_validate(p) for p in s["perturb"]]
    changes = changes_of(perts)
    start = selection_vector(engine.base, s["base_selected"]) if s["base_selected"] is not None else None
    fractions_of = SectorFractions(engine.base)
    out = []
    for index in batch:
        try:
            scenario = perturbed(engine.base, sample_tables(engine.base, perts, s["seed"], index))
            result = engine.solve(scenario, changes, start_x=start, time_limit_s=s["time_limit_s"])
        except Exception as exc:  # noqa: BLE001 - a failed sample is a result; the run goes on
            out.append(error_record(index, exc, sector_fraction={}))
            continue
        fractions = fractions_of(result.covered) if result.covered is not None else {}
        out.append(record_of(index, result, sector_fraction=fractions))
    return out


def resolve_settings(
    scenario: Scenario,
    samples: int | None,
    seed: int | None,
    perturb: Sequence[Perturbation],
    core: float | None,
    exterior: float | None,
) -> dict[str, Any]:
    """The run's settings: the given values over the scenario's `uncertainty:` section, checked."""
    u = scenario.config.uncertainty
    file = str(scenario.scenario_file)
    if u.perturb:
        check(u.perturb, scenario, file, [f"uncertainty.perturb[{i}]" for i in range(len(u.perturb))])
    perturb = list(perturb)
    if perturb:
        check(perturb, scenario, "perturb", [f"perturb[{i}]" for i in range(len(perturb))])
    perts = merge(u.perturb, perturb)
    check(perts, scenario, file, [""] * len(perts))  # at least one
    settings: dict[str, Any] = {
        "samples": u.samples if samples is None else samples,
        "seed": u.seed if seed is None else seed,
        "core": u.core if core is None else core,
        "exterior": u.exterior if exterior is None else exterior,
        "perturb": [p.model_dump(mode="json") for p in perts],
    }
    if settings["samples"] < 1:
        raise InputError(Problem(file="--samples", value=settings["samples"], message="must be at least 1"))
    if not 0 <= settings["exterior"] < settings["core"] <= 1:
        raise InputError(
            Problem(
                file="--core/--exterior",
                value=f"{settings['exterior']}/{settings['core']}",
                message="need 0 ≤ exterior < core ≤ 1 (defaults 0.1 and 0.9)",
            )
        )
    return settings


@dataclass(frozen=True)
class MonteCarloOptions:
    """How to sample: `perturb` lists `Perturbation`s over the scenario's own (see the module
    doc); `samples`, `seed`, `core`, `exterior` default (None) to its `uncertainty:` section.
    With `warm_start`, every sample starts from the unperturbed optimum's portfolio (off by
    default: MIP starts made HiGHS slower on the benchmark scenarios). Executors (`workers`,
    `scheduler`), `time_limit_s`, the journal and `progress` work as in `SweepOptions`; an
    interrupted journaled run is finished by `resume_montecarlo`."""

    samples: int | None = None
    seed: int | None = None
    perturb: Sequence[Perturbation] = ()
    core: float | None = None
    exterior: float | None = None
    workers: int | None = None
    scheduler: Any = None
    time_limit_s: float | None = None
    warm_start: bool = False
    journal: str | Path | None = None
    progress: Progress | None = None


@dataclass(frozen=True)
class MonteCarloResult(RunResult):
    """A Monte Carlo run: the options' labels, one row per sample, coverage percentiles, `summary`."""

    @property
    def options(self) -> pd.DataFrame:
        return self.tables["montecarlo_options.csv"]

    @property
    def samples(self) -> pd.DataFrame:
        return self.tables["montecarlo_objective.csv"]

    @property
    def coverage(self) -> pd.DataFrame:
        return self.tables["montecarlo_coverage.csv"]


def run_montecarlo(scenario: Scenario, options: MonteCarloOptions | None = None) -> MonteCarloResult:
    """Solve `samples` perturbed copies of `scenario` (validated, as `planner.load_scenario`
    returns it, or changed in memory since) and return the core-index tables;
    `planner.sensitivity.write.write_montecarlo` writes them."""
    opts = MonteCarloOptions() if options is None else options
    source = source_of(scenario)
    engine = Engine.of(source, threads=source.raw.config.solver.threads)
    settings = resolve_settings(source.scenario, opts.samples, opts.seed, opts.perturb, opts.core, opts.exterior)
    settings["time_limit_s"] = opts.time_limit_s
    settings["warm_start"] = opts.warm_start
    base = _base_solve(engine, settings)
    journal = None
    if opts.journal is not None:
        manifest = manifest_of(source, KIND, settings={k: v for k, v in settings.items() if k != "base_selected"})
        journal = Journal.start(opts.journal, manifest)
    run = _Run(source, engine, base, settings, source.scenario.config.to_plain())
    return _montecarlo(run, journal, opts.workers, opts.scheduler, opts.progress)


def resume_montecarlo(
    run_dir: str | Path, *, workers: int | None = None, scheduler: Any = None, progress: Progress | None = None
) -> MonteCarloResult:
    """Finish an interrupted `run_montecarlo` from its journal in `run_dir` (its settings come
    from the journal; `workers`/`scheduler` may differ); write it to `run_dir` with `write_montecarlo`."""
    journal = Journal.open(run_dir, KIND)
    manifest = journal.manifest
    source = reload_source(manifest, journal)
    settings = manifest["settings"]
    engine = Engine.of(source, threads=source.raw.config.solver.threads)
    base = _base_solve(engine, settings)
    return _montecarlo(
        _Run(source, engine, base, settings, manifest.get("config")), journal, workers, scheduler, progress
    )


def _base_solve(engine: Engine, settings: dict[str, Any]) -> PointResult:
    """The unperturbed optimum, solved here once (with warm starts, every sample starts from it)."""
    base = engine.solve(engine.base, time_limit_s=settings["time_limit_s"])
    warm = settings.get("warm_start", True)  # journals from before the option started warm
    settings["base_selected"] = list(base.selected) if base.has_portfolio and warm else None
    return base


@dataclass(frozen=True)
class _Run:
    source: Source
    engine: Engine
    base: PointResult
    settings: dict[str, Any]
    config: dict[str, Any] | None


def _montecarlo(
    run: _Run, journal: Journal | None, workers: int | None, scheduler: Any, progress: Progress | None
) -> MonteCarloResult:
    raw, engine, base, settings = run.source.raw, run.engine, run.base, run.settings
    n = settings["samples"]
    batches = [list(range(s, min(s + BATCH, n))) for s in range(0, n, BATCH)]
    job = Job(job_key(raw, KIND, settings), run.source, settings, raw.config.solver.threads, threads_local=True)
    adopt(job, engine)  # local workers are threads on forks of it

    def remaining(done: dict[int, Record]) -> list[list[int]]:
        todo = [[i for i in b if i not in done] for b in batches]
        return [b for b in todo if b]

    done, stats = execute(
        job, solve_samples, remaining, journal, n, workers=workers, scheduler=scheduler, progress=progress
    )
    records = [done[i] for i in range(n)]
    tables = {
        "montecarlo_options.csv": options_table(engine, records, base, settings),
        "montecarlo_objective.csv": samples_table(engine, records, base_plan_values(engine, base, settings)),
        "montecarlo_coverage.csv": coverage_table(engine, records, base),
    }
    summary = mc_summary(raw, engine, records, base, settings, tables, stats)
    return MonteCarloResult(summary, tables, run.config)


def label(frequency: float | None, core: float, exterior: float) -> str:
    if frequency is None:
        return ""
    return "core" if frequency >= core else "exterior" if frequency <= exterior else "borderline"


def options_table(engine: Engine, records: list[Record], base: PointResult, settings: dict[str, Any]) -> pd.DataFrame:
    opts = engine.base.options
    solved = [r for r in records if r["objective"] is not None]
    counts = dict.fromkeys(opts.index, 0)
    for r in solved:
        for oid in r["selected"]:
            counts[oid] += 1
    in_base = set(base.selected)
    rows = []
    for oid in opts.index:
        freq = counts[oid] / len(solved) if solved else None
        rows.append(
            {
                "option_id": oid,
                "partner_id": opts.at[oid, "partner_id"],
                "sector_id": opts.at[oid, "sector_id"],
                "kind": opts.at[oid, "kind"],
                "selected_samples": counts[oid],
                "frequency": r9(freq),
                "label": label(freq, settings["core"], settings["exterior"]),
                "in_base": oid in in_base,
            }
        )
    frame = pd.DataFrame(rows)
    return frame.sort_values(["frequency", "option_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def base_plan_values(engine: Engine, base: PointResult, settings: dict[str, Any]) -> list[float | None]:
    """The unperturbed optimum's objective on each sample's draw (the model's numpy face, `evaluate`):
    what today's plan scores if that sample's inputs come true, not re-optimised. None per sample
    when the unperturbed scenario has no plan."""
    if not base.has_portfolio:
        return [None] * settings["samples"]
    perts = [Perturbation.model_validate(p) for p in settings["perturb"]]
    return [
        r9(
            evaluate(
                perturbed(engine.base, sample_tables(engine.base, perts, settings["seed"], i)), list(base.selected)
            ).objective
        )
        for i in range(settings["samples"])
    ]


def samples_table(engine: Engine, records: list[Record], base_values: list[float | None]) -> pd.DataFrame:
    rows = []
    for r, base_value in zip(records, base_values):
        row = {
            "sample": r["index"],
            "status": r["status"],
            "objective": r9(r["objective"]),
            "base_objective": base_value,
            "bound": r9(r["bound"]),
            "mip_gap": r9(r["mip_gap"]),
            "selected": len(r["selected"]) if r["objective"] is not None else None,
        }
        row.update({f"{res}_used": r9(r["resource_use"].get(res)) for res in engine.base.resources})
        row["portfolio"] = SEP.join(r["selected"])
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["selected"] = frame["selected"].astype("Int64")
    return frame


def coverage_table(engine: Engine, records: list[Record], base: PointResult) -> pd.DataFrame:
    sectors = engine.base.sectors
    base_frac = sector_fractions(engine, base.covered) if base.covered is not None else {}
    rows = []
    for sid in sectors.index:
        values = np.array([r["sector_fraction"][sid] for r in records if r["sector_fraction"].get(sid) is not None])
        row = {
            "sector_id": sid,
            "name": sectors.at[sid, "name"],
            "base_fraction": r9(base_frac.get(sid)),
            "samples": len(values),
            "mean": r9(values.mean()) if len(values) else None,
        }
        for q in PERCENTILES:
            row[f"p{q}"] = r9(np.percentile(values, q)) if len(values) else None
        rows.append(row)
    return pd.DataFrame(rows)


def distribution(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {}
    arr = np.array(values, dtype=float)
    out = {"mean": r9(arr.mean()), "std": r9(arr.std(ddof=1)) if len(arr) > 1 else 0.0, "min": r9(arr.min())}
    out.update({f"p{q}": r9(np.percentile(arr, q)) for q in PERCENTILES})
    out["max"] = r9(arr.max())
    return out


def mc_summary(
    raw: RawInputs,
    engine: Engine,
    records: list[Record],
    base: PointResult,
    settings: dict[str, Any],
    tables: dict[str, pd.DataFrame],
    stats: dict[str, Any],
) -> dict[str, Any]:
    options = tables["montecarlo_options.csv"]
    by_label = {
        name: options.loc[options["label"] == name, "option_id"].tolist() for name in ("core", "borderline", "exterior")
    }
    solved = [r["objective"] for r in records if r["objective"] is not None]
    return {
        "kind": KIND,
        "scenario": raw.config.name,
        "scenario_file": str(raw.scenario_file),
        "input_sha256": raw.input_sha256,
        "tables_sha256": raw.tables_sha256,
        "planner_version": __version__,
        "sense": raw.config.objective.sense,
        "samples": len(records),
        "seed": settings["seed"],
        "perturb": settings["perturb"],
        "core_threshold": settings["core"],
        "exterior_threshold": settings["exterior"],
        "status_counts": status_counts(records),
        "base": {"status": base.status, "objective": r9(base.objective), "selected": list(base.selected)},
        "objective": distribution(solved),
        "base_plan": distribution(
            [v for v in tables["montecarlo_objective.csv"]["base_objective"].tolist() if v is not None and v == v]
        ),
        "core": by_label["core"],
        "borderline": by_label["borderline"],
        "exterior_selected": [
            o
            for o in by_label["exterior"]
            if int(options.loc[options["option_id"] == o, "selected_samples"].iloc[0]) > 0
        ],
        "counts": {k: len(v) for k, v in by_label.items()},
        "paths": {
            "fast": sum(r["path"] == "fast" for r in records),
            "rebuild": sum(r["path"] == "rebuild" for r in records),
        },
        "time_limit_s": settings.get("time_limit_s"),
        "solve_seconds_total": round(sum(r["solve_seconds"] for r in records), 3),
        **stats,
    }
