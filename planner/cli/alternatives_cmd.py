from __future__ import annotations

from pathlib import Path

import click

from planner.cli.common import (
    EXIT_INFEASIBLE,
    EXIT_LIMIT,
    EXIT_OK,
    check_out,
    emit_json,
    handle_errors,
    json_option,
    out_option,
    scenario_argument,
    set_option,
)
from planner.cli.sens_common import point_time_option, progress_bar
from planner.solver.outcome import Status


@click.command()
@scenario_argument()
@click.option(
    "--within", default="5%", show_default=True, help="Objective loss allowed, as a share of the optimum: 5% or 0.05."
)
@click.option(
    "--count", type=click.IntRange(min=1), default=3, show_default=True, help="How many alternatives to look for."
)
@set_option
@out_option
@json_option
@point_time_option
@handle_errors
def alternatives(
    scenario: str,
    within: str,
    count: int,
    overrides: tuple[str, ...],
    out_dir: str | None,
    as_json: bool,
    time_limit_s: float | None,
) -> None:
    """Near-optimal portfolios that differ as much as possible from the optimum and each other.

    Each alternative loses at most --within of the optimal objective and drops as many options
    as possible from the closest of the optimum and the earlier alternatives; among those it is
    the best, then the cheapest. Writes alternatives.csv (objective loss and the options that
    differ), alternatives_matrix.csv (which portfolio selects which option) and summary.json
    to --out, or outputs/<scenario>/alternatives-<time>/.

    \b
    Examples:
      planner alternatives models/baseline.yaml --within 5% --count 3
      planner alternatives models/baseline.yaml --within 0.02 --count 5 --json
    """
    check_out(out_dir)
    from planner.api import load_scenario
    from planner.sensitivity.alternatives import KIND, AlternativesOptions, parse_within, run_alternatives
    from planner.sensitivity.runner import default_out_dir
    from planner.sensitivity.write import write_alternatives

    with progress_bar(not as_json, "alternatives", unit="alternatives") as progress:
        share = parse_within(within)
        sc = load_scenario(scenario, overrides)
        result = run_alternatives(sc, AlternativesOptions(share, count, time_limit_s, progress))
    target = Path(out_dir) if out_dir else default_out_dir(sc.name, KIND)
    write_alternatives(result, target)
    s = result.summary
    if as_json:
        emit_json({**s, "out_dir": str(target)})
    else:
        from planner.cli.sens_display import print_alternatives

        print_alternatives(result, target)
    statuses = {s["optimum"]["status"], *(a["status"] for a in s["alternatives"])}
    if s["optimum"]["status"] == Status.INFEASIBLE:
        raise SystemExit(EXIT_INFEASIBLE)
    raise SystemExit(EXIT_OK if statuses <= {Status.OPTIMAL} else EXIT_LIMIT)
