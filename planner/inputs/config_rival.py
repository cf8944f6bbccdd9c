"""The `rival:` section: a rival who courts the same partners (`planner rival`, docs/rival.md).

    rival:
      name: China
      budget: 3            # what the rival can spend pulling partners away (≥ 0)
      cost: rival_cost     # partners column: what pulling each partner away costs it (omit: every partner costs 1)
      shield: 0.5          # each option we sign with a partner raises its cost to the rival by this (≥ 0)
      loss: 1.0            # share of a pulled partner's contributions to our gaps that is lost (0–1)

What the column's cells must be, and which scenarios may carry the section, is judged
against the tables in `planner.inputs.validate_rival`.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_COST = 1.0  # what pulling a partner away costs the rival when `cost` names no column


class RivalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("rival", min_length=1)
    budget: float = Field(0.0, ge=0, le=1e12, allow_inf_nan=False)
    cost: str | None = Field(None, min_length=1)  # a partners.csv column; None: DEFAULT_COST for every partner
    shield: float = Field(0.0, ge=0, le=1e12, allow_inf_nan=False)
    loss: float = Field(1.0, ge=0, le=1, allow_inf_nan=False)
