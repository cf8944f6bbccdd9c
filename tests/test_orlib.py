"""OR-Library set covering (Beasley 1987) as planner `min_cost` scenarios with
`objective.coverage_target: 1`: every row is a gap of size 1 that must be covered, every
column an option whose budget_musd is its cost. The known optima are from the
OR-Library table (copied with the instances into tests/data/orlib)."""

from __future__ import annotations

import pytest

from conftest import DATA, read_orlib, write_orlib_scenario
from planner import SolveOptions, load_scenario, solve

OPTIMA = {"scp42": 512.0, "scp43": 516.0}
CONFIG = {"objective": {"sense": "min_cost", "coverage_target": 1}}


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_orlib_known_optimum(name, tmp_path):
    source = DATA / "orlib" / f"{name}.txt"
    costs, rows = read_orlib(source)
    result = solve(load_scenario(write_orlib_scenario(tmp_path, source, CONFIG)))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(OPTIMA[name])
    # Independent check of the portfolio: its cost and that it covers every row.
    chosen = {int(o[1:]) - 1 for o in result.selected}
    assert sum(costs[j] for j in chosen) == pytest.approx(OPTIMA[name])
    assert all(chosen.intersection(cols) for cols in rows)
    assert (result.coverage["fraction"] == 1.0).all()


def test_orlib_cbc_agrees(tmp_path):
    result = solve(
        load_scenario(write_orlib_scenario(tmp_path, DATA / "orlib" / "scp42.txt", CONFIG)), SolveOptions(backend="cbc")
    )
    assert result.status == "optimal"
    assert result.objective == pytest.approx(OPTIMA["scp42"])


def test_read_orlib_format(tmp_path):
    # 2 rows × 3 columns, costs 4 5 6; row 1 covered by columns 1 and 3, row 2 by column 2.
    f = tmp_path / "mini.txt"
    f.write_text(" 2 3\n 4 5 6\n 2\n 1 3\n 1\n 2\n")
    assert read_orlib(f) == ([4.0, 5.0, 6.0], [[0, 2], [1]])
