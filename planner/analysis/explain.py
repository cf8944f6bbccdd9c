"""Why is an option in or out of the portfolio, and what would it take to change that?

For a **selected** option o (portfolio P, objective z*):
- the objective lost if o is forbidden, and the portfolio the solver picks instead;
- per gap o contributes to: the coverage with and without o (gaps only o covers are named);
- the rules and targets that force it: rows a portfolio P∖{o} would violate.

For an **unselected** option o:
- the objective lost if o is required, and what leaves to make room;
- what blocks it: limit and rule rows that P ∪ {o} would violate;
- what it would take to enter (`planner.analysis.entry`): the smallest relaxation of each
  such row, the smallest scaling of o's contributions, the smallest cut of o's cost.

Every figure comes from an exact re-solve of the same built model (`Workbench`).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.analysis.entry import EntryPath, EntryStatus, RowEffect, entry_tasks
from planner.analysis.parallel import check_workers, run_split, run_threads
from planner.analysis.words import ResourceWords, resource_words
from planner.analysis.workbench import Probe, Workbench
from planner.errors import InputError, PlannerError, Problem
from planner.io.numbers import fmt
from planner.inputs.scenario import Scenario
from planner.model.core import Role
from planner.results.evaluation import covered_amounts
from planner.sensitivity.executors import default_workers
from planner.solver.outcome import Status


@dataclass
class GapEffect:
    gap_id: str
    amount: float  # o's contribution
    covered: float  # with the portfolio as it stands (with o for selected, without for unselected)
    covered_other: float  # with o removed (selected) / added (unselected)
    sole: bool  # no other option of the portfolio contributes to this gap


@dataclass
class Explanation:
    option_id: str
    name: str
    partner_id: str
    sector_id: str
    kind: str
    selected: bool
    objective: float  # the portfolio's objective as it stands
    flipped_status: Status  # status of the re-solve with o forbidden (selected) / required (unselected)
    flipped_objective: float | None
    objective_change: float | None  # flipped − objective (user sense)
    enters: list[str]  # options that join the portfolio when o is flipped
    leaves: list[str]  # options that leave (o itself is not listed)
    gaps: list[GapEffect]
    forced_by: list[RowEffect]  # selected: rows P∖{o} would violate (incl. targets)
    blocked_by: list[RowEffect]  # unselected: rows P∪{o} would violate
    entry: list[EntryPath] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    portfolio: list[str] = field(default_factory=list)  # the portfolio explained (ids), so the figures recompute
    start_years: dict[str, int] = field(default_factory=dict)  # under rules.phasing: each selected option's start

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_options(scenario: Scenario, option_ids: Iterable[str]) -> None:
    known = set(scenario.options.index)
    problems = []
    for o in option_ids:
        if o not in known:
            close = difflib.get_close_matches(o, list(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            problems.append(
                Problem(
                    file=scenario.files["options"], column="option_id", value=o, message=f"no option has this id{hint}"
                )
            )
    if problems:
        raise InputError(problems)


def _gap_effects(wb: Workbench, o: str, x: npt.NDArray[np.int8]) -> list[GapEffect]:
    sc = wb.scenario
    i = wb.opt_index[o]
    flipped = x.copy()
    flipped[i] = 1 - flipped[i]
    cov, cov_f = covered_amounts(sc, x), covered_amounts(sc, flipped)
    c = sc.contributions
    others = x.copy()
    others[i] = 0
    oi, gi, amt = sc.contribution_arrays()
    other_amount = np.bincount(gi, weights=amt * others[oi], minlength=len(sc.gaps))
    gaps = list(sc.gaps.index)
    g_idx = {g: k for k, g in enumerate(gaps)}
    out = []
    for g, a in zip(c["gap_id"][c["option_id"] == o], c["amount"][c["option_id"] == o]):
        k = g_idx[g]
        if a > 0:
            out.append(GapEffect(g, float(a), float(cov[k]), float(cov_f[k]), bool(other_amount[k] <= 0)))
    return out


def _violations(wb: Workbench, o: str, values: npt.NDArray[np.float64], add: bool) -> list[RowEffect]:
    """Rows (of rule/limit families) that the portfolio violates once o is added or removed."""
    j = wb.col(o)
    column = wb.column(j)
    act = wb.activity(values)
    out = []
    for i, coef in column.items():
        info = wb.rows[i]
        # rows that define a variable (Role.DEFINE) are no reason; targets are `_target_violations`'
        if info.family == "target" or info.tag.role != Role.LIMIT:
            continue
        a = act[i] + (coef if add else -coef)
        tol = 1e-6 * max(1.0, abs(info.bound))
        if a > info.upper + tol or a < info.lower - tol:
            out.append(RowEffect(info.name, info.family, info.ident, info.sense, info.bound, float(a), float(coef)))
    return out


def _target_violations(wb: Workbench, gaps: list[GapEffect]) -> list[RowEffect]:
    """Targets a selected option is needed for: coverage without it falls below the gap's target."""
    target = dict(zip(wb.scenario.gaps.index, wb.scenario.gap_targets().tolist()))
    out = []
    for g in gaps:
        t = target[g.gap_id]
        if t > 0 and g.covered_other < t - 1e-6 * max(1.0, t):
            name = next((r.name for r in wb.family_rows("target") if r.subject == g.gap_id), f"target_{g.gap_id}")
            out.append(RowEffect(name, "target", g.gap_id, ">=", t, g.covered_other, -g.amount))
    return out


