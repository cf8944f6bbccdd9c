"""Readable terminal tables for results (rich)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from rich.console import Console
from rich.table import Table

from planner.analysis.entry import EntryPath, EntryStatus
from planner.io.numbers import fmt, fmt_fixed, fmt_percent
from planner.report.words import resource_words
from planner.solver.outcome import Status

if TYPE_CHECKING:
    from planner.analysis.compare import Comparison
    from planner.analysis.explain import Explanation
    from planner.analysis.value import ValueReport
    from planner.results.result import Result


def print_result(result: Result, out_dir: str | Path | None = None, console: Console | None = None) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:  # piped or captured: do not squeeze tables into 80 columns
            console = Console(width=140)
    s = result.summary()
    head = f"[bold]{s['scenario']}[/bold]: {s['status']}"
    if result.has_portfolio:
        head += f" · objective {fmt_fixed(s['objective'], 4)} · {s['selected']} options"
        if s["status"] != Status.OPTIMAL or (s["mip_gap"] or 0) > 1e-9:  # optimal within a gap setting shows it
            head += f" · bound {fmt_fixed(s['bound'], 4)} · gap {fmt_fixed(s['mip_gap'], 4)}"
    console.print(head + f" · solved in {s['solve_seconds']:.2f} s")
    if result.message and result.status != Status.OPTIMAL:
        console.print(f"[yellow]{result.message}[/yellow]")
    if not result.has_portfolio:
        return
    sc = result.scenario
    table = Table(title="Selected partnerships by sector", show_lines=False)
    port = result.portfolio.sort_values(["sector_id", "partner_id", "option_id"], kind="stable")
    for col in ("sector", "partner", "kind", "option"):
        table.add_column(col, overflow="fold")
    # ids stay whole (one can copy them into --set or `planner explain`): never wrapped, never narrower
    table.add_column("option id", no_wrap=True, min_width=max(map(len, port["option_id"]), default=9))
    for r in sc.resources:
        table.add_column(resource_words(r), justify="right", overflow="fold")
    sectors = sc.sectors["name"].to_dict()
    previous = None
    for _, row in port.iterrows():
        sector = sectors.get(row["sector_id"], row["sector_id"]) if row["sector_id"] != previous else ""
        if sector and previous is not None:
            table.add_section()
        previous = row["sector_id"]
        table.add_row(
            sector,
            row["partner_name"],
            row["kind"],
            str(row.get("name") or row["option_id"]),
            row["option_id"],
            *(fmt_fixed(float(row[r]), 1) for r in sc.resources),
        )
    console.print(table)
    sect = Table(title="Coverage by sector")
    for col in ("sector", "covered", "of size", "fraction", "options"):
        sect.add_column(col, justify="left" if col == "sector" else "right")
    for _, row in result.sector_coverage().iterrows():
        sect.add_row(
            row["name"],
            fmt_fixed(row["covered"], 1),
            fmt_fixed(row["size"], 1),
            f"{row['fraction']:.1%}",
            str(row["options"]),
        )
    console.print(sect)
    res = Table(title="Resources")
    for col in ("resource", "used", "limit", "share"):
        res.add_column(col, justify="left" if col == "resource" else "right")
    for name, r in s["resources"].items():
        share = f"{r['used'] / r['limit']:.0%}" if r["limit"] else "—"
        res.add_row(resource_words(name), fmt_fixed(r["used"], 1), fmt_fixed(r["limit"], 1), share)
    console.print(res)
    if sc.config.replan is not None:
        print_changes(result, console)
    if out_dir is not None:
        console.print(f"results written to [bold]{out_dir}[/bold]")


def named(names: dict[str, str], ident: str, with_id: bool = False) -> str:
    """An id as people read it: its name (and the id, where names alone could be ambiguous);
    the bare id where no name is known."""
    name = names.get(ident)
    if not name or name == ident:
        return ident
    return f"{name} ({ident})" if with_id else name


def scenario_names(result: Result) -> dict[str, dict[str, str]]:
    """The names a scenario gives its options, partners and sectors, by kind and id."""
    sc = result.scenario
    tables = (("options", sc.options), ("partners", sc.partners), ("sectors", sc.sectors))
    return {k: {str(i): str(n) for i, n in t["name"].items()} for k, t in tables}


def print_changes(result: Result, console: Console) -> None:
    """A re-plan: the change table (dropped and added options; kept ones counted) and the price of stability."""
    s = result.summary()
    counts, info = s["changes"], s["replan"]
    table = Table(
        title=f"Changes against the incumbent ({counts['kept']} kept, {counts['dropped']} dropped, "
        f"{counts['added']} added)"
    )
    sc = result.scenario
    resources = list(sc.resources)
    for col in ("change", "option", "partner", "sector"):
        table.add_column(col, overflow="fold")
    for r in resources:
        table.add_column(resource_words(r), justify="right", overflow="fold")
    names = scenario_names(result)
    frame = result.changes
    if frame is None:  # not a re-plan
        return
    for _, row in frame[frame["change"] != "kept"].iterrows():
        table.add_row(
            row["change"],
            named(names["options"], row["option_id"], with_id=True),
            named(names["partners"], row["partner_id"]),
            named(names["sectors"], row["sector_id"]),
            *(fmt_fixed(float(row[r]), 1) for r in resources),
        )
    console.print(table)
    limits = [f"{k} {info[k]}" for k in ("max_changes", "max_dropped", "max_added") if info[k] is not None]
    if limits:
        console.print("re-plan limits: " + ", ".join(limits))
    clean = info.get("clean_sheet")
    if clean and clean.get("objective") is not None:
        c = clean["changes"]
        console.print(
            f"price of stability: {c['total']} changes for objective {fmt_fixed(clean['objective'], 4)} "
            f"(clean sheet: {c['dropped']} dropped, {c['added']} added) against {counts['total']} changes "
            f"for {fmt_fixed(s['objective'], 4)} here; difference {fmt_fixed(clean['price_of_stability'], 4)}"
        )
    elif clean:
        console.print(f"clean sheet (without replan:): {clean['status']}")


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=140)


def _num(value: Any, digits: int = 4) -> str:
    """A figure of an explanation or comparison: a sentence's number, else (None, text) as a table cell."""
    return fmt(value, digits) if isinstance(value, (int, float)) else fmt_fixed(value)


