"""Why is a scenario infeasible, and what is the smallest change that fixes it?

Elastic model. Every bound row i an analyst chose (limits, targets, every non-structural
rule row; `Workbench.bound_rows`) gets a slack sᵢ ≥ 0 that relaxes it — a ≤ row becomes
aᵢ·v − sᵢ ≤ bᵢ, a ≥ row aᵢ·v + sᵢ ≥ bᵢ — and the MILP

    min Σᵢ wᵢ · sᵢ / max(|bᵢ|, 1)        (weights: scenario `diagnose.weights`, default 1)

over the scenario's own variables and rows finds the cheapest combined relaxation: each
relaxation is weighed as a fraction of its bound, so "budget +10 %" and "target −10 %"
cost the same unless the scenario says otherwise. Rows in `diagnose.keep` get no slack.

Alternatives: for each row of that relaxation and of the IIS, the same MILP with only that
row's slack allowed gives the smallest change of that row alone that makes the scenario
feasible (if one exists) — the "or" in "raise diplomatic_capacity from 10 to 13, or lower
the target on gap X from 60 to 42".

Stated bounds are rounded outward (whole numbers where the row's data are whole) and each
is verified by re-solving the scenario with it applied.

The conflicting set comes from HiGHS's IIS (`Highs.getIis`). HiGHS's default iis_strategy
returns an empty set even on an infeasible model; `kIisStrategyFromLp | kIisStrategyIrreducible`
returns an irreducible set. HiGHS computes it on the LP relaxation: when the relaxation is
feasible (integrality alone causes the conflict) there is no IIS, and the report says so.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from planner.inputs.scenario import Scenario
from planner.io.numbers import fmt_num
from planner.solver.highs import HighsSession
from planner.solver.outcome import OPTIMAL
from planner.analysis.workbench import RowInfo, Workbench

IIS_STRATEGY = 2 | 4  # kIisStrategyFromLp | kIisStrategyIrreducible (highspy.IisStrategy)
MAX_ALTERNATIVES = 12


@dataclass
class Relaxation:
    row: str
    family: str
    ident: str
    sense: str
    bound: float
    new_bound: float
    change: float  # |new_bound − bound|
    penalty: float  # weight · change / max(|bound|, 1)
    text: str  # in the analyst's words
    override: str | None = None  # `--set KEY=VALUE` that applies it, where one exists
    edit: dict | None = None  # the table cell to change, where the bound comes from a table
    verified: bool | None = None  # re-solved with this change (alone, or with the others of `combined`)


@dataclass
class Diagnosis:
    scenario: str
    status: str  # the scenario's status before any change
    feasible_after: bool | None  # the combined relaxation, applied, solves
    combined: list[Relaxation] = field(default_factory=list)
    penalty: float | None = None
    alternatives: list[Relaxation] = field(default_factory=list)  # each alone makes it feasible
    iis: dict = field(default_factory=dict)  # source, rows, message
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _weight(cfg, row: RowInfo) -> float | None:
    """The row's weight, or None if it is kept (never relaxed)."""
    keys = (row.name, row.ident, row.family)
    if any(k in cfg.keep for k in keys):
        return None
    for k in keys:
        if k in cfg.weights:
            return float(cfg.weights[k])
    return 1.0


def _outward(wb: Workbench, row: RowInfo, value: float, up: bool) -> float:
    """Round a relaxed bound outward: to whole numbers where the row's data are whole, else 6 digits."""
    i = wb.row_index[row.name]
    if wb.row_integral(i):
        return float(math.ceil(value - 1e-6) if up else math.floor(value + 1e-6))
    if value == 0:
        return 0.0
    q = 10.0 ** (math.floor(math.log10(abs(value))) - 5)
    return (math.ceil(value / q - 1e-6) if up else math.floor(value / q + 1e-6)) * q


