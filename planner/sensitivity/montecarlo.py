"""`planner montecarlo`: re-solve under perturbed inputs; how robust is each choice?

    >>> from planner import load_scenario
    >>> from planner.inputs.config import Perturbation
    >>> from planner.sensitivity.montecarlo import run_montecarlo
    >>> amounts = Perturbation(table="contributions", column="amount", dist="uniform", low=0.7, high=1.3)
    >>> run = run_montecarlo(load_scenario("models/baseline.yaml"), samples=100, seed=7, perturb=[amounts])
    >>> run.tables["montecarlo_options.csv"]

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

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from planner import __version__
from planner.inputs.config import Perturbation
from planner.errors import InputError, Problem
from planner.results.evaluation import selection_vector
from planner.inputs.read import RawInputs
from planner.inputs.scenario import Scenario
from planner.sensitivity.engine import Engine
from planner.solver.search import Search
from planner.sensitivity.executors import Job, Record, adopt
from planner.sensitivity.journal import Journal
from planner.sensitivity.perturb import changes_of, check, merge, sample_tables
from planner.sensitivity.points import perturbed, raw_inputs
from planner.sensitivity.runner import (
    Progress,
    RunOutcome,
    default_out_dir,
    error_record,
    execute,
    finish,
    job_key,
    manifest_of,
    r9,
    record_of,
    reload,
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
    settings = {
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


def run_montecarlo(
    scenario: Scenario,
    *,
    samples: int | None = None,
    seed: int | None = None,
    perturb: Sequence[Perturbation] = (),
    core: float | None = None,
    exterior: float | None = None,
    out_dir: str | Path | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    time_limit_s: float | None = None,
    warm_start: bool = False,
    progress: Progress | None = None,
) -> RunOutcome:
    """Solve `samples` perturbed copies of `scenario` and write the core-index tables.

    With `warm_start`, every sample starts from the unperturbed optimum's portfolio (off by
    default: MIP starts made HiGHS slower on the benchmark scenarios).

    `scenario` is a validated scenario as `planner.load_scenario` returns it (its files are
    read again: every worker starts from them); `perturb` lists `Perturbation`s over the
    scenario's own (see the module doc); `samples`, `seed`, `core`, `exterior` default to its
    `uncertainty:` section. Executors and the journal work as in `run_sweep`; an interrupted
    run is finished by `resume_montecarlo`."""
    raw = raw_inputs(scenario)
    engine = Engine(raw, threads=raw.config.solver.threads, base=scenario)
    settings = resolve_settings(scenario, samples, seed, perturb, core, exterior)
    settings["time_limit_s"] = time_limit_s
    settings["warm_start"] = warm_start
    base = _base_solve(engine, settings)
    journal = Journal.start(
        out_dir or default_out_dir(raw.config.name, KIND),
        manifest_of(scenario, KIND, settings={k: v for k, v in settings.items() if k != "base_selected"}),
    )
    return _montecarlo(raw, engine, base, settings, journal, workers, scheduler, progress)


def resume_montecarlo(
    run_dir: str | Path, *, workers: int | None = None, scheduler: Any = None, progress: Progress | None = None
) -> RunOutcome:
    """Finish an interrupted `run_montecarlo` from its journal in `run_dir` (its settings come
    from the journal; `workers`/`scheduler` may differ)."""
    journal = Journal.open(run_dir, KIND)
    manifest = journal.manifest
    raw = reload(manifest, journal)
    settings = manifest["settings"]
    engine = Engine(raw, threads=raw.config.solver.threads)
    base = _base_solve(engine, settings)
    return _montecarlo(raw, engine, base, settings, journal, workers, scheduler, progress)


def _base_solve(engine: Engine, settings: dict[str, Any]):
    """The unperturbed optimum, solved here once (with warm starts, every sample starts from it)."""
    base = engine.solve(engine.base, time_limit_s=settings["time_limit_s"])
    warm = settings.get("warm_start", True)  # journals from before the option started warm
    settings["base_selected"] = list(base.selected) if base.has_portfolio and warm else None
    return base


def _montecarlo(
    raw: RawInputs,
    engine: Engine,
    base,
    settings: dict[str, Any],
    journal: Journal,
    workers: int | None,
    scheduler: Any,
    progress: Progress | None,
) -> RunOutcome:
    n = settings["samples"]
    batches = [list(range(s, min(s + BATCH, n))) for s in range(0, n, BATCH)]
    job = Job(job_key(raw, KIND, settings), raw, settings, raw.config.solver.threads, threads_local=True)
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
        "montecarlo_objective.csv": samples_table(engine, records),
        "montecarlo_coverage.csv": coverage_table(engine, records, base),
    }
    summary = mc_summary(raw, engine, records, base, settings, tables, stats)
    return RunOutcome(finish(journal, tables, summary), summary, tables)


def label(frequency: float | None, core: float, exterior: float) -> str:
    if frequency is None:
        return ""
    return "core" if frequency >= core else "exterior" if frequency <= exterior else "borderline"


def options_table(engine: Engine, records: list[Record], base, settings: dict):
    import pandas as pd

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


def samples_table(engine: Engine, records: list[Record]):
    import pandas as pd

    rows = []
    for r in records:
        row = {
            "sample": r["index"],
            "status": r["status"],
            "objective": r9(r["objective"]),
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


def coverage_table(engine: Engine, records: list[Record], base):
    import pandas as pd

    sectors = engine.base.sectors
    base_frac = sector_fractions(engine, base.covered) if base.has_portfolio else {}
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


def mc_summary(raw, engine: Engine, records: list[Record], base, settings: dict, tables: dict, stats: dict) -> dict:
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
