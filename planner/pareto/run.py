"""`pareto(scenario, options)`: the exact non-dominated set of two or three objectives.

The model is built once (`planner.pareto.objectives.resolve`) and kept alive in HiGHS
(`planner.solver.lexicographic.LexicographicSession`) with one row per objective; each
ε-constraint solve changes only those rows' bounds. Every figure reported is recomputed
from the portfolio with the numpy face; a solver value is only ever used to set the next
stage's bound, and each point is verified to meet its bounds on the numpy face.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np

from planner.errors import PlannerError
from planner.inputs.scenario import Scenario
from planner.pareto.method import Found, Stop, Stopped, front
from planner.pareto.objectives import ObjectiveSpec, Sense, Setup, resolve
from planner.solver.lexicographic import LexicographicSession
from planner.solver.outcome import Status

Progress = Callable[[int, int], None]  # (points found, lexicographic solves so far)


@dataclass(frozen=True)
class ParetoOptions:
    """What to compute: 2 or 3 objectives; stop after `max_points` points or `time_limit_s` seconds."""

    objectives: tuple[ObjectiveSpec, ...]
    max_points: int | None = None
    time_limit_s: float | None = None


@dataclass(frozen=True)
class ParetoPoint:
    """One non-dominated point: its values (user sense, by objective label) and its one portfolio."""

    values: dict[str, float]
    selected: tuple[str, ...]
    start_year: dict[str, int] | None = None
    supported: bool | None = None  # optimal for some positive weighting (two objectives; None for three)
    entered: tuple[str, ...] = ()  # selected here, not at the previous point
    left: tuple[str, ...] = ()  # selected at the previous point, not here

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "values": self.values,
            "selected": list(self.selected),
            "supported": self.supported,
            "entered": list(self.entered),
            "left": list(self.left),
        }
        if self.start_year is not None:
            out["start_year"] = self.start_year
        return out


class Covered(TypedDict):
    """An incomplete front's guarantee: every point whose `objective` is at most (`side` at_most) or
    at least `value` is listed."""

    objective: str
    side: str
    value: float | None


class Resolution(TypedDict):
    """An objective's lattice: its values are whole multiples of `step` (`exact` False: raised to what the solver resolves)."""

    step: float
    exact: bool


