from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from planner.cli.common import (
    check_out,
    emit_json,
    handle_errors,
    json_option,
    out_option,
    resolve_scenario,
    scenario_argument,
    set_option,
)
from planner.solver.outcome import Status

if TYPE_CHECKING:
    from planner.inputs.scenario import Scenario


@click.command()
@scenario_argument(required=False)
@set_option
@out_option
@json_option
@click.option(
    "--time-limit",
    "time_limit_s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Solver time limit in seconds (overrides solver.time_limit_s).",
)
@click.option(
    "--mip-gap",
    type=click.FloatRange(0, 1),
    default=None,
    help="Relative MIP gap to stop at (overrides solver.mip_gap).",
)
@click.option(
    "--solver",
    "backend",
    type=click.Choice(["highs", "cbc", "auto"]),
    default=None,
    help="Solver backend (overrides solver.backend); auto runs HiGHS and CBC at once and takes the first proof.",
)
@click.option(
    "--write-model",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the exact model solved, as .lp or .mps.",
)
@click.option(
    "--report",
    "reports",
    multiple=True,
    type=click.Choice(["xlsx", "html", "md"]),
    help="Also write a report into the run folder (repeatable): report.xlsx, report.html, report.md.",
)
@click.option(
    "--clean-sheet/--no-clean-sheet",
    default=True,
    show_default=True,
    help="With a replan: section, also solve without it, to report the price of stability (about one more solve).",
)
@handle_errors
def solve(
    scenario: str | None,
    overrides: tuple[str, ...],
    out_dir: str | None,
    as_json: bool,
    time_limit_s: float | None,
    mip_gap: float | None,
    backend: str | None,
    write_model: str | None,
    reports: tuple[str, ...],
    clean_sheet: bool,
) -> None:
    """Solve SCENARIO (default: models/baseline.yaml) and write its results.

    Writes summary.json, portfolio.csv and coverage.csv to --out, or to
    outputs/<scenario>/<timestamp>/. Exit 3 if infeasible, 4 if a limit stopped the
    solver before it proved optimality.

    \b
    Examples:
      planner solve
      planner solve models/baseline.yaml --set limits.budget_musd=2000 --out outputs/cut
      planner solve models/budget-cut-30.yaml --json
      planner solve --out outputs/base --report html --report xlsx
      planner solve --write-model outputs/baseline.lp
      planner solve --set replan.incumbent=outputs/base --set replan.max_changes=4 --no-clean-sheet
    """
    check_out(out_dir)
    import dataclasses
    import time

    from planner.api import SolveOptions, load_scenario, solve as run_solve
    from planner.results.timings import Timings
    from planner.io.runfolder import default_run_dir, write_run

    timings: dict[str, float] = {}
    # The flags are scenario settings: the API records them in the result's scenario, hence in
    # scenario.json (and input_sha256), so `planner check` judges the run by what was run.
    sc = load_scenario(resolve_scenario(scenario), overrides, timings)
    options = SolveOptions(time_limit_s, mip_gap, backend, write_model, clean_sheet)
    result = run_solve(sc, options)
    result = dataclasses.replace(result, timings=Timings(**timings).merged(result.timings))
    sc = result.scenario
    target = out_dir or default_run_dir(sc.name)
    t0 = time.perf_counter()
    if reports:
        from planner.report.export import write_run_with_reports

        written = [str(p) for p in write_run_with_reports(result, target, reports)]
    else:
        write_run(result, target)
    result = dataclasses.replace(result, timings=dataclasses.replace(result.timings, export=time.perf_counter() - t0))
    diagnosis = _diagnose(sc) if result.status == Status.INFEASIBLE else None
    if as_json:
        emit_json(
            {
                **result.summary(),
                "out_dir": str(target),
                **({"reports": written} if reports else {}),
                **({"diagnosis": diagnosis[0]} if diagnosis else {}),
            }
        )
    else:
        from planner.cli.display import print_result

        print_result(result, target)
        if diagnosis:
            click.echo("\n".join(diagnosis[1]))
    sys.exit(result.status.exit_code)


def _diagnose(sc: Scenario) -> tuple[dict[str, Any], list[str]]:
    """The short diagnosis printed with an infeasible result (see `planner diagnose`)."""
    try:
        from planner.analysis.diagnose import describe, diagnose

        diag = diagnose(sc)
        return diag.to_dict(), describe(diag, short=True) + ["(planner diagnose SCENARIO for the full report)"]
    except Exception as exc:  # noqa: BLE001 - a failed diagnosis must not hide the infeasible status
        return {"error": str(exc)}, [f"(no diagnosis: {exc})"]
