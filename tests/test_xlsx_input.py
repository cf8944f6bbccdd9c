"""Excel as input: all tables in one workbook give the same portfolio as the CSV folder.

Also: merged or blank header cells, and a missing sheet, are named clearly (sheet,
row 1, column letter) instead of surfacing as pandas' 'Unnamed: N' columns.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from planner.api import load_scenario, solve
from planner.errors import InputError
from planner.inputs.read import TABLES
from planner.io.runfolder import write_run

ROOT = Path(__file__).resolve().parents[1]


def _typed(text: str):
    """A cell as an analyst's workbook holds it: numbers as numbers, blanks empty, text as text."""
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in text else value


def csv_folder_to_workbook(folder: Path, path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name in TABLES:
        ws = wb.create_sheet(name)
        with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
            for i, row in enumerate(csv.reader(fh)):
                ws.append(row if i == 0 else [_typed(c) for c in row])
    wb.create_sheet("notes").append(["an extra sheet is ignored"])
    wb.save(path)
    return path


def scenario_on(tmp_path: Path, source: Path, inputs: str) -> Path:
    models = tmp_path / "models"
    models.mkdir(exist_ok=True)
    text = source.read_text()
    original = next(line for line in text.splitlines() if line.startswith("inputs:"))
    path = models / source.name
    path.write_text(text.replace(original, f"inputs: {inputs}"))
    return path


@pytest.mark.parametrize(
    "source", [ROOT / "models" / "baseline.yaml", ROOT / "tests" / "data" / "tiny.yaml"], ids=["baseline", "tiny"]
)
def test_workbook_round_trip_gives_the_identical_portfolio(tmp_path, source):
    folder = (source.parent / (load_scenario(source).inputs_path)).resolve()
    csv_folder_to_workbook(folder, tmp_path / "plan.xlsx")
    from_csv = solve(load_scenario(source))
    from_xlsx = solve(load_scenario(scenario_on(tmp_path, source, "../plan.xlsx")))
    assert from_xlsx.status == from_csv.status == "optimal"
    assert from_xlsx.selected == from_csv.selected
    assert from_xlsx.objective == pytest.approx(from_csv.objective, abs=1e-12)
    write_run(from_csv, tmp_path / "a")
    write_run(from_xlsx, tmp_path / "b")
    for name in ("portfolio.csv", "coverage.csv"):  # byte for byte, carried-through columns included
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def _tiny_workbook(tmp_path: Path) -> Path:
    return csv_folder_to_workbook(ROOT / "tests" / "data" / "tiny", tmp_path / "plan.xlsx")


def _problems(tmp_path: Path) -> list:
    with pytest.raises(InputError) as info:
        load_scenario(scenario_on(tmp_path, ROOT / "tests" / "data" / "tiny.yaml", "../plan.xlsx"))
    return info.value.problems


def test_merged_header_cells_are_named_by_sheet_row_and_column(tmp_path):
    path = _tiny_workbook(tmp_path)
    wb = load_workbook(path)
    wb["options"].merge_cells("E1:F1")  # 'name' spread over 'budget_musd': F1 becomes blank
    wb.save(path)
    problems = _problems(tmp_path)
    header = [p for p in problems if p.row == 1]
    assert len(header) == 1
    p = header[0]
    assert p.file.endswith("plan.xlsx[options]") and p.column == "F"
    assert "F1" in p.message and "merged" in p.message
    # the resource that disappeared is reported against the scenario key, and no 'Unnamed' column is offered
    res = [p for p in problems if p.key == "limits.budget_musd"]
    assert res and "Unnamed" not in res[0].message


def test_blank_header_cell_and_missing_sheet_are_reported_together(tmp_path):
    path = _tiny_workbook(tmp_path)
    wb = load_workbook(path)
    wb["gaps"]["E1"] = None  # 'weight' header deleted, its values left
    wb.save(path)
    problems = _problems(tmp_path)
    assert any(p.file.endswith("[gaps]") and p.row == 1 and p.column == "E" and "E1" in p.message for p in problems)

    del wb["contributions"]
    wb.save(path)
    problems = _problems(tmp_path)
    assert any("required sheet 'contributions' is missing" in p.message and "partners" in p.message for p in problems)


def test_merged_data_cells_point_at_the_blank_row(tmp_path):
    path = _tiny_workbook(tmp_path)
    wb = load_workbook(path)
    wb["options"].merge_cells("B2:B3")  # partner of options a and b merged: B3 blank
    wb.save(path)
    problems = _problems(tmp_path)
    assert [(p.row, p.column) for p in problems] == [(3, "partner_id")]
