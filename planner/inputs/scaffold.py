"""`planner init`: a new scenario to fill in — YAML plus tables with headers and one example row.

Layout written under DIR (a project folder, so the scenario's `inputs:` stays inside it):

    DIR/models/<name>.yaml            the scenario, every key commented
    DIR/inputs/<name>/<table>.csv     partners, sectors, gaps, options, contributions
    DIR/inputs/<name>/COLUMNS.md      what each column means
  or, with xlsx=True,
    DIR/inputs/<name>.xlsx            one sheet per table, plus a `columns` guide sheet

The example row of each table is one complete, valid partnership (Japan, advanced
packaging) so the scenario validates and solves as written: one option using 300 of
1000 budget and 2 of 10 diplomatic capacity closes 40 of a gap of size 100, so the
objective is 1 · 1 · 40/100 = 0.4. Existing files are never replaced unless force=True;
every file is written to a temporary sibling and renamed into place.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.styles import Font

from planner.errors import InputError, Problem
from planner.inputs.schema import RESOURCE, RESOURCE_NOTE, RESOURCES_AFTER, SCHEMA, Table
from planner.io.runfolder import atomic_file

NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")

# The example row's resources: one option using 300 of 1000 budget and 2 of 10 diplomatic capacity.
EXAMPLE_RESOURCES = (("budget_musd", 300), ("diplomatic_capacity", 2))


def _columns(table: Table) -> list[tuple[str, bool, str, Any]]:
    """(column, required, meaning, example value) of a table as `planner init` writes it."""
    out = []
    for col in table.columns:
        out.append((col.name, col.required, col.meaning, col.example))
        if table.name == "options" and col.name == RESOURCES_AFTER:
            for k, (res, example) in enumerate(EXAMPLE_RESOURCES):
                meaning = RESOURCE.meaning.format(resource=res) + (f" ({RESOURCE_NOTE})" if k == 0 else "")
                out.append((res, RESOURCE.required, meaning, example))
    return out


# table -> [(column, required, meaning, example value)], from planner.inputs.schema
COLUMNS: dict[str, list[tuple[str, bool, str, Any]]] = {name: _columns(table) for name, table in SCHEMA.items()}

SCENARIO_YAML = """\
# {name}: a Partnership Planner scenario written by `planner init`.
# Fill in the tables ({where}), then:
#   planner validate models/{name}.yaml     # every problem at once, with file, row and column
#   planner solve models/{name}.yaml --out outputs/{name} --report html
name: {name}
description: A new scenario; say here what it assumes.
inputs: {inputs}          # a folder of CSV files or one .xlsx workbook, relative to this file
# extends: other.yaml     # take another scenario's settings and override some of them
objective:
  sense: max_coverage     # or min_cost (needs targets: a gap's target or coverage_target)
  cost_resource: budget_musd   # what min_cost minimises, and the tie-breaker
  risk_penalty: 0.0       # subtracted per unit of selected options' risk
  coverage_target: null   # fraction (0-1) of every gap's size that must be covered
limits:                   # one entry per resource; each is a numeric column of options
  budget_musd: 1000
  diplomatic_capacity: 10
rules: {{}}                 # require / forbid options and other planning rules (see docs/rules.md)
solver:
  backend: highs          # highs, cbc, or auto (both at once, first proof wins)
  time_limit_s: 60
  mip_gap: 0.0
"""


@dataclass(frozen=True)
class Scaffold:
    scenario: Path
    inputs: Path
    files: tuple[Path, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": str(self.scenario), "inputs": str(self.inputs), "files": [str(f) for f in self.files]}


def _check_name(name: str) -> None:
    if not NAME_RE.match(name) or name in (".", ".."):
        raise InputError(
            Problem(
                file="--name",
                value=name,
                message="a scenario name may use letters, digits, '_', '-' and '.', e.g. japan-semis",
            )
        )


def default_name(folder: str | Path) -> str:
    """The folder's own name when it makes a valid scenario name, else 'scenario'."""
    name = Path(folder).absolute().name
    return name if NAME_RE.match(name) and name not in (".", "..") else "scenario"


