from __future__ import annotations

import sys
from typing import Any

import click

from planner.cli.common import (
    check_out,
    emit_json,
    handle_errors,
    json_option,
    out_option,
    scenario_argument,
    set_option,
    status_exit,
)


@click.command()
@scenario_argument()
@set_option
@out_option
@json_option
@click.option("--no-alternatives", is_flag=True, help="Only the combined relaxation and the IIS (fewer solves).")
@handle_errors
def diagnose(
    scenario: str, overrides: tuple[str, ...], out_dir: str | None, as_json: bool, no_alternatives: bool
) -> None:
    """Why is SCENARIO infeasible, and what is the smallest change that fixes it?

    Every limit, target and rule bound gets an elastic slack; the cheapest weighted
    relaxation (scenario key diagnose.weights; diagnose.keep lists bounds never to relax)
    is stated in domain terms with the --set or table edit that applies it, with each
    single-bound alternative that alone suffices, and HiGHS's IIS of the conflicting rows.
    Every stated change is verified by a re-solve. Exit 3 when infeasible (the diagnosis
    printed), 0 when there is nothing to diagnose. --out writes diagnose.json and diagnose.csv.

    \b
    Examples:
      planner diagnose models/baseline.yaml --set limits.budget_musd=500
      planner diagnose models/baseline.yaml --set "rules.require=[jpn-semis-logic-codev, kor-semis-foundry-codev]" --json
      planner diagnose studies/hard.yaml --set diagnose.weights.budget_musd=10 --out outputs/why-infeasible
    """
    check_out(out_dir)
    from planner.analysis.diagnose import describe, diagnose as run_diagnose
    from planner.api import load_scenario

    sc = load_scenario(scenario, overrides)
    diag = run_diagnose(sc, alternatives=not no_alternatives)
    data = diag.to_dict()
    if out_dir:
        from planner.analysis.files import write_analysis

        rows = [{"kind": "alternative", **_flat(r)} for r in data["alternatives"]] + [
            {"kind": "combined", **_flat(r)} for r in data["combined"]
        ]
        write_analysis(out_dir, {"diagnose.json": data}, {"diagnose.csv": rows}, kind="diagnose")
    if as_json:
        emit_json({**data, **({"out_dir": out_dir} if out_dir else {})})
    else:
        for line in describe(diag):
            click.echo(line)
        if out_dir:
            click.echo(f"results written to {out_dir}")
    sys.exit(status_exit(diag.status))


def _flat(r: dict[str, Any]) -> dict[str, Any]:
    edit = r.pop("edit", None) or {}
    return {**r, **{f"edit_{k}": v for k, v in edit.items()}}
