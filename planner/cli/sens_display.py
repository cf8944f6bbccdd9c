"""Readable terminal tables for the sensitivity commands (rich)."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .display import fmt as _fmt

MAX_ROWS = 40


def fmt(value, digits: int = 2) -> str:
    """Like display.fmt, with pandas' missing values shown as a dash."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple, str)) and pd.isna(value)):
        return "—"
    if hasattr(value, "item"):  # numpy / pandas scalars
        value = value.item()
    return _fmt(value, digits)


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=140)


def _rows(frame):
    """All rows, or the first and last MAX_ROWS/2 with a gap marker."""
    if len(frame) <= MAX_ROWS:
        return list(frame.iterrows()), False
    half = MAX_ROWS // 2
    return list(frame.head(half).iterrows()) + [(None, None)] + list(frame.tail(half).iterrows()), True


def print_sweep(outcome, console: Console | None = None) -> None:
    console = console or _console()
    s = outcome.summary
    counts = ", ".join(f"{v} {k}" for k, v in s["status_counts"].items())
    rate = f" · {s['points_per_second']:.2f} points/s" if s.get("points_per_second") else ""
    console.print(f"[bold]{s['scenario']}[/bold] sweep: {s['points']} points ({counts}){rate} · "
                  f"{s['paths']['fast']} re-solved in place, {s['paths']['rebuild']} rebuilt")
    frame = outcome.tables["sweep.csv"]
    changes = outcome.tables["changes.csv"]
    keys = [a["key"] for a in s["axes"]]
    table = Table(title="Points")
    for col in ("point", *keys, "status", "objective", "selected", "enter", "leave"):
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
        table.add_row(str(row["point"]), *(fmt(row[k]) for k in keys), row["status"], fmt(row["objective"], 4),
                      fmt(row["selected"]), enter, leave)
    console.print(table)
    console.print(f"results written to [bold]{outcome.out_dir}[/bold]")