def start_years_of(wb: Workbench, probe: Probe) -> dict[str, int]:
    """Under rules.phasing, each selected option's start year in a re-solve; {} otherwise."""
    if probe.start_year is None or probe.x is None or wb.scenario.config.rules.phasing is None:
        return {}
    return {
        str(o): int(y) for o, y, on in zip(wb.scenario.options.index, probe.start_year.tolist(), probe.x.tolist()) if on
    }


Resolve = Callable[[Workbench], Probe | EntryPath | None]


def explain_option(wb: Workbench, o: str, entry: bool = True, max_steps: int = 3, threads: int = 1) -> Explanation:
    """Explain one option; `threads` > 1: its re-solves (the flip and each way in) on that many
    threads, each with a workbench of its own (`planner.analysis.parallel.run_threads`)."""
    base = wb.base
    sc = wb.scenario
    if base.x is None or base.objective is None:
        raise PlannerError(
            f"the scenario has no portfolio to explain (status: {base.status}); run `planner diagnose` to see why"
        )
    row = sc.options.loc[o]
    selected = bool(base.x[wb.opt_index[o]])
    gaps = _gap_effects(wb, o, base.x)
    values = wb.values_for(base.x)
    blocked_by = [] if selected else _violations(wb, o, values, add=True)
    tasks: list[Resolve] = [functools.partial(_flip, o=o, value=0 if selected else 1)]
    if entry and not selected:
        tasks += entry_tasks(wb, o, blocked_by, max_steps)
    flip, *ways = run_threads(wb, tasks, threads)
    assert isinstance(flip, Probe)  # the first task is the flip
    change = None if flip.objective is None else flip.objective - base.objective
    before, after = set(base.selected), set(flip.selected) if flip.feasible else set()
    expl = Explanation(
        option_id=o,
        name=str(row.get("name", "") or ""),
        partner_id=str(row["partner_id"]),
        sector_id=str(row["sector_id"]),
        kind=str(row["kind"]),
        selected=selected,
        objective=base.objective,
        flipped_status=flip.status,
        flipped_objective=flip.objective,
        objective_change=change,
        enters=sorted(after - before - {o}),
        leaves=sorted(before - after - {o}),
        gaps=gaps,
        forced_by=[],
        blocked_by=blocked_by,
        entry=[w for w in ways if isinstance(w, EntryPath)],
        portfolio=list(base.selected),
        start_years=start_years_of(wb, base),
    )
    if selected:
        expl.forced_by = _violations(wb, o, values, add=False) + _target_violations(wb, gaps)
        expl.forced_by = [r for r in expl.forced_by if r.family != "limit"]
    expl.notes.extend(_notes(wb, expl, flip))
    return expl


def _notes(wb: Workbench, e: Explanation, flip: Probe) -> list[str]:
    """A tie the tie-break settles, re-solves stopped early, a MIP gap: what the figures rest on."""
    notes = []
    change = e.objective_change
    if not e.selected and flip.feasible and change is not None and abs(change) <= 1e-6 * max(1.0, abs(e.objective)):
        notes.append(
            "tie: requiring it leaves the objective unchanged; the tie-break "
            f"(least {resource_words(wb.scenario.cost_resource).name} used) prefers the portfolio without it"
        )
    if not wb.base.optimal or (flip.status not in (Status.OPTIMAL, Status.INFEASIBLE)):
        notes.append(
            f"a re-solve stopped before proving optimality (status {wb.base.status}/{flip.status}); "
            "figures are those of the portfolios found"
        )
    if wb.mip_gap > 0:
        notes.append(f"solver.mip_gap is {wb.mip_gap:g}: figures are exact only up to that gap")
    return notes


def _flip(wb: Workbench, o: str, value: int) -> Probe:
    """The re-solve with o forbidden (value 0, o selected) or required (1)."""
    return wb.solve(fix={o: value})


