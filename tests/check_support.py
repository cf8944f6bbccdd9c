"""Run folders of every kind, built once per session, and the tampering the manifest tests apply.

`FOLDERS` names one small run folder per kind and variant (tiny scenarios; the rules case
for rule families; each command's options that add fields), each built by the CLI exactly
as an analyst would. `folder(name)` builds it on first use (a session cache under one
temporary root). `tamper(value)` changes a JSON value or a CSV cell so that no honest
check can accept it (a number moves, a flag flips, an id or text changes, a list loses its
last element).
"""

from __future__ import annotations

import atexit
import csv
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from pareto_instances import knapsack
from rules_support import write_case

from planner.cli import cli

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny.yaml"
RULES = ROOT / "tests" / "data" / "rules.yaml"
RIVAL = ROOT / "models" / "rival.yaml"
KNAPSACK = "{knapsack}"  # in a command line: the small knapsack case `knapsack_case` writes
KNAPSACK_ITEMS = 12
MARKER = {"tool": "partnership-planner", "version": "0.1.0"}

_REPLAN = ("--set", 'replan={"incumbent": ["a", "c", "f"], "max_changes": 3, "drop_cost": {"budget_musd": 1}}')
_RESILIENCE = ("--set", 'rules.resilience={"fraction": 0.2, "gaps": ["g1"]}')
_PHASING = ("--set", 'rules.phasing={"start": 2027, "end": 2028, "per_year": {"budget_musd": 12}, "value": "horizon"}')
# seed 2 draws frequencies a 0.7, b 0.6, d 0.5, c 0.2: a core, b and d borderline, c exterior but selected
_PERTURB = (
    "--perturb",
    "contributions.amount=uniform:0.2:1.8",
    "--perturb",
    "options.budget_musd=uniform:0.6:1.4",
    "--core",
    "0.7",
    "--exterior",
    "0.2",
)
# budget 8 on the rules case: three non-dominated portfolios over two vertices
_ROBUST = (
    "--set",
    "limits.budget_musd=8",
    "--set",
    "robust.sector_weights.semis=[0.5,3]",
    "--set",
    "robust.sector_weights.ai=[0.5,3]",
)

# name: (kind, command line without --out)
FOLDERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "solve-tiny": ("solve", ("solve", str(TINY))),
    "solve-rules": ("solve", ("solve", str(RULES), *_RESILIENCE, *_REPLAN, "--set", "limits.budget_musd=20")),
    "solve-phasing": ("solve", ("solve", str(RULES), *_PHASING, "--set", "limits.budget_musd=20")),
    "solve-auto": ("solve", ("solve", str(TINY), "--solver", "auto")),
    "solve-report": ("solve", ("solve", str(TINY), "--report", "md", "--report", "html", "--report", "xlsx")),
    "solve-infeasible": (
        "solve",
        ("solve", str(TINY), "--set", "objective.coverage_target=1", "--set", "limits.budget_musd=6"),
    ),
    "solve-replan-infeasible": (
        "solve",
        ("solve", str(RULES), *_REPLAN, "--set", "objective.coverage_target=1", "--set", "limits.budget_musd=5"),
    ),
    "sweep-infeasible": (
        "sweep",
        (
            "sweep",
            str(TINY),
            "--set",
            "objective.coverage_target=1",
            "--vary",
            "limits.budget_musd=5:6:1",
            "--workers",
            "1",
        ),
    ),
    "sweep": (
        "sweep",
        (
            "sweep",
            str(TINY),
            "--set",
            "rules.require=[b]",
            "--vary",
            "limits.budget_musd=6:11:5",
            "--vary",
            "objective.sector_weights.semis=1:2:1",
            "--workers",
            "1",
        ),
    ),
    "frontier": ("frontier", ("frontier", str(TINY), "--resource", "budget_musd")),
    "frontier-infeasible": (
        "frontier",
        ("frontier", str(TINY), "--resource", "budget_musd", "--set", "objective.coverage_target=0.5"),
    ),
    "tranches": ("tranches", ("frontier", str(TINY), "--resource", "budget_musd", "--tranches", "5,6,11")),
    "montecarlo": (
        "montecarlo",
        ("montecarlo", str(TINY), "--samples", "10", "--seed", "2", *_PERTURB, "--workers", "1"),
    ),
    "alternatives": ("alternatives", ("alternatives", str(TINY), "--within", "50%", "--count", "2")),
    "robust": ("robust", ("robust", str(RULES), *_ROBUST, "--samples", "4")),
    "robust-incomplete": ("robust", ("robust", str(RULES), *_ROBUST, "--samples", "4", "--max-portfolios", "1")),
    "robust-min-cost": (
        "robust",
        ("robust", str(TINY), "--set", "objective.sense=min_cost", "--set", "objective.coverage_target=0.5"),
    ),
    "explain": ("explain", ("explain", str(TINY), "a", "c")),
    # b required (forced_by a require row), a target on g2 (forced_by a target row), e blocked by a group
    "explain-rules": (
        "explain",
        (
            "explain",
            str(RULES),
            "b",
            "c",
            "e",
            "--set",
            "rules.require=[b]",
            "--set",
            "objective.coverage_target=0.3",
            "--set",
            'rules.groups=[{"select": {"partner": ["uae"]}, "max_options": 1, "name": "gulf"}]',
        ),
    ),
    "explain-phasing": ("explain", ("explain", str(RULES), "a", "c", *_PHASING, "--set", "limits.budget_musd=20")),
    "value": ("value", ("value", str(TINY))),
    "value-phasing": ("value", ("value", str(RULES), *_PHASING, "--set", "limits.budget_musd=20", "--family", "limit")),
    # the baseline against a rival of budget 3 (it pulls sgp from the nominal plan), a one-rung ladder at 0
    "rival": ("rival", ("rival", str(RIVAL), "--budget", "3", "--budgets", "0:0:1")),
    "pareto-knapsack": ("pareto", ("pareto", KNAPSACK, "--objectives", "sector:p1,sector:p2")),
    "pareto-phasing": (
        "pareto",
        ("pareto", str(RULES), "--objectives", "coverage,risk", *_PHASING, "--set", "limits.budget_musd=20"),
    ),
}
KINDS_BUILT = sorted({kind for kind, _ in FOLDERS.values()})

