"""Check a run folder: recompute every figure it reports from the inputs and the selected ids.

`check_run(run_dir)` reads `summary.json`, `portfolio.csv` and `coverage.csv` and the
scenario (a scenario file plus `--set` overrides, or the run's own `scenario.json`), then
recomputes, with code of its own (plain Python sums, not `planner.results.evaluation`):

- per option in the portfolio: partner, sector, kind, resource uses, carried-through cells;
- per gap: covered = min(size, Σ_{o selected} amount[o,g]), fraction = covered/size,
  the effective target (own, else coverage_target·size) and that it is met;
- per limited resource: used = Σ_{o selected} use[o,r] and used ≤ limit; require/forbid;
- the objective: max_coverage Σ_g w[g]·covered[g]/size[g] − risk_penalty·Σ_o risk[o],
  with w[g] = gap weight × sector weight; min_cost Σ_o use[o, cost_resource];
- what rule families add (`planner.results.audit_rules`): N-1 coverage per gap, and under time
  phasing each start year within the horizon and resources_by_year.csv's spending;
- the status's honesty: `optimal` has objective = bound within the gap setting, `feasible`
  has a bound on the right side of the objective, no portfolio means no figures.

Rule families beyond require/forbid (diminishing returns, standards bonus, phasing …) add
objective terms and constraints whose meaning lives in `planner.model.rules`; for those the
checker *defers*: it adds `planner.model.rules.objective_extra` to the base objective and says so
in `CheckReport.deferred`, and checks their constraints by fixing the selection in the
built model and asking the LP solver whether the remaining variables can satisfy it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.results.audit_rules import check_resources_by_year, n1_coverage
from planner.errors import InputError, Problem
from planner.io.runs import SCENARIO_FILE, read_run as read_run_folder, read_run_config
from planner.io.safety import neutralise

REL_TOL = 1e-6  # outputs are rounded to 9 decimals; sums of thousands of terms stay far inside this
NO_PORTFOLIO = ("infeasible", "unbounded", "no_solution", "error")


@dataclass(frozen=True)
class Discrepancy:
    """One reported figure that does not recompute."""

    file: str  # summary.json, portfolio.csv or coverage.csv
    where: str  # "key objective", "row 3, column covered" …
    reported: Any
    recomputed: Any
    message: str

    def __str__(self) -> str:
        return f"{self.file}, {self.where}: {self.message} (reported {self.reported!r}, recomputed {self.recomputed!r})"

    def to_dict(self) -> dict:
        return {"file": self.file, "where": self.where, "reported": _plain(self.reported),
                "recomputed": _plain(self.recomputed), "message": self.message}


@dataclass
class CheckReport:
    run_dir: Path
    scenario: str
    status: str
    discrepancies: list[Discrepancy] = field(default_factory=list)
    checked: int = 0  # figures compared
    deferred: list[str] = field(default_factory=list)  # what was taken from planner.model.rules, not recomputed

    @property
    def ok(self) -> bool:
        return not self.discrepancies

    def to_dict(self) -> dict:
        return {"run_dir": str(self.run_dir), "scenario": self.scenario, "status": self.status, "ok": self.ok,
                "checked": self.checked, "deferred": self.deferred,
                "discrepancies": [d.to_dict() for d in self.discrepancies]}


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def close(a: float, b: float, tol: float = REL_TOL) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def _num(text: Any) -> float | None:
    """A CSV/JSON cell as a number; '' and None are None; anything else unparsable is NaN."""
    if text is None:
        return None
    if isinstance(text, bool):
        return float(text)
    if isinstance(text, (int, float)):
        return float(text)
    text = str(text).strip()
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        return math.nan


# ---------------------------------------------------------------- reading the run folder

def read_run(run_dir: str | Path) -> tuple[dict, tuple[list[str], list[dict]], tuple[list[str], list[dict]]]:
    """summary.json, (header, rows) of portfolio.csv and of coverage.csv (exit-2 errors: `planner.io.runs`)."""
    run = read_run_folder(run_dir)
    return run.summary, tuple(run.portfolio), tuple(run.coverage)


def load_run_scenario(run_dir: str | Path, scenario: str | Path | None = None, overrides=()):
    """The scenario to check against: the given file (+ overrides), else the run's scenario.json."""
    from planner.api import load_scenario

    if scenario is not None:
        return load_scenario(scenario, overrides)
    record = Path(run_dir) / SCENARIO_FILE
    data = read_run_config(run_dir)
    from planner.inputs.config import parse_config
    from planner.inputs.read import apply_overrides, parse_set, raw_from_config
    from planner.inputs.validate import validate

    if isinstance(data, dict):
        data = apply_overrides({**data, "extends": None}, parse_set(overrides))  # already merged when written
    return validate(raw_from_config(parse_config(data, str(record)), record))


