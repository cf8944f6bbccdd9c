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


def _parse_deltas(items: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not sep or not key or not value > 0:
            raise click.BadParameter(
                f"expected NAME=POSITIVE_NUMBER (a resource, gap id or row name), got {item!r}", param_hint="--delta"
            )
        out[key.strip()] = value
    return out


@click.command()
@scenario_argument()
@set_option
@out_option
@json_option
@click.option(
    "--delta",
    "deltas",
    multiple=True,
    metavar="NAME=AMOUNT",
    help="Step for one bound (resource, gap id or row name), e.g. --delta budget_musd=250. "
    "Default: one option's typical use (median), 1 for counts.",
)
@click.option(
    "--family",
    "families",
    multiple=True,
    metavar="FAMILY",
    help="Only these row families (limit, target, max_options, groups, …); repeatable.",
)
@resolve_workers_option
@handle_errors
def value(
    scenario: str,
    overrides: tuple[str, ...],
    out_dir: str | None,
    as_json: bool,
    deltas: tuple[str, ...],
    families: tuple[str, ...],
    workers: int,
) -> None:
    """What one step more or less of each limit and rule bound is worth, by exact re-solves.

    Every limit, target and rule bound is relaxed and tightened by Δ and the scenario
    re-solved: a MIP has no meaningful dual prices. The LP relaxation's duals are shown
    too, labelled as such. --out writes value.json and value.csv. --workers N prices the
    bounds on N processes, with the same results.

    \b
    Examples:
      planner value models/baseline.yaml
      planner value models/baseline.yaml --delta budget_musd=250 --family limit --json
      planner value models/baseline.yaml --set limits.budget_musd=4000 --out outputs/value
      planner value models/baseline.yaml --workers 2 --json
    """
    check_out(out_dir)
    from planner.analysis.value import describe, value_bounds, value_rows
    from planner.api import load_scenario

    sc = load_scenario(scenario, overrides)
    report = value_bounds(sc, _parse_deltas(deltas), tuple(families) or None, workers=workers)
    data = report.to_dict()
    if out_dir:
        from planner.analysis.files import write_analysis

        write_analysis(out_dir, {"value.json": data}, {"value.csv": value_rows(report)}, kind="value", scenario=sc)
    if as_json:
        emit_json({**data, **({"out_dir": out_dir} if out_dir else {})})
        return
    from planner.cli.display import print_values

    print_values(report, describe(report), out_dir)
