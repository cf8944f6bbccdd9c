"""A point's scenario: the base scenario with overrides, derived without re-reading files.

`ScenarioFactory(raw)` validates the base once. `scenario(overrides)` applies dotted
`(key, value)` overrides to the base settings exactly as `--set` does (same merge, same
pydantic checks) and returns a Scenario:

- when only *numeric settings the tables do not depend on* changed (an existing limit's
  value, the risk penalty, a weight override, the solver's time limit or gap), the base's
  validated tables are reused with the new settings — the same Scenario `validate` would
  return, without the cost;
- otherwise (a rule, a new limit, the objective's sense, …) the raw tables are validated
  again against the new settings, exactly as `planner solve --set` would; when `inputs`
  names other tables, those are read (`read.raw_from_config`, as `planner solve --set inputs=…`).

`perturbed(scenario, tables)` swaps in perturbed typed tables (Monte Carlo).

`raw_inputs(scenario)` gives the raw inputs a validated scenario came from (read again from
its files): what a factory re-validates and what every worker process starts from.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Iterable

from planner.inputs.config import ScenarioConfig, parse_config
from planner.errors import InputError, Problem
from planner.inputs.read import RawInputs, apply_overrides, raw_from_config
from planner.inputs.scenario import Scenario
from planner.inputs.validate import cover_value_problems, validate
from planner.sensitivity.arrays import SETTINGS

NUMERIC = frozenset({SETTINGS})  # only numeric settings changed: the base model, new numbers

# Settings that change numbers but never which rows, columns or tables exist.
_NUMERIC_SETTINGS = ("objective.risk_penalty", "solver.time_limit_s", "solver.mip_gap")


def leaf_paths(data: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings into {dotted.path: leaf value} (an empty mapping has no leaves)."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(leaf_paths(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def changed_paths(a: ScenarioConfig, b: ScenarioConfig) -> list[str]:
    """Dotted paths whose values differ between two settings (added or removed count too)."""
    pa, pb = leaf_paths(a.to_plain()), leaf_paths(b.to_plain())
    return sorted(k for k in pa.keys() | pb.keys() if pa.get(k, _MISSING) != pb.get(k, _MISSING))


_MISSING = object()


def numeric_only(base: Scenario, paths: Iterable[str]) -> bool:
    """True if every changed path is a numeric setting whose change leaves the tables valid."""
    limits = set(base.config.limits)
    sectors, gaps = set(base.sectors.index), set(base.gaps.index)
    for path in paths:
        if path in _NUMERIC_SETTINGS:
            continue
        head, _, rest = path.partition(".")
        if head == "limits" and rest in limits:
            continue
        if path.startswith("objective.sector_weights.") and path.split(".", 2)[2] in sectors:
            continue
        if path.startswith("objective.gap_weights.") and path.split(".", 2)[2] in gaps:
            continue
        return False
    return True


_TABLES = ("partners", "sectors", "gaps", "options", "contributions")


def raw_inputs(scenario: Scenario) -> RawInputs:
    """The raw inputs `scenario` was validated from, read again from its files.

    A sensitivity run re-validates them for structural changes and starts every worker from
    them, so they must say what `scenario` says: InputError if the files changed since the
    scenario was loaded, or its settings or tables were changed in memory (pass the change
    as a sweep axis, a perturbation or a `--set` override instead)."""
    raw = raw_from_config(scenario.config, scenario.scenario_file)
    same = raw.input_sha256 == scenario.input_sha256
    if same:
        fresh = validate(raw)
        same = (
            fresh.config == scenario.config
            and fresh.resources == scenario.resources
            and all(getattr(fresh, t).equals(getattr(scenario, t)) for t in _TABLES)
        )
    if not same:
        raise InputError(
            Problem(
                file=str(scenario.scenario_file),
                value=scenario.name,
                message="the scenario differs from its files (they changed since it was loaded, or it was "
                "changed in memory); load it again with planner.load_scenario, and state changes "
                "as overrides, sweep axes or perturbations",
            )
        )
    return raw


class ScenarioFactory:
    """Derives point scenarios from one set of raw inputs (validated once)."""

    def __init__(self, raw: RawInputs, base: Scenario | None = None):
        self.raw = raw
        self.base = base if base is not None else validate(raw)

    def config(self, overrides: Iterable[tuple[str, Any]]) -> ScenarioConfig:
        """The base settings with overrides applied and checked (raises InputError naming the key)."""
        overrides = list(overrides)
        if not overrides:
            return self.base.config
        data = apply_overrides(self.base.config.to_plain(), overrides)
        return parse_config(data, str(self.raw.scenario_file))

    def scenario(self, overrides: Iterable[tuple[str, Any]]) -> tuple[Scenario, frozenset[str] | None]:
        """(scenario, changes): the point's scenario, and {"settings"} if only numeric settings
        changed (the model's structure is the base's) or None if it must be rebuilt."""
        cfg = self.config(overrides)
        if cfg == self.base.config:
            return self.base, NUMERIC
        if cfg.inputs != self.raw.config.inputs:  # other tables: read them, as `planner solve --set inputs=…` does
            return validate(raw_from_config(cfg, self.raw.scenario_file)), None
        limits_ok = all(math.isfinite(v) and v >= 0 for v in cfg.limits.values())  # else validate says why
        if limits_ok and numeric_only(self.base, changed_paths(self.base.config, cfg)):
            # The tables are the base's, so their derived arrays are too (settings-free).
            point = self.base.with_config(cfg)
            problems = cover_value_problems(point)  # what validation checks of weights × tables
            if problems:
                raise InputError(problems)
            return point, NUMERIC
        return validate(dataclasses.replace(self.raw, config=cfg)), None


def perturbed(scenario: Scenario, tables: dict[str, Any]) -> Scenario:
    """The scenario with some typed tables replaced (same ids and order; numbers changed)."""
    return dataclasses.replace(scenario, **tables)
