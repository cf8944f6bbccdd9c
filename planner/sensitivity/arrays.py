"""A scenario's solver arrays computed straight from its tables, without PuLP.

`Layout.of(comp, scenario)` reads, once, where every number of the built model lives in
the compiled arrays (`planner.model.compile.Compiled`), from the rows' tags and the
columns' keys — never from names: the `limit` row of each resource, the `target` row of
each gap, the position of `use[o,r]` in a limit row and of `−amount[o,g]` in gap g's
`link` row, and the columns of `x[o]` and `("cover", g)`. `layout.arrays(scenario)` then
gives the row bounds, matrix values and objective vectors that
`compile_model(build(scenario))` would give for a scenario with the same ids and the same
*structure* — or None when the structure differs (an unknown rule family, a new limit, a
zero that became non-zero, a target that appeared), in which case the caller rebuilds the
model. The objective comes from `planner.model.base.objective_vectors`, the one statement
of its formula; tests compare the arrays with a fresh build on every kind of change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.model.base import objective_vectors
from planner.inputs.scenario import Scenario
from planner.model.compile import Compiled
from planner.model.rules import REGISTRY

# What changed between the base and a point: "settings" (limits, weights, the risk penalty —
# numbers in the scenario file) and "<table>.<column>" for perturbed table columns.
SETTINGS = "settings"


def _reads(family: str) -> frozenset[str] | None:
    """What a family's rows read besides the selection (the registry's `Family.reads`); None: the
    family (objective terms, limits, phasing, or one the registry does not know) is rebuilt for
    every point — correct, only slower. tests/test_sens_engine.py checks every family that reads."""
    known = REGISTRY.get(family)
    return None if known is None else known.reads


@dataclass
class PointArrays:
    row_lower: np.ndarray
    row_upper: np.ndarray
    value: np.ndarray
    primary: np.ndarray
    secondary: np.ndarray


@dataclass
class Layout:
    base: Compiled
    options: pd.Index  # option ids (order of x)
    gaps: pd.Index  # gap ids
    limit_rows: dict[str, int]
    target_rows: np.ndarray  # per gap: row index or -1
    use_pos: dict[str, tuple[np.ndarray, np.ndarray]]  # resource -> (value positions, option indices)
    contrib_pos: np.ndarray  # per contributions row: value position, or -1 where amount is 0
    cover_cols: np.ndarray
    x_cols: np.ndarray
    row_of_pos: np.ndarray  # row index of every matrix entry
    families: frozenset[str] = frozenset()

    @classmethod
    def of(cls, comp: Compiled, sc: Scenario) -> "Layout | None":
        """The layout of `sc`'s compiled model, or None if it has rows this module cannot recompute."""
        families = frozenset(tag.family for tag in comp.tags)
        if any(_reads(f) is None for f in families):
            return None
        rows: dict[str, dict[str, int]] = {"limit": {}, "target": {}, "link": {}}
        for i, tag in enumerate(comp.tags):
            if tag.family in rows and tag.subject is not None:
                rows[tag.family][tag.subject] = i
        row_of_pos = np.repeat(np.arange(len(comp.row_names)), np.diff(comp.start))
        pos_of = {(int(r), int(c)): p for p, (r, c) in enumerate(zip(row_of_pos, comp.index))}
        x_cols = comp.x_cols.astype(np.int64)
        cover_col = {key[1]: j for j, key in enumerate(comp.col_keys) if key[0] == "cover"}
        cover_cols = np.array([cover_col[g] for g in sc.gap_ids()], dtype=np.int64)

        limit_rows, use_pos = {}, {}
        for res in sc.config.limits:
            row = limit_rows[res] = rows["limit"][res]
            opts = [i for i, c in enumerate(x_cols) if (row, int(c)) in pos_of]
            use_pos[res] = (
                np.array([pos_of[(row, int(x_cols[i]))] for i in opts], dtype=np.int64),
                np.array(opts, dtype=np.int64),
            )
        target_rows = np.array([rows["target"].get(g, -1) for g in sc.gap_ids()], dtype=np.int64)
        link_rows = [rows["link"][g] for g in sc.gap_ids()]
        oi, gi, _ = sc.contribution_arrays()
        contrib_pos = np.array([pos_of.get((link_rows[g], int(x_cols[o])), -1) for o, g in zip(oi, gi)], dtype=np.int64)
        return cls(
            comp,
            sc.options.index,
            sc.gaps.index,
            limit_rows,
            target_rows,
            use_pos,
            contrib_pos,
            cover_cols,
            x_cols,
            row_of_pos,
            families,
        )

    def reads(self, changes: frozenset[str]) -> bool:
        """True if a rule family of the model reads any of `changes` (so it must be rebuilt)."""
        tables = {c.split(".")[0] + ".*" for c in changes}
        return any((_reads(f) or frozenset()) & (changes | tables) for f in self.families)

    def arrays(self, sc: Scenario, changes: frozenset[str] = frozenset({SETTINGS})) -> PointArrays | None:
        """Row bounds, matrix values and costs of `sc`'s model, or None if its structure differs
        or a rule family reads something in `changes`."""
        base = self.base
        if self.reads(changes):
            return None
        if not (_same_index(sc.options.index, self.options) and _same_index(sc.gaps.index, self.gaps)):
            return None
        if list(sc.config.limits) != list(self.limit_rows):
            return None
        row_lower, row_upper, value = base.row_lower.copy(), base.row_upper.copy(), base.value.copy()
        for res, limit in sc.config.limits.items():
            row_upper[self.limit_rows[res]] = float(limit)
            use = sc.options[res].to_numpy(dtype=float)
            pos, opts = self.use_pos[res]
            if np.count_nonzero(use) != len(opts) or np.any(use[opts] == 0):
                return None
            value[pos] = use[opts]
        targets = sc.gap_targets()
        if not np.array_equal(targets > 0, self.target_rows >= 0):
            return None
        has = self.target_rows >= 0
        row_lower[self.target_rows[has]] = targets[has]
        _, _, amount = sc.contribution_arrays()
        if len(amount) != len(self.contrib_pos):
            return None
        linked = self.contrib_pos >= 0
        if np.any(amount[linked] == 0) or np.any(amount[~linked] != 0):
            return None
        value[self.contrib_pos[linked]] = -amount[linked]
        primary, secondary = self._objectives(sc)
        return PointArrays(row_lower, row_upper, value, primary, secondary)

    def _objectives(self, sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
        """Min-sense primary and tie-break vectors: `objective_vectors` placed on the columns."""
        n = len(self.base.col_names)
        primary, secondary = np.zeros(n), np.zeros(n)
        vectors = objective_vectors(sc)
        sign = -1.0 if self.base.maximize else 1.0  # as `compile_model` states the primary
        primary[self.cover_cols] = sign * vectors.cover
        primary[self.x_cols] = sign * vectors.x
        secondary[self.x_cols] = vectors.tie_break
        return primary, secondary


def _same_index(a: pd.Index, b: pd.Index) -> bool:
    return a is b or a.equals(b)
