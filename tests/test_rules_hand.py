"""Hand-solvable checks, one (or more) per rule family, on the shared case tests/data/rules.

The case (budget 15, diplomatic capacity 4 = at most four options; value = Σ w·covered/size):

    option partner  budget risk  contributes          gap  size weight
    a      jpn      5      .1    g1 10                g1   10   1   (semis, critical)
    b      aus      6      .2    g2 10                g2   10   2   (minerals, critical)
    c      uae      3      .5    g2 5                 g3   10   1   (ai)
    d      jpn      4      .1    g2 5, g1 2
    e      uae      4      .5    g3 8                 blocs: jpn Quad; aus Quad|AUKUS;
    f      gbr      2      .1    g3 3 (standards)            uae GCC; gbr NATO|AUKUS
    g      jpn      3      .1    g3 3 (standards)
    h      gbr      3      .2    g1 6

Without rules the optimum is {a, b, e}: g1 1 + g2 2 + g3 0.8 = 3.8 at budget 15 (no other
set reaches 3.8: closing g1 and g2 fully needs a and b, leaving budget 4 for e).
The runner-up many rules fall back to is {c, d, e, h}: g1 (2+6)/10 = 0.8, g2 2, g3 0.8 =
3.6 at budget 14 ({b, e, f, h} also scores 3.6 but costs 15; the tie-break takes the cheaper).
"""

from __future__ import annotations

import pytest

from rules_support import load_rules_case, write_case

from planner.api import load_scenario, solve
from planner.results.evaluation import evaluate


def run(rules, extra=()):
    result = solve(load_rules_case(rules, extra))
    assert result.status == "optimal"
    return result


def check(result, objective, selected):
    assert result.objective == pytest.approx(objective, abs=1e-9)
    assert set(result.selected) == set(selected)


def test_no_rules_baseline():
    check(run({}), 3.8, "abe")


def test_require():
    # h forced in: a and h both serve g1, so {a, b, h} wastes; best is {c, d, e, h} = 3.6.
    result = run({"require": ["h"]})
    check(result, 3.6, "cdeh")
    assert result.portfolio.set_index("option_id").at["h", "forced_by"] == "require"


def test_forbid():
    # a out: g1 now needs h (and d); {c, d, e, h} = 3.6 at 14 beats {b, e, f, h} = 3.6 at 15.
    check(run({"forbid": ["a"]}), 3.6, "cdeh")


def test_requires_all():
    # b only with c: {a, b, c} = 3.0 (14) and {b, c, e, f} = 3.0 lose to {c, d, e, h} = 3.6.
    check(run({"requires": [{"option": "b", "needs": "c"}]}), 3.6, "cdeh")


def test_requires_forced_by_column():
    # requiring b with b needing c: {b, c} + e (budget 13, g3 .8) + f (15): g2 2, g3 min(11,10) → 3.0;
    # {a, b, c} = 3.0 at 14 ties at lower cost: picked. c is forced by requires[0].
    result = run({"require": ["b"], "requires": [{"option": "b", "needs": "c"}]})
    check(result, 3.0, "abc")
    forced = result.portfolio.set_index("option_id")["forced_by"]
    assert forced["b"] == "require" and forced["c"] == "requires[0]" and forced["a"] == ""


def test_requires_any():
    # e only with f or g: {a, b, e} breaks the rule and {a, b, e, f} costs 17. Best: {c, d, e, h} lacks
    # f/g too, so the options are {b, e, f, h} = 2 + .6 + 1.0 = 3.6 at 15, {c, d, e, f} = .2+2+1 = 3.2 …
    result = run({"requires": [{"option": "e", "needs_any": ["f", "g"]}]})
    check(result, 3.6, "befh")
    assert result.portfolio.set_index("option_id").at["f", "forced_by"] == "requires[0]"


def test_excludes_pair():
    # not a with b: {c, d, e, h} = 3.6.
    check(run({"excludes": [["a", "b"]]}), 3.6, "cdeh")


def test_excludes_group_at_most_one_of_three():
    # at most one of b, c, d (every g2 option): g2 then needs b (the only one closing it alone):
    # {a, b, e} = 3.8 still holds.
    check(run({"excludes": [{"options": ["b", "c", "d"], "at_most": 1}]}), 3.8, "abe")


def test_group_max_options_by_bloc():
    # at most one Quad option (jpn, aus: a, b, d, g): {a, b, e} has two. {c, d, e, h} has one: 3.6.
    check(run({"groups": [{"name": "quad", "select": {"bloc": "Quad"}, "max_options": 1}]}), 3.6, "cdeh")


