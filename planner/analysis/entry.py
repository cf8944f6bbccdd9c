"""What it would take for an unselected option to enter the portfolio: exact thresholds.

For each parameter q — the bound of a limit or rule row that blocks o, a scale factor on
o's contributions, a cut in o's cost — the threshold is the smallest q at which `planner
solve` selects o. It is found without bisection, from entry MIPs (`Workbench.min_parameter`):

1. t₁ = min t such that some portfolio containing o, with the parameter at t, is at least as
   good as z₀ = today's optimum. For every t < t₁ each portfolio containing o is strictly
   worse than z₀, and a portfolio without o still reaches z₀, so o is not selected.
2. Re-solve at t₁ (as `planner solve` would, tie-break included). If o is selected, t₁ is
   the threshold. If not, the optimum without o at t₁ is z₁ > z₀ (a relaxed bound can make
   portfolios without o better too) — repeat with z₁; if it is a tie the tie-break lost,
   repeat asking for strictly better. Contribution and cost parameters leave portfolios
   without o unchanged, so they need at most the tie step.

Stated values are rounded outward to a grid (1 unit when the row's data are whole
numbers, else 1/1000 of o's coefficient; 0.001 for a scale factor); `below` is one grid
step short of the stated value and is proven (or, after a tie step, checked by a re-solve)
not to select o. The selection need not be monotone beyond the threshold: a larger
relaxation can also let a better portfolio without o in; the threshold is the smallest value.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

import numpy as np
import numpy.typing as npt

from planner.analysis.parallel import run_threads
from planner.analysis.words import resource_words
from planner.analysis.workbench import Parameter, Probe, RowInfo, Workbench, obj_tol
from planner.errors import PlannerError
from planner.inputs.scenario import Scenario
from planner.io.numbers import fmt_num
from planner.results.evaluation import evaluate
from planner.solver.outcome import Status

SCALE_GRID = 0.001

Selection = npt.NDArray[np.int8]
StartYears = npt.NDArray[np.int_] | None
# value_at(t, x, start): the objective of portfolio x with the parameter at t, computed without the solver
ValueAt = Callable[[float, Selection, StartYears], float]
EditCell = dict[str, str | int]


class EntryStatus(StrEnum):
    """How an entry search ended. A `StrEnum`: written to JSON and CSV as its plain value."""

    FOUND = "found"  # `needed` brings it in (`below`, one grid step short, does not)
    IMPOSSIBLE = "impossible"  # no value of the parameter brings it in (proven)
    NOT_BELOW = "not_below"  # no value short of `checked` brings it in (proven); larger not searched
    TIE = "tie"  # ties exactly in objective and tie-break cost; the solver's fixed order decides, not searched
    UNKNOWN = "unknown"  # the search stopped without an answer (see the notes)


@dataclass
class RowEffect:
    """A row o's flip would violate (or a limit o uses): what binds, and o's coefficient in it."""

    row: str
    family: str
    ident: str
    sense: str
    bound: float
    activity: float  # row activity if o is flipped (removed / added)
    coefficient: float  # o's coefficient in the row


@dataclass
class EntryPath:
    parameter: str  # resource name, row name, "contributions" or "cost"
    kind: str  # "limit" | "rule" | "contributions" | "cost"
    status: EntryStatus
    current: float | None
    needed: float | None = None  # at this value `planner solve` selects the option
    below: float | None = None  # one grid step short of `needed`: not selected there
    grid: float | None = None
    override: str | None = None  # the `--set KEY=VALUE` that makes the change, where one exists
    edit: EditCell | None = None  # the table cell to change, where the change is to input data
    checked: float | None = None  # status NOT_BELOW: o is proven out for every value short of this
    steps: int = 0  # entry MIPs solved
    notes: list[str] = field(default_factory=list)
    family: str | None = None  # kind 'limit' / 'rule': the row's family (`RowTag.family`)
    exact_tie: bool = False  # the search ended on an exact tie (objective and tie-break weight)
    # kinds 'limit' and 'cost': the resource in words (`planner.analysis.words`), e.g. "budget", "M$"
    label: str | None = None
    unit: str | None = None
    # kind 'limit': the limit from which every option fits (the row binds no portfolio); nothing changes beyond it
    all_fit: float | None = None


@dataclass
class SearchResult:
    """What `_search` found, in the parameter's own t (t = 0 today)."""

    status: EntryStatus
    steps: int
    notes: list[str]
    t: float | None = None  # FOUND: o is selected at t
    below: float | None = None  # FOUND: one grid step short of t, not selected (None: not claimed)
    checked: float | None = None  # NOT_BELOW: o is proven out for every t below this
    exact_tie: bool = False  # it stopped on an exact tie in objective and tie-break weight


