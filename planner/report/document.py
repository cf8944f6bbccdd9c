"""The report as a list of plain blocks, so HTML and Markdown show the same content.

`build_document(content)` returns headings, paragraphs, headline figures, tables
(cells already formatted as text) and charts, in reading order:

1. headline figures; 2. charts (coverage per sector, resource use vs limit);
3. the portfolio grouped by sector, then by partner (with the partner × sector
matrix); 4. coverage per gap; 5. resources; 6. rules and scenario settings as run;
7. one section per extra table (frontier, sweep, Monte Carlo, explain …) with its
charts. Renderers only escape and lay out; they never compute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from planner.report.charts import Chart, all_charts
from planner.io.numbers import fmt_number, fmt_percent
from planner.report.content import RunContent, Table
from planner.report.words import column_words
from planner.solver.outcome import Status

if TYPE_CHECKING:
    import pandas as pd

MAX_ROWS = 500  # core tables longer than this are cut in HTML/Markdown (the workbook and CSVs have every row)
HEAD_ROWS, TAIL_ROWS = 12, 3  # a result table longer than both is summarised: its first and last rows
LIST_SHOWN = 4  # a cell listing more ids than this shows the first ones and how many more
SEP = ";"  # how the run's tables join a list of ids in one cell
TEXT_LAST = ("rationale",)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    text: str
    muted: bool = False


@dataclass(frozen=True)
class Figures:
    items: list[tuple[str, str]]


@dataclass(frozen=True)
class TableBlock:
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]  # right-align these columns
    note: str = ""


@dataclass(frozen=True)
class Image:
    chart: Chart


Block = Heading | Para | Figures | TableBlock | Image


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    footer: str = ""


def format_cell(value: Any, percent: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if percent and isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt_percent(value)
    if isinstance(value, (int, float)):
        return fmt_number(value, 4 if isinstance(value, float) and abs(value) < 10 else 2)
    return str(value)


def list_cell(text: str) -> str:
    """A cell of ids joined by ';': spaced so it wraps, and cut to LIST_SHOWN ids plus how many more."""
    items = [t for t in text.split(SEP) if t]
    if len(items) <= 1:
        return text
    shown = "; ".join(items[:LIST_SHOWN])
    return shown if len(items) <= LIST_SHOWN else f"{shown} … and {len(items) - LIST_SHOWN} more"


def _cells(frame: pd.DataFrame, cols: list[str], percent: tuple[str, ...]) -> list[list[str]]:
    return [
        [
            list_cell(format_cell(v, c in percent)) if isinstance(v, str) else format_cell(v, c in percent)
            for c, v in zip(cols, rec)
        ]
        for rec in frame[cols].itertuples(index=False)
    ]


def table_block(
    frame: pd.DataFrame,
    percent: tuple[str, ...] = (),
    columns: list[str] | None = None,
    rename: dict[str, str] | None = None,
    summarise: str = "",
) -> TableBlock:
    """Format a typed frame as a text table; numeric columns are right-aligned. With `summarise`
    (where every row is: the workbook sheet and file) a long table shows its first HEAD_ROWS and
    last TAIL_ROWS rows and says how many more are there."""
    cols = [str(c) for c in (columns or list(frame.columns)) if c in frame.columns]
    rename = rename or {}
    numeric = []
    for c in cols:
        vals = [v for v in frame[c].tolist() if v is not None and not (isinstance(v, float) and math.isnan(v))]
        numeric.append(bool(vals) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals))
    n = len(frame)
    if summarise and n > HEAD_ROWS + TAIL_ROWS + 1:
        rows = _cells(frame.head(HEAD_ROWS), cols, percent)
        rows.append([f"… {n - HEAD_ROWS - TAIL_ROWS} more rows …"] + [""] * (len(cols) - 1))
        rows += _cells(frame.tail(TAIL_ROWS), cols, percent)
        note = f"The first {HEAD_ROWS} and last {TAIL_ROWS} of {n} rows; all {n} are in {summarise}."
    else:
        rows = _cells(frame.head(MAX_ROWS), cols, percent)
        note = f"First {MAX_ROWS} of {n} rows; the workbook and the CSV have them all." if n > MAX_ROWS else ""
    return TableBlock([rename.get(c, c) for c in cols], rows, numeric, note)


def _portfolio_columns(content: RunContent) -> list[str]:
    port = content.portfolio
    resources = list(content.resources["resource"]) if len(content.resources) else []
    skip = {"partner_id", "sector_id", "sector_name", "partner_name", "option_id", "kind", "name", "risk", *resources}
    extra = [c for c in port.columns if c not in skip and c not in TEXT_LAST]
    return [
        "partner_name",
        "option_id",
        "kind",
        "name",
        *resources,
        "risk",
        *extra,
        *[c for c in TEXT_LAST if c in port.columns],
    ]


def _portfolio_blocks(content: RunContent) -> list[Block]:
    port = content.portfolio
    blocks: list[Block] = [Heading(2, "Portfolio by sector", "portfolio")]
    if not len(port):
        return blocks + [Para("No options are selected in this run.")]
    cols = _portfolio_columns(content)
    rename = {"partner_name": "partner", "option_id": "option"}
    sectors = content.sectors.set_index("sector_id") if len(content.sectors) else None
    order = list(content.sectors["sector_id"]) + [
        s for s in port["sector_id"].unique() if s not in set(content.sectors["sector_id"])
    ]
    for sid in order:
        grp = port[port["sector_id"] == sid]
        if not len(grp):
            continue
        name = grp["sector_name"].iloc[0] if "sector_name" in grp.columns else sid
        frac = ""
        if sectors is not None and sid in sectors.index:
            frac = f" · {fmt_percent(sectors.loc[sid, 'fraction'])} of its gaps covered"
        blocks.append(Heading(3, f"{name} ({sid}) — {len(grp)} option{'s' if len(grp) != 1 else ''}{frac}"))
        grp = grp.sort_values(["partner_id", "option_id"], kind="stable")
        blocks.append(table_block(grp, columns=cols, rename=rename))
    blocks.append(Heading(2, "Portfolio by partner", "partners"))
    resources = list(content.resources["resource"]) if len(content.resources) else []
    rows = []
    for pid, grp in port.groupby("partner_id", sort=True):
        row = {
            "partner": grp["partner_name"].iloc[0] if "partner_name" in grp.columns else pid,
            "partner_id": pid,
            "options": len(grp),
            "sectors": ", ".join(sorted(set(map(str, grp["sector_id"])))),
        }
        for r in resources:
            if r in grp.columns:
                row[r] = float(sum(v or 0 for v in grp[r]))
        rows.append(row)
    import pandas as pd

    by_partner = pd.DataFrame(rows).sort_values(["options", "partner_id"], ascending=[False, True], kind="stable")
    blocks.append(table_block(by_partner))
    return blocks


def _extra_blocks(table: Table, charts: list[Chart], resources: tuple[str, ...]) -> list[Block]:
    blocks: list[Block] = [Heading(2, table.title, f"extra-{table.key}")]
    note = (table.note + " " if table.note else "") + f"From {table.source}."
    blocks.append(Para(note, muted=True))
    blocks.extend(Image(c) for c in charts)
    if len(table.frame.columns):
        rename = {str(c): column_words(str(c), resources) for c in table.frame.columns}
        where = f'the workbook (sheet "{table.key}") and {table.source}'
        blocks.append(table_block(table.frame, percent=table.percent, rename=rename, summarise=where))
    else:
        blocks.append(Para("(empty)"))
    return blocks


def build_document(content: RunContent, with_charts: bool = True) -> Document:
    """The report's blocks in reading order (see the module docstring)."""
    s = content.summary
    title = content.title
    doc = Document(title=title)
    pairs = all_charts(content) if with_charts else []
    core = {c.key: c for t, c in pairs if t is None}
    by_table: dict[str, list[Chart]] = {}
    for t, c in pairs:
        if t is not None:
            by_table.setdefault(t.key, []).append(c)
    doc.charts = [c for _, c in pairs]
    b = doc.blocks
    b.append(Heading(1, title, "top"))
    description = content.scenario.get("description")
    if description:
        b.append(Para(str(description)))
    b.append(Figures(content.headline()))
    if not content.has_portfolio and content.status is Status.INFEASIBLE:
        b.append(
            Para(
                "The scenario is infeasible: no portfolio satisfies every limit, target and rule. "
                "`planner diagnose` names the conflicting constraints."
            )
        )
    for key in ("coverage_by_sector", "resource_use"):
        if key in core:
            b.append(Image(core[key]))
    if content.is_solve:
        b.extend(_portfolio_blocks(content))
    if "partner_sector_matrix" in core:
        b.append(Image(core["partner_sector_matrix"]))
    if len(content.sectors):
        b.append(Heading(2, "Coverage by sector", "sectors"))
        b.append(table_block(content.sectors, percent=("fraction",)))
    if len(content.coverage):
        b.append(Heading(2, "Coverage by gap", "coverage"))
        b.append(table_block(content.coverage, percent=("fraction",)))
    if len(content.resources):
        b.append(Heading(2, "Resources", "resources"))
        b.append(table_block(content.resources, percent=("share",)))
    for table in content.extras:
        b.extend(_extra_blocks(table, by_table.get(table.key, []), content.resource_names))
    if "scenario.json" in content.present:
        b.append(Heading(2, "Rules", "rules"))
        b.append(table_block(content.rules))
    if len(content.inputs):
        b.append(Heading(2, "Scenario as run", "scenario"))
        b.append(table_block(content.inputs))
    facts = [
        f"solver {s['backend']}" if s.get("backend") else "",
        f"input sha256 {str(s['input_sha256'])[:16]}…" if s.get("input_sha256") else "",
    ]
    facts = [f for f in facts if f]
    doc.footer = f"Written by Partnership Planner {s.get('planner_version') or ''} from the run folder".replace(
        "  ", " "
    ) + (f" ({', '.join(facts)})." if facts else ".")
    return doc
