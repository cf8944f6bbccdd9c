from __future__ import annotations

import click

from planner.cli.common import emit_json, handle_errors, json_option, out_option, scenario_argument, set_option
from planner.cli.sens_common import point_time_option, progress_bar


@click.command()
@scenario_argument()
@click.option("--resource", required=True, help="The resource whose limit is varied, e.g. budget_musd.")
@click.option("--from", "lo", type=click.FloatRange(min=0), default=None, help="Lowest limit (default 0).")
@click.option("--to", "hi", type=click.FloatRange(min=0), default=None,
              help="Highest limit (default: the scenario's limit, else what all options together use).")
@click.option("--max-solves", type=click.IntRange(min=1), default=None,
              help="Stop after this many solves (the frontier then covers the top of the range only; exit 4).")
@set_option
@out_option
@json_option
@point_time_option
@handle_errors
def frontier(scenario, resource, lo, hi, max_solves, overrides, out_dir, as_json, time_limit_s) -> None:
    """The exact frontier of the objective against one resource's limit, with as few solves as possible.

    A portfolio using U of the resource stays optimal for every limit from U up to where it
    was found, so each solve finds one breakpoint. Writes frontier.csv (one row per limit
    interval and its portfolio), ladder.csv (the limit at which each option enters or exits)
    and summary.json (solves next to breakpoints) to --out, or outputs/<scenario>/frontier-<time>/.

    \b
    Examples:
      planner frontier models/baseline.yaml --resource budget_musd --from 3000 --to 5000
      planner frontier models/baseline.yaml --resource diplomatic_capacity --json
    """
    from planner.api import load_scenario
    from planner.sensitivity.frontier import run_frontier

    with progress_bar(not as_json, "frontier", unit="solves") as progress:
        sc = load_scenario(scenario, overrides)
        outcome = run_frontier(sc, resource, lo=lo, hi=hi, out_dir=out_dir, time_limit_s=time_limit_s,
                               max_solves=max_solves, progress=progress)
    if as_json:
        emit_json({**outcome.summary, "out_dir": str(outcome.out_dir)})
    else:
        from planner.cli.sens_display import print_frontier

        print_frontier(outcome)
    # An inexact or unfinished frontier (a time limit, --max-solves) is exit 4, like any unproven result.
    raise SystemExit(0 if outcome.summary["exact"] and outcome.summary["complete"] else 4)
