"""Bad input, every command: mutated scenarios either work or exit 2 naming file, row, column.

Each example writes the fuzz base scenario (tests/fuzzkit.py) after one mutation, in one
format (CSV dialects, BOMs, an .xlsx workbook), and runs every command on it through
CliRunner. The contract: no traceback, never exit 1; exit 2 comes with problems that name
a file of the project (or --set) and, for a table cell, its row and column; a cell made
non-numeric, NaN, infinite, huge or negative is reported at exactly that row and column;
`validate` and `solve` agree; every run that solves passes `planner check`.

Runtime is bounded: PLANNER_FUZZ_EXAMPLES (default 150) examples from a fixed seed
(PLANNER_FUZZ_SEED, default 0). The number tried is printed (`pytest -s`).
"""

from __future__ import annotations

import collections
import json
import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, seed, settings

from planner.cli import cli

from fuzzkit import Case, cases, materialise

EXAMPLES = int(os.environ.get("PLANNER_FUZZ_EXAMPLES", "150"))
TABLE_LEVEL = (
    "required table",
    "required sheet",
    "is empty",
    "no data rows",
    "cannot parse CSV",
    "larger than",
    "data rows;",
    "cannot read workbook",
    "unpacks",
    "the first row is blank",
)
STATS: collections.Counter = collections.Counter()


def invoke(args: list) -> tuple:
    res = CliRunner().invoke(cli, [str(a) for a in args])
    crash = res.exception is not None and not isinstance(res.exception, SystemExit)
    return res, crash


def table_files(folder: Path, case: Case) -> dict[str, str]:
    from fuzzkit import TABLES

    if case.fmt["format"] == "xlsx":
        book = (folder / "inputs" / "base.xlsx").resolve()
        return {t: f"{book}[{t}]" for t in TABLES} | {"": str(book)}
    return {t: str((folder / "inputs" / "base" / f"{t}.csv").resolve()) for t in TABLES}


def check_problems(case: Case, folder: Path, command: str, res) -> None:
    assert res.exit_code == 2
    out = json.loads(res.output)
    probs = out["problems"]
    assert probs, f"{command}: exit 2 without problems"
    tables = table_files(folder, case)
    by_file = {v: k for k, v in tables.items()}
    root = str(folder.resolve())
    for p in probs:
        f = p["file"]
        assert f and (f == "--set" or p["key"] or f.startswith(root) or f.startswith(str(folder))), (
            f"{command}: problem names no project file: {p}"
        )
        if f in by_file and by_file[f]:
            assert (p["row"] is not None and p["column"]) or any(s in p["message"] for s in TABLE_LEVEL), (
                f"{command}: table problem without row and column: {p}"
            )
    want = expected_problem(case, tables)
    if want is not None:
        got = {(p["file"], p["row"], p["column"]) for p in probs}
        assert want in got, f"{command}: {case.mutation} not reported at {want}; got {probs}"


def expected_problem(case: Case, tables: dict[str, str]) -> tuple | None:
    """(file, row, column) a mutation must be reported at, where the mutation alone decides it."""
    from fuzzkit import BASE, IDS

    m = case.mutation
    if case.fmt.get("merged"):  # a merged header hides the columns the cells are checked in
        return None
    kind = m["kind"]
    if kind == "bad_number" or (kind == "negative_amount" and float(m["value"]) < 0):
        return tables[m["table"]], m["row"] + 1, m["col"]
    if kind == "blank_then_bad":  # the blank row is a row: the bad cell moves down one
        return tables[m["table"]], m["row"] + 2, m["col"]
    if kind == "ragged_row" and m["extra"]:
        return tables[m["table"]], m["row"] + 1, chr(ord("A") + len(BASE[m["table"]][0]))
    if kind == "duplicate_row":
        return tables[m["table"]], m["row"] + 2, IDS.get(m["table"], "gap_id")
    return None