@dataclass
class _State:
    """The search's state between entry MIPs (see `_search`)."""

    z_ref: float  # the objective a portfolio with o must reach
    notes: list[str] = field(default_factory=list)
    strict: bool = False  # ask for strictly better than z_ref
    tie_step: bool = False  # a lost tie-break was seen
    tie_noted: bool = False  # the "ties and loses the tie-break" note is written
    c_ref: float | None = None  # after a lost tie: the winner's tie-break weight (o may win a tie by being cheaper)
    proven_out: float = 0.0  # o is proven out for every t below this (from the last tie-inclusive entry MIP)


@dataclass
class _Candidate:
    """One entry MIP's answer: the smallest t and the portfolio containing o that reaches z_ref there."""

    status: Status
    t: float | None
    x: Selection | None
    start: StartYears
    strict: bool  # it was asked for strictly better


def objective_of(probe: Probe) -> float:
    """The stage-1 objective of a re-solve that has a portfolio (the base optimum explain starts from)."""
    if probe.solver_objective is None:
        raise PlannerError(f"the re-solve has no portfolio (status: {probe.status})")
    return probe.solver_objective


def _better(wb: Workbench, a: float, b: float) -> bool:
    """a strictly better than b in the scenario's sense (beyond the objective tolerance)."""
    return (a > b + obj_tol(b)) if wb.comp.maximize else (a < b - obj_tol(b))


def _same_weight(wb: Workbench, o: str, p: Parameter, t: float, x_a: Selection, x_b: Selection) -> bool:
    """Portfolios x_a and x_b weigh the same in the tie-break with the parameter at t."""
    cost = wb.comp.secondary.copy()
    cost[wb.col(o)] += t * p.secondary
    c_a, c_b = float(cost[wb.comp.x_cols] @ x_a), float(cost[wb.comp.x_cols] @ x_b)
    return abs(c_a - c_b) <= 1e-9 * max(1.0, abs(c_a))


def _bisect_ties(
    wb: Workbench, o: str, p: Parameter, grid: float, lo: float, steps: int, notes: list[str]
) -> SearchResult:
    """o ties at `lo` and loses the tie-break; the parameter also moves the tie-break (a cost
    cut), and the selection is monotone in it: bisect on the grid between lo and t_max."""
    top = math.floor(p.t_max / grid + 1e-9)
    k_lo = round(lo / grid)
    probe = wb.solve(param=p, t=top * grid)
    if not (probe.feasible and o in probe.selected):
        return SearchResult(
            EntryStatus.IMPOSSIBLE, steps, notes + ["ties at best, and loses the tie-break even at the limit"]
        )
    k_hi = top
    while k_hi - k_lo > 1:
        mid = (k_lo + k_hi) // 2
        probe = wb.solve(param=p, t=mid * grid)
        if probe.feasible and o in probe.selected:
            k_hi = mid
        else:
            k_lo = mid
    notes.append("it ties in the objective; the stated value wins the tie-break (least cost), found by bisection")
    below: float | None = k_lo * grid
    out = wb.solve(param=p, t=k_lo * grid)
    inside = wb.solve(param=p, t=k_lo * grid, fix={o: 1})
    if (
        out.x is not None
        and inside.x is not None
        and abs(objective_of(out) - objective_of(inside)) <= obj_tol(objective_of(out))
        and _same_weight(wb, o, p, k_lo * grid, out.x, inside.x)
    ):
        notes.append("one grid step short it ties in objective and cost: either portfolio may be chosen there")
        below = None
    return SearchResult(EntryStatus.FOUND, steps, notes, t=k_hi * grid, below=below)


