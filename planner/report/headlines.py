"""The headline figures of a robust, rival, tranches or Pareto run, in words (`planner.report.words`).

Each function takes what the run wrote (its JSON, and for tranches its table and scenario.json)
and returns (label, value) pairs: the label in words, the value a number or a sentence. The
reports show them at the top and the workbook's Summary sheet lists them; no raw key of the
run's JSON reaches the reader.
"""

from __future__ import annotations

from typing import Any

from planner.io.numbers import fmt_number as num
from planner.report.words import objective_words, pareto_objective_words, resource_words, value_words

Figures = list[tuple[str, Any]]
FULL = 1e-6  # a limit is used in full when what is left of it is below this
CORE_LABELS = ("core", "borderline", "exterior")


def _part(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _seconds(data: dict[str, Any]) -> Figures:
    seconds = data.get("seconds")
    total = seconds.get("total") if isinstance(seconds, dict) else seconds
    return [("Time taken (s)", total)] if isinstance(total, (int, float)) else []


def robust_figures(data: dict[str, Any]) -> Figures:
    """A robust run (robust.json, `planner robust`)."""
    nominal, maximin, regret, core = (_part(data, k) for k in ("nominal", "maximin", "minimax_regret", "core_index"))
    labels = list((core.get("options") or {}).values())
    rows: Figures = [("Contested weights", ", ".join(map(str, data.get("factors") or [])) or "none")]
    if data.get("message"):
        rows.append(("Note", str(data["message"])))
    if nominal:
        rows.append(("Today's optimum: objective", nominal.get("objective")))
        rows.append(("Today's optimum: worst case over the weights", nominal.get("worst_case")))
        rows.append(("Today's optimum: largest regret", nominal.get("max_regret")))
    if maximin:
        rows.append(("Best worst case (maximin plan)", maximin.get("worst_case")))
        rows.append(("Maximin plan: largest regret", maximin.get("max_regret")))
    if regret:
        rows.append(("Smallest largest regret (minimax-regret plan)", regret.get("max_regret")))
        rows.append(
            (
                "Minimax regret: proof",
                f"gap {num(regret.get('gap'), 4)} after {regret.get('iterations')} round(s)",
            )
        )
    if core:
        listed = f"{core.get('portfolios')} listed" + ("" if core.get("complete") else "; listing stopped at its limit")
        rows.append(("Non-dominated portfolios", listed))
        rows.append(("Options: core / borderline / exterior", " / ".join(str(labels.count(k)) for k in CORE_LABELS)))
    return rows + _seconds(data)


def rival_figures(data: dict[str, Any]) -> Figures:
    """A rival run (rival.json, `planner rival`)."""
    r = _part(data, "rival")
    name = str(r.get("name") or "the rival")

    def plan(key: str) -> str:
        p = _part(data, key)
        pulls = ", ".join(map(str, p.get("response") or [])) or "nobody"
        return (
            f"objective {num(p.get('objective'), 4)} with nobody pulled; worst case {num(p.get('worst_case'), 4)} "
            f"({name} pulls {pulls}); {len(p.get('selected') or [])} options"
        )

    exact = data.get("exact")
    return [
        (
            "Rival",
            f"{name}: budget {num(r.get('budget'))}, shield {num(r.get('shield'))} per option, "
            f"loss {num(100 * float(r.get('loss') or 0))} %",
        ),
        ("Nominal plan", plan("nominal")),
        ("Hedged plan", plan("hedged")),
        ("Price of hedging", data.get("price_of_hedging")),
        ("Gain against the rival", data.get("gain")),
        (
            "Exactness",
            f"exact: bound {num(data.get('bound'), 4)} met after {data.get('iterations')} rounds"
            if exact
            else f"not proven: gap {num(data.get('gap'), 4)} after {data.get('iterations')} rounds",
        ),
        *_seconds(data),
    ]


def pareto_figures(summary: dict[str, Any]) -> Figures:
    """A Pareto run (its summary.json, `planner pareto`)."""
    objectives = [o for o in summary.get("objectives") or [] if isinstance(o, dict)]
    words = {str(o.get("label")): pareto_objective_words(str(o.get("kind")), o.get("id")) for o in objectives}
    senses = [" (maximised)" if o.get("sense") == "max" else " (minimised)" for o in objectives]
    rows: Figures = [("Objectives", "; ".join(w + s for w, s in zip(words.values(), senses)))]
    rows.append(("Non-dominated points", summary.get("points_count")))
    if summary.get("complete") is False:
        covered = _part(summary, "covered")
        rows.append(
            (
                "Front",
                f"partial: stopped by {value_words(summary.get('stop'))}; covered where "
                f"{words.get(str(covered.get('objective')), covered.get('objective'))} is "
                f"{value_words(covered.get('side'))} {num(covered.get('value'), 4)}",
            )
        )
    else:
        rows.append(("Front", "complete"))
    rows.append(("Solves", summary.get("solves")))
    return rows + _seconds(summary)


def montecarlo_figures(summary: dict[str, Any]) -> Figures:
    """A Monte Carlo run (summary.json, `planner montecarlo`): the re-optimised objective labelled as
    such, beside the unperturbed plan's own value under the same perturbations."""
    base, reopt, plan = _part(summary, "base"), _part(summary, "objective"), _part(summary, "base_plan")

    def spread(d: dict[str, Any]) -> str:
        if not d:
            return "not computed (a run of an earlier version)"
        return f"mean {num(d.get('mean'), 4)}; 5th–95th percentile {num(d.get('p5'), 4)} – {num(d.get('p95'), 4)}"

    perturbed = [
        f"{p.get('table')}.{p.get('column')} {p.get('dist')}"
        for p in summary.get("perturb") or []
        if isinstance(p, dict)
    ]
    counts = _part(summary, "counts")
    statuses = _part(summary, "status_counts")
    return [
        ("Samples", summary.get("samples")),
        ("Seed", summary.get("seed")),
        ("Perturbed inputs", "; ".join(perturbed) or "none"),
        ("Objective", objective_words(summary.get("sense"))),
        ("Unperturbed plan, unperturbed inputs", base.get("objective")),
        ("Unperturbed plan under the perturbations (held fixed)", spread(plan)),
        ("Re-optimised per sample (each sample's own best plan)", spread(reopt)),
        ("Options: core / borderline / exterior", " / ".join(str(counts.get(k, 0)) for k in CORE_LABELS)),
        ("Samples by status", ", ".join(f"{v} {k}" for k, v in statuses.items()) or "none"),
    ]


def tranches_figures(summary: dict[str, Any], frame: Any, limits: dict[str, Any]) -> Figures:
    """A tranches run (summary.json, tranches.csv, scenario.json's limits): its figures and which limit
    binds: the first tranche from which another limit is used in full, leaving the raised one unspent."""
    resource = str(summary.get("resource"))
    rows: Figures = [
        ("Limit raised by the tranches", resource_words(resource)),
        ("Tranches", ", ".join(num(v) for v in summary.get("tranches") or [])),
        ("Nesting", value_words(summary.get("nested"))),
        ("Objective", objective_words(summary.get("sense"))),
        ("Sum of the tranches' objectives", summary.get("objective_sum")),
        ("Sum at each limit alone", summary.get("unconstrained_sum")),
        ("Price of nesting, per tranche", ", ".join(num(v, 4) for v in summary.get("price_of_nesting") or [])),
    ]
    rows.extend(binding_figures(resource, frame, limits))
    return rows


def binding_figures(resource: str, frame: Any, limits: dict[str, Any]) -> Figures:
    """For each other limit used in full from some tranche on: that tranche, its use and what the
    raised limit leaves unspent there."""
    rows: Figures = []
    if frame is None or not len(frame):
        return rows
    records = frame.to_dict(orient="records")
    for other, cap in limits.items():
        col = f"{other}_used"
        if other == resource or cap is None or col not in frame.columns:
            continue
        full = [r for r in records if r.get(col) is not None and float(r[col]) >= float(cap) - FULL]
        if not full:
            continue
        first = full[0]
        unspent = [
            f"{num(float(r['limit']) - float(r[f'{resource}_used']))} in tranche {num(r.get('tranche'))}"
            for r in full
            if r.get(f"{resource}_used") is not None and r.get("limit") is not None
        ]
        rows.append(
            (
                f"Binding: {resource_words(other)}",
                f"from tranche {num(first.get('tranche'))} on, {resource_words(other)} is used in full "
                f"({num(first[col])} of {num(cap)}): that, not {resource_words(resource)}, stops the plan "
                f"growing, leaving {resource_words(resource)} unspent: " + (", ".join(unspent) or "none"),
            )
        )
    return rows


def replan_figures(s: dict[str, Any]) -> list[tuple[str, str]]:
    """A re-plan's lines: its changes, and the price of stability (the clean-sheet plan beside it)."""
    counts, info = s.get("changes"), s.get("replan")
    if not isinstance(counts, dict) or not isinstance(info, dict):
        return []
    rows = [
        (
            "Changes",
            f"{counts.get('total')} ({counts.get('kept')} kept, {counts.get('dropped')} dropped, "
            f"{counts.get('added')} added; incumbent of {info.get('incumbent')})",
        )
    ]
    clean = info.get("clean_sheet")
    if isinstance(clean, dict) and clean.get("objective") is not None and isinstance(clean.get("changes"), dict):
        rows.append(
            (
                "Price of stability",
                f"{num(clean.get('price_of_stability'), 4)}: a clean-sheet plan "
                f"reaches {num(clean['objective'], 4)} with "
                f"{clean['changes'].get('total')} changes",
            )
        )
    return rows
