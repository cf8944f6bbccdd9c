"""The validated scenario: plain, frozen data the model builder reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.inputs.config import ScenarioConfig


@dataclass(frozen=True, eq=False)
class Scenario:
    """Config plus typed tables (pandas frames indexed by id, in file order).

    Numeric columns are floats; `options` has one column per resource in `resources`
    (the limited ones and the cost resource) and a `risk` column (the option's own risk,
    else its partner's, else 0); `gaps.target` is NaN where no target is stated.
    """

    config: ScenarioConfig
    scenario_file: Path
    inputs_path: Path
    input_sha256: str
    files: dict[str, str]
    resources: tuple[str, ...]
    partners: Any
    sectors: Any
    gaps: Any
    options: Any
    contributions: Any
    tables_sha256: str = ""  # digest of the tables alone (see planner.inputs.read.input_digest)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def cost_resource(self) -> str:
        return self.config.objective.cost_resource

    def gap_targets(self):
        """Effective target per gap: the gap's own, else coverage_target × size, else 0."""
        import numpy as np

        frac = self.config.objective.coverage_target
        target = self.gaps["target"].to_numpy(dtype=float)
        size = self.gaps["size"].to_numpy(dtype=float)
        if frac is not None:
            target = np.where(np.isnan(target), frac * size, target)
        return np.nan_to_num(target, nan=0.0)

    def gap_weights(self):
        """Objective weight per gap: gap weight × its sector's weight, where
        `objective.gap_weights` / `objective.sector_weights` override the tables' weights by id."""
        obj = self.config.objective
        sector_w = {**self.sectors["weight"].to_dict(), **obj.sector_weights}
        gap_w = self.gaps["weight"]
        if obj.gap_weights:
            gap_w = gap_w.copy()
            for gid, w in obj.gap_weights.items():
                gap_w[gid] = w
        return gap_w.to_numpy(dtype=float) * self.gaps["sector_id"].map(sector_w).to_numpy(dtype=float)

    def contribution_arrays(self):
        """(option index, gap index, amount) arrays of the contributions, in table order (cached)."""
        if "contrib" not in self._cache:
            o_idx = {o: i for i, o in enumerate(self.options.index)}
            g_idx = {g: j for j, g in enumerate(self.gaps.index)}
            c = self.contributions
            self._cache["contrib"] = (
                c["option_id"].map(o_idx).to_numpy(dtype="int64"),
                c["gap_id"].map(g_idx).to_numpy(dtype="int64"),
                c["amount"].to_numpy(dtype=float),
            )
        return self._cache["contrib"]

    def contributions_by_gap(self) -> dict[str, list[tuple[str, float]]]:
        """gap → [(option, amount)] of its positive contributions, in table order (cached)."""
        if "by_gap" not in self._cache:
            oi, gi, amt = self.contribution_arrays()
            opts, gaps = list(self.options.index), list(self.gaps.index)
            out: dict[str, list[tuple[str, float]]] = {g: [] for g in gaps}
            for o, g, a in zip(oi.tolist(), gi.tolist(), amt.tolist()):
                if a > 0:
                    out[gaps[g]].append((opts[o], a))
            self._cache["by_gap"] = out
        return self._cache["by_gap"]

    def option_ids(self) -> list[str]:
        """Option ids in table order as a plain list (cached; iterating the pandas index is slow)."""
        if "option_ids" not in self._cache:
            self._cache["option_ids"] = self.options.index.tolist()
        return self._cache["option_ids"]

    def gap_ids(self) -> list[str]:
        """Gap ids in table order as a plain list (cached)."""
        if "gap_ids" not in self._cache:
            self._cache["gap_ids"] = self.gaps.index.tolist()
        return self._cache["gap_ids"]
