"""planner robust: maximin, minimax regret and the non-dominated set against brute force.

The brute force shares nothing with `planner.robust` but the model's one evaluation
(`objective_value`): it finds the corners of the statements by solving every set of tight
constraints, scales every sector weight so the objective weights keep their nominal total, and
evaluates every feasible portfolio there (the weight set W is the convex hull of those points).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from planner import InputError, load_scenario
from planner.model.faces import State
from planner.model.rules import objective_value
from planner.robust import robust
from planner.robust.weights import weight_set_of
from tests.conftest import write_scenario


def tiny(root, seed: int, sense: str = "max_coverage"):
    rng = np.random.default_rng(seed)
    n, sectors = int(rng.integers(4, 9)), ["s1", "s2", "s3"][: int(rng.integers(2, 4))]
    gaps = [
        {"gap_id": f"g{j}", "sector_id": sectors[j % len(sectors)], "size": 10, "weight": int(rng.integers(1, 4))}
        for j in range(len(sectors) * 2)
    ]
    options = [
        {"option_id": f"o{i}", "budget_musd": int(rng.integers(1, 6)), "sector_id": sectors[i % len(sectors)]}
        for i in range(n)
    ]
    contributions = [
        (f"o{i}", g["gap_id"], int(rng.integers(2, 9))) for i in range(n) for g in gaps if rng.random() < 0.4
    ]
    contributions = contributions or [("o0", "g0", 5)]
    named = sectors[: int(rng.integers(1, len(sectors) + 1))]
    robust_cfg = {
        "sector_weights": {
            s: sorted([float(rng.choice([0.5, 1, 1.5, 2])), float(rng.choice([0.5, 1, 2, 3]))]) for s in named
        },
        "samples": 0,
    }
    if rng.random() < 0.5:  # s1 may reach 3, above every other weight: the statements never conflict
        robust_cfg["order"] = [f"{sectors[0]} >= {sectors[1]}"]
        robust_cfg["sector_weights"]["s1"][1] = 3.0
    cfg = {"objective": {"sense": sense}, "limits": {"budget_musd": int(rng.integers(4, 12))}, "robust": robust_cfg}
    sector_rows = [{"sector_id": s, "name": s, "weight": float(rng.choice([0.5, 1, 2]))} for s in sectors]
    return load_scenario(
        write_scenario(root, options=options, gaps=gaps, contributions=contributions, sectors=sector_rows, config=cfg)
    )


def corners(sc) -> list[dict[str, float]]:
    """Every vertex of the statements {lo ≤ x ≤ hi, orders} over the named sectors (the others at
    their nominal weight), by brute force over sets of tight constraints."""
    rob = sc.config.robust
    nominal = dict(sc.sectors["weight"])
    named = list(rob.sector_weights)
    rows, rhs = [], []  # a·x ≥ b
    for k, s in enumerate(named):
        lo, hi = rob.sector_weights[s]
        rows += [np.eye(len(named))[k], -np.eye(len(named))[k]]
        rhs += [lo, -hi]
    for heavy, light in rob.pairs():
        a, b = np.zeros(len(named)), 0.0
        for ident, sign in ((heavy, 1.0), (light, -1.0)):
            if ident in named:
                a[named.index(ident)] += sign
            else:
                b -= sign * nominal[ident]
        rows.append(a), rhs.append(b)
    rows, rhs = np.array(rows), np.array(rhs)
    found = []
    for tight in itertools.combinations(range(len(rows)), len(named)):
        a = rows[list(tight)]
        if abs(np.linalg.det(a)) < 1e-9:
            continue
        x = np.linalg.solve(a, rhs[list(tight)])
        if np.all(rows @ x >= rhs - 1e-9) and not any(np.allclose(x, y) for y in found):
            found.append(x)
    if not named:
        found = [np.zeros(0)]
    return [{**nominal, **dict(zip(named, x.tolist()))} for x in found]


def at_sector_weights(sc, weights: dict[str, float]):
    """The scenario with these sector weights, all scaled so the objective weights keep their nominal total."""
    total = float(sc.gap_weights().sum())
    gw = sc.gaps["weight"].to_numpy(dtype=float)
    raw = float(np.sum(gw * sc.gaps["sector_id"].map(weights).to_numpy(dtype=float)))
    objective = sc.config.objective.model_copy(
        update={"sector_weights": {s: w * total / raw for s, w in weights.items()}}
    )
    return sc.with_config(sc.config.model_copy(update={"objective": objective}))


def brute(sc):
    """Every feasible portfolio's value at each corner of W (inner LPs over W are linear, so their
    optima are at these points)."""
    variants = [at_sector_weights(sc, w) for w in corners(sc)]
    cost = sc.options["budget_musd"].to_numpy(dtype=float)
    rows = []
    for bits in itertools.product([0, 1], repeat=len(sc.options)):
        x = np.array(bits)
        if cost @ x <= sc.config.limits["budget_musd"] + 1e-9:
            rows.append((x, np.array([objective_value(State.of(v, x)) for v in variants])))
    return rows


@pytest.mark.parametrize("seed", range(10))
def test_matches_brute_force(tmp_path, seed):
    sc = tiny(tmp_path, seed)
    z = np.array([r[1] for r in brute(sc)])
    rep = robust(sc)
    assert rep.weight_set["complete"]
    assert rep.maximin["worst_case"] == pytest.approx(z.min(axis=1).max(), abs=1e-6)
    regret = (z.max(axis=0)[None, :] - z).max(axis=1)
    assert rep.minimax_regret["max_regret"] == pytest.approx(regret.min(), abs=1e-5)
    assert rep.minimax_regret["gap"] == 0.0
    eps = 1e-6 * max(1.0, float(np.abs(z).max()))
    nd = {tuple(np.round(zp, 6)) for zp in z if not any(np.all(zq >= zp - 1e-9) and np.any(zq > zp + eps) for zq in z)}
    assert rep.core_index["complete"]
    assert rep.core_index["portfolios"] == len(nd)
    assert sorted((round(p["min"], 5), round(p["max"], 5)) for p in rep.portfolios) == sorted(
        (round(min(zp), 5), round(max(zp), 5)) for zp in nd
    )
    # Every reported weight satisfies the statements; its scale keeps the nominal total.
    ws = weight_set_of(sc)
    points = [(v, t) for v, t in zip(rep.vertices, rep.vertex_scales)] + [
        (rep.to_dict()[k]["worst_weights"], rep.to_dict()[k]["worst_scale"])
        for k in ("nominal", "maximin", "minimax_regret")
    ]
    for weights, t in points:
        x = np.array([weights[i] for _, i in ws.factors])
        assert ws.satisfies(x, rel=1e-12) and t == pytest.approx(ws.total / ws.denominator(x))


def test_vertices_are_the_corners(tmp_path):
    for seed in range(10):
        sc = tiny(tmp_path / str(seed), seed)
        ws = weight_set_of(sc)
        sectors = list(sc.sectors["weight"].index)
        mine = set()
        for x in ws.iter_vertices():
            y = ws.point(x)
            f = dict(zip([i for _, i in ws.factors], y[:-1]))
            mine.add(tuple(round(f.get(s, y[-1] * sc.sectors["weight"][s]), 9) for s in sectors))
        theirs = set()
        for w in corners(sc):
            obj = at_sector_weights(sc, w).config.objective.sector_weights
            theirs.add(tuple(round(obj[s], 9) for s in sectors))
        assert mine == theirs and ws.vertex_count() == len(corners(sc))


def two_options(tmp_path, weight_b: float, robust_section: dict):
    """Two gaps in sectors a (weight 1) and b (`weight_b`), one option each (cost 1, budget 1),
    each covering its own gap fully."""
    return write_scenario(
        tmp_path,
        options=[
            {"option_id": "oa", "budget_musd": 1, "sector_id": "a"},
            {"option_id": "ob", "budget_musd": 1, "sector_id": "b"},
        ],
        gaps=[
            {"gap_id": "ga", "sector_id": "a", "size": 1, "weight": 1},
            {"gap_id": "gb", "sector_id": "b", "size": 1, "weight": 1},
        ],
        contributions=[("oa", "ga", 1), ("ob", "gb", 1)],
        sectors=[{"sector_id": "a", "name": "A", "weight": 1}, {"sector_id": "b", "name": "B", "weight": weight_b}],
        config={"limits": {"budget_musd": 1}, "robust": robust_section},
    )


def test_box_without_order(tmp_path):
    # Two gaps in sectors a and b, one option each (cost 1, budget 1), each covering its gap
    # fully. Weights a, b ∈ [0.5, 1.5], scaled to the nominal total a + b = 2: the ratio a/b
    # runs from 1/3 to 3, so W is the segment from (0.5, 1.5) to (1.5, 0.5). value(oa) = a,
    # value(ob) = b. Worst cases: 0.5 each; maximin 0.5. Regrets: oa loses 1 at a = 0.5:
    # max regret 1 each, so minimax regret = 1. Both portfolios are non-dominated, neither
    # option is core.
    path = two_options(tmp_path, 1, {"sector_weights": {"a": [0.5, 1.5], "b": [0.5, 1.5]}, "samples": 10})
    rep = robust(load_scenario(path))
    assert rep.maximin["worst_case"] == pytest.approx(0.5)
    assert rep.minimax_regret["max_regret"] == pytest.approx(1.0)
    assert rep.core_index["portfolios"] == 2
    assert set(rep.core_index["options"].values()) == {"borderline"}


def test_one_named_interval_is_a_range_of_ratios(tmp_path):
    # Only a is named: a ∈ [0.5, 1.5] with b at its nominal 1. Only the ratio a/b matters, so
    # W is every (a, b) with a/b ∈ [0.5, 1.5] and a + b = 2 (the nominal total): from
    # (2/3, 4/3) to (1.2, 0.8) — not the single point (1, 1) the nominal total alone would
    # leave. value(oa) = a, value(ob) = b: worst cases oa 2/3, ob 0.8, so maximin is ob (0.8);
    # regrets oa 4/3 − 2/3 = 2/3 (at a/b = 0.5), ob 1.2 − 0.8 = 0.4 (at 1.5): minimax regret
    # ob, 0.4. Both portfolios are non-dominated.
    path = two_options(tmp_path, 1, {"sector_weights": {"a": [0.5, 1.5]}, "samples": 0})
    rep = robust(load_scenario(path))
    assert "single point" not in rep.message
    assert rep.weight_set["vertex_count"] == 2
    pairs = sorted(zip([v["a"] for v in rep.vertices], rep.vertex_scales))  # statement scale, and t
    assert [a for a, _ in pairs] == [0.5, 1.5] and [t for _, t in pairs] == pytest.approx([4 / 3, 0.8])  # a·t: 2/3, 1.2
    assert rep.weight_set["scale_range"] == pytest.approx([0.8, 4 / 3])
    assert rep.maximin["selected"] == ["ob"] and rep.maximin["worst_case"] == pytest.approx(0.8)
    assert rep.minimax_regret["selected"] == ["ob"] and rep.minimax_regret["max_regret"] == pytest.approx(0.4)
    # Nominally a = b = 1: a tie, broken towards oa, whose regret is 2/3.
    assert rep.nominal["selected"] == ["oa"] and rep.nominal["max_regret"] == pytest.approx(2 / 3)
    assert rep.core_index["portfolios"] == 2


def test_order_flips_the_nominal_choice(tmp_path):
    # Nominal a = 1, b = 1.2: ob (worth 1.2) beats oa. "a >= b" with a, b ∈ [0.5, 1.5] allows
    # a/b ∈ [1, 3]; scaled to a + b = 2.2, a ∈ [1.1, 1.65]: oa is worth a ≥ 1.1 ≥ b everywhere,
    # so oa is the only non-dominated portfolio, core, and both maximin (worst 1.1) and minimax
    # regret (0).
    path = two_options(tmp_path, 1.2, {"sector_weights": {"a": [0.5, 1.5], "b": [0.5, 1.5]}, "order": ["a >= b"]})
    rep = robust(load_scenario(path))
    assert rep.nominal["selected"] == ["ob"]
    assert rep.maximin["selected"] == ["oa"] and rep.maximin["worst_case"] == pytest.approx(1.1)
    assert rep.minimax_regret["selected"] == ["oa"] and rep.minimax_regret["max_regret"] == pytest.approx(0.0, abs=1e-6)
    assert rep.core_index["options"] == {"oa": "core", "ob": "exterior"}


def test_huge_bounds_keep_every_weight_inside_its_statement(tmp_path):
    # a ∈ [1, 1e12], b ∈ [0.5, 1.5], c fixed: tolerances relative to each statement's own size,
    # so no reported weight leaves its interval however large another bound is.
    path = write_scenario(
        tmp_path,
        options=[{"option_id": f"o{s}", "budget_musd": 1, "sector_id": s} for s in "abc"],
        gaps=[{"gap_id": f"g{s}", "sector_id": s, "size": 1, "weight": 1} for s in "abc"],
        contributions=[(f"o{s}", f"g{s}", 1) for s in "abc"],
        sectors=[{"sector_id": s, "name": s, "weight": 1} for s in "abc"],
        config={
            "limits": {"budget_musd": 1},
            "robust": {"sector_weights": {"a": [1, 1e12], "b": [0.5, 1.5]}, "order": ["c >= b"], "samples": 3},
        },
    )
    sc = load_scenario(path)
    rep = robust(sc)
    d = rep.to_dict()
    points = list(zip(d["vertices"], d["vertex_scales"])) + [
        (d[k]["worst_weights"], d[k]["worst_scale"]) for k in ("nominal", "maximin", "minimax_regret")
    ]
    for weights, t in points:
        assert 1 <= weights["a"] <= 1e12 and 0.5 <= weights["b"] <= 1.0  # c ≥ b: b ≤ c's nominal 1
        assert t == pytest.approx(3 / (weights["a"] + weights["b"] + 1), rel=1e-12)
    # oc is worth the scale t of c's weight: largest when a and b are least; the worst case of
    # every option is at a = 1e12 (about 3e-12); maximin takes the one worth most there: oa.
    assert rep.maximin["selected"] == ["oa"]


def test_single_point_equals_nominal(tmp_path):
    sc = tiny(tmp_path, 3)
    cfg = sc.config.model_copy(
        update={"robust": sc.config.robust.model_copy(update={"sector_weights": {"s1": (2.0, 2.0)}, "order": []})}
    )
    sc = sc.with_config(cfg)
    rep = robust(sc)
    assert rep.maximin["worst_case"] == pytest.approx(rep.nominal["worst_case"])
    assert rep.minimax_regret["max_regret"] == pytest.approx(0.0, abs=1e-6)
    assert "single point" in rep.message


def test_min_cost_says_weights_do_not_matter(tmp_path):
    rep = robust(tiny(tmp_path, 1, sense="min_cost"))
    assert not rep.weights_matter and "do not enter" in rep.message


def test_validation_messages(tmp_path):
    base = dict(
        options=[{"option_id": "oa", "budget_musd": 1, "sector_id": "a"}],
        gaps=[
            {"gap_id": "ga", "sector_id": "a", "size": 1, "weight": 1},
            {"gap_id": "gb", "sector_id": "b", "size": 1, "weight": 1},
        ],
        contributions=[("oa", "ga", 1)],
        sectors=[{"sector_id": "a", "name": "A", "weight": 1}, {"sector_id": "b", "name": "B", "weight": 1}],
    )
    bad = {"robust": {"sector_weights": {"aa": [1, 2], "b": [2, 1]}, "order": ["a >= gb"]}}
    with pytest.raises(InputError) as err:
        load_scenario(write_scenario(tmp_path / "1", config={"limits": {"budget_musd": 1}, **bad}, **base))
    text = str(err.value)
    assert "did you mean 'a'" in text and "reversed" in text and "not a sector with a gap" in text
    # a, b ≥ 1.5 was refused while W kept the nominal total 2 on the same scale; as ratios it is fine.
    fine = {"robust": {"sector_weights": {"a": [1.5, 2], "b": [1.5, 2]}, "order": ["b >= a"]}}
    load_scenario(write_scenario(tmp_path / "2", config={"limits": {"budget_musd": 1}, **fine}, **base))
    # b ≥ a with b ≤ 1 < 1.5 ≤ a conflicts at every scale. Dropping b's interval leaves b at its
    # nominal 1, still below a: the minimal conflicting set is a's interval and the order.
    empty = {"robust": {"sector_weights": {"a": [1.5, 2], "b": [0.5, 1]}, "order": ["b >= a"]}}
    with pytest.raises(InputError) as err:
        load_scenario(write_scenario(tmp_path / "3", config={"limits": {"budget_musd": 1}, **empty}, **base))
    assert "no weights satisfy" in str(err.value)
    assert "among: robust.sector_weights.a; robust.order[0]" in str(err.value)


def test_solve_accepts_statements_that_do_not_conflict():
    # The case: quantum's nominal weight 3.5 lies outside its interval [0.5, 1.5], but
    # the statements themselves agree, so W is not empty and the scenario loads.
    sc = load_scenario("models/robust-weights.yaml", ["objective.sector_weights.quantum=3.5"])
    ws = weight_set_of(sc)
    assert not ws.conflicting and ws.vertex_count() == 10


def test_many_factors_count_up_front_and_stop_with_bounds(tmp_path):
    # Eight gap weights, each in [0.5, 1.5] × nominal: 256 vertices. Maximin runs (one MILP);
    # minimax regret examines at most 5 vertices and says so, with bounds that hold.
    gaps = [{"gap_id": f"g{j}", "sector_id": "a", "size": 10, "weight": 1 + j % 3} for j in range(8)]
    options = [{"option_id": f"o{i}", "budget_musd": 1 + i % 3, "sector_id": "a"} for i in range(8)]
    contributions = [(f"o{i}", f"g{j}", 1 + (i * j) % 7) for i in range(8) for j in range(8) if (i + j) % 3 == 0]
    path = write_scenario(
        tmp_path,
        options=options,
        gaps=gaps,
        contributions=contributions,
        sectors=[{"sector_id": "a", "name": "A", "weight": 1}],
        config={
            "limits": {"budget_musd": 5},
            "robust": {
                "gap_weights": {g["gap_id"]: [0.5 * g["weight"], 1.5 * g["weight"]] for g in gaps},
                "samples": 2,
                "max_portfolios": 3,
            },
        },
    )
    events = []
    rep = robust(load_scenario(path), max_vertices=5, progress=events.append)
    assert events[0].total == 256 and "256 vertices" in events[0].message
    ws = rep.weight_set
    assert ws["vertex_count"] == 256 and not ws["complete"] and ws["vertices_examined"] <= 5
    mr = rep.minimax_regret
    assert mr["complete"] is False and mr["lower_bound"] <= mr["max_regret"] + 1e-9
    assert rep.core_index["complete"] is False and rep.core_index["stopped_by"] in ("max_vertices", "max_portfolios")
    # The exact figures, over all 256 vertices, lie within the bounds.
    full = robust(load_scenario(path), max_vertices=256, samples=0, max_portfolios=1)
    assert full.weight_set["complete"] and full.minimax_regret["complete"]
    assert mr["lower_bound"] - 1e-6 <= full.minimax_regret["max_regret"] <= mr["max_regret_upper"] + 1e-6
    assert full.maximin["worst_case"] == pytest.approx(rep.maximin["worst_case"], abs=1e-9)
    for key in ("nominal", "maximin", "minimax_regret"):
        lo, hi = rep.to_dict()[key]["max_regret"], rep.to_dict()[key]["max_regret_upper"]
        exact = full.to_dict()[key]["max_regret"] if key != "minimax_regret" else None
        if exact is not None:
            assert lo - 1e-6 <= exact <= hi + 1e-6
        assert full.to_dict()[key]["max_regret_upper"] == full.to_dict()[key]["max_regret"]


def test_orders_joining_too_many_factors_are_refused_by_name(tmp_path, monkeypatch):
    import planner.inputs.validate_robust as vr

    monkeypatch.setattr(vr, "GROUP_NODES", 20)
    sectors = ["s1", "s2", "s3", "s4"]
    path = write_scenario(
        tmp_path,
        options=[{"option_id": "o1", "budget_musd": 1, "sector_id": "s1"}],
        gaps=[{"gap_id": f"g{s}", "sector_id": s, "size": 1, "weight": 1} for s in sectors],
        contributions=[("o1", "gs1", 1)],
        sectors=[{"sector_id": s, "name": s, "weight": 1} for s in sectors],
        config={
            "limits": {"budget_musd": 1},
            "robust": {
                "sector_weights": {s: [3 - i, 6 - i] for i, s in enumerate(sectors)},
                "order": ["s1 >= s2", "s2 >= s3", "s3 >= s4"],
            },
        },
    )
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert "key robust.order" in str(err.value) and "4 factors (s1, s2, s3, s4)" in str(err.value)


def test_chain_vertices_match_brute_force(tmp_path):
    # A chain s1 ≥ s2 ≥ s3 with overlapping intervals (s4 unnamed): the depth-first corners are
    # the brute force's — (2, 2, 2) among them: s3 at its top, tied to s2 and s1 by the orders.
    sectors = ["s1", "s2", "s3", "s4"]
    path = write_scenario(
        tmp_path,
        options=[{"option_id": "o1", "budget_musd": 1, "sector_id": "s1"}],
        gaps=[{"gap_id": f"g{s}", "sector_id": s, "size": 1, "weight": 1} for s in sectors],
        contributions=[("o1", "gs1", 1)],
        sectors=[{"sector_id": s, "name": s, "weight": 1} for s in sectors],
        config={
            "limits": {"budget_musd": 1},
            "robust": {
                "sector_weights": {"s1": [1, 3], "s2": [0.5, 2.5], "s3": [1.5, 2]},
                "order": ["s1 >= s2", "s2 >= s3"],
            },
        },
    )
    sc = load_scenario(path)
    ws = weight_set_of(sc)
    mine = sorted(tuple(x) for x in ws.iter_vertices())
    theirs = sorted(tuple(round(w[s], 12) for s in sectors[:3]) for w in corners(sc))
    assert mine == theirs and ws.vertex_count() == len(theirs) == 8
