"""Judge the `rules:` section against the tables, before anything is built.

Every problem carries the scenario file and the YAML key path (`rules.excludes[2].options.partner`),
the bad value and what would be valid: unknown ids, groups that match nothing, impossible
bounds, and contradictions (an option both required and forbidden; `requires` chains that
force a forbidden option into a required plan or an excluded pair together).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from planner.inputs.config import ScenarioConfig
from planner.inputs.config_rules import Select
from planner.errors import Problem
from planner.inputs.select import memberships, select_ids

if TYPE_CHECKING:
    import pandas as pd

# a → [(b, the index of the requires rule)]: option a needs every such b
NeedsEdges = dict[str, list[tuple[str, int]]]
# (the index of the excludes rule, its options, at most how many of them together)
Excluded = list[tuple[int, set[str], int]]


def rule_resources(cfg: ScenarioConfig) -> dict[str, str]:
    """Resources the rules read from the options table → the key that first names each."""
    out: dict[str, str] = {}
    for i, rule in enumerate(cfg.rules.groups):
        for bound in ("min_use", "max_use"):
            for res in getattr(rule, bound):
                out.setdefault(res, f"rules.groups[{i}].{bound}.{res}")
    if cfg.rules.phasing is not None:
        for res in cfg.rules.phasing.per_year:
            out.setdefault(res, f"rules.phasing.per_year.{res}")
        for j, res in enumerate(cfg.rules.phasing.spread):
            out.setdefault(res, f"rules.phasing.spread[{j}]")
    if cfg.replan is not None:
        for res in cfg.replan.drop_cost:
            out.setdefault(res, f"replan.drop_cost.{res}")
    return out


def replan_columns(cfg: ScenarioConfig) -> dict[str, str]:
    """Options columns that `replan.drop_cost` names (per-option drop costs) → the key naming each."""
    if cfg.replan is None:
        return {}
    return {cost: f"replan.drop_cost.{res}" for res, cost in cfg.replan.drop_cost.items() if isinstance(cost, str)}


def _valid(values: Iterable[str], what: str, bad: str) -> str:
    values = sorted(set(values))
    close = difflib.get_close_matches(bad, values, n=1)
    sample = ", ".join(values[:8]) + (" …" if len(values) > 8 else "")
    return f"unknown {what}{f'; did you mean {close[0]!r}?' if close else ''} Valid: {sample or 'none'}"


class RuleChecker:
    """Collects rule problems; holds the id sets every check needs."""

    def __init__(
        self,
        cfg: ScenarioConfig,
        file: str,
        partners: pd.DataFrame,
        sectors: pd.DataFrame,
        gaps: pd.DataFrame,
        options: pd.DataFrame,
        contributions: pd.DataFrame,
    ) -> None:
        self.cfg, self.file = cfg, file
        self.partners, self.gaps, self.options = partners, gaps, options
        self.problems: list[Problem] = []
        self.ids = {  # .tolist(): iterating a pandas column boxes every cell (slow at 10^5 rows)
            "options": options["option_id"].tolist(),
            "partner": partners["partner_id"].tolist(),
            "sector": sectors["sector_id"].tolist(),
            "gap": gaps["gap_id"].tolist(),
            "kind": options["kind"].tolist(),
            "bloc": [b for cell in partners["bloc"].tolist() for b in memberships(cell)],
            "region": [str(r).strip() for r in partners["region"].tolist() if str(r).strip()],
        }
        words = {
            "options": "option_id",
            "partner": "partner_id",
            "sector": "sector_id",
            "gap": "gap_id",
            "kind": "option kind",
            "bloc": "bloc (partners.bloc memberships)",
            "region": "region (partners.region)",
        }
        self.words = words
        amounts = [a if isinstance(a, float) else 0.0 for a in contributions["amount"].tolist()]
        partner_of = dict(zip(options["option_id"].tolist(), options["partner_id"].tolist()))
        self.gap_partners: dict[str, set[str]] = {}
        for oid, gid, amount in zip(contributions["option_id"].tolist(), contributions["gap_id"].tolist(), amounts):
            if amount > 0 and oid in partner_of:
                self.gap_partners.setdefault(gid, set()).add(partner_of[oid])

    def add(self, key: str, message: str, value: Any = None) -> None:
        self.problems.append(Problem(file=self.file, key=key, value=value, message=message))

    def known(self, kind: str, values: str | list[str] | Mapping[str, Any], key: str) -> bool:
        """Report each value that is not a known id of `kind`; True if all are known.

        `values`: one id (reported at `key`), a list (at `key[j]`) or a mapping (at `key.<id>`)."""
        valid = set(self.ids[kind])
        if isinstance(values, str):
            items = [(key, values)]
        elif isinstance(values, dict):
            items = [(f"{key}.{v}", v) for v in values]
        else:
            items = [(f"{key}[{j}]", v) for j, v in enumerate(values)]
        bad = [(k, v) for k, v in items if v not in valid]
        for k, v in bad:
            self.add(k, _valid(valid, self.words[kind], v), v)
        return not bad

    def group(self, sel: Select, key: str) -> list[str] | None:
        """The options a group selects, or None after reporting unknown values / an empty group."""
        ok = True
        for field in type(sel).model_fields:
            values = getattr(sel, field)
            if values is not None:
                ok = self.known(field, values, f"{key}.{field}") and ok
        if not ok:
            return None
        ids = select_ids(sel, self.options, self.partners)
        if not ids:
            self.add(key, f"the group matches no option ({sel.describe()}); every criterion must hold at once")
            return None
        return ids


def check_rules(
    cfg: ScenarioConfig,
    file: str,
    partners: pd.DataFrame,
    sectors: pd.DataFrame,
    gaps: pd.DataFrame,
    options: pd.DataFrame,
    contributions: pd.DataFrame,
) -> list[Problem]:
    """Every problem in `cfg.rules`, judged against the (string-valued) tables."""
    ck = RuleChecker(cfg, file, partners, sectors, gaps, options, contributions)
    rules = cfg.rules
    ck.known("options", rules.require, "rules.require")
    ck.known("options", rules.forbid, "rules.forbid")
    for oid in sorted(set(rules.require) & set(rules.forbid)):
        ck.add("rules.require", "option is both required and forbidden (rules.forbid); remove it from one list", oid)
    needs = _check_requires(ck)
    excluded = _check_excludes(ck)
    _check_groups(ck)
    ck.known("partner", rules.max_options.partners, "rules.max_options.partners")
    ck.known("sector", rules.min_fraction.sectors, "rules.min_fraction.sectors")
    ck.known("gap", rules.min_fraction.gaps, "rules.min_fraction.gaps")
    _check_diversify(ck)
    ck.known("bloc", rules.risk.max_per_bloc, "rules.risk.max_per_bloc")
    ck.known("partner", rules.risk.max_per_partner, "rules.risk.max_per_partner")
    _check_diminishing(ck)
    _check_standards(ck)
    _check_resilience(ck)
    _check_contradictions(ck, needs, excluded)
    _check_replan(ck)
    return ck.problems


def _check_replan(ck: RuleChecker) -> None:
    """`replan:`: every incumbent id known (did-you-mean), listed once, not forbidden."""
    rule = ck.cfg.replan
    if rule is None:
        return
    where = f" (read from {rule.incumbent_from})" if rule.incumbent_from else ""
    valid = set(ck.ids["options"])
    for j, oid in enumerate(rule.ids):
        if oid not in valid:
            ck.add(f"replan.incumbent[{j}]", _valid(valid, ck.words["options"], oid) + where, oid)
    dup = sorted({o for o in rule.ids if rule.ids.count(o) > 1})
    for oid in dup:
        ck.add("replan.incumbent", f"option is listed more than once in the incumbent{where}; list it once", oid)
    for oid in sorted(set(rule.ids) & set(ck.cfg.rules.forbid)):
        ck.add(
            "replan.incumbent",
            f"an incumbent option is forbidden (rules.forbid){where}; remove it from "
            "rules.forbid, or from the incumbent (a re-plan may then drop it)",
            oid,
        )


def _check_requires(ck: RuleChecker) -> NeedsEdges:
    """Check rules.requires; return the 'needs all' edges a → [(b, rule index)]."""
    edges: NeedsEdges = {}
    for i, rule in enumerate(ck.cfg.rules.requires):
        key = f"rules.requires[{i}]"
        a_ids = ck.group(rule.option, f"{key}.option")
        target = "needs" if rule.needs is not None else "needs_any"
        b_ids = ck.group(getattr(rule, target), f"{key}.{target}")
        if a_ids is None or b_ids is None:
            continue
        for a in a_ids:
            others = [b for b in b_ids if b != a]
            if target == "needs_any" and not others:
                ck.add(
                    f"{key}.needs_any",
                    f"option {a!r} would need one of the group other than itself, "
                    "and there is none, so it could never be selected",
                    a,
                )
            if target == "needs":
                edges.setdefault(a, []).extend((b, i) for b in others)
    return edges


def _check_excludes(ck: RuleChecker) -> Excluded:
    out: Excluded = []
    for i, rule in enumerate(ck.cfg.rules.excludes):
        key = f"rules.excludes[{i}]"
        ids = ck.group(rule.options, f"{key}.options")
        if ids is None:
            continue
        if len(ids) <= rule.at_most:
            ck.add(
                f"{key}.options",
                f"the group has {len(ids)} option(s), so 'at most {rule.at_most}' excludes "
                f"nothing; name at least {rule.at_most + 1} options",
                ids,
            )
        out.append((i, set(ids), rule.at_most))
    return out


def _check_groups(ck: RuleChecker) -> None:
    names: dict[str, int] = {}
    for i, rule in enumerate(ck.cfg.rules.groups):
        key = f"rules.groups[{i}]"
        if rule.name is not None:
            if rule.name in names:
                ck.add(f"{key}.name", f"group name already used by rules.groups[{names[rule.name]}]", rule.name)
            names.setdefault(rule.name, i)
        ids = ck.group(rule.select, f"{key}.select")
        if rule.min_options is not None and rule.max_options is not None and rule.min_options > rule.max_options:
            ck.add(f"{key}.min_options", f"must be ≤ max_options ({rule.max_options})", rule.min_options)
        if ids is not None and rule.min_options is not None and rule.min_options > len(ids):
            ck.add(f"{key}.min_options", f"the group has only {len(ids)} option(s)", rule.min_options)
        for res in set(rule.min_use) & set(rule.max_use):
            if rule.min_use[res] > rule.max_use[res]:
                ck.add(f"{key}.min_use.{res}", f"must be ≤ max_use.{res} ({rule.max_use[res]:g})", rule.min_use[res])


def _check_diversify(ck: RuleChecker) -> None:
    for i, rule in enumerate(ck.cfg.rules.diversify):
        key = f"rules.diversify[{i}]"
        if rule.gap is not None:
            if not ck.known("gap", rule.gap, f"{key}.gap"):
                continue
            gaps = [rule.gap]
        elif rule.sector is not None:  # the config holds exactly one of gap and sector
            if not ck.known("sector", rule.sector, f"{key}.sector"):
                continue
            gaps = [g for g, s in zip(ck.gaps["gap_id"], ck.gaps["sector_id"]) if s == rule.sector]
        else:
            continue
        partners = set().union(*(ck.gap_partners.get(g, set()) for g in gaps))
        if rule.min_partners is not None and rule.min_partners > len(partners):
            ck.add(
                f"{key}.min_partners",
                f"only {len(partners)} partner(s) have options contributing there "
                f"({', '.join(sorted(partners)) or 'none'})",
                rule.min_partners,
            )


def _check_diminishing(ck: RuleChecker) -> None:
    seen: dict[str, int] = {}
    gap_sector = dict(zip(ck.gaps["gap_id"], ck.gaps["sector_id"]))
    for i, rule in enumerate(ck.cfg.rules.diminishing_returns):
        key = f"rules.diminishing_returns[{i}]"
        ok = ck.known("gap", rule.gaps or [], f"{key}.gaps") & ck.known("sector", rule.sectors or [], f"{key}.sectors")
        lo, slope = 0.0, float("inf")
        for k, seg in enumerate(rule.segments):
            if seg.upto <= lo:
                ck.add(f"{key}.segments[{k}].upto", f"must be above the previous segment's end ({lo:g})", seg.upto)
                break
            s = seg.value / (seg.upto - lo)
            if s > slope + 1e-12:
                ck.add(
                    f"{key}.segments[{k}].value",
                    "the value per unit covered must not rise from one segment to "
                    f"the next (concave); here {s:g} after {slope:g}",
                    seg.value,
                )
            lo, slope = seg.upto, s
        else:
            if abs(lo - 1.0) > 1e-12:
                ck.add(f"{key}.segments", f"the last segment must end at upto: 1 (it ends at {lo:g})")
        if not ok:
            continue
        if rule.gaps is None and rule.sectors is None:
            ids = list(gap_sector)
        else:
            ids = list(rule.gaps or []) + [g for g, s in gap_sector.items() if s in (rule.sectors or [])]
        for gid in ids:
            if gid in seen and seen[gid] != i:
                ck.add(key, f"gap {gid!r} already has segments from rules.diminishing_returns[{seen[gid]}]", gid)
            seen.setdefault(gid, i)


def _check_standards(ck: RuleChecker) -> None:
    for j, rule in enumerate(ck.cfg.rules.standards_bonus):
        key = f"rules.standards_bonus[{j}]"
        if not (ck.known("sector", rule.sector, f"{key}.sector") & ck.known("kind", rule.kind, f"{key}.kind")):
            continue
        partners = {
            p
            for p, s, k in zip(ck.options["partner_id"], ck.options["sector_id"], ck.options["kind"])
            if s == rule.sector and k == rule.kind
        }
        if len(partners) < rule.min_partners:
            ck.add(
                f"{key}.min_partners",
                f"only {len(partners)} partner(s) have a {rule.kind!r} option in sector "
                f"{rule.sector!r}, so the bonus could never be earned",
                rule.min_partners,
            )


def _check_resilience(ck: RuleChecker) -> None:
    rule = ck.cfg.rules.resilience
    if rule is None:
        return
    if rule.gaps is not None:
        if not ck.known("gap", rule.gaps, "rules.resilience.gaps"):
            return
        gaps = list(rule.gaps)
    else:
        gaps = [g for g, c in zip(ck.gaps["gap_id"], ck.gaps["critical"]) if bool(c)]
        if not gaps:
            ck.add(
                "rules.resilience",
                "no gap is marked critical in the gaps table; mark some (critical: true) "
                "or list them in rules.resilience.gaps",
            )
    for gid in gaps:
        partners = ck.gap_partners.get(gid, set())
        if len(partners) < 2:
            ck.add(
                "rules.resilience",
                f"gap {gid!r} has options from {len(partners)} partner(s) "
                f"({', '.join(sorted(partners)) or 'none'}); N-1 resilience needs at least two",
                gid,
            )


def _closure(start: str, edges: NeedsEdges) -> dict[str, int]:
    """Options `start` transitively needs → the first requires rule on the path."""
    seen: dict[str, int] = {}
    stack = [(b, i) for b, i in edges.get(start, [])]
    while stack:
        b, i = stack.pop()
        if b not in seen and b != start:
            seen[b] = i
            stack.extend((c, i) for c, _ in edges.get(b, []))
    return seen


def _check_contradictions(ck: RuleChecker, edges: NeedsEdges, excluded: Excluded) -> None:
    rules = ck.cfg.rules
    forbidden = set(rules.forbid)
    reported: set[tuple[str, str | int]] = set()
    for oid in dict.fromkeys(rules.require):
        for b, i in _closure(oid, edges).items():
            if b in forbidden and (oid, b) not in reported:
                reported.add((oid, b))
                ck.add(
                    f"rules.requires[{i}]",
                    f"required option {oid!r} needs {b!r} (through rules.requires), but it is in rules.forbid",
                    b,
                )
    for a in edges:
        need = _closure(a, edges)
        for k, members, at_most in excluded:
            together = [o for o in [a, *need] if o in members]
            if len(together) > at_most and (a, k) not in reported:
                reported.add((a, k))
                i = need[together[-1]] if together[-1] in need else next(iter(need.values()))
                ck.add(
                    f"rules.requires[{i}]",
                    f"option {a!r} needs {', '.join(repr(o) for o in together if o != a)} "
                    f"(through rules.requires), but rules.excludes[{k}] allows at most {at_most} of "
                    f"{', '.join(sorted(together))} together, so {a!r} could never be selected",
                    a,
                )
