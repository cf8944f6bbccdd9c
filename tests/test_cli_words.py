"""The CLI's tables speak words: names of sectors, partners and options from the tables, resources
with their unit (`budget_musd` → "budget (M$)"), the Monte Carlo mean labelled as re-optimised
beside the unperturbed plan held fixed."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from planner.cli import cli

TINY = Path(__file__).parent / "data" / "tiny.yaml"


def _run(*args: str) -> str:
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def test_solve_tables_show_names_and_units(tmp_path):
    # tiny: {a: Japan packaging (Semiconductors), b: Australia REE (Critical minerals)}, budget 11 of 11
    out = _run("solve", str(TINY), "--out", str(tmp_path / "run"))
    for words in ("Semiconductors", "Critical minerals", "Japan packaging", "Australia REE", "budget (M$)"):
        assert words in out, words
    assert "budget_musd" not in out and "diplomatic_capacity" not in out


def test_replan_changes_name_partners_and_sectors(tmp_path):
    out = _run(
        "solve",
        str(TINY),
        "--set",
        'replan.incumbent=["c", "d"]',
        "--out",
        str(tmp_path / "run"),
    )
    assert "Changes against the incumbent" in out and "UAE minerals (c)" in out and "Critical minerals" in out


def test_montecarlo_labels_the_mean_and_shows_the_base_plan(tmp_path):
    out = _run(
        "montecarlo",
        str(TINY),
        "--samples",
        "6",
        "--perturb",
        "contributions.amount=uniform:0.5:1.5",
        "--out",
        str(tmp_path / "mc"),
    )
    assert "objective re-optimised per sample (each sample's own best plan): mean" in out
    assert "the unperturbed plan held fixed under the same draws: mean" in out


def test_rival_tables_name_partners_and_options(make_scenario):
    # The hand case of tests/test_rival_hand.py at rival budget 1: against the nominal plan {a1}
    # the rival pulls partner A ("Alpha"); the hedged plan {a1, b1} adds b1.
    from io import StringIO

    from rich.console import Console
    from test_rival_hand import hand

    from planner.cli.rival_display import print_rival
    from planner.rival import rival

    buf = StringIO()
    print_rival(rival(hand(make_scenario, budget=1)), "x", Console(file=buf, width=200))
    out = buf.getvalue()
    assert "Alpha" in out and "│ A " not in out
    assert "The hedged plan adds" in out
