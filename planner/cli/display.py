"""Readable terminal tables for results (rich)."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table


def fmt(value, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def print_result(result, out_dir=None, console: Console | None = None) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:  # piped or captured: do not squeeze tables into 80 columns
            console = Console(width=140)
    s = result.summary()
    head = f"[bold]{s['scenario']}[/bold]: {s['status']}"
    if result.has_portfolio:
        head += f" · objective {fmt(s['objective'], 4)} · {s['selected']} options"
        if s["status"] != "optimal":
            head += f" · bound {fmt(s['bound'], 4)} · gap {fmt(s['mip_gap'], 4)}"
    console.print(head + f" · solved in {s['solve_seconds']:.2f} s")
    if result.message and result.status != "optimal":
        console.print(f"[yellow]{result.message}[/yellow]")
    if not result.has_portfolio:
        return
    sc = result.scenario
    table = Table(title="Selected partnerships by sector", show_lines=False)
    for col in ("sector", "partner", "kind", "option", *sc.resources):
        table.add_column(col, justify="right" if col in sc.resources else "left", overflow="fold")
    port = result.portfolio.sort_values(["sector_id", "partner_id", "option_id"], kind="stable")
    previous = None
    for _, row in port.iterrows():
        sector = row["sector_id"] if row["sector_id"] != previous else ""
        if sector and previous is not None:
            table.add_section()
        previous = row["sector_id"]
        table.add_row(sector, row["partner_name"], row["kind"], row["option_id"],
                      *(fmt(float(row[r]), 1) for r in sc.resources))
    console.print(table)
    sect = Table(title="Coverage by sector")
    for col in ("sector", "covered", "of size", "fraction", "options"):
        sect.add_column(col, justify="left" if col == "sector" else "right")
    for _, row in result.sector_coverage().iterrows():
        sect.add_row(row["name"], fmt(row["covered"], 1), fmt(row["size"], 1), f"{row['fraction']:.1%}", str(row["options"]))
    console.print(sect)
    res = Table(title="Resources")
    for col in ("resource", "used", "limit", "share"):
        res.add_column(col, justify="left" if col == "resource" else "right")
    for name, r in s["resources"].items():
        share = f"{r['used'] / r['limit']:.0%}" if r["limit"] else "—"
        res.add_row(name, fmt(r["used"], 1), fmt(r["limit"], 1), share)
    console.print(res)
    if out_dir is not None:
        console.print(f"results written to [bold]{out_dir}[/bold]")
