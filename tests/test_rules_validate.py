"""Rule validation: every problem reported before solving, with the YAML key path."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from rules_support import RULES_YAML, load_rules_case

from planner.errors import InputError


def problems(rules, extra=()):
    with pytest.raises(InputError) as info:
        load_rules_case(rules, extra)
    return {p.key: p for p in info.value.problems}


def test_valid_rules_load():
    sc = load_rules_case({"require": ["a"], "groups": [{"select": {"bloc": "AUKUS"}, "max_options": 1}]})
    assert sc.config.rules.require == ["a"]


def test_unknown_option_ids_with_suggestion():
    found = problems({"require": ["a", "hh"], "forbid": ["zz"]})
    assert set(found) == {"rules.require[1]", "rules.forbid[0]"}
    assert "did you mean 'h'" in found["rules.require[1]"].message
    assert found["rules.require[1]"].file == str(RULES_YAML.resolve())


def test_required_and_forbidden():
    found = problems({"require": ["a"], "forbid": ["a"]})
    assert "both required and forbidden" in found["rules.require"].message


def test_group_criteria_unknown_and_empty():
    found = problems(
        {
            "groups": [
                {"select": {"partner": "jpm", "sector": "ai"}, "max_options": 1},
                {"select": {"bloc": "GCC", "sector": "semis"}, "max_options": 1},
            ],
            "excludes": [{"options": {"region": "Europa"}}],
        }
    )
    assert "did you mean 'jpn'" in found["rules.groups[0].select.partner[0]"].message
    assert "matches no option" in found["rules.groups[1].select"].message
    assert "did you mean 'Europe'" in found["rules.excludes[0].options.region[0]"].message


def test_excludes_that_exclude_nothing():
    found = problems({"excludes": [["a"]]})
    assert "excludes nothing" in found["rules.excludes[0].options"].message


def test_group_bounds():
    found = problems(
        {
            "groups": [
                {"select": ["a", "b"], "min_options": 3},
                {"select": ["a", "b"], "min_options": 2, "max_options": 1},
                {"select": ["a"], "min_use": {"budget_musd": 9}, "max_use": {"budget_musd": 1}},
            ]
        }
    )
    assert "only 2 option" in found["rules.groups[0].min_options"].message
    assert "max_options" in found["rules.groups[1].min_options"].message
    assert "max_use" in found["rules.groups[2].min_use.budget_musd"].message


def test_group_resource_must_be_a_column():
    found = problems({"groups": [{"select": ["a"], "max_use": {"summit_slots": 1}}]})
    assert "not a column" in found["rules.groups[0].max_use.summit_slots"].message


def test_requires_chain_forces_forbidden_into_required_plan():
    # a is required, a needs b, b needs c, c is forbidden: infeasible before solving.
    found = problems(
        {"require": ["a"], "forbid": ["c"], "requires": [{"option": "a", "needs": "b"}, {"option": "b", "needs": "c"}]}
    )
    assert "in rules.forbid" in found["rules.requires[0]"].message


def test_requires_cycle_forcing_excluded_pair():
    # a needs b and b needs a, but not both: neither can ever be selected.
    found = problems(
        {"requires": [{"option": "a", "needs": "b"}, {"option": "b", "needs": "a"}], "excludes": [["a", "b"]]}
    )
    assert any("could never be selected" in p.message and "rules.excludes[0]" in p.message for p in found.values())


def test_requires_any_of_only_itself():
    found = problems({"requires": [{"option": "a", "needs_any": "a"}]})
    assert "could never be selected" in found["rules.requires[0].needs_any"].message


def test_partner_sector_gap_bloc_keys():
    found = problems(
        {
            "max_options": {"partners": {"jnp": 1}},
            "min_fraction": {"sectors": {"AI": 0.5}, "gaps": {"g9": 0.1}},
            "risk": {"max_per_bloc": {"NATOO": 1}, "max_per_partner": {"xx": 1}},
        }
    )
    assert set(found) == {
        "rules.max_options.partners.jnp",
        "rules.min_fraction.sectors.AI",
        "rules.min_fraction.gaps.g9",
        "rules.risk.max_per_bloc.NATOO",
        "rules.risk.max_per_partner.xx",
    }


def test_diversify_needs_enough_partners():
    found = problems({"diversify": [{"gap": "g1", "min_partners": 3}, {"sector": "space", "min_partners": 2}]})
    assert "only 2 partner" in found["rules.diversify[0].min_partners"].message
    assert "rules.diversify[1].sector" in found


def test_diminishing_returns_shape():
    found = problems(
        {
            "diminishing_returns": [
                {"gaps": ["g1"], "segments": [{"upto": 0.5, "value": 0.2}, {"upto": 1.0, "value": 0.8}]},  # convex
                {"gaps": ["g2"], "segments": [{"upto": 0.5, "value": 0.5}]},  # stops at 0.5
                {"sectors": ["semis"], "segments": [{"upto": 1.0, "value": 1.0}]},  # g1 again
            ]
        }
    )
    assert "must not rise" in found["rules.diminishing_returns[0].segments[1].value"].message
    assert "end at upto: 1" in found["rules.diminishing_returns[1].segments"].message
    assert "already has segments" in found["rules.diminishing_returns[2]"].message


def test_standards_bonus_unreachable():
    found = problems(
        {
            "standards_bonus": [
                {"sector": "ai", "min_partners": 3, "bonus": 1},
                {"sector": "semis", "kind": "standard", "min_partners": 1, "bonus": 1},
            ]
        }
    )
    assert "could never be earned" in found["rules.standards_bonus[0].min_partners"].message
    assert "did you mean 'standards'" in found["rules.standards_bonus[1].kind"].message


def test_phasing_checks():
    found = problems(
        {
            "phasing": {
                "start": 2027,
                "end": 2028,
                "per_year": {"negotiators": 2},
                "duration_column": "months",
                "spread": ["budget_musd"],
            }
        }
    )
    assert "not a column" in found["rules.phasing.per_year.negotiators"].message
    assert "no 'months' column" in found["rules.phasing.spread"].message
    found = problems({"phasing": {"start": 2030, "end": 2027}})
    assert "must not be before" in found["rules.phasing"].message


def test_resilience_needs_two_partners():
    # g3's contributors are uae (e), gbr (f), jpn (g): fine; a gap only one partner serves is not.
    found = problems({"resilience": {"fraction": 0.5, "gaps": ["g3", "g9"]}})
    assert "rules.resilience.gaps[1]" in found
    sc = load_rules_case({"resilience": {"fraction": 0.5, "gaps": ["g3"]}})
    assert sc.config.rules.resilience.gaps == ["g3"]


def test_all_problems_at_once_and_cli_exit_2():
    from planner.cli import cli

    sets = ["rules.require=[zz]", "rules.excludes=[[a]]", "rules.groups=[{select: {kind: nope}, max_options: 1}]"]
    args = ["validate", str(RULES_YAML), "--json"] + [a for s in sets for a in ("--set", s)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert {"rules.require[0]", "rules.excludes[0].options", "rules.groups[0].select.kind[0]"} <= {
        p["key"] for p in json.loads(result.output)["problems"]
    }


def test_unknown_rule_key_suggests_nearest():
    found = problems({}, ["rules.groups=[{selct: {partner: jpn}, max_options: 1}]", "rules.resilence.fraction=0.5"])
    assert "did you mean 'select'" in found["rules.groups[0].selct"].message
    assert "did you mean 'resilience'" in found["rules.resilence"].message
