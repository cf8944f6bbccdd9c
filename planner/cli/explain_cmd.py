from __future__ import annotations

import click

from planner.cli.common import (
    check_out,
    emit_json,
    handle_errors,
    json_option,
    out_option,
    resolve_workers_option,
    scenario_argument,
    set_option,
)


@click.command()
@scenario_argument()
@click.argument("option_ids", nargs=-1, required=True, metavar="OPTION_ID...")
@set_option
@out_option
@json_option
@click.option(
    "--no-thresholds",
    is_flag=True,
    help="Skip the entry thresholds (raise a limit / scale contributions / cut cost); much faster.",
)
@click.option(
    "--max-steps",
    type=click.IntRange(1, 50),
    default=3,
    show_default=True,
    help="Entry MIPs per limit before stating only the value below which the option stays out.",
)
@resolve_workers_option
@handle_errors
def explain(
    scenario: str,
    option_ids: tuple[str, ...],
    overrides: tuple[str, ...],
    out_dir: str | None,
    as_json: bool,
    no_thresholds: bool,
    max_steps: int,
    workers: int,
) -> None:
    """Why is each OPTION_ID in or out of SCENARIO's portfolio, and what would change that?

    For a selected option: the objective lost if it is forbidden and what replaces it, the
    gaps only it covers, the rules or targets that force it. For an unselected option:
    the objective lost if it is required and what leaves, the limits and rules that block
    it, and the smallest limit increase, contribution scaling or cost cut that brings it
    in — each an exact re-solve of the same model. --out writes explain.json and explain.csv.
    --workers N explains the options on N processes, with the same results.

    \b
    Examples:
      planner explain models/baseline.yaml kor-semis-memory-supply
      planner explain models/baseline.yaml jpn-semis-supply-chain ind-semis-atmp --json
      planner explain models/baseline.yaml kor-semis-memory-supply --set limits.budget_musd=5200 --out outputs/why
      planner explain models/baseline.yaml jpn-semis-supply-chain kor-semis-memory-supply ind-semis-atmp --workers 2
    """
    check_out(out_dir)
    from planner.analysis.explain import describe, explain as run_explain, summary_rows
    from planner.api import load_scenario

    sc = load_scenario(scenario, overrides)
    explanations = run_explain(sc, list(option_ids), entry=not no_thresholds, max_steps=max_steps, workers=workers)
    data = {"scenario": sc.name, "explanations": [e.to_dict() for e in explanations]}
    rows = summary_rows(explanations)
    if out_dir:
        from planner.analysis.files import write_analysis

        write_analysis(out_dir, {"explain.json": data}, {"explain.csv": rows}, kind="explain", scenario=sc)
    if as_json:
        emit_json({**data, **({"out_dir": out_dir} if out_dir else {})})
        return
    from planner.cli.display import print_explanations

    print_explanations(explanations, rows, [describe(e, sc.cost_resource) for e in explanations], out_dir)
