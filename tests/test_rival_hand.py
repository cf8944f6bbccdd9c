"""`planner rival` on hand-solved cases, the API, validation and the CLI.

The hand case (every optimum worked out below): one gap g (size 10, weight 1: value = covered/10),
two partners A and B, three options of cost 1 each and a budget of 2 (at most two options):

    a1 (A) gives 10 to g      a2 (A) gives 10 to g      b1 (B) gives 6 to g

The plain optimum closes g with one option: value 1.0 at cost 1 (a1; a1 and a2 tie, the
canonical order takes a1). The rival pays 1 per partner (rival_cost), plus `shield` per option
we sign with that partner.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from planner.api import load_scenario
from planner.cli import cli
from planner.errors import InputError
from planner.rival import RivalOptions, rival, worst_case, write_rival

OPTIONS = [
    {"option_id": "a1", "partner_id": "A", "budget_musd": 1},
    {"option_id": "a2", "partner_id": "A", "budget_musd": 1},
    {"option_id": "b1", "partner_id": "B", "budget_musd": 1},
]
PARTNERS = [{"partner_id": "A", "name": "Alpha", "rival_cost": 1}, {"partner_id": "B", "name": "Beta", "rival_cost": 1}]


def hand(make_scenario, **rival_section):
    path = make_scenario(
        options=OPTIONS,
        gaps=[{"gap_id": "g", "size": 10}],
        partners=PARTNERS,
        contributions=[("a1", "g", 10), ("a2", "g", 10), ("b1", "g", 6)],
        config={
            "limits": {"budget_musd": 2},
            "rival": {"name": "R", "cost": "rival_cost", "shield": 0, "loss": 1, **rival_section},
        },
    )
    return load_scenario(path)


def test_budget_zero_gives_the_nominal_plan(make_scenario):
    # The rival can afford nobody (each partner costs 1 > 0): the worst case is the objective,
    # and the maximin is the plain optimum with its tie-break: {a1}, 1.0 at cost 1.
    r = rival(hand(make_scenario, budget=0))
    assert r.nominal.selected == ("a1",) and r.hedged.plan.selected == ("a1",)
    assert r.nominal.worst_case == pytest.approx(1.0) and r.hedged.plan.worst_case == pytest.approx(1.0)
    assert r.price_of_hedging == pytest.approx(0) and r.gain == pytest.approx(0) and r.hedged.exact


def test_a_rival_with_one_pull_makes_us_diversify(make_scenario):
    # Budget 1, no shield: the rival pulls one partner. Against {a1} it pulls A: worst 0.
    # {a1, a2}: pulls A, worst 0. {a1, b1}: pulling A leaves 6 → 0.6, pulling B leaves 10 → 1.0: worst 0.6.
    # {a2, b1} ties with {a1, b1}; canonical order keeps a1. Price of hedging 0 (still 1.0 in peace), gain 0.6.
    r = rival(hand(make_scenario, budget=1))
    assert r.nominal.worst_case == pytest.approx(0.0) and r.nominal.response.pulled == ("A",)
    assert r.hedged.plan.selected == ("a1", "b1")
    assert r.hedged.plan.worst_case == pytest.approx(0.6) and r.hedged.plan.response.pulled == ("A",)
    assert r.price_of_hedging == pytest.approx(0.0) and r.gain == pytest.approx(0.6)
    assert r.hedged.gap == 0 and r.hedged.exact


def test_a_rival_that_affords_every_partner(make_scenario):
    # Budget 2 pays for A and B: every plan loses everything (loss 1), worst case 0 for all; the
    # maximin's tie-break is the least-cost plan, and that is signing nothing (cost 0): against a
    # rival who can take every partner, no plan is worth more than another (docs/rival.md).
    r = rival(hand(make_scenario, budget=2))
    assert r.hedged.plan.worst_case == pytest.approx(0.0) and r.nominal.worst_case == pytest.approx(0.0)
    assert r.hedged.plan.selected == () and r.hedged.plan.cost == pytest.approx(0.0)
    assert r.price_of_hedging == pytest.approx(1.0) and r.gain == pytest.approx(0.0)


def test_shielding_makes_the_nominal_plan_safe(make_scenario):
    # Shield 1: against {a1} pulling A costs 1 + 1·1 = 2 > budget 1, and B has nothing of ours:
    # the nominal plan is safe (worst case 1.0), so it is also the hedged plan.
    r = rival(hand(make_scenario, budget=1, shield=1))
    assert r.nominal.worst_case == pytest.approx(1.0) and r.nominal.response.pulled == ()
    assert r.hedged.plan.selected == ("a1",) and r.gain == pytest.approx(0)
    assert [p["cost_nominal"] for p in r.partners] == [2.0, 1.0]


def test_loss_zero_changes_nothing(make_scenario):
    # A pulled partner keeps giving everything: value after any response = the objective.
    r = rival(hand(make_scenario, budget=2, loss=0))
    assert r.nominal.worst_case == pytest.approx(r.nominal.objective) == pytest.approx(1.0)
    assert r.hedged.plan.selected == r.nominal.selected


def test_partial_loss_rewards_redundancy(make_scenario):
    # Loss 0.5, budget 1: {a1} loses half (5 → 0.5). {a1, a2} pulled A: (10+10)·0.5 = 10 → 1.0;
    # {a1, b1}: pull A → 5 + 6 = 11 → 1.0, pull B → 10 → 1.0. Both worst 1.0 at cost 2; the
    # canonical order picks {a1, a2}... or {a1, b1}: either way worst 1.0, gain 0.5.
    r = rival(hand(make_scenario, budget=1, loss=0.5))
    assert r.nominal.worst_case == pytest.approx(0.5)
    assert r.hedged.plan.worst_case == pytest.approx(1.0) and r.gain == pytest.approx(0.5)
    assert r.hedged.plan.cost == pytest.approx(2.0)


def test_worst_case_function(make_scenario):
    sc = hand(make_scenario, budget=1)
    assert worst_case(sc, ["a1", "b1"]) == (pytest.approx(0.6), ("A",))
    assert worst_case(sc, ["b1"]) == (pytest.approx(0.0), ("B",))


def test_option_budget_overrides_and_is_recorded(make_scenario, tmp_path):
    sc = hand(make_scenario, budget=0)
    r = rival(sc, RivalOptions(budget=1, budgets=(0, 1, 2)))
    assert r.hedged.budget == 1 and r.scenario.config.rival.budget == 1
    assert [row["hedged_worst_case"] for row in r.ladder] == pytest.approx([1.0, 0.6, 0.0])
    assert [row["nominal_worst_case"] for row in r.ladder] == pytest.approx([1.0, 0.0, 0.0])
    out = write_rival(r, tmp_path / "run")
    data = json.loads((out / "rival.json").read_text())
    assert {"nominal", "hedged", "price_of_hedging", "gain", "gap", "iterations"} <= set(data)
    assert {"objective", "worst_case", "selected", "response"} <= set(data["nominal"])
    assert json.loads((out / "scenario.json").read_text())["rival"]["budget"] == 1


# ---- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "section, words",
    [
        ({"cost": "nope"}, "unknown column"),
        ({"budget": -1}, "≥ 0"),
        ({"shield": -0.5}, "≥ 0"),
        ({"loss": 1.5}, "≤ 1"),
        ({"bogus": 1}, "unknown key"),
    ],
)
def test_bad_rival_sections_are_refused(make_scenario, section, words):
    with pytest.raises(InputError) as err:
        hand(make_scenario, **{"budget": 1, **section})
    assert words in str(err.value) and "rival" in str(err.value)


def test_min_cost_is_refused_with_the_reason(make_scenario):
    path = make_scenario(
        options=OPTIONS,
        gaps=[{"gap_id": "g", "size": 10}],
        partners=PARTNERS,
        contributions=[("a1", "g", 10)],
        config={"objective": {"sense": "min_cost"}, "rival": {"budget": 1}},
    )
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert "objective.sense" in str(err.value) and "max_coverage" in str(err.value)


def test_bad_cost_cells_are_named(make_scenario):
    partners = [
        {"partner_id": "A", "name": "Alpha", "rival_cost": "cheap"},
        {"partner_id": "B", "name": "Beta", "rival_cost": -2},
    ]
    path = make_scenario(
        options=OPTIONS,
        gaps=[{"gap_id": "g", "size": 10}],
        partners=partners,
        contributions=[("a1", "g", 10)],
        config={"rival": {"budget": 1, "cost": "rival_cost"}},
    )
    with pytest.raises(InputError) as err:
        load_scenario(path)
    problems = err.value.problems
    assert [(p.row, p.column) for p in problems] == [(2, "rival_cost"), (3, "rival_cost")]


def test_an_extra_column_is_read_only_where_declared(make_scenario):
    partners = [
        {"partner_id": "A", "name": "Alpha", "rival_cost": "cheap"},
        {"partner_id": "B", "name": "Beta", "rival_cost": "x"},
    ]
    path = make_scenario(
        options=OPTIONS, gaps=[{"gap_id": "g", "size": 10}], partners=partners, contributions=[("a1", "g", 10)]
    )
    load_scenario(path)  # no rival: section, so the column is carried, not judged


# ---- CLI ----------------------------------------------------------------------------------------


def test_cli_json_folder_and_check(make_scenario, tmp_path):
    path = make_scenario(
        options=OPTIONS,
        gaps=[{"gap_id": "g", "size": 10}],
        partners=PARTNERS,
        contributions=[("a1", "g", 10), ("a2", "g", 10), ("b1", "g", 6)],
        config={"limits": {"budget_musd": 2}, "rival": {"cost": "rival_cost", "budget": 0}},
    )
    out = tmp_path / "run"
    res = CliRunner().invoke(
        cli, ["rival", str(path), "--budget", "1", "--budgets", "0:2:1", "--json", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["hedged"]["worst_case"] == pytest.approx(0.6) and data["gain"] == pytest.approx(0.6)
    assert len(data["ladder"]) == 3 and data["iterations"] >= 1
    assert sorted(p.name for p in out.iterdir()) == [
        ".planner-run",
        "rival.json",
        "rival_ladder.csv",
        "rival_partners.csv",
        "scenario.json",
    ]
    res = CliRunner().invoke(cli, ["check", str(out)])
    assert res.exit_code == 0, res.output
    text = CliRunner().invoke(cli, ["rival", str(path), "--budget", "1", "--out", str(tmp_path / "r2")])
    assert text.exit_code == 0 and "Hedging costs" in text.output and "worst case" in text.output


@pytest.mark.parametrize("spec", ["1:0:1", "0:5", "a:b:c", "0:5:0", "0:5:-1"])
def test_cli_bad_budgets_exit_2(make_scenario, spec):
    path = make_scenario(
        options=OPTIONS,
        gaps=[{"gap_id": "g", "size": 10}],
        partners=PARTNERS,
        contributions=[("a1", "g", 10)],
        config={"rival": {"budget": 1}},
    )
    res = CliRunner().invoke(cli, ["rival", str(path), "--budgets", spec])
    assert res.exit_code == 2 and "--budgets" in res.output


def test_cli_without_a_rival_section_exits_2(make_scenario):
    path = make_scenario(
        options=OPTIONS, gaps=[{"gap_id": "g", "size": 10}], partners=PARTNERS, contributions=[("a1", "g", 10)]
    )
    res = CliRunner().invoke(cli, ["rival", str(path), "--json"])
    assert res.exit_code == 2 and "rival" in res.output


def test_cli_set_reaches_the_section(make_scenario, tmp_path):
    path = make_scenario(
        options=OPTIONS,
        gaps=[{"gap_id": "g", "size": 10}],
        partners=PARTNERS,
        contributions=[("a1", "g", 10), ("a2", "g", 10), ("b1", "g", 6)],
        config={"limits": {"budget_musd": 2}, "rival": {"budget": 0}},
    )
    res = CliRunner().invoke(
        cli, ["rival", str(path), "--set", "rival.budget=1", "--json", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["rival"]["budget"] == 1
