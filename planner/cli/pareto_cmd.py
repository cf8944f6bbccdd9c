from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from planner.cli.common import (
    check_out,
    emit_json,
    handle_errors,
    json_option,
    out_option,
    scenario_argument,
    set_option,
)

if TYPE_CHECKING:
    from planner.errors import Problem
    from planner.pareto.objectives import ObjectiveSpec
    from planner.pareto.run import ParetoResult

OBJECTIVES_HELP = (
    "Two or three objectives, comma-separated: coverage, sector:<sector_id>, gap:<gap_id> (maximised); "
    "cost:<resource>, risk, partners (minimised)."
)


def parse_objectives(text: str) -> tuple[ObjectiveSpec, ...]:
    """`coverage,sector:ai` → typed specs (the only place the objectives string is read)."""
    from planner.errors import InputError, Problem
    from planner.pareto.objectives import VALID_TEXT, Kind, ObjectiveSpec

    specs: list[ObjectiveSpec] = []
    problems: list[Problem] = []
    for part in (p.strip() for p in text.split(",")):
        kind_text, _, ident = part.partition(":")
        try:
            kind = Kind(kind_text)
        except ValueError:
            problems.append(Problem(file="--objectives", value=part, message=f"unknown objective; valid: {VALID_TEXT}"))
            continue
        specs.append(ObjectiveSpec(kind, ident or None))
    if problems:
        raise InputError(problems)
    return tuple(specs)


@click.command()
@scenario_argument()
@click.option("--objectives", required=True, metavar="A,B[,C]", help=OBJECTIVES_HELP)
@click.option(
    "--max-points",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after N points (the front is then complete only up to a bound; exit 4).",
)
@click.option(
    "--time-limit",
    "time_limit_s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Stop after this many seconds in all (default: none; each solve keeps solver.time_limit_s). Exit 4.",
)
@set_option
@out_option
@json_option
@handle_errors
def pareto(
    scenario: str,
    objectives: str,
    max_points: int | None,
    time_limit_s: float | None,
    overrides: tuple[str, ...],
    out_dir: str | None,
    as_json: bool,
) -> None:
    """The exact Pareto front of two or three objectives: every non-dominated point, each once.

    Each point is a lexicographic optimum (the first objective at its best given bounds on the
    others, then the second, then the third, then least cost_resource), so no point is weakly
    dominated, and the ε-constraint steps follow the data's resolution, so none is missed
    (docs/pareto.md). Writes pareto.csv (each point's values, portfolio and what enters and
    leaves from the previous point) and summary.json to --out, or outputs/<scenario>/pareto-<time>/.

    \b
    Examples:
      planner pareto models/baseline.yaml --objectives coverage,risk
      planner pareto models/baseline.yaml --objectives sector:ai,sector:semis --json
      planner pareto models/baseline.yaml --objectives coverage,cost:budget_musd,partners --max-points 50
    """
    from planner.api import load_scenario
    from planner.cli.sens_common import progress_bar
    from planner.pareto import ParetoOptions, pareto as run, write_pareto
    from planner.sensitivity.runner import default_out_dir

    specs = parse_objectives(objectives)
    check_out(out_dir)
    with progress_bar(not as_json, "pareto", unit="points") as bar:
        sc = load_scenario(scenario, overrides)
        result = run(
            sc,
            ParetoOptions(specs, max_points, time_limit_s),
            progress=None if bar is None else (lambda points, solves: bar(points, None)),
        )
    folder = Path(out_dir) if out_dir else default_out_dir(sc.name, "pareto")
    write_pareto(result, folder)
    if as_json:
        emit_json({**result.to_dict(), "out_dir": str(folder)})
    else:
        _print(result, folder)
    if not result.points:
        raise SystemExit(3)  # no portfolio meets the scenario's rules
    raise SystemExit(0 if result.complete else 4)


def _print(result: ParetoResult, folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from planner.io.numbers import fmt as num

    labels = [o.label for o in result.objectives]
    senses = {o.label: o.sense.value for o in result.objectives}
    table = Table(title=f"Pareto front: {' vs '.join(labels)} ({len(result.points)} points)")
    table.add_column("#", justify="right")
    for label in labels:
        table.add_column(f"{label} ({senses[label]})", justify="right")
    for name in ("supported", "options", "in / out"):
        table.add_column(name, justify="right")
    for i, p in enumerate(result.points, start=1):
        mark = "" if p.supported is None else ("yes" if p.supported else "no")
        change = "" if i == 1 else f"+{len(p.entered)} −{len(p.left)}"
        table.add_row(str(i), *(num(p.values[label]) for label in labels), mark, str(len(p.selected)), change)
    console = Console()
    console.print(table)
    if result.points and not result.complete:
        c = result.covered
        where = (
            "no range is complete yet"
            if c is None or c.get("value") is None
            else f"every point with {c['objective']} {c['side'].replace('_', ' ')} {num(c['value'])} is listed"
        )
        click.echo(f"incomplete (stopped by {result.stop}): {where}")
    elif not result.points:
        click.echo("no portfolio meets the scenario's rules")
    click.echo(
        f"{result.lexmax} lexicographic solves ({result.solves} MILP solves) in {result.seconds:.1f} s; "
        f"written to {folder}"
    )