def test_group_min_options_by_region():
    # at least two Europe options (gbr: f, h): {f, h} + budget 10: a+? (a 5: g1 capped at 10 with h)
    # b + e = 10: g1 .6, g2 2, g3 min(11,10) 1.0 → 3.6 at 15; a + c + ? (dip 4 allows 2 more): a + b = 11 ✗.
    # {b, e, f, h} = 3.6 is best.
    result = run({"groups": [{"select": {"region": "Europe"}, "min_options": 2}]})
    check(result, 3.6, "befh")
    assert set(result.portfolio.query("forced_by != ''")["option_id"]) == {"f", "h"}


def test_group_max_use():
    # Indo-Pacific (jpn, aus) options may spend at most 3 in all: a (5), b (6), d (4) are out, g (3)
    # alone is allowed. g1 then only from h (.6), g2 only from c (1.0), g3 from e + f or e + g (1.0):
    # {c, e, f, h} = 2.6 at 12 ({c, e, g, h} = 2.6 costs 13).
    check(run({"groups": [{"select": {"region": "Indo-Pacific"}, "max_use": {"budget_musd": 3}}]}), 2.6, "cefh")


def test_max_options_default_and_override():
    # default cap 0 for everyone, jpn/aus/gbr 1 each: uae (c, e) out. {a, b} (11) + one of f (gbr, 2):
    # 3.3 at 13; {b, d, h} = 2.8; {b, g, h} = 2.9. Best {a, b, f}.
    rules = {"max_options": {"default": 0, "partners": {"jpn": 1, "aus": 1, "gbr": 1}}}
    check(run(rules), 3.3, "abf")


def test_max_options_column(tmp_path):
    # partner p1 has max_options 1 in the table; o1, o2 each close half of one gap (size 10, weight 1).
    # Without the column both would be chosen (value 1.0); with it only one: value 0.5, and o1 (cheaper).
    path = write_case(
        tmp_path,
        options=[{"option_id": "o1", "budget_musd": 1}, {"option_id": "o2", "budget_musd": 2}],
        gaps=[{"gap_id": "g", "size": 10}],
        contributions=[("o1", "g", 5), ("o2", "g", 5)],
        partners=[{"partner_id": "p1", "name": "P", "max_options": 1}],
    )
    result = solve(load_scenario(path))
    check(result, 0.5, ["o1"])
    assert "max_options" in result.rules_active
    off = solve(load_scenario(path, ["rules.max_options.use_column=false"]))
    check(off, 1.0, ["o1", "o2"])


def test_min_fraction_sector():
    # ai (g3) at least 90 % covered: e + f (6) or e + g (7). With e + f, budget 9 and two options left:
    # b + h = 2 + .6 → total 3.6 at 15; a + d = 1 + 1 → 3.0; a + c = 1 + 1 → 3.0. Best {b, e, f, h}.
    check(run({"min_fraction": {"sectors": {"ai": 0.9}}}), 3.6, "befh")


def test_min_fraction_gap():
    # g1 fully covered and g3 at least half: a (g1) + e (g3 .8): {a, b, e} = 3.8 already complies;
    # g3 ≥ 0.9 forces e + f: a + e + f = 11, + c (3) = 14 → 1 + 1 + 1 = 3.0; + d (4) = 15 → 1+1+1 = 3.0 → cheaper c.
    check(run({"min_fraction": {"gaps": {"g1": 1.0, "g3": 0.9}}}), 3.0, "acef")


def test_diversify_min_partners_sector():
    # minerals (g2) needs two partners among b (aus), c (uae), d (jpn): {a, b, e} has one.
    # {c, d, e, h} (uae + jpn) = 3.6 at 14.
    check(run({"diversify": [{"sector": "minerals", "min_partners": 2}]}), 3.6, "cdeh")


def test_diversify_max_share_gap():
    # no partner may provide more than 70 % of g3's contributions: e alone (uae 100 %), e + f
    # (8/11 = 73 %), e + g, f alone, g alone are out; allowed: nothing, f + g (50/50), e + f + g (57 %).
    # {a, b} = 3.0 (no g3); {b, f, g, h} = 2 + .6 + .6 = 3.2 at 14; {b, d, f, g} = 2.8. Best {b, f, g, h}.
    check(run({"diversify": [{"gap": "g3", "max_partner_share": 0.7}]}), 3.2, "bfgh")


def test_risk_total():
    # total risk ≤ 0.5: {a, b, e} has .8. {a, b, f} = .4 → 3.3 at 13; {b, f, h} = .5 → 2.9. Best {a, b, f}.
    check(run({"risk": {"max_total": 0.5}}), 3.3, "abf")


def test_risk_per_bloc():
    # AUKUS (aus, gbr) risk ≤ 0.1: b (.2) and h (.2) out, f (.1) allowed. g2 from c + d:
    # {a, c, d, f} = 1 + 2 + .3 = 3.3 at 14 ({a, c, d, g} is the same at 15); {c, d, e, f} = .2 + 2 + 1 = 3.2.
    check(run({"risk": {"max_per_bloc": {"AUKUS": 0.1}}}), 3.3, "acdf")