# ---------------------------------------------------------------- the check

class _Checker:
    def __init__(self, report: CheckReport):
        self.report = report

    def bad(self, file: str, where: str, reported: Any, recomputed: Any, message: str) -> None:
        self.report.discrepancies.append(Discrepancy(file, where, reported, recomputed, message))

    def number(self, file: str, where: str, reported: Any, expected: float | None, what: str = "") -> None:
        """Compare a reported figure with its recomputation (None means 'no figure')."""
        self.report.checked += 1
        got = _num(reported)
        if expected is None or (isinstance(expected, float) and math.isnan(expected)):
            if got is not None and not math.isnan(got):
                self.bad(file, where, reported, None, f"{what or 'figure'} should be empty")
            return
        if got is None or math.isnan(got) or not close(got, expected):
            self.bad(file, where, reported, expected, f"{what or 'figure'} does not recompute")

    def text(self, file: str, where: str, reported: Any, expected: str) -> None:
        self.report.checked += 1
        if str(reported) != neutralise(str(expected)) and str(reported) != str(expected):
            self.bad(file, where, reported, expected, "cell differs from the input table")


def _selected(summary: dict, port_rows: list[dict], options, ck: _Checker) -> list[str]:
    ids = summary.get("selected_ids")
    if not isinstance(ids, list):
        ck.bad("summary.json", "key selected_ids", ids, None, "must be a list of option ids")
        ids = []
    ids = [str(i) for i in ids]
    ck.report.checked += 1
    if summary.get("selected") != len(ids):
        ck.bad("summary.json", "key selected", summary.get("selected"), len(ids), "count differs from selected_ids")
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        ck.bad("summary.json", "key selected_ids", dup, None, "an option is listed more than once")
    unknown = [i for i in ids if i not in options]
    if unknown:
        ck.bad("summary.json", "key selected_ids", unknown, None, "ids that are not in the options table")
    port_ids = [r.get("option_id", "") for r in port_rows]
    expected_port = [neutralise(i) for i in ids]
    if sorted(port_ids) != sorted(expected_port):
        ck.bad("portfolio.csv", "column option_id", port_ids, ids, "portfolio rows differ from summary.selected_ids")
    return [i for i in dict.fromkeys(ids) if i in options]


def _check_portfolio(sc, header: list[str], rows: list[dict], chosen: set[str], ck: _Checker) -> dict[str, int]:
    """Check every portfolio cell; return the start years it reports (time phasing), by option."""
    opts = sc.options
    starts: dict[str, int] = {}
    forced = {}
    if "forced_by" in header:
        import numpy as np

        from planner.model.rules import forced_by

        x = np.array([1 if o in chosen else 0 for o in opts.index], dtype=np.int8)
        forced = dict(zip(map(str, opts.index), forced_by(sc, x)))
        ck.report.deferred.append("portfolio.csv forced_by taken from planner.model.rules.forced_by")
    phasing = sc.config.rules.phasing
    partner_names = {str(k): str(v) for k, v in sc.partners["name"].items()}
    sector_names = {str(k): str(v) for k, v in sc.sectors["name"].items()}
    numeric = set(sc.resources) | {"risk"}
    for col in ("option_id", "partner_id", "sector_id", "kind", *sc.resources):
        if col not in header:
            ck.bad("portfolio.csv", f"column {col}", None, col, "required portfolio column is missing")
    for i, row in enumerate(rows):
        where = f"row {i + 2}"
        oid = row.get("option_id", "")
        match = [o for o in chosen if neutralise(o) == oid]
        if not match:
            continue  # reported by _selected
        o = opts.loc[match[0]]
        for col in header:
            cell = row.get(col)
            if col == "partner_name":
                ck.text("portfolio.csv", f"{where}, column {col}", cell, partner_names.get(str(o["partner_id"]), ""))
            elif col == "sector_name":
                ck.text("portfolio.csv", f"{where}, column {col}", cell, sector_names.get(str(o["sector_id"]), ""))
            elif col in numeric:
                ck.number("portfolio.csv", f"{where}, column {col}", cell, float(o[col]), f"{col} of {match[0]}")
            elif col == "forced_by":
                ck.text("portfolio.csv", f"{where}, column {col}", cell, forced.get(match[0], ""))
            elif col == "start_year" and phasing is not None:
                year = _num(cell)
                ck.report.checked += 1
                if year is None or year != int(year) or not phasing.start <= year <= phasing.end:
                    ck.bad("portfolio.csv", f"{where}, column {col}", cell, f"{phasing.start}–{phasing.end}",
                           "a start year must be a year of the rules.phasing horizon")
                else:
                    starts[match[0]] = int(year)
            elif col in opts.columns:
                ck.text("portfolio.csv", f"{where}, column {col}", cell, "" if o[col] is None else str(o[col]))
            else:
                ck.bad("portfolio.csv", f"column {col}", col, None, "column is neither an options column nor a name")
    return starts