def explain(
    scenario: Scenario,
    option_ids: Sequence[str],
    entry: bool = True,
    max_steps: int = 3,
    workbench: Workbench | None = None,
    workers: int = 1,
    threads: int | None = None,
) -> list[Explanation]:
    """Explain each option (in the order given, duplicates once) against the scenario's portfolio.

    `entry`: also compute the thresholds that bring unselected options in; `max_steps`:
    entry MIPs per limit before settling for "not below" (see `planner.analysis.entry`).
    `workers` > 1: the options are explained on that many processes, one Workbench each
    (`planner.analysis.parallel`; `workbench` is then not used); the same results as 1.
    `threads`: with one process, each option's re-solves run on that many threads (default:
    the cores); the same results whatever the number."""
    check_options(scenario, option_ids)
    options = list(dict.fromkeys(option_ids))
    if check_workers(workers) > 1 and len(options) > 1:
        return run_split(scenario, explain_options, options, workers, entry=entry, max_steps=max_steps)
    n = default_workers() if threads is None else check_workers(threads)
    wb = workbench or Workbench(scenario, threads=1 if n > 1 else None)
    return explain_options(wb, options, entry, max_steps, n)


def explain_options(
    wb: Workbench, options: list[str], entry: bool = True, max_steps: int = 3, threads: int = 1
) -> list[Explanation]:
    return [explain_option(wb, o, entry, max_steps, threads) for o in options]


def _names(ids: list[str]) -> str:
    return ", ".join(ids) if ids else "none"


def describe_row(r: RowEffect, option: str) -> str:
    """A constraint row in the analyst's words."""
    if r.family == "limit":
        w = resource_words(r.ident)
        return f"the {w.name} limit ({w.amount(r.bound)})"
    if r.family == "target":
        return f"the target on gap {r.ident} ({fmt(r.bound)})"
    if r.family in ("require", "forbid"):
        return f"the rule {r.family} {r.ident}"
    return f"the rule {r.row} ({r.sense} {fmt(r.bound)})"


def _words(p: EntryPath, key: str) -> ResourceWords:
    """A limit or cost path's resource in words: as recorded on the path, else from its key
    (an explanation read back from an older explain.json has no words)."""
    words = resource_words(key)
    return ResourceWords(key, p.label or words.name, words.unit if p.unit is None else p.unit)


def _describe_limit(p: EntryPath) -> str | None:
    w = _words(p, p.parameter)
    fits = "" if p.all_fit is None else f"{w.amount(p.all_fit)}, where every option fits"
    if p.status is EntryStatus.FOUND:
        below = f" (at {w.amount(p.below)} it stays out)" if p.below is not None else ""
        return f"It enters if the {w.name} is raised from {w.amount(p.current)} to {w.amount(p.needed)}{below}."
    if p.status is EntryStatus.IMPOSSIBLE:
        return f"No {w.name} brings it in, however large" + (f": not even {fits}." if fits else ".")
    if p.status is not EntryStatus.NOT_BELOW:
        return None
    proven = f"No {w.name} below {w.amount(p.checked)} brings it in (proven)."
    if p.exact_tie:
        return (
            f"{proven} From there it ties exactly with a portfolio without it (same objective and cost); the "
            "solver's fixed order among exact ties decides, not searched further."
        )
    if p.all_fit is not None and p.checked is not None and p.checked >= p.all_fit:
        return f"No {w.name} brings it in, however large (checked up to {fits}; beyond it nothing changes)."
    larger = f"Larger values, up to {fits}," if fits else "Larger values"
    return f"{proven} {larger} were not searched (a larger --max-steps searches further)."


def _describe_rule(p: EntryPath) -> str | None:
    if p.status is EntryStatus.FOUND:
        if p.family == "forbid":
            return "It enters if the rule forbidding it is dropped."
        below = f" (at {fmt(p.below)} it stays out)" if p.below is not None else ""
        return (
            f"It enters if the bound of rule {p.parameter} is relaxed from {fmt(p.current)} to {fmt(p.needed)}{below}."
        )
    if p.status is EntryStatus.IMPOSSIBLE:
        return f"No relaxation of rule {p.parameter} alone brings it in."
    if p.status is EntryStatus.NOT_BELOW:
        return f"No bound of rule {p.parameter} short of {fmt(p.checked)} brings it in (proven; further not searched)."
    return None


def _describe_cost(p: EntryPath, cost_resource: str) -> str | None:
    w = _words(p, cost_resource)
    if p.status is EntryStatus.FOUND:
        below = f" (not at {w.amount(p.below)})" if p.below is not None else ""
        return f"It enters if its {w.name} is cut from {w.amount(p.current)} to {w.amount(p.needed)}{below}."
    if p.status is EntryStatus.IMPOSSIBLE:
        return f"No cut of its {w.name} alone brings it in, not even to 0."
    return None


