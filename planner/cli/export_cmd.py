from __future__ import annotations

import click

from planner.cli.common import emit_json, handle_errors, json_option


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option(
    "--to",
    "fmt",
    type=click.Choice(["xlsx", "html", "md"]),
    required=True,
    help="Report format: Excel workbook, self-contained HTML page, or Markdown with PNG charts beside it.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(),
    default=None,
    help="Report file (suffix must match --to) or an existing folder. Default: RUN_DIR/report.<ext>.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing report the planner wrote (it is never overwritten otherwise); a file or "
    "folder of that name it did not write, or a link, is refused even with --force.",
)
@json_option
@handle_errors
def export(run_dir: str, fmt: str, out: str | None, force: bool, as_json: bool) -> None:
    """Turn a run folder (from `planner solve --out DIR`) into a report.

    xlsx: sheets Summary, Portfolio, Coverage, Sectors, Resources, Partner x sector,
    Rules, Inputs, plus one per sweep / Monte Carlo / explain table in the folder.
    html: one self-contained page with embedded charts (no network). md: Markdown
    with the charts as PNG files in <report>_charts/ beside it. Text that a
    spreadsheet would run as a formula is neutralised; files are written atomically.

    \b
    Examples:
      planner solve --out outputs/base
      planner export outputs/base --to xlsx
      planner export outputs/base --to html --out briefing/baseline.html
      planner export outputs/base --to md --force
    """
    from planner.report import export_run

    result = export_run(run_dir, fmt, out, force)
    if as_json:
        emit_json({"status": "written", **result.to_dict()})
    else:
        extra = (
            f" ({result.charts} chart{'s' if result.charts != 1 else ''} beside it)"
            if fmt == "md" and result.charts
            else ""
        )
        click.echo(f"{fmt} report written to {result.path}{extra}")