def _coverage(sc, chosen: set[str]) -> dict[str, float]:
    """covered[g] = min(size[g], Σ amount over selected options), by plain summation."""
    raw: dict[str, list[float]] = {str(g): [] for g in sc.gaps.index}
    for oid, gid, amount in zip(sc.contributions["option_id"], sc.contributions["gap_id"], sc.contributions["amount"]):
        if oid in chosen:
            raw[str(gid)].append(float(amount))
    sizes = {str(g): float(s) for g, s in zip(sc.gaps.index, sc.gaps["size"])}
    return {g: min(sizes[g], math.fsum(v)) for g, v in raw.items()}


def _targets(sc) -> dict[str, float | None]:
    frac = sc.config.objective.coverage_target
    out: dict[str, float | None] = {}
    for g, size, own in zip(sc.gaps.index, sc.gaps["size"], sc.gaps["target"]):
        own = float(own)
        if not math.isnan(own):
            out[str(g)] = own
        elif frac is not None:
            out[str(g)] = frac * float(size)
        else:
            out[str(g)] = None
    return {g: (t if t is not None and t > 0 else None) for g, t in out.items()}


def _check_coverage(sc, header, rows, covered, has_portfolio: bool, ck: _Checker, chosen: set[str] = frozenset()) -> None:
    gaps = sc.gaps
    targets = _targets(sc)
    ids = [str(g) for g in gaps.index]
    reported_ids = [r.get("gap_id", "") for r in rows]
    if reported_ids != [neutralise(g) for g in ids]:
        ck.bad("coverage.csv", "column gap_id", reported_ids, ids, "must list every gap once, in the gaps table's order")
    for col in ("gap_id", "sector_id", "size", "covered", "fraction", "target"):
        if col not in header:
            ck.bad("coverage.csv", f"column {col}", None, col, "required coverage column is missing")
    by_id = {r.get("gap_id", ""): (i, r) for i, r in enumerate(rows)}
    n1_all = n1_coverage(sc, chosen) if "n1_covered" in header and has_portfolio else {}
    for g in ids:
        if neutralise(g) not in by_id:
            continue
        i, row = by_id[neutralise(g)]
        where = f"row {i + 2}"
        size = float(gaps.loc[g, "size"])
        cov = covered[g] if has_portfolio else None
        ck.text("coverage.csv", f"{where}, column sector_id", row.get("sector_id"), str(gaps.loc[g, "sector_id"]))
        ck.number("coverage.csv", f"{where}, column size", row.get("size"), size, f"size of {g}")
        ck.number("coverage.csv", f"{where}, column covered", row.get("covered"), cov, f"covered amount of {g}")
        ck.number("coverage.csv", f"{where}, column fraction", row.get("fraction"), None if cov is None else cov / size,
                  f"covered fraction of {g}")
        ck.number("coverage.csv", f"{where}, column target", row.get("target"), targets[g], f"target of {g}")
        if "weight" in header:
            ck.number("coverage.csv", f"{where}, column weight", row.get("weight"), float(gaps.loc[g, "weight"]), f"weight of {g}")
        if "name" in header:
            ck.text("coverage.csv", f"{where}, column name", row.get("name"), str(gaps.loc[g, "name"]))
        if "critical" in header:
            ck.report.checked += 1
            if str(row.get("critical")).strip().lower() != str(bool(gaps.loc[g, "critical"])).lower():
                ck.bad("coverage.csv", f"{where}, column critical", row.get("critical"), bool(gaps.loc[g, "critical"]),
                       "critical flag differs from the gaps table")
        if "n1_covered" in header and cov is not None:
            n1 = n1_all.get(g)
            ck.number("coverage.csv", f"{where}, column n1_covered", row.get("n1_covered"), n1, f"N-1 coverage of {g}")
        if cov is not None and targets[g] is not None:
            ck.report.checked += 1
            if cov < targets[g] - REL_TOL * max(1.0, targets[g]):
                ck.bad("coverage.csv", f"{where}, column covered", cov, targets[g], f"target of {g} is not met")


