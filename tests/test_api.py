"""The notebook API: `from planner import load_scenario, solve` gives a Result with frames."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import DATA

TINY = DATA / "tiny.yaml"


def test_load_and_solve_return_frames():
    from planner import load_scenario, solve

    result = solve(load_scenario(TINY))
    assert result.status == "optimal"
    assert isinstance(result.portfolio, pd.DataFrame) and isinstance(result.coverage, pd.DataFrame)
    # tiny: a (Japan packaging) and b (Australia REE) close both gaps within budget 11.
    assert list(result.portfolio["option_id"]) == ["a", "b"]
    assert {"partner_id", "sector_id", "kind", "budget_musd", "diplomatic_capacity"} <= set(result.portfolio.columns)
    assert list(result.coverage["gap_id"]) == ["g1", "g2"]
    assert list(result.coverage["fraction"]) == [1.0, 1.0]
    assert result.summary()["selected"] == 2


def test_solve_takes_a_scenario_and_one_options_object_and_puts_the_timings_on_the_result():
    from planner import SolveOptions, load_scenario, solve
    from planner.results.timings import Timings

    # Budget 5 affords one option (b costs 6; c + d cost 7): a closes g1 (weight 1) → 1.0;
    # c covers half of g2 (weight 2) → 1.0; d covers half of g2 and 2 of g1 → 1.2. Optimum {d}.
    result = solve(load_scenario(TINY, ["limits.budget_musd=5"]), SolveOptions(mip_gap=0.0))
    assert result.selected == ("d",)
    assert result.objective == pytest.approx(1.2, abs=1e-9)
    assert result.scenario.config.solver.mip_gap == 0.0  # the options are the run's settings
    assert isinstance(result.timings, Timings) and result.timings.solve is not None
    assert list(result.summary()["timings_seconds"]) == [
        k for k in ("build", "compile", "solve") if k in result.timings.to_dict()
    ]
    with pytest.raises(TypeError):
        solve(load_scenario(TINY), mip_gap=0.0)  # type: ignore[call-arg]  # one options object, no keywords


def test_solve_and_evaluate_stay_callable_after_their_submodules_are_imported():
    # No module is named like an API function, so importing the solver and evaluation
    # packages cannot rebind `planner.solve` / `planner.evaluate` to a module.
    import planner.results.evaluation as evaluate_module
    import planner.solver as solve_module
    from planner import load_scenario, solve
    from planner import evaluate

    assert hasattr(solve_module, "solve_model") and hasattr(evaluate_module, "Evaluation")
    assert callable(solve) and not isinstance(solve, type(evaluate_module))
    sc = load_scenario(TINY)
    result = solve(sc)
    assert result.selected == ("a", "b")
    assert evaluate(sc, ["a", "b"]).objective == result.objective
