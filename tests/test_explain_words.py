"""`planner explain` says plainly when no value of a limit brings an option in, in the resource's
words (name and unit), and keeps explain.json's keys (new fields are added, none renamed)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analysis_helpers import write_scenario
from planner.analysis.entry import EntryPath, EntryStatus
from planner.analysis.explain import describe_entry
from planner.analysis.words import resource_words
from planner.cli import cli
from planner.cli.display import _way_in


@pytest.fixture
def never(tmp_path: Path) -> Path:
    # One gap g1 (size 10, weight 1). a covers all of it for 5 M$, b covers all of it for 6 M$.
    # Budget 5: the optimum is {a} (objective 1). With more budget {a} still covers g1 fully and
    # b adds nothing (coverage is capped at the size), so every optimum covers 1 and the
    # tie-break (least budget) picks {a}: no budget brings b in. Every option fits from 11 M$.
    tables = {
        "partners": pd.DataFrame({"partner_id": ["p"], "name": ["P"]}),
        "sectors": pd.DataFrame({"sector_id": ["s"], "name": ["S"]}),
        "gaps": pd.DataFrame({"gap_id": ["g1"], "sector_id": ["s"], "name": ["G1"], "size": [10]}),
        "options": pd.DataFrame(
            {
                "option_id": ["a", "b"],
                "partner_id": ["p", "p"],
                "sector_id": ["s", "s"],
                "kind": ["deal", "deal"],
                "budget_musd": [5, 6],
            }
        ),
        "contributions": pd.DataFrame({"option_id": ["a", "b"], "gap_id": ["g1", "g1"], "amount": [10, 10]}),
    }
    config = {"name": "never", "objective": {"sense": "max_coverage"}, "limits": {"budget_musd": 5}}
    return write_scenario(tmp_path / "never", tables, config)


def test_no_budget_brings_it_in_said_plainly(never: Path):
    res = CliRunner().invoke(cli, ["explain", str(never), "b"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "Added to the portfolio it would exceed the budget limit: it uses 6 M$, 0 M$ of 5 M$ is left." in text
    assert "No budget brings it in, however large: not even 11 M$, where every option fits." in text
    assert "budget_musd" not in text and "does not bring it in" not in text


def test_what_was_not_searched_is_said(never: Path):
    # one entry MIP: budget 6 is the first where b can reach the optimum, and there it loses the tie-break
    res = CliRunner().invoke(cli, ["explain", str(never), "b", "--max-steps", "1"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert (
        "No budget below 6 M$ brings it in (proven). Larger values, up to 11 M$, where every option fits, "
        "were not searched" in text
    )


def test_json_keeps_its_keys_and_adds_the_words(never: Path):
    res = CliRunner().invoke(cli, ["explain", str(never), "b", "--json"])
    assert res.exit_code == 0, res.output
    (e,) = json.loads(res.output)["explanations"]
    budget = next(p for p in e["entry"] if p["kind"] == "limit")
    assert budget["parameter"] == "budget_musd" and budget["status"] == "impossible" and budget["current"] == 5
    assert (budget["label"], budget["unit"], budget["all_fit"]) == ("budget", "M$", 11)
    cost = next(p for p in e["entry"] if p["kind"] == "cost")
    assert (cost["label"], cost["unit"]) == ("budget", "M$")
    assert e["blocked_by"][0]["ident"] == "budget_musd"


def test_checked_up_to_where_every_option_fits_is_no_value_at_all():
    p = EntryPath("diplomatic_capacity", "limit", EntryStatus.NOT_BELOW, 42.0, checked=318.0, label=None, all_fit=318.0)
    assert describe_entry(p, "budget_musd") == (
        "No diplomatic capacity brings it in, however large (checked up to 318, where every option fits; "
        "beyond it nothing changes)."
    )


def test_resource_words():
    assert resource_words("budget_musd").amount(5310) == "5,310 M$"
    assert (resource_words("diplomatic_capacity").name, resource_words("diplomatic_capacity").unit) == (
        "diplomatic capacity",
        "",
    )
    assert resource_words("negotiator_days").amount(3.5) == "3.5 days"
    assert resource_words("musd").name == "musd"  # a unit alone is not a name


def test_the_table_names_a_limit_threshold_in_words():
    p = EntryPath("budget_musd", "limit", EntryStatus.FOUND, 4800.0, needed=5000.0, label="budget", unit="M$")
    assert _way_in(p) == "budget → 5,000 M$"
    assert _way_in(EntryPath("contributions", "contributions", EntryStatus.FOUND, 1.0, needed=1.162)) == (
        "contributions → 1.162"
    )
