"""Rule families on coverage and risk: min_fraction, diversify, risk, resilience (N-1).

Notation: x[o] ∈ {0,1}; cover[g] ∈ [0, size[g]]; a[o,g] is o's contribution to gap g;
P(o) is o's partner; risk[o] the option's risk (its own, else its partner's).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pulp
from numpy.typing import NDArray

from planner.inputs.config_rules import DiversifyRule, ResilienceRule
from planner.inputs.scenario import FloatArray, Scenario, float_column
from planner.inputs.select import bloc_partners
from planner.model.core import Model, Role, expr
from planner.model.faces import Face, State


def add_min_fraction(model: Model) -> None:
    """Minimum covered fraction, per sector (size-weighted) and per gap:

    `min_fraction_sector_<s>`:  Σ_{g∈s} cover[g] ≥ f[s]·Σ_{g∈s} size[g]
    `min_fraction_gap_<g>`:     cover[g] ≥ f[g]·size[g]
    """
    sc = model.scenario
    rule = sc.config.rules.min_fraction
    sector = dict(zip(sc.gap_ids(), sc.gaps["sector_id"].tolist()))
    size = dict(zip(sc.gap_ids(), sc.gaps["size"].tolist()))
    for sid, frac in rule.sectors.items():
        gaps = [g for g, s in sector.items() if s == sid]
        total = float(sum(size[g] for g in gaps))
        model.add(
            "min_fraction",
            expr((model.cover[g], 1.0) for g in gaps) >= frac * total,
            f"sector_{sid}",
            subject=sid,
            key=f"rules.min_fraction.sectors.{sid}",
            scale=total,
        )
    for gid, frac in rule.gaps.items():
        model.add(
            "min_fraction",
            expr([(model.cover[gid], 1.0)]) >= frac * float(size[gid]),
            f"gap_{gid}",
            subject=gid,
            key=f"rules.min_fraction.gaps.{gid}",
            scale=float(size[gid]),
        )


def evaluate_min_fraction(state: State) -> Face:
    sc, face = state.scenario, Face()
    rule = sc.config.rules.min_fraction
    cover = dict(zip(sc.gap_ids(), state.covered.tolist()))
    sector = dict(zip(sc.gap_ids(), sc.gaps["sector_id"].tolist()))
    size = dict(zip(sc.gap_ids(), sc.gaps["size"].tolist()))
    for sid, frac in rule.sectors.items():
        gaps = [g for g, s in sector.items() if s == sid]
        face.row(f"sector_{sid}", sum(cover[g] for g in gaps), lower=frac * float(sum(size[g] for g in gaps)))
    for gid, frac in rule.gaps.items():
        face.row(f"gap_{gid}", cover[gid], lower=frac * float(size[gid]))
    return face


def scope_gaps(scenario: Scenario, rule: DiversifyRule) -> list[str]:
    """Gaps a diversify rule looks at: one gap, or every gap of one sector."""
    if rule.gap is not None:
        return [rule.gap]
    return [g for g, s in zip(scenario.gap_ids(), scenario.gaps["sector_id"].tolist()) if s == rule.sector]


def contributions_to(scenario: Scenario, gap_ids: Iterable[str]) -> dict[str, dict[str, float]]:
    """partner → {option → Σ_{g∈gap_ids} a[o,g]} over positive contributions, in option order."""
    by_gap = scenario.contributions_by_gap()
    total: dict[str, float] = {}
    for gid in gap_ids:
        for oid, a in by_gap[gid]:
            total[oid] = total.get(oid, 0.0) + a
    position, partner = scenario.option_position, scenario.option_partner
    out: dict[str, dict[str, float]] = {}
    for oid in sorted(total, key=position.__getitem__):
        out.setdefault(partner[oid], {})[oid] = total[oid]
    return out


def add_diversify(model: Model) -> None:
    """No single point of failure. For rules.diversify[i] over gaps G (one gap, or a sector's gaps),
    with O_p the options of partner p contributing to G and A[o] = Σ_{g∈G} a[o,g]:

    min_partners k:  z[i,p] binary, `diversify_<i>_z_<p>`: z[i,p] − Σ_{o∈O_p} x[o] ≤ 0
                     (x[o] itself stands for z when O_p = {o}), and
                     `diversify_<i>_min_partners`: Σ_p z[i,p] ≥ k
    max_partner_share s:  `diversify_<i>_share_<p>`:
                     Σ_{o∈O_p} A[o]·x[o] − s·Σ_o A[o]·x[o] ≤ 0   (share of raw contributions)
    """
    sc = model.scenario
    for i, rule in enumerate(sc.config.rules.diversify):
        by_partner = contributions_to(sc, scope_gaps(sc, rule))
        if rule.min_partners is not None:
            indicators: list[pulp.LpVariable] = []
            for pid, opts in by_partner.items():
                if len(opts) == 1:
                    indicators.append(model.x[next(iter(opts))])
                    continue
                z = model.new_var("diversify_z", f"{i}_{pid}", 0, 1, pulp.LpBinary, key=(i, pid))
                model.add(
                    "diversify",
                    expr([(z, 1.0), *((model.x[o], -1.0) for o in opts)]) <= 0,
                    f"{i}_z_{pid}",
                    role=Role.DEFINE,
                    subject=pid,
                    scale=None,
                )
                indicators.append(z)
            model.add(
                "diversify",
                expr((v, 1.0) for v in indicators) >= rule.min_partners,
                f"{i}_min_partners",
                key=f"rules.diversify[{i}].min_partners",
            )
        if rule.max_partner_share is not None and rule.max_partner_share < 1:
            s = rule.max_partner_share
            for pid, opts in by_partner.items():
                terms = [
                    (model.x[o], (1.0 - s) * a if o in opts else -s * a)
                    for p2, o2 in by_partner.items()
                    for o, a in o2.items()
                ]
                model.add(
                    "diversify",
                    expr(terms) <= 0,
                    f"{i}_share_{pid}",
                    subject=pid,
                    key=f"rules.diversify[{i}].max_partner_share",
                    scale=None,
                )


def evaluate_diversify(state: State) -> Face:
    """z[i,p] = 1 iff partner p has a selected option contributing to the rule's gaps."""
    sc, face = state.scenario, Face()
    x = dict(zip(sc.option_ids(), state.x.tolist()))
    for i, rule in enumerate(sc.config.rules.diversify):
        by_partner = contributions_to(sc, scope_gaps(sc, rule))
        if rule.min_partners is not None:
            indicators = []
            for pid, opts in by_partner.items():
                z = float(max(x[o] for o in opts))
                indicators.append(z)
                if len(opts) > 1:
                    face.columns[("diversify_z", i, pid)] = z
                    face.row(f"{i}_z_{pid}", z - sum(x[o] for o in opts), upper=0.0)
            face.row(f"{i}_min_partners", sum(indicators), lower=rule.min_partners)
        if rule.max_partner_share is not None and rule.max_partner_share < 1:
            s = rule.max_partner_share
            total = sum(a * x[o] for opts in by_partner.values() for o, a in opts.items())
            for pid, opts in by_partner.items():
                face.row(f"{i}_share_{pid}", sum(a * x[o] for o, a in opts.items()) - s * total, upper=0.0)
    return face


def add_risk(model: Model) -> None:
    """Risk caps (besides the objective's risk_penalty):

    `risk_total`:        Σ_o risk[o]·x[o] ≤ max_total
    `risk_bloc_<b>`:     Σ_{o: b ∈ blocs(P(o))} risk[o]·x[o] ≤ max_per_bloc[b]
    `risk_partner_<p>`:  Σ_{o: P(o)=p} risk[o]·x[o] ≤ max_per_partner[p]
    """
    sc = model.scenario
    rule = sc.config.rules.risk
    risk = dict(zip(sc.option_ids(), sc.options["risk"].tolist()))
    partner = dict(zip(sc.option_ids(), sc.options["partner_id"].tolist()))

    def capped(partners: set[str] | None, cap: float, ident: str, subject: str | None, key: str) -> None:
        ids = [o for o, p in partner.items() if partners is None or p in partners]
        model.add("risk", expr((model.x[o], risk[o]) for o in ids) <= cap, ident, subject=subject, key=key)

    if rule.max_total is not None:
        capped(None, rule.max_total, "total", None, "rules.risk.max_total")
    for bloc, cap in rule.max_per_bloc.items():
        capped(set(bloc_partners(sc.partners, bloc)), cap, f"bloc_{bloc}", bloc, f"rules.risk.max_per_bloc.{bloc}")
    for pid, cap in rule.max_per_partner.items():
        capped({pid}, cap, f"partner_{pid}", pid, f"rules.risk.max_per_partner.{pid}")


def evaluate_risk(state: State) -> Face:
    sc, face = state.scenario, Face()
    rule = sc.config.rules.risk
    risk = sc.options["risk"].to_numpy(dtype=float) * state.x
    partner = sc.options["partner_id"].to_numpy()
    if rule.max_total is not None:
        face.row("total", float(risk.sum()), upper=rule.max_total)
    for bloc, cap in rule.max_per_bloc.items():
        face.row(f"bloc_{bloc}", float(risk[np.isin(partner, bloc_partners(sc.partners, bloc))].sum()), upper=cap)
    for pid, cap in rule.max_per_partner.items():
        face.row(f"partner_{pid}", float(risk[partner == pid].sum()), upper=cap)
    return face


def resilience_rule(scenario: Scenario) -> ResilienceRule:
    """The scenario's `rules.resilience` (this family exists only where it is stated)."""
    rule = scenario.config.rules.resilience
    if rule is None:
        raise ValueError(f"scenario {scenario.name!r} states no rules.resilience")
    return rule


def resilience_gaps(scenario: Scenario) -> list[str]:
    """Gaps N-1 resilience protects: rules.resilience.gaps, else those marked critical."""
    rule = scenario.config.rules.resilience
    if rule is None:
        return []
    if rule.gaps is not None:
        return list(rule.gaps)
    return [g for g, c in zip(scenario.gap_ids(), scenario.gaps["critical"].tolist()) if c]


def add_resilience(model: Model) -> None:
    """N-1 resilience. For each protected gap g and each partner p contributing to g:

    `resilience_<g>_<p>`:  Σ_{o: P(o)≠p} min(a[o,g], f·size[g])·x[o] ≥ f·size[g]
    (capping each coefficient at the right-hand side keeps the same 0/1 solutions of
    Σ a·x ≥ f·size and tightens the LP relaxation.)
    (losing a partner that contributes nothing leaves Σ_o a[o,g]·x[o], which every row
    above bounds from below; with no contributing partner at all, `resilience_<g>_none`:
    0 ≥ f·size[g] states the gap cannot be protected.)
    """
    sc = model.scenario
    frac = resilience_rule(sc).fraction
    size = dict(zip(sc.gap_ids(), sc.gaps["size"].tolist()))
    for gid in resilience_gaps(sc):
        need = frac * float(size[gid])
        by_partner = contributions_to(sc, [gid])
        if not by_partner:
            model.add(
                "resilience",
                expr([]) >= need,
                f"{gid}_none",
                subject=gid,
                key="rules.resilience.fraction",
                scale=float(size[gid]),
            )
        for pid in by_partner:
            # min(a, need): the same integer points, a tighter LP relaxation (one option ≥ need suffices)
            terms = [
                (model.x[o], min(a, need)) for p2, opts in by_partner.items() if p2 != pid for o, a in opts.items()
            ]
            model.add(
                "resilience",
                expr(terms) >= need,
                f"{gid}_{pid}",
                subject=gid,
                key="rules.resilience.fraction",
                scale=float(size[gid]),
            )


def evaluate_resilience(state: State) -> Face:
    sc, face = state.scenario, Face()
    frac = resilience_rule(sc).fraction
    x = dict(zip(sc.option_ids(), state.x.tolist()))
    size = dict(zip(sc.gap_ids(), sc.gaps["size"].tolist()))
    for gid in resilience_gaps(sc):
        need = frac * float(size[gid])
        by_partner = contributions_to(sc, [gid])
        if not by_partner:
            face.row(f"{gid}_none", 0.0, lower=need)
        for pid in by_partner:
            kept = sum(min(a, need) * x[o] for p2, opts in by_partner.items() if p2 != pid for o, a in opts.items())
            face.row(f"{gid}_{pid}", kept, lower=need)
    return face


def n1_coverage(scenario: Scenario, x: NDArray[Any]) -> tuple[FloatArray, list[str | None], dict[str, float]]:
    """N-1 figures of a portfolio, for every gap.

    Returns (n1[g] = min_p min(size[g], Σ_{o: P(o)≠p} a[o,g]·x[o]), the partner attaining
    that minimum per gap (None if no selected option contributes), and per partner the
    weighted coverage lost over the protected gaps: Σ_g w[g]·(covered[g] − covered_{−p}[g])/size[g].
    """
    oi, gi, amt = scenario.contribution_arrays()
    n_gaps = len(scenario.gaps)
    size = float_column(scenario.gaps["size"])
    partner_of = scenario.options["partner_id"].to_numpy()
    partners = list(dict.fromkeys(partner_of[x.astype(bool)].tolist()))
    full = np.minimum(np.bincount(gi, weights=amt * x[oi], minlength=n_gaps), size)
    n1 = full.copy()
    worst: list[str | None] = [None] * n_gaps
    protected = np.isin(scenario.gaps.index.to_numpy(), resilience_gaps(scenario))
    w = scenario.gap_weights()
    loss: dict[str, float] = {}
    for pid in partners:
        keep = x * (partner_of != pid)
        without = np.minimum(np.bincount(gi, weights=amt * keep[oi], minlength=n_gaps), size)
        loss[pid] = float(np.sum((w * (full - without) / size)[protected]))
        for g in np.flatnonzero(without < n1 - 1e-12):  # first partner wins ties
            n1[g], worst[g] = without[g], pid
    return n1, worst, loss
