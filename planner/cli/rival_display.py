"""Readable terminal tables for `planner rival` (rich)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from rich.console import Console
from rich.table import Table

from planner.io.numbers import fmt_fixed

if TYPE_CHECKING:
    from planner.rival.run import RivalResult


def _names(pulled: Sequence[str], partners: dict[str, str]) -> str:
    """Partners by name (the partners table), or "nobody"."""
    return ", ".join(partners.get(p, p) for p in pulled) if pulled else "nobody"


def _options(ids: Sequence[str], options: dict[str, str], none: str = "nothing") -> str:
    """Options by name (the options table), or `none`."""
    return ", ".join(options.get(o, o) for o in ids) or none


def print_rival(result: RivalResult, folder: str | Path, console: Console | None = None) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=140)
    d = result.to_dict()
    r, n, h = d["rival"], d["nominal"], d["hedged"]
    partners = {str(k): str(v) for k, v in result.scenario.partners["name"].items()}
    options = {str(k): str(v) for k, v in result.scenario.options["name"].items()}
    exact = (
        f"exact (bound {fmt_fixed(d['bound'], 4)}, {d['iterations']} rounds)"
        if d["exact"]
        else f"NOT proven: gap {fmt_fixed(d['gap'], 4)} after {d['iterations']} rounds"
    )
    console.print(
        f"[bold]{d['scenario']}[/bold] against {r['name']}: budget {fmt_fixed(r['budget'], 2)}, "
        f"shield {fmt_fixed(r['shield'], 2)} per option, loss {fmt_fixed(100 * r['loss'], 0)} % · {exact}"
    )
    table = Table(title="Plans against the rival")
    for col in ("plan", "objective (nobody pulled)", "worst case", "rival pulls", "rival spends", "options"):
        table.add_column(col, justify="left" if col in ("plan", "rival pulls") else "right")
    for label, p in (("nominal", n), ("hedged", h)):
        table.add_row(
            label,
            fmt_fixed(p["objective"], 4),
            fmt_fixed(p["worst_case"], 4),
            _names(p["response"], partners),
            fmt_fixed(p["response_spend"], 2),
            str(p["options"]),
        )
    console.print(table)
    console.print(
        f"Hedging costs {fmt_fixed(d['price_of_hedging'], 4)} in peace and saves {fmt_fixed(d['gain'], 4)} "
        f"if {r['name']} spends {fmt_fixed(r['budget'], 2)}."
    )
    added = sorted(set(h["selected"]) - set(n["selected"]))
    dropped = sorted(set(n["selected"]) - set(h["selected"]))
    if added or dropped:
        console.print(f"The hedged plan adds {_options(added, options)}; drops {_options(dropped, options)}.")
    _partners(console, result)
    if result.ladder:
        _ladder(console, result, options)
    console.print(f"written to {folder}")


def _partners(console: Console, result: RivalResult) -> None:
    rows = [p for p in result.partners if p["options_nominal"] or p["options_hedged"] or p["pulled_nominal"]]
    rows.sort(key=lambda p: (-float(p["loss_alone_nominal"]), str(p["partner_id"])))
    table = Table(
        title="Partners in either plan (cost to the rival before → after shielding; our loss if pulled alone)"
    )
    for col in (
        "partner",
        "rival cost",
        "cost vs nominal",
        "cost vs hedged",
        "loss alone (nominal)",
        "loss alone (hedged)",
        "pulled vs nominal",
        "pulled vs hedged",
        "shore up",
    ):
        table.add_column(col, justify="left" if col == "partner" else "right")
    for p in rows:
        table.add_row(
            str(p["name"]),
            fmt_fixed(p["rival_cost"], 2),
            fmt_fixed(p["cost_nominal"], 2),
            fmt_fixed(p["cost_hedged"], 2),
            fmt_fixed(p["loss_alone_nominal"], 4),
            fmt_fixed(p["loss_alone_hedged"], 4),
            "yes" if p["pulled_nominal"] else "",
            "yes" if p["pulled_hedged"] else "",
            "yes" if p["shore_up"] else "",
        )
    console.print(table)


def _ladder(console: Console, result: RivalResult, options: dict[str, str]) -> None:
    table = Table(title="Ladder of rival budgets")
    for col in (
        "budget",
        "nominal worst case",
        "hedged worst case",
        "hedged objective",
        "price",
        "gain",
        "hedged plan adds",
        "drops",
        "exact",
    ):
        table.add_column(col, justify="left" if col in ("hedged plan adds", "drops") else "right")
    for row in result.ladder:
        table.add_row(
            fmt_fixed(row["budget"], 2),
            fmt_fixed(row["nominal_worst_case"], 4),
            fmt_fixed(row["hedged_worst_case"], 4),
            fmt_fixed(row["hedged_objective"], 4),
            fmt_fixed(row["price_of_hedging"], 4),
            fmt_fixed(row["gain"], 4),
            _options([o for o in row["added"].split(";") if o], options, "—"),
            _options([o for o in row["dropped"].split(";") if o], options, "—"),
            "yes" if row["exact"] else f"gap {fmt_fixed(row['gap'], 4)}",
        )
    console.print(table)
