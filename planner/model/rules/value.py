"""Rule families that change the objective: diminishing_returns and standards_bonus.

Both apply to `max_coverage` only (a `min_cost` objective is the cost alone). Their
`*_value` functions recompute the same terms from a portfolio, for `planner.results.evaluation`.
"""

from __future__ import annotations

from typing import Any

import pulp
from numpy.typing import NDArray

from planner.inputs.config_rules import StandardsRule
from planner.inputs.scenario import FloatArray, Scenario, float_column
from planner.model.base import gap_value_linear, valued_slots
from planner.model.core import Model, Role, expr, lp_names
from planner.model.faces import Face, State
from planner.model.rules.phasing import covered_by_year, start_indices

Segments = list[tuple[float, float]]  # (width as a fraction of size, value per unit fraction) per segment


def segments_by_gap(scenario: Scenario) -> dict[str, Segments]:
    """gap → [(width, slope)] per segment, width a fraction of size, slope = value / width.

    A rule names gaps, sectors (all their gaps) or neither (every gap); later rules do not
    override earlier ones (validation refuses a gap named twice).
    """
    out: dict[str, Segments] = {}
    gaps = scenario.gaps
    for rule in scenario.config.rules.diminishing_returns:
        if rule.gaps is None and rule.sectors is None:
            ids = scenario.gap_ids()
        else:
            wanted = set(rule.sectors or [])
            ids = list(rule.gaps or []) + [
                g for g, s in zip(scenario.gap_ids(), gaps["sector_id"].tolist()) if s in wanted
            ]
        lo, segs = 0.0, []
        for seg in rule.segments:
            width = seg.upto - lo
            segs.append((width, seg.value / width))
            lo = seg.upto
        for gid in ids:
            out.setdefault(gid, segs)
    return out


def add_diminishing_returns(model: Model) -> None:
    """Concave piecewise-linear value of covered fraction. For a valued cover variable c of
    gap g (factor φ: 1, or 1/|years| per year under phasing) with segments k of width
    W[k] (fraction of size) and slope S[k] (value per unit fraction, non-increasing):

    seg[g,k] ∈ [0, W[k]·size[g]],  `diminishing_returns_<c>`:  Σ_k seg[g,k] − c ≤ 0
    objective:  φ·w[g]/size[g]·Σ_k S[k]·seg[g,k]   replaces   φ·w[g]·c/size[g]
    (concavity makes the optimum fill segments in order, so the value is w·f(c/size).)
    """
    sc = model.scenario
    if sc.config.objective.sense != "max_coverage":
        return
    segs = segments_by_gap(sc)
    weight = dict(zip(sc.gap_ids(), sc.gap_weights().tolist()))
    size = dict(zip(sc.gap_ids(), sc.gaps["size"].tolist()))
    kept: list[tuple[str, pulp.LpVariable, float]] = []
    terms: list[tuple[pulp.LpVariable, float]] = []
    for gid, var, factor in valued_slots(model):
        if gid not in segs:
            kept.append((gid, var, factor))
            continue
        pieces = model.new_vars(
            "diminishing_returns_seg",
            [f"{var.name}_{k}" for k in range(len(segs[gid]))],
            0,
            [width * float(size[gid]) for width, _ in segs[gid]],
            keys=[(var.name, k) for k in range(len(segs[gid]))],
        )
        for seg, (width, slope) in zip(pieces, segs[gid]):
            terms.append((seg, factor * float(weight[gid]) * slope / float(size[gid])))
        model.add(
            "diminishing_returns",
            expr([*((p, 1.0) for p in pieces), (var, -1.0)]) <= 0,
            var.name,
            role=Role.DEFINE,
            subject=gid,
            scale=None,
        )
    model.valued = kept
    model.primary = model.primary + expr(terms)


def gap_values(scenario: Scenario, covered: FloatArray) -> FloatArray:
    """Per gap: w[g]·f_g(covered[g]/size[g]); f_g is the concave segment function, or the
    identity (the base model's linear value) for gaps no rule shapes."""
    value = gap_value_linear(scenario, covered)
    weight = scenario.gap_weights()
    frac = covered / float_column(scenario.gaps["size"])
    segs = segments_by_gap(scenario)
    for j, gid in enumerate(scenario.gap_ids()):
        if gid in segs:
            value[j] = weight[j] * sum(
                slope * fill for (_, slope), fill in zip(segs[gid], segment_fill(segs[gid], frac[j]))
            )
    return value


def segment_fill(segments: Segments, frac: float) -> list[float]:
    """How much of each segment's width a covered fraction fills, in order (concave: in order)."""
    out, lo = [], 0.0
    for width, _ in segments:
        out.append(min(max(frac - lo, 0.0), width))
        lo += width
    return out


def evaluate_diminishing_returns(state: State) -> Face:
    """seg[c,k] = size[g]·(fill of segment k at c/size[g]); row `diminishing_returns_<c>`: Σ_k seg − c ≤ 0
    for each valued cover column c of a shaped gap (cover[g], or phasing_cover[g,y] under horizon value)."""
    sc = state.scenario
    face = Face()
    if sc.config.objective.sense != "max_coverage":
        return face
    segs = segments_by_gap(sc)
    size = dict(zip(sc.gap_ids(), sc.gaps["size"].tolist()))
    for gid, name, value in valued_columns(state):
        if gid not in segs:
            continue
        fills = segment_fill(segs[gid], value / size[gid])
        for k, fill in enumerate(fills):
            face.columns[("diminishing_returns_seg", name, k)] = fill * size[gid]
        face.row(name, sum(fills) * size[gid] - value, upper=0.0)
    return face


