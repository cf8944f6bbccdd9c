"""What a robust analysis reports: `RobustReport` (robust.json), its progress events and labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TypedDict

import numpy as np

from planner.solver.outcome import Status

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


class WeightSetSummary(TypedDict, total=False):
    """robust.json's `weight_set`."""

    vertex_count: int
    max_vertices: int
    nominal_total: float
    scale_range: list[float | None]
    vertices_examined: int
    complete: bool


class PortfolioFigures(TypedDict, total=False):
    """robust.json's `nominal`, `maximin` and `minimax_regret`: one portfolio's figures over W (the
    keys each has: see docs/robust.md). `status` is the solve's: the nominal's only when the weights
    do not matter or the scenario is infeasible, the maximin MILP's always."""

    objective: float | None
    worst_case: float
    worst_weights: dict[str, float]
    worst_scale: float
    max_regret: float
    max_regret_upper: float | None
    selected: list[str]
    status: Status
    gap: float | None
    lower_bound: float
    iterations: int
    complete: bool


class CoreIndex(TypedDict, total=False):
    """robust.json's `core_index`: core, borderline or exterior per option over the non-dominated portfolios."""

    complete: bool
    stopped_by: str | None
    portfolios: int
    options: dict[str, str]
    max_portfolios: int
    sampled: dict[str, str]  # when the enumeration stopped: the labels of the Monte Carlo draws


class MonteCarloSummary(TypedDict):
    """robust.json's `monte_carlo`."""

    samples: int
    seed: int
    sampling: str
    frequency: dict[str, float]


class OptionRow(TypedDict):
    """One row of robust_options.csv (robust.json's `options`)."""

    option_id: str
    nominal: int
    maximin: int
    minimax_regret: int
    core: str
    nondominated_share: float
    mc_frequency: float | None


# One non-dominated portfolio (robust_portfolios.csv): rank, selected, min, max, vertex_values and its
# use of the cost resource, under that resource's name (e.g. budget_musd).
PortfolioRow = dict[str, int | float | list[str] | list[float]]


@dataclass
class RobustReport:
    """What `planner robust` reports; `to_dict()` is robust.json and `--json`.

    `status` is the nominal solve's: `Status.INFEASIBLE` when no portfolio meets the scenario's
    rows (then nothing else is filled in). It is not written to robust.json (`nominal.status` is)."""

    scenario: str
    weights_matter: bool
    factors: list[str] = field(default_factory=list)
    weight_set: WeightSetSummary = field(default_factory=lambda: WeightSetSummary())  # vertex count, examined, …
    vertices: list[dict[str, float]] = field(default_factory=list)  # examined vertices, statement scale
    vertex_scales: list[float] = field(default_factory=list)  # t at each
    nominal: PortfolioFigures = field(default_factory=lambda: PortfolioFigures())
    maximin: PortfolioFigures = field(default_factory=lambda: PortfolioFigures())
    minimax_regret: PortfolioFigures = field(default_factory=lambda: PortfolioFigures())
    core_index: CoreIndex = field(default_factory=lambda: CoreIndex())
    monte_carlo: MonteCarloSummary | dict[str, object] = field(default_factory=dict)
    options: list[OptionRow] = field(default_factory=list)  # per option: nominal, maximin, minimax_regret, core, mc
    portfolios: list[PortfolioRow] = field(default_factory=list)  # the non-dominated ones, with value ranges
    solves: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    message: str = ""
    status: Status = Status.OPTIMAL

    def to_dict(self) -> dict[str, object]:
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
