"""`--write-model`: the file is the model solved, readable, and other solvers reproduce its objective.

Hand-solved cases on tests/data/tiny.yaml:
- max_coverage (budget 11, capacity 2): a + b close both gaps, objective 1·10/10 + 2·10/10 = 3.
- min_cost with coverage_target 0.5 (every gap needs 5 of 10): g1 needs a (10) — d gives only 2;
  g2 needs c (5, cost 3), d (5, cost 4) or b (10, cost 6); cheapest a + c = 5 + 3 = 8.
The shipped scenarios are checked the same way against the tool's own objective.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pulp
import pytest
from click.testing import CliRunner

from planner.api import SolveOptions, load_scenario, solve
from planner.cli import cli
from planner.errors import InputError
from planner.solver.highs import new_highs

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny.yaml"
CASES = [
    (TINY, (), 3.0),
    (TINY, ("objective.sense=min_cost", "objective.coverage_target=0.5"), 8.0),
    (ROOT / "models" / "baseline.yaml", (), None),
    pytest.param(ROOT / "models" / "budget-cut-30.yaml", (), None, marks=pytest.mark.slow),  # ~7 s: CBC works harder
]
TOL = 1e-6


def highs_objective(path: Path) -> tuple[float, list[str], list[str]]:
    h = new_highs()
    assert h.readModel(str(path)).name == "kOk"
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    lp = h.getLp()
    return h.getInfo().objective_function_value, list(lp.col_names_), list(lp.row_names_)


def cbc_objective(path: Path, maximize: bool) -> float:
    """Run PuLP's bundled CBC binary on the file itself (not through PuLP's model)."""
    with warnings.catch_warnings():  # PuLP 3.3 flags the bundled binary as deprecated for 4.0
        warnings.simplefilter("ignore", DeprecationWarning)
        cbc = pulp.apis.PULP_CBC_CMD().path
    args = [cbc, str(path)] + (["-max"] if maximize and path.suffix == ".mps" else []) + ["-solve", "-quit"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False).stdout
    assert "Optimal solution found" in out, out[-2000:]
    return float(re.search(r"Objective value:\s+(\S+)", out).group(1))


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
@pytest.mark.parametrize(
    "scenario,overrides,expected", CASES, ids=["tiny-max", "tiny-mincost", "baseline", "budget-cut-30"]
)
def test_written_model_reproduces_the_objective_in_highs_and_cbc(tmp_path, scenario, overrides, expected, suffix):
    sc = load_scenario(scenario, list(overrides))
    path = tmp_path / f"model{suffix}"
    result = solve(sc, SolveOptions(write_model=path))
    assert result.status == "optimal"
    if expected is not None:
        assert result.objective == pytest.approx(expected, abs=TOL)
    maximize = sc.config.objective.sense == "max_coverage"
    highs, cols, rows = highs_objective(path)
    assert highs == pytest.approx(result.objective, rel=TOL, abs=TOL)
    assert cbc_objective(path, maximize) == pytest.approx(result.objective, rel=TOL, abs=TOL)
    # Readable names from ids: one x_ per option, one cover_ and one link_ per gap, one limit_ per resource.
    clean = lambda ident: re.sub(r"[^A-Za-z0-9_]", "_", ident)  # noqa: E731
    assert {f"x_{clean(o)}" for o in sc.options.index} <= set(cols)
    assert {f"cover_{clean(g)}" for g in sc.gaps.index} <= set(cols)
    assert {f"link_{clean(g)}" for g in sc.gaps.index} | {f"limit_{clean(r)}" for r in sc.config.limits} <= set(rows)
    text = path.read_text()
    assert f"scenario '{sc.name}'" in text.splitlines()[0]
    assert ("Maximize" in text or "OBJSENSE\n MAX" in text) == maximize


def test_long_and_odd_ids_still_write_a_readable_model(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY.parent / "tiny", data)
    long_id = "jpn/semis:" + "packaging-" * 15  # 160 characters with / and :
    for name in ("options.csv", "contributions.csv"):
        path = data / name
        path.write_text(re.sub(r"(?m)^a,", f"{long_id},", path.read_text()))
    scenario = tmp_path / "odd.yaml"
    scenario.write_text(TINY.read_text().replace("inputs: tiny", "inputs: data"))
    path = tmp_path / "odd.lp"
    result = solve(load_scenario(scenario), SolveOptions(write_model=path))
    assert long_id in result.selected
    highs, cols, _ = highs_objective(path)
    assert highs == pytest.approx(3.0) and "x_" + re.sub(r"[^A-Za-z0-9_]", "_", long_id) in cols


def test_bad_model_file_names_are_input_errors(tmp_path):
    with pytest.raises(InputError, match=r"\.lp or \.mps"):
        solve(load_scenario(TINY), SolveOptions(write_model=tmp_path / "model.txt"))
    res = CliRunner().invoke(
        cli, ["solve", str(TINY), "--out", str(tmp_path / "r"), "--write-model", str(tmp_path / "m.gz")]
    )
    assert res.exit_code == 2 and ".lp or .mps" in res.output
    res = CliRunner().invoke(
        cli, ["solve", str(TINY), "--out", str(tmp_path / "r"), "--write-model", str(tmp_path / "m.mps")]
    )
    assert res.exit_code == 0 and (tmp_path / "m.mps").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".m.mps")]  # no temporary file left
