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
from planner.robust.run import BORDERLINE, CORE, EXTERIOR, Progress, RobustReport, Stage, labels
from planner.robust.weights import Linear


def _up_front(ws: WeightSet, count: int, limit: int) -> str:
    head = f"weight set W: {ws.size} factor{'s' if ws.size != 1 else ''}, {count:,} vertices"
    if count <= limit:
        return f"{head}; solving the optimum at each"
    return (f"{head}; maximin is exact without them; minimax regret and the non-dominated portfolios use at most "
            f"{limit:,} (robust.max_vertices) and report bounds")


def analyse(scenario: Scenario, ws: WeightSet, settings: dict, tell: Callable[[Progress], None]) -> RobustReport:
    t0 = time.perf_counter()
    lin = Linear(scenario, ws)
    solver = RobustSolver(scenario, lin)
    ids = scenario.option_ids()
    names = [ident for _, ident in ws.factors]
    count, limit = ws.vertex_count(), settings["max_vertices"]
    fig = Figures(ws, lin, complete=count <= limit)
    tell(Progress(Stage.WEIGHT_SET, 0, count, _up_front(ws, count, limit)))
    seconds: dict[str, float] = {}

    def weights(x) -> dict[str, float]:
        return dict(zip(names, [float(a) for a in x]))

    def chosen(x) -> list[str]:
        return [o for o, on in zip(ids, x.tolist()) if on]

    t_lo, t_hi = ws.scale_range()
    report = RobustReport(scenario.name, True, factors=names,
                          weight_set={"vertex_count": count, "max_vertices": limit, "nominal_total": ws.total,
                                      "scale_range": [t_lo, t_hi]})
    nominal = solver.at(ws.nominal_point)
    if nominal is None:
        report.message = "the scenario is infeasible: no portfolio meets its limits, targets and rules"
        report.nominal = {"status": "infeasible"}
        return report
    v_nom, c_nom = fig.of(nominal)
    t = time.perf_counter()
    mm = solver.maximin(np.where(ws.point(ws.centre()) > 0, ws.point(ws.centre()), 1.0))
    v_mm, c_mm = fig.of(mm)
    seconds["maximin"] = time.perf_counter() - t

    t = time.perf_counter()
    plan = list(ws.iter_vertices()) if fig.complete else [fig.worst(v_nom, c_nom)[1], fig.worst(v_mm, c_mm)[1]]
    total = len(plan) if fig.complete else limit
    for x in plan:  # z*(w_v) needs each vertex's optimum value, not its cheapest tie; the nominal starts each
        if not fig.examined(x):
            fig.add(x, solver.at(ws.point(x), tie_break=False, start=nominal))
            tell(Progress(Stage.VERTICES, len(fig.xs), total))
    if not fig.complete:
        fig.zbar = solver.upper(*_box(ws))
    seconds["vertices"] = time.perf_counter() - t

    t = time.perf_counter()
    best = np.array(fig.best)
    tol = 1.01e-6 * max(1.0, float(np.abs(best).max()))  # the tie-break stage's own tolerance
    start = min([nominal, mm, *fig.optima], key=lambda p: float((best - fig.values(*fig.of(p))).max()))
    if fig.complete:
        mr, _, lower, iterations = solver.regret(fig.ys, best, start, tol)
    else:
        mr, lower, iterations = lazy_regret(solver, fig, start, nominal, tol, limit,
                                            lambda n: tell(Progress(Stage.VERTICES, n, total)))
    seconds["minimax_regret"] = time.perf_counter() - t

    def summary(found: Found, regret: Regret) -> dict:
        v, c = fig.of(found)
        worst, x = fig.worst(v, c)
        return {"worst_case": worst, "worst_weights": weights(x), "worst_scale": ws.scale(x),
                "max_regret": regret.lower, "max_regret_upper": regret.upper, "selected": chosen(found.x)}

    r_nom, r_mm, r_mr = (fig.regret(*fig.of(p)) for p in (nominal, mm, mr))
    report.nominal = {"objective": float(v_nom @ ws.nominal_point + c_nom), **summary(nominal, r_nom)}
    report.maximin = {**summary(mm, r_mm), "status": str(mm.status)}
    gap = (r_mr.lower - lower if r_mr.lower - lower > tol else 0.0) if fig.complete else \
        (None if r_mr.upper is None else r_mr.upper - lower)
    report.minimax_regret = {**summary(mr, r_mr), "gap": gap, "lower_bound": lower, "iterations": iterations,
                             "complete": fig.complete, "worst_weights": weights(r_mr.x), "worst_scale": ws.scale(r_mr.x)}

    t = time.perf_counter()
    ys = fig.ys
    eps = 1e-6 * max(1.0, float(np.abs(fig.best).max()))
    found, zs, finished = solver.nondominated(ys, ws.point(ws.centre()), settings["max_portfolios"], eps,
                                              lambda n: tell(Progress(Stage.NONDOMINATED, n, settings["max_portfolios"])))
    cost = scenario.options[scenario.cost_resource].to_numpy(dtype=float)
    report.portfolios = []
    for i, (p, z) in enumerate(zip(found, zs)):
        v, c = fig.of(p)
        report.portfolios.append({"rank": i + 1, "selected": chosen(p.x), "min": fig.worst(v, c)[0],
                                  "max": ws.maximise(v)[0] + c, "vertex_values": z.tolist(),
                                  scenario.cost_resource: float(cost @ p.x)})
    core = labels([p.x for p in found], len(ids))
    seconds["nondominated"] = time.perf_counter() - t

    t = time.perf_counter()
    freq = _monte_carlo(solver, ys, settings, nominal, lambda n: tell(Progress(Stage.MONTE_CARLO, n, settings["samples"])))
    samples = settings["samples"]
    sampled = [CORE if f == 1 else EXTERIOR if f == 0 else BORDERLINE for f in freq.tolist()] if samples else []
    what = "W's vertices" if fig.complete else f"the {len(ys):,} vertices of W examined (of {count:,})"
    report.monte_carlo = {"samples": samples if len(ys) > 1 else (1 if samples else 0), "seed": settings["seed"],
                          "sampling": f"Dirichlet(1) mixtures of {what}", "frequency": dict(zip(ids, freq.tolist()))}
    seconds["monte_carlo"] = time.perf_counter() - t

    stopped = None if finished and fig.complete else ("max_portfolios" if not finished else "max_vertices")
    report.core_index = {"complete": stopped is None, "stopped_by": stopped, "portfolios": len(found),
                         "options": dict(zip(ids, core)), "max_portfolios": settings["max_portfolios"]}
    if stopped is not None:
        report.core_index["sampled"] = dict(zip(ids, sampled))
    share = np.mean(np.array([p.x for p in found]), axis=0) if found else np.zeros(len(ids))
    report.options = [{"option_id": o, "nominal": int(a), "maximin": int(b), "minimax_regret": int(c), "core": lab,
                       "nondominated_share": float(s), "mc_frequency": float(f) if samples else None}
                      for o, a, b, c, lab, s, f in zip(ids, nominal.x.tolist(), mm.x.tolist(), mr.x.tolist(), core,
                                                       share.tolist(), freq.tolist())]
    report.vertices = [weights(x) for x in fig.xs]
    report.vertex_scales = [ws.scale(x) for x in fig.xs]
    report.weight_set.update({"vertices_examined": len(fig.xs), "complete": fig.complete})
    report.solves = solver.solves
    seconds["total"] = time.perf_counter() - t0
    report.seconds = seconds
    if count == 1:
        report.message = "the weight set is a single point: every robust portfolio is the nominal optimum"
    return report


def _box(ws: WeightSet) -> tuple[np.ndarray, np.ndarray]:
    """W's bounding box per coordinate of y (t's top may be inf)."""
    n = ws.size + 1
    low = np.array([ws.minimise(np.eye(n)[k])[0] for k in range(ws.size)] + [ws.scale_range()[0]])
    top = ws.scale_range()[1]
    high = np.array([ws.maximise(np.eye(n)[k])[0] for k in range(ws.size)] + [np.inf if top is None else top])
    return low, high


def _monte_carlo(solver: RobustSolver, ys: np.ndarray, settings: dict, nominal: Found, tell) -> np.ndarray:
    """How often each option is chosen at Dirichlet(1) mixtures of the vertices `ys`."""
    samples = settings["samples"]
    if not samples:
        return np.zeros(len(nominal.x))
    if len(ys) <= 1:
        return nominal.x.astype(float)
    rng = np.random.default_rng(settings["seed"])
    freq = np.zeros(len(nominal.x))
    for i in range(samples):
        freq += solver.at(rng.dirichlet(np.ones(len(ys))) @ ys).x
        tell(i + 1)
    return freq / samples