def _yaml_list(items) -> str:
    import json

    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def describe_change(sc: Scenario, row: RowInfo, new: float) -> tuple[str, str | None, dict | None]:
    """(sentence, --set override, table edit) for one relaxed row."""
    from planner.io.numbers import fmt

    rules = sc.config.rules
    if row.family == "limit":
        return (f"raise {row.ident} from {fmt(row.bound)} to {fmt(new)}", f"limits.{row.ident}={fmt_num(new)}", None)
    if row.family == "target":
        g = row.ident
        edit = {"file": sc.files.get("gaps"), "row": int(sc.gaps.index.get_loc(g)) + 2, "column": "target",
                "gap_id": g, "value": new}
        return (f"lower the target on gap {g} from {fmt(row.bound)} to {fmt(new)}", None, edit)
    if row.family == "require":
        rest = [o for o in rules.require if o != row.ident]
        return (f"drop the rule requiring {row.ident}", f"rules.require={_yaml_list(rest)}", None)
    if row.family == "forbid":
        rest = [o for o in rules.forbid if o != row.ident]
        return (f"drop the rule forbidding {row.ident}", f"rules.forbid={_yaml_list(rest)}", None)
    mapped = _rule_key(sc, row, new)
    if mapped is not None:
        return mapped
    verb = "raise" if row.sense == "<=" else "lower"
    return (f"{verb} the bound of rule {row.name} from {fmt(row.bound)} to {fmt(new)}", None, None)


def _match(ident: str, keys) -> str | None:
    """The config key whose LP-safe form is `ident` (row names replace unsafe characters by _)."""
    from planner.model.core import _UNSAFE

    for k in keys:
        if _UNSAFE.sub("_", str(k)) == ident:
            return str(k)
    return None


def _rule_key(sc: Scenario, row: RowInfo, new: float) -> tuple[str, str | None, dict | None] | None:
    """Rule rows whose bound is one scenario key: the sentence and the `--set` that relaxes it."""
    from planner.io.numbers import fmt

    rules = sc.config.rules
    suffix = row.name[len(row.family) + 1:]
    if row.family == "max_options":
        pid = _match(suffix, sc.partners.index)
        if pid is not None:
            return (f"allow partner {pid} {fmt(new)} options instead of {fmt(row.bound)}",
                    f"rules.max_options.partners.{pid}={fmt_num(new)}", None)
    if row.family == "risk":
        if suffix == "total":
            return (f"raise the total risk cap from {fmt(row.bound)} to {fmt(new)}", f"rules.risk.max_total={fmt_num(new)}", None)
        for kind, table in (("bloc", rules.risk.max_per_bloc), ("partner", rules.risk.max_per_partner)):
            key = _match(suffix[len(kind) + 1:], table) if suffix.startswith(kind + "_") else None
            if key is not None:
                return (f"raise the risk cap of {kind} {key} from {fmt(row.bound)} to {fmt(new)}",
                        f"rules.risk.max_per_{kind}.{key}={fmt_num(new)}", None)
    if row.family == "min_fraction":
        for kind, table in (("sector", rules.min_fraction.sectors), ("gap", rules.min_fraction.gaps)):
            key = _match(suffix[len(kind) + 1:], table) if suffix.startswith(kind + "_") else None
            if key is not None:
                total = row.bound / table[key] if table[key] else None
                if not total:
                    return None
                frac = math.floor(new / total * 1e6) / 1e6
                return (f"lower the minimum covered fraction of {kind} {key} from {fmt(table[key])} to {fmt(frac)}",
                        f"rules.min_fraction.{kind}s.{key}={fmt_num(frac)}", None)
    if row.family == "resilience" and rules.resilience is not None:
        frac0 = rules.resilience.fraction
        need_full = row.bound / frac0 if frac0 else None  # the gap's size
        if need_full:
            frac = math.floor(new / need_full * 1e6) / 1e6
            what = f"(row {row.name} needs {fmt(new)} instead of {fmt(row.bound)})"
            if frac <= 0:
                return (f"drop the N-1 resilience rule {what}", "rules.resilience=null", None)
            return (f"lower the N-1 resilience fraction from {fmt(frac0)} to {fmt(frac)} {what}",
                    f"rules.resilience.fraction={fmt_num(frac)}", None)
    return None


