"""Golden LP files: the written model of a tiny case per rule family matches tests/golden/<family>.lp.

Each case is the shared 8-option case (tests/data/rules) with one family switched on. To
accept an intended change of the model, regenerate with
`PLANNER_UPDATE_GOLDEN=1 pytest tests/test_rules_golden.py` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rules_support import load_rules_case

from planner.model.assemble import build
from planner.model.rules import active_rules, family_names

GOLDEN = Path(__file__).resolve().parent / "golden"

CASES: dict[str, dict] = {
    "phasing": {
        "phasing": {
            "start": 2027,
            "end": 2028,
            "per_year": {"diplomatic_capacity": 2, "budget_musd": 9},
            "spread": ["budget_musd"],
            "value": "horizon",
        }
    },
    "require": {"require": ["h"]},
    "forbid": {"forbid": ["a"]},
    "requires": {"requires": [{"option": "b", "needs": ["c", "d"]}, {"option": "e", "needs_any": ["f", "g"]}]},
    "excludes": {"excludes": [["a", "b"], {"options": {"sector": "ai"}, "at_most": 2}]},
    "groups": {
        "groups": [
            {"name": "quad", "select": {"bloc": "Quad"}, "max_options": 2, "min_options": 1},
            {"select": {"region": "Indo-Pacific"}, "max_use": {"budget_musd": 9}},
        ]
    },
    "max_options": {"max_options": {"default": 1, "partners": {"jpn": 2}}},
    "min_fraction": {"min_fraction": {"sectors": {"ai": 0.5}, "gaps": {"g1": 0.6}}},
    "diversify": {"diversify": [{"sector": "minerals", "min_partners": 2}, {"gap": "g3", "max_partner_share": 0.7}]},
    "risk": {"risk": {"max_total": 0.9, "max_per_bloc": {"AUKUS": 0.3}, "max_per_partner": {"uae": 0.5}}},
    "resilience": {"resilience": {"fraction": 0.5}},
    "diminishing_returns": {
        "diminishing_returns": [
            {"gaps": ["g2"], "segments": [{"upto": 0.5, "value": 0.8}, {"upto": 1.0, "value": 0.2}]}
        ]
    },
    "standards_bonus": {"standards_bonus": [{"sector": "ai", "min_partners": 2, "bonus": 0.5}]},
}
# Families whose section sits at the scenario's top level (not under rules:).
TOP_CASES: dict[str, dict] = {
    "replan": {
        "incumbent": ["a", "b", "f"],
        "max_changes": 3,
        "max_dropped": 1,
        "max_added": 2,
        "drop_cost": {"diplomatic_capacity": 1, "budget_musd": "duration_years"},
    },
}


def case_scenario(family: str):
    if family in TOP_CASES:
        import yaml

        return load_rules_case({}, [f"{family}={yaml.safe_dump(TOP_CASES[family], default_flow_style=True).strip()}"])
    return load_rules_case(CASES[family])


def normalise(text: str) -> list[str]:
    """LP text without the banner comment, trailing spaces and blank lines."""
    return [line.rstrip() for line in text.splitlines() if line.strip() and not line.startswith("\\*")]


def written_lp(family: str, tmp_path: Path) -> str:
    model = build(case_scenario(family))
    path = tmp_path / f"{family}.lp"
    model.prob.writeLP(str(path))
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("family", sorted({**CASES, **TOP_CASES}))
def test_golden_lp(family, tmp_path):
    text = written_lp(family, tmp_path)
    golden = GOLDEN / f"{family}.lp"
    if os.environ.get("PLANNER_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"no golden file for {family}; run with PLANNER_UPDATE_GOLDEN=1 and review it"
    assert normalise(text) == normalise(golden.read_text(encoding="utf-8"))


@pytest.mark.parametrize("family", sorted({**CASES, **TOP_CASES}))
def test_golden_case_switches_its_family_on(family, tmp_path):
    # the case must exercise the family: it is active, and the LP has rows named after it
    assert active_rules(case_scenario(family)) == [family]
    assert f"\n{family}_" in written_lp(family, tmp_path)


def test_every_family_has_a_golden_case_and_file():
    missing_case = sorted(set(family_names()) - set(CASES) - set(TOP_CASES))
    missing_file = sorted(f for f in family_names() if not (GOLDEN / f"{f}.lp").is_file())
    assert not missing_case and not missing_file, f"families without golden tests: {missing_case or missing_file}"
