"""The robust analysis of a scenario whose weights matter (`planner.robust.run.robust`).

Stages, in order: the nominal optimum; maximin (one MILP, no vertices); the optima at W's
vertices (all of them when there are at most `max_vertices`, else the worst-case vertices of
the nominal and maximin portfolios to start the lazy minimax regret); minimax regret; the
non-dominated portfolios and core index; Monte Carlo draws (Dirichlet(1) mixtures of the
vertices examined). Figures and bounds: `planner.robust.figures`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from planner.inputs.scenario import Scenario
from planner.inputs.validate_robust import WeightSet
from planner.robust.figures import Figures, Regret, lazy_regret
from planner.robust.methods import Found, RobustSolver
from planner.robust.outcome import (
    BORDERLINE,
    CORE,
    EXTERIOR,
    CoreIndex,
    MonteCarloSummary,
    OptionRow,
    PortfolioFigures,
    PortfolioRow,
    Progress,
    RobustReport,
    Stage,
    Stop,
    WeightSetSummary,
    labels,
)
from planner.robust.weights import Linear
from planner.solver.outcome import Status

Settings = dict[str, int]  # max_portfolios, samples, seed, max_vertices (`planner.robust.run.robust`)
Tell = Callable[[Progress], None]


def _up_front(ws: WeightSet, count: int, limit: int) -> str:
    head = f"weight set W: {ws.size} factor{'s' if ws.size != 1 else ''}, {count:,} vertices"
    if count <= limit:
        return f"{head}; solving the optimum at each"
    return (
        f"{head}; maximin is exact without them; minimax regret and the non-dominated portfolios use at most "
        f"{limit:,} (robust.max_vertices) and report bounds"
    )


def analyse(scenario: Scenario, ws: WeightSet, settings: Settings, tell: Tell) -> RobustReport:
    return _Analysis(scenario, ws, settings, tell).run()


class _Analysis:
    """One analysis: the solver, the figures so far, the report being filled, stage by stage."""

    def __init__(self, scenario: Scenario, ws: WeightSet, settings: Settings, tell: Tell):
        self.t0 = time.perf_counter()
        self.scenario, self.ws, self.settings, self.tell = scenario, ws, settings, tell
        self.solver = RobustSolver(scenario, Linear(scenario, ws))
        self.ids = scenario.option_ids()
        self.names = [ident for _, ident in ws.factors]
        self.count, self.limit = ws.vertex_count(), settings["max_vertices"]
        self.fig = Figures(ws, self.solver.lin, complete=self.count <= self.limit)
        self.seconds: dict[str, float] = {}
        self.report = RobustReport(
            scenario.name,
            True,
            factors=self.names,
            weight_set=WeightSetSummary(
                vertex_count=self.count,
                max_vertices=self.limit,
                nominal_total=ws.total,
                scale_range=list(ws.scale_range()),
            ),
        )

    def weights(self, x: np.ndarray) -> dict[str, float]:
        return dict(zip(self.names, [float(a) for a in x]))

    def chosen(self, x: np.ndarray) -> list[str]:
        return [o for o, on in zip(self.ids, x.tolist()) if on]

    def timed(self, key: str, t: float) -> None:
        self.seconds[key] = time.perf_counter() - t

    def run(self) -> RobustReport:
        self.tell(Progress(Stage.WEIGHT_SET, 0, self.count, _up_front(self.ws, self.count, self.limit)))
        nominal = self.solver.at(self.ws.nominal_point)
        if nominal is None:
            self.report.message = "the scenario is infeasible: no portfolio meets its limits, targets and rules"
            self.report.nominal = PortfolioFigures(status=Status.INFEASIBLE)
            self.report.status = Status.INFEASIBLE
            return self.report
        t = time.perf_counter()
        centre = self.ws.point(self.ws.centre())
        mm = self.solver.maximin(np.where(centre > 0, centre, 1.0))
        self.timed("maximin", t)
        self.vertex_optima(nominal, mm)
        mr = self.regrets(nominal, mm)
        found = self.nondominated()
        freq = self.monte_carlo(nominal)
        self.finish(nominal, mm, mr, found, freq)
        return self.report

    def vertex_optima(self, nominal: Found, mm: Found) -> None:
        """z* at every vertex (complete), else at the worst-case vertices of the nominal and maximin."""
        t, fig = time.perf_counter(), self.fig
        plan = list(self.ws.iter_vertices()) if fig.complete else [fig.worst(*fig.of(p))[1] for p in (nominal, mm)]
        total = len(plan) if fig.complete else self.limit
        for x in plan:  # z*(w_v) needs each vertex's optimum value, not its cheapest tie; the nominal starts each
            if not fig.examined(x):
                fig.add(x, self.solver.optimum_at(self.ws.point(x), tie_break=False, start=nominal))
                self.tell(Progress(Stage.VERTICES, len(fig.xs), total))
        if not fig.complete:
            fig.zbar = self.solver.upper(*_box(self.ws))
        self.timed("vertices", t)

    def regrets(self, nominal: Found, mm: Found) -> Found:
        """Minimax regret (exact, or lazily with bounds), then the three portfolios' figures."""
        t, fig, ws = time.perf_counter(), self.fig, self.ws
        best = np.array(fig.best)
        tol = 1.01e-6 * max(1.0, float(np.abs(best).max()))  # the tie-break stage's own tolerance
        start = min([nominal, mm, *fig.optima], key=lambda p: float((best - fig.values(*fig.of(p))).max()))
        if fig.complete:
            mr, _, lower, iterations = self.solver.regret(fig.ys, best, start, tol)
        else:
            mr, lower, iterations = lazy_regret(
                self.solver,
                fig,
                start,
                nominal,
                tol,
                self.limit,
                lambda n: self.tell(Progress(Stage.VERTICES, n, self.limit)),
            )
        self.timed("minimax_regret", t)

        def summary(found: Found, regret: Regret) -> PortfolioFigures:
            worst, x = fig.worst(*fig.of(found))
            return PortfolioFigures(
                worst_case=worst,
                worst_weights=self.weights(x),
                worst_scale=ws.scale(x),
                max_regret=regret.lower,
                max_regret_upper=regret.upper,
                selected=self.chosen(found.x),
            )

        r_nom, r_mm, r_mr = (fig.regret(*fig.of(p)) for p in (nominal, mm, mr))
        v_nom, c_nom = fig.of(nominal)
        self.report.nominal = PortfolioFigures(
            objective=float(v_nom @ ws.nominal_point + c_nom), **summary(nominal, r_nom)
        )
        self.report.maximin = PortfolioFigures(**summary(mm, r_mm), status=mm.status)
        gap = (
            (r_mr.lower - lower if r_mr.lower - lower > tol else 0.0)
            if fig.complete
            else (None if r_mr.upper is None else r_mr.upper - lower)
        )
        self.report.minimax_regret = summary(mr, r_mr)
        self.report.minimax_regret.update(
            PortfolioFigures(
                gap=gap,
                lower_bound=lower,
                iterations=iterations,
                complete=fig.complete,
                worst_weights=self.weights(r_mr.x),
                worst_scale=ws.scale(r_mr.x),
            )
        )
        return mr

    def nondominated(self) -> tuple[list[Found], bool]:
        t, fig, ws = time.perf_counter(), self.fig, self.ws
        most = self.settings["max_portfolios"]
        eps = 1e-6 * max(1.0, float(np.abs(fig.best).max()))
        found, zs, finished = self.solver.nondominated(
            fig.ys,
            np.array(fig.ceiling),
            ws.point(ws.centre()),
            most,
            eps,
            lambda n: self.tell(Progress(Stage.NONDOMINATED, n, most)),
        )
        cost = self.scenario.options[self.scenario.cost_resource].to_numpy(dtype=float)
        self.report.portfolios = []
        for i, (p, z) in enumerate(zip(found, zs)):
            v, c = fig.of(p)
            row: PortfolioRow = {
                "rank": i + 1,
                "selected": self.chosen(p.x),
                "min": fig.worst(v, c)[0],
                "max": ws.maximise(v)[0] + c,
                "vertex_values": z.tolist(),
                self.scenario.cost_resource: float(cost @ p.x),
            }
            self.report.portfolios.append(row)
        self.timed("nondominated", t)
        return found, finished

    def monte_carlo(self, nominal: Found) -> np.ndarray:
        t, ys, samples = time.perf_counter(), self.fig.ys, self.settings["samples"]
        freq = _monte_carlo(
            self.solver, ys, self.settings, nominal, lambda n: self.tell(Progress(Stage.MONTE_CARLO, n, samples))
        )
        what = "W's vertices" if self.fig.complete else f"the {len(ys):,} vertices of W examined (of {self.count:,})"
        self.report.monte_carlo = MonteCarloSummary(
            samples=samples if len(ys) > 1 else (1 if samples else 0),
            seed=self.settings["seed"],
            sampling=f"Dirichlet(1) mixtures of {what}",
            frequency=dict(zip(self.ids, freq.tolist())),
        )
        self.timed("monte_carlo", t)
        return freq

    def finish(
        self, nominal: Found, mm: Found, mr: Found, nondominated: tuple[list[Found], bool], freq: np.ndarray
    ) -> None:
        report, fig, ids = self.report, self.fig, self.ids
        found, finished = nondominated
        samples = self.settings["samples"]
        core = labels([p.x for p in found], len(ids))
        stopped = None if finished and fig.complete else (Stop.MAX_PORTFOLIOS if not finished else Stop.MAX_VERTICES)
        report.core_index = CoreIndex(
            complete=stopped is None,
            stopped_by=stopped and stopped.value,
            portfolios=len(found),
            options=dict(zip(ids, core)),
            max_portfolios=self.settings["max_portfolios"],
        )
        if stopped is not None:
            sampled = [CORE if f == 1 else EXTERIOR if f == 0 else BORDERLINE for f in freq.tolist()] if samples else []
            report.core_index["sampled"] = dict(zip(ids, sampled))
        share = np.mean(np.array([p.x for p in found]), axis=0) if found else np.zeros(len(ids))
        report.options = [
            OptionRow(
                option_id=o,
                nominal=int(a),
                maximin=int(b),
                minimax_regret=int(c),
                core=lab,
                nondominated_share=float(s),
                mc_frequency=float(f) if samples else None,
            )
            for o, a, b, c, lab, s, f in zip(
                ids, nominal.x.tolist(), mm.x.tolist(), mr.x.tolist(), core, share.tolist(), freq.tolist()
            )
        ]
        report.vertices = [self.weights(x) for x in fig.xs]
        report.vertex_scales = [self.ws.scale(x) for x in fig.xs]
        report.weight_set.update(WeightSetSummary(vertices_examined=len(fig.xs), complete=fig.complete))
        report.solves = self.solver.solves
        self.timed("total", self.t0)
        report.seconds = self.seconds
        if self.count == 1:
            report.message = "the weight set is a single point: every robust portfolio is the nominal optimum"


def _box(ws: WeightSet) -> tuple[np.ndarray, np.ndarray]:
    """W's bounding box per coordinate of y (t's top may be inf)."""
    n = ws.size + 1
    low = np.array([ws.minimise(np.eye(n)[k])[0] for k in range(ws.size)] + [ws.scale_range()[0]])
    top = ws.scale_range()[1]
    high = np.array([ws.maximise(np.eye(n)[k])[0] for k in range(ws.size)] + [np.inf if top is None else top])
    return low, high


def _monte_carlo(
    solver: RobustSolver, ys: np.ndarray, settings: Settings, nominal: Found, tell: Callable[[int], None]
) -> np.ndarray:
    """How often each option is chosen at Dirichlet(1) mixtures of the vertices `ys`."""
    samples = settings["samples"]
    if not samples:
        return np.zeros(len(nominal.x))
    if len(ys) <= 1:
        return nominal.x.astype(float)
    rng = np.random.default_rng(settings["seed"])
    freq = np.zeros(len(nominal.x))
    for i in range(samples):
        freq += solver.optimum_at(rng.dirichlet(np.ones(len(ys))) @ ys).x
        tell(i + 1)
    return freq / samples