class _Elastic:
    """Slack columns added to the workbench's live model for the duration of a diagnosis."""

    def __init__(self, wb: Workbench, rows: list[tuple[RowInfo, float]]):
        self.wb, self.rows = wb, rows
        h = wb.session.h
        self.n0 = h.getNumCol()
        costs = []
        for k, (row, w) in enumerate(rows):
            i = wb.row_index[row.name]
            coef = -1.0 if row.sense == "<=" else 1.0
            cost = w / max(abs(row.bound), 1.0)
            h.addCol(cost, 0.0, np.inf, 1, np.array([i], dtype=np.int32), np.array([coef]))
            costs.append(cost)
        self.cost = np.concatenate([np.zeros(self.n0), np.array(costs)])

    def solve(self, only: int | None = None) -> dict:
        """Minimise the weighted relaxation (only slack `only` allowed, if given)."""
        wb, h = self.wb, self.wb.session.h
        k = len(self.rows)
        cols = np.arange(self.n0, self.n0 + k, dtype=np.int32)
        if only is not None:
            upper = np.zeros(k)
            upper[only] = np.inf
            h.changeColsBounds(k, cols, np.zeros(k), upper)
        try:
            res = wb.session.run_stage(self.cost, wb.time_limit, 0.0, None)
        finally:
            if only is not None:
                h.changeColsBounds(k, cols, np.zeros(k), np.full(k, np.inf))
        wb.solves += 1
        slack = None if res.values is None else np.maximum(0.0, res.values[self.n0:self.n0 + k])
        return {"status": res.status, "slack": slack,
                "penalty": None if slack is None else float(self.cost[self.n0:] @ slack)}

    def close(self) -> None:
        h = self.wb.session.h
        k = len(self.rows)
        h.deleteCols(k, np.arange(self.n0, self.n0 + k, dtype=np.int32))


def _relaxation(wb: Workbench, row: RowInfo, w: float, slack: float) -> Relaxation:
    up = row.sense == "<="
    new = _outward(wb, row, row.bound + slack if up else row.bound - slack, up)
    if row.family == "target":
        new = max(0.0, new)
    text, override, edit = describe_change(wb.scenario, row, new)
    change = abs(new - row.bound)
    return Relaxation(row.name, row.family, row.ident, row.sense, row.bound, new, change,
                      w * change / max(abs(row.bound), 1.0), text, override, edit)


def _apply(wb: Workbench, relax: list[Relaxation]) -> dict[str, tuple[float, float]]:
    out = {}
    for r in relax:
        i = wb.row_index[r.row]
        lo, hi = wb.comp.row_lower[i], wb.comp.row_upper[i]
        out[r.row] = (lo, r.new_bound) if r.sense == "<=" else (r.new_bound, hi)
    return out


def find_iis(wb: Workbench) -> dict:
    """HiGHS's IIS of the LP relaxation (see the module doc): rows in conflict, by name."""
    comp = replace(wb.comp, integer=np.zeros(len(wb.comp.integer), dtype=bool))
    session = HighsSession(comp)
    session.h.setOptionValue("iis_strategy", IIS_STRATEGY)
    res = session.run_stage(comp.primary, wb.time_limit, 0.0, None)
    if res.status != "infeasible":
        return {"source": "LP relaxation", "rows": [], "strategy": IIS_STRATEGY,
                "message": f"the LP relaxation is {res.status}: the conflict needs integrality, HiGHS gives no IIS"}
    status, iis = session.h.getIis()
    rows = [comp.row_names[i] for i in iis.row_index_]
    ok = str(status).endswith("kOk") and iis.valid_
    return {"source": "LP relaxation", "rows": rows, "strategy": IIS_STRATEGY,
            "message": "irreducible: dropping any one of these rows removes this conflict" if ok and rows
            else f"HiGHS returned no IIS ({status})"}


