"""Readable terminal tables for the sensitivity commands (rich)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Hashable

import pandas as pd

from rich.console import Console
from rich.table import Table

from planner.io.numbers import fmt_cell
from planner.report.words import column_words, resource_words
from planner.sensitivity.runner import RunResult

MAX_ROWS = 40


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=140)


def _rows(frame: pd.DataFrame) -> tuple[list[tuple[Hashable, pd.Series | None]], bool]:
    """All rows, or the first and last MAX_ROWS/2 with a gap marker (None)."""
    if len(frame) <= MAX_ROWS:
        return list(frame.iterrows()), False
    half = MAX_ROWS // 2
    return list(frame.head(half).iterrows()) + [(None, None)] + list(frame.tail(half).iterrows()), True


def print_sweep(outcome: RunResult, out_dir: Path, console: Console | None = None) -> None:
    console = console or _console()
    s = outcome.summary
    counts = ", ".join(f"{v} {k}" for k, v in s["status_counts"].items())
    rate = f" · {s['points_per_second']:.2f} points/s" if s.get("points_per_second") else ""
    console.print(
        f"[bold]{s['scenario']}[/bold] sweep: {s['points']} points ({counts}){rate} · "
        f"{s['paths']['fast']} re-solved in place, {s['paths']['rebuild']} rebuilt"
    )
    frame = outcome.tables["sweep.csv"]
    changes = outcome.tables["changes.csv"]
    keys = [a["key"] for a in s["axes"]]
    table = Table(title="Points")
    for col in ("point", *map(column_words, keys), "status", "objective", "selected", "enter", "leave"):
        table.add_column(col, justify="left" if col == "status" else "right")
    last_axis = keys[-1]
    inner = changes[changes["axis"] == last_axis] if len(changes) else changes
    rows, _ = _rows(frame)
    for _, row in rows:
        if row is None:
            table.add_row("…", *[""] * (len(keys) + 5))
            continue
        into = inner[inner["to_point"] == row["point"]] if len(inner) else inner
        enter = ", ".join(into[into["change"] == "enter"]["option_id"]) if len(into) else ""
        leave = ", ".join(into[into["change"] == "leave"]["option_id"]) if len(into) else ""
        table.add_row(
            str(row["point"]),
            *(fmt_cell(row[k]) for k in keys),
            row["status"],
            fmt_cell(row["objective"], 4),
            fmt_cell(row["selected"]),
            enter,
            leave,
        )
    console.print(table)
    console.print(f"results written to [bold]{out_dir}[/bold]")


def _exactness(summary: dict[str, Any]) -> str:
    return "exact" if summary["exact"] else "[yellow]not exact (a solve hit its time limit)[/yellow]"


def print_frontier(outcome: RunResult, out_dir: Path, console: Console | None = None) -> None:
    console = console or _console()
    s = outcome.summary
    exact = _exactness(s)
    if not s["complete"]:
        exact += f", [yellow]stopped by --max-solves: covers {fmt_cell(s['covered_from'])} and up[/yellow]"
    console.print(
        f"[bold]{s['scenario']}[/bold] frontier of the objective against {resource_words(s['resource'])} "
        f"from {fmt_cell(s['from'])} to {fmt_cell(s['to'])}: {s['breakpoints']} breakpoints found with "
        f"{s['solves']} solves ({exact}, {s['wall_seconds']:.1f} s)"
    )
    frame = outcome.tables["frontier.csv"]
    table = Table(title="Limit intervals (the portfolio is optimal from 'from' up to 'to')")
    for col in ("from", "to", "status", "objective", "selected", "entered", "left"):
        table.add_column(col, justify="left" if col in ("status", "entered", "left") else "right")
    rows, _ = _rows(frame)
    for _, row in rows:
        if row is None:
            table.add_row("…", *[""] * 6)
            continue
        table.add_row(
            fmt_cell(row["limit_from"]),
            fmt_cell(row["limit_to"]),
            row["status"],
            fmt_cell(row["objective"], 4),
            fmt_cell(row["selected"]),
            row["entered"].replace(";", ", "),
            row["left"].replace(";", ", "),
        )
    console.print(table)
    console.print(f"results written to [bold]{out_dir}[/bold]")


def print_tranches(outcome: RunResult, out_dir: Path, console: Console | None = None) -> None:
    console = console or _console()
    s = outcome.summary
    exact = _exactness(s)
    console.print(
        f"[bold]{s['scenario']}[/bold] nested plans ({s['nested']}) for {resource_words(s['resource'])} tranches "
        f"{', '.join(fmt_cell(v) for v in s['tranches'])}: objectives sum to {fmt_cell(s['objective_sum'], 4)} "
        f"against {fmt_cell(s['unconstrained_sum'], 4)} unconstrained ({exact}, {s['wall_seconds']:.1f} s)"
    )
    table = Table(title="Tranches (each portfolio contains the one before)")
    for col in ("tranche", "limit", "status", "objective", "unconstrained", "price of nesting", "selected", "adds"):
        table.add_column(col, justify="left" if col in ("status", "adds") else "right", overflow="fold")
    for _, row in outcome.tables["tranches.csv"].iterrows():
        table.add_row(
            str(row["tranche"]),
            fmt_cell(row["limit"]),
            row["status"],
            fmt_cell(row["objective"], 4),
            fmt_cell(row["unconstrained_objective"], 4),
            fmt_cell(row["price_of_nesting"], 4),
            fmt_cell(row["selected"]),
            row["added"].replace(";", ", ") or "—",
        )
    console.print(table)
    console.print(f"results written to [bold]{out_dir}[/bold]")


def print_montecarlo(outcome: RunResult, out_dir: Path, console: Console | None = None) -> None:
    console = console or _console()
    s = outcome.summary
    counts = ", ".join(f"{v} {k}" for k, v in s["status_counts"].items())
    obj = s["objective"]
    console.print(
        f"[bold]{s['scenario']}[/bold] Monte Carlo: {s['samples']} samples, seed {s['seed']} ({counts}); "
        f"unperturbed objective {fmt_cell(s['base']['objective'], 4)}"
    )
    if obj:
        console.print(
            f"objective re-optimised per sample (each sample's own best plan): mean {fmt_cell(obj['mean'], 4)}, "
            f"5–95 % [{fmt_cell(obj['p5'], 4)}, {fmt_cell(obj['p95'], 4)}], "
            f"min {fmt_cell(obj['min'], 4)}, max {fmt_cell(obj['max'], 4)}"
        )
    plan = s.get("base_plan") or {}
    if plan:
        console.print(
            f"the unperturbed plan held fixed under the same draws: mean {fmt_cell(plan['mean'], 4)}, "
            f"5–95 % [{fmt_cell(plan['p5'], 4)}, {fmt_cell(plan['p95'], 4)}], "
            f"min {fmt_cell(plan['min'], 4)}, max {fmt_cell(plan['max'], 4)}"
        )
    frame = outcome.tables["montecarlo_options.csv"]
    shown = frame[frame["selected_samples"] > 0]
    table = Table(title=f"Options ever selected ({s['counts']['core']} core, {s['counts']['borderline']} borderline)")
    for col in ("option", "partner", "sector", "frequency", "label", "in base"):
        table.add_column(col, justify="right" if col == "frequency" else "left")
    rows, _ = _rows(shown)
    for _, row in rows:
        if row is None:
            table.add_row("…", *[""] * 5)
            continue
        table.add_row(
            row["option_id"],
            row["partner_id"],
            row["sector_id"],
            f"{row['frequency']:.0%}",
            row["label"],
            "yes" if row["in_base"] else "",
        )
    console.print(table)
    cov = outcome.tables["montecarlo_coverage.csv"]
    sect = Table(title="Covered fraction by sector across samples")
    for col in ("sector", "unperturbed", "p5", "p50", "p95"):
        sect.add_column(col, justify="left" if col == "sector" else "right")
    pct: Callable[[float | None], str] = lambda v: "—" if v is None or v != v else f"{v:.0%}"  # noqa: E731
    for _, row in cov.iterrows():
        sect.add_row(row["name"], pct(row["base_fraction"]), pct(row["p5"]), pct(row["p50"]), pct(row["p95"]))
    console.print(sect)
    console.print(f"results written to [bold]{out_dir}[/bold]")


def print_alternatives(outcome: RunResult, out_dir: Path, console: Console | None = None) -> None:
    console = console or _console()
    s = outcome.summary
    console.print(
        f"[bold]{s['scenario']}[/bold]: optimum {fmt_cell(s['optimum']['objective'], 4)} "
        f"({len(s['optimum']['selected'])} options); {s['found']} of {s['count']} alternatives within "
        f"{s['within']:.1%} ({s['stopped']})"
    )
    frame = outcome.tables["alternatives.csv"]
    table = Table(title="Portfolios (0 = the optimum)")
    for col in ("#", "objective", "loss", "dropped", "added"):
        table.add_column(col, justify="left" if col in ("dropped", "added") else "right")
    for _, row in frame.iterrows():
        loss = "—" if row["alternative"] == 0 else f"{fmt_cell(row['loss'], 4)} ({row['loss_pct']:.2f} %)"
        table.add_row(
            str(row["alternative"]),
            fmt_cell(row["objective"], 4),
            loss,
            row["dropped_ids"].replace(";", ", "),
            row["added_ids"].replace(";", ", "),
        )
    console.print(table)
    console.print(f"results written to [bold]{out_dir}[/bold]")
