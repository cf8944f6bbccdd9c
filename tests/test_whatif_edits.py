"""The web's what-ifs are typed edits of the session's Scenario: the request's `KEY=VALUE` texts
are parsed once, at the boundary, and applied with the override function `--set` uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.api import load_scenario
from planner.errors import InputError
from planner.web.analysis_kinds import Interval, RobustJob
from planner.web.sessions import Session
from planner.web.whatif import Edits, WhatIf, confined, overrides, set_text

DATA = Path(__file__).parent / "data"


def test_a_whatif_becomes_typed_edits_applied_as_set_applies_them():
    file, edits = confined(DATA, WhatIf(scenario="tiny.yaml", set=["limits.budget_musd=7"], lock_in=["a"]))
    assert file == (DATA / "tiny.yaml").resolve()
    assert edits == Edits(settings=(("limits.budget_musd", 7),), lock_in=("a",))
    base_rules = load_scenario(file).config.rules
    settings = overrides(edits, base_rules)
    assert settings == [("limits.budget_musd", 7), ("rules.require", ["a"])]
    assert [set_text(s) for s in settings] == ["limits.budget_musd=7", "rules.require=[a]"]
    point = Session().point_scenario(file, edits)
    cli = load_scenario(file, ["limits.budget_musd=7", "rules.require=[a]"])
    assert point.scenario.config == cli.config and point.scenario.input_sha256 == cli.input_sha256
    assert point.changes is None  # a lock is a structural edit: the point is rebuilt


def test_solving_a_whatif_equals_planner_solve_with_the_same_set():
    # tiny at budget 5 affords one option: {d} (objective 1.2); locking c in leaves 2 for nothing else.
    from planner.api import solve

    file, edits = confined(DATA, WhatIf(scenario="tiny.yaml", set=["limits.budget_musd=5"], lock_in=["c"]))
    solved = Session().solve(file, edits)
    ref = solve(load_scenario(file, ["limits.budget_musd=5", "rules.require=[c]"]))
    assert solved.result.selected == ref.selected == ("c",)
    assert solved.result.objective == pytest.approx(ref.objective, abs=1e-9)
    assert solved.overrides == ["limits.budget_musd=5", "rules.require=[c]"]


def test_job_settings_are_typed_and_locks_are_checked():
    job = RobustJob(kind="robust", sector_weights=[Interval(id="semis", low=1, high=2)], order=["semis >= minerals"])
    assert job.settings() == [("robust.sector_weights.semis", [1.0, 2.0]), ("robust.order", ["semis >= minerals"])]
    assert Edits().plus(job.settings()).settings == tuple(job.settings())
    with pytest.raises(InputError, match="locked both in and out"):
        overrides(Edits(lock_in=("a",), lock_out=("a",)), load_scenario(DATA / "tiny.yaml").config.rules)
    with pytest.raises(InputError, match="not a rule family"):
        overrides(Edits(rules_off=("nonsense",)), load_scenario(DATA / "tiny.yaml").config.rules)
