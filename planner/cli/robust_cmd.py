from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from planner.cli.common import check_out, emit_json, handle_errors, json_option, out_option, set_option
from planner.solver.outcome import Status

if TYPE_CHECKING:
    from planner.robust.outcome import PortfolioFigures, Progress as RobustProgress, RobustReport


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--max-portfolios",
    type=click.IntRange(min=1),
    default=None,
    help="Stop listing non-dominated portfolios after N (default: robust.max_portfolios, 200).",
)
@click.option(
    "--samples",
    type=click.IntRange(min=0),
    default=None,
    help="Monte Carlo draws from the weight set (default: robust.samples, 100; 0: none).",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=None, help="Random seed of the draws (default: robust.seed, 0)."
)
@click.option(
    "--max-vertices",
    type=click.IntRange(min=1),
    default=None,
    help="Solve the optimum at no more than N vertices of the weight set (default: robust.max_vertices, 64); "
    "beyond it minimax regret and the core index report bounds (complete: false).",
)
@set_option
@out_option
@json_option
@handle_errors
def robust(
    scenario: str,
    max_portfolios: int | None,
    samples: int | None,
    seed: int | None,
    max_vertices: int | None,
    overrides: tuple[str, ...],
    out_dir: str | None,
    as_json: bool,
) -> None:
    """Robust portfolios when the weights are contested (the scenario's robust: section).

    Reports the maximin portfolio (best worst case over the weight set), the minimax-regret
    portfolio, the non-dominated portfolios with the core index (core / borderline /
    exterior per option), and the nominal optimum's worst case and regret. Only ratios of
    weights matter: the statements hold up to a common scale. The weight set's vertex count is
    said up front; with more than --max-vertices, maximin stays exact and the rest reports
    bounds. Writes robust.json, robust_options.csv and robust_portfolios.csv to --out, or
    outputs/<scenario>/robust-<time>/.

    \b
    Examples:
      planner robust models/robust-weights.yaml
      planner robust models/baseline.yaml --set 'robust.sector_weights.ai=[1,2]' --json
      planner robust models/robust-weights.yaml --max-portfolios 50 --samples 0 --out outputs/robust
    """
    check_out(out_dir)
    from planner.api import load_scenario
    from planner.io.runfolder import default_run_dir
    from planner.robust.run import write_robust
    from planner.robust import robust as run

    sc = load_scenario(scenario, overrides)
    with _progress(not as_json) as progress:
        report = run(
            sc, max_portfolios=max_portfolios, samples=samples, seed=seed, max_vertices=max_vertices, progress=progress
        )
    folder = Path(out_dir) if out_dir else default_run_dir(sc.name).with_name(f"robust-{default_run_dir(sc.name).name}")
    write_robust(report, folder, sc)
    if as_json:
        emit_json({**report.to_dict(), "out_dir": str(folder)})
    else:
        _print(report, folder)
    if report.status is Status.INFEASIBLE:
        raise SystemExit(3)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[RobustProgress], None] | None]:
    """The library's `Progress` events as a rich bar per stage on stderr (the up-front line too)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from planner.robust.outcome import Stage

    bars = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[Stage, Any] = {}  # rich's TaskID per stage

    def update(event: RobustProgress) -> None:
        if event.stage is Stage.WEIGHT_SET:  # the count, before any solve (and before the bars start)
            click.echo(event.message, err=True)
            return
        if not tasks:
            bars.start()
        if event.stage not in tasks:
            tasks[event.stage] = bars.add_task(event.stage.value, total=event.total)
        bars.update(tasks[event.stage], completed=event.done, total=event.total)

    try:
        yield update
    finally:
        bars.stop()


def _print(report: RobustReport, folder: Path) -> None:
    from planner.io.numbers import fmt as num  # the one number formatter

    if report.message:
        click.echo(report.message)
    if not report.weights_matter:
        click.echo(f"nominal objective {num(report.nominal['objective'])}: {len(report.nominal['selected'])} options")
        click.echo(f"written to {folder}")
        return
    n, mm, mr, ci = report.nominal, report.maximin, report.minimax_regret, report.core_index
    ws = report.weight_set
    t_lo, t_hi = ws["scale_range"]
    if ws["complete"]:
        examined = (
            "all solved"
            if ws["vertices_examined"] == ws["vertex_count"]
            else f"{ws['vertices_examined']:,} distinct weightings, all solved"
        )
    else:
        examined = f"{ws['vertices_examined']:,} solved (--max-vertices {ws['max_vertices']:,})"
    click.echo(
        f"weight set: {len(report.factors)} factors ({', '.join(report.factors)}), {ws['vertex_count']:,} vertices, "
        f"{examined}; scale of the weights {num(t_lo)} to {'unbounded' if t_hi is None else num(t_hi)}"
    )
    click.echo(
        f"nominal optimum   objective {num(n['objective'])}, worst case {num(n['worst_case'])}, "
        f"max regret {_regret(n, num)}, {len(n['selected'])} options"
    )
    click.echo(
        f"maximin           worst case {num(mm['worst_case'])}, max regret {_regret(mm, num)}, "
        f"{len(mm['selected'])} options"
    )
    if mr["complete"]:
        closed = f"gap {num(mr['gap'])}, {mr['iterations']} iterations"
    else:
        closed = (
            f"the least max regret lies in [{num(mr['lower_bound'])}, "
            f"{'?' if mr['max_regret_upper'] is None else num(mr['max_regret_upper'])}]"
        )
    click.echo(f"minimax regret    max regret {_regret(mr, num)} ({closed}), worst case {num(mr['worst_case'])}")
    counts = {lab: sum(1 for v in ci["options"].values() if v == lab) for lab in ("core", "borderline", "exterior")}
    from planner.robust.outcome import Stop

    stop = {
        None: "complete",
        Stop.MAX_PORTFOLIOS: "stopped at --max-portfolios",
        Stop.MAX_VERTICES: "not all vertices solved: some may be missing",
    }[Stop(ci["stopped_by"]) if ci["stopped_by"] else None]
    click.echo(
        f"core index        {ci['portfolios']} non-dominated portfolios ({stop}): "
        f"{counts['core']} core, {counts['borderline']} borderline, {counts['exterior']} exterior options"
    )
    click.echo(f"written to {folder}")


def _regret(part: PortfolioFigures, num: Callable[[float | None], str]) -> str:
    """A max regret: exact, or its bounds when not every vertex was solved."""
    low, high = part["max_regret"], part["max_regret_upper"]
    if high == low:
        return num(low)
    return f"{num(low)} to {'?' if high is None else num(high)}"
