"""Shared fixtures: write small scenarios (five CSVs + YAML) into a temporary folder.

`write_scenario(root, options=..., gaps=..., contributions=..., config=...)` is the one
helper; `make_scenario` is the same bound to the test's tmp_path. Partners and sectors
default to those the other tables mention. Keep this file small: put helpers only one
test module needs into that module.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

DEFAULT_CONFIG: dict[str, Any] = {
    "name": "t",
    "inputs": "inputs",
    "objective": {"sense": "max_coverage", "cost_resource": "budget_musd"},
}


def write_table(path: Path, rows: list[dict], columns: list[str] | None = None) -> None:
    """Write rows as CSV; columns default to every key in first-seen order."""
    cols = list(columns or dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})


def _merge(base: dict, top: dict) -> dict:
    out = dict(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def write_scenario(
    root: Path,
    *,
    options: list[dict],
    gaps: list[dict],
    contributions: list[tuple],
    config: dict | None = None,
    partners: list[dict] | None = None,
    sectors: list[dict] | None = None,
    file: str = "scenario.yaml",
) -> Path:
    """Write a scenario under `root` and return the YAML path.

    options: dicts with option_id and resource uses; partner_id 'p1', sector_id 's1',
      kind 'buyer' by default. gaps: dicts with gap_id and size; sector_id 's1', name =
      gap_id by default. contributions: (option_id, gap_id, amount) tuples.
    config: merged (mapping by mapping) over DEFAULT_CONFIG.
    """
    root = Path(root)
    inputs = root / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    options = [{"partner_id": "p1", "sector_id": "s1", "kind": "buyer", **o} for o in options]
    options = [
        {
            "option_id": o["option_id"],
            "partner_id": o["partner_id"],
            "sector_id": o["sector_id"],
            "kind": o["kind"],
            **o,
        }
        for o in options
    ]
    gaps = [
        {"gap_id": g["gap_id"], "sector_id": g.get("sector_id", "s1"), "name": g.get("name", g["gap_id"]), **g}
        for g in gaps
    ]
    if partners is None:
        partners = [{"partner_id": p, "name": p.upper()} for p in dict.fromkeys(o["partner_id"] for o in options)]
    if sectors is None:
        ids = dict.fromkeys([*(g["sector_id"] for g in gaps), *(o["sector_id"] for o in options)])
        sectors = [{"sector_id": s, "name": s.upper()} for s in ids]
    write_table(inputs / "partners.csv", partners)
    write_table(inputs / "sectors.csv", sectors)
    write_table(inputs / "gaps.csv", gaps)
    write_table(inputs / "options.csv", options)
    write_table(
        inputs / "contributions.csv",
        [{"option_id": o, "gap_id": g, "amount": a} for o, g, a in contributions],
        ["option_id", "gap_id", "amount"],
    )
    path = root / file
    path.write_text(yaml.safe_dump(_merge(DEFAULT_CONFIG, config or {}), sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def make_scenario(tmp_path):
    """write_scenario bound to this test's tmp_path (call it once per test)."""

    def make(**kwargs) -> Path:
        return write_scenario(tmp_path, **kwargs)

    return make


def read_orlib(path: Path) -> tuple[list[float], list[list[int]]]:
    """An OR-Library set-covering file → (column costs, for each row the 0-based columns covering it)."""
    nums = [int(t) for t in Path(path).read_text().split()]
    m, n = nums[0], nums[1]
    costs = [float(c) for c in nums[2 : 2 + n]]
    rows, pos = [], 2 + n
    for _ in range(m):
        k = nums[pos]
        rows.append([j - 1 for j in nums[pos + 1 : pos + 1 + k]])
        pos += 1 + k
    assert pos == len(nums), f"{path}: trailing data after {m} rows"
    return costs, rows


def write_orlib_scenario(root: Path, path: Path, config: dict | None = None) -> Path:
    """Set covering as planner tables: row i → gap r<i> (size 1), column j → option c<j>
    with budget_musd = cost, contributing 1 to every row it covers."""
    costs, rows = read_orlib(path)
    options = [{"option_id": f"c{j + 1}", "budget_musd": c} for j, c in enumerate(costs)]
    gaps = [{"gap_id": f"r{i + 1}", "size": 1} for i in range(len(rows))]
    contributions = [(f"c{j + 1}", f"r{i + 1}", 1) for i, cols in enumerate(rows) for j in cols]
    return write_scenario(root, options=options, gaps=gaps, contributions=contributions, config=config)