def run_case(case: Case) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        folder = Path(tmp)
        scen, overrides = materialise(case, folder)
        sets = [a for o in overrides for a in ("--set", o)]
        codes = {}
        for command, args, allowed in [
            ("validate", ["validate", scen, *sets, "--json"], {0, 2}),
            ("validate-text", ["validate", scen, *sets], {0, 2}),
            ("solve", ["solve", scen, *sets, "--json", "--out", folder / "run"], {0, 2, 3, 4}),
        ]:
            res, crash = invoke(args)
            assert not crash, f"{command} crashed on {case}: {res.exception!r}\n{res.output}"
            assert res.exit_code in allowed, f"{command} exit {res.exit_code} on {case}:\n{res.output}"
            codes[command] = res.exit_code
            STATS[f"{command}:{res.exit_code}"] += 1
            if res.exit_code == 2 and command != "validate-text":
                check_problems(case, folder, command, res)
            if command == "validate-text" and res.exit_code == 2:
                assert "input problem(s)" in res.output and "Traceback" not in res.output
        if case.mutation["kind"] == "none" and not case.fmt.get("merged"):
            assert codes["validate"] == 0, f"a valid scenario in a common spreadsheet format was refused: {case}"
        assert codes["validate"] == codes["validate-text"]
        assert (codes["validate"] == 2) == (codes["solve"] == 2), f"validate and solve disagree on {case}: {codes}"
        if codes["solve"] != 2:
            STATS["valid"] += 1
            res, crash = invoke(["check", folder / "run", "--json"])
            assert not crash and res.exit_code == 0, f"check failed on {case}:\n{res.output}"
            STATS["checked"] += 1
        scenario_cmds, run_cmd = case.extra or ((), None)
        for command in scenario_cmds:
            args = [*SCENARIO_COMMANDS[command](scen, folder / f"{command}-out"), *sets, "--json"]
            res, crash = invoke(args)
            assert not crash, f"{command} crashed on {case}: {res.exception!r}\n{res.output}"
            STATS[f"{command}:{res.exit_code}"] += 1
            if codes["validate"] == 2:
                assert res.exit_code == 2, f"{command} accepted what validate refused ({case}):\n{res.output}"
                check_problems(case, folder, command, res)
            else:
                assert res.exit_code in (0, 3, 4) or (
                    command == "explain" and res.exit_code == 2 and "option" in res.output
                ), f"{command} exit {res.exit_code} on a valid scenario {case}:\n{res.output}"
        if run_cmd and codes["solve"] != 2:
            res, crash = invoke(RUN_COMMANDS[run_cmd](folder / "run", folder / f"{run_cmd}-out"))
            assert not crash and res.exit_code == 0, f"{run_cmd} on the run of {case}: {res.exception!r}\n{res.output}"
            STATS[f"{run_cmd}:{res.exit_code}"] += 1


# How each command is called in the fuzz test; every command taking a SCENARIO must be here.
SCENARIO_COMMANDS = {
    "explain": lambda scen, out: ["explain", scen, "a", "--max-steps", "2"],
    "value": lambda scen, out: ["value", scen],
    "diagnose": lambda scen, out: ["diagnose", scen, "--no-alternatives"],
    "frontier": lambda scen, out: ["frontier", scen, "--resource", "budget_musd", "--max-solves", "4", "--out", out],
    "sweep": lambda scen, out: ["sweep", scen, "--vary", "limits.budget_musd=8,11", "--workers", "1", "--out", out],
    "montecarlo": lambda scen, out: [
        "montecarlo",
        scen,
        "--samples",
        "3",
        "--seed",
        "1",
        "--workers",
        "1",
        "--out",
        out,
        "--perturb",
        "contributions.amount=uniform:0.7:1.3",
    ],
    "alternatives": lambda scen, out: ["alternatives", scen, "--within", "10%", "--count", "2"],
    "robust": lambda scen, out: ["robust", scen, "--max-portfolios", "2", "--samples", "2", "--out", out],
    "rival": lambda scen, out: ["rival", scen, "--set", "rival.budget=1", "--budgets", "0:1:1", "--out", out],
    "pareto": lambda scen, out: [
        "pareto",
        scen,
        "--objectives",
        "coverage,cost:budget_musd",
        "--max-points",
        "3",
        "--out",
        out,
    ],
}
RUN_COMMANDS = {
    "export": lambda run, out: ["export", run, "--to", "md", "--out", out.with_suffix(".md"), "--json"],
    "compare": lambda run, out: ["compare", run, run, "--json"],
}


def test_every_command_is_fuzzed():
    """A new command that reads a scenario or a run folder must join the fuzz test."""
    import importlib

    from planner.cli import COMMANDS

    # serve: reads its scenario with load_scenario (as validate, fuzzed) before it serves until
    # Ctrl-C; its API's bad-input answers are tested in test_serve_api.py
    covered = {"solve", "validate", "check", "generate", "init", "serve", *SCENARIO_COMMANDS, *RUN_COMMANDS}
    for name, target in COMMANDS.items():
        module, attr = target.split(":")
        command = getattr(importlib.import_module(f"planner.cli.{module}"), attr)
        takes_input = any(p.name in ("scenario", "run_dir", "run_a") for p in command.params)
        assert not takes_input or name in covered, f"planner {name} is not in the fuzz test"


@pytest.mark.slow
@seed(int(os.environ.get("PLANNER_FUZZ_SEED", "0")))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases)
def test_every_command_survives_mutated_input(case):
    STATS["tried"] += 1
    STATS[f"kind:{case.mutation['kind']}"] += 1
    STATS[f"format:{case.fmt['format']}"] += 1
    run_case(case)


def test_zz_report_fuzz_count():
    """Print how many mutated inputs were tried (visible with -s); runs after the fuzz test."""
    if STATS["tried"]:
        kinds = {k[5:]: v for k, v in STATS.items() if k.startswith("kind:")}
        print(
            f"\nfuzz: {STATS['tried']} mutated inputs, {STATS['valid']} valid (each passed `planner check`); "
            f"outcomes {dict(sorted((k, v) for k, v in STATS.items() if ':' in k and not k.startswith(('kind', 'format'))))}; "
            f"kinds {dict(sorted(kinds.items()))}"
        )
        assert STATS["checked"] == STATS["valid"]
