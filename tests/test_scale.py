"""Scale work: the array compiler, the tie-break's scope, and light start-up imports."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.api import SolveOptions, load_scenario, solve
from planner.model.assemble import build
from planner.results.evaluation import evaluate
from planner.inputs.generate import generate
from planner.solver.tiebreak import ALL, SUBSETS, tie_break_scope
from planner.solver.outcome import OPTIMAL, FEASIBLE
from planner.model.compile import compile_model

ROOT = Path(__file__).resolve().parent.parent


def _reference_arrays(model):
    """The model read term by term in PuLP's own order: what compile_model must equal."""
    variables = model.prob.variables()
    col = {v.name: j for j, v in enumerate(variables)}
    rows = []
    for con in model.prob.constraints():  # PuLP's public list, in insertion order
        name = con.name
        terms = sorted((col[v.name], c) for v, c in con.items() if c != 0)
        lo = -con.constant if con.sense >= 0 else -np.inf
        hi = -con.constant if con.sense <= 0 else np.inf
        rows.append((name, terms, lo, hi))
    return [v.name for v in variables], rows


@pytest.mark.parametrize("rules", [False, True])
def test_compile_model_equals_a_term_by_term_reading(tmp_path, rules):
    gen = generate(tmp_path, 300, seed=2, resources=3, rules=rules)
    model = build(load_scenario(gen.scenario_file))
    comp = compile_model(model)
    names, rows = _reference_arrays(model)
    assert comp.col_names == names  # same column order as PuLP's LP/MPS writers
    assert comp.row_names == [r[0] for r in rows]
    for i, (_, terms, lo, hi) in enumerate(rows):
        got = sorted(
            zip(
                comp.index[comp.start[i] : comp.start[i + 1]].tolist(),
                comp.value[comp.start[i] : comp.start[i + 1]].tolist(),
            )
        )
        assert got == terms
        assert comp.row_lower[i] == lo and comp.row_upper[i] == hi
    by_name = {v.name: v for v in model.prob.variables()}
    assert [by_name[n].upBound for n in comp.col_names] == comp.col_upper.tolist()
    assert [comp.col_names[j] for j in comp.x_cols] == [v.name for v in model.x.values()]
    primary = {v.name: c for v, c in model.primary.items()}
    assert comp.primary.tolist() == [-primary.get(n, 0.0) for n in comp.col_names]  # max → min form


def test_an_option_in_no_row_still_gets_a_column(tmp_path):
    # An option with no use of any resource and no contributions appears in no constraint;
    # the arrays must still have its column (x = 0 or 1 is then a free choice, tie-break → 0).
    gen = generate(tmp_path, 30, seed=1)
    opts = gen.inputs_dir / "options.csv"
    lines = opts.read_text().splitlines()
    header = lines[0].split(",")
    extra = {
        "option_id": "zz-idle",
        "partner_id": lines[1].split(",")[1],
        "sector_id": lines[1].split(",")[2],
        "kind": "standards",
        "name": "Idle",
    }
    lines.append(",".join(extra.get(h, "0") for h in header))
    opts.write_text("\n".join(lines) + "\n")
    result = solve(load_scenario(gen.scenario_file, ["solver.mip_gap=0"]))
    assert result.status == "optimal" and "zz-idle" not in result.selected


def test_tie_break_scope():
    assert tie_break_scope(OPTIMAL, 0.0) == ALL
    assert tie_break_scope(OPTIMAL, 1e-4) == SUBSETS
    assert tie_break_scope(FEASIBLE, 0.0) == SUBSETS


def _write_two_way_tie(folder: Path) -> Path:
    # One gap of size 10, weight 1. Options a (cost 5) and b (cost 3) each cover all of it;
    # c (cost 1) covers 4. Budget 10 → max coverage 1.0 is reached by {a}, {b}, {a,b}, {a,c} …
    # The tie-break must return {b}: least cost among the optima, and no idle option.
    (folder / "t").mkdir(parents=True)
    (folder / "t" / "partners.csv").write_text("partner_id,name\np,P\n")
    (folder / "t" / "sectors.csv").write_text("sector_id,name\ns,S\n")
    (folder / "t" / "gaps.csv").write_text("gap_id,sector_id,name,size\ng,s,G,10\n")
    (folder / "t" / "options.csv").write_text(
        "option_id,partner_id,sector_id,kind,budget_musd\na,p,s,buyer,5\nb,p,s,buyer,3\nc,p,s,buyer,1\n"
    )
    (folder / "t" / "contributions.csv").write_text("option_id,gap_id,amount\na,g,10\nb,g,10\nc,g,4\n")
    path = folder / "tie.yaml"
    path.write_text("name: tie\ninputs: t\nlimits:\n  budget_musd: 10\nsolver:\n  mip_gap: 0.0\n")
    return path


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_exact_tie_break_picks_the_cheapest_optimum(tmp_path, backend):
    result = solve(load_scenario(_write_two_way_tie(tmp_path)), SolveOptions(backend=backend))
    assert result.status == "optimal" and result.objective == pytest.approx(1.0)
    assert result.selected == ("b",)
    assert result.stages[-1].stage == "tie_break" and result.stages[-1].scope == ALL


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_subset_tie_break_at_positive_gap_leaves_no_idle_option(tmp_path, backend):
    gen = generate(tmp_path, 250, seed=4, rules=True)
    sc = load_scenario(gen.scenario_file, ["solver.mip_gap=0.001"])
    result = solve(sc, SolveOptions(backend=backend))
    assert result.status == "optimal"
    assert result.stages[-1].scope == SUBSETS
    z = result.objective
    required = set(sc.config.rules.require)
    for oid in result.selected:  # dropping any option not forced in lowers the objective
        if oid in required:
            continue
        without = evaluate(sc, [o for o in result.selected if o != oid]).objective
        assert without < z - 1e-6 * max(1.0, abs(z)), oid