def _way_in(p: EntryPath) -> str:
    """A found threshold in the table: a limit by its words and unit (budget → 5,000 M$), else its parameter."""
    if p.kind == "limit" and p.label:
        return f"{p.label} → {_num(p.needed)}" + (f" {p.unit}" if p.unit else "")
    return f"{p.parameter} → {_num(p.needed)}"


def print_explanations(
    explanations: Sequence[Explanation],
    rows: Sequence[dict[str, Any]],
    sentences: Sequence[Sequence[str]],
    out_dir: str | Path | None = None,
    console: Console | None = None,
) -> None:
    """One table for many options, then each option's sentences."""
    console = console or _console()
    if len(explanations) > 1:
        table = Table(title="Explained options")
        for col in ("option", "in?", "Δ objective if flipped", "enters / leaves", "blocked by · forced by", "ways in"):
            table.add_column(col, overflow="fold")
        for e, row in zip(explanations, rows):
            ways = [_way_in(p) for p in e.entry if p.status is EntryStatus.FOUND]
            table.add_row(
                e.option_id,
                "yes" if e.selected else "no",
                "infeasible" if e.flipped_status == Status.INFEASIBLE else _num(e.objective_change),
                f"+{len(e.enters)} / −{len(e.leaves)}",
                (row["blocked_by"] or row["forced_by"] or "—").replace(";", ", "),
                ", ".join(ways) or ("—" if e.selected else "none found"),
            )
        console.print(table)
    for lines in sentences:
        console.print("")
        for line in lines:
            console.print(line, markup=False, highlight=False)
    if out_dir is not None:
        console.print(f"\nresults written to [bold]{out_dir}[/bold]")