@dataclass
class ParetoResult:
    scenario: Scenario
    objectives: list[ObjectiveSpec]
    points: list[ParetoPoint]
    complete: bool
    stop: Stop | None = None
    covered: Covered | None = (
        None  # when incomplete: every point whose last objective is at most/least `value` is listed
    )
    resolution: dict[str, Resolution] = field(default_factory=dict)
    solves: int = 0  # MILP solves (each lexicographic solve is 3 or 4 stages)
    lexmax: int = 0  # lexicographic solves
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The `--json` payload (and the body of summary.json)."""
        return {
            "kind": "pareto",
            "scenario": self.scenario.name,
            "objectives": [o.to_dict() for o in self.objectives],
            "complete": self.complete,
            "stop": None if self.stop is None else self.stop.value,
            "covered": self.covered,
            "points_count": len(self.points),
            "resolution": self.resolution,
            "solves": self.solves,
            "lexicographic_solves": self.lexmax,
            "seconds": round(self.seconds, 3),
            "points": [p.to_dict() for p in self.points],
        }


class _Oracle:
    """lexmax over the live model; values from the numpy face, checked against the bounds."""

    def __init__(self, setup: Setup, deadline: float | None):
        self.setup = setup
        self.deadline = deadline
        self.per_solve = setup.scenario.config.solver.time_limit_s
        objs = setup.objectives
        self.deltas = [float(o.resolution) for o in objs]
        self.session = LexicographicSession(
            setup.comp, [o.sign * o.vector for o in objs], setup.scenario.config.solver.threads
        )

    def h(self, x: np.ndarray, start: np.ndarray | None) -> tuple[float, ...]:
        """The maximised values h_k = ±f_k, snapped to their lattices (checked to lie on them)."""
        out = []
        for o, delta in zip(self.setup.objectives, self.deltas):
            v = o.sign * o.value(x, start)
            k = round(v / delta)
            if o.resolution_exact and abs(v - k * delta) > 1e-6 * delta + 1e-9 * abs(v):
                raise PlannerError(
                    f"objective {o.spec.label}: value {v!r} is not a multiple of its resolution "
                    f"{delta!r}; the front cannot be certified exact"
                )
            out.append(k * delta if o.resolution_exact else v)
        return tuple(out)

    def lexmax(self, order: Sequence[int], lower: Sequence[float], upper: Sequence[float]) -> Found | None:
        limit = self.per_solve
        if self.deadline is not None:
            left = self.deadline - time.perf_counter()
            if left <= 0:
                raise Stopped
            limit = left if limit is None else min(limit, left)
        out = self.session.solve(lower, order, [d / 2 for d in self.deltas], time_limit=limit, upper=upper)
        if out.status is Status.INFEASIBLE:
            return None
        if out.status in (Status.FEASIBLE, Status.NO_SOLUTION):
            raise Stopped
        if out.status is not Status.OPTIMAL or out.x is None:
            raise PlannerError(
                f"the solver ended a lexicographic solve with status {out.status}: "
                + "; ".join(s.message for s in out.stages)
            )
        h = self.h(out.x, out.start_year)
        for k, (value, bound) in enumerate(zip(h, lower)):
            if value < bound - self.deltas[k] / 4:  # the numpy face must meet what the solver was asked
                raise PlannerError(
                    f"objective {self.setup.objectives[k].spec.label}: the portfolio found is worth "
                    f"{value!r} on the numpy face, below its bound {bound!r}"
                )
        return Found(h, out.x, out.start_year)


def pareto(scenario: Scenario, options: ParetoOptions, progress: Progress | None = None) -> ParetoResult:
    """Every non-dominated point of `options.objectives` (see `planner.pareto.method`), each once,
    each with the least-cost portfolio among those with its values."""
    t0 = time.perf_counter()
    specs = list(options.objectives)
    setup = resolve(scenario, specs)
    deadline = None if options.time_limit_s is None else t0 + options.time_limit_s
    oracle = _Oracle(setup, deadline)
    calls = [0]

    def on_point(_: Found) -> None:
        calls[0] += 1
        if progress is not None:
            progress(calls[0], oracle.session.solves)

    sweep = front(oracle, oracle.deltas, options.max_points, on_point)
    points = _points(setup, sweep.points)
    covered = None
    if sweep.stop is not None:
        # every non-dominated point with h_last < complete_below, i.e. ≤ complete_below − δ/2 on the lattice
        last, below = setup.objectives[-1], sweep.complete_below
        bound = None if below is None or not np.isfinite(below) else last.sign * (below - oracle.deltas[-1] / 2)
        covered = Covered(
            objective=last.spec.label,
            side="at_most" if last.spec.sense is Sense.MAX else "at_least",
            value=None if bound is None else round(bound, 9) + 0.0,
        )
    resolution = {
        o.spec.label: Resolution(step=float(o.resolution), exact=o.resolution_exact) for o in setup.objectives
    }
    return ParetoResult(
        scenario,
        specs,
        points,
        sweep.stop is None,
        sweep.stop,
        covered,
        resolution,
        oracle.session.solves,
        sweep.lexmax_calls,
        time.perf_counter() - t0,
    )


def _points(setup: Setup, found: list[Found]) -> list[ParetoPoint]:
    """The points, best first in the first objective (then the second, third), with what changes."""
    objs = setup.objectives
    ordered = sorted(found, key=lambda y: tuple(-v for v in y.h))
    supported = supported_flags([y.h for y in ordered]) if len(objs) == 2 else [None] * len(ordered)
    ids = setup.base.option_ids()
    out, previous = [], None
    for y, sup in zip(ordered, supported):
        chosen = tuple(o for o, v in zip(ids, y.x.tolist()) if v)
        values = {o.spec.label: round(o.value(y.x, y.start_year), 9) + 0.0 for o in objs}
        starts = None
        if y.start_year is not None and setup.base.config.rules.phasing is not None:
            starts = {o: int(s) for o, s, v in zip(ids, y.start_year.tolist(), y.x.tolist()) if v}
        entered = () if previous is None else tuple(o for o in chosen if o not in previous)
        # in the scenario's order (a set's order changes from run to run with Python's string hashing)
        left = () if previous is None else tuple(o for o in previous if o not in set(chosen))
        out.append(ParetoPoint(values, chosen, starts, sup, entered, left))
        previous = chosen
    return out


def supported_flags(hs: list[tuple[float, ...]]) -> list[bool]:
    """Two maximised objectives, points sorted by h_1 descending (h_2 ascending): a point is
    supported iff it lies on the upper-right boundary of the points' convex hull (it maximises
    λ·h for some λ > 0); points on a hull edge between two extreme points count."""
    n = len(hs)
    if n <= 2:
        return [True] * n
    pts = [(float(a), float(b)) for a, b in hs]
    hull = [0]  # indices of the extreme points, walking from max h_1 to max h_2
    for i in range(1, n):
        while len(hull) >= 2 and _turn(pts[hull[-2]], pts[hull[-1]], pts[i]) <= 0:
            hull.pop()
        hull.append(i)
    flags = [False] * n
    for a, b in zip(hull, hull[1:]):
        flags[a] = flags[b] = True
        for i in range(a + 1, b):  # on the edge a–b (collinear): supported, not extreme
            flags[i] = abs(_turn(pts[a], pts[b], pts[i])) <= 1e-9 * max(1.0, *map(abs, pts[i]))
    return flags


def _turn(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """Cross product (a − o) × (b − o): > 0 turns left."""
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
