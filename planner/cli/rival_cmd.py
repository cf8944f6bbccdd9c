"""`planner rival`: plan against a rival who courts the same partners (a thin adapter over planner.rival)."""

from __future__ import annotations

import math
import sys
from types import TracebackType
from typing import TYPE_CHECKING, Callable

import click

from planner.cli.common import check_out, emit_json, handle_errors, json_option, out_option, set_option

if TYPE_CHECKING:
    from rich.status import Status as RichStatus

MAX_RUNGS = 1000


def parse_budgets(text: str) -> tuple[float, ...]:
    """`A:B:STEP` → A, A+STEP, …, B (B included when the steps reach it); a usage error otherwise."""
    parts = text.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        start, stop, step = (float(p) for p in parts)
    except ValueError:
        raise click.BadParameter(f"{text!r}: give START:STOP:STEP, e.g. 0:5:1", param_hint="--budgets") from None
    if not all(math.isfinite(v) for v in (start, stop, step)) or step <= 0 or start < 0 or stop < start:
        raise click.BadParameter(f"{text!r}: need 0 ≤ START ≤ STOP and STEP > 0, e.g. 0:5:1", param_hint="--budgets")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_RUNGS:
        raise click.BadParameter(f"{text!r} gives {count} budgets; at most {MAX_RUNGS}", param_hint="--budgets")
    return tuple(round(start + k * step, 12) for k in range(count))


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--budget",
    type=click.FloatRange(min=0),
    default=None,
    help="The rival's budget (default: the scenario's rival.budget).",
)
@click.option(
    "--budgets",
    "budgets",
    default=None,
    metavar="A:B:STEP",
    help="Also the ladder of rival budgets A, A+STEP, …, B: nominal and hedged worst cases at each.",
)
@set_option
@out_option
@json_option
@handle_errors
def rival(
    scenario: str,
    budget: float | None,
    budgets: str | None,
    overrides: tuple[str, ...],
    out_dir: str | None,
    as_json: bool,
) -> None:
    """Plan against a rival who courts the same partners (the scenario's rival: section).

    The rival sees our plan, then pulls away the partners that hurt it most within its budget
    (each option we sign with a partner raises that partner's price by rival.shield); a pulled
    partner's contributions shrink by rival.loss. Reports the nominal plan's worst case, the
    exact hedged (maximin) plan, the price of hedging beside its gain, and per partner what it
    costs the rival and what losing it costs us. Writes rival.json, rival_partners.csv and
    rival_ladder.csv to --out, or outputs/<scenario>/rival-<time>/.

    \b
    Examples:
      planner rival models/rival.yaml
      planner rival models/rival.yaml --budget 3 --json
      planner rival models/rival.yaml --budgets 0:5:1 --out outputs/rival
      planner rival models/baseline.yaml --set rival.budget=2 --set rival.shield=0.5
    """
    from pathlib import Path

    from planner.api import load_scenario
    from planner.io.runfolder import default_run_dir
    from planner.rival import RivalInfeasible, RivalOptions, write_rival
    from planner.rival import rival as run

    ladder = parse_budgets(budgets) if budgets else ()
    check_out(out_dir)
    sc = load_scenario(scenario, overrides)
    with _progress(not as_json) as tell:
        try:
            result = run(sc, RivalOptions(budget=budget, budgets=ladder, progress=tell))
        except RivalInfeasible as exc:
            if as_json:
                emit_json({"scenario": sc.name, "status": str(exc.status), "message": str(exc)})
            else:
                click.echo(str(exc), err=True)
            sys.exit(exc.status.exit_code)
    stamp = default_run_dir(sc.name)
    folder = Path(out_dir) if out_dir else stamp.with_name(f"rival-{stamp.name}")
    write_rival(result, folder)
    if as_json:
        emit_json({**result.to_dict(), "out_dir": str(folder)})
    else:
        from planner.cli.rival_display import print_rival

        print_rival(result, folder)
    sys.exit(result.status.exit_code)


class _progress:
    """A one-line status on stderr while the rounds run (only on a terminal, never with --json)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.status: RichStatus | None = None

    def __enter__(self) -> Callable[[str], None] | None:
        if not self.enabled:
            return None
        from rich.console import Console

        status = self.status = Console(stderr=True).status("planner rival: nominal plan")
        status.__enter__()
        return lambda message: status.update(f"planner rival: {message}")

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.status is not None:
            self.status.__exit__(kind, exc, trace)
