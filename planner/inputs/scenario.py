"""The validated scenario: plain, frozen data the model builder reads."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from planner.inputs.config import ScenarioConfig, input_digest
from planner.inputs.select import SelectionColumns, selection_columns

if TYPE_CHECKING:  # the tables are pandas frames; reading them (validate) imports pandas
    import pandas as pd

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.int64]


def float_column(column: pd.Series) -> FloatArray:
    """A numeric column's values as a float array (NaN where missing)."""
    values: FloatArray = column.to_numpy(dtype=np.float64)
    return values


class ContributionArrays(NamedTuple):
    """The contributions table as arrays, in table order: row `k` says option `option[k]`
    (a row index of `Scenario.options`) covers `amount[k]` of gap `gap[k]` (a row of `gaps`)."""

    option: IndexArray
    gap: IndexArray
    amount: FloatArray


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
    partners: pd.DataFrame
    sectors: pd.DataFrame
    gaps: pd.DataFrame
    options: pd.DataFrame
    contributions: pd.DataFrame
    tables_sha256: str = ""  # digest of the tables alone (see planner.inputs.read.input_digest)

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def cost_resource(self) -> str:
        return self.config.objective.cost_resource

    def gap_targets(self) -> FloatArray:
        """Effective target per gap: the gap's own, else coverage_target × size, else 0."""
        frac = self.config.objective.coverage_target
        target, size = float_column(self.gaps["target"]), float_column(self.gaps["size"])
        if frac is not None:
            target = np.where(np.isnan(target), frac * size, target)
        return np.nan_to_num(target, nan=0.0)

    def gap_weights(self) -> FloatArray:
        """Objective weight per gap: gap weight × its sector's weight, where
        `objective.gap_weights` / `objective.sector_weights` override the tables' weights by id."""
        obj = self.config.objective
        sector_w: dict[Any, float] = {**self.sectors["weight"].to_dict(), **obj.sector_weights}
        gap_w = self.gaps["weight"]
        if obj.gap_weights:
            gap_w = gap_w.copy()
            for gid, w in obj.gap_weights.items():
                gap_w[gid] = w
        return float_column(gap_w) * float_column(self.gaps["sector_id"].map(sector_w))

    def cover_values(self) -> FloatArray:
        """The base objective's value per unit of a gap covered: w[g]/size[g] (w: `gap_weights`);
        inf where that overflows (`planner.inputs.validate.cover_value_problems` refuses it)."""
        with np.errstate(over="ignore", divide="ignore"):
            return self.gap_weights() / float_column(self.gaps["size"])

    # Derived once from the tables, on first use (`functools.cached_property` keeps them in the
    # instance's own dict; a scenario with other tables is another instance, with none).
    @cached_property
    def _contributions(self) -> ContributionArrays:
        o_idx = {o: i for i, o in enumerate(self.options.index)}
        g_idx = {g: j for j, g in enumerate(self.gaps.index)}
        c = self.contributions
        return ContributionArrays(
            c["option_id"].map(o_idx).to_numpy(dtype=np.int64),
            c["gap_id"].map(g_idx).to_numpy(dtype=np.int64),
            float_column(c["amount"]),
        )

    def contribution_arrays(self) -> ContributionArrays:
        """(option index, gap index, amount) arrays of the contributions, in table order."""
        return self._contributions

    @cached_property
    def _by_gap(self) -> dict[str, list[tuple[str, float]]]:
        oi, gi, amt = self.contribution_arrays()
        opts, gaps = self.option_ids(), self.gap_ids()
        out: dict[str, list[tuple[str, float]]] = {g: [] for g in gaps}
        for o, g, a in zip(oi.tolist(), gi.tolist(), amt.tolist()):
            if a > 0:
                out[gaps[g]].append((opts[o], a))
        return out

    def contributions_by_gap(self) -> dict[str, list[tuple[str, float]]]:
        """gap → [(option, amount)] of its positive contributions, in table order."""
        return self._by_gap

    @cached_property
    def _option_ids(self) -> list[str]:
        ids: list[str] = self.options.index.tolist()
        return ids

    def option_ids(self) -> list[str]:
        """Option ids in table order as a plain list (iterating the pandas index is slow)."""
        return self._option_ids

    @cached_property
    def _gap_ids(self) -> list[str]:
        ids: list[str] = self.gaps.index.tolist()
        return ids

    def gap_ids(self) -> list[str]:
        """Gap ids in table order as a plain list."""
        return self._gap_ids

    @cached_property
    def option_position(self) -> dict[str, int]:
        """option id → its row index in `options`."""
        return {o: i for i, o in enumerate(self.option_ids())}

    @cached_property
    def option_partner(self) -> dict[str, str]:
        """option id → its partner id."""
        return dict(zip(self.option_ids(), self.options["partner_id"].tolist()))

    @cached_property
    def select_columns(self) -> SelectionColumns:
        """The plain columns rule groups select on (`planner.inputs.select`)."""
        return selection_columns(self.options, self.partners)

    def with_config(self, config: ScenarioConfig) -> "Scenario":
        """The same tables under another config (numeric settings changed), with its own
        input_sha256; the table-derived arrays carry over, since they read no setting."""
        digest = input_digest(config, self.tables_sha256) if self.tables_sha256 else self.input_sha256
        new = replace(self, config=config, input_sha256=digest)
        for name in (
            "_contributions",
            "_by_gap",
            "_option_ids",
            "_gap_ids",
            "option_position",
            "option_partner",
            "select_columns",
        ):
            if name in self.__dict__:
                new.__dict__[name] = self.__dict__[name]
        return new
