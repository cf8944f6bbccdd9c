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

from planner.inputs.config_numbers import Amount, Fraction  # every number bounded like a table cell

DEFAULT_COST = 1.0  # what pulling a partner away costs the rival when `cost` names no column


class RivalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("rival", min_length=1)
    budget: Amount = 0.0
    cost: str | None = Field(None, min_length=1)  # a partners.csv column; None: DEFAULT_COST for every partner
    shield: Amount = 0.0
    loss: Fraction = 1.0
