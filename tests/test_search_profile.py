"""How HiGHS searches changes the speed, never the answer: `Search.RESOLVE`, MIP starts from
`LiveModel.best_within`, and HiGHS's scheduler, which is one per thread."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from planner.api import load_scenario
from planner.model.assemble import build
from planner.model.compile import compile_model
from planner.solver import highs
from planner.solver.search import Search
from planner.solver.live import LiveModel
from planner.solver.outcome import Status
from sens_helpers import write_scenario

TINY = Path(__file__).parent / "data" / "tiny.yaml"


def _comp(path):
    return compile_model(build(load_scenario(path)))


@pytest.mark.parametrize("seed", range(6))
def test_resolve_search_returns_what_the_default_search_returns(tmp_path, seed):
    comp = _comp(write_scenario(tmp_path, seed=seed, n_options=12, n_gaps=5, budget=25))
    default, resolve = LiveModel(comp), LiveModel(comp, search=Search.RESOLVE)
    assert resolve.resolve_applies(0.0) and not default.resolve_applies(0.0)
    row = int(np.flatnonzero([t.family == "limit" and t.subject == "budget_musd" for t in comp.tags])[0])
    for limit in (25.0, 17.0, 9.0, 4.0):  # the same live models, re-solved at tighter limits
        for live in (default, resolve):
            live.set_row_bounds([row], [-np.inf], [limit])
        a, b = default.solve(None, 0.0), resolve.solve(None, 0.0)
        assert a.status == b.status
        assert (a.x is None and b.x is None) or np.array_equal(a.x, b.x)
        assert a.objective_solver == pytest.approx(b.objective_solver, abs=1e-9) if a.x is not None else True


def test_resolve_search_only_where_the_answer_is_unique_and_the_model_small(monkeypatch):
    comp = _comp(TINY)
    live = LiveModel(comp, search=Search.RESOLVE)
    assert live.resolve_applies(0.0, True)
    assert not live.resolve_applies(1e-4, True)  # with a gap, which portfolio is found depends on the search
    assert not live.resolve_applies(0.0, False)  # without the tie-break, so does the choice among optima
    assert not LiveModel(comp).resolve_applies(0.0, True)  # Search.DEFAULT
    monkeypatch.setattr(highs, "RESOLVE_MAX_INTEGERS", 3)  # tiny has 4 integer columns: "large" now
    assert not live.resolve_applies(0.0, True)


def test_best_within_is_the_best_sub_portfolio_not_the_optimum():
    # tiny: a (5 M$, g1 10 → 1.0), b (6, g2 10 → 2.0), c (3, g2 5), d (4, g2 5 + g1 2); at budget
    # 11 the optimum is a+b (3.0). At budget 9 its best subset is b alone (2.0; a alone is 1.0),
    # while the optimum there is c+d (g2 10 → 2.0, g1 2 → 0.2: 2.2) — a start, not the answer.
    sc = load_scenario(TINY)
    live = LiveModel(compile_model(build(sc)), search=Search.RESOLVE)
    top = live.solve(None, 0.0)
    assert [o for o, v in zip(sc.options.index, top.x) if v] == ["a", "b"]
    row = int(np.flatnonzero([t.family == "limit" and t.subject == "budget_musd" for t in live.comp.tags])[0])
    live.set_row_bounds([row], [-np.inf], [9.0])
    start = live.best_within(top.x, None)
    chosen = [o for o, v in zip(sc.options.index, start[live.comp.x_cols]) if v > 0.5]
    assert chosen == ["b"]
    out = live.solve(None, 0.0, start=start)
    assert [o for o, v in zip(sc.options.index, out.x) if v] == ["c", "d"]
    assert out.objective_solver == pytest.approx(2.2)


def test_a_thread_may_change_its_highs_thread_count_whatever_other_threads_did():
    # HiGHS 1.16 keeps one scheduler per OS thread. Before, one process-wide record of its size
    # let a thread whose own scheduler had HiGHS's default size (2 on two cores) ask for 1 thread
    # without a reset after another thread had set the record to 1: HiGHS refused ("Not Set").
    comp = _comp(TINY)
    statuses: list[Status] = []

    def run(threads_seq):
        for threads in threads_seq:
            statuses.append(LiveModel(comp, threads).solve(None, 0.0).status)

    for seq in ([1], [None, 1], [2, 1, None]):
        t = threading.Thread(target=run, args=(seq,))
        t.start()
        t.join()
    assert statuses == [Status.OPTIMAL] * 6
