from __future__ import annotations

import sys

from pathlib import Path

import click

from planner.cli.common import check_out, emit_json, handle_errors, json_option, out_option, set_option
from planner.cli.sens_common import (
    interrupt_message,
    point_time_option,
    progress_bar,
    resume_option,
    scheduler_option,
    usage_error,
    workers_option,
)
from planner.cli.sweep_cmd import batch_exit


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False), required=False)
@click.option(
    "--samples", type=click.IntRange(min=1), default=None, help="Number of samples (default: uncertainty.samples, 200)."
)
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Random seed (default: uncertainty.seed, 0).")
@click.option(
    "--perturb",
    multiple=True,
    metavar="TABLE.COLUMN=DIST:PARAMS",
    help="A perturbation (repeatable; replaces the scenario's on the same column): uniform:LOW:HIGH, "
    "triangular:LOW:PEAK:HIGH or normal:SD factors, optionally :column for one factor per sample.",
)
@click.option(
    "--core", type=click.FloatRange(0, 1), default=None, help="Frequency from which an option is 'core' (default 0.9)."
)
@click.option(
    "--exterior",
    type=click.FloatRange(0, 1),
    default=None,
    help="Frequency up to which an option is 'exterior' (default 0.1).",
)
@set_option
@out_option
@json_option
@workers_option
@scheduler_option
@resume_option
@point_time_option
@click.option(
    "--warm-start/--no-warm-start",
    default=False,
    show_default=True,
    help="Start every sample from the unperturbed optimum's portfolio. Off by default: it slowed "
    "HiGHS down on the benchmark scenarios.",
)
@handle_errors
def montecarlo(
    scenario: str | None,
    samples: int | None,
    seed: int | None,
    perturb: tuple[str, ...],
    core: float | None,
    exterior: float | None,
    overrides: tuple[str, ...],
    out_dir: str | None,
    as_json: bool,
    workers: int | None,
    scheduler: str | None,
    resume: str | None,
    time_limit_s: float | None,
    warm_start: bool,
) -> None:
    """Re-solve SCENARIO under perturbed inputs: which options are robust choices?

    Each sample multiplies the perturbed columns by random factors drawn from (seed, sample)
    alone, so the same seed gives the same results with any number of workers. Writes
    montecarlo_options.csv (selection frequency and core/borderline/exterior label per option),
    montecarlo_objective.csv (one row per sample), montecarlo_coverage.csv (per-sector
    percentiles) and summary.json to --out, or outputs/<scenario>/montecarlo-<time>/.

    \b
    Examples:
      planner montecarlo models/baseline.yaml --samples 500 --seed 7 \\
          --perturb contributions.amount=uniform:0.7:1.3 --perturb options.budget_musd=triangular:0.8:1:1.5
      planner montecarlo models/baseline.yaml --perturb sectors.weight=uniform:0.8:1.2:column --workers 2
      planner montecarlo --resume outputs/baseline/montecarlo-20270101T000000000000Z
    """
    check_out(out_dir)
    from planner.api import load_scenario
    from planner.sensitivity.montecarlo import KIND, MonteCarloOptions, resume_montecarlo, run_montecarlo
    from planner.sensitivity.runner import default_out_dir
    from planner.sensitivity.write import write_montecarlo
    from planner.sensitivity.perturb import parse_flags

    if resume is None and scenario is None:
        usage_error("give SCENARIO (or --resume RUN_DIR)")
    if resume is not None and (
        scenario or overrides or out_dir or perturb or samples or seed is not None or core or exterior
    ):
        usage_error("--resume RUN_DIR takes the run's own settings; give only --workers/--scheduler with it")
    with interrupt_message("montecarlo"), progress_bar(not as_json, "montecarlo", unit="samples") as progress:
        if resume is not None:
            target = Path(resume)
            result = resume_montecarlo(resume, workers=workers, scheduler=scheduler, progress=progress)
        else:
            assert scenario is not None  # checked above: no --resume, so SCENARIO was given
            sc = load_scenario(scenario, overrides)
            target = Path(out_dir) if out_dir else default_out_dir(sc.name, KIND)
            options = MonteCarloOptions(
                samples,
                seed,
                tuple(parse_flags(perturb, sc)),
                core,
                exterior,
                workers,
                scheduler,
                time_limit_s,
                warm_start,
                target,
                progress,
            )
            result = run_montecarlo(sc, options)
    write_montecarlo(result, target)
    if as_json:
        emit_json({**result.summary, "out_dir": str(target.absolute())})
    else:
        from planner.cli.sens_display import print_montecarlo

        print_montecarlo(result, target.absolute())
    sys.exit(batch_exit(result.summary["status_counts"]))
