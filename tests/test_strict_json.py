"""Every `--json` output and every JSON file a command writes is strict JSON (RFC 8259).

Python's json module writes and reads NaN and Infinity, which no other JSON parser accepts;
`planner.io.numbers.json_text` is the one writer: a non-finite figure is null. Each command
runs here with --json on the tiny scenario, its stdout and the JSON files it wrote parsed
with a parser that refuses NaN/Infinity; a source check keeps new writers on json_text.
"""

from __future__ import annotations

import ast
import json
import math
import shutil
from enum import Enum
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import DATA
from planner.cli import COMMANDS, cli

PLANNER = Path(__file__).resolve().parent.parent / "planner"


def strict_loads(text: str):
    def refuse(name: str):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def tiny(tmp_path) -> Path:
    shutil.copytree(DATA / "tiny", tmp_path / "tiny")
    shutil.copy(DATA / "tiny.yaml", tmp_path / "tiny.yaml")
    return tmp_path / "tiny.yaml"


def runs(tiny: Path) -> list[tuple[str, list]]:
    """(command, arguments) for every command that prints --json; the run folder first."""
    d = tiny.parent
    return [
        ("solve", ["solve", tiny, "--out", d / "run"]),
        ("validate", ["validate", tiny]),
        ("check", ["check", d / "run"]),
        ("compare", ["compare", d / "run", d / "run"]),
        ("export", ["export", d / "run", "--to", "md", "--out", d / "report.md"]),
        ("explain", ["explain", tiny, "a", "--max-steps", "2"]),
        ("value", ["value", tiny, "--out", d / "value"]),
        (
            "diagnose",
            ["diagnose", tiny, "--no-alternatives", "--set", "objective.coverage_target=1", "--out", d / "dg"],
        ),
        ("frontier", ["frontier", tiny, "--resource", "budget_musd", "--max-solves", "4", "--out", d / "frontier"]),
        ("frontier", ["frontier", tiny, "--resource", "budget_musd", "--tranches", "5,11", "--out", d / "tranches"]),
        ("sweep", ["sweep", tiny, "--vary", "limits.budget_musd=0,8,11", "--workers", "1", "--out", d / "sweep"]),
        (
            "montecarlo",
            [
                "montecarlo",
                tiny,
                "--samples",
                "3",
                "--seed",
                "1",
                "--workers",
                "1",
                "--out",
                d / "mc",
                "--perturb",
                "contributions.amount=uniform:0.7:1.3",
            ],
        ),
        ("alternatives", ["alternatives", tiny, "--within", "10%", "--count", "2", "--out", d / "alt"]),
        (
            "robust",
            [
                "robust",
                tiny,
                "--max-portfolios",
                "2",
                "--samples",
                "2",
                "--out",
                d / "robust",
                "--set",
                "robust.sector_weights.semis=[1, 2]",
            ],
        ),
        ("rival", ["rival", tiny, "--set", "rival.budget=1", "--out", d / "rival"]),
        ("pareto", ["pareto", tiny, "--objectives", "coverage,cost:budget_musd", "--out", d / "pareto"]),
        ("generate", ["generate", d / "gen", "--options", "20"]),
        ("init", ["init", d / "new"]),
        ("solve", ["solve", tiny, "--set", "objective.coverage_target=1", "--out", d / "infeasible"]),  # exit 3
        ("validate", ["validate", tiny, "--set", "limits.budget_musd=.nan"]),  # exit 2, problems as JSON
        ("solve", ["solve", tiny, "--set", "objective.gap_weights.g1=1e308", "--out", d / "huge"]),  # exit 2
    ]


def test_every_command_prints_and_writes_strict_json(tiny):
    covered = set()
    for command, args in runs(tiny):
        result = CliRunner().invoke(cli, [str(a) for a in [*args, "--json"]])
        assert result.exit_code in (0, 2, 3, 4), (command, result.exit_code, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (command, result.exception)
        strict_loads(result.stdout)  # raises on NaN / Infinity
        covered.add(command)
    for path in tiny.parent.rglob("*.json"):
        strict_loads(path.read_text(encoding="utf-8"))
    takes_json = set()
    for name, target in COMMANDS.items():
        module, attr = target.split(":")
        import importlib

        command = getattr(importlib.import_module(f"planner.cli.{module}"), attr)
        if any(p.name == "as_json" for p in command.params):
            takes_json.add(name)
    assert takes_json <= covered, f"commands with --json not run here: {takes_json - covered}"


class Colour(Enum):
    RED = "red"


def test_json_text_maps_non_finite_figures_to_null():
    from planner.io.numbers import json_text

    data = {
        "nan": math.nan,
        "inf": math.inf,
        "-inf": -math.inf,
        "np_nan": np.float64("nan"),
        "np_int": np.int64(3),
        "np_float": np.float32(0.5),
        "ok": 1.25,
        "nested": [(1, math.inf)],
        2: Colour.RED,
        "path": Path("a/b"),
        "flag": np.bool_(True),
        "none": None,
    }
    out = strict_loads(json_text(data))
    assert out == {
        "nan": None,
        "inf": None,
        "-inf": None,
        "np_nan": None,
        "np_int": 3,
        "np_float": 0.5,
        "ok": 1.25,
        "nested": [[1, None]],
        "2": "red",
        "path": "a/b",
        "flag": True,
        "none": None,
    }
    assert json_text({"a": [1.5]}, indent=None, sort_keys=True) == '{"a": [1.5]}'


# json.dumps outside planner/io/numbers.py: only where the text is not a JSON document the
# user receives (a hash, the resume journal, --set values of id lists, a cell of a report),
# so many calls per file.
INTERNAL = {
    "inputs/config.py": 1,  # input_sha256: digest of the settings
    "sensitivity/runner.py": 1,  # job key digest
    "sensitivity/journal.py": 2,  # the resume journal, read back only by the planner (NaN round-trips)
    "web/whatif.py": 5,  # --set values (lists of ids)
    "analysis/diagnose.py": 1,  # --set values (lists of ids)
    "analysis/entry.py": 1,  # --set values (lists of ids)
    "report/content.py": 1,  # a nested value as text in one report cell
}
# Writers in files other helpers own in issue 18, to move onto json_text when merged.
PENDING = {}


def test_json_documents_are_written_by_json_text_only():
    found = []
    for path in PLANNER.rglob("*.py"):
        rel = path.relative_to(PLANNER).as_posix()
        if rel == "io/numbers.py":
            continue
        calls = [
            node.lineno
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute)
            and node.attr in ("dump", "dumps")
            and isinstance(node.value, ast.Name)
            and node.value.id == "json"
        ]
        if len(calls) > INTERNAL.get(rel, 0) + PENDING.get(rel, 0):
            found.append(f"{rel}: lines {calls}")
    assert not found, f"write JSON with planner.io.numbers.json_text: {found}"
