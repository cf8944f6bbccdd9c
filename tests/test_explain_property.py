"""Entry thresholds against brute force on small random instances.

For a limit threshold L* the claim is: at L* `planner solve` selects the option, and at
every whole value from today's up to L* − 1 it does not (data are whole numbers, so only
whole values can change the answer). "impossible" claims: no value does it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis_helpers import write_scenario
from planner.analysis.entry import EntryStatus
from planner.analysis.explain import explain
from planner.api import load_scenario
from planner.results.evaluation import evaluate


@st.composite
def instances(draw):
    n = draw(st.integers(3, 6))
    gaps = draw(st.integers(1, 3))
    cost = draw(st.lists(st.integers(1, 9), min_size=n, max_size=n))
    cap = draw(st.lists(st.integers(1, 2), min_size=n, max_size=n))
    contrib = []
    for i in range(n):
        for g in range(gaps):
            if draw(st.booleans()):
                contrib.append((f"o{i}", f"g{g}", draw(st.integers(1, 9))))
    if not contrib:
        contrib.append(("o0", "g0", 5))
    weights = draw(st.lists(st.integers(1, 3), min_size=gaps, max_size=gaps))
    budget = draw(st.integers(1, max(1, sum(cost) - 1)))
    capacity = draw(st.integers(1, n))
    return n, gaps, cost, cap, contrib, weights, budget, capacity


def _write(folder, inst):
    n, gaps, cost, cap, contrib, weights, budget, capacity = inst
    tables = {
        "partners": pd.DataFrame({"partner_id": ["p"], "name": ["P"]}),
        "sectors": pd.DataFrame({"sector_id": ["s"], "name": ["S"]}),
        "gaps": pd.DataFrame(
            {
                "gap_id": [f"g{g}" for g in range(gaps)],
                "sector_id": ["s"] * gaps,
                "name": [f"G{g}" for g in range(gaps)],
                "size": [10] * gaps,
                "weight": weights,
            }
        ),
        "options": pd.DataFrame(
            {
                "option_id": [f"o{i}" for i in range(n)],
                "partner_id": ["p"] * n,
                "sector_id": ["s"] * n,
                "kind": ["k"] * n,
                "budget_musd": cost,
                "diplomatic_capacity": cap,
            }
        ),
        "contributions": pd.DataFrame(contrib, columns=["option_id", "gap_id", "amount"]),
    }
    cfg = {
        "name": "prop",
        "objective": {"sense": "max_coverage", "cost_resource": "budget_musd"},
        "limits": {"budget_musd": budget, "diplomatic_capacity": capacity},
    }
    return write_scenario(folder, tables, cfg)


def _table(sc):
    """Every portfolio: (objective, tie-break weight, budget use, capacity use, bits).

    The tie-break weight is `planner.model.base.tie_break_weights`: cost, ε for a zero cost."""
    from planner.model.base import tie_break_weights

    weight = tie_break_weights(sc)
    cost = sc.options["budget_musd"].to_numpy(dtype=float)
    cap = sc.options["diplomatic_capacity"].to_numpy(dtype=float)
    rows = []
    for bits in itertools.product((0, 1), repeat=len(cost)):
        x = np.array(bits, dtype=np.int8)
        rows.append((evaluate(sc, x).objective, float(weight @ x), float(cost @ x), float(cap @ x), bits))
    return rows


def _choice(rows, budget, capacity):
    feas = [r for r in rows if r[2] <= budget + 1e-9 and r[3] <= capacity + 1e-9]
    top = max(r[0] for r in feas)
    cands = sorted((r for r in feas if r[0] >= top - 1e-6 * max(1, abs(top))), key=lambda r: r[1])
    if len(cands) > 1 and abs(cands[1][1] - cands[0][1]) <= 1e-9 * max(1.0, cands[0][1]):
        return None  # the tie-break cannot settle it; any answer is right
    return cands[0][4]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inst=instances())
def test_limit_thresholds_match_brute_force(tmp_path_factory, inst):
    path = _write(tmp_path_factory.mktemp("prop"), inst)
    sc = load_scenario(path)
    rows = _table(sc)
    limits = {"budget_musd": inst[6], "diplomatic_capacity": inst[7]}
    today = _choice(rows, limits["budget_musd"], limits["diplomatic_capacity"])
    if today is None:
        return
    unselected = [o for o, b in zip(sc.options.index, today) if not b]
    for e in explain(sc, unselected):
        i = list(sc.options.index).index(e.option_id)
        for res in limits:
            (path_r,) = [p for p in e.entry if p.parameter == res] or [None]
            if path_r is None:
                continue  # the limit does not block this option at all

            def choice(value):
                lim = dict(limits, **{res: value})
                return _choice(rows, lim["budget_musd"], lim["diplomatic_capacity"])

            if path_r.status is EntryStatus.FOUND:
                assert path_r.needed == int(path_r.needed)
                upto = int(path_r.needed)
                at = choice(path_r.needed)
                assert at is None or at[i] == 1, (e.option_id, res, path_r)
            elif path_r.status is EntryStatus.IMPOSSIBLE:
                upto = int(sc.options[res].sum()) + 1
            elif path_r.status is EntryStatus.NOT_BELOW:
                upto = int(path_r.checked)
            elif path_r.status == "tie":
                continue  # an exact tie the tie-break cannot settle: either answer is right
            else:
                pytest.fail(f"unexpected status {path_r}")
            for v in range(int(limits[res]), upto):
                c = choice(v)
                assert c is None or c[i] == 0, (e.option_id, res, v, path_r)


def _scaled_choice(sc, o, capacity, budget, amount_factor=1.0, cost=None):
    """Brute-force choice with option o's contributions scaled and/or its cost replaced."""
    from dataclasses import replace

    contrib = sc.contributions.copy()
    contrib.loc[contrib["option_id"] == o, "amount"] *= amount_factor
    options = sc.options.copy()
    if cost is not None:
        options.loc[o, "budget_musd"] = cost
    variant = replace(sc, contributions=contrib, options=options)
    return _choice(_table(variant), budget, capacity)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inst=instances())