def _candidate(wb: Workbench, o: str, p: Parameter, st: _State) -> _Candidate:
    """The next entry MIP: the smallest t at which a portfolio with o reaches z_ref (strictly, after a
    lost tie) — or, after a lost tie, is as good and cheaper than the winner, whichever t is smaller."""
    status, t, x, start = wb.min_parameter(p, o, st.z_ref, st.strict)
    if st.c_ref is not None:  # or a tie o wins on the tie-break: as good, and cheaper
        st2, t2, x2, start2 = wb.min_parameter(p, o, st.z_ref, False, st.c_ref - 1e-7 * max(1.0, abs(st.c_ref)))
        if t2 is not None and st2 == Status.OPTIMAL and (t is None or t2 < t):
            return _Candidate(st2, t2, x2, start2, False)
    return _Candidate(status, t, x, start, st.strict)


def _no_candidate(c: _Candidate, st: _State, fixed_others: bool, step: int) -> SearchResult:
    """The entry MIP found no t (or stopped early): impossible, or not determined."""
    if c.t is None and c.status == Status.INFEASIBLE and st.strict and fixed_others:
        # o's own portfolios improve with the parameter (its contributions): never strictly
        # better, but one of them can tie and, being cheaper than today's, win the tie-break
        # at a larger value — not proven impossible. (A limit only admits dearer portfolios.)
        note = "it can tie but never be strictly better; whether a larger value wins the tie-break was not searched"
        return SearchResult(EntryStatus.UNKNOWN, step, st.notes + [note])
    if c.t is None and c.status == Status.INFEASIBLE:
        return SearchResult(EntryStatus.IMPOSSIBLE, step, st.notes)
    stopped = "entry MIP stopped" if c.t is None else "entry MIP stopped early"
    return SearchResult(EntryStatus.UNKNOWN, step, st.notes + [f"{stopped}: {c.status}"])


def _good_enough(wb: Workbench, value: float, st: _State, strict: bool) -> bool:
    """The candidate, rounded to whole selections, really reaches z_ref (strictly where asked)."""
    if strict:
        return _better(wb, value, st.z_ref)
    slack = 10 * obj_tol(st.z_ref)  # the MIP's own tolerances (feasibility, integrality)
    return value >= st.z_ref - slack if wb.comp.maximize else value <= st.z_ref + slack


def _found(wb: Workbench, o: str, p: Parameter, grid: float, t_rep: float, st: _State, step: int) -> SearchResult:
    below: float | None = t_rep - grid if t_rep - grid >= 0 else None
    if below is not None and st.tie_step:
        check = wb.solve(param=p, t=below)
        if check.feasible and o in check.selected:
            st.notes.append("selected one grid step below as well: the tie-break decides near the threshold")
            below = None
    return SearchResult(EntryStatus.FOUND, step, st.notes, t=t_rep, below=below)


def _lost_tie(
    wb: Workbench, o: str, p: Parameter, t_rep: float, probe: Probe, st: _State, step: int
) -> SearchResult | None:
    """A tie lost on the tie-break at t_rep: next ask for strictly better, or as good and cheaper
    than the winner; an exact tie (objective and weight) ends the search."""
    assert probe.x is not None  # the caller checked the re-solve has a portfolio
    weight = wb.comp.secondary.copy()
    weight[wb.col(o)] += t_rep * p.secondary
    c_new = float(weight[wb.comp.x_cols] @ probe.x)
    if st.strict and st.c_ref is not None and c_new >= st.c_ref - 1e-7 * max(1.0, abs(st.c_ref)):
        note = (
            "it ties exactly (objective and tie-break weight) with a portfolio without it: the solver's "
            "fixed order among exact ties decides"
        )
        return SearchResult(EntryStatus.NOT_BELOW, step, st.notes + [note], checked=st.proven_out, exact_tie=True)
    st.strict, st.tie_step, st.c_ref = True, True, c_new
    if not st.tie_noted:
        st.notes.append("it ties and loses the tie-break (least cost) at first; the stated value wins")
        st.tie_noted = True
    return None


