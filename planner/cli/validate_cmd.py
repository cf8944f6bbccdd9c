from __future__ import annotations

import click

from planner.cli.common import emit_json, handle_errors, json_option, scenario_argument, set_option


@click.command()
@scenario_argument()
@set_option
@json_option
@handle_errors
def validate(scenario: str, overrides: tuple[str, ...], as_json: bool) -> None:
    """Check a scenario and its tables; list every problem at once (exit 2 if any).

    \b
    Example:
      planner validate models/baseline.yaml
    """
    from planner.api import load_scenario

    sc = load_scenario(scenario, overrides)
    counts = {name: int(len(getattr(sc, name))) for name in ("partners", "sectors", "gaps", "options", "contributions")}
    if as_json:
        emit_json(
            {
                "status": "valid",
                "scenario": sc.name,
                "counts": counts,
                "resources": list(sc.resources),
                "input_sha256": sc.input_sha256,
            }
        )
    else:
        parts = ", ".join(f"{v} {k}" for k, v in counts.items())
        click.echo(f"{sc.scenario_file}: valid ({parts}; resources: {', '.join(sc.resources)})")
