"""The two tables of a `solve` run folder, checked cell by cell: portfolio.csv and coverage.csv.

portfolio.csv: per selected option, the options table's cells, partner and sector names,
`forced_by` (`planner.model.rules.forced_by`) and, under time phasing, a start year within
the horizon. coverage.csv: per gap, covered = min(size, Σ selected amounts), the fraction, the
effective target (met), the weights and, under rules.resilience, the N-1 columns
(`planner.model.rules.coverage.n1_coverage`). Every figure through the model's numpy face.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.inputs.config_rules import PhasingRule
from planner.io.safety import neutralise
from planner.model.rules import forced_by
from planner.model.rules.coverage import n1_coverage, resilience_gaps
from planner.results.audit import REL_TOL, Context, CsvRow, num
from planner.results.evaluation import Evaluation

P, C = "portfolio.csv", "coverage.csv"
PORTFOLIO_NAMED = (
    "option_id",
    "partner_id",
    "partner_name",
    "sector_id",
    "sector_name",
    "kind",
    "start_year",
    "name",
    "risk",
    "forced_by",
)
N1_COLUMNS = ("n1_covered", "n1_fraction", "n1_worst_partner", "n1_protected")


# ---------------------------------------------------------------- portfolio.csv


@dataclass(frozen=True)
class _PortfolioFacts:
    """What each portfolio cell is compared with, computed once for the table."""

    forced: dict[str, str]  # option → the rules that force it ('' if none)
    partner_names: dict[str, str]
    sector_names: dict[str, str]
    numeric: set[str]  # the resources and risk: compared as numbers
    phasing: PhasingRule | None


def check_portfolio(ctx: Context, chosen: set[str]) -> dict[str, int]:
    """Check every portfolio cell; return the start years it reports (time phasing), by option."""
    sc = ctx.scenario
    opts = sc.options
    x = np.array([1 if o in chosen else 0 for o in opts.index], dtype=np.int8)
    facts = _PortfolioFacts(
        forced=dict(zip(map(str, opts.index), forced_by(sc, x))),
        partner_names={str(k): str(v) for k, v in sc.partners["name"].items()},
        sector_names={str(k): str(v) for k, v in sc.sectors["name"].items()},
        numeric=set(sc.resources) | {"risk"},
        phasing=sc.config.rules.phasing,
    )
    carried = [str(c) for c in opts.columns if c not in (*PORTFOLIO_NAMED, *sc.resources)]
    ctx.require_columns(
        P,
        (
            "option_id",
            "partner_id",
            "partner_name",
            "sector_id",
            "sector_name",
            "kind",
            *(["start_year"] if facts.phasing is not None else []),
            "name",
            *sc.resources,
            "risk",
            *carried,
            "forced_by",
        ),
    )
    starts: dict[str, int] = {}
    for i, row in enumerate(ctx.rows(P)):
        match = [o for o in chosen if neutralise(o) == row.get("option_id", "")]
        if match:  # else reported by the selection's check
            year = _check_portfolio_row(ctx, facts, match[0], row, i + 2)
            if year is not None:
                starts[match[0]] = year
    return starts


def _check_portfolio_row(ctx: Context, facts: _PortfolioFacts, oid: str, row: CsvRow, line: int) -> int | None:
    """The cells of option `oid`'s row; its start year when it reports a valid one."""
    ck, opts = ctx.ck, ctx.scenario.options
    o = opts.loc[[oid]].iloc[0]  # the option's row (ids are unique)
    start: int | None = None
    for col in ctx.header(P):
        cell = row.get(col)
        if col == "option_id":
            continue
        if col == "partner_name":
            ck.text(P, col, cell, facts.partner_names.get(str(o["partner_id"]), ""), line)
        elif col == "sector_name":
            ck.text(P, col, cell, facts.sector_names.get(str(o["sector_id"]), ""), line)
        elif col in facts.numeric:
            ck.number(P, col, cell, float(o[col]), f"{col} of {oid}", line)
        elif col == "forced_by":
            ck.text(P, col, cell, facts.forced.get(oid, ""), line, "differs from the rules that force it")
        elif col == "start_year" and facts.phasing is not None:
            start = _check_start_year(ctx, facts.phasing, cell, line)
        elif col in opts.columns:
            ck.text(P, col, cell, "" if o[col] is None else str(o[col]), line)
    return start


def _check_start_year(ctx: Context, phasing: PhasingRule, cell: str | None, line: int) -> int | None:
    year = num(cell)
    ctx.ck.mark(P, "start_year")
    if year is None or math.isnan(year) or year != int(year) or not phasing.start <= year <= phasing.end:
        ctx.ck.bad(
            P,
            "start_year",
            cell,
            f"{phasing.start}–{phasing.end}",
            "a start year must be a year of the rules.phasing horizon",
            line,
        )
        return None
    return int(year)


# ---------------------------------------------------------------- coverage.csv


