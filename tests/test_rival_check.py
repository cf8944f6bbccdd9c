"""`planner check` of a rival folder: a faithful folder holds; every tampered figure is caught.

The folder is the hand case of tests/test_rival_hand.py at rival budget 1 (hedged plan {a1, b1},
worst case 0.6 with the rival pulling A; nominal plan {a1}, worst case 0), with a ladder 0:2:1.
"""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from test_rival_hand import hand

from planner.cli import cli
from planner.results.audit_rival import check_rival
from planner.rival import RivalOptions, rival, write_rival


@pytest.fixture
def folder(make_scenario, tmp_path):
    return write_rival(rival(hand(make_scenario, budget=1), RivalOptions(budgets=(0, 1, 2))), tmp_path / "run")


def _edit_json(folder, change) -> None:
    path = folder / "rival.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _edit_csv(folder, name, row, column, value) -> None:
    path = folder / name
    rows = list(csv.DictReader(path.open()))
    header = list(rows[0])
    rows[row][column] = value
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_a_faithful_folder_holds(folder):
    report = check_rival(folder)
    assert report.ok, [str(d) for d in report.discrepancies]
    assert report.checked > 50 and any("not verifiable" in v for v in report.verified)
    res = CliRunner().invoke(cli, ["check", str(folder), "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["ok"] is True


@pytest.mark.parametrize(
    "change, where",
    [
        (lambda d: d["hedged"].update(worst_case=0.7), "key hedged.worst_case"),
        (lambda d: d["hedged"].update(response=["B"], worst_case=1.0, response_spend=1.0), "key hedged.worst_case"),
        (lambda d: d["nominal"].update(objective=2.0), "key nominal.objective"),
        (lambda d: d["hedged"].update(response=["A", "B"], worst_case=0.0, response_spend=2.0), "key hedged.response"),
        (lambda d: d.update(gain=1.0), "key gain"),
        (lambda d: d.update(price_of_hedging=0.5), "key price_of_hedging"),
        (lambda d: d["rival"].update(budget=2), "key rival.budget"),
        (lambda d: d["hedged"].update(selected=["a1", "a2", "b1"]), "key hedged.selected"),
    ],
)
def test_tampered_json_is_caught(folder, change, where):
    _edit_json(folder, change)
    report = check_rival(folder)
    assert any(d.where == where for d in report.discrepancies), [str(d) for d in report.discrepancies]
    assert CliRunner().invoke(cli, ["check", str(folder)]).exit_code == 1


@pytest.mark.parametrize(
    "name, row, column, value",
    [
        ("rival_partners.csv", 0, "cost_hedged", "9"),
        ("rival_partners.csv", 1, "pulled_nominal", "True"),
        ("rival_partners.csv", 0, "loss_alone_nominal", "0.5"),
        ("rival_ladder.csv", 1, "hedged_worst_case", "0.9"),
        ("rival_ladder.csv", 2, "nominal_response", ""),
        ("rival_ladder.csv", 1, "added", ""),
    ],
)
def test_tampered_tables_are_caught(folder, name, row, column, value):
    _edit_csv(folder, name, row, column, value)
    report = check_rival(folder)
    assert any(d.file == name for d in report.discrepancies), [str(d) for d in report.discrepancies]


def test_export_of_a_rival_folder(folder):
    from planner.report.export import export_run

    outs = {fmt: export_run(folder, fmt) for fmt in ("md", "html", "xlsx")}
    assert all(out.path.is_file() for out in outs.values())
    text = (folder / "report.md").read_text()
    assert "Plans against a rival" in text and "price of hedging" in text and "hedged worst case" in text
    assert "Rival: ladder of rival budgets" in outs["html"].sections and outs["md"].charts == 1
    assert {"rival_ladder", "rival_partners"} <= set(outs["xlsx"].sections)