def test_risk_per_partner():
    # uae risk ≤ 0.5 allows one of c, e: {a, b, e} still fine at 3.8.
    check(run({"risk": {"max_per_partner": {"uae": 0.5}}}), 3.8, "abe")


def test_diminishing_returns():
    # g2's first half is worth 95 % of its weight: half of g2 (c alone) earns 2 × .95 = 1.9.
    # {a, c, e, f} = 1 + 1.9 + min(11,10)/10 = 3.9 at 14 beats {a, b, e} = 1 + 2 + .8 = 3.8.
    rules = {
        "diminishing_returns": [
            {"gaps": ["g2"], "segments": [{"upto": 0.5, "value": 0.95}, {"upto": 1.0, "value": 0.05}]}
        ]
    }
    result = run(rules)
    check(result, 3.9, "acef")
    # the same figure recomputed from the portfolio alone
    assert evaluate(result.scenario, ["a", "b", "e"]).objective == pytest.approx(3.8)
    assert evaluate(result.scenario, ["c"]).objective == pytest.approx(1.9)


def test_standards_bonus():
    # a bonus of 1.0 when both standards options (f: gbr, g: jpn) are chosen: {f, g} costs 5.
    # {b, f, g, h} = 2 + .6 + .6 + 1 = 4.2 at 14; {b, e, f, g} = 2 + 1 + 1 = 4.0 at 15. Best {b, f, g, h}.
    result = run({"standards_bonus": [{"sector": "ai", "min_partners": 2, "bonus": 1.0}]})
    check(result, 4.2, "bfgh")


def test_phasing_horizon_value_and_start_years():
    # 2027–2028, diplomatic capacity 2 per year (spent when talks start); value = mean of the two
    # years. {a, b} in 2027 (3.0), e in 2028 (3.8) → 3.4. Alternatives: b, e first then a → (2.8+3.8)/2
    # = 3.3; {b, e, f, h} → (2.8 + 3.6)/2 = 3.2; a, b then f → 3.15.
    rules = {"phasing": {"start": 2027, "end": 2028, "per_year": {"diplomatic_capacity": 2}, "value": "horizon"}}
    result = run(rules)
    check(result, 3.4, "abe")
    starts = dict(zip(result.portfolio["option_id"], result.portfolio["start_year"]))
    assert starts == {"a": 2027, "b": 2027, "e": 2028}
    table = result.resources_by_year.set_index(["year", "resource"])["used"]
    assert table[(2027, "diplomatic_capacity")] == 2 and table[(2028, "diplomatic_capacity")] == 1
    assert table[(2027, "budget_musd")] == 11 and table[(2028, "budget_musd")] == 4


def test_phasing_spread_spending():
    # budget spread over duration: a (5 over 2 years), b (6 over 3), e (4 over 1).
    # a, b start 2027, e 2028: 2027 = 2.5 + 2 = 4.5; 2028 = 2.5 + 2 + 4 = 8.5 (b's third year is after 2028).
    sc = load_rules_case({"phasing": {"start": 2027, "end": 2028, "spread": ["budget_musd"]}})
    ev = evaluate(sc, {"a": 2027, "b": 2027, "e": 2028})
    assert ev.use_by_year["budget_musd"].tolist() == pytest.approx([4.5, 8.5])
    # a per-year budget of 8 makes that plan infeasible; the solver must find a plan within 8 a year
    result = run({"phasing": {"start": 2027, "end": 2028, "spread": ["budget_musd"], "per_year": {"budget_musd": 8}}})
    assert (result.resources_by_year.query("resource == 'budget_musd'")["used"] <= 8 + 1e-9).all()


def test_resilience_n1():
    # g1, g2 critical, N-1 fraction .5: g1 (a jpn 10, d jpn 2, h gbr 6) needs h (for losing jpn) and
    # a (for losing gbr: a + d ≥ 5); g2 (b aus 10, c uae 5, d jpn 5) needs two partners with ≥ 5 each:
    # {c, d} (7) is the only pair within the budget left (15 − 8). → {a, c, d, h} = 1 + 2 = 3.0.
    result = run({"resilience": {"fraction": 0.5}})
    check(result, 3.0, "acdh")
    cov = result.coverage.set_index("gap_id")
    assert cov.at["g1", "n1_covered"] == 6 and cov.at["g1", "n1_worst_partner"] == "jpn"
    assert cov.at["g2", "n1_covered"] == 5
    res = result.summary()["resilience"]
    # losing jpn costs g1 (12→6 capped 10→6: .4) and g2 (10→5: 2 × .5 = 1.0) = 1.4; uae costs g2 1.0.
    assert res["worst_partner"] == "jpn" and res["worst_partner_loss"] == pytest.approx(1.4)