HEAVY = ("pandas", "numpy", "pulp", "highspy", "pydantic", "rich", "matplotlib", "openpyxl")


def _imported_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        check=True,
    )
    return set(out.stdout.split())


def test_cli_import_and_help_load_nothing_heavy():
    # `planner --help` must start fast: the command registry is lazy, so nothing heavy loads.
    assert not _imported_after("import planner.cli") & set(HEAVY)
    code = (
        "from click.testing import CliRunner\nfrom planner.cli import cli\n"
        "r = CliRunner().invoke(cli, ['--help'])\nassert r.exit_code == 0, r.output"
    )
    assert not _imported_after(code) & set(HEAVY)


def test_validate_does_not_load_the_solver_stack():
    # Validation reads tables (pandas) and the schema (pydantic), but never PuLP or highspy.
    code = (
        "from click.testing import CliRunner\nfrom planner.cli import cli\n"
        "r = CliRunner().invoke(cli, ['validate', 'models/baseline.yaml'])\nassert r.exit_code == 0, r.output"
    )
    loaded = _imported_after(code)
    assert "pandas" in loaded  # the check is real: validation did run
    assert not loaded & {"pulp", "highspy", "planner.model.assemble", "planner.solver", "matplotlib", "openpyxl"}


number_cells = st.lists(
    st.one_of(
        st.sampled_from(
            ["", " ", "0", "1", "-1", "2.5", " 3 ", "1e3", "1e13", "-0", "inf", "nan", "1_0", "x", "0.5", "١٢"]
        ),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-(10**13), 10**13).map(str),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(
    cells=number_cells,
    default=st.sampled_from([None, 0.0, 1.0, math.nan]),
    lo=st.sampled_from([None, 0.0, 1.0]),
    hi=st.sampled_from([None, 1.0, 100.0]),
    lo_open=st.booleans(),
    integer=st.booleans(),
)
def test_bulk_number_parsing_agrees_with_the_cell_by_cell_path(cells, default, lo, hi, lo_open, integer):
    # The bulk path may only answer when the cell-by-cell path would find nothing wrong, and
    # then with the same values. A trailing unparsable cell forces the cell-by-cell path.
    import pandas as pd

    from planner.inputs.validate import _all_valid_numbers, _Checker

    class Raw:
        files = {"t": "t.csv"}

    kw = dict(default=default, lo=lo, hi=hi, lo_open=lo_open, integer=integer)
    fast = _all_valid_numbers(cells, **kw)
    ck = _Checker(Raw())
    slow = ck.number("t", pd.DataFrame({"c": [*cells, "not a number"]}, dtype=object), "c", **kw)[:-1]
    problems = [p for p in ck.problems if p.row != len(cells) + 2]
    if fast is not None:
        assert not problems
        assert np.array_equal(np.array(fast, dtype=float), np.array(slow, dtype=float), equal_nan=True)


def test_bulk_number_parsing_answers_the_common_case():
    from planner.inputs.validate import _all_valid_numbers

    assert _all_valid_numbers(["1", " 2.5", "", "1e3"], 0.0, 0.0, None, False, False) == [1.0, 2.5, 0.0, 1000.0]
    assert _all_valid_numbers(["1", ""], None, 0.0, None, False, False) is None  # blank where required
    assert _all_valid_numbers(["1", "-1"], 0.0, 0.0, None, False, False) is None  # below the bound


def test_solve_json_loads_no_reporting_or_terminal_libraries(tmp_path):
    # --json output needs neither rich tables nor the report stack (matplotlib, openpyxl).
    code = (
        "from click.testing import CliRunner\nfrom planner.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['solve', 'models/baseline.yaml', '--json', '--out', {str(tmp_path / 'run')!r}])\n"
        "assert r.exit_code == 0, r.output"
    )
    loaded = _imported_after(code)
    assert "highspy" in loaded  # it did solve
    assert not loaded & {"rich", "matplotlib", "openpyxl"}
