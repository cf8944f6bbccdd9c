"""Rule families on the selection alone: require/forbid, requires, excludes, groups, max_options.

Notation: x[o] ∈ {0,1} selects option o; use[o,r] is o's use of resource r; a group G is
the set of options a `Select` matches (`planner.inputs.select`).
"""

from __future__ import annotations

import math
from typing import Any, TypedDict

from numpy.typing import NDArray

from planner.inputs.config_rules import GroupRule
from planner.inputs.scenario import Scenario, float_column
from planner.inputs.select import group_ids
from planner.model.core import Cell, Model, expr
from planner.model.faces import INF, Face, State


class CapSource(TypedDict, total=False):
    """Where a partner's cap came from, as `Model.add` takes it: a scenario `key` or a table `cell`."""

    key: str
    cell: Cell


def add_require(model: Model) -> None:
    """`require_<o>`: x[o] ≥ 1 for every o in rules.require."""
    for oid in model.scenario.config.rules.require:
        model.add("require", expr([(model.x[oid], 1.0)]) >= 1, oid, subject=oid, key="rules.require", scale=None)


def add_forbid(model: Model) -> None:
    """`forbid_<o>`: x[o] ≤ 0 for every o in rules.forbid."""
    for oid in model.scenario.config.rules.forbid:
        model.add("forbid", expr([(model.x[oid], 1.0)]) <= 0, oid, subject=oid, key="rules.forbid", scale=None)


def _x(state: State) -> dict[str, int]:
    return dict(zip(state.scenario.option_ids(), state.x.tolist()))


def evaluate_require(state: State) -> Face:
    x, face = _x(state), Face()
    for oid in state.scenario.config.rules.require:
        face.row(oid, x[oid], lower=1.0)
    return face


def evaluate_forbid(state: State) -> Face:
    x, face = _x(state), Face()
    for oid in state.scenario.config.rules.forbid:
        face.row(oid, x[oid], upper=0.0)
    return face


def requires_pairs(scenario: Scenario, i: int) -> tuple[list[str], list[str], bool]:
    """(options A, needed options B, needs_any?) of rules.requires[i], in table order."""
    rule = scenario.config.rules.requires[i]
    a = group_ids(scenario, rule.option)
    needed = rule.needs if rule.needs is not None else rule.needs_any
    if needed is None:  # the config refuses a rule with neither
        raise ValueError(f"rules.requires[{i}] states neither needs nor needs_any")
    b = group_ids(scenario, needed)
    return a, b, rule.needs is None


def add_requires(model: Model) -> None:
    """A only with B. For rules.requires[i] with groups A (option) and B:

    needs (all of B):     `requires_<i>_<a>_<b>`:  x[a] − x[b] ≤ 0      for a ∈ A, b ∈ B, b ≠ a
    needs_any (one of B): `requires_<i>_<a>`:      x[a] − Σ_{b∈B∖{a}} x[b] ≤ 0   for a ∈ A
    """
    x = model.x
    for i in range(len(model.scenario.config.rules.requires)):
        a_ids, b_ids, any_of = requires_pairs(model.scenario, i)
        for a in a_ids:
            if any_of:
                terms = [(x[a], 1.0)] + [(x[b], -1.0) for b in b_ids if b != a]
                model.add("requires", expr(terms) <= 0, f"{i}_{a}", subject=a, key=f"rules.requires[{i}]", scale=None)
            else:
                for b in b_ids:
                    if b != a:
                        model.add(
                            "requires",
                            expr([(x[a], 1.0), (x[b], -1.0)]) <= 0,
                            f"{i}_{a}_{b}",
                            subject=a,
                            key=f"rules.requires[{i}]",
                            scale=None,
                        )


def evaluate_requires(state: State) -> Face:
    x, face = _x(state), Face()
    for i in range(len(state.scenario.config.rules.requires)):
        a_ids, b_ids, any_of = requires_pairs(state.scenario, i)
        for a in a_ids:
            if any_of:
                face.row(f"{i}_{a}", x[a] - sum(x[b] for b in b_ids if b != a), upper=0.0)
            else:
                for b in (b for b in b_ids if b != a):
                    face.row(f"{i}_{a}_{b}", x[a] - x[b], upper=0.0)
    return face


