"""The sensitivity engine: in-place arrays equal a fresh build, and solves equal `planner solve`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from planner.api import load_scenario, solve
from planner.model.assemble import build
from planner.inputs.read import load_raw
from planner.sensitivity.arrays import Layout
from planner.sensitivity.engine import FAST, REBUILD, Engine
from planner.sensitivity.points import NUMERIC, perturbed
from planner.model.compile import compile_model
from sens_helpers import brute_force, write_scenario

TINY = Path(__file__).parent / "data" / "tiny.yaml"
ARRAYS = ("row_lower", "row_upper", "value", "primary", "secondary")


def assert_same_arrays(layout: Layout, scenario, changes=NUMERIC) -> None:
    fast = layout.arrays(scenario, changes)
    assert fast is not None
    fresh = compile_model(build(scenario))
    for name in ARRAYS:
        assert np.array_equal(getattr(fast, name), getattr(fresh, name)), name


@pytest.mark.parametrize(
    "overrides",
    [
        [],
        [("limits.budget_musd", 7)],
        [("limits.diplomatic_capacity", 3), ("limits.budget_musd", 100)],
        [("objective.risk_penalty", 0.5)],
        [("objective.sector_weights.minerals", 3.5)],
        [("objective.gap_weights.g1", 0.0), ("objective.risk_penalty", 1.0)],
    ],
)
def test_fast_arrays_equal_a_fresh_build(overrides):
    engine = Engine(load_raw(TINY))
    scenario, changes = engine.scenario(overrides)
    assert changes == NUMERIC
    assert_same_arrays(engine.layout, scenario)


def test_fast_arrays_with_targets_and_min_cost(tmp_path):
    path = write_scenario(tmp_path, seed=3, sense="min_cost")
    engine = Engine(load_raw(path))
    assert engine.layout is not None
    for overrides in ([], [("limits.diplomatic_capacity", 5)]):
        scenario, changes = engine.scenario(overrides)
        assert_same_arrays(engine.layout, scenario)


def test_fast_arrays_follow_perturbed_tables(tmp_path):
    engine = Engine(load_raw(write_scenario(tmp_path, seed=5)))
    base = engine.base
    contributions = base.contributions.copy()
    contributions["amount"] = contributions["amount"] * np.linspace(0.7, 1.3, len(contributions))
    options = base.options.copy()
    options["budget_musd"] = options["budget_musd"] * 1.25
    gaps = base.gaps.copy()
    gaps["weight"] = gaps["weight"] * 0.5
    sectors = base.sectors.copy()
    sectors["weight"] = [3.0, 0.25]
    changes = frozenset({"contributions.amount", "options.budget_musd", "gaps.weight", "sectors.weight"})
    assert_same_arrays(
        engine.layout,
        perturbed(base, {"contributions": contributions, "options": options, "gaps": gaps, "sectors": sectors}),
        changes,
    )


RULES = {
    "require": ["o0"],
    "forbid": ["o5"],
    "requires": [{"option": "o1", "needs": "o2"}],
    "excludes": [["o3", "o4"]],
    "groups": [
        {"select": {"sector": "s1"}, "max_options": 3},
        {"name": "cheap", "select": {"partner": "p2"}, "max_use": {"budget_musd": 12}},
    ],
    "max_options": {"default": 3},
    "min_fraction": {"sectors": {"s2": 0.1}},
    "diversify": [{"sector": "s1", "min_partners": 2}],
    "risk": {"max_total": 2.0},
    "resilience": {"fraction": 0.1, "gaps": ["g0"]},
}


def test_rule_families_keep_the_fast_path_and_their_rows(tmp_path):
    """Every rule family the engine keeps in place: same arrays as a fresh build, and the
    families that read a perturbed column send the point to a rebuild."""
    path = write_scenario(tmp_path, seed=21, n_options=10, n_gaps=4, budget=30, extra={"rules": RULES})
    engine = Engine(load_raw(path))
    assert engine.layout is not None
    assert {
        "requires",
        "excludes",
        "groups",
        "max_options",
        "min_fraction",
        "diversify",
        "risk",
        "resilience",
    } <= engine.layout.families
    for overrides in (
        [("limits.budget_musd", 22)],
        [("objective.risk_penalty", 0.3), ("objective.sector_weights.s1", 2)],
    ):
        scenario, changes = engine.scenario(overrides)
        assert changes == NUMERIC
        assert_same_arrays(engine.layout, scenario)
        result = engine.solve(scenario, changes)
        reference = solve(scenario)
        assert result.path == FAST and result.selected == reference.selected
        assert result.objective == pytest.approx(reference.objective, abs=1e-9)
    base = engine.base
    gaps = base.gaps.copy()
    gaps["weight"] = gaps["weight"] * 2
    assert_same_arrays(engine.layout, perturbed(base, {"gaps": gaps}), frozenset({"gaps.weight"}))
    for column in ("contributions.amount", "options.budget_musd", "options.risk"):
        assert engine.layout.arrays(base, frozenset({column})) is None  # diversify / groups / risk read it


def test_objective_changing_families_are_always_rebuilt(tmp_path):
    rules = {
        "diminishing_returns": [{"gaps": ["g0"], "segments": [{"upto": 0.5, "value": 0.8}, {"upto": 1, "value": 0.2}]}]
    }
    path = write_scenario(tmp_path, seed=2, n_options=8, n_gaps=3, extra={"rules": rules})
    engine = Engine(load_raw(path))
    assert engine.layout is None
    scenario, changes = engine.scenario([("limits.budget_musd", 9)])
    result = engine.solve(scenario, changes)
    reference = solve(scenario)
    assert result.path == REBUILD and result.selected == reference.selected
    assert result.objective == pytest.approx(reference.objective, abs=1e-9)


def test_structural_changes_are_rebuilt_and_still_match_planner_solve():
    engine = Engine(load_raw(TINY))
    for overrides in (
        [("rules.forbid", ["b"])],
        [("objective.coverage_target", 0.2)],
        [("objective.sense", "min_cost"), ("objective.coverage_target", 0.5)],
    ):
        scenario, changes = engine.scenario(overrides)
        assert changes is None
        result = engine.solve(scenario, changes)
        assert result.path == REBUILD
        reference = solve(load_scenario(TINY, [f"{k}={v}" for k, v in overrides]))
        assert result.status == reference.status
        assert result.objective == pytest.approx(reference.objective, abs=1e-9)
        assert result.selected == reference.selected
    # Back to a numeric change: the engine returns to the in-place model.
    scenario, changes = engine.scenario([("limits.budget_musd", 9)])
    result = engine.solve(scenario, changes)
    assert result.path == FAST and result.selected == ("c", "d")


def test_tiny_budget_ladder_by_hand():
    # tiny: a(5: g1 10), b(6: g2 10), c(3: g2 5), d(4: g2 5, g1 2); diplomatic capacity 2 (one each);
    # objective = cover_g1/10 + 2·cover_g2/10. Worked out by hand:
    #   budget 11 → a+b = 3.0;  10 → c+d = 2.2 (b+d ties at 2.2 but costs 10 > 7);  9, 7 → c+d = 2.2;
    #   6 → b = 2.0;  5, 4 → d = 1.2;  3 → c = 1.0;  2 → nothing, 0.
    expected = {
        11: (3.0, ("a", "b")),
        10: (2.2, ("c", "d")),
        9: (2.2, ("c", "d")),
        7: (2.2, ("c", "d")),
        6: (2.0, ("b",)),
        5: (1.2, ("d",)),
        4: (1.2, ("d",)),
        3: (1.0, ("c",)),
        2: (0.0, ()),
    }
    engine = Engine(load_raw(TINY))
    start = None
    for budget, (objective, selected) in expected.items():
        scenario, changes = engine.scenario([("limits.budget_musd", budget)])
        result = engine.solve(scenario, changes, start_x=start)
        assert result.path == FAST
        assert result.status == "optimal"
        assert result.objective == pytest.approx(objective, abs=1e-9)
        assert result.selected == selected
        start = result.x


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), budget=st.integers(0, 40), penalty=st.sampled_from([0.0, 0.5, 2.0]))
def test_engine_matches_brute_force(tmp_path_factory, seed, budget, penalty):
    folder = tmp_path_factory.mktemp("bf")
    engine = Engine(load_raw(write_scenario(folder, seed, n_options=8, n_gaps=4)))
    scenario, changes = engine.scenario([("limits.budget_musd", budget), ("objective.risk_penalty", penalty)])
    result = engine.solve(scenario, changes)
    best, winners = brute_force(scenario)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best, abs=1e-7)
    assert result.selected in winners


def test_rows_are_found_by_tags_whatever_the_ids(tmp_path):
    """Ids whose LP names clash (`g 1` and `g_1` are both `cover_g_1`) or look like other rows'
    names (`limit_budget_musd`, `_z_`) change no array and no result: the layout reads tags."""
    rename = {
        "a": "limit_budget_musd",
        "b": "link_g_1",
        "c": "x_z_c",
        "d": "d",
        "g1": "g 1",
        "g2": "g_1",
        "jpn": "p_z_1",
        "aus": "target_g_1",
        "uae": "uae",
    }
    data = tmp_path / "odd"
    data.mkdir()
    for table in (TINY.parent / "tiny").glob("*.csv"):
        lines = table.read_text().splitlines()
        out = [lines[0]]
        for line in lines[1:]:
            out.append(",".join(rename.get(cell, cell) for cell in line.split(",")))
        (data / table.name).write_text("\n".join(out) + "\n")
    path = tmp_path / "odd.yaml"
    path.write_text(TINY.read_text().replace("inputs: tiny", "inputs: odd"))
    same, back = Engine(load_raw(TINY)), {new: old for old, new in rename.items()}
    # Renamed tiny is tiny: the same ladder of portfolios, id for id.
    engine = Engine(load_raw(path))
    for budget in (2, 4, 6, 7, 11):
        renamed = engine.solve(*engine.scenario([("limits.budget_musd", budget)]))
        plain = same.solve(*same.scenario([("limits.budget_musd", budget)]))
        assert renamed.path == FAST and renamed.objective == plain.objective
        assert tuple(back[o] for o in renamed.selected) == plain.selected
    # With a target on the gap whose name clashes: its row is found, and follows the settings.
    (data / "gaps.csv").write_text((data / "gaps.csv").read_text().replace("Rare earths,10,2,", "Rare earths,10,2,3"))
    engine = Engine(load_raw(path))
    assert engine.layout is not None and (engine.layout.target_rows >= 0).tolist() == [False, True]
    for overrides in (
        [("limits.budget_musd", 9)],
        [("objective.gap_weights.g 1", 3.0), ("objective.risk_penalty", 0.5)],
    ):
        scenario, changes = engine.scenario(overrides)
        assert changes == NUMERIC
        assert_same_arrays(engine.layout, scenario)
        result = engine.solve(scenario, changes)
        assert result.path == FAST
        reference = solve(scenario)
        assert result.selected == reference.selected and result.objective == pytest.approx(
            reference.objective, abs=1e-12
        )
