"""What a robust analysis reports: `RobustReport` (robust.json), its progress events and labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

CORE, BORDERLINE, EXTERIOR = "core", "borderline", "exterior"


class Stage(Enum):
    WEIGHT_SET = "weight set"
    VERTICES = "optima at W's vertices"
    NONDOMINATED = "non-dominated portfolios"
    MONTE_CARLO = "Monte Carlo draws"


class Stop(Enum):
    """Why the non-dominated enumeration (the core index) is not complete: `core_index.stopped_by`."""

    MAX_PORTFOLIOS = "max_portfolios"  # it found max_portfolios portfolios
    MAX_VERTICES = "max_vertices"  # it ran on the vertices examined, not all of W's: some may be missing


@dataclass(frozen=True)
class Progress:
    """What `robust` is doing: `done` of `total` (None: not known) in `stage`; `message` once, up front."""

    stage: Stage
    done: int
    total: int | None
    message: str = ""


@dataclass
class RobustReport:
    """What `planner robust` reports; `to_dict()` is robust.json and `--json`."""

    scenario: str
    weights_matter: bool
    factors: list[str] = field(default_factory=list)
    weight_set: dict = field(default_factory=dict)  # vertex count, examined, complete, scale range
    vertices: list[dict[str, float]] = field(default_factory=list)  # examined vertices, statement scale
    vertex_scales: list[float] = field(default_factory=list)  # t at each
    nominal: dict = field(default_factory=dict)
    maximin: dict = field(default_factory=dict)
    minimax_regret: dict = field(default_factory=dict)
    core_index: dict = field(default_factory=dict)
    monte_carlo: dict = field(default_factory=dict)
    options: list[dict] = field(default_factory=list)  # per option: nominal, maximin, minimax_regret, core, mc
    portfolios: list[dict] = field(default_factory=list)  # the non-dominated ones, with value ranges
    solves: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    message: str = ""

    def to_dict(self) -> dict:
        return {
            k: getattr(self, k)
            for k in (
                "scenario",
                "weights_matter",
                "message",
                "factors",
                "weight_set",
                "vertices",
                "vertex_scales",
                "nominal",
                "maximin",
                "minimax_regret",
                "core_index",
                "monte_carlo",
                "portfolios",
                "options",
                "solves",
                "seconds",
            )
        }


def labels(members: list[np.ndarray], n: int) -> list[str]:
    """core (in every portfolio), exterior (in none) or borderline, per option."""
    if not members:
        return [EXTERIOR] * n
    share = np.mean(np.array(members), axis=0)
    return [CORE if s == 1 else EXTERIOR if s == 0 else BORDERLINE for s in share.tolist()]