def test_contribution_and_cost_thresholds_match_brute_force(tmp_path_factory, inst):
    # Scaling o's contributions or cutting its cost never helps a portfolio without o, so the
    # selection is monotone in both: selected at the stated value, not one grid step short.
    path = _write(tmp_path_factory.mktemp("prop2"), inst)
    sc = load_scenario(path)
    budget, capacity = inst[6], inst[7]
    today = _choice(_table(sc), budget, capacity)
    if today is None:
        return
    unselected = [o for o, b in zip(sc.options.index, today) if not b]
    for e in explain(sc, unselected):
        i = list(sc.options.index).index(e.option_id)
        for p in e.entry:
            if p.kind == "contributions":
                if p.status is EntryStatus.FOUND:
                    at = _scaled_choice(sc, e.option_id, capacity, budget, amount_factor=p.needed)
                    assert at is None or at[i] == 1, p
                    if p.below is not None:
                        short = _scaled_choice(sc, e.option_id, capacity, budget, amount_factor=p.below)
                        assert short is None or short[i] == 0, p
                elif p.status is EntryStatus.IMPOSSIBLE:
                    far = _scaled_choice(sc, e.option_id, capacity, budget, amount_factor=100.0)
                    assert far is None or far[i] == 0, p
            elif p.kind == "cost":
                if p.status is EntryStatus.FOUND:
                    at = _scaled_choice(sc, e.option_id, capacity, budget, cost=p.needed)
                    assert at is None or at[i] == 1, p
                    if p.below is not None:
                        short = _scaled_choice(sc, e.option_id, capacity, budget, cost=p.below)
                        assert short is None or short[i] == 0, p
                elif p.status is EntryStatus.IMPOSSIBLE:
                    free = _scaled_choice(sc, e.option_id, capacity, budget, cost=0.0)
                    assert free is None or free[i] == 0, p
