"""The one run-folder reader (`planner.io.runs`): cells of any length, every file of any kind."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from click.testing import CliRunner

from planner.cli import cli
from planner.io.runs import read_csv, read_files

ROOT = Path(__file__).resolve().parents[1]
LONG = 200_000  # > 131,072, the csv module's default field size limit


def test_a_valid_run_with_a_cell_over_the_csv_field_limit_is_checked(tmp_path):
    # The options table carries a `rationale` of 200,000 characters through to portfolio.csv;
    # the run is valid, so check must read it and find every figure holding (it used to stop
    # with "field larger than field limit (131072)", exit 2).
    shutil.copytree(ROOT / "tests" / "data" / "tiny", tmp_path / "tiny")
    shutil.copy(ROOT / "tests" / "data" / "tiny.yaml", tmp_path / "tiny.yaml")
    options = tmp_path / "tiny" / "options.csv"
    rows = list(csv.DictReader(options.open(encoding="utf-8", newline="")))
    for row in rows:
        row["rationale"] = "x" * LONG if row["option_id"] == "a" else "short"
    with options.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "run"
    assert CliRunner().invoke(cli, ["solve", str(tmp_path / "tiny.yaml"), "--out", str(out)]).exit_code == 0
    table = read_csv(out / "portfolio.csv")
    assert max(len(r["rationale"]) for r in table.rows) == LONG
    res = CliRunner().invoke(cli, ["check", str(out)])
    assert res.exit_code == 0, res.output


def test_read_files_reads_every_file_and_skips_hidden_ones(tmp_path):
    (tmp_path / "summary.json").write_text('{"a": 1}')
    (tmp_path / "t.csv").write_text("x,y\n1,2\n")
    (tmp_path / ".planner-run").write_text('{"kind": "solve"}')
    (tmp_path / ".run.journal").mkdir()
    (tmp_path / "report_charts").mkdir()
    (tmp_path / "report_charts" / "c.png").write_bytes(b"png")
    (tmp_path / "report.md").write_text("# r")
    files = read_files(tmp_path)
    assert files.json == {"summary.json": {"a": 1}, ".planner-run": {"kind": "solve"}}
    assert files.csv["t.csv"].rows == [{"x": "1", "y": "2"}]
    assert set(files.other) == {"report.md", "report_charts/c.png"}
