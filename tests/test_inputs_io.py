"""Small defects of the inputs/io/api layers, fixed with a test each (issue 11 item 7)."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner import SolveOptions, load_scenario, solve
from planner.cli import cli
from planner.errors import InputError
from planner.io.runfolder import write_run
from planner.results.audit import check_run

ROOT = Path(__file__).resolve().parent.parent
TINY = Path(__file__).parent / "data" / "tiny.yaml"


def test_set_extends_is_refused_naming_the_key():
    # `extends:` is read before overrides apply, so a --set of it used to be silently ignored.
    with pytest.raises(InputError) as err:
        load_scenario(TINY, ["extends=tiny.yaml"])
    [problem] = err.value.problems
    assert (problem.file, problem.key) == ("--set", "extends")
    assert problem.message.startswith("extends: can only be set in a scenario file, not with --set")
    res = CliRunner().invoke(cli, ["solve", str(TINY), "--set", "extends=tiny.yaml"])
    assert res.exit_code == 2 and "extends: can only be set in a scenario file, not with --set" in res.output


def test_api_solve_records_its_solver_settings_in_scenario_json(tmp_path):
    sc = load_scenario(TINY)
    result = solve(sc, SolveOptions(mip_gap=0.01, time_limit_s=30, backend="highs"))
    out = write_run(result, tmp_path / "api")
    solver = json.loads((out / "scenario.json").read_text())["solver"]
    assert (solver["mip_gap"], solver["time_limit_s"], solver["backend"]) == (0.01, 30, "highs")
    assert sc.config.solver.mip_gap == 0.0  # the caller's scenario is not changed
    assert check_run(out).ok, check_run(out).discrepancies  # check judges the run by its own settings
    # Same record and input_sha256 as the CLI's flags give.
    res = CliRunner().invoke(
        cli, ["solve", str(TINY), "--mip-gap", "0.01", "--time-limit", "30", "--out", str(tmp_path / "cli")]
    )
    assert res.exit_code == 0, res.output
    cli_summary = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert json.loads((out / "summary.json").read_text())["input_sha256"] == cli_summary["input_sha256"]
    assert cli_summary["input_sha256"] != sc.input_sha256
    assert json.loads((tmp_path / "cli" / "scenario.json").read_text())["solver"] == solver


def test_api_solve_with_no_settings_keeps_the_scenario():
    sc = load_scenario(TINY)
    assert solve(sc).scenario is sc


def test_api_solve_refuses_a_bad_setting_naming_the_key():
    with pytest.raises(InputError) as err:
        solve(load_scenario(TINY), SolveOptions(mip_gap=2))
    assert any(p.key == "solver.mip_gap" for p in err.value.problems), err.value.render()


def test_from_planner_import_solve_is_the_function():
    # In a fresh interpreter, after importing the solver package: no module shadows the API name.
    code = (
        "import inspect, planner.solver, planner.results.evaluation\n"
        "from planner import solve, evaluate, load_scenario\n"
        "import planner.api\n"
        "assert solve is planner.api.solve and inspect.isfunction(solve), solve\n"
        "assert inspect.isfunction(evaluate) and inspect.isfunction(load_scenario)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr


def _top_level_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


def test_no_dead_functions_in_inputs_io_and_api():
    """Every top-level function and class of planner/inputs, planner/io and planner/api.py is
    used somewhere (its own module, another module or a test): no dead code (`select_mask` was)."""
    sources = [p for p in [*(ROOT / "planner").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]]
    texts = {p: p.read_text(encoding="utf-8") for p in sources}
    modules = [
        *(ROOT / "planner" / "inputs").glob("*.py"),
        *(ROOT / "planner" / "io").glob("*.py"),
        ROOT / "planner" / "api.py",
    ]
    dead = []
    for module in modules:
        for name in _top_level_names(module):
            word = re.compile(rf"\b{re.escape(name)}\b")
            if sum(len(word.findall(text)) for text in texts.values()) <= 1:  # only its definition
                dead.append(f"{module.relative_to(ROOT)}: {name}")
    assert not dead, dead
    from planner.analysis import value
    from planner.inputs import select

    assert not hasattr(select, "select_mask") and not hasattr(value, "is_finite")


def test_a_settings_only_point_has_its_own_input_sha256():
    """A sweep point / what-if that changes only numbers shares the base's tables but not its
    digest: it is the digest `load_scenario` with the same --set computes."""
    from planner.api import load_scenario
    from planner.sensitivity.points import ScenarioFactory, raw_inputs

    base = load_scenario(ROOT / "models" / "baseline.yaml")
    factory = ScenarioFactory(raw_inputs(base), base)
    point, changes = factory.scenario([("limits.budget_musd", 3000)])
    assert changes is not None  # the settings-only path
    assert (
        point.input_sha256 == load_scenario(ROOT / "models" / "baseline.yaml", ["limits.budget_musd=3000"]).input_sha256
    )
    assert point.input_sha256 != base.input_sha256
