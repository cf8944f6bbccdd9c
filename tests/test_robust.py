"""planner robust: maximin, minimax regret and the non-dominated set against brute force."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from planner import InputError, load_scenario
from planner.model.faces import State
from planner.model.rules import objective_value
from planner.robust import robust
from planner.robust.weights import at_factors, weight_set_of
from tests.conftest import write_scenario


def tiny(root, seed: int, sense: str = "max_coverage"):
    rng = np.random.default_rng(seed)
    n, sectors = int(rng.integers(4, 9)), ["s1", "s2", "s3"][: int(rng.integers(2, 4))]
    gaps = [{"gap_id": f"g{j}", "sector_id": sectors[j % len(sectors)], "size": 10, "weight": 1} for j in range(len(sectors) * 2)]
    options = [{"option_id": f"o{i}", "budget_musd": int(rng.integers(1, 6)), "sector_id": sectors[i % len(sectors)]}
               for i in range(n)]
    contributions = [(f"o{i}", g["gap_id"], int(rng.integers(2, 9))) for i in range(n) for g in gaps if rng.random() < 0.4]
    contributions = contributions or [("o0", "g0", 5)]
    robust_cfg = {"sector_weights": {s: [0.5, 2.0] for s in sectors[:2]}, "samples": 0}
    if rng.random() < 0.5:
        robust_cfg["order"] = [f"{sectors[0]} >= {sectors[1]}"]
    cfg = {"objective": {"sense": sense}, "limits": {"budget_musd": int(rng.integers(4, 12))}, "robust": robust_cfg}
    return load_scenario(write_scenario(root, options=options, gaps=gaps, contributions=contributions,
                                        sectors=[{"sector_id": s, "name": s, "weight": 1} for s in sectors], config=cfg))


def brute(sc):
    """Every feasible portfolio's value at each vertex of W (the inner LPs over W are linear, so
    their optima are at vertices; the value at each vertex is objective_value itself)."""
    ws = weight_set_of(sc)
    verts = ws.vertices()
    variants = [at_factors(sc, ws, w) for w in verts]
    cost = sc.options["budget_musd"].to_numpy(dtype=float)
    rows = []
    for bits in itertools.product([0, 1], repeat=len(sc.options)):
        x = np.array(bits)
        if cost @ x <= sc.config.limits["budget_musd"] + 1e-9:
            rows.append((x, np.array([objective_value(State.of(v, x)) for v in variants])))
    return verts, rows


@pytest.mark.parametrize("seed", range(8))
def test_matches_brute_force(tmp_path, seed):
    sc = tiny(tmp_path, seed)
    verts, rows = brute(sc)
    z = np.array([r[1] for r in rows])
    rep = robust(sc)
    assert rep.maximin["worst_case"] == pytest.approx(z.min(axis=1).max(), abs=1e-6)
    regret = (z.max(axis=0)[None, :] - z).max(axis=1)
    assert rep.minimax_regret["max_regret"] == pytest.approx(regret.min(), abs=1e-5)
    assert rep.minimax_regret["gap"] == 0.0
    eps = 1e-6 * max(1.0, float(np.abs(z).max()))
    nd = {tuple(np.round(zp, 6)) for zp in z
          if not any(np.all(zq >= zp - 1e-9) and np.any(zq > zp + eps) for zq in z)}
    assert rep.core_index["complete"]
    assert rep.core_index["portfolios"] == len(nd)
    assert {tuple(np.round(p["vertex_values"], 6)) for p in rep.portfolios} == nd


def two_options(tmp_path, weight_b: float, robust_section: dict):
    """Two gaps in sectors a (weight 1) and b (`weight_b`), one option each (cost 1, budget 1),
    each covering its own gap fully."""
    return write_scenario(tmp_path, options=[{"option_id": "oa", "budget_musd": 1, "sector_id": "a"},
                                             {"option_id": "ob", "budget_musd": 1, "sector_id": "b"}],
                          gaps=[{"gap_id": "ga", "sector_id": "a", "size": 1, "weight": 1},
                                {"gap_id": "gb", "sector_id": "b", "size": 1, "weight": 1}],
                          contributions=[("oa", "ga", 1), ("ob", "gb", 1)],
                          sectors=[{"sector_id": "a", "name": "A", "weight": 1},
                                   {"sector_id": "b", "name": "B", "weight": weight_b}],
                          config={"limits": {"budget_musd": 1}, "robust": robust_section})


def test_box_without_order(tmp_path):
    # Two gaps in sectors a and b, one option each (cost 1, budget 1), each covering its gap
    # fully. Weights a, b ∈ [0.5, 1.5] with a + b = 2 (the nominal total). value(oa) = a,
    # value(ob) = b = 2 − a. Worst cases: 0.5 each; maximin 0.5. Regrets: oa loses 1 at a = 0.5
    # (b = 1.5): max regret 1 each, so minimax regret = 1. Both portfolios are non-dominated,
    # neither option is core.
    path = two_options(tmp_path, 1, {"sector_weights": {"a": [0.5, 1.5], "b": [0.5, 1.5]}, "samples": 10})
    rep = robust(load_scenario(path))
    assert rep.maximin["worst_case"] == pytest.approx(0.5)
    assert rep.minimax_regret["max_regret"] == pytest.approx(1.0)
    assert rep.core_index["portfolios"] == 2
    assert set(rep.core_index["options"].values()) == {"borderline"}


def test_order_flips_the_nominal_choice(tmp_path):
    # Nominal a = 1, b = 1.2: ob (worth 1.2) beats oa. "a >= b" with a, b ∈ [0.5, 1.5] and
    # a + b = 2.2 gives a ∈ [1.1, 1.5]: oa is worth a ≥ 1.1 ≥ b everywhere, so oa is the only
    # non-dominated portfolio, core, and both maximin (worst 1.1) and minimax regret (0).
    path = two_options(tmp_path, 1.2, {"sector_weights": {"a": [0.5, 1.5], "b": [0.5, 1.5]}, "order": ["a >= b"]})
    rep = robust(load_scenario(path))
    assert rep.nominal["selected"] == ["ob"]
    assert rep.maximin["selected"] == ["oa"] and rep.maximin["worst_case"] == pytest.approx(1.1)
    assert rep.minimax_regret["selected"] == ["oa"] and rep.minimax_regret["max_regret"] == pytest.approx(0.0, abs=1e-6)
    assert rep.core_index["options"] == {"oa": "core", "ob": "exterior"}


def test_single_point_equals_nominal(tmp_path):
    sc = tiny(tmp_path, 3)
    cfg = sc.config.model_copy(update={"robust": sc.config.robust.model_copy(update={"sector_weights": {"s1": [1, 1]}, "order": []})})
    sc = sc.with_config(cfg)
    rep = robust(sc)
    assert rep.maximin["worst_case"] == pytest.approx(rep.nominal["objective"])
    assert rep.minimax_regret["max_regret"] == pytest.approx(0.0, abs=1e-6)
    assert rep.maximin["selected"] == rep.nominal["selected"] == rep.minimax_regret["selected"]
    assert "single point" in rep.message


def test_min_cost_says_weights_do_not_matter(tmp_path):
    rep = robust(tiny(tmp_path, 1, sense="min_cost"))
    assert not rep.weights_matter and "do not enter" in rep.message


def test_validation_messages(tmp_path):
    base = dict(options=[{"option_id": "oa", "budget_musd": 1, "sector_id": "a"}],
                gaps=[{"gap_id": "ga", "sector_id": "a", "size": 1, "weight": 1}, {"gap_id": "gb", "sector_id": "b", "size": 1, "weight": 1}],
                contributions=[("oa", "ga", 1)],
                sectors=[{"sector_id": "a", "name": "A", "weight": 1}, {"sector_id": "b", "name": "B", "weight": 1}])
    bad = {"robust": {"sector_weights": {"aa": [1, 2], "b": [2, 1]}, "order": ["a >= gb"]}}
    with pytest.raises(InputError) as err:
        load_scenario(write_scenario(tmp_path / "1", config={"limits": {"budget_musd": 1}, **bad}, **base))
    text = str(err.value)
    assert "did you mean 'a'" in text and "reversed" in text and "not a sector with a gap" in text
    empty = {"robust": {"sector_weights": {"a": [1.5, 2], "b": [1.5, 2]}, "order": ["b >= a"]}}
    with pytest.raises(InputError) as err:
        load_scenario(write_scenario(tmp_path / "2", config={"limits": {"budget_musd": 1}, **empty}, **base))
    # a, b ≥ 1.5 cannot keep the nominal total 2: either interval alone conflicts with it (minimal set)
    assert "nominal total" in str(err.value) and "among: robust.sector_weights.b" in str(err.value)
