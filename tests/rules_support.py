"""Helpers for the rule-family tests: small scenarios written to a temporary folder.

`RULES_YAML` is the shared 8-option case in tests/data/rules (partners jpn, aus, uae,
gbr; gaps g1..g3); `load_rules_case(rules, **top)` loads it with a `rules:` section.
`write_case(root, ...)` writes an arbitrary small case (five CSVs + YAML).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data"
RULES_YAML = DATA / "rules.yaml"


def rules_overrides(rules: dict[str, Any], prefix: str = "rules") -> list[str]:
    """--set strings that install `rules` (each top-level key as one YAML value)."""
    return [f"{prefix}.{k}={yaml.safe_dump(v, default_flow_style=True).strip()}" for k, v in rules.items()]


def load_rules_case(rules: dict[str, Any] | None = None, extra: list[str] | tuple[str, ...] = ()):
    """The shared case with `rules` (a mapping like the YAML `rules:` section) and extra --set strings."""
    from planner.api import load_scenario

    return load_scenario(RULES_YAML, [*rules_overrides(rules or {}), *extra])


def _write(path: Path, rows: list[dict]) -> None:
    cols = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})


def write_case(
    root: Path,
    *,
    options: list[dict],
    gaps: list[dict],
    contributions: list[tuple],
    partners: list[dict] | None = None,
    config: dict | None = None,
) -> Path:
    """Write a case and return its YAML path. Options default to partner p1, sector s1, kind buyer;
    gaps to sector s1; partners and sectors default to those mentioned."""
    root = Path(root)
    (root / "in").mkdir(parents=True, exist_ok=True)
    options = [
        {
            "option_id": o["option_id"],
            "partner_id": o.get("partner_id", "p1"),
            "sector_id": o.get("sector_id", "s1"),
            "kind": o.get("kind", "buyer"),
            **o,
        }
        for o in options
    ]
    gaps = [{"gap_id": g["gap_id"], "sector_id": g.get("sector_id", "s1"), "name": g["gap_id"], **g} for g in gaps]
    if partners is None:
        partners = [{"partner_id": p, "name": p} for p in dict.fromkeys(o["partner_id"] for o in options)]
    sectors = [
        {"sector_id": s, "name": s}
        for s in dict.fromkeys([*(g["sector_id"] for g in gaps), *(o["sector_id"] for o in options)])
    ]
    _write(root / "in" / "partners.csv", partners)
    _write(root / "in" / "sectors.csv", sectors)
    _write(root / "in" / "gaps.csv", gaps)
    _write(root / "in" / "options.csv", options)
    _write(root / "in" / "contributions.csv", [{"option_id": o, "gap_id": g, "amount": a} for o, g, a in contributions])
    cfg = {
        "name": "case",
        "inputs": "in",
        "objective": {"sense": "max_coverage", "cost_resource": "budget_musd"},
        **(config or {}),
    }
    path = root / "case.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path