def print_comparison(
    comp: Comparison, all_gaps: bool = False, out_dir: str | Path | None = None, console: Console | None = None
) -> None:
    from planner.analysis.compare import describe

    console = console or _console()
    names = comp.names
    for line in describe(comp):
        console.print(line, markup=False, highlight=False)
    if comp.added or comp.removed:
        t = Table(title="Portfolio changes")
        for col in ("", "option", "partner", "sector", "kind"):
            t.add_column(col)
        for sign, items in (("+", comp.added), ("−", comp.removed)):
            for o in items:
                t.add_row(
                    sign,
                    named(names.get("options", {}), o.option_id, with_id=True),
                    named(names.get("partners", {}), o.partner_id),
                    named(names.get("sectors", {}), o.sector_id),
                    o.kind,
                )
        console.print(t)
    t = Table(title="Coverage by sector (B − A)")
    for col in ("sector", "size", "covered A", "covered B", "change", "fraction A", "fraction B"):
        t.add_column(col, justify="left" if col == "sector" else "right")
    for s in comp.sectors:
        t.add_row(
            named(names.get("sectors", {}), s["sector_id"]),
            _num(s["size"], 1),
            _num(s["covered_a"], 2),
            _num(s["covered_b"], 2),
            _num(s["change"], 2),
            fmt_percent(s["fraction_a"]),
            fmt_percent(s["fraction_b"]),
        )
    console.print(t)
    gaps = [g for g in comp.gaps if all_gaps or (g["change"] or 0) != 0 or g["change"] is None]
    if gaps:
        t = Table(title="Coverage by gap (B − A)" + ("" if all_gaps else ", changed gaps only"))
        for col in ("gap", "sector", "size", "covered A", "covered B", "change"):
            t.add_column(col, justify="left" if col in ("gap", "sector") else "right")
        for g in gaps:
            t.add_row(
                named(names.get("gaps", {}), g["gap_id"], with_id=True),
                named(names.get("sectors", {}), g["sector_id"]),
                _num(g["size"], 1),
                _num(g["covered_a"], 2),
                _num(g["covered_b"], 2),
                _num(g["change"], 2),
            )
        console.print(t)
    t = Table(title="Resources (B − A)")
    for col in ("resource", "used A", "used B", "change", "limit A", "limit B"):
        t.add_column(col, justify="left" if col == "resource" else "right")
    for r in comp.resources:
        t.add_row(
            resource_words(r["resource"]),
            _num(r["used_a"], 1),
            _num(r["used_b"], 1),
            _num(r["change"], 1),
            _num(r["limit_a"], 1),
            _num(r["limit_b"], 1),
        )
    console.print(t)
    if out_dir is not None:
        console.print(f"results written to [bold]{out_dir}[/bold]")


def print_values(
    report: ValueReport, sentences: Sequence[str], out_dir: str | Path | None = None, console: Console | None = None
) -> None:
    console = console or _console()
    t = Table(title="Value of each bound: exact re-solves at ±Δ (LP dual: relaxation only)")
    for col in (
        "bound",
        "now",
        "used",
        "Δ",
        "relaxed: Δ objective",
        "per unit",
        "tightened: Δ objective",
        "per unit",
        "LP dual",
    ):
        t.add_column(col, justify="left" if col == "bound" else "right", overflow="fold")
    for b in report.bounds:
        if b.status_relaxed == Status.INFEASIBLE:
            relaxed = "infeasible"
        else:
            relaxed = _num(b.gain_if_relaxed)
        if b.tightened_bound is None:
            tight = "—"
        elif b.status_tightened == Status.INFEASIBLE:
            tight = "infeasible"
        else:
            tight = _num(None if b.loss_if_tightened is None else -b.loss_if_tightened)
        t.add_row(
            b.row,
            _num(b.bound),
            _num(b.activity),
            _num(b.delta),
            relaxed,
            _num(b.gain_per_unit, 6),
            tight,
            _num(b.loss_per_unit, 6),
            _num(b.lp_dual, 6),
        )
    console.print(t)
    for line in sentences:
        console.print(line, markup=False, highlight=False)
    if out_dir is not None:
        console.print(f"results written to [bold]{out_dir}[/bold]")