def add_excludes(model: Model) -> None:
    """Not together. For rules.excludes[i] with group S and bound k (default 1):

    `excludes_<i>`:  Σ_{o∈S} x[o] ≤ k        (`[a, b]` is the pairwise form: x[a] + x[b] ≤ 1)
    """
    sc = model.scenario
    for i, rule in enumerate(sc.config.rules.excludes):
        ids = group_ids(sc, rule.options)
        model.add(
            "excludes", expr((model.x[o], 1.0) for o in ids) <= rule.at_most, str(i), key=f"rules.excludes[{i}].at_most"
        )


def evaluate_excludes(state: State) -> Face:
    x, face, sc = _x(state), Face(), state.scenario
    for i, rule in enumerate(sc.config.rules.excludes):
        face.row(str(i), sum(x[o] for o in group_ids(sc, rule.options)), upper=rule.at_most)
    return face


def group_label(rule: GroupRule, i: int) -> str:
    return rule.name if rule.name else str(i)


def add_groups(model: Model) -> None:
    """Group cardinality and resource bounds. For rules.groups[i] (label L = name or i), group G:

    `groups_<L>_min_options`:  Σ_{o∈G} x[o] ≥ min_options
    `groups_<L>_max_options`:  Σ_{o∈G} x[o] ≤ max_options
    `groups_<L>_min_use_<r>`:  Σ_{o∈G} use[o,r]·x[o] ≥ min_use[r]
    `groups_<L>_max_use_<r>`:  Σ_{o∈G} use[o,r]·x[o] ≤ max_use[r]
    """
    sc = model.scenario
    for i, rule in enumerate(sc.config.rules.groups):
        label = group_label(rule, i)
        ids = group_ids(sc, rule.select)
        count = expr((model.x[o], 1.0) for o in ids)
        if rule.min_options is not None:
            model.add(
                "groups",
                count >= rule.min_options,
                f"{label}_min_options",
                subject=label,
                key=f"rules.groups[{i}].min_options",
            )
        if rule.max_options is not None:
            model.add(
                "groups",
                count <= rule.max_options,
                f"{label}_max_options",
                subject=label,
                key=f"rules.groups[{i}].max_options",
            )
        for bound, uses in (("min", rule.min_use), ("max", rule.max_use)):
            for res, amount in uses.items():
                use = dict(zip(sc.option_ids(), sc.options[res].tolist()))
                used = expr((model.x[o], float(use[o])) for o in ids)
                model.add(
                    "groups",
                    (used >= amount) if bound == "min" else (used <= amount),
                    f"{label}_{bound}_use_{res}",
                    subject=label,
                    key=f"rules.groups[{i}].{bound}_use.{res}",
                )


def evaluate_groups(state: State) -> Face:
    x, face, sc = _x(state), Face(), state.scenario
    for i, rule in enumerate(sc.config.rules.groups):
        label, ids = group_label(rule, i), group_ids(sc, rule.select)
        count = sum(x[o] for o in ids)
        if rule.min_options is not None:
            face.row(f"{label}_min_options", count, lower=rule.min_options)
        if rule.max_options is not None:
            face.row(f"{label}_max_options", count, upper=rule.max_options)
        for bound, uses in (("min", rule.min_use), ("max", rule.max_use)):
            for res, amount in uses.items():
                use = dict(zip(sc.option_ids(), sc.options[res].tolist()))
                used = sum(float(use[o]) * x[o] for o in ids)
                face.row(f"{label}_{bound}_use_{res}", used, *((amount, INF) if bound == "min" else (-INF, amount)))
    return face


def partner_caps(scenario: Scenario) -> dict[str, int]:
    """Effective max_options per partner: rule override, else the column, else the rule's default."""
    return {pid: cap for pid, (cap, _) in partner_cap_sources(scenario).items()}