def csv_text(table: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c[0] for c in COLUMNS[table]])
    writer.writerow(["" if c[3] is None else ("false" if c[3] is False else c[3]) for c in COLUMNS[table]])
    return buf.getvalue()


def columns_guide() -> str:
    lines = [
        "# Columns of the input tables",
        "",
        "Required columns must be present and filled; optional ones may be left out or blank.",
        "Extra columns are allowed and carried through to portfolio.csv.",
        "",
    ]
    for table, cols in COLUMNS.items():
        lines += [f"## {table}", "", "| column | required | meaning |", "|---|---|---|"]
        lines += [
            f"| `{c}` | {'yes' if req else 'no'} | {meaning.replace('|', '&#124;')} |" for c, req, meaning, _ in cols
        ]
        lines.append("")
    return "\n".join(lines)


def build_workbook() -> Workbook:
    """One sheet per table (bold frozen header, one typed example row) and a `columns` guide sheet."""
    wb = Workbook()
    if wb.active is not None:  # a new workbook's one empty sheet
        wb.remove(wb.active)
    for table, cols in COLUMNS.items():
        ws = wb.create_sheet(table)
        ws.append([c[0] for c in cols])
        ws.append([c[3] for c in cols])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for j, c in enumerate(cols, start=1):
            ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = max(
                12,
                min(
                    40,
                    len(str(c[3] or "")) + 4,
                ),
            )
    guide = wb.create_sheet("columns")
    guide.append(["table", "column", "required", "meaning"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for table, cols in COLUMNS.items():
        for column, req, meaning, _ in cols:
            guide.append([table, column, "yes" if req else "no", meaning])
    guide.freeze_panes = "A2"
    for letter, width in zip("ABCD", (14, 20, 10, 80)):
        guide.column_dimensions[letter].width = width
    return wb


def _text_writer(text: str) -> Callable[[Path], object]:
    """A writer for `atomic_file` that writes `text` as UTF-8."""
    return lambda tmp: Path(tmp).write_text(text, encoding="utf-8")


def init_scenario(folder: str | Path, name: str | None = None, xlsx: bool = False, force: bool = False) -> Scaffold:
    """Write a new scenario under `folder` (see the module docstring); return what was written."""
    folder = Path(folder)
    name = name or default_name(folder)
    _check_name(name)
    if folder.exists() and not folder.is_dir():
        raise InputError(
            Problem(file=str(folder), message="exists and is not a folder; choose a folder for the new scenario")
        )
    scenario = folder / "models" / f"{name}.yaml"
    if xlsx:
        inputs = folder / "inputs" / f"{name}.xlsx"
        targets = [scenario, inputs]
    else:
        inputs = folder / "inputs" / name
        targets = [scenario, *(inputs / f"{t}.csv" for t in COLUMNS), inputs / "COLUMNS.md"]
    existing = [p for p in targets if os.path.lexists(p)]
    if existing and not force:
        raise InputError([Problem(file=str(p), message="already exists; pass --force to replace it") for p in existing])
    where = f"inputs/{name}.xlsx, one sheet per table" if xlsx else f"inputs/{name}/*.csv"
    rel = f"../inputs/{name}.xlsx" if xlsx else f"../inputs/{name}"
    text = SCENARIO_YAML.format(name=name, inputs=rel, where=where)
    if xlsx:
        wb = build_workbook()
        atomic_file(inputs, wb.save)
    else:
        for table in COLUMNS:
            atomic_file(inputs / f"{table}.csv", _text_writer(csv_text(table)))
        atomic_file(inputs / "COLUMNS.md", _text_writer(columns_guide()))
    atomic_file(scenario, _text_writer(text))
    return Scaffold(scenario, inputs, tuple(targets))
