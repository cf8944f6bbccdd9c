from __future__ import annotations

import click

from planner.cli.common import check_out, emit_json, handle_errors, json_option, out_option


@click.command()
@click.argument("run_a", type=click.Path(file_okay=False))
@click.argument("run_b", type=click.Path(file_okay=False))
@out_option
@json_option
@click.option("--all-gaps", is_flag=True, help="List every gap, not only those whose coverage changed.")
@handle_errors
def compare(run_a: str, run_b: str, out_dir: str | None, as_json: bool, all_gaps: bool) -> None:
    """Compare two run folders (B − A): options added and removed, coverage per gap and
    sector, resource use, objective. Works on any folders `planner solve --out` writes.
    --out writes compare.json, compare_gaps.csv, compare_sectors.csv, compare_resources.csv.

    \b
    Examples:
      planner solve models/baseline.yaml --out outputs/base
      planner solve models/budget-cut-30.yaml --out outputs/cut
      planner compare outputs/base outputs/cut
      planner compare outputs/base outputs/cut --json
    """
    check_out(out_dir)
    from planner.analysis.compare import compare_runs

    comp = compare_runs(run_a, run_b)
    data = comp.to_dict()
    if out_dir:
        from planner.analysis.files import write_analysis

        write_analysis(
            out_dir,
            {"compare.json": data},
            {
                "compare_gaps.csv": data["gaps"],
                "compare_sectors.csv": data["sectors"],
                "compare_resources.csv": data["resources"],
            },
            kind="compare",
        )
    if as_json:
        emit_json({**data, **({"out_dir": out_dir} if out_dir else {})})
        return
    from planner.cli.display import print_comparison

    print_comparison(comp, all_gaps, out_dir)