def _objective(sc, chosen: set[str], covered: dict[str, float]) -> float:
    obj = sc.config.objective
    opts = sc.options
    if obj.sense == "min_cost":
        return math.fsum(float(opts.loc[o, sc.cost_resource]) for o in chosen)
    sector_w = {str(k): float(v) for k, v in sc.sectors["weight"].items()}
    terms = [float(w) * sector_w[str(s)] * covered[str(g)] / float(size)
             for g, s, w, size in zip(sc.gaps.index, sc.gaps["sector_id"], sc.gaps["weight"], sc.gaps["size"])]
    risk = math.fsum(float(opts.loc[o, "risk"]) for o in chosen)
    return math.fsum(terms) - obj.risk_penalty * risk


def _check_summary(sc, summary: dict, chosen: set[str], covered, has_portfolio: bool, ck: _Checker,
                   starts: dict[str, int] | None = None) -> None:
    from planner.model.rules import active_rules

    cfg = sc.config
    ck.report.checked += 3
    if summary.get("scenario") != sc.name:
        ck.bad("summary.json", "key scenario", summary.get("scenario"), sc.name, "scenario name differs")
    if summary.get("sense") not in (None, cfg.objective.sense):
        ck.bad("summary.json", "key sense", summary.get("sense"), cfg.objective.sense, "objective sense differs")
    if summary.get("input_sha256") != sc.input_sha256:
        ck.bad("summary.json", "key input_sha256", summary.get("input_sha256"), sc.input_sha256,
               "the inputs or settings differ from those of the run (figures were checked against the current ones)")
    opts = sc.options
    for r in sc.resources:
        rec = (summary.get("resources") or {}).get(r)
        if not isinstance(rec, dict):
            ck.bad("summary.json", f"key resources.{r}", rec, None, "resource missing from the summary")
            continue
        used = math.fsum(float(opts.loc[o, r]) for o in chosen) if has_portfolio else None
        ck.number("summary.json", f"key resources.{r}.used", rec.get("used"), used, f"use of {r}")
        limit = cfg.limits.get(r)
        ck.number("summary.json", f"key resources.{r}.limit", rec.get("limit"), limit, f"limit of {r}")
        if used is not None and limit is not None:
            ck.report.checked += 1
            if used > limit + REL_TOL * max(1.0, limit):
                ck.bad("summary.json", f"key resources.{r}.used", used, limit, f"the portfolio exceeds the limit on {r}")
    for oid in cfg.rules.require:
        ck.report.checked += 1
        if has_portfolio and oid not in chosen:
            ck.bad("summary.json", "key selected_ids", oid, None, "a required option (rules.require) is not selected")
    for oid in cfg.rules.forbid:
        ck.report.checked += 1
        if oid in chosen:
            ck.bad("summary.json", "key selected_ids", oid, None, "a forbidden option (rules.forbid) is selected")

    if not has_portfolio:
        ck.number("summary.json", "key objective", summary.get("objective"), None, "objective")
        return
    objective = _objective(sc, chosen, covered)
    extra_families = [f for f in active_rules(sc) if f not in ("require", "forbid")]
    if extra_families:
        import numpy as np

        from planner.model.rules import objective_extra

        x = np.array([1 if o in chosen else 0 for o in opts.index], dtype=np.int8)
        cov = np.array([covered[str(g)] for g in sc.gaps.index], dtype=float)
        start = None
        if cfg.rules.phasing is not None:
            years = cfg.rules.phasing.years
            start = np.array([years.index(starts[o]) if o in (starts or {}) else (0 if o in chosen else -1)
                              for o in opts.index], dtype=int)
        extra = float(objective_extra(sc, x, cov, start)) if cfg.objective.sense == "max_coverage" else 0.0
        objective += extra
        ck.report.deferred.append(
            f"objective terms of rule families {', '.join(extra_families)} taken from planner.model.rules.objective_extra ({extra:g})")
        _check_rule_constraints(sc, chosen, ck, extra_families, starts or {})
    ck.number("summary.json", "key objective", summary.get("objective"), objective, "objective")

    status = summary.get("status")
    bound, gap = _num(summary.get("bound")), _num(summary.get("mip_gap"))
    maximize = cfg.objective.sense == "max_coverage"
    ck.report.checked += 1
    if status == "optimal":
        allowed = max(cfg.solver.mip_gap, 1e-6)
        if bound is None or math.isnan(bound):
            ck.bad("summary.json", "key bound", summary.get("bound"), objective, "an optimal run must report its bound")
        elif abs(bound - objective) > allowed * max(1.0, abs(objective)) + 1e-6:
            ck.bad("summary.json", "key status", status, "feasible",
                   f"objective {objective:g} and bound {bound:g} differ by more than the gap setting: not proven optimal")
    elif status == "feasible":
        if bound is not None and not math.isnan(bound):
            slack = 1e-6 * max(1.0, abs(objective))
            if (maximize and bound < objective - slack) or (not maximize and bound > objective + slack):
                ck.bad("summary.json", "key bound", bound, objective, "the bound is on the wrong side of the objective")
        if gap is not None and (math.isnan(gap) or gap < 0):
            ck.bad("summary.json", "key mip_gap", summary.get("mip_gap"), None, "a gap must be a number ≥ 0")
    elif status in NO_PORTFOLIO:
        ck.bad("summary.json", "key status", status, "optimal or feasible", "a run without a portfolio reports selected options")
    else:
        ck.bad("summary.json", "key status", status, None, "unknown status")


