from __future__ import annotations

import click

from planner.cli.common import emit_json, handle_errors, json_option, out_option, set_option


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--max-portfolios", type=click.IntRange(min=1), default=None,
              help="Stop listing non-dominated portfolios after N (default: robust.max_portfolios, 200).")
@click.option("--samples", type=click.IntRange(min=0), default=None,
              help="Monte Carlo draws from the weight set (default: robust.samples, 100; 0: none).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Random seed of the draws (default: robust.seed, 0).")
@set_option
@out_option
@json_option
@handle_errors
def robust(scenario, max_portfolios, samples, seed, overrides, out_dir, as_json) -> None:
    """Robust portfolios when the weights are contested (the scenario's robust: section).

    Reports the maximin portfolio (best worst case over the weight set), the minimax-regret
    portfolio, the non-dominated portfolios with the core index (core / borderline /
    exterior per option), and the nominal optimum's worst case and regret. Writes
    robust.json, robust_options.csv and robust_portfolios.csv to --out, or
    outputs/<scenario>/robust-<time>/.

    \b
    Examples:
      planner robust models/robust-weights.yaml
      planner robust models/baseline.yaml --set 'robust.sector_weights.ai=[1,2]' --json
      planner robust models/robust-weights.yaml --max-portfolios 50 --samples 0 --out outputs/robust
    """
    from pathlib import Path

    from planner.api import load_scenario
    from planner.io.runfolder import default_run_dir
    from planner.robust.run import write_robust
    from planner.robust import robust as run

    sc = load_scenario(scenario, overrides)
    report = run(sc, max_portfolios=max_portfolios, samples=samples, seed=seed)
    folder = Path(out_dir) if out_dir else default_run_dir(sc.name).with_name(f"robust-{default_run_dir(sc.name).name}")
    write_robust(report, folder, sc)
    if as_json:
        emit_json({**report.to_dict(), "out_dir": str(folder)})
    else:
        _print(report, folder)
    if report.nominal.get("status") == "infeasible":
        raise SystemExit(3)


def _print(report, folder) -> None:
    from planner.io.numbers import fmt as num  # the one number formatter

    if report.message:
        click.echo(report.message)
    if not report.weights_matter:
        click.echo(f"nominal objective {num(report.nominal['objective'])}: {len(report.nominal['selected'])} options")
        click.echo(f"written to {folder}")
        return
    n, mm, mr, ci = report.nominal, report.maximin, report.minimax_regret, report.core_index
    click.echo(f"weight set: {len(report.factors)} factors ({', '.join(report.factors)}), {len(report.vertices)} vertices")
    click.echo(f"nominal optimum   objective {num(n['objective'])}, worst case {num(n['worst_case'])}, "
               f"max regret {num(n['max_regret'])}, {len(n['selected'])} options")
    click.echo(f"maximin           worst case {num(mm['worst_case'])}, max regret {num(mm['max_regret'])}, "
               f"{len(mm['selected'])} options")
    click.echo(f"minimax regret    max regret {num(mr['max_regret'])} (gap {num(mr['gap'])}, {mr['iterations']} iterations), "
               f"worst case {num(mr['worst_case'])}")
    counts = {lab: sum(1 for v in ci["options"].values() if v == lab) for lab in ("core", "borderline", "exterior")}
    click.echo(f"core index        {ci['portfolios']} non-dominated portfolios ({'complete' if ci['complete'] else 'stopped at --max-portfolios'}): "
               f"{counts['core']} core, {counts['borderline']} borderline, {counts['exterior']} exterior options")
    click.echo(f"written to {folder}")
