"""Build once, re-solve in-process: the solver model every sensitivity command shares.

An `Engine` builds the base scenario's model once (`planner.model.assemble` → `compile_model`)
and keeps one live model (`planner.solver.live.LiveModel`). For each point it gets
the point's scenario (`points.ScenarioFactory`), and then either

- **fast path**: computes the point's arrays from its tables (`arrays.Layout`) and pushes
  only what differs into the live model — changed row bounds (`changeRowsBounds`),
  changed matrix values (`changeCoeff`), the new cost vectors; or
- **rebuild path** (the structure changed: a rule, a new limit, an unknown rule family):
  builds and compiles the point's model exactly as `planner solve` does.

Either way the point is solved by the same two-stage `LiveModel.solve` as
`planner solve` (optimum, then least cost_resource among optima), optionally from a MIP
start (a neighbouring point's portfolio, which HiGHS completes or ignores if infeasible),
and every reported figure is recomputed by `planner.results.evaluation.evaluate` from the selected
ids and the point's scenario — never read from the solver.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from planner.model.assemble import build
from planner.results.evaluation import evaluate
from planner.inputs.read import RawInputs
from planner.inputs.scenario import Scenario
from planner.model.compile import compile_model
from planner.solver.search import Search
from planner.solver.live import LiveModel
from planner.solver.outcome import SolveOutcome, Stage, Status, reported_gap
from planner.sensitivity.arrays import Layout, PointArrays
from planner.sensitivity.points import NUMERIC, ScenarioFactory, Source

FAST, REBUILD = "fast", "rebuild"


@dataclass
class PointResult:
    """One solved point. Figures come from `evaluate`, status/bound/gap from the solver."""

    status: Status
    objective: float | None
    bound: float | None
    mip_gap: float | None
    selected: tuple[str, ...]
    resource_use: dict[str, float]
    solve_seconds: float
    path: str  # "fast" (in-place re-solve) or "rebuild"
    message: str = ""
    x: np.ndarray | None = field(default=None, repr=False)
    covered: np.ndarray | None = field(default=None, repr=False)  # per gap, scenario order
    stages: tuple[Stage, ...] = field(default=(), repr=False)  # the solver's stages

    @property
    def has_portfolio(self) -> bool:
        return self.x is not None


class Engine:
    """One long-lived solver model for many points of one base scenario."""

    def __init__(self, raw: RawInputs, threads: int | None = None, base: Scenario | None = None):
        self.factory = ScenarioFactory(raw, base)
        self.threads = threads
        self.base_comp = compile_model(build(self.factory.base))
        self.layout = Layout.of(self.base_comp, self.factory.base)
        self.live: LiveModel | None = None
        self.live_is_base = False
        self.counts = {FAST: 0, REBUILD: 0}
        self.search = Search.RESOLVE  # how HiGHS searches (`Search.SAMPLES` for independent samples)

    @classmethod
    def of(cls, source: Source, threads: int | None = None) -> Engine:
        """The engine of a run's `Source` (its scenario is the base: nothing is read or validated)."""
        return cls(source.raw, threads, base=source.scenario)

    @property
    def base(self) -> Scenario:
        return self.factory.base

    def fork(self, threads: int | None = None) -> Engine:
        """Another engine of the same base — sharing its built model, layout and scenario factory —
        with a live model of its own (e.g. for another thread)."""
        other = copy.copy(self)
        other.threads = self.threads if threads is None else threads
        other.live, other.live_is_base, other.counts = None, False, {FAST: 0, REBUILD: 0}
        return other

    def scenario(self, overrides: Iterable[tuple[str, Any]] = ()) -> tuple[Scenario, frozenset[str] | None]:
        """The point's scenario and what changed, or None for a structural change (see `points`)."""
        return self.factory.scenario(overrides)

    def reset(self) -> LiveModel:
        """Start from a fresh copy of the base model (makes a block's results independent of history)."""
        self.live = LiveModel(self.base_comp, self.threads, search=self.search)
        self.live_is_base = True
        return self.live

    def _push(self, arrays: PointArrays, layout: Layout) -> None:
        """Change only what differs between the live model and `arrays`."""
        live = self.live if self.live is not None and self.live_is_base else self.reset()
        comp = live.comp
        rows = np.flatnonzero((comp.row_lower != arrays.row_lower) | (comp.row_upper != arrays.row_upper))
        live.set_row_bounds(rows, arrays.row_lower[rows], arrays.row_upper[rows])
        pos = np.flatnonzero(comp.value != arrays.value)
        live.set_entries(pos, arrays.value[pos], layout.row_of_pos[pos])
        live.set_objectives(arrays.primary, arrays.secondary)

    def prepare(self, scenario: Scenario, changes: frozenset[str] | None = NUMERIC) -> str:
        """Load `scenario`'s model into the live session; returns the path taken. `changes` says
        what differs from the base ({"settings"}, perturbed "<table>.<column>"s), None = structure."""
        layout = self.layout
        arrays = layout.arrays(scenario, changes) if (layout is not None and changes is not None) else None
        if arrays is not None and layout is not None:
            self._push(arrays, layout)
            return FAST
        self.live = LiveModel(compile_model(build(scenario)), self.threads, own=False, search=self.search)
        self.live_is_base = False
        return REBUILD

    def solve(
        self,
        scenario: Scenario,
        changes: frozenset[str] | None = NUMERIC,
        *,
        start_x: np.ndarray | None = None,
        time_limit_s: float | None = None,
        mip_gap: float | None = None,
    ) -> PointResult:
        """Solve one point (see the module doc); `start_x` is a 0/1 vector over options, or None."""
        t0 = time.perf_counter()
        path = self.prepare(scenario, changes)
        self.counts[path] += 1
        cfg = scenario.config.solver
        live = self.live
        assert live is not None  # `prepare` loaded the point's model
        start = None if start_x is None else (live.comp.x_cols, np.asarray(start_x, dtype=float))
        outcome = live.solve(
            cfg.time_limit_s if time_limit_s is None else time_limit_s,
            cfg.mip_gap if mip_gap is None else mip_gap,
            cfg.tie_break,
            start,
        )
        return point_result(scenario, outcome, path, time.perf_counter() - t0)


def point_result(scenario: Scenario, outcome: SolveOutcome, path: str, seconds: float) -> PointResult:
    stages = tuple(outcome.stages)
    if outcome.x is None:
        return PointResult(
            outcome.status, None, outcome.bound, outcome.mip_gap, (), {}, seconds, path, outcome.message, stages=stages
        )
    ev = evaluate(scenario, outcome.x)
    selected = tuple(scenario.options.index[ev.x.astype(bool)])
    return PointResult(
        outcome.status,
        ev.objective,
        outcome.bound,
        reported_gap(outcome, ev.objective),
        selected,
        ev.resource_use,
        seconds,
        path,
        outcome.message,
        ev.x,
        ev.covered,
        stages,
    )
