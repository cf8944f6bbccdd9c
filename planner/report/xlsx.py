"""The run as an Excel workbook (openpyxl): one sheet per table, typed and formula-safe.

Sheets, in order: Summary, Portfolio, Coverage, Sectors, Resources, Partner x sector,
Rules, Inputs, then one sheet per extra table in the run folder (frontier, sweep,
Monte Carlo, explain …). Every sheet has a bold frozen header row, an auto-filter
over its data, column widths fitted to the content, and fractions formatted as
percentages. Numbers are written as numbers and booleans as booleans; text cells go
through `planner.io.safety.neutralise` and are stored as text, so nothing a scenario
says can become a formula.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.io.safety import neutralise
from planner.report.content import RunContent, Table
from planner.report.words import column_words

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

PERCENT_FORMAT = "0.0%"
NUMBER_FORMAT = "General"
INTEGER_FORMAT = "#,##0"
MAX_CELL_CHARS = 32767  # Excel's limit for one cell
MAX_WIDTH = 60
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def cell_value(value: Any) -> Any:
    """What goes into a cell: numbers and booleans as they are, missing as blank, text neutralised."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and not math.isfinite(value) else value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL_CHARS]
    return neutralise(text)


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub("_", name).strip("'") or "Sheet"
    base = base[:31]
    title, k = base, 1
    while title.lower() in taken:
        k += 1
        suffix = f" ({k})"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(title.lower())
    return title


def _write(
    ws: Worksheet,
    headers: list[str],
    rows: list[list[Any]],
    percent: frozenset[str] | set[str] = frozenset(),
    integer: frozenset[str] | set[str] = frozenset(),
    labels: list[str] | None = None,
) -> None:
    """Header (`labels`, else the keys) + rows with types, formats, frozen header, filter and fitted widths."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
    widths = [len(str(h)) for h in labels or headers]
    for j, head in enumerate(labels or headers, start=1):
        cell = ws.cell(row=1, column=j, value=cell_value(head))
        cell.data_type = "s"
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="top", wrap_text=False)
    for i, row in enumerate(rows, start=2):
        for j, raw in enumerate(row, start=1):
            value = cell_value(raw)
            cell = ws.cell(row=i, column=j, value=value)
            head = headers[j - 1]
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
                widths[j - 1] = max(widths[j - 1], min(MAX_WIDTH, len(value)))
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                if head in percent:
                    cell.number_format = PERCENT_FORMAT
                elif head in integer or (isinstance(value, int)):
                    cell.number_format = INTEGER_FORMAT
                else:
                    cell.number_format = NUMBER_FORMAT
                widths[j - 1] = max(widths[j - 1], min(MAX_WIDTH, len(f"{value:,.6g}")))
            elif isinstance(value, bool):
                widths[j - 1] = max(widths[j - 1], 5)
    ws.freeze_panes = "A2"
    if headers:
        last = get_column_letter(len(headers))
        ws.auto_filter.ref = f"A1:{last}{max(1, len(rows) + 1)}"
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(MAX_WIDTH, max(8, width + 2))


def _frame_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    headers = [str(c) for c in frame.columns]
    rows = [
        [None if (isinstance(v, float) and math.isnan(v)) else v for v in rec] for rec in frame.itertuples(index=False)
    ]
    return headers, rows


def _summary_rows(content: RunContent) -> list[list[Any]]:
    s = content.summary
    if content.figures:  # a run with a worded headline (planner.report.headlines)
        head: list[list[Any]] = [["Scenario", s.get("scenario")], ["Run", content.kind]]
        return head + [[k, v] for k, v in content.figures]
    if not content.is_solve:  # a sensitivity or explain run: every field of its summary.json
        from planner.report.core_tables import flatten

        return [["kind", content.kind]] + [[k, v] for k, v in flatten(s) if k != "kind"]
    rows: list[list[Any]] = []
    for key in (
        "scenario",
        "status",
        "sense",
        "objective",
        "bound",
        "mip_gap",
        "selected",
        "backend",
        "message",
        "solve_seconds",
        "input_sha256",
        "planner_version",
    ):
        if key in s:
            rows.append([key, s[key]])
    if len(content.coverage) and content.has_portfolio:
        size = float(content.coverage["size"].astype(float).sum())
        covered = float(content.coverage["covered"].map(lambda v: v or 0.0).sum())
        rows.append(["gap size, total", size])
        rows.append(["gap size, covered", covered])
        rows.append(["gap size, covered share", covered / size if size else None])
        rows.append(
            ["gaps fully closed", int((content.coverage["fraction"].map(lambda v: v or 0.0) >= 1 - 1e-9).sum())]
        )
        rows.append(["gaps", int(len(content.coverage))])
    for _, r in content.resources.iterrows():
        rows.append([f"{r['resource']}: used", r["used"]])
        rows.append([f"{r['resource']}: limit", r["limit"]])
        rows.append([f"{r['resource']}: share of limit", r["share"]])
    for key, value in (s.get("timings_seconds") or {}).items():
        rows.append([f"seconds: {key}", value])
    return rows


def build_workbook(content: RunContent) -> Workbook:
    """The openpyxl Workbook for a run (not saved)."""
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    wb = Workbook()
    taken: set[str] = set()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook's one sheet
    ws.title = sheet_title("Summary", taken)
    summary_rows = _summary_rows(content)
    _write(ws, ["item", "value"], summary_rows)
    for i, (key, _) in enumerate(summary_rows, start=2):  # per-row formats in a key/value sheet
        cell = ws.cell(row=i, column=2)
        if isinstance(cell.value, float) and ("share" in key or key == "mip_gap"):
            cell.number_format = PERCENT_FORMAT

    def add(
        name: str,
        frame: pd.DataFrame,
        percent: tuple[str, ...] = (),
        integer: tuple[str, ...] = (),
        words: tuple[str, ...] | None = None,
    ) -> None:
        sheet = wb.create_sheet(sheet_title(name, taken))
        headers, rows = _frame_rows(frame)
        labels = None if words is None else [column_words(h, words) for h in headers]
        _write(sheet, headers, rows, set(percent), set(integer), labels)

    if content.is_solve:
        add("Portfolio", content.portfolio)
        add("Coverage", content.coverage, percent=("fraction",))
        add("Sectors", content.sectors, percent=("fraction",), integer=("gaps", "options"))
        add("Resources", content.resources, percent=("share",))
        add(
            "Partner x sector",
            content.matrix.reset_index() if len(content.matrix) else content.matrix,
            integer=tuple(str(c) for c in content.matrix.columns),
        )
    if "scenario.json" in content.present:
        add("Rules", content.rules)
    add("Inputs", content.inputs)
    for table in content.extras:
        add(table.key, table.frame, percent=table.percent, words=content.resource_names)
    wb.properties.title = f"Partnership Planner: {content.summary.get('scenario', '')}"[:255]
    wb.properties.creator = "partnership-planner"
    return wb


def write_xlsx(content: RunContent, path: Path) -> Path:
    """Save the workbook to `path` (the caller makes the write atomic)."""
    build_workbook(content).save(path)
    return path


def sheets_for(tables: list[Table]) -> list[str]:
    """Sheet names the extra tables get, in order (for docs and tests)."""
    taken = {
        n.lower()
        for n in ("Summary", "Portfolio", "Coverage", "Sectors", "Resources", "Partner x sector", "Rules", "Inputs")
    }
    return [sheet_title(t.key, taken) for t in tables]