_root: Path | None = None
_built: dict[str, Path] = {}


def folder(name: str) -> Path:
    """The run folder `name` of `FOLDERS`, built on first use (with a marker if the tool wrote none)."""
    global _root
    if name in _built:
        return _built[name]
    if _root is None:
        _root = Path(tempfile.mkdtemp(prefix="planner-check-folders-"))
        atexit.register(shutil.rmtree, _root, True)
    kind, args = FOLDERS[name]
    out = _root / name
    args = tuple(str(knapsack_case(_root)) if a == KNAPSACK else a for a in args)
    res = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert res.exit_code in (0, 3, 4), f"{name}: {res.output}"
    marker = out / ".planner-run"
    if not marker.exists():  # folders from before the marker: give one, so its fields are tested too
        marker.write_text(json.dumps({**MARKER, "kind": kind}))
    _built[name] = out
    return out


def knapsack_case(root: Path) -> Path:
    """The first KNAPSACK_ITEMS items of the public two-objective knapsack 2kp50 (tests/data/pareto) as a
    scenario (one option per item, one resource per knapsack constraint with half the items' total
    weight as its limit, one sector and gap per objective: `sector:p<k>` is objective k's profit)."""
    path = root / "knapsack" / "case.yaml"
    if path.exists():
        return path
    a, _, c, _ = knapsack("2kp50")
    items = range(KNAPSACK_ITEMS)
    return write_case(
        root / "knapsack",
        options=[
            {"option_id": f"i{i + 1}", "sector_id": "p1", **{f"w{r + 1}": a[r][i] for r in range(len(a))}}
            for i in items
        ],
        gaps=[
            {"gap_id": f"g{k + 1}", "sector_id": f"p{k + 1}", "size": sum(c[k]) + 1, "weight": sum(c[k]) + 1}
            for k in range(len(c))
        ],
        contributions=[(f"i{i + 1}", f"g{k + 1}", c[k][i]) for i in items for k in range(len(c)) if c[k][i]],
        config={
            "objective": {"sense": "max_coverage", "cost_resource": "w1"},
            "limits": {f"w{r + 1}": sum(a[r][i] for i in items) / 2 for r in range(len(a))},
        },
    )


def cleanup() -> None:
    """Remove the session's folders (pytest-xdist workers may end without running atexit)."""
    global _root
    if _root is not None:
        shutil.rmtree(_root, ignore_errors=True)
        _root = None
        _built.clear()


def copy(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(folder(name), target)
    return target


def tamper(value: Any) -> Any:
    """A value no honest check accepts in place of `value`."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 1.0 + abs(value) * 0.5
    if value is None:
        return 1
    if isinstance(value, list):
        return value[:-1] if value else ["x"]
    text = str(value)
    if text in ("True", "False"):
        return "False" if text == "True" else "True"
    if text == "":
        return "1"
    try:
        return repr(float(text) + 1.0 + abs(float(text)) * 0.5)
    except ValueError:
        return text + "x"


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def set_json(data: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def get_json(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data