def diagnose(scenario: Scenario, workbench: Workbench | None = None, alternatives: bool = True) -> Diagnosis:
    """The smallest weighted relaxation that makes the scenario feasible, single-row
    alternatives, and the IIS. A feasible scenario gives an empty diagnosis."""
    wb = workbench or Workbench(scenario)
    cfg = scenario.config.diagnose
    diag = Diagnosis(scenario.name, wb.base.status, None)
    if wb.base.status != "infeasible":
        diag.notes.append(f"the scenario is not infeasible (status {wb.base.status}); nothing to relax")
        return diag
    rows = []
    for r in wb.bound_rows():
        if r.sense == "==":
            continue
        w = _weight(cfg, r)
        if w is None:
            diag.kept.append(r.name)
        else:
            rows.append((r, w))
    diag.iis = find_iis(wb)
    el = _Elastic(wb, rows)
    try:
        best = el.solve()
        if best["slack"] is None:
            diag.notes.append(f"no relaxation of the limits, targets and rules makes it feasible ({best['status']}): "
                              "the conflict lies in rows diagnose may not relax"
                              + (f" (kept: {', '.join(diag.kept)})" if diag.kept else ""))
            return diag
        if best["status"] != OPTIMAL:
            diag.notes.append(f"the elastic model stopped early ({best['status']}): the relaxation found may not be the smallest")
        diag.combined = [_relaxation(wb, r, w, s) for (r, w), s in zip(rows, best["slack"].tolist()) if s > 1e-7]
        diag.penalty = float(sum(r.penalty for r in diag.combined))
        probe = wb.solve(rows=_apply(wb, diag.combined), tie_break=False)
        diag.feasible_after = probe.feasible
        for r in diag.combined:
            r.verified = probe.feasible
        if alternatives:
            index = {r.name: k for k, (r, _) in enumerate(rows)}
            cands = [r.row for r in diag.combined] + [n for n in diag.iis.get("rows", []) if n in index]
            for name in list(dict.fromkeys(cands))[:MAX_ALTERNATIVES]:
                k = index[name]
                alone = el.solve(only=k)
                if alone["slack"] is None:
                    continue
                rel = _relaxation(wb, rows[k][0], rows[k][1], float(alone["slack"][k]))
                check = wb.solve(rows=_apply(wb, [rel]), tie_break=False)
                rel.verified = check.feasible
                if check.feasible:
                    diag.alternatives.append(rel)
            diag.alternatives.sort(key=lambda r: r.penalty)
    finally:
        el.close()
    return diag


def describe(d: Diagnosis, short: bool = False) -> list[str]:
    """Plain-language diagnosis; `short` is what `planner solve` prints on an infeasible scenario."""
    from planner.io.numbers import fmt

    if d.status != "infeasible":
        return [f"{d.scenario} is not infeasible ({d.status}); nothing to diagnose."]
    out = [f"{d.scenario} is infeasible."]
    if d.alternatives:
        out.append("Any one of these makes it feasible: " + "; or ".join(r.text for r in d.alternatives) + ".")
    if d.combined and (len(d.combined) > 1 or not d.alternatives):
        out.append(f"Smallest weighted relaxation (penalty {fmt(d.penalty)}): "
                   + ", and ".join(r.text for r in d.combined)
                   + (" — together." if len(d.combined) > 1 else "."))
    if d.combined and d.feasible_after is False:
        out.append("Warning: re-solving with that relaxation applied was still not feasible (solver tolerance).")
    rows = d.iis.get("rows") or []
    if rows:
        out.append(f"Conflicting rows (IIS of the {d.iis['source']}): {', '.join(rows)}.")
    elif d.iis.get("message") and not short:
        out.append(f"IIS: {d.iis['message']}.")
    if not short:
        seen = set()
        for r in [*d.alternatives, *d.combined]:
            if (r.row, r.new_bound) in seen:
                continue
            seen.add((r.row, r.new_bound))
            how = f"--set {r.override}" if r.override else (
                f"edit {r.edit['file']} row {r.edit['row']} column {r.edit['column']}" if r.edit else "")
            if how:
                out.append(f"  {r.text}: {how}")
        if d.kept:
            out.append(f"Not relaxed (diagnose.keep): {', '.join(d.kept)}.")
    out.extend(f"Note: {n}." for n in d.notes)
    return out
