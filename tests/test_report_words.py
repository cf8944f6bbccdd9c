"""Reports of any length stay readable, and robust / rival / tranches / Pareto reports speak words.

- A frontier of 1,500 steps (each a 20-option portfolio) gives an HTML report of bounded size: its
  tables show their first and last rows and say that every row is in the workbook and the CSV.
- The headline and the result tables of robust, rival, tranches and Pareto reports (md, html and
  the workbook's Summary sheet and result headers) carry no raw key of the run's files.
- tiny (budget 11, capacity 2, each option 1 capacity): tranches 5, 11, 20 nest {a} ⊂ {a, b} ⊂ {a, b};
  from tranche 2 the capacity is used in full (2 of 2), leaving budget 11 − 11 = 0 and 20 − 11 = 9 unspent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from test_rival_hand import hand

from planner.api import load_scenario
from planner.cli import cli
from planner.report.document import HEAD_ROWS, TAIL_ROWS
from planner.report.export import export_run
from planner.rival import RivalOptions, rival, write_rival
from planner.robust import robust
from planner.robust.run import write_robust
from tests.test_robust_cli import two_sector

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny.yaml"
RAW_KEYS = (
    "budget_musd",
    "diplomatic_capacity",
    "max_coverage",
    "worst_case",
    "max_regret",
    "minimax_regret",
    "nominal.",
    "core_index",
    "price_of",
    "unconstrained_",
    "_used",
    "selected_ids",
    "objectives[",
    "points_count",
    "covered.",
    "cost:",
    "rival_cost",
    "loss_alone",
    "hedged_",
)
MAX_HTML_BYTES = 160_000  # charts (PNG) included; the uncut tables alone were over 1 MB


def _long_frontier(root: Path, steps: int = 1500) -> Path:
    run = root / "frontier"
    run.mkdir()
    ids = [f"option-with-a-long-id-{i:03d}" for i in range(40)]
    lines = ["segment,status,limit_from,limit_to,objective,selected,budget_musd_used,entered,left,portfolio"]
    for i in range(steps):
        portfolio = ";".join(ids[(i + k) % 40] for k in range(20))
        lines.append(f"{i},optimal,{i},{i + 1},{i / 100},20,{i},{ids[i % 40]},{ids[(i + 7) % 40]},{portfolio}")
    (run / "frontier.csv").write_text("\n".join(lines) + "\n")
    summary = {"kind": "frontier", "scenario": "long", "resource": "budget_musd", "solves": steps, "complete": True}
    (run / "summary.json").write_text(json.dumps(summary))
    return run


def test_a_long_frontier_report_stays_small_and_points_to_the_workbook(tmp_path):
    run = _long_frontier(tmp_path)
    html = export_run(run, "html").path.read_text()
    assert len(html.encode()) < MAX_HTML_BYTES
    assert html.count("<tr>") <= 1 + HEAD_ROWS + 1 + TAIL_ROWS
    assert "… 1485 more rows …" in html and "all 1500 are in the workbook" in html
    assert "… and 16 more" in html  # a 20-option cell shows 4 names and how many more
    wb = load_workbook(export_run(run, "xlsx").path)
    assert wb["frontier"].max_row == 1501  # the workbook keeps every row
    md = export_run(run, "md").path.read_text()
    assert len(md.encode()) < 20_000 and 'all 1500 are in the workbook (sheet "frontier") and frontier.csv' in md


def test_a_long_monte_carlo_report_stays_small(tmp_path):
    # 1,500 samples of a 300-option scenario, each sample's portfolio 20 options long
    run = tmp_path / "mc"
    run.mkdir()
    ids = [f"option-{i:03d}" for i in range(300)]
    lines = ["sample,status,objective,base_objective,bound,mip_gap,selected,budget_musd_used,portfolio"]
    for i in range(1500):
        lines.append(
            f"{i},optimal,{24 + i % 7 / 10},{23.9},{24 + i % 7 / 10},0,20,4700,{';'.join(ids[i % 280 : i % 280 + 20])}"
        )
    (run / "montecarlo_objective.csv").write_text("\n".join(lines) + "\n")
    opts = ["option_id,partner_id,sector_id,kind,selected_samples,frequency,label,in_base"]
    opts += [
        f"{o},p{i % 20},s{i % 6},k,{1500 - 5 * i},{(1500 - 5 * i) / 1500},borderline,False" for i, o in enumerate(ids)
    ]
    (run / "montecarlo_options.csv").write_text("\n".join(opts) + "\n")
    summary = {"kind": "montecarlo", "scenario": "long", "samples": 1500, "objective": {"mean": 24.3}}
    (run / "summary.json").write_text(json.dumps({**summary, "base_plan": {"mean": 23.9}}))
    html = export_run(run, "html").path.read_text()
    assert len(html.encode()) < MAX_HTML_BYTES
    assert "all 1500 are in the workbook" in html and "all 300 are in the workbook" in html
    assert "Re-optimised per sample" in html and "Unperturbed plan under the perturbations" in html


def _reading(path: Path) -> str:
    """What a reader meets before the settings sections (which list the scenario's own keys)."""
    text = path.read_text()
    return re.split(r"## Rules|## Scenario as run|<h2 id=\"rules\"|<h2 id=\"scenario\"", text)[0]


def _no_raw_keys(folder: Path) -> None:
    for fmt in ("md", "html"):
        text = _reading(export_run(folder, fmt, force=True).path)
        text = re.sub(r"report_charts/[\w.]+|data:image/png;base64,[^\"]+", "", text)  # file names, images
        found = [k for k in RAW_KEYS if k in text]
        assert not found, (fmt, found)
    wb = load_workbook(export_run(folder, "xlsx", force=True).path)
    cells = [str(r[0]) for r in wb["Summary"].iter_rows(min_row=2, values_only=True)]
    cells += [str(c.value) for ws in wb.worksheets[1:] if ws.title not in ("Rules", "Inputs") for c in ws[1]]
    found = [(k, c) for c in cells for k in RAW_KEYS if k in c]
    assert not found, found


def test_robust_report_speaks_words(tmp_path):
    folder = write_robust(robust(load_scenario(two_sector(tmp_path))), tmp_path / "run")
    _no_raw_keys(folder)
    assert "Best worst case (maximin plan)" in (folder / "report.md").read_text()


def test_rival_report_speaks_words(make_scenario, tmp_path):
    folder = write_rival(rival(hand(make_scenario, budget=1), RivalOptions(budgets=(0, 1, 2))), tmp_path / "run")
    _no_raw_keys(folder)
    assert "Price of hedging" in (folder / "report.md").read_text()


def _cli(*args: str) -> None:
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == 0, res.output


def test_tranches_report_names_the_binding_limit(tmp_path):
    out = tmp_path / "tranches"
    _cli("frontier", str(TINY), "--resource", "budget_musd", "--tranches", "5,11,20", "--out", str(out))
    _no_raw_keys(out)
    text = (out / "report.md").read_text()
    assert (
        "from tranche 2 on, diplomatic capacity is used in full (2 of 2): that, not budget (M$), stops the plan "
        "growing, leaving budget (M$) unspent: 0 in tranche 2, 9 in tranche 3"
    ) in text
    assert "| diplomatic capacity used |" in text or "diplomatic capacity used" in text


@pytest.mark.parametrize("objectives", ["coverage,cost:budget_musd", "coverage,risk"])
def test_pareto_report_speaks_words(tmp_path, objectives):
    out = tmp_path / "pareto"
    _cli("pareto", str(TINY), "--objectives", objectives, "--out", str(out))
    _no_raw_keys(out)
    text = (out / "report.md").read_text()
    assert "coverage (weighted share of gaps closed) (maximised)" in text and "Front**: complete" in text
