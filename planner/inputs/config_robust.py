"""The `robust:` section: what is known about the objective weights (`planner robust`).

    robust:
      sector_weights: {ai: [1.0, 2.0], quantum: [0.5, 1.5]}   # intervals, sectors.csv units
      gap_weights: {ai-frontier-compute: [2, 3]}               # intervals, gaps.csv units
      order: ["semis >= ai", "ai >= quantum"]                 # between sectors, or between gaps

Only ratios of weights matter: the statements hold up to a common scale of every weight.

The weight set itself (`planner.inputs.validate_robust.WeightSet`) is derived from this and
the tables; see docs/robust.md.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from planner.inputs.config_numbers import Amount, Count, PositiveCount, whole

_ORDER = re.compile(r"^\s*(\S+)\s*(>=|<=|≥|≤)\s*(\S+)\s*$")

Interval = tuple[Amount, Amount]
Draws = Annotated[int, whole(0, 100_000)]


def parse_order(text: str) -> tuple[str, str]:
    """`"a >= b"` → (a, b), the heavier first; `"a <= b"` → (b, a). ValueError if malformed."""
    m = _ORDER.match(text)
    if not m:
        raise ValueError(f"an order statement reads 'ID >= ID' (or <=), e.g. 'semis >= ai'; got {text!r}")
    left, op, right = m.groups()
    return (left, right) if op in (">=", "≥") else (right, left)


class RobustConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sector_weights: dict[str, Interval] = Field(default_factory=dict)
    gap_weights: dict[str, Interval] = Field(default_factory=dict)
    order: list[str] = Field(default_factory=list)
    samples: Draws = 100  # Monte Carlo draws from the weight set (0: none)
    seed: Count = 0
    max_portfolios: PositiveCount = 200
    # Solve the optimum at no more than this many vertices of the weight set (minimax regret, the
    # non-dominated portfolios, Monte Carlo); beyond it those report bounds (docs/robust.md).
    max_vertices: PositiveCount = 64

    @field_validator("order")
    @classmethod
    def _orders(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_order(text)
        return value

    def pairs(self) -> list[tuple[str, str]]:
        """Each order statement as (heavier id, lighter id)."""
        return [parse_order(t) for t in self.order]
