"""The frontier's walk down one resource's limit, on one thread or several, with the serial walk's answer.

The serial walk (`planner.sensitivity.frontier`): L ← hi; repeat: P ← solve(L); U ← use(P);
record P on [U, L]; L ← U − δ(U) — until L < lo or no portfolio exists. Each solve needs the
one before it, so threads cannot share one walk. Each *walker* (a live model of its own;
HiGHS releases the GIL while it solves) walks *runs*: a run walks the same way from its
`start` until its next limit falls below its `stop`. The first walker takes the whole range;
an idle walker takes the lower half of what the busiest run has left (lowering that run's
stop), so both cores stay busy whatever the breakpoints' density.

`replay` then repeats the serial walk over what the runs found, limit by limit. At limit L
it takes the point solved at exactly L — the runs solve the serial walk's own limits: a run
started at s first finds the segment holding s, which the run above it ends on too, and
from the next limit on the two walks coincide. Failing that (a use within δ of a run's
start), a proven least-cost optimum found at L' ≥ L with use U ≤ L (it is the answer for
every limit in [U, L']), or a proven infeasibility at L' ≥ L; only if none holds is L
solved there and then. So the frontier is the serial walk's, segment for segment, with
any number of walkers; a run's first solve, which repeats a segment, is not one of its solves.

The fast walker changes only the limit row's bound on its live model (when the scenario's
arrays show that the limit moves nothing else) and, where a solve has one answer whatever
the search (`LiveModel.resolve_applies`), starts each solve from the best sub-portfolio of
the previous limit's portfolio (`LiveModel.best_within`); otherwise each point is the
engine's (`Engine.solve` on the point's scenario), as one `planner solve` of it.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

from planner.inputs.scenario import Scenario
from planner.model.rules.replan import charged_beyond_use
from planner.sensitivity.engine import FAST, Engine, PointResult, point_result
from planner.solver.search import Search
from planner.solver.live import LiveModel
from planner.solver.outcome import Status

Progress = Callable[[int, int | None], None]


def delta(used: float) -> float:
    """How far below a portfolio's use the next limit goes."""
    return 1e-6 * max(1.0, abs(used))


@dataclass(frozen=True)
class Point:
    """One solve of the walk: the limit, the portfolio's use U (None without a portfolio), the result."""

    limit: float
    used: float | None
    result: PointResult


class Walker(Protocol):
    exact: bool  # every solve has one answer whatever the search or the start (see `LiveModel.resolve_applies`)

    def solve(self, limit: float, previous: PointResult | None) -> Point: ...


class LimitWalker:
    """Re-solves the base model with only the limit row's upper bound changed, in place."""

    def __init__(self, live: LiveModel, row: int, scenario: Scenario, resource: str, time_limit_s: float | None):
        cfg = scenario.config.solver
        self.live, self.row, self.scenario, self.resource = live, row, scenario, resource
        self.time_limit = cfg.time_limit_s if time_limit_s is None else time_limit_s
        self.mip_gap, self.tie_break = cfg.mip_gap, cfg.tie_break
        self.lower = float(live.comp.row_lower[row])
        self.exact = live.resolve_applies(self.mip_gap, self.tie_break)

    def solve(self, limit: float, previous: PointResult | None) -> Point:
        t0 = time.perf_counter()
        live = self.live
        live.set_row_bounds([self.row], [self.lower], [limit])
        start = None
        if self.exact and previous is not None and previous.x is not None:
            start = live.best_within(previous.x, self.time_limit)
        outcome = live.solve(self.time_limit, self.mip_gap, self.tie_break, start)
        result = point_result(self.scenario, outcome, FAST, time.perf_counter() - t0)
        return Point(limit, _use(self.scenario, result, self.resource), result)


class EngineWalker:
    """Solves each limit's scenario on an engine (rebuilt where the limit changes more than a bound)."""

    def __init__(self, engine: Engine, resource: str, time_limit_s: float | None):
        self.engine, self.resource, self.time_limit_s = engine, resource, time_limit_s
        self.exact = False

    def solve(self, limit: float, previous: PointResult | None) -> Point:
        scenario, changes = self.engine.scenario([(f"limits.{self.resource}", limit)])
        result = self.engine.solve(scenario, changes, time_limit_s=self.time_limit_s)
        return Point(limit, _use(scenario, result, self.resource), result)


def _use(scenario: Scenario, result: PointResult, resource: str) -> float | None:
    """U: what the limit row charges the portfolio (its options' use plus a re-plan's drop costs)."""
    if result.x is None:
        return None
    return result.resource_use[resource] + charged_beyond_use(scenario, result.x, resource)


def walkers(engine: Engine, resource: str, workers: int, time_limit_s: float | None) -> list[Walker]:
    """`workers` walkers over `engine`'s base (whose limit on `resource` is the top of the range)."""
    threads = 1 if workers > 1 else engine.base.config.solver.threads or 1
    row = _limit_row(engine, resource)
    if row is None:
        engines = [engine] + [engine.fork(threads=1) for _ in range(workers - 1)]
        return [EngineWalker(e, resource, time_limit_s) for e in engines]
    first = LiveModel(engine.base_comp, threads, search=Search.RESOLVE)
    lives = [first] + [first.copy(threads=1) for _ in range(workers - 1)]
    return [LimitWalker(live, row, engine.base, resource, time_limit_s) for live in lives]


