from __future__ import annotations

import click

from planner.cli.common import emit_json, handle_errors, json_option


@click.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--name", default=None, help="Scenario name (default: the folder's name). Letters, digits, _ - .")
@click.option(
    "--xlsx", "xlsx", is_flag=True, help="Keep all tables in one workbook, inputs/<name>.xlsx, instead of CSV files."
)
@click.option("--force", is_flag=True, help="Replace files that already exist (never replaced otherwise).")
@json_option
@handle_errors
def init(folder: str, name: str | None, xlsx: bool, force: bool, as_json: bool) -> None:
    """Start a new scenario in FOLDER: a commented YAML and tables with headers and one example row.

    Writes FOLDER/models/<name>.yaml and FOLDER/inputs/<name>/*.csv (or, with --xlsx,
    FOLDER/inputs/<name>.xlsx with one sheet per table). The example row is a complete
    partnership, so the new scenario validates and solves as it is: replace it with yours.

    \b
    Examples:
      planner init studies/japan-semis
      planner init studies/gulf-ai --xlsx --name gulf-ai
      planner validate studies/japan-semis/models/japan-semis.yaml
    """
    from planner.inputs.scaffold import init_scenario

    made = init_scenario(folder, name, xlsx, force)
    if as_json:
        emit_json({"status": "written", **made.to_dict()})
    else:
        click.echo(f"scenario written to {made.scenario}; tables in {made.inputs}")
        click.echo(f"next: planner validate {made.scenario}")