def _search(
    wb: Workbench,
    o: str,
    p: Parameter,
    grid: float,
    fixed_others: bool,
    max_steps: int,
    value_at: ValueAt | None = None,
    ties_move: bool = False,
) -> SearchResult:
    """The threshold t (on `grid`) at which o is selected, and a t one step below where it is not.

    `fixed_others`: portfolios without o do not change with the parameter (z_ref never moves).
    `value_at(t, x, start)`: the objective of portfolio x with the parameter at t, when it can be
    computed without the solver; a portfolio with o strictly better than z₀ then proves o
    is selected without a re-solve. `ties_move`: the parameter also moves the tie-break, so a
    lost tie is settled by bisection (`_bisect_ties`)."""
    z_base = objective_of(wb.base)
    st = _State(z_ref=z_base)
    for step in range(1, max_steps + 1):
        c = _candidate(wb, o, p, st)
        if c.t is None or c.x is None or c.status != Status.OPTIMAL:
            return _no_candidate(c, st, fixed_others, step)
        value = value_at(c.t, c.x, c.start) if value_at is not None else evaluate(wb.scenario, c.x, c.start).objective
        if not _good_enough(wb, value, st, c.strict):  # rounded to 0/1, not as good: a tolerance artefact
            note = "the entry MIP's only candidates fall short once rounded to whole selections"
            return SearchResult(EntryStatus.IMPOSSIBLE, step, st.notes + [note])
        if not c.strict and st.c_ref is None:
            st.proven_out = c.t
        t_rep = min(p.t_max, math.ceil(c.t / grid - 1e-6) * grid)
        if fixed_others and value_at is not None and _better(wb, value_at(t_rep, c.x, c.start), z_base):
            return _found(wb, o, p, grid, t_rep, st, step)  # a portfolio with o beats every one without it
        probe = wb.solve(param=p, t=t_rep, near=c.x)
        if probe.x is None:
            return SearchResult(EntryStatus.UNKNOWN, step, st.notes + [f"re-solve at {t_rep:g}: {probe.status}"])
        if o in probe.selected:
            return _found(wb, o, p, grid, t_rep, st, step)
        if not fixed_others and _better(wb, objective_of(probe), st.z_ref):
            st.z_ref, st.strict, st.c_ref = objective_of(probe), False, None
        elif ties_move and not st.strict:
            return _bisect_ties(wb, o, p, grid, t_rep, step, st.notes)
        else:
            ended = _lost_tie(wb, o, p, t_rep, probe, st, step)
            if ended is not None:
                return ended
    return SearchResult(EntryStatus.NOT_BELOW, max_steps, st.notes, checked=st.proven_out)


def _grid_for(wb: Workbench, i: int, coef: float) -> float:
    if wb.row_integral(i):
        return 1.0
    return 10.0 ** (math.floor(math.log10(abs(coef))) - 3) if coef else 1e-3


def _bound_path(wb: Workbench, o: str, row: RowEffect, max_steps: int) -> EntryPath:
    i = wb.row_index[row.row]
    info = wb.rows[i]
    grid = _grid_for(wb, i, row.coefficient)
    p = wb.row_bound_parameter(info.name)
    r = _search(wb, o, p, grid, fixed_others=False, max_steps=max_steps)
    up = info.sense == "<="
    kind = "limit" if info.family == "limit" else "rule"
    path = EntryPath(
        parameter=info.ident if kind == "limit" else info.name,
        kind=kind,
        status=r.status,
        current=info.bound,
        grid=grid,
        steps=r.steps,
        notes=r.notes,
        family=info.family,
        exact_tie=r.exact_tie,
    )
    if kind == "limit":
        words = resource_words(info.ident)
        path.label, path.unit, path.all_fit = words.name, words.unit, wb.loose_bound(i)
    if r.status is EntryStatus.NOT_BELOW and r.checked is not None:
        t_out = math.floor(r.checked / grid + 1e-6) * grid  # o proven out for every t < t_out
        path.checked = info.bound + t_out if up else info.bound - t_out
        if t_out <= 0 and path.exact_tie:
            path.status, path.checked = EntryStatus.TIE, None
    if r.t is not None:
        _state_needed(wb, path, info, r.t, r.below)
    return path


