"""Words for the codes a run writes: column keys, resource names, objective senses, enum values.

One source for every place that shows a run to a person: the reports (`planner export`),
the workbench's panels (`planner.web.job_views`) and the CLI's tables. A resource is named
by its column in options.csv; by the house convention the unit is its suffix
(`budget_musd` → "budget (M$)"), so the unit is read from that suffix for display only
(`planner.analysis.words`, which explain's sentences use too).
A key with no entry here is shown with its underscores as spaces.
"""

from __future__ import annotations

from planner.analysis.words import resource_words as _resource

OBJECTIVE_WORDS = {  # objective.sense -> what the objective measures
    "max_coverage": "weighted share of gaps closed",
    "min_cost": "cost of the plan",
}

VALUE_WORDS = {  # enum values written in summaries and tables
    "max_coverage": "maximise weighted coverage",
    "min_cost": "minimise cost",
    "max_points": "the point limit (Points at most)",
    "time_limit": "the time limit",
    "at_least": "at least",
    "at_most": "at most",
    "joint": "joint (best sum over the tranches)",
    "greedy": "greedy (each tranche fixed before the next)",
    "enter": "enters",
    "leave": "leaves",
}

COLUMN_WORDS = {
    # shared
    "option_id": "option",
    "partner_id": "partner id",
    "sector_id": "sector id",
    "gap_id": "gap id",
    "status": "status",
    "objective": "objective",
    "bound": "bound",
    "mip_gap": "MIP gap",
    "selected": "options",
    "selected_ids": "options chosen",
    "portfolio": "options chosen",
    "entered": "enter here",
    "left": "leave here",
    "entered_ids": "enter here",
    "left_ids": "leave here",
    "added": "options added",
    "dropped": "options dropped",
    "supported": "supported (a weighted optimum)",
    "point": "point",
    # frontier and ladder
    "segment": "step",
    "limit_from": "from",
    "limit_to": "to",
    "event": "event",
    "at_limit": "at limit",
    "objective_at": "objective there",
    # tranches
    "tranche": "tranche",
    "limit": "limit",
    "unconstrained_status": "status alone",
    "unconstrained_objective": "best plan at that limit alone",
    "price_of_nesting": "price of nesting",
    "added_count": "options added (count)",
    "objective_added": "objective added",
    "unconstrained_portfolio": "best plan alone: options",
    # Monte Carlo
    "sample": "sample",
    "base_objective": "base plan under this sample",
    "selected_samples": "samples with it",
    "frequency": "share of samples",
    "label": "label",
    "in_base": "in the unperturbed plan",
    "base_fraction": "unperturbed plan",
    "samples": "samples",
    "mean": "mean",
    # robust
    "rank": "portfolio",
    "min": "worst case over the weights",
    "max": "best case over the weights",
    "nominal": "today's optimum",
    "maximin": "maximin plan",
    "minimax_regret": "minimax-regret plan",
    "core": "label",
    "nondominated_share": "share of non-dominated portfolios",
    "mc_frequency": "share of weight draws",
    "vertex": "corner of the weight set",
    # rival
    "name": "name",
    "rival_cost": "cost to the rival",
    "options_nominal": "options (nominal)",
    "cost_nominal": "cost vs nominal plan",
    "loss_alone_nominal": "loss if pulled alone (nominal)",
    "pulled_nominal": "pulled vs nominal",
    "options_hedged": "options (hedged)",
    "cost_hedged": "cost vs hedged plan",
    "loss_alone_hedged": "loss if pulled alone (hedged)",
    "pulled_hedged": "pulled vs hedged",
    "shore_up": "shore up",
    "budget": "rival budget",
    "nominal_worst_case": "nominal worst case",
    "nominal_response": "rival pulls (nominal)",
    "hedged_worst_case": "hedged worst case",
    "hedged_objective": "hedged objective",
    "hedged_response": "rival pulls (hedged)",
    "price_of_hedging": "price of hedging",
    "gain": "gain",
    "gap": "gap",
    "iterations": "rounds",
    "exact": "exact",
}
RIVAL_NAME_COLUMN = {"name": "partner"}  # a rival table's `name` column names partners

PARETO_WORDS = {  # pareto objective kind -> words (an id, when the kind has one, follows)
    "coverage": "coverage (weighted share of gaps closed)",
    "sector": "coverage of sector",
    "gap": "coverage of gap",
    "cost": "cost in",
    "risk": "total risk",
    "partners": "partners engaged",
    "worst_case": "worst case against the rival",
}


def resource_words(resource: str) -> str:
    """`budget_musd` → "budget (M$)", `diplomatic_capacity` → "diplomatic capacity" (`planner.analysis.words`)."""
    words = _resource(resource)
    return f"{words.name} ({words.unit})" if words.unit else words.name


def objective_words(sense: str | None) -> str:
    """What the objective measures, in a few words ("weighted share of gaps closed")."""
    return OBJECTIVE_WORDS.get(str(sense), "objective")


def value_words(value: object) -> object:
    """An enum value in words; anything else unchanged."""
    return VALUE_WORDS.get(value, value) if isinstance(value, str) else value


def pareto_objective_words(kind: str, ident: str | None = None) -> str:
    """A Pareto objective (`coverage`, `cost:budget_musd`, `sector:ai` …) in words."""
    words = PARETO_WORDS.get(kind, kind.replace("_", " "))
    if ident is None:
        return words
    return f"{words} {resource_words(ident) if kind == 'cost' else ident}"


def column_words(column: str, resources: tuple[str, ...] = ()) -> str:
    """A table column in words: known keys from COLUMN_WORDS, `<resource>_used` and a bare resource
    (one of `resources`) by `resource_words`, `limits.x` as "x limit", anything else de-underscored."""
    if column in COLUMN_WORDS:
        return COLUMN_WORDS[column]
    if column.endswith("_used"):
        return f"{resource_words(column.removesuffix('_used'))} used"
    if column in resources:
        return resource_words(column)
    if column.startswith("limits."):
        return f"{resource_words(column.removeprefix('limits.'))} limit"
    if ":" in column:  # a Pareto objective's label, e.g. cost:budget_musd
        kind, _, ident = column.partition(":")
        return pareto_objective_words(kind, ident)
    if column in PARETO_WORDS:
        return pareto_objective_words(column)
    return column.replace("_", " ")
