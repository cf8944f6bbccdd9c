from __future__ import annotations

import sys

import click

from planner.cli.common import EXIT_FAULT, EXIT_OK, emit_json, handle_errors, json_option, set_option


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--scenario", type=click.Path(dir_okay=False), default=None,
              help="Check against this scenario file (default: the run's own scenario.json).")
@set_option
@json_option
@handle_errors
def check(run_dir: str, scenario: str | None, overrides: tuple[str, ...], as_json: bool) -> None:
    """Recompute every figure of RUN_DIR from the inputs and the selected ids.

    Checks summary.json, portfolio.csv and coverage.csv: resource use and limits,
    coverage per gap (capped at its size), fractions, targets, require/forbid, the
    objective and the honesty of the status. Exit 0 when every figure holds, 1 when
    any does not (each discrepancy is listed), 2 when the run folder or the scenario
    cannot be read. A Pareto run folder (planner pareto) is checked point by point: each
    objective recomputed from its portfolio, the rules, and that no point dominates another.

    \b
    Examples:
      planner solve --out outputs/base && planner check outputs/base
      planner check outputs/cut --scenario models/baseline.yaml --set limits.budget_musd=2000
    """
    from pathlib import Path

    from planner.results.audit import check_run
    from planner.results.audit_pareto import check_pareto, is_pareto_run

    if (Path(run_dir) / "rival.json").is_file():  # a planner rival folder (planner.results.audit_rival)
        from planner.results.audit_rival import check_rival

        report = check_rival(run_dir)
    else:
        report = (check_pareto if is_pareto_run(run_dir) else check_run)(run_dir, scenario, overrides)
    if as_json:
        emit_json(report.to_dict())
    else:
        head = f"{run_dir}: {report.scenario}, status {report.status}: {report.checked} figures checked"
        if report.ok:
            click.echo(head + ", all hold")
        else:
            click.echo(head + f", {len(report.discrepancies)} do not hold:")
            for d in report.discrepancies:
                click.echo(f"  - {d}")
        for note in report.verified:
            click.echo(f"  checked: {note}")
    sys.exit(EXIT_OK if report.ok else EXIT_FAULT)