def _state_needed(wb: Workbench, path: EntryPath, info: RowInfo, t: float, below: float | None) -> None:
    """A bound path's threshold in the row's own values, and the `--set` that applies it."""
    up = info.sense == "<="
    path.needed = info.bound + t if up else info.bound - t
    if below is not None:
        path.below = info.bound + below if up else info.bound - below
    if path.kind == "limit":
        path.override = f"{info.tag.key}={fmt_num(path.needed)}"
    elif info.family == "forbid":
        rest = [f for f in wb.scenario.config.rules.forbid if f != info.subject]
        path.override = f"{info.tag.key}=" + _yaml_list(rest)


def _scaled(
    scenario: Scenario, o: str, column: str, factor: float, table: Literal["contributions", "options"]
) -> Scenario:
    frame = getattr(scenario, table).copy()
    if table == "contributions":
        frame.loc[frame["option_id"] == o, column] = frame.loc[frame["option_id"] == o, column] * factor
    else:
        frame.loc[o, column] = frame.loc[o, column] * factor
    return replace(scenario, **{table: frame})


def _contribution_path(wb: Workbench, o: str) -> EntryPath | None:
    sc = wb.scenario
    amounts = sc.contributions.loc[sc.contributions["option_id"] == o, "amount"]
    if not (amounts > 0).any():
        return None
    # Beyond the scale at which each of o's contributions fills its gap, nothing changes.
    sizes = sc.gaps["size"].to_dict()
    mine = sc.contributions[(sc.contributions["option_id"] == o) & (sc.contributions["amount"] > 0)]
    s_max = max(sizes[g] / a for g, a in zip(mine["gap_id"], mine["amount"]))
    t_max = max(SCALE_GRID, math.ceil((s_max - 1.0) / SCALE_GRID) * SCALE_GRID)
    p = wb.variant_parameter(o, _scaled(sc, o, "amount", 2.0, "contributions"), "contributions ×(1+t)", t_max=t_max)

    def value_at(t: float, x: Selection, start: StartYears) -> float:
        return evaluate(_scaled(sc, o, "amount", 1.0 + t, "contributions"), x, start).objective

    # a larger scale can also make a portfolio with o cheaper at an equal (capped) objective:
    # ties are settled by bisection, as for a cost cut
    r = _search(wb, o, p, SCALE_GRID, fixed_others=True, max_steps=3, value_at=value_at, ties_move=True)
    path = EntryPath(
        "contributions",
        "contributions",
        r.status,
        1.0,
        grid=SCALE_GRID,
        steps=r.steps,
        notes=r.notes,
        edit={"file": sc.files["contributions"], "column": "amount", "option_id": o},
    )
    if r.t is not None:
        path.needed = round(1.0 + r.t, 6)
        path.below = None if r.below is None else round(1.0 + r.below, 6)
    return path


def _cost_grid(sc: Scenario, res: str, cost: float) -> float:
    """One unit of cost for whole-number costs, else 1/1000 of the option's cost (to its order of magnitude)."""
    whole = cost.is_integer() and bool((sc.options[res] == sc.options[res].round()).all())
    return 1.0 if whole else 10.0 ** (math.floor(math.log10(cost)) - 3)


