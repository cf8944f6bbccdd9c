from __future__ import annotations

import sys

import click

from planner.cli.common import EXIT_FAULT, EXIT_OK, emit_json, handle_errors, json_option, set_option


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option(
    "--scenario",
    type=click.Path(dir_okay=False),
    default=None,
    help="Check against this scenario file (default: the run's own scenario.json).",
)
@set_option
@json_option
@handle_errors
def check(run_dir: str, scenario: str | None, overrides: tuple[str, ...], as_json: bool) -> None:
    """Recompute every figure of RUN_DIR from the inputs and the portfolios it reports.

    RUN_DIR is any folder a planner command wrote with --out: solve, sweep, frontier
    (and --tranches), montecarlo, alternatives, robust, explain, value, rival, pareto.
    Every file and field it holds is declared in the run-folder manifest as verified
    (recomputed through the model's numpy face, or re-solved where the figure is itself an
    optimum, e.g. the rival's best response) or unverifiable (timings, versions, settings as
    given, a solver's claim that is not re-solved); a file or field the manifest does not
    know is reported too. Each discrepancy names the file and the field. --json lists the
    kind's manifest: verified fields with how, unverifiable ones with why.

    Exit 0 when every figure holds, 1 when any does not, 2 when the run folder or the
    scenario cannot be read.

    \b
    Examples:
      planner solve --out outputs/base && planner check outputs/base
      planner check outputs/cut --scenario models/baseline.yaml --set limits.budget_musd=2000
      planner sweep models/baseline.yaml --vary limits.budget_musd=3000:4000:500 --out outputs/sw && planner check outputs/sw
      planner check outputs/base --json
    """
    from planner.results.audit import check_run

    report = check_run(run_dir, scenario, overrides)
    if as_json:
        emit_json(report.to_dict())
    else:
        head = (
            f"{run_dir}: {report.kind} run of {report.scenario}"
            f"{f', {report.status}' if report.status else ''}: {report.checked} figures checked"
        )
        if report.ok:
            click.echo(head + ", all hold")
        else:
            click.echo(head + f", {len(report.discrepancies)} do not hold:")
            for d in report.discrepancies:
                click.echo(f"  - {d}")
        for note in report.verified:
            click.echo(f"  checked: {note}")
    sys.exit(EXIT_OK if report.ok else EXIT_FAULT)
