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

`source_of(scenario)` gives what a run starts from (`Source`): the validated scenario and the
raw inputs a structural change re-validates — read again from its files when they say what
the scenario says, else made from the scenario's own tables (`raw_of`: a scenario changed in
memory, e.g. a table cell edited with pandas, is swept exactly as the same change written
to its files would be).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.inputs.config import ScenarioConfig, input_digest, parse_config
from planner.inputs.read import RawInputs, apply_overrides, raw_from_config
from planner.inputs.schema import TABLES
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


@dataclass(frozen=True)
class Source:
    """What a sensitivity run starts from: the validated scenario (the base every point
    derives from) and the raw tables it re-validates for a structural change. Pickled to
    every worker, so no worker reads a file or validates the base again."""

    scenario: Scenario
    raw: RawInputs
    from_files: bool = True  # False: the tables are the scenario's own, changed in memory (`raw_of`)


def source_of(scenario: Scenario) -> Source:
    """The scenario and its raw inputs: read again from its files when they say what
    `scenario` says; otherwise (it was changed in memory, or its files changed or are gone)
    made from the scenario's own tables (`raw_of`), with digests of those tables."""
    if _matches_files(scenario):
        return Source(scenario, raw_from_config(scenario.config, scenario.scenario_file))
    raw = raw_of(scenario)
    own = dataclasses.replace(scenario, input_sha256=raw.input_sha256, tables_sha256=raw.tables_sha256)
    return Source(own, raw, from_files=False)


def raw_inputs(scenario: Scenario) -> RawInputs:
    """The raw inputs a run re-validates `scenario` from for structural changes (see `source_of`)."""
    return source_of(scenario).raw


def _matches_files(scenario: Scenario) -> bool:
    """True if validating the scenario's files under its settings gives the same scenario."""
    try:
        raw = raw_from_config(scenario.config, scenario.scenario_file)
        if raw.input_sha256 != scenario.input_sha256:
            return False
        fresh = validate(raw)
    except InputError:
        return False
    return (
        fresh.config == scenario.config
        and fresh.resources == scenario.resources
        and all(getattr(fresh, t).equals(getattr(scenario, t)) for t in _TABLES)
    )


def raw_of(scenario: Scenario) -> RawInputs:
    """Raw (text) tables that validate, under any settings, as the scenario's own tables would
    (every number written so it reads back exactly, a blank for "not stated", booleans as
    true/false), with the scenario's settings and a digest of those tables."""
    tables = {name: _text_table(getattr(scenario, name)) for name in TABLES}
    digest = hashlib.sha256()
    for name in TABLES:
        digest.update(name.encode() + b"\0" + tables[name].to_csv(index=False).encode() + b"\0")
    tables_sha = digest.hexdigest()
    return RawInputs(
        config=scenario.config,
        scenario_file=scenario.scenario_file,
        inputs_path=scenario.inputs_path,
        tables=tables,
        files=dict(scenario.files),
        input_sha256=input_digest(scenario.config, tables_sha),
        tables_sha256=tables_sha,
    )


def _text_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A validated table as the text cells a file would hold (the id index dropped: it is a column)."""
    plain = frame.reset_index(drop=True)
    return pd.DataFrame(
        {str(col): [_text(v) for v in plain[col].tolist()] for col in plain.columns}, dtype=object, columns=None
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        return "" if math.isnan(value) else repr(float(value))
    return str(value)


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
        digest = input_digest(cfg, self.raw.tables_sha256) if self.raw.tables_sha256 else self.raw.input_sha256
        return validate(dataclasses.replace(self.raw, config=cfg, input_sha256=digest)), None  # its own digest


def perturbed(scenario: Scenario, tables: dict[str, Any]) -> Scenario:
    """The scenario with some typed tables replaced (same ids and order; numbers changed)."""
    return dataclasses.replace(scenario, **tables)