def partner_cap_sources(scenario: Scenario) -> dict[str, tuple[int, CapSource]]:
    """Per capped partner: (cap, where it came from: a scenario `key` or the partners table `cell`)."""
    rule = scenario.config.rules.max_options
    caps: dict[str, tuple[int, CapSource]] = {}
    column = dict(zip(scenario.partners.index, scenario.partners["max_options"].tolist())) if rule.use_column else {}
    for pid in scenario.partners.index:
        source: CapSource
        cap, source = rule.partners.get(pid), {"key": f"rules.max_options.partners.{pid}"}
        if cap is None and column and not math.isnan(column[pid]):
            cap, source = int(column[pid]), {"cell": Cell("partners", pid, "max_options")}
        if cap is None:
            cap, source = rule.default, {"key": "rules.max_options.default"}
        if cap is not None:
            caps[pid] = (cap, source)
    return caps


def add_max_options(model: Model) -> None:
    """Partner absorptive capacity. For each partner p with a cap (rules.max_options.partners[p],
    else the partners table's max_options, else rules.max_options.default):

    `max_options_<p>`:  Σ_{o of p} x[o] ≤ cap[p]      (omitted where p has no more options than cap)
    """
    sc = model.scenario
    by_partner: dict[str, list[str]] = {}
    for oid, pid in zip(sc.option_ids(), sc.options["partner_id"].tolist()):
        by_partner.setdefault(pid, []).append(oid)
    for pid, (cap, source) in partner_cap_sources(sc).items():
        ids = by_partner.get(pid, [])
        if len(ids) > cap:
            model.add("max_options", expr((model.x[o], 1.0) for o in ids) <= cap, pid, subject=pid, **source)


def evaluate_max_options(state: State) -> Face:
    sc, face = state.scenario, Face()
    count: dict[str, int] = {}
    size: dict[str, int] = {}
    for pid, v in zip(sc.options["partner_id"].tolist(), state.x.tolist()):
        count[pid] = count.get(pid, 0) + v
        size[pid] = size.get(pid, 0) + 1
    for pid, cap in partner_caps(sc).items():
        if size.get(pid, 0) > cap:
            face.row(pid, count[pid], upper=cap)
    return face


def forced_by(scenario: Scenario, x: NDArray[Any]) -> list[str]:
    """Per option: `;`-joined rules that force it into this portfolio ('' if none).

    require → `require`; `requires[i]` when a selected option needs it (all of `needs`, or
    the only selected one of `needs_any`); `groups[L]` when dropping it would break its
    group's min_options or a min_use bound.
    """
    rules = scenario.config.rules
    ids = scenario.option_ids()
    chosen = {o for o, v in zip(ids, x.tolist()) if v}
    reasons: dict[str, list[str]] = {o: [] for o in ids}
    position = scenario.option_position
    for oid in rules.require:
        reasons[oid].append("require")
    for i in range(len(rules.requires)):
        a_ids, b_ids, any_of = requires_pairs(scenario, i)
        for a in (a for a in a_ids if a in chosen):
            needed = [b for b in b_ids if b != a and b in chosen]
            if any_of and len(needed) != 1:
                continue
            for b in needed:
                if f"requires[{i}]" not in reasons[b]:
                    reasons[b].append(f"requires[{i}]")
    for i, rule in enumerate(rules.groups):
        members = [o for o in group_ids(scenario, rule.select) if o in chosen]
        used = {r: float(scenario.options.loc[members, r].sum()) for r in rule.min_use}
        use = {r: float_column(scenario.options[r]) for r in rule.min_use}
        for o in members:
            short = rule.min_options is not None and len(members) - 1 < rule.min_options
            short = short or any(
                used[r] - float(use[r][position[o]]) < amount - 1e-9 for r, amount in rule.min_use.items()
            )
            if short:
                reasons[o].append(f"groups[{group_label(rule, i)}]")
    return [";".join(reasons[o]) for o in ids]