def _cost_path(wb: Workbench, o: str) -> EntryPath | None:
    sc = wb.scenario
    res = sc.cost_resource
    cost = float(sc.options[res].to_numpy(dtype=float)[sc.option_position[o]])
    if cost <= 0:
        return None
    grid_cost = _cost_grid(sc, res, cost)
    # half the cost, not zero: a zero-cost option's tie-break weight is a tiny ε, not 0 (not linear)
    p = wb.variant_parameter(o, _scaled(sc, o, res, 0.5, "options"), f"cut of {res} use", t_max=1.0, at=0.5)

    def value_at(t: float, x: Selection, start: StartYears) -> float:
        return evaluate(_scaled(sc, o, res, 1.0 - t, "options"), x, start).objective

    r = _search(wb, o, p, grid_cost / cost, fixed_others=True, max_steps=3, value_at=value_at, ties_move=True)
    row = sc.option_position[o] + 2  # the options table's line: its header is line 1
    path = EntryPath(
        "cost",
        "cost",
        r.status,
        cost,
        grid=grid_cost,
        steps=r.steps,
        notes=r.notes,
        edit={"file": sc.files["options"], "row": row, "column": res, "option_id": o},
        label=resource_words(res).name,
        unit=resource_words(res).unit,
    )
    if r.t is not None:
        path.needed = max(0.0, round(cost * (1 - r.t), 9))
        path.below = None if r.below is None else round(cost * (1 - r.below), 9)
        if path.needed == 0:  # the linearised tie-break is off at exactly 0 (weight ε there): build it
            free = Workbench(_scaled(sc, o, res, 0.0, "options")).base
            if not (free.feasible and o in free.selected):
                path.status, path.needed, path.below = EntryStatus.IMPOSSIBLE, None, None
                path.notes.append("at 0 it ties and an idle free option is left out")
    return path


EntryTask = Callable[[Workbench], EntryPath | None]
PathMaker = Callable[[Workbench, str], EntryPath | None]


def entry_tasks(wb: Workbench, o: str, blocked_by: list[RowEffect], max_steps: int = 3) -> list[EntryTask]:
    """Every way in that one parameter can give — blocking rows, limits o uses, contributions,
    cost — as independent tasks, each a function of a workbench of `wb`'s model (see
    `planner.analysis.parallel.run_threads`); a task's answer is None where the way does not apply."""
    j = wb.col(o)
    column = wb.column(j)
    rows = {r.row: r for r in blocked_by}
    for i, coef in column.items():
        info = wb.rows[i]
        pushes = (coef > 0 and info.sense == "<=") or (coef < 0 and info.sense == ">=")
        if info.family == "limit" and pushes and info.name not in rows:
            rows[info.name] = RowEffect(info.name, info.family, info.ident, info.sense, info.bound, math.nan, coef)
    bound = {r.name for r in wb.bound_rows()}
    tasks: list[EntryTask] = [
        functools.partial(_bound_task, o=o, row=r, max_steps=max_steps)
        for r in rows.values()
        if r.family != "require" and r.row in bound
    ]
    makers: tuple[tuple[str, PathMaker], ...] = (("contributions", _contribution_path), ("cost", _cost_path))
    tasks += [functools.partial(_extra_task, o=o, kind=kind, make=make) for kind, make in makers]
    return tasks


def _bound_task(wb: Workbench, o: str, row: RowEffect, max_steps: int) -> EntryPath:
    return _bound_path(wb, o, row, max_steps)


def _extra_task(wb: Workbench, o: str, kind: str, make: PathMaker) -> EntryPath | None:
    try:
        return make(wb, o)
    except PlannerError as exc:
        return EntryPath(kind, kind, EntryStatus.UNKNOWN, None, notes=[str(exc)])


def entry_paths(
    wb: Workbench, o: str, blocked_by: list[RowEffect], max_steps: int = 3, threads: int = 1
) -> list[EntryPath]:
    """Every way in that one parameter can give (`entry_tasks`), on up to `threads` threads."""
    return [p for p in run_threads(wb, entry_tasks(wb, o, blocked_by, max_steps), threads) if p is not None]


def _yaml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"
