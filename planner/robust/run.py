"""`robust(scenario)`: every robust figure of a scenario over its weight set, and its run folder.

Every figure is recomputed from the portfolios with the model's numpy face
(`planner.robust.weights.Linear.portfolio`), never read from a solver: a portfolio's value
at factor values f is V(P)·f + c(P), its worst case the minimum over W's vertices, its
regret max_v [z*(w_v) − value(P, w_v)] with z*(w_v) the optimum at vertex v.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from planner.inputs.scenario import Scenario

CORE, BORDERLINE, EXTERIOR = "core", "borderline", "exterior"


@dataclass
class RobustReport:
    """What `planner robust` reports; `to_dict()` is robust.json and `--json`."""

    scenario: str
    weights_matter: bool
    factors: list[str] = field(default_factory=list)
    vertices: list[dict[str, float]] = field(default_factory=list)
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
        return {k: getattr(self, k) for k in ("scenario", "weights_matter", "message", "factors", "vertices", "nominal",
                                              "maximin", "minimax_regret", "core_index", "monte_carlo", "portfolios",
                                              "options", "solves", "seconds")}


def labels(members: list[np.ndarray], n: int) -> list[str]:
    """core (in every portfolio), exterior (in none) or borderline, per option."""
    if not members:
        return [EXTERIOR] * n
    share = np.mean(np.array(members), axis=0)
    return [CORE if s == 1 else EXTERIOR if s == 0 else BORDERLINE for s in share.tolist()]


def robust(scenario: Scenario, *, max_portfolios: int | None = None, samples: int | None = None,
           seed: int | None = None) -> RobustReport:
    """Nominal, maximin, minimax regret, non-dominated portfolios + core index, Monte Carlo over W."""
    import time

    from planner.robust.methods import RobustSolver
    from planner.robust.weights import Linear, weight_set_of

    rob = scenario.config.robust
    max_portfolios = max_portfolios or (rob.max_portfolios if rob else 200)
    samples = (rob.samples if rob else 100) if samples is None else samples
    seed = (rob.seed if rob else 0) if seed is None else seed
    ids = scenario.option_ids()
    if scenario.config.objective.sense != "max_coverage":
        from planner.api import solve

        result = solve(scenario)
        return RobustReport(scenario.name, False, nominal={"objective": result.objective, "selected": list(result.selected),
                                                           "status": str(result.status)},
                            message="objective.sense is min_cost: the weights do not enter the objective, so every "
                                    "robust portfolio is the nominal one")
    t0 = time.perf_counter()
    ws = weight_set_of(scenario)
    lin = Linear(scenario, ws)
    solver = RobustSolver(scenario, lin)
    verts = ws.vertices()
    names = [ident for _, ident in ws.factors]
    seconds = {}

    def figures(found):
        v, c = lin.portfolio(found.x, found.start)
        return verts @ v + c, v, c

    def chosen(x):
        return [o for o, on in zip(ids, x.tolist()) if on]

    def weights(f):
        return dict(zip(names, [float(a) for a in f]))

    nominal = solver.at(ws.nominal)
    report = RobustReport(scenario.name, True, factors=names, vertices=[weights(w) for w in verts])
    if nominal is None:
        report.message = "the scenario is infeasible: no portfolio meets its limits, targets and rules"
        report.nominal = {"status": "infeasible"}
        return report
    # z*(w_v) only needs each vertex's optimum value, not its cheapest tie; the nominal portfolio starts each solve.
    best_found = [solver.at(w, tie_break=False, start=nominal) for w in verts]
    best = np.array([figures(b)[0][k] for k, b in enumerate(best_found)])
    seconds["vertices"] = time.perf_counter() - t0

    z_nom, v_nom, c_nom = figures(nominal)
    report.nominal = {"objective": float(v_nom @ ws.nominal + c_nom), "worst_case": float(z_nom.min()),
                      "max_regret": float((best - z_nom).max()), "selected": chosen(nominal.x),
                      "worst_weights": weights(verts[int(np.argmin(z_nom))])}
    t = time.perf_counter()
    mm = solver.maximin()
    z_mm = figures(mm)[0]
    report.maximin = {"worst_case": float(z_mm.min()), "selected": chosen(mm.x),
                      "worst_weights": weights(verts[int(np.argmin(z_mm))]), "max_regret": float((best - z_mm).max()),
                      "status": str(mm.status)}
    seconds["maximin"] = time.perf_counter() - t
    t = time.perf_counter()
    tol = 1.01e-6 * max(1.0, float(np.abs(best).max()))  # the tie-break stage's own tolerance
    start = min([nominal, mm, *best_found], key=lambda p: float((best - figures(p)[0]).max()))
    mr, regret, lower, iterations = solver.regret(verts, best, start, tol)
    z_mr = figures(mr)[0]
    report.minimax_regret = {"max_regret": regret, "selected": chosen(mr.x), "gap": 0.0 if regret - lower <= tol else regret - lower,
                             "lower_bound": lower, "iterations": iterations,
                             "worst_weights": weights(verts[int(np.argmax(best - z_mr))]), "worst_case": float(z_mr.min())}
    seconds["minimax_regret"] = time.perf_counter() - t
    t = time.perf_counter()
    eps = 1e-6 * max(1.0, float(np.abs(best).max()))
    found, zs, complete = solver.nondominated(verts, max_portfolios, eps)
    cost = scenario.options[scenario.cost_resource].to_numpy(dtype=float)
    report.portfolios = [{"rank": i + 1, "selected": chosen(p.x), "min": float(z.min()), "max": float(z.max()), "vertex_values": z.tolist(),
                          scenario.cost_resource: float(cost @ p.x)} for i, (p, z) in enumerate(zip(found, zs))]
    core = labels([p.x for p in found], len(ids))
    seconds["nondominated"] = time.perf_counter() - t
    t = time.perf_counter()
    freq = np.zeros(len(ids))
    if samples and len(verts) > 1:
        rng = np.random.default_rng(seed)
        for _ in range(samples):
            freq += solver.at(rng.dirichlet(np.ones(len(verts))) @ verts).x
        freq /= samples
    elif samples:
        freq = nominal.x.astype(float)
    sampled = [CORE if f == 1 else EXTERIOR if f == 0 else BORDERLINE for f in freq.tolist()] if samples else []
    report.monte_carlo = {"samples": samples if len(verts) > 1 else (1 if samples else 0), "seed": seed,
                          "sampling": "Dirichlet(1) mixtures of W's vertices", "frequency": dict(zip(ids, freq.tolist()))}
    seconds["monte_carlo"] = time.perf_counter() - t
    report.core_index = {"complete": complete, "portfolios": len(found), "options": dict(zip(ids, core)),
                         "max_portfolios": max_portfolios}
    if not complete:
        report.core_index["sampled"] = dict(zip(ids, sampled))
    share = np.mean(np.array([p.x for p in found]), axis=0) if found else np.zeros(len(ids))
    report.options = [{"option_id": o, "nominal": int(a), "maximin": int(b), "minimax_regret": int(c), "core": lab,
                       "nondominated_share": float(s), "mc_frequency": float(f) if samples else None}
                      for o, a, b, c, lab, s, f in zip(ids, nominal.x.tolist(), mm.x.tolist(), mr.x.tolist(), core,
                                                       share.tolist(), freq.tolist())]
    report.solves = solver.solves
    seconds["total"] = time.perf_counter() - t0
    report.seconds = seconds
    if ws.size == 0 or len(verts) == 1:
        report.message = "the weight set is a single point: every robust portfolio is the nominal optimum"
    return report


def write_robust(report: RobustReport, out_dir: str | Path, scenario: Scenario | None = None) -> Path:
    """robust.json, robust_options.csv and robust_portfolios.csv, written as one atomic folder; given the
    scenario, also scenario.json and the inputs' digests in robust.json (so `planner check` recomputes)."""
    import pandas as pd

    from planner.io.runfolder import atomic_dir, write_csv
    from planner.io.runs import SCENARIO_FILE, scenario_record

    out = Path(out_dir)
    data = report.to_dict()
    if scenario is not None:
        data.update(input_sha256=scenario.input_sha256, tables_sha256=scenario.tables_sha256)
    with atomic_dir(out) as tmp:
        if scenario is not None:
            (tmp / SCENARIO_FILE).write_text(scenario_record(scenario.config), encoding="utf-8")
        (tmp / "robust.json").write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        write_csv(pd.DataFrame(report.options, columns=["option_id", "nominal", "maximin", "minimax_regret", "core",
                                                        "nondominated_share", "mc_frequency"]), tmp / "robust_options.csv")
        rows = [{k: (";".join(v) if k == "selected" else v) for k, v in p.items() if k != "vertex_values"}
                for p in report.portfolios]
        write_csv(pd.DataFrame(rows, columns=None if rows else ["rank", "selected", "min", "max"]),
                  tmp / "robust_portfolios.csv")
    return out