def _check_rule_constraints(sc, chosen: set[str], ck: _Checker, families: list[str], starts: dict[str, int]) -> None:
    """Deferred check: fix x to the selection in the built model; can the rest be satisfied?"""
    import numpy as np

    from planner.model.assemble import build
    from planner.solver.highs import HighsSession
    from planner.model.compile import compile_model

    model = build(sc)
    comp = compile_model(model)
    for k, oid in enumerate(sc.options.index):
        col = comp.x_cols[k]
        v = 1.0 if oid in chosen else 0.0
        comp.col_lower[col] = comp.col_upper[col] = v
        if comp.year_cols is not None and oid in starts:  # the reported start year, fixed too
            for t, year in enumerate(comp.years):
                comp.col_lower[comp.year_cols[k, t]] = comp.col_upper[comp.year_cols[k, t]] = float(year == starts[oid])
    comp.primary = np.zeros_like(comp.primary)
    outcome = HighsSession(comp).solve(time_limit=30.0, mip_gap=0.0, tie_break=False)
    ck.report.checked += 1
    ck.report.deferred.append(f"constraints of rule families {', '.join(families)} checked by the solver with the selection fixed")
    if outcome.status not in ("optimal", "feasible"):
        ck.bad("summary.json", "key selected_ids", sorted(chosen), None,
               f"the selection violates the model's rule constraints (solver with the selection fixed: {outcome.status})")


def check_run(run_dir: str | Path, scenario: str | Path | None = None, overrides=()) -> CheckReport:
    """Recompute every figure of a run folder; return the discrepancies (empty when all hold).

    Raises InputError when the run folder or the scenario cannot be read.
    """
    run_dir = Path(run_dir)
    summary, (port_header, port_rows), (cov_header, cov_rows) = read_run(run_dir)
    sc = load_run_scenario(run_dir, scenario, overrides)
    report = CheckReport(run_dir=run_dir, scenario=sc.name, status=str(summary.get("status")))
    ck = _Checker(report)
    has_portfolio = summary.get("status") not in NO_PORTFOLIO
    opts = set(map(str, sc.options.index))
    ids = _selected(summary, port_rows, opts, ck)
    if not has_portfolio and (ids or port_rows):
        ck.bad("summary.json", "key selected_ids", ids, [], f"status {summary.get('status')} must come without a portfolio")
    chosen = set(ids)
    starts = _check_portfolio(sc, port_header, port_rows, chosen, ck)
    covered = _coverage(sc, chosen)
    _check_coverage(sc, cov_header, cov_rows, covered, has_portfolio, ck, chosen)
    _check_summary(sc, summary, chosen, covered, has_portfolio, ck, starts)
    check_resources_by_year(sc, run_dir, chosen if has_portfolio else set(), starts, ck)
    return report
