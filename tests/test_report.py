"""Reports from a run folder: xlsx typed against the CSVs, HTML self-contained, Markdown with charts.

The tiny scenario (tests/data/tiny.yaml) has budget 11 and diplomatic capacity 2, so
at most two options: a (5, covers g1 10/10) + b (6, covers g2 10/10) closes both
gaps, objective 1·10/10 + 2·10/10 = 3, using 11 of 11 budget and 2 of 2 capacity.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from planner.api import load_scenario, solve
from planner.cli import cli
from planner.errors import InputError, OutputRefused, Refusal
from planner.io.runfolder import write_run
from planner.report import export_run

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny.yaml"
HOSTILE_NAME = '=HYPERLINK("http://x","y")'
SCRIPT_NAME = "<script>alert(1)</script> | [x](http://evil/t.png)"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_run(tmp_path: Path, scenario: Path = TINY, overrides=(), name: str = "run") -> Path:
    out = tmp_path / name
    write_run(solve(load_scenario(scenario, list(overrides))), out)
    return out


def hostile_scenario(tmp_path: Path) -> Path:
    """tiny with option a named =HYPERLINK(...) and partner Japan named like a script tag."""
    data = tmp_path / "data"
    shutil.copytree(TINY.parent / "tiny", data)
    _rewrite(data / "options.csv", "option_id", "a", "name", HOSTILE_NAME)
    _rewrite(data / "partners.csv", "partner_id", "jpn", "name", SCRIPT_NAME)
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(TINY.read_text().replace("inputs: tiny", "inputs: data"))
    return scenario


def _rewrite(path: Path, key: str, ident: str, column: str, value: str) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row[key] == ident:
            row[column] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_html(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


# ---- xlsx -------------------------------------------------------------------------------------


def _check_sheet_against_csv(ws, csv_path: Path) -> None:
    header, rows = read_csv(csv_path)
    assert [c.value for c in ws[1]] == header
    assert ws.max_row == len(rows) + 1
    for i, row in enumerate(rows, start=2):
        for j, text in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j)
            if text == "":
                assert cell.value is None
            elif text in ("True", "False"):
                assert cell.value is (text == "True")
            else:
                try:
                    number = float(text)
                except ValueError:
                    assert cell.data_type == "s" and cell.value == text, (header[j - 1], cell.value, text)
                else:
                    if header[j - 1].endswith("_id") or header[j - 1] in ("name", "kind"):
                        assert cell.value == text
                    else:
                        assert isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
                        assert cell.value == pytest.approx(number, abs=0, rel=0), (header[j - 1], cell.value, text)


def test_xlsx_sheets_types_and_values_match_the_csvs(tmp_path):
    run = make_run(tmp_path)
    result = export_run(run, "xlsx")
    assert result.path == (run / "report.xlsx").resolve()
    wb = load_workbook(result.path)
    assert wb.sheetnames == [
        "Summary",
        "Portfolio",
        "Coverage",
        "Sectors",
        "Resources",
        "Partner x sector",
        "Rules",
        "Inputs",
    ]
    _check_sheet_against_csv(wb["Portfolio"], run / "portfolio.csv")
    _check_sheet_against_csv(wb["Coverage"], run / "coverage.csv")
    for name in wb.sheetnames:
        assert wb[name].freeze_panes == "A2", name
        assert wb[name]["A1"].font.b, name
    from openpyxl.utils import get_column_letter

    with open(run / "portfolio.csv", newline="", encoding="utf-8") as fh:
        width = len(next(csv.reader(fh)))
    assert wb["Portfolio"].auto_filter.ref == f"A1:{get_column_letter(width)}3"
    fraction_col = [c.value for c in wb["Coverage"][1]].index("fraction") + 1
    assert wb["Coverage"].cell(row=2, column=fraction_col).number_format == "0.0%"
    summary = json.loads((run / "summary.json").read_text())
    items = {r[0].value: r[1].value for r in wb["Summary"].iter_rows(min_row=2)}
    assert items["objective"] == pytest.approx(3.0) == summary["objective"]
    assert items["status"] == "optimal" and items["selected"] == 2
    assert items["budget_musd: used"] == 11.0 and items["budget_musd: limit"] == 11.0
    res = {r[0].value: [c.value for c in r] for r in wb["Resources"].iter_rows(min_row=2)}
    assert res["diplomatic_capacity"][1:4] == [2.0, 2.0, 1.0]
    inputs = {r[0].value: r[1].value for r in wb["Inputs"].iter_rows(min_row=2)}
    assert inputs["limits.budget_musd"] == 11.0 and inputs["objective.sense"] == "max_coverage"
    matrix = [[c.value for c in r] for r in wb["Partner x sector"].iter_rows()]
    assert matrix[0] == ["partner_id", "semis", "minerals"]
    assert sorted(matrix[1:]) == [["aus", 0, 1], ["jpn", 1, 0]]


def test_formula_name_is_inert_in_csv_xlsx_html_and_md(tmp_path):
    run = make_run(tmp_path, hostile_scenario(tmp_path))
    header, rows = read_csv(run / "portfolio.csv")
    a = rows[[r[0] for r in rows].index("a")]
    assert a[header.index("name")] == "'" + HOSTILE_NAME  # CSV: quote-prefixed, so no formula

    wb = load_workbook(export_run(run, "xlsx").path)
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")) or _is_number(cell.value)
    names = [c.value for c in wb["Portfolio"]["G"]]
    assert "'" + HOSTILE_NAME in names

    html_path = export_run(run, "html").path
    text = html_path.read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" in text
    page = parse_html(html_path)
    assert not any(tag == "script" for tag, _ in page.tags)
    assert not any(tag == "a" for tag, _ in page.tags)  # the hostile link is text, not a link
    assert any(SCRIPT_NAME in t for t in page.text)

    md = export_run(run, "md").path.read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert not re.search(r"(?<!\\)\]\(http", md)  # no unescaped link syntax
    assert "\\[x\\]" in md and "\\|" in md
    for line in md.splitlines():  # the escaped | keeps every table row at its column count
        if line.startswith("| Japan") or line.startswith("| " + SCRIPT_NAME[:3]):
            pytest.fail("unescaped name in a table row")


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


# ---- html -------------------------------------------------------------------------------------


def test_html_is_self_contained_and_shows_the_headline(tmp_path):
    run = make_run(tmp_path)
    result = export_run(run, "html")
    page = parse_html(result.path)
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    assert len(images) == result.charts == 3  # coverage per sector, resource use, partner × sector
    for attrs in images:
        assert attrs["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(attrs["src"].split(",", 1)[1]).startswith(PNG_MAGIC)
        assert attrs["alt"]
    for tag, attrs in page.tags:  # nothing is fetched from anywhere
        for key in ("src", "href", "action", "srcset"):
            value = attrs.get(key) or ""
            assert not value or value.startswith(("data:", "#")), (tag, key, value)
        assert tag not in ("script", "link", "iframe", "object")
    csp = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]
    text = " ".join(page.text)
    for figure in (
        "optimal",
        "Objective",
        "3 (max_coverage)",
        "Options selected",
        "100.0% of total gap size",
        "11 used of 11",
        "Semiconductors (semis)",
        "Japan packaging",
        "Australia REE",
    ):
        assert figure in text, figure
    headings = [t for t, _ in page.tags if t == "h2"]
    assert len(headings) == len(result.sections) >= 6


def test_markdown_links_charts_written_beside_it(tmp_path):
    run = make_run(tmp_path)
    result = export_run(run, "md")
    md = result.path.read_text(encoding="utf-8")
    links = [line.split("](", 1)[1].rstrip(")") for line in md.splitlines() if line.startswith("![")]
    assert len(links) == 3 == result.charts
    for link in links:
        png = result.path.parent / link
        assert png.is_file() and png.read_bytes().startswith(PNG_MAGIC)
        assert png.parent == run / "report_charts"
    assert "- **Status**: optimal" in md and "| Japan | a | supply-chain | Japan packaging |" in md


def test_infeasible_run_still_exports(tmp_path):
    run = make_run(tmp_path, overrides=["objective.coverage_target=1", "limits.budget_musd=5"])
    assert json.loads((run / "summary.json").read_text())["status"] == "infeasible"
    wb = load_workbook(export_run(run, "xlsx").path)
    assert wb["Portfolio"].max_row == 1
    html = export_run(run, "html")
    assert html.charts == 0 and "infeasible" in html.path.read_text()
    assert export_run(run, "md").charts == 0
    assert not (run / "report_charts").exists()


# ---- safety: overwrite, paths, atomicity --------------------------------------------------------


def test_existing_report_is_never_overwritten_without_force(tmp_path):
    """--force replaces the planner's own report (it carries the tool's signature), never a file
    of the same name the planner did not write."""
    run = make_run(tmp_path)
    for fmt in ("xlsx", "html", "md"):
        first = export_run(run, fmt).path
        with pytest.raises(InputError, match="--force"):
            export_run(run, fmt)
        os.utime(first, ns=(0, 0))
        export_run(run, fmt, force=True)
        assert first.stat().st_mtime_ns != 0  # replaced by a new file
        first.write_bytes(b"analyst's own file of that name")
        with pytest.raises(OutputRefused, match="did not write") as refused:
            export_run(run, fmt, force=True)
        assert refused.value.reason is Refusal.NOT_OUR_FILE
        assert first.read_bytes() == b"analyst's own file of that name"
        first.unlink()
        export_run(run, fmt, force=True)  # md: the chart folder is the planner's (it carries the marker)
    chart = run / "report_charts" / "resource_use.png"
    (run / "report.md").unlink()
    with pytest.raises(InputError, match="report_charts"):  # the chart folder counts as part of the report
        export_run(run, "md")
    assert chart.is_file()


def test_out_must_match_the_format_and_paths_stay_put(tmp_path):
    run = make_run(tmp_path)
    with pytest.raises(InputError, match="ending in .xlsx"):
        export_run(run, "xlsx", out=run / "summary.json")
    with pytest.raises(InputError, match="ending in .html"):
        export_run(run, "html", out=tmp_path / "report.md")
    folder = tmp_path / "briefing"
    folder.mkdir()
    assert export_run(run, "html", out=folder).path == (folder / "report.html").resolve()
    assert export_run(run, "md", out=tmp_path / "deep" / "b.md").path == (tmp_path / "deep" / "b.md").resolve()
    assert (tmp_path / "deep" / "b_charts" / "coverage_by_sector.png").is_file()
    # A tampered summary.json cannot steer where files go: names never come from the data.
    summary = json.loads((run / "summary.json").read_text())
    summary["scenario"] = "../../../escaped"
    (run / "summary.json").write_text(json.dumps(summary))
    (run / "frontier_..%2F..%2Fx.csv").write_text("budget_musd,objective\n5,1\n11,3\n")
    before = set(tmp_path.parent.iterdir())
    result = export_run(run, "md", force=True)
    assert set(tmp_path.parent.iterdir()) == before
    assert all(f.resolve().is_relative_to(run.resolve()) for f in result.files)


def test_a_failed_export_leaves_the_old_report_and_no_temporary_files(tmp_path, monkeypatch):
    run = make_run(tmp_path)
    path = export_run(run, "xlsx").path
    old = path.read_bytes()
    import openpyxl.workbook.workbook as wbmod

    def broken_save(self, filename):
        Path(filename).write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(wbmod.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        export_run(run, "xlsx", force=True)
    assert path.read_bytes() == old
    assert sorted(p.name for p in run.iterdir()) == [
        ".planner-run",
        "coverage.csv",
        "portfolio.csv",
        "report.xlsx",
        "scenario.json",
        "summary.json",
    ]


def test_not_a_run_folder_is_a_clear_input_error(tmp_path):
    with pytest.raises(InputError, match="run folder not found"):
        export_run(tmp_path / "nope", "html")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no summary.json and no result tables"):
        export_run(tmp_path / "empty", "html")


# ---- extra tables: sensitivity and explain outputs -------------------------------------------


def test_extra_tables_get_sheets_sections_and_charts(tmp_path):
    run = make_run(tmp_path)
    (run / "frontier.csv").write_text("budget_musd,objective,selected_ids\n0,0,\n5,1,a\n6,2,b\n11,3,a|b\n")
    (run / "montecarlo_core.csv").write_text("option_id,core_index\na,1.0\nb,0.8\nc,0.15\nd,0.05\n")
    (run / "montecarlo_coverage.csv").write_text("sector_id,p5,p50,p95\nsemis,0.8,1.0,1.0\nminerals,0.5,0.9,1.0\n")
    (run / "explain.json").write_text(
        json.dumps(
            {
                "rows": [
                    {"option_id": "c", "forced": "in", "delta": -1.0},
                    {"option_id": "a", "forced": "out", "delta": -1.0},
                ]
            }
        )
    )
    wb = load_workbook(export_run(run, "xlsx").path)
    assert wb.sheetnames[-4:] == ["frontier", "montecarlo_core", "montecarlo_coverage", "explain"]  # results first
    assert [c.value for c in wb["frontier"]["B"]] == ["objective", 0, 5 - 4, 2, 3]
    assert wb["montecarlo_core"]["B2"].number_format == "0.0%"
    html = export_run(run, "html")
    assert html.charts == 3 + 4  # frontier, core index, coverage percentiles, forced-in/out effects
    text = html.path.read_text()
    for title in ("Frontier: objective versus resource", "Monte Carlo (core)", "Explanation: forced in / out"):
        assert title in text
    md = export_run(run, "md")
    assert sorted(p.name for p in (run / "report_charts").iterdir()) == sorted(
        [
            ".planner-run",
            "coverage_by_sector.png",
            "resource_use.png",
            "partner_sector_matrix.png",
            "frontier_frontier.png",
            "core_index_montecarlo_core.png",
            "percentiles_montecarlo_coverage.png",
            "effects_explain.png",
        ]
    )
    assert md.charts == 7


# ---- CLI ----------------------------------------------------------------------------------------


def test_cli_export_and_solve_report(tmp_path):
    runner = CliRunner()
    out = tmp_path / "run"
    res = runner.invoke(cli, ["solve", str(TINY), "--out", str(out), "--report", "html", "--report", "xlsx", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["reports"] == [str((out / "report.html").absolute()), str((out / "report.xlsx").absolute())]
    assert (out / "report.html").is_file() and (out / "report.xlsx").is_file()
    assert not list(tmp_path.glob(".run*"))  # no temporary folder left behind
    res = runner.invoke(cli, ["export", str(out), "--to", "html"])
    assert res.exit_code == 2 and "--force" in res.output
    res = runner.invoke(cli, ["export", str(out), "--to", "md", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["charts"] == 3
    res = runner.invoke(cli, ["export", str(out), "--to", "pdf"])
    assert res.exit_code == 2
    res = runner.invoke(cli, ["export", "--help"])
    assert res.exit_code == 0 and "planner export outputs/base --to xlsx" in res.output


def test_sweep_folder_without_a_portfolio_reports_its_own_tables(tmp_path):
    # The shape `planner sweep --out DIR` writes: summary.json with kind, sweep.csv, changes.csv, manifest.json.
    run = tmp_path / "sweep"
    run.mkdir()
    (run / "summary.json").write_text(
        json.dumps(
            {
                "kind": "sweep",
                "scenario": "tiny",
                "points": 3,
                "status_counts": {"optimal": 3},
                "axes": [{"key": "limits.budget_musd", "values": [5, 8, 11]}],
                "objective": {"min": 1.0, "max": 3.0},
            }
        )
    )
    (run / "sweep.csv").write_text(
        "point,limits.budget_musd,status,objective,mip_gap,selected,portfolio\n"
        "0,5,optimal,1.0,0.0,1,a\n1,8,optimal,2.2,0.0,2,c;d\n2,11,optimal,3.0,0.0,2,a;b\n"
    )
    (run / "changes.csv").write_text("axis,from_point,to_point,option_id,change\nlimits.budget_musd,1,2,a,enter\n")
    (run / "manifest.json").write_text(json.dumps({"command": "sweep", "seed": 7}))
    wb = load_workbook(export_run(run, "xlsx").path)
    assert wb.sheetnames == ["Summary", "Inputs", "sweep", "changes"]  # no empty portfolio sheets
    items = {r[0].value: r[1].value for r in wb["Summary"].iter_rows(min_row=2)}
    assert items["kind"] == "sweep" and items["points"] == 3 and items["objective.max"] == 3.0
    assert {r[0].value: r[1].value for r in wb["Inputs"].iter_rows(min_row=2)}["manifest.seed"] == 7
    html = export_run(run, "html")
    assert html.sections == ("Sweep: grid of re-solves", "Sweep: portfolio changes", "Scenario as run")
    assert html.charts == 1
    text = " ".join(parse_html(html.path).text)
    assert "Sweep: tiny" in text and "5 … 11 (3 values)" in text and "Portfolio by sector" not in text


def test_explain_folder_without_summary_uses_its_csv(tmp_path):
    # The shape `planner explain --out DIR` writes: explain.json (detail) and explain.csv (one row per option).
    run = tmp_path / "explain"
    run.mkdir()
    (run / "explain.json").write_text(json.dumps({"scenario": "tiny", "explanations": [{"option_id": "a"}]}))
    (run / "explain.csv").write_text(
        "option_id,selected,objective,objective_change\na,True,3.0,-0.8\nc,False,3.0,-0.8\n"
    )
    md = export_run(run, "md")
    text = md.path.read_text()
    assert text.startswith("# Explanation: tiny") and md.charts == 1
    assert "a (forced out): -0.8; c (forced in): -0.8" in text
    assert load_workbook(export_run(run, "xlsx").path).sheetnames == ["Summary", "Inputs", "explain"]
