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
feasible (if one exists) — the "or" in "raise the diplomatic capacity limit from 10 to 13, or lower
the target on gap X from 60 to 42".

Stated bounds are rounded outward (whole numbers where the row's data are whole) and each
is verified by re-solving the scenario with it applied.

Each change is stated at the bound's source, read from the row's tag (`RowTag`): a scenario
key (`--set limits.budget_musd=…`; a target set by `objective.coverage_target` as that
fraction, bound / the gap's size, rounded outward), a table cell (a gap's own target in
gaps.csv; a partner cap in partners.csv's max_options column, or the
`rules.max_options.partners.<p>` override), or the YAML key where `--set` cannot reach it (list
items such as `rules.groups[0].min_options`). Rows of one relaxation that share a key state
one value: the most relaxed.

The conflicting set comes from HiGHS's IIS (`Highs.getIis`). HiGHS's default iis_strategy
returns an empty set even on an infeasible model; `kIisStrategyFromLp | kIisStrategyIrreducible`
returns an irreducible set. HiGHS computes it on the LP relaxation: when the relaxation is
feasible (integrality alone causes the conflict) there is no IIS, and the report says so.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

from planner.analysis.words import resource_words
from planner.analysis.workbench import RowInfo, Workbench
from planner.errors import PlannerError
from planner.inputs.config import DiagnoseConfig
from planner.inputs.scenario import Scenario
from planner.io.numbers import fmt, fmt_num
from planner.model.core import Cell
from planner.solver.outcome import Status

IIS_STRATEGY = 2 | 4  # kIisStrategyFromLp | kIisStrategyIrreducible (highspy.IisStrategy)
MAX_ALTERNATIVES = 12

TableEdit = dict[str, str | int | float | None]  # file, row, column, the row's id column, value
Change = tuple[str, str | None, TableEdit | None, str | None]  # sentence, --set override, table edit, key


class IisReport(TypedDict, total=False):
    """HiGHS's IIS as the diagnosis states it (empty when the scenario is not infeasible)."""

    source: str
    rows: list[str]
    strategy: int
    message: str


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
    edit: TableEdit | None = None  # the table cell to change, where the bound comes from a table
    key: str | None = None  # the scenario key the bound came from (`RowTag.key`), e.g. to edit in YAML
    verified: bool | None = None  # re-solved with this change (alone, or with the others of `combined`)


@dataclass
class Diagnosis:
    scenario: str
    status: Status  # the scenario's status before any change
    feasible_after: bool | None  # the combined relaxation, applied, solves
    combined: list[Relaxation] = field(default_factory=list)
    penalty: float | None = None
    alternatives: list[Relaxation] = field(default_factory=list)  # each alone makes it feasible
    iis: IisReport = field(default_factory=lambda: IisReport())  # source, rows, message
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _ElasticSolve:
    """One solve of the elastic model: each row's slack (None without a solution) and the penalty."""

    status: Status
    slack: npt.NDArray[np.float64] | None
    penalty: float | None


def _weight(cfg: DiagnoseConfig, row: RowInfo) -> float | None:
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


def _scale(row: RowInfo) -> float:
    """bound = scale × the key's value; the rows that reach `describe_change` with a value have one."""
    if not row.tag.scale:
        raise PlannerError(f"row {row.name}: its bound is no multiple of {row.tag.key}")
    return row.tag.scale


def describe_change(sc: Scenario, row: RowInfo, new: float, value: float | None = None) -> Change:
    """(sentence, --set override, table edit, the scenario key the change sets) for one relaxed
    row, from its tag: the scenario key or table cell its bound came from, and the scale
    (bound = scale × that value).

    `value` states the key's new value outright (rows that share a key; see `_merge_shared`)."""

    tag = row.tag
    key, subject, b = tag.key, tag.subject, row.bound
    verb = "raise" if row.sense == "<=" else "lower"
    if tag.cell is not None:
        return _cell_change(sc, row, tag.cell, new)
    if key is None:
        return (f"{verb} the bound of rule {row.name} from {fmt(b)} to {fmt(new)}", None, None, None)
    if row.family in ("require", "forbid"):
        rest = [o for o in _listed(sc, row.family) if o != subject]
        what = "requiring" if row.family == "require" else "forbidding"
        return (f"drop the rule {what} {subject}", f"{key}={_yaml_list(rest)}", None, key)
    v = _key_value(row, new) if value is None else value
    label = f" (group {subject})" if subject is not None and row.family == "groups" else ""
    if v is None:  # the bound is not a multiple of the key's value: name the rule and the row
        who = f" for {subject}" if subject is not None and not label else ""
        return (f"relax {key}{label}{who} (row {row.name} allows {fmt(new)} instead of {fmt(b)})", None, None, key)
    override = f"{key}={fmt_num(v)}" if _settable(key) else None
    if key == "objective.coverage_target":
        cur = sc.config.objective.coverage_target
        return (
            f"lower objective.coverage_target from {fmt(cur)} to {fmt(v)} (the target on gap {subject} from "
            f"{fmt(b)} to {fmt(v * _scale(row))}; it sets the target of every gap gaps.csv leaves blank)",
            override,
            None,
            key,
        )
    if key == "rules.resilience.fraction":
        resilience = sc.config.rules.resilience
        frac0 = None if resilience is None else resilience.fraction
        what = f"(row {row.name} needs {fmt(new)} instead of {fmt(b)})"
        if v <= 0:
            return (f"drop the N-1 resilience rule {what}", "rules.resilience=null", None, key)
        return (f"lower the N-1 resilience fraction from {fmt(frac0)} to {fmt(v)} {what}", override, None, key)
    if row.family == "limit":
        words = resource_words(str(subject))
        return (f"raise the {words.name} limit from {words.amount(b)} to {words.amount(v)}", override, None, key)
    if row.family == "max_options":
        own = f"rules.max_options.partners.{subject}"
        how = "" if key == own else f" (overrides {key} for {subject} only)"
        return (f"allow partner {subject} {fmt(v)} options instead of {fmt(b)}{how}", f"{own}={fmt_num(v)}", None, own)
    if row.family == "risk":
        if key == "rules.risk.max_total":
            return (f"raise the total risk cap from {fmt(b)} to {fmt(v)}", override, None, key)
        kind = "bloc" if key == f"rules.risk.max_per_bloc.{subject}" else "partner"
        return (f"raise the risk cap of {kind} {subject} from {fmt(b)} to {fmt(v)}", override, None, key)
    if row.family == "min_fraction":
        kind = "sector" if key == f"rules.min_fraction.sectors.{subject}" else "gap"
        table = sc.config.rules.min_fraction.sectors if kind == "sector" else sc.config.rules.min_fraction.gaps
        current = table.get(subject) if subject is not None else None
        return (
            f"lower the minimum covered fraction of {kind} {subject} from {fmt(current)} to {fmt(v)}",
            override,
            None,
            key,
        )
    return (f"{verb} {key}{label} from {fmt(b / _scale(row))} to {fmt(v)}", override, None, key)


def _listed(sc: Scenario, family: str) -> list[str]:
    return list(sc.config.rules.require if family == "require" else sc.config.rules.forbid)


def _cell_change(sc: Scenario, row: RowInfo, cell: Cell, new: float) -> Change:
    """A bound read from a table cell (the row's `cell`): the edit, and the scenario override where one exists."""
    table = getattr(sc, cell.table)
    id_column = {"gaps": "gap_id", "partners": "partner_id", "options": "option_id"}[cell.table]
    edit: TableEdit = {
        "file": sc.files.get(cell.table),
        "row": int(table.index.get_loc(cell.row_id)) + 2,
        "column": cell.column,
        id_column: cell.row_id,
        "value": new,
    }
    if row.family == "target":
        return (f"lower the target on gap {cell.row_id} from {fmt(row.bound)} to {fmt(new)}", None, edit, None)
    if row.family == "max_options":
        key = f"rules.max_options.partners.{cell.row_id}"
        return (
            f"allow partner {cell.row_id} {fmt(new)} options instead of {fmt(row.bound)} (its cap is the "
            f"partners table's {cell.column} column: edit it there, or override it with {key})",
            f"{key}={fmt_num(new)}",
            edit,
            key,
        )
    verb = "raise" if row.sense == "<=" else "lower"
    return (f"{verb} {cell.table} {cell.row_id} {cell.column} from {fmt(row.bound)} to {fmt(new)}", None, edit, None)


def _settable(key: str) -> bool:
    """`--set` reaches mapping keys only (`planner.inputs.read.apply_overrides`), not list items."""
    return "[" not in key


def _key_value(row: RowInfo, new: float) -> float | None:
    """The key's value that gives the row bound `new`: new / scale, rounded outward to 1e-6
    (down for a ≥ row, up for a ≤ row) unless the scale is 1; None where the bound is no multiple."""
    scale = row.tag.scale
    if not scale:
        return None
    if scale == 1:
        return new
    q = new / scale * 1e6
    return (math.ceil(q) if row.sense == "<=" else math.floor(q)) / 1e6


def _yaml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


class _Elastic:
    """Slack columns added to the workbench's live model inside a `live.changes()` block (which removes them)."""

    def __init__(self, wb: Workbench, rows: list[tuple[RowInfo, float]]):
        self.wb, self.rows = wb, rows
        session = wb.live
        self.n0 = session.num_columns
        costs = []
        for row, w in rows:
            i = wb.row_index[row.name]
            coef = -1.0 if row.sense == "<=" else 1.0
            cost = w / max(abs(row.bound), 1.0)
            session.add_column(cost, 0.0, np.inf, [i], [coef])
            costs.append(cost)
        self.cost = np.concatenate([np.zeros(self.n0), np.array(costs)])

    def solve(self, only: int | None = None) -> _ElasticSolve:
        """Minimise the weighted relaxation (only slack `only` allowed, if given)."""
        wb, session = self.wb, self.wb.live
        k = len(self.rows)
        cols = np.arange(self.n0, self.n0 + k, dtype=np.int32)
        if only is not None:
            upper = np.zeros(k)
            upper[only] = np.inf
            session.set_column_bounds(cols, np.zeros(k), upper)
        try:
            res = session.run_stage(self.cost, wb.time_limit, 0.0, None)
        finally:
            if only is not None:
                session.set_column_bounds(cols, np.zeros(k), np.full(k, np.inf))
        wb.solves += 1
        slack = None if res.values is None else np.maximum(0.0, res.values[self.n0 : self.n0 + k])
        return _ElasticSolve(res.status, slack, None if slack is None else float(self.cost[self.n0 :] @ slack))


def _relaxation(wb: Workbench, row: RowInfo, w: float, slack: float) -> Relaxation:
    up = row.sense == "<="
    new = _outward(wb, row, row.bound + slack if up else row.bound - slack, up)
    if row.family == "target":
        new = max(0.0, new)
    text, override, edit, key = describe_change(wb.scenario, row, new)
    change = abs(new - row.bound)
    return Relaxation(
        row.name,
        row.family,
        row.ident,
        row.sense,
        row.bound,
        new,
        change,
        w * change / max(abs(row.bound), 1.0),
        text,
        override,
        edit,
        key,
    )


def _merge_shared(wb: Workbench, relaxed: list[tuple[Relaxation, RowInfo, float]]) -> None:
    """Rows of one relaxation that share a scenario key (the targets `objective.coverage_target`
    sets, the rows of `rules.resilience.fraction`, the `rules.require` list …) get one consistent
    change: the most relaxed value (each row relaxed at least as much as it needed), or the
    list without every dropped entry. Applied together, the overrides then say the same."""
    sc = wb.scenario
    groups: dict[str, list[tuple[Relaxation, RowInfo, float]]] = {}
    for item in relaxed:
        if item[0].key is not None:
            groups.setdefault(item[0].key, []).append(item)
    for key, members in groups.items():
        if len(members) < 2:
            continue
        family = members[0][1].family
        if family in ("require", "forbid"):
            dropped = {row.subject for _, row, _ in members}
            override = f"{key}={_yaml_list([o for o in _listed(sc, family) if o not in dropped])}"
            for rel, _, _ in members:
                rel.override = override
            continue
        maybe = [_key_value(row, rel.new_bound) for rel, row, _ in members]
        values = [v for v in maybe if v is not None]
        if len(values) < len(maybe):
            continue
        v = max(values) if members[0][1].sense == "<=" else min(values)
        for (rel, row, w), own in zip(members, values):
            if own != v:
                rel.new_bound = v * _scale(row)
                rel.change = abs(rel.new_bound - rel.bound)
                rel.penalty = w * rel.change / max(abs(rel.bound), 1.0)
            rel.text, rel.override, rel.edit, rel.key = describe_change(sc, row, rel.new_bound, value=v)


def _apply(wb: Workbench, relax: list[Relaxation]) -> dict[str, tuple[float, float]]:
    out = {}
    for r in relax:
        i = wb.row_index[r.row]
        lo, hi = wb.comp.row_lower[i], wb.comp.row_upper[i]
        out[r.row] = (lo, r.new_bound) if r.sense == "<=" else (r.new_bound, hi)
    return out


def find_iis(wb: Workbench) -> IisReport:
    """HiGHS's IIS of the LP relaxation (see the module doc): rows in conflict, by name."""
    session = wb.live.relaxation()
    comp = session.comp
    session.set_iis_strategy(IIS_STRATEGY)
    res = session.run_stage(comp.primary, wb.time_limit, 0.0, None)
    if res.status != Status.INFEASIBLE:
        return IisReport(
            source="LP relaxation",
            rows=[],
            strategy=IIS_STRATEGY,
            message=f"the LP relaxation is {res.status}: the conflict needs integrality, HiGHS gives no IIS",
        )
    iis = session.iis()
    rows = [comp.row_names[i] for i in iis.rows]
    return IisReport(
        source="LP relaxation",
        rows=rows,
        strategy=IIS_STRATEGY,
        message="irreducible: dropping any one of these rows removes this conflict"
        if iis.valid and rows
        else f"HiGHS returned no IIS ({iis.status})",
    )


def diagnose(scenario: Scenario, workbench: Workbench | None = None, alternatives: bool = True) -> Diagnosis:
    """The smallest weighted relaxation that makes the scenario feasible, single-row
    alternatives, and the IIS. A feasible scenario gives an empty diagnosis."""
    wb = workbench or Workbench(scenario)
    cfg = scenario.config.diagnose
    diag = Diagnosis(scenario.name, wb.base.status, None)
    if wb.base.status != Status.INFEASIBLE:
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
    with wb.live.changes():
        el = _Elastic(wb, rows)
        best = el.solve()
        if best.slack is None:
            diag.notes.append(
                f"no relaxation of the limits, targets and rules makes it feasible ({best.status}): "
                "the conflict lies in rows diagnose may not relax"
                + (f" (kept: {', '.join(diag.kept)})" if diag.kept else "")
            )
            return diag
        if best.status != Status.OPTIMAL:
            diag.notes.append(
                f"the elastic model stopped early ({best.status}): the relaxation found may not be the smallest"
            )
        relaxed = [(_relaxation(wb, r, w, s), r, w) for (r, w), s in zip(rows, best.slack.tolist()) if s > 1e-7]
        _merge_shared(wb, relaxed)
        diag.combined = [rel for rel, _, _ in relaxed]
        diag.penalty = float(sum(rel.penalty for rel in diag.combined))
        probe = wb.solve(rows=_apply(wb, diag.combined), tie_break=False)
        diag.feasible_after = probe.feasible
        for rel in diag.combined:
            rel.verified = probe.feasible
        if alternatives:
            diag.alternatives = _alternatives(wb, el, rows, diag)
    return diag


def _alternatives(wb: Workbench, el: _Elastic, rows: list[tuple[RowInfo, float]], diag: Diagnosis) -> list[Relaxation]:
    """Each row of the combined relaxation and of the IIS, relaxed alone as far as it must be
    (at most MAX_ALTERNATIVES), where that alone makes the scenario feasible (re-solved); least penalty first."""
    index = {r.name: k for k, (r, _) in enumerate(rows)}
    cands = [r.row for r in diag.combined] + [n for n in diag.iis.get("rows", []) if n in index]
    out = []
    for name in list(dict.fromkeys(cands))[:MAX_ALTERNATIVES]:
        k = index[name]
        alone = el.solve(only=k)
        if alone.slack is None:
            continue
        rel = _relaxation(wb, rows[k][0], rows[k][1], float(alone.slack[k]))
        check = wb.solve(rows=_apply(wb, [rel]), tie_break=False)
        rel.verified = check.feasible
        if check.feasible:
            out.append(rel)
    out.sort(key=lambda r: r.penalty)
    return out


def describe(d: Diagnosis, short: bool = False) -> list[str]:
    """Plain-language diagnosis; `short` is what `planner solve` prints on an infeasible scenario."""

    if d.status != Status.INFEASIBLE:
        return [f"{d.scenario} is not infeasible ({d.status}); nothing to diagnose."]
    out = [f"{d.scenario} is infeasible."]
    if d.alternatives:
        out.append("Any one of these makes it feasible: " + "; or ".join(r.text for r in d.alternatives) + ".")
    if d.combined and (len(d.combined) > 1 or not d.alternatives):
        out.append(
            f"Smallest weighted relaxation (penalty {fmt(d.penalty)}): "
            + ", and ".join(r.text for r in d.combined)
            + (" — together." if len(d.combined) > 1 else ".")
        )
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
            ways = [f"--set {r.override}"] if r.override else []
            if r.edit:
                ways.append(f"edit {r.edit['file']} row {r.edit['row']} column {r.edit['column']}")
            if not ways and r.key:
                ways.append(f"set {r.key} in the scenario file (--set reaches mapping keys, not list items)")
            if ways:
                out.append(f"  {r.text}: {', or '.join(ways)}")
        if d.kept:
            out.append(f"Not relaxed (diagnose.keep): {', '.join(d.kept)}.")
    out.extend(f"Note: {n}." for n in d.notes)
    return out