def _limit_row(engine: Engine, resource: str) -> int | None:
    """The limit row of `resource` if the limit's value moves nothing else in the model's arrays."""
    layout = engine.layout
    if layout is None or resource not in layout.limit_rows:
        return None
    row = layout.limit_rows[resource]
    base = engine.base_comp
    probe = float(base.row_upper[row]) / 2 + 1.0
    scenario, changes = engine.scenario([(f"limits.{resource}", probe)])
    arrays = layout.arrays(scenario, changes) if changes is not None else None
    if arrays is None or arrays.row_upper[row] != probe:
        return None
    rest = np.arange(len(base.row_upper)) != row
    same = (
        np.array_equal(arrays.row_lower, base.row_lower)
        and np.array_equal(arrays.value, base.value)
        and np.array_equal(arrays.row_upper[rest], base.row_upper[rest])
        and np.array_equal(arrays.primary, base.primary)
        and np.array_equal(arrays.secondary, base.secondary)
    )
    return row if same else None


@dataclass
class Run:
    """A piece of the walk: from `start` down until the next limit is below `stop`."""

    start: float
    stop: float
    points: list[Point] = field(default_factory=list)
    current: float | None = None  # the limit being solved, or solved next
    claimed: bool = False
    done: bool = False


class Walk:
    """Runs over [lo, hi] walked by `walkers` (one thread each; the caller's thread if one)."""

    def __init__(self, walkers: list[Walker], lo: float, hi: float, cap: int, progress: Progress | None = None):
        self.walkers, self.lo, self.cap, self.progress = walkers, lo, cap, progress
        self.runs = [Run(hi, lo)]
        self.lock = threading.Lock()
        self.floor = -math.inf  # a proven infeasibility at this limit: none at or below it
        self.solves = 0
        self.stopped = False
        self.errors: list[BaseException] = []

    def run(self) -> list[Run]:
        if len(self.walkers) == 1:
            self._work(self.walkers[0])
        else:
            threads = [
                threading.Thread(target=self._work, args=(w,), name=f"frontier-walker-{i}", daemon=True)
                for i, w in enumerate(self.walkers)
            ]
            for t in threads:
                t.start()
            try:
                for t in threads:
                    while t.is_alive():
                        t.join(0.25)
            except BaseException:  # Ctrl-C: the walkers stop after the solve they are in (daemon
                self.stopped = True  # threads: an exiting process does not wait for them)
                raise
        if self.errors:
            raise self.errors[0]
        return sorted(self.runs, key=lambda r: -r.start)

    def _work(self, walker: Walker) -> None:
        try:
            while True:
                with self.lock:
                    run = self._claim()
                if run is None:
                    return
                self._walk(walker, run)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            with self.lock:
                self.stopped = True
                self.errors.append(exc)
            if len(self.walkers) == 1:
                raise

    def _walk(self, walker: Walker, run: Run) -> None:
        limit, previous = run.start, None
        while True:
            with self.lock:
                if self.stopped or limit < run.stop or limit <= self.floor or self.solves >= self.cap:
                    run.current, run.done = None, True
                    return
                run.current = limit
                self.solves += 1
            point = walker.solve(limit, previous)
            with self.lock:
                run.points.append(point)
                if self.progress:
                    self.progress(self.solves, None)
                if point.used is None:
                    if point.result.status is Status.INFEASIBLE:
                        self.floor = max(self.floor, limit)
                    run.current, run.done = None, True
                    return
                limit = run.current = min(point.used, limit) - delta(point.used)  # where it goes next
            previous = point.result

    def _claim(self) -> Run | None:
        """An unclaimed run, else the lower half of what the busiest run has left (None: nothing worth it)."""
        if self.stopped:
            return None
        for run in self.runs:
            if not run.claimed:
                run.claimed = True
                return run
        busy = [(r.current, r) for r in self.runs if not r.done and r.current is not None]
        if not busy:
            return None
        current, victim = max(busy, key=lambda cr: cr[0] - max(cr[1].stop, self.floor))
        bottom = max(victim.stop, self.floor)
        width = current - bottom
        step = self._step()
        if width <= 0 or (step is not None and width < 6 * step):
            return None  # fewer than ~3 solves each: a new run's first solve would not pay
        middle = bottom + width / 2
        new = Run(middle, victim.stop, claimed=True)
        victim.stop = middle
        self.runs.append(new)
        return new

    def _step(self) -> float | None:
        """The average fall of the limit per solve so far (None before any portfolio)."""
        fall, count = 0.0, 0
        for run in self.runs:
            used = [p.used for p in run.points if p.used is not None]
            if used:
                fall += run.start - min(used)
                count += len(used)
        return fall / count if count else None


def replay(
    runs: list[Run], lo: float, hi: float, cap: int, exact: bool, solve: Callable[[float], Point]
) -> tuple[list[Point], Point | None, float]:
    """The serial walk over the runs' points (see the module doc): the points with a portfolio
    from the top down, the one without (None if the walk did not end on one), and the limit
    the walk would solve next. `solve(limit)` solves a limit no run settled; `exact`: a proven
    optimum settles every limit between its use and where it was found."""
    at: dict[float, Point] = {}
    for run in runs:
        for p in run.points:
            at.setdefault(p.limit, p)
    optima = (
        [(p.used, p) for p in at.values() if p.used is not None and p.result.status is Status.OPTIMAL] if exact else []
    )
    proofs = [p for p in at.values() if p.used is None and p.result.status is Status.INFEASIBLE]
    found: list[Point] = []
    limit = hi
    while limit >= lo and len(found) < cap:
        point = (
            at.get(limit)
            or next((p for used, p in optima if used <= limit <= p.limit), None)
            or next((p for p in proofs if limit <= p.limit), None)
            or solve(limit)
        )
        if point.used is None:
            return found, Point(limit, None, point.result), limit
        found.append(Point(limit, point.used, point.result))
        limit = min(point.used, limit) - delta(point.used)
    return found, None, limit
