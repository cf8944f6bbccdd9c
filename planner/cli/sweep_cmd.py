from __future__ import annotations

import sys

from pathlib import Path

import click

from planner.cli.common import (
    EXIT_FAULT,
    EXIT_LIMIT,
    EXIT_OK,
    check_out,
    emit_json,
    handle_errors,
    json_option,
    out_option,
    set_option,
)
from planner.cli.sens_common import (
    interrupt_message,
    point_time_option,
    progress_bar,
    resume_option,
    scheduler_option,
    usage_error,
    workers_option,
)
from planner.solver.outcome import Status


def batch_exit(status_counts: dict[str, int]) -> int:
    """1 if any point failed, 4 if any stopped at a limit unproven, else 0 (infeasible points are results)."""
    statuses = [Status.of(s) for s, n in status_counts.items() if n]
    codes = {st.exit_code for st in statuses if st is not None}
    if EXIT_FAULT in codes:  # error, unbounded
        return EXIT_FAULT
    if EXIT_LIMIT in codes:  # feasible, no_solution
        return EXIT_LIMIT
    return EXIT_OK


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False), required=False)
@click.option(
    "--vary",
    multiple=True,
    metavar="KEY=START:STOP:STEP",
    help="A scenario key and its values: START:STOP:STEP (STOP included) or v1,v2,v3. Repeat for a grid.",
)
@set_option
@out_option
@json_option
@workers_option
@scheduler_option
@resume_option
@point_time_option
@click.option(
    "--block-size",
    type=click.IntRange(min=1),
    default=None,
    help="Points solved in a row on one worker task (default 1; 10 with --warm-start, where each "
    "starts from the previous portfolio).",
)
@click.option(
    "--warm-start/--no-warm-start",
    default=False,
    show_default=True,
    help="Start each point from the previous point's portfolio (HiGHS completes it, or ignores it if "
    "infeasible). Off by default: it slowed HiGHS down on the benchmark scenarios.",
)
@handle_errors
def sweep(
    scenario: str | None,
    vary: tuple[str, ...],
    overrides: tuple[str, ...],
    out_dir: str | None,
    as_json: bool,
    workers: int | None,
    scheduler: str | None,
    resume: str | None,
    time_limit_s: float | None,
    block_size: int | None,
    warm_start: bool,
) -> None:
    """Re-solve SCENARIO over a grid of settings; list what changes between neighbours.

    Writes sweep.csv (one row per point), changes.csv (options entering/leaving between
    neighbouring points) and summary.json to --out, or outputs/<scenario>/sweep-<time>/.
    Exit 0 when every point is solved (optimal or infeasible), 4 if a point stopped at
    its time limit, 1 if a point failed.

    \b
    Examples:
      planner sweep models/baseline.yaml --vary limits.budget_musd=2000:5000:250
      planner sweep models/baseline.yaml --vary limits.budget_musd=3000,4000 \\
          --vary objective.sector_weights.ai=1:3:0.5 --workers 2
      planner sweep --resume outputs/baseline/sweep-20270101T000000000000Z
    """
    check_out(out_dir)
    from planner.api import load_scenario
    from planner.sensitivity.grid import parse_axes
    from planner.sensitivity.runner import default_out_dir
    from planner.sensitivity.sweep import KIND, SweepOptions, resume_sweep, run_sweep
    from planner.sensitivity.write import write_sweep

    if resume is None and (scenario is None or not vary):
        usage_error("give SCENARIO and at least one --vary KEY=START:STOP:STEP (or --resume RUN_DIR)")
    if resume is not None and (scenario or vary or overrides or out_dir):
        usage_error(
            "--resume RUN_DIR takes the run's own scenario, --vary, --set and folder; give only --workers/--scheduler with it"
        )
    with interrupt_message("sweep"), progress_bar(not as_json, "sweep") as progress:
        if resume is not None:
            target = Path(resume)
            result = resume_sweep(resume, workers=workers, scheduler=scheduler, progress=progress)
        else:
            assert scenario is not None  # checked above: no --resume, so SCENARIO was given
            sc = load_scenario(scenario, overrides)
            target = Path(out_dir) if out_dir else default_out_dir(sc.name, KIND)
            options = SweepOptions(
                parse_axes(vary), workers, scheduler, block_size, time_limit_s, warm_start, target, progress
            )
            result = run_sweep(sc, options)
    write_sweep(result, target)
    summary = result.summary
    if as_json:
        emit_json({**summary, "out_dir": str(target.absolute())})
    else:
        from planner.cli.sens_display import print_sweep

        print_sweep(result, target.absolute())
    sys.exit(batch_exit(summary["status_counts"]))
