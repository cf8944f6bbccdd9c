"""The `robust` run folder (`planner robust --out`): its manifest and its check.

Reads robust.json as written. W is the cone of the analyst's statements cut by the nominal total
(docs/robust.md); a statement-scale point x of it gives the weights y = (t·x, t)
(`WeightSet.point`), and a portfolio's value there is the objective at those weights
(`planner.robust.weights.at_point`), recomputed through the numpy face. Worst and best values
over W are exact (the value is linear-fractional in x: `WeightSet.minimise` over the model's
linear form, `planner.robust.weights.Linear`); the reported vertices are the ones solved, each a
corner of W (`WeightSet.iter_vertices`) and each within the statements. A regret needs z*(w_v),
the optimum at each vertex: check re-solves it (RESOLVED) when every vertex was examined and
there are at most `MAX_RESOLVES` of them. Verified without re-solving: maximin's worst case is at least every
reported portfolio's, minimax regret's regret at most theirs, no listed non-dominated
portfolio is dominated by another, the core labels and shares recompute from the list.
Whether the list is complete, the Monte Carlo draws, and the optimality of the nominal and
robust portfolios are the solver's claims, not re-solved.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from planner.inputs.validate_robust import WeightSet
from planner.io.runs import MARKER_FILE, SCENARIO_FILE, RunFiles
from planner.results.audit import REL_TOL, Context, JsonObject, as_list, as_object, check_inputs, close, num
from planner.results.audit_fields import digest_fields, marker_fields, scenario_fields
from planner.results.audit_robust_portfolios import (
    MAX_RESOLVES,
    METHODS,
    OPTION_COLUMNS,
    Floats,
    J,
    O,
    P,
    Values,
    check_dominance,
    check_options,
    check_portfolios,
    ids_of,
)
from planner.results.evaluation import evaluate
from planner.results.manifest import Field, FileSpec, How, KindSpec
from planner.robust.weights import weight_set_of
from planner.solver.outcome import Status

V, R, U = How.VERIFIED, How.RESOLVED, How.UNVERIFIABLE
NOT_RESOLVED = "the solver's claim that it is optimal: not re-solved by check (planner robust run again reproduces it)"
VALUE = "the portfolio's objective at each listed vertex (weights by at_point), recomputed (numpy face)"
REGRET = "max over the vertices of z*(w_v) − the portfolio's value there; z*(w_v) re-solved at each vertex"
MC = "Monte Carlo draws from W, each solved: not re-solved by check"


def _method(name: str) -> tuple[Field, ...]:
    worst = (
        Field(J, f"{name}.worst_weights.<factor>", V, "within the statements, and its value there is the worst case")
        if name != "minimax_regret"
        else Field(
            J,
            f"{name}.worst_weights.<factor>",
            R,
            "the vertex where its regret is greatest (the first of ties; z* re-solved at each vertex)",
        )
    )
    return (
        Field(J, f"{name}.worst_case", V, "the least of its values over W, recomputed exactly (WeightSet.minimise)"),
        Field(J, f"{name}.selected", V, "known option ids; every row of the model holds at them (numpy face)"),
        worst,
        Field(J, f"{name}.worst_scale", V, "the scale t of worst_weights (WeightSet.scale)"),
        Field(J, f"{name}.max_regret", R, REGRET),
        Field(J, f"{name}.max_regret_upper", V, "equal to max_regret when every vertex was examined, else at least it"),
    )


FIELDS: tuple[Field, ...] = (
    Field(J, "scenario", V, "the scenario's name (scenario.json)"),
    *digest_fields(J),
    Field(J, "weights_matter", V, "true iff objective.sense is max_coverage (weights enter the objective)"),
    Field(J, "message", U, "an explanatory sentence, not a figure"),
    Field(J, "factors", V, "the weights the robust: section names (planner.robust.weights.weight_set_of)"),
    Field(J, "vertices[].<factor>", V, "corners of W (WeightSet.iter_vertices), each within the statements"),
    Field(J, "vertex_scales", V, "each listed vertex's scale t (WeightSet.scale)"),
    Field(J, "weight_set.vertex_count", V, "WeightSet.vertex_count of the statements"),
    Field(J, "weight_set.max_vertices", V, "robust.max_vertices as run (scenario.json)"),
    Field(J, "weight_set.nominal_total", V, "the objective weights' nominal total (WeightSet.total)"),
    Field(J, "weight_set.scale_range", V, "t over W (WeightSet.scale_range)"),
    Field(J, "weight_set.vertices_examined", V, "the vertices listed"),
    Field(J, "weight_set.complete", V, "true iff every vertex was examined"),
    Field(J, "nominal.objective", V, "recomputed from nominal.selected at the nominal weights (numpy face)"),
    Field(J, "nominal.status", V, "a status with a portfolio comes with one; " + NOT_RESOLVED),
    *_method("nominal"),
    *_method("maximin"),
    Field(
        J,
        "maximin.status",
        V,
        "a status with a portfolio; its worst case is at least every reported portfolio's (" + NOT_RESOLVED + ")",
    ),
    *_method("minimax_regret"),
    Field(J, "minimax_regret.gap", V, "max_regret − lower_bound, 0 within the solver's tolerance"),
    Field(J, "minimax_regret.lower_bound", U, "the solver's bound on the least regret: not re-solved"),
    Field(J, "minimax_regret.iterations", U, "how the solve went, not a result"),
    Field(J, "minimax_regret.complete", U, "whether the lazy search examined every vertex: the solver's account"),
    Field(J, "core_index.stopped_by", U, "what ended the enumeration (a limit, or none): the solver's account"),
    Field(J, "core_index.complete", U, "whether the enumeration listed every non-dominated portfolio: not re-solved"),
    Field(J, "core_index.portfolios", V, "the portfolios listed"),
    Field(J, "core_index.options.<option>", V, "core (in every listed portfolio), exterior (in none), else borderline"),
    Field(J, "core_index.max_portfolios", U, "a setting as given"),
    Field(J, "core_index.sampled.<option>", V, "the label of monte_carlo.frequency (1 core, 0 exterior)"),
    Field(J, "monte_carlo.samples", U, "a setting as given"),
    Field(J, "monte_carlo.seed", U, "a setting as given"),
    Field(J, "monte_carlo.sampling", U, "how the draws are made, in words"),
    Field(J, "monte_carlo.frequency.<option>", U, MC),
    Field(J, "portfolios[].rank", V, "1, 2, …: the portfolio's place"),
    Field(
        J,
        "portfolios[].selected",
        V,
        "known option ids; every row holds at them; not dominated by another listed portfolio at every vertex",
    ),
    Field(J, "portfolios[].min", V, "the least of its values over W, exactly (WeightSet.minimise)"),
    Field(J, "portfolios[].max", V, "the greatest of its values over W, exactly (WeightSet.maximise)"),
    Field(J, "portfolios[].vertex_values", V, VALUE),
    Field(J, "portfolios[].<resource>", V, "the portfolio's use of the cost resource"),
    Field(J, "options[].option_id", V, "every option once, in the options table's order"),
    *(
        Field(J, f"options[].{m}", V, f"1 where {m}.selected holds the option")
        for m in ("nominal", "maximin", "minimax_regret")
    ),
    Field(J, "options[].core", V, "core_index.options"),
    Field(J, "options[].nondominated_share", V, "the share of listed portfolios that select it"),
    Field(J, "options[].mc_frequency", V, "monte_carlo.frequency (itself not re-solved)"),
    Field(J, "solves", U, "how many solves it took, not a result"),
    Field(J, "seconds.<step>", U, "a timing: how long it took on that machine, not a result"),
    *(
        Field(O, c, V, f"robust.json options[].{c}")
        for c in ("option_id", "nominal", "maximin", "minimax_regret", "core", "nondominated_share", "mc_frequency")
    ),
    Field(P, "rank", V, "robust.json portfolios[].rank"),
    Field(P, "selected", V, "robust.json portfolios[].selected, joined by ;"),
    Field(P, "min", V, "robust.json portfolios[].min, recomputed"),
    Field(P, "max", V, "robust.json portfolios[].max, recomputed"),
    Field(P, "<resource>", V, "the portfolio's use of the cost resource"),
    *scenario_fields(),
    *marker_fields(),
)
FILES = (
    FileSpec(J, True, "every robust figure"),
    FileSpec(O, True, "one row per option"),
    FileSpec(P, True, "one row per non-dominated portfolio"),
    FileSpec(SCENARIO_FILE, True, "the settings as run"),
    FileSpec(MARKER_FILE, False, "the run-folder marker"),
)


def _recognise(files: RunFiles) -> bool:
    return J in files.json


def _vocabulary(ctx: Context) -> dict[str, set[str]]:
    factors = ctx.json(J).get("factors")
    return {
        "factor": set(map(str, factors)) if isinstance(factors, list) else set(),
        "step": {"vertices", "maximin", "minimax_regret", "nondominated", "monte_carlo", "total"},
    }


def check(ctx: Context) -> None:
    data, ck, sc = ctx.json(J), ctx.ck, ctx.scenario
    ck.equal(J, "scenario", data.get("scenario"), sc.name, "scenario name differs")
    check_inputs(ctx, J, data)
    matter = sc.config.objective.sense == "max_coverage"
    ck.equal(
        J, "weights_matter", data.get("weights_matter"), matter, "weights matter iff objective.sense is max_coverage"
    )
    nominal = as_object(data.get("nominal"))
    if not matter or Status.of(nominal.get("status")) is Status.INFEASIBLE:
        _check_nominal_only(ctx, nominal)
        return
    ws = weight_set_of(sc)
    names = [ident for _, ident in ws.factors]
    factors = as_list(data.get("factors"))
    ck.equal(J, "factors", sorted(map(str, factors)), sorted(names), "the weights the robust: section names")
    vertices = _check_vertices(ctx, ws, names, data.get("vertices"))
    if vertices is None:
        return
    complete = _check_weight_set(ctx, ws, data, vertices)
    values = Values(ctx, ws, vertices, complete)
    reported = {m: _check_method(ctx, m, data.get(m), values, names, data.get("options")) for m in METHODS}
    ck.number(
        J,
        "nominal.objective",
        nominal.get("objective"),
        evaluate(sc, reported["nominal"]).objective,
        "the nominal objective",
    )
    listed = check_portfolios(ctx, data, values)
    check_dominance(ctx, data, listed, complete)
    check_options(ctx, data, reported, listed)
    ctx.report.status = f"{len(listed)} non-dominated portfolios over {len(vertices)} vertices"


def _check_nominal_only(ctx: Context, nominal: JsonObject) -> None:
    """min_cost (the weights do not enter) or an infeasible scenario: the nominal solve only."""
    ck, sc = ctx.ck, ctx.scenario
    status = Status.of(nominal.get("status"))
    ck.mark(J, "nominal.status")
    if status is None:
        ck.bad(J, "nominal.status", nominal.get("status"), None, "unknown status")
        return
    ids = ids_of(ctx, "nominal.selected", nominal.get("selected", []))
    if status.has_portfolio:
        ck.number(
            J, "nominal.objective", nominal.get("objective"), evaluate(sc, ids).objective, "the nominal objective"
        )
    ctx.require_columns(O, OPTION_COLUMNS)
    ctx.require_columns(P, ("rank", "selected", "min", "max"))
    for name in (O, P):
        if ctx.rows(name):
            ck.bad(name, (), len(ctx.rows(name)), 0, "without weights that matter there is nothing to list")
    ctx.report.status = f"nominal {status}"


def _check_vertices(ctx: Context, ws: WeightSet, names: list[str], reported: object) -> Floats | None:
    ck = ctx.ck
    rows = as_list(reported)
    try:
        got = np.array([[float(v[n]) for n in names] for v in rows], dtype=float).reshape(len(rows), len(names))
    except (KeyError, TypeError, ValueError):
        ck.bad(J, ("vertices", 0, names[0] if names else "x"), reported, None, "each vertex gives every factor's value")
        return None
    corners = []
    if ws.vertex_count() <= 5000:
        corners = list(ws.iter_vertices())
    for k, f in enumerate(got):
        ck.mark(J, ("vertices", k, names[0]) if names else ("vertices", k))
        if not ws.satisfies(f):
            ck.bad(J, ("vertices", k, names[0]), rows[k], None, "not within the statements (intervals and orders)")
        elif corners and not any(np.allclose(f, w, rtol=1e-7, atol=1e-12) for w in corners):
            ck.bad(J, ("vertices", k, names[0]), rows[k], None, "not a corner of W")
    return got


def _check_weight_set(ctx: Context, ws: WeightSet, data: JsonObject, vertices: Floats) -> bool:
    """weight_set.* and vertex_scales; returns whether every vertex was examined (as recomputed)."""
    ck = ctx.ck
    block = as_object(data.get("weight_set"))
    count = ws.vertex_count()
    corners = list(ws.iter_vertices()) if count <= 5000 else []  # β = 0: corners on one ray are one weighting
    complete = bool(corners) and all(any(np.allclose(c, v, rtol=1e-7, atol=1e-12) for v in vertices) for c in corners)
    robust = ctx.scenario.config.robust
    ck.equal(J, "weight_set.vertex_count", block.get("vertex_count"), count, "the corners of W")
    ck.equal(
        J,
        "weight_set.max_vertices",
        block.get("max_vertices"),
        None if robust is None else robust.max_vertices,  # a weight set exists only under robust:
        "robust.max_vertices as run",
    )
    ck.number(J, "weight_set.nominal_total", block.get("nominal_total"), float(ws.total), "the nominal total")
    want_range = [float(t) if t is not None else None for t in ws.scale_range()]
    _same_list(ctx, "weight_set.scale_range", block.get("scale_range"), want_range, "t over W")
    ck.equal(J, "weight_set.vertices_examined", block.get("vertices_examined"), len(vertices), "the vertices listed")
    ck.equal(J, "weight_set.complete", block.get("complete"), complete, "every vertex examined")
    _same_list(
        ctx, "vertex_scales", data.get("vertex_scales"), [ws.scale(x) for x in vertices], "each listed vertex's scale t"
    )
    return complete


def _same_list(ctx: Context, key: str, got: object, want: list[float | None], what: str) -> None:
    """A list of numbers (None for unbounded) compared whole, as one field."""
    ctx.ck.mark(J, key)
    ok = (
        isinstance(got, list)
        and len(got) == len(want)
        and all(
            (w is None and g is None) or (w is not None and (n := num(g)) is not None and close(n, w))
            for g, w in zip(got, want)
        )
    )
    if not ok:
        ctx.ck.bad(J, key, got, want, f"{what} does not recompute")


def _check_method(
    ctx: Context, name: str, reported: object, values: Values, names: list[str], options: object
) -> list[str]:
    """One method's block (nominal, maximin, minimax_regret): its portfolio, worst case, worst weighting
    and regret; returns its portfolio."""
    ck = ctx.ck
    block = as_object(reported)
    ids = ids_of(ctx, f"{name}.selected", block.get("selected"))
    z = values.of(ids)
    members: list[Any] = [o.get("option_id") for o in as_list(options) if isinstance(o, dict) and o.get(name) == 1]
    if set(members) != set(ids) and set(members) <= set(map(str, ctx.scenario.options.index)):
        # blame the one the reported worst case disagrees with
        worst = num(block.get("worst_case"))
        fits = [worst is not None and close(float(v.min()), worst) for v in (z, values.of(members))]
        if fits[1] and not fits[0]:
            ck.bad(
                J,
                f"{name}.selected",
                ids,
                members,
                f"differs from options[].{name}, which give the reported worst case (this does not)",
            )
    least, _ = values.range(ids)
    ck.number(J, f"{name}.worst_case", block.get("worst_case"), least, f"{name}'s worst case over W")
    best = values.best()
    _check_worst_weights(ctx, name, block, values, names, ids, (z, least, best))
    _check_regret(ctx, name, block, values, z, best)
    if name == "maximin":
        ck.mark(J, "maximin.status")
        status = Status.of(block.get("status"))
        if status is None or not status.has_portfolio:
            ck.bad(
                J, "maximin.status", block.get("status"), "optimal or feasible", "a maximin portfolio comes with one"
            )
    return ids


def _check_worst_weights(
    ctx: Context,
    name: str,
    block: JsonObject,
    values: Values,
    names: list[str],
    ids: list[str],
    figures: tuple[Floats, float, Floats | None],
) -> None:
    """worst_weights: within the statements, and where the portfolio's value is its worst case (maximin,
    nominal) or where it regrets most among the vertices (minimax regret, z* re-solved)."""
    ck = ctx.ck
    z, least, best = figures  # its values at the vertices, its worst case, z* (None: not re-solved)
    first = (name, "worst_weights", names[0] if names else "x")
    got = as_object(block.get("worst_weights"))
    stated = np.array([num(got.get(n)) if num(got.get(n)) is not None else np.nan for n in names], dtype=float)
    for n in names:
        ck.mark(J, (name, "worst_weights", n))
    if np.isnan(stated).any() or not values.ws.satisfies(stated):
        ck.bad(J, first, got, None, "not within the statements")
        return
    ck.number(J, f"{name}.worst_scale", block.get("worst_scale"), values.ws.scale(stated), "its scale t")
    if name != "minimax_regret":
        there = evaluate(values.scenario_at_x(stated), ids).objective
        ck.number(J, first, there, least, f"{name}'s value at its worst weighting (must be its worst case)")
    elif best is not None:  # where it regrets most, among the listed (every) vertices
        regret = best - z
        k = int(np.argmax(regret))
        at = [i for i, v in enumerate(values.vertices) if np.allclose(v, stated, rtol=1e-7, atol=1e-12)]
        if not at or regret[at[0]] < regret[k] - REL_TOL * max(1.0, abs(float(regret[k]))):
            ck.bad(J, first, got, values.vertices[k].tolist(), "not a vertex where its regret is greatest")


def _check_regret(ctx: Context, name: str, block: JsonObject, values: Values, z: Floats, best: Floats | None) -> None:
    """max_regret (z* re-solved at each vertex) and its upper bound; unverifiable beyond MAX_RESOLVES."""
    ck = ctx.ck
    if best is None:
        ck.mark(J, f"{name}.max_regret")
        upper, regret = num(block.get("max_regret_upper")), num(block.get("max_regret"))
        ck.mark(J, f"{name}.max_regret_upper")
        if upper is not None and regret is not None and upper < regret - REL_TOL * max(1.0, abs(regret)):
            ck.bad(J, f"{name}.max_regret_upper", upper, regret, "an upper bound below the regret found")
        ctx.report.verified.append(
            f"{name}.max_regret not re-solved: {len(values.vertices)} vertices (more than "
            f"{MAX_RESOLVES}) or a vertex's optimum not proven"
        )
        return
    most = float((best - z).max())
    ck.number(J, f"{name}.max_regret", block.get("max_regret"), most, f"{name}'s regret (z* re-solved at each vertex)")
    ck.number(
        J,
        f"{name}.max_regret_upper",
        block.get("max_regret_upper"),
        most,
        "every vertex examined: the upper bound is the regret",
    )
    if name == "minimax_regret":
        _check_regret_gap(ctx, block, most)


def _check_regret_gap(ctx: Context, block: JsonObject, regret: float) -> None:
    lower = num(block.get("lower_bound"))
    tol = 1.01e-6 * max(1.0, abs(regret))
    gap = None if lower is None else (0.0 if regret - lower <= tol else regret - lower)
    ctx.ck.number(J, "minimax_regret.gap", block.get("gap"), gap, "max_regret − lower_bound")


SPEC = KindSpec(
    "robust",
    "`planner robust --out DIR`: portfolios robust to contested weights.",
    FILES,
    FIELDS,
    _recognise,
    check,
    _vocabulary,
)