def valued_columns(state: State) -> list[tuple[str, str, float]]:
    """(gap, column name, value) of the cover columns the objective values: cover[g], or under
    `phasing.value: horizon` each phasing_cover[g, y] — the names `add_*` gives them."""
    sc = state.scenario
    phasing = sc.config.rules.phasing
    if phasing is not None and phasing.value == "horizon":
        per_year = covered_by_year(sc, state.x, start_indices(state))
        gaps = [g for g in sc.gap_ids() for _ in phasing.years]
        names = lp_names("phasing_cover", [f"{g}_{y}" for g in sc.gap_ids() for y in phasing.years], set())
        values = [per_year[t, j] for j in range(len(sc.gaps)) for t in range(len(phasing.years))]
        return list(zip(gaps, names, values))
    names = lp_names("cover", sc.gap_ids(), set())
    return list(zip(sc.gap_ids(), names, state.covered.tolist()))


def standards_partners(scenario: Scenario, rule: StandardsRule) -> dict[str, list[str]]:
    """partner → its options of the rule's sector and kind, in table order."""
    o = scenario.options
    out: dict[str, list[str]] = {}
    for oid, p, s, k in zip(
        scenario.option_ids(), o["partner_id"].tolist(), o["sector_id"].tolist(), o["kind"].tolist()
    ):
        if s == rule.sector and k == rule.kind:
            out.setdefault(p, []).append(oid)
    return out


def add_standards_bonus(model: Model) -> None:
    """Shared standards are worth more than bilateral ones. For rules.standards_bonus[j]
    (sector s, kind k, at least m partners, bonus B), O_p = p's options of sector s, kind k:

    z[j,p] binary, `standards_bonus_<j>_z_<p>`: z[j,p] − Σ_{o∈O_p} x[o] ≤ 0  (x[o] stands for z when O_p = {o})
    b[j] binary,   `standards_bonus_<j>`:       m·b[j] − Σ_p z[j,p] ≤ 0
    objective:     + B·b[j]
    """
    sc = model.scenario
    if sc.config.objective.sense != "max_coverage":
        return
    terms: list[tuple[pulp.LpVariable, float]] = []
    for j, rule in enumerate(sc.config.rules.standards_bonus):
        indicators: list[pulp.LpVariable] = []
        for pid, ids in standards_partners(sc, rule).items():
            if len(ids) == 1:
                indicators.append(model.x[ids[0]])
                continue
            z = model.new_var("standards_bonus_z", f"{j}_{pid}", 0, 1, pulp.LpBinary, key=(j, pid))
            model.add(
                "standards_bonus",
                expr([(z, 1.0), *((model.x[o], -1.0) for o in ids)]) <= 0,
                f"{j}_z_{pid}",
                role=Role.DEFINE,
                subject=pid,
                scale=None,
            )
            indicators.append(z)
        b = model.new_var("standards_bonus_b", f"{j}_{rule.sector}", 0, 1, pulp.LpBinary, key=(j,))
        model.add(
            "standards_bonus",
            expr([(b, float(rule.min_partners)), *((v, -1.0) for v in indicators)]) <= 0,
            f"{j}_{rule.sector}",
            role=Role.DEFINE,
            subject=rule.sector,
            scale=None,
        )
        terms.append((b, rule.bonus))
    model.primary = model.primary + expr(terms)


def standards_earned(scenario: Scenario, x: NDArray[Any]) -> list[bool]:
    """Per rules.standards_bonus entry: do at least min_partners partners select the kind?"""
    chosen = set(scenario.options.index[x.astype(bool)])
    return [
        sum(1 for ids in standards_partners(scenario, r).values() if chosen.intersection(ids)) >= r.min_partners
        for r in scenario.config.rules.standards_bonus
    ]


def evaluate_standards_bonus(state: State) -> Face:
    """z[j,p] = 1 iff partner p selects an option of the rule's sector and kind (where p has more
    than one, else x stands for z); b[j] = 1 iff at least min_partners do (the bonus is earned)."""
    sc = state.scenario
    face = Face()
    if sc.config.objective.sense != "max_coverage":
        return face
    x = dict(zip(sc.option_ids(), state.x.tolist()))
    for j, (rule, earned) in enumerate(zip(sc.config.rules.standards_bonus, standards_earned(sc, state.x))):
        indicators = []
        for pid, ids in standards_partners(sc, rule).items():
            z = float(max(x[o] for o in ids))
            indicators.append(z)
            if len(ids) > 1:
                face.columns[("standards_bonus_z", j, pid)] = z
                face.row(f"{j}_z_{pid}", z - sum(x[o] for o in ids), upper=0.0)
        face.columns[("standards_bonus_b", j)] = float(earned)
        face.row(f"{j}_{rule.sector}", rule.min_partners * float(earned) - sum(indicators), upper=0.0)
    return face


def standards_value(scenario: Scenario, x: NDArray[Any]) -> float:
    return float(
        sum(r.bonus for r, ok in zip(scenario.config.rules.standards_bonus, standards_earned(scenario, x)) if ok)
    )
