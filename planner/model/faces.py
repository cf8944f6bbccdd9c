"""The numpy face of the model: a portfolio's state, and what each part of the model says of it.

Every part of the model (the base rows and each rule family) is written once, with two
faces side by side in its module: `add_<part>(model)` adds its rows and columns to the
MILP, and `evaluate_<part>(state)` says, with numpy alone, what those rows and columns are
worth at a given portfolio — the value of each auxiliary column (coverage, indicators,
segments: the value the MILP takes at that portfolio) and each row's activity and bounds.
`tests/test_two_faces.py` holds the faces together: at a fixed portfolio, the MILP's rows
and objective evaluated at these column values equal the numpy face, for every family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from planner.inputs.scenario import FloatArray, Scenario, float_column

# What a column stands for: (family or prefix, *its key), e.g. ("x", option), ("diversify_z", i, partner).
VarKey = tuple[Any, ...]

INF = float("inf")


@dataclass(frozen=True)
class State:
    """A portfolio of a scenario: x[o] ∈ {0,1} in option order, covered[g] = min(size, Σ a·x),
    and under time phasing the start-year index per option (−1 where not started)."""

    scenario: Scenario
    x: NDArray[np.int8]
    covered: FloatArray
    start: NDArray[np.int64] | None = None

    @classmethod
    def of(cls, scenario: Scenario, x: ArrayLike, start: NDArray[np.int64] | None = None) -> "State":
        x01 = np.asarray(x, dtype=np.int8)
        oi, gi, amt = scenario.contribution_arrays()
        raw = np.bincount(gi, weights=amt * x01[oi], minlength=len(scenario.gaps))
        covered = np.minimum(raw, float_column(scenario.gaps["size"]))
        return cls(scenario, x01, covered, start)


@dataclass(frozen=True)
class RowValue:
    """A row at a portfolio: its activity (left-hand side) and bounds, as the MILP states them."""

    activity: float
    lower: float
    upper: float

    def violation(self) -> float:
        """How far the activity lies outside [lower, upper] (0 when the row holds)."""
        return max(0.0, self.lower - self.activity, self.activity - self.upper)


@dataclass
class Face:
    """What one part of the model says of a portfolio: row ident → value, column key → value."""

    rows: dict[str, RowValue] = field(default_factory=dict)
    columns: dict[VarKey, float] = field(default_factory=dict)

    def row(self, ident: str, activity: float, lower: float = -INF, upper: float = INF) -> None:
        self.rows[ident] = RowValue(float(activity), float(lower), float(upper))
