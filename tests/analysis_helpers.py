"""Shared helpers for the analysis tests: write scenarios, re-solve them through the public API."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from planner.api import load_scenario, solve

TABLES = ("partners", "sectors", "gaps", "options", "contributions")


def write_scenario(folder: Path, tables: dict[str, pd.DataFrame], config: dict) -> Path:
    """Write tables as CSV and a scenario YAML pointing at them; returns the YAML path."""
    folder.mkdir(parents=True, exist_ok=True)
    inputs = folder / "inputs"
    inputs.mkdir(exist_ok=True)
    for name in TABLES:
        tables[name].to_csv(inputs / f"{name}.csv", index=False)
    cfg = {**config, "inputs": "inputs"}
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


def read_tables(scenario_path: str | Path) -> tuple[dict[str, pd.DataFrame], dict]:
    """The raw tables (as strings) and the resolved config of a scenario."""
    sc = load_scenario(scenario_path)
    inputs = Path(sc.config.inputs)
    tables = {n: pd.read_csv(inputs / f"{n}.csv", dtype=str, keep_default_na=False) for n in TABLES}
    cfg = sc.config.to_plain()
    cfg.pop("extends", None)
    return tables, cfg


def variant(
    scenario_path,
    folder: Path,
    option: str,
    *,
    scale_contributions: float | None = None,
    cost: tuple[str, float] | None = None,
) -> Path:
    """A copy of the scenario with one option's contributions scaled or its cost column set."""
    tables, cfg = read_tables(scenario_path)
    if scale_contributions is not None:
        c = tables["contributions"]
        mask = c["option_id"] == option
        c.loc[mask, "amount"] = [repr(float(a) * scale_contributions) for a in c.loc[mask, "amount"]]
    if cost is not None:
        col, value = cost
        o = tables["options"]
        o.loc[o["option_id"] == option, col] = repr(float(value))
    return write_scenario(folder, tables, cfg)


def selected(path, overrides=()) -> tuple[str, ...]:
    result = solve(load_scenario(path, list(overrides)))
    return result.selected


def yaml_list(items) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"
