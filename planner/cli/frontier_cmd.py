from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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
from planner.cli.sens_common import point_time_option, progress_bar, usage_error

if TYPE_CHECKING:  # the library loads when the command runs (planner --help stays fast)
    from planner.sensitivity.tranches import Nested


@click.command()
@scenario_argument()
@click.option("--resource", required=True, help="The resource whose limit is varied, e.g. budget_musd.")
@click.option("--from", "lo", type=click.FloatRange(min=0), default=None, help="Lowest limit (default 0).")
@click.option(
    "--to",
    "hi",
    type=click.FloatRange(min=0),
    default=None,
    help="Highest limit (default: the scenario's limit, else what all options together use).",
)
@click.option(
    "--max-solves",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many solves (the frontier then covers the top of the range only; exit 4).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Threads walking the range, each with a live model of its own (default: all cores; "
    "1 with --max-solves). The frontier is the same with any number.",
)
@click.option(
    "--tranches",
    default=None,
    metavar="L1,L2,…",
    help="Nested plans instead: one portfolio per limit (increasing, comma-separated), each containing the one before.",
)
@click.option(
    "--nested",
    type=click.Choice(["joint", "greedy"]),
    default="joint",
    show_default=True,
    help="With --tranches: joint maximises the sum of the tranches' objectives (one MILP); greedy fixes each tranche before the next.",
)
@set_option
@out_option
@json_option
@point_time_option
@handle_errors
def frontier(
    scenario: str,
    resource: str,
    lo: float | None,
    hi: float | None,
    max_solves: int | None,
    workers: int | None,
    tranches: str | None,
    nested: Nested,
    overrides: tuple[str, ...],
    out_dir: str | None,
    as_json: bool,
    time_limit_s: float | None,
) -> None:
    """The exact frontier of the objective against one resource's limit, with as few solves as possible.

    A portfolio using U of the resource stays optimal for every limit from U up to where it
    was found, so each solve finds one breakpoint; the walk runs on --workers threads
    (pieces of the range, stitched into the one walk). Writes frontier.csv (one row per limit
    interval and its portfolio), ladder.csv (the limit at which each option enters or exits)
    and summary.json (solves next to breakpoints) to --out, or outputs/<scenario>/frontier-<time>/.

    With --tranches, plans for a budget that arrives in tranches instead: one portfolio per
    limit, each containing the one before, beside the unconstrained optimum at that limit
    (the price of nesting); writes tranches.csv and summary.json. Exit 3 if a tranche is
    infeasible (it is named; the others are still planned), else 4 if a solve stopped at
    its time limit.

    \b
    Examples:
      planner frontier models/baseline.yaml --resource budget_musd --from 3000 --to 5000
      planner frontier models/baseline.yaml --resource diplomatic_capacity --json
      planner frontier models/baseline.yaml --resource budget_musd --tranches 2000,3000,4800
      planner frontier models/baseline.yaml --resource budget_musd --tranches 2000,4800 --nested greedy
    """
    check_out(out_dir)
    from planner.api import load_scenario
    from planner.sensitivity.frontier import KIND, FrontierOptions, run_frontier
    from planner.sensitivity.runner import default_out_dir
    from planner.sensitivity.write import write_frontier

    if tranches is not None:
        _tranches(
            scenario,
            resource,
            tranches,
            nested,
            (lo, hi, max_solves, workers),
            overrides,
            out_dir,
            as_json,
            time_limit_s,
        )
        return
    if nested != "joint":
        usage_error("--nested applies to --tranches only")

    with progress_bar(not as_json, "frontier", unit="solves") as progress:
        sc = load_scenario(scenario, overrides)
        result = run_frontier(sc, FrontierOptions(resource, lo, hi, time_limit_s, max_solves, workers, progress))
    target = Path(out_dir) if out_dir else default_out_dir(sc.name, KIND)
    write_frontier(result, target)
    if as_json:
        emit_json({**result.summary, "out_dir": str(target)})
    else:
        from planner.cli.sens_display import print_frontier

        print_frontier(result, target)
    # An inexact or unfinished frontier (a time limit, --max-solves) is exit 4, like any unproven result.
    raise SystemExit(0 if result.summary["exact"] and result.summary["complete"] else 4)


def _tranches(
    scenario: str,
    resource: str,
    text: str,
    nested: Nested,
    range_options: tuple[object, ...],
    overrides: tuple[str, ...],
    out_dir: str | None,
    as_json: bool,
    time_limit_s: float | None,
) -> None:
    from planner.api import load_scenario
    from planner.errors import InputError, Problem
    from planner.sensitivity.runner import default_out_dir
    from planner.sensitivity.tranches import KIND as TRANCHES, TranchesOptions, infeasible_tranches, run_tranches
    from planner.sensitivity.write import write_tranches

    if any(v is not None for v in range_options):
        usage_error("--tranches states the limits itself; drop --from, --to, --max-solves and --workers")
    try:
        limits = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(
            Problem(file="--tranches", value=text, message="give numbers, comma-separated, e.g. 2000,3000,4800")
        ) from None
    with progress_bar(not as_json, "tranches", unit="solves") as progress:
        sc = load_scenario(scenario, overrides)
        outcome = run_tranches(sc, TranchesOptions(resource, tuple(limits), nested, time_limit_s, None, progress))
    target = Path(out_dir) if out_dir else default_out_dir(sc.name, TRANCHES)
    write_tranches(outcome, target)
    infeasible = infeasible_tranches(outcome)
    if as_json:
        emit_json({**outcome.summary, "out_dir": str(target), "infeasible_tranches": infeasible})
    else:
        from planner.cli.sens_display import print_tranches
        from planner.io.numbers import fmt

        print_tranches(outcome, target)
        for t in infeasible:
            why = (
                "no portfolio meets the scenario at that limit, nested or not"
                if t["alone"]
                else "no portfolio at that limit contains the earlier tranches' portfolio"
            )
            click.echo(
                f"tranche {t['tranche']} (limits.{resource} = {fmt(t['limit'])}) is infeasible: {why}"
                + (
                    f" (planner diagnose with --set limits.{resource}={_plain(t['limit'])} says why)"
                    if t["alone"]
                    else ""
                )
            )
    raise SystemExit(EXIT_INFEASIBLE if infeasible else EXIT_OK if outcome.summary["exact"] else EXIT_LIMIT)


def _plain(value: float) -> str:
    """A number as `--set` reads it back (no thousands separators, no exponent)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
