"""LiveModel: typed changes keep HiGHS and the arrays in step, and `changes()` undoes them exactly."""

from __future__ import annotations

import numpy as np
import pytest

from planner.api import load_scenario
from planner.model.assemble import build
from planner.model.compile import compile_model
from planner.solver.live import LiveModel

TINY = "tests/data/tiny.yaml"


@pytest.fixture(scope="module")
def comp():
    return compile_model(build(load_scenario(TINY)))


def _snapshot(live: LiveModel) -> tuple:
    c = live.comp
    return (
        live.num_rows,
        live.num_columns,
        c.row_lower.copy(),
        c.row_upper.copy(),
        c.col_lower.copy(),
        c.col_upper.copy(),
        c.value.copy(),
        c.primary.copy(),
        c.secondary.copy(),
    )


def _same(a: tuple, b: tuple) -> bool:
    return a[:2] == b[:2] and all(np.array_equal(x, y) for x, y in zip(a[2:], b[2:]))


def test_changes_are_undone_exactly_and_the_answer_returns(comp):
    live = LiveModel(comp)
    base = live.solve(None, 0.0)
    before = _snapshot(live)
    with live.changes():
        with live.changes():  # nested blocks undo their own changes only
            live.fix(live.comp.x_cols[:1], [1.0])
            live.set_row_bounds([0], [-np.inf], [0.0])
            live.set_objectives(np.zeros_like(live.comp.primary))
        assert _same(_snapshot(live), before)
        row0 = int(np.flatnonzero(np.diff(live.comp.start) > 0)[0])
        col0 = int(live.comp.index[live.comp.start[row0]])
        live.set_coefficient(row0, col0, 123.0)
        live.add_column(0.0, 0.0, 1.0, [row0], [1.0])
        live.add_row(-np.inf, 1.0, [col0], [1.0])
        assert live.num_rows == before[0] + 1 and live.num_columns == before[1] + 1
    assert _same(_snapshot(live), before)
    again = live.solve(None, 0.0)
    assert again.status == base.status and np.array_equal(again.x, base.x)


def test_the_live_model_owns_its_arrays(comp):
    keep = comp.row_upper.copy()
    live = LiveModel(comp)
    live.set_row_bounds([0], [-np.inf], [0.0])
    assert np.array_equal(comp.row_upper, keep)  # the caller's arrays are untouched
    assert live.comp.row_upper[0] == 0.0


def test_a_fixed_option_is_honoured_and_released(comp):
    live = LiveModel(comp)
    base = live.solve(None, 0.0)
    out_of_plan = int(np.flatnonzero(base.x == 0)[0]) if (base.x == 0).any() else 0
    with live.changes():
        live.fix(live.comp.x_cols[[out_of_plan]], [1.0])
        forced = live.solve(None, 0.0)
        if forced.x is not None:
            assert forced.x[out_of_plan] == 1
    assert np.array_equal(live.solve(None, 0.0).x, base.x)
