from __future__ import annotations

import click

from planner.cli.common import emit_json, handle_errors, json_option


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option(
    "--options",
    "n_options",
    type=click.IntRange(min=1),
    required=True,
    help="Number of options (candidate partnerships).",
)
@click.option(
    "--gaps", "n_gaps", type=click.IntRange(min=1), default=None, help="Number of gaps (default: options / 10)."
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Random seed; the same seed writes the same bytes.",
)
@click.option(
    "--resources",
    "n_resources",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Limited resources: budget_musd, diplomatic_capacity, negotiators, summit_slots, then resource_5 …",
)
@click.option(
    "--rules",
    "with_rules",
    is_flag=True,
    help="Also state planning rules (required and forbidden options, partner max_options).",
)
@click.option("--name", default=None, help="Scenario name (default: synthetic-n<options>-g<gaps>-s<seed>…).")
@click.option("--force", is_flag=True, help="Replace a scenario of the same name in DIRECTORY.")
@json_option
@handle_errors
def generate(
    directory: str,
    n_options: int,
    n_gaps: int | None,
    seed: int,
    n_resources: int,
    with_rules: bool,
    name: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Write a synthetic scenario of any size into DIRECTORY (models/<name>.yaml, inputs/<name>/).

    The data is random but shaped like real planning data: options cover 1–3 gaps, mostly
    in their own sector; costs vary by partner and kind; every limit binds; a few critical
    gaps carry targets (always reachable). Use it to test a machine or a change at scale.

    \b
    Examples:
      planner generate scratch --options 5000 --seed 1
      planner solve scratch/models/synthetic-n5000-g500-s1.yaml
      planner generate scratch --options 20000 --gaps 2000 --resources 3 --rules --name big
    """
    from planner.inputs.generate import generate as run_generate

    gen = run_generate(directory, n_options, n_gaps, seed, n_resources, with_rules, name, overwrite=force)
    if as_json:
        emit_json(
            {
                "status": "written",
                "name": gen.name,
                "scenario_file": str(gen.scenario_file),
                "inputs": str(gen.inputs_dir),
                "counts": gen.counts,
                "limits": gen.limits,
                "targets": gen.targets,
                "rules": gen.rules,
            }
        )
    else:
        parts = ", ".join(f"{v} {k}" for k, v in gen.counts.items())
        click.echo(f"wrote {gen.scenario_file} ({parts}; {gen.targets} gap targets)")
        click.echo(f"solve it with: planner solve {gen.scenario_file}")