def _describe_contributions(p: EntryPath) -> str | None:
    if p.status is EntryStatus.FOUND:
        below = f" (not at ×{fmt(p.below)})" if p.below is not None else ""
        return f"It enters if its contributions are scaled by ×{fmt(p.needed)}{below}."
    if p.status is EntryStatus.IMPOSSIBLE:
        return "No scaling of its contributions alone brings it in."
    return None


def describe_entry(p: EntryPath, cost_resource: str) -> str:
    """One way in, in a sentence: what brings the option in, or that nothing within the search does."""
    if p.kind == "limit":
        said, what, change = _describe_limit(p), f"the {_words(p, p.parameter).name}", "Raising"
    elif p.kind == "rule":
        said, what, change = _describe_rule(p), f"rule {p.parameter}", "Relaxing"
    elif p.kind == "contributions":
        said, what, change = _describe_contributions(p), "its contributions", "Scaling"
    elif p.kind == "cost":
        said, what, change = _describe_cost(p, cost_resource), f"its {_words(p, cost_resource).name}", "Cutting"
    else:
        said, what, change = None, p.parameter, "Changing"
    if said is not None:
        return said
    if p.status is EntryStatus.TIE:
        return (
            f"Changing {what} alone leaves it tied exactly with a portfolio without it "
            "(same objective and tie-break cost); the solver's fixed order among exact ties decides, "
            "which was not searched further."
        )
    return f"{change} {what}: not determined ({'; '.join(p.notes) or 'the solver stopped early'})."


def describe(e: Explanation, cost_resource: str = "budget_musd") -> list[str]:
    """Plain-language sentences, each number as computed (and tested) by re-solves."""
    title = f"{e.option_id}" + (f" ({e.name})" if e.name else "")
    out = [f"{title} is {'selected' if e.selected else 'not selected'}."]
    verb = "Forbidding" if e.selected else "Requiring"
    if e.flipped_status == Status.INFEASIBLE:
        out.append(f"{verb} it makes the scenario infeasible.")
    elif e.flipped_objective is not None:
        s = (
            f"{verb} it changes the objective by {fmt(e.objective_change)} "
            f"({fmt(e.objective)} → {fmt(e.flipped_objective)})"
        )
        if e.selected:
            s += f"; the solver then adds {_names(e.enters)} and drops {_names(e.leaves)}."
        else:
            s += f"; to make room {_names(e.leaves)} leave" + (f" and {_names(e.enters)} join." if e.enters else ".")
        out.append(s)
    else:
        out.append(f"{verb} it: the re-solve stopped without a portfolio ({e.flipped_status}).")
    if e.selected:
        sole = [g.gap_id for g in e.gaps if g.sole]
        if sole:
            out.append(f"It is the only selected option contributing to {_names(sole)}.")
        lost = [g for g in e.gaps if g.covered_other < g.covered - 1e-9]
        if lost:
            out.append(
                "Without it coverage falls: "
                + "; ".join(f"{g.gap_id} {fmt(g.covered)} → {fmt(g.covered_other)}" for g in lost)
                + "."
            )
        for r in e.forced_by:
            out.append(f"It is forced by {describe_row(r, e.option_id)}.")
    else:
        for r in e.blocked_by:
            if r.family == "limit":
                w, left = resource_words(r.ident), r.bound - (r.activity - r.coefficient)
                out.append(
                    f"Added to the portfolio it would exceed the {w.name} limit: it uses {w.amount(r.coefficient)}, "
                    f"{w.amount(left)} of {w.amount(r.bound)} is left."
                )
            else:
                out.append(f"Added to the portfolio it would break {describe_row(r, e.option_id)}.")
        out.extend(describe_entry(p, cost_resource) for p in e.entry)
    out.extend(f"Note: {n}." for n in e.notes)
    return out


def summary_rows(explanations: list[Explanation]) -> list[dict[str, object]]:
    """One flat row per option (explain.csv and the terminal table)."""
    rows = []
    for e in explanations:
        row: dict[str, object] = {
            "option_id": e.option_id,
            "selected": e.selected,
            "objective": e.objective,
            "flipped_status": e.flipped_status,
            "objective_change": e.objective_change,
            "enters": ";".join(e.enters),
            "leaves": ";".join(e.leaves),
            "sole_gaps": ";".join(g.gap_id for g in e.gaps if g.sole and e.selected),
            "forced_by": ";".join(r.row for r in e.forced_by),
            "blocked_by": ";".join(r.row for r in e.blocked_by),
        }
        for p in e.entry:
            key = f"enter_{p.parameter}"
            if p.status is EntryStatus.FOUND:
                row[key] = p.needed
            elif p.status is EntryStatus.NOT_BELOW:
                row[key] = f">={fmt(p.checked)}"
            else:
                row[key] = p.status
        rows.append(row)
    return rows