@dataclass(frozen=True)
class _GapFacts:
    """What each coverage cell is compared with, computed once for the table."""

    sector_id: dict[str, str]  # the gaps table's cells, by gap
    name: dict[str, str]
    size: dict[str, float]
    weight: dict[str, float]
    critical: dict[str, bool]
    targets: dict[str, float | None]  # the effective target (None: no target)
    covered: dict[str, float] | None  # None: the run has no portfolio
    weights: dict[str, float]
    resilience: bool
    n1: dict[str, float] | None  # N-1 coverage (None without a portfolio or without resilience)
    worst: dict[str, str | None] | None
    protected: set[str]


def check_coverage(ctx: Context, ev: Evaluation, has_portfolio: bool) -> None:
    sc, ck = ctx.scenario, ctx.ck
    rows = ctx.rows(C)
    facts = _gap_facts(ctx, ev, has_portfolio)
    ids = [str(g) for g in sc.gaps.index]
    ck.equal(
        C,
        "gap_id",
        [r.get("gap_id", "") for r in rows],
        [neutralise(g) for g in ids],
        "must list every gap once, in the gaps table's order",
    )
    ctx.require_columns(
        C,
        (
            "gap_id",
            "sector_id",
            "name",
            "size",
            "covered",
            "fraction",
            "target",
            "weight",
            "objective_weight",
            "critical",
            *(N1_COLUMNS if facts.resilience else ()),
        ),
    )
    by_id = {r.get("gap_id", ""): (i, r) for i, r in enumerate(rows)}
    for g in ids:
        if neutralise(g) in by_id:
            i, row = by_id[neutralise(g)]
            _check_gap_row(ctx, facts, g, row, i + 2)


def _gap_facts(ctx: Context, ev: Evaluation, has_portfolio: bool) -> _GapFacts:
    sc = ctx.scenario
    ids = [str(g) for g in sc.gaps.index]
    resilience = sc.config.rules.resilience is not None
    n1 = worst = None
    if resilience and has_portfolio:
        n1_values, worst_list, _ = n1_coverage(sc, ev.x)
        n1, worst = dict(zip(ids, n1_values.tolist())), dict(zip(ids, worst_list))
    return _GapFacts(
        sector_id={g: str(v) for g, v in zip(ids, sc.gaps["sector_id"].tolist())},
        name={g: str(v) for g, v in zip(ids, sc.gaps["name"].tolist())},
        size=dict(zip(ids, sc.gaps["size"].to_numpy(dtype=float).tolist())),
        weight=dict(zip(ids, sc.gaps["weight"].to_numpy(dtype=float).tolist())),
        critical=dict(zip(ids, sc.gaps["critical"].to_numpy(dtype=bool).tolist())),
        targets={g: (t if t > 0 else None) for g, t in zip(ids, sc.gap_targets().tolist())},
        covered=dict(zip(ids, ev.covered.tolist())) if has_portfolio else None,
        weights=dict(zip(ids, sc.gap_weights().tolist())),
        resilience=resilience,
        n1=n1,
        worst=worst,
        protected=set(resilience_gaps(sc)) if resilience else set(),
    )


def _check_gap_row(ctx: Context, facts: _GapFacts, g: str, row: CsvRow, line: int) -> None:
    ck, size = ctx.ck, facts.size[g]
    cov = None if facts.covered is None else facts.covered[g]
    target = facts.targets[g]
    ck.text(C, "sector_id", row.get("sector_id"), facts.sector_id[g], line)
    ck.text(C, "name", row.get("name"), facts.name[g], line)
    ck.number(C, "size", row.get("size"), size, f"size of {g}", line)
    ck.number(C, "covered", row.get("covered"), cov, f"covered amount of {g}", line)
    ck.number(C, "fraction", row.get("fraction"), None if cov is None else cov / size, f"covered fraction of {g}", line)
    ck.number(C, "target", row.get("target"), target, f"target of {g}", line)
    ck.number(C, "weight", row.get("weight"), facts.weight[g], f"weight of {g}", line)
    ck.number(
        C, "objective_weight", row.get("objective_weight"), float(facts.weights[g]), f"objective weight of {g}", line
    )
    ck.flag(C, "critical", row.get("critical"), facts.critical[g], "critical flag", line)
    if facts.resilience:
        _check_n1_cells(ctx, facts, g, row, size, line)
    if cov is not None and target is not None:
        ck.mark(C, "covered")
        if cov < target - REL_TOL * max(1.0, target):
            ck.bad(C, "covered", cov, target, f"target of {g} is not met", line)


def _check_n1_cells(ctx: Context, facts: _GapFacts, g: str, row: CsvRow, size: float, line: int) -> None:
    ck, n1, worst = ctx.ck, facts.n1, facts.worst
    ck.number(C, "n1_covered", row.get("n1_covered"), None if n1 is None else n1[g], f"N-1 coverage of {g}", line)
    ck.number(
        C,
        "n1_fraction",
        row.get("n1_fraction"),
        None if n1 is None else n1[g] / size,
        f"N-1 fraction of {g}",
        line,
    )
    partner = None if worst is None else worst[g]
    ck.text(
        C,
        "n1_worst_partner",
        row.get("n1_worst_partner"),
        "" if partner is None else partner,
        line,
        "differs from the partner whose loss costs this gap most",
    )
    ck.flag(C, "n1_protected", row.get("n1_protected"), g in facts.protected, "N-1 protection", line)
