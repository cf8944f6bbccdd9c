"""The `montecarlo` run folder (`planner montecarlo --out`): its manifest and its check.

Sample i's tables are drawn again from the seed and the perturbations the summary states
(`planner.sensitivity.perturb.sample_tables`: they depend on (seed, i) alone), and the sample's
portfolio is re-evaluated on them (`audit_points.check_point`), and so is the base (unperturbed)
plan's selection (`base_objective`, its distribution `base_plan`). The option frequencies and
labels, the per-sector coverage percentiles, the objective's distribution and the base
(unperturbed) figures are recomputed from the portfolios. Whether each sample's portfolio is
optimal for its draw is the solver's claim, not re-solved.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from pydantic import ValidationError

from planner.inputs.config import Perturbation
from planner.results.audit import Context, JsonObject, as_list, as_object, num
from planner.results.audit_points import (
    NOT_RESOLVED,
    Point,
    S,
    U,
    V,
    check_point,
    check_run_stats,
    check_summary_header,
    common_files,
    counts_of,
    header_fields,
    path_vocabulary,
    recognise_summary,
    stats_fields,
)
from planner.results.evaluation import Evaluation, evaluate
from planner.results.manifest import Field, KindSpec
from planner.sensitivity.montecarlo import PERCENTILES, distribution, label, sector_fractions_of
from planner.sensitivity.perturb import sample_tables
from planner.sensitivity.points import perturbed
from planner.solver.outcome import Status

OBJ, OPT, COV = "montecarlo_objective.csv", "montecarlo_options.csv", "montecarlo_coverage.csv"
DRAWN = (
    "a setting as given: check draws every sample again from it, so an edit shows as sample figures that no "
    "longer recompute"
)
FREQ = "recomputed from the samples' portfolios"
PCTL = "recomputed from each sample's covered amounts on its own draw (Σ covered / Σ size per sector)"

FIELDS: tuple[Field, ...] = (
    *header_fields("montecarlo"),
    Field(S, "samples", V, "the rows of montecarlo_objective.csv"),
    Field(S, "seed", U, DRAWN),
    Field(S, "perturb[].<setting>", U, DRAWN),
    Field(S, "core_threshold", U, "a setting as given: check labels every option again with it"),
    Field(S, "exterior_threshold", U, "a setting as given: check labels every option again with it"),
    Field(S, "status_counts.<status>", V, "counted from montecarlo_objective.csv's status column"),
    Field(S, "base.status", V, "a status with a portfolio comes with one; " + NOT_RESOLVED),
    Field(S, "base.objective", V, "recomputed from base.selected on the unperturbed scenario"),
    Field(S, "base.selected", V, "known option ids; every row of the unperturbed model holds at them"),
    Field(S, "objective.<statistic>", V, "the distribution of the samples' recomputed objectives"),
    Field(S, "base_plan.<statistic>", V, "the distribution of montecarlo_objective.csv's recomputed base_objective"),
    Field(S, "core", V, "the options labelled core in montecarlo_options.csv (recomputed)"),
    Field(S, "borderline", V, "the options labelled borderline (recomputed)"),
    Field(S, "exterior_selected", V, "exterior options that some sample selects (recomputed)"),
    Field(S, "counts.<label>", V, "the options per label (recomputed)"),
    *stats_fields(),
    Field(OBJ, "sample", V, "0, 1, …: the sample's number (its draw depends on it and the seed)"),
    Field(OBJ, "status", V, "honest against the bound and the portfolio; " + NOT_RESOLVED),
    Field(OBJ, "objective", V, "recomputed from the portfolio on the sample's own draw (numpy face)"),
    Field(OBJ, "base_objective", V, "recomputed from base.selected on the sample's own draw (numpy face)"),
    Field(OBJ, "bound", V, "on the right side of the objective; = objective within solver.mip_gap when optimal"),
    Field(OBJ, "mip_gap", V, "= |objective − bound| / |objective|; 0 for a proven optimum at solver.mip_gap 0"),
    Field(OBJ, "selected", V, "the number of ids in portfolio"),
    Field(OBJ, "<resource>_used", V, "recomputed on the sample's own draw (resources may be perturbed)"),
    Field(OBJ, "portfolio", V, "known option ids; every row of the sample's model holds at it (numpy face)"),
    Field(OPT, "option_id", V, "every option once, by frequency (descending), then id"),
    Field(OPT, "partner_id", V, "the options table"),
    Field(OPT, "sector_id", V, "the options table"),
    Field(OPT, "kind", V, "the options table"),
    Field(OPT, "selected_samples", V, FREQ),
    Field(OPT, "frequency", V, FREQ + ", over the samples with a portfolio"),
    Field(OPT, "label", V, "core / borderline / exterior from the frequency and the thresholds"),
    Field(OPT, "in_base", V, "whether summary.json base.selected holds it"),
    Field(COV, "sector_id", V, "every sector once, in the sectors table's order"),
    Field(COV, "name", V, "the sectors table"),
    Field(COV, "base_fraction", V, "recomputed from base.selected on the unperturbed scenario"),
    Field(COV, "samples", V, "the samples with a portfolio"),
    Field(COV, "mean", V, PCTL),
    Field(COV, "p<n>", V, PCTL),
)


def _vocabulary(ctx: Context) -> dict[str, set[str]]:
    return {
        **path_vocabulary(ctx),
        "label": {"core", "borderline", "exterior"},
        "statistic": {"mean", "std", "min", "max", "p5", "p25", "p50", "p75", "p95"},
        "setting": {"table", "column", "dist", "low", "high", "peak", "sd", "scope"},
    }


class _Base(NamedTuple):
    """The unperturbed optimum summary.json reports: its ids and (with a portfolio) its evaluation."""

    ids: list[str]
    evaluation: Evaluation | None


def _perturbations(ctx: Context, summary: JsonObject) -> list[Perturbation] | None:
    try:
        return [Perturbation.model_validate(p) for p in summary.get("perturb") or []]
    except (ValidationError, TypeError) as exc:
        ctx.ck.bad(S, ("perturb", 0, "table"), summary.get("perturb"), None, f"not perturbations ({exc})")
        return None


def check(ctx: Context) -> None:
    summary = check_summary_header(ctx, "montecarlo")
    ck, sc = ctx.ck, ctx.scenario
    perts = _perturbations(ctx, summary)
    seed = summary.get("seed")
    if perts is None or not isinstance(seed, int) or isinstance(seed, bool):
        ctx.report.verified.append("the samples could not be drawn again: seed or perturb unreadable")
        return
    ctx.require_columns(
        OBJ,
        (
            "sample",
            "status",
            "objective",
            "base_objective",
            "bound",
            "mip_gap",
            "selected",
            *(f"{r}_used" for r in sc.resources),
            "portfolio",
        ),
    )
    rows = ctx.rows(OBJ)
    ck.equal(S, "samples", summary.get("samples"), len(rows), "the rows of montecarlo_objective.csv")
    base = _check_base(ctx, summary)
    points: list[Point] = []
    base_values: list[float | None] = []
    for i, row in enumerate(rows):
        ck.number(OBJ, "sample", row.get("sample"), i, "sample number", i + 2)
        draw = perturbed(sc, sample_tables(sc, perts, seed, i))
        points.append(check_point(ctx, OBJ, i + 2, row, draw))
        base_values.append(None if base[1] is None else evaluate(draw, base[0]).objective)
        ck.number(
            OBJ, "base_objective", row.get("base_objective"), base_values[-1], "the base plan on this draw", i + 2
        )
    ck.equal(
        S,
        ("status_counts", "optimal"),
        summary.get("status_counts"),
        counts_of(r.get("status") for r in rows),
        "counted from montecarlo_objective.csv",
    )
    _check_options(ctx, summary, points, base)
    _check_coverage(ctx, points, base)
    objectives = [p.evaluation.objective for p in points if p.evaluation is not None]
    got = as_object(summary.get("objective"))
    for key, value in distribution(objectives).items():
        ck.number(S, ("objective", key), got.get(key), value, f"the samples' objective {key}")
    plan: dict[str, object] = summary["base_plan"] if isinstance(summary.get("base_plan"), dict) else {}
    for key, value in distribution([v for v in base_values if v is not None]).items():
        ck.number(S, ("base_plan", key), plan.get(key), value, f"the base plan's objective {key} over the draws")
    check_run_stats(ctx, len(rows))
    ctx.report.status = f"{len(objectives)} of {len(rows)} samples with a portfolio"


def _check_base(ctx: Context, summary: JsonObject) -> _Base:
    ck, sc = ctx.ck, ctx.scenario
    base = as_object(summary.get("base"))
    ids = as_list(base.get("selected"))
    ck.mark(S, "base.selected")
    known = set(map(str, sc.options.index))
    if any(i not in known for i in ids) or len(set(ids)) != len(ids):
        ck.bad(S, "base.selected", ids, None, "names an unknown option or one twice")
        ids = [i for i in dict.fromkeys(ids) if i in known]
    in_base = [r.get("option_id") for r in ctx.rows(OPT) if str(r.get("in_base")).lower() == "true"]
    if set(in_base) != set(ids) and set(in_base) <= known:  # blame the one the base objective disagrees with
        reported = num(base.get("objective"))
        fits = [
            reported is not None
            and reported == reported
            and abs(evaluate(sc, chosen).objective - reported) <= 1e-6 * max(1.0, abs(reported))
            for chosen in (ids, [i for i in in_base if i is not None])  # all known here
        ]
        if fits[1] and not fits[0]:
            ck.bad(
                S,
                "base.selected",
                ids,
                in_base,
                "differ from montecarlo_options.csv's in_base, which give the "
                "reported base objective (base.selected do not)",
            )
    status = Status.of(base.get("status"))
    ck.mark(S, "base.status")
    if status is None:
        ck.bad(S, "base.status", base.get("status"), None, "unknown status")
    ev = evaluate(sc, ids) if status is not None and status.has_portfolio else None
    if ev is not None and ev.violations():
        ck.bad(S, "base.selected", ids, None, "breaks a row of the unperturbed model: cannot be its optimum")
    ck.number(S, "base.objective", base.get("objective"), None if ev is None else ev.objective, "the base objective")
    return _Base(ids, ev)


def _check_options(ctx: Context, summary: JsonObject, points: list[Point], base: _Base) -> None:
    ck, opts = ctx.ck, ctx.scenario.options
    solved = [p for p in points if p.evaluation is not None]
    counts = {str(o): sum(str(o) in p.ids for p in solved) for o in opts.index}
    core, exterior = num(summary.get("core_threshold")), num(summary.get("exterior_threshold"))
    freq = {o: (c / len(solved) if solved else None) for o, c in counts.items()}
    order = sorted(counts, key=lambda o: (-(freq[o] or 0.0), o))
    labels = {o: label(freq[o], core, exterior) if core is not None and exterior is not None else "" for o in counts}
    rows = ctx.rows(OPT)
    ctx.require_columns(
        OPT, ("option_id", "partner_id", "sector_id", "kind", "selected_samples", "frequency", "label", "in_base")
    )
    ck.equal(
        OPT,
        "option_id",
        [r.get("option_id") for r in rows],
        order,
        "every option once, by frequency (descending), then id",
    )
    for i, row in enumerate(rows):
        o = row.get("option_id")
        if o is None or o not in counts:
            continue
        for col in ("partner_id", "sector_id", "kind"):
            ck.text(OPT, col, row.get(col), str(opts[col].loc[o]), i + 2)
        ck.number(OPT, "selected_samples", row.get("selected_samples"), counts[o], "samples selecting it", i + 2)
        ck.number(OPT, "frequency", row.get("frequency"), freq[o], "its frequency", i + 2)
        ck.text(OPT, "label", row.get("label"), labels[o], i + 2, "not the label its frequency gives")
        ck.flag(OPT, "in_base", row.get("in_base"), o in base.ids, "in the base portfolio", i + 2)
    by_label = {name: [o for o in order if labels[o] == name] for name in ("core", "borderline", "exterior")}
    ck.equal(S, "core", summary.get("core"), by_label["core"], "the options labelled core")
    ck.equal(S, "borderline", summary.get("borderline"), by_label["borderline"], "the options labelled borderline")
    ck.equal(
        S,
        "exterior_selected",
        summary.get("exterior_selected"),
        [o for o in by_label["exterior"] if counts[o] > 0],
        "exterior options some sample selects",
    )
    ck.equal(
        S, ("counts", "core"), summary.get("counts"), {k: len(v) for k, v in by_label.items()}, "options per label"
    )


def _check_coverage(ctx: Context, points: list[Point], base: _Base) -> None:
    ck, sc = ctx.ck, ctx.scenario
    fractions = [sector_fractions_of(sc, p.evaluation.covered) for p in points if p.evaluation is not None]
    base_frac = sector_fractions_of(sc, base.evaluation.covered) if base.evaluation is not None else {}
    rows = ctx.rows(COV)
    ctx.require_columns(COV, ("sector_id", "name", "base_fraction", "samples", "mean", *(f"p{q}" for q in PERCENTILES)))
    sectors = [str(s) for s in sc.sectors.index]
    ck.equal(COV, "sector_id", [r.get("sector_id") for r in rows], sectors, "every sector once, in the table's order")
    for i, row in enumerate(rows):
        sid = row.get("sector_id")
        if sid is None or sid not in sectors:
            continue
        values = np.array([f[sid] for f in fractions if sid in f])
        ck.text(COV, "name", row.get("name"), str(sc.sectors["name"].loc[sid]), i + 2)
        ck.number(COV, "base_fraction", row.get("base_fraction"), base_frac.get(sid), "the base's fraction", i + 2)
        ck.number(COV, "samples", row.get("samples"), len(values), "samples with a portfolio", i + 2)
        ck.number(COV, "mean", row.get("mean"), float(values.mean()) if len(values) else None, "mean fraction", i + 2)
        for q in PERCENTILES:
            ck.number(
                COV,
                f"p{q}",
                row.get(f"p{q}"),
                float(np.percentile(values, q)) if len(values) else None,
                f"percentile {q}",
                i + 2,
            )


SPEC = KindSpec(
    "montecarlo",
    "`planner montecarlo --out DIR`: perturbed re-solves, the core index.",
    common_files(
        (OBJ, "one row per sample"),
        (OPT, "one row per option: how often chosen"),
        (COV, "per-sector coverage percentiles"),
    ),
    FIELDS,
    recognise_summary("montecarlo"),
    check,
    _vocabulary,
)
