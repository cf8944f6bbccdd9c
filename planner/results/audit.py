"""Audit a run folder: recompute every figure it reports from the inputs and the selected ids.

`check_run(run_dir)` reads `summary.json`, `portfolio.csv` and `coverage.csv` and the
scenario (a scenario file plus `--set` overrides, or the run's own `scenario.json`), then
recomputes through the model's one definition — its numpy face
(`planner.results.evaluation.evaluate`), never the solver:

- per option in the portfolio: partner, sector, kind, resource uses, carried-through cells,
  the rules that force it (`forced_by`), under phasing its start year within the horizon;
- per gap: covered = min(size, Σ_{o selected} amount[o,g]), fraction = covered/size, the
  effective target (own, else coverage_target·size) and that it is met, N-1 coverage;
- per limited resource: used and used ≤ limit; under phasing resources_by_year.csv;
- a re-plan: changes.csv (kept / dropped / added, what each change uses) and the change counts;
- every row of the model, base and rule families: its activity at the portfolio lies
  within its bounds;
- the objective, with the weights the objective uses (`Scenario.gap_weights`: table
  weights × `objective.sector_weights` / `gap_weights`) and every rule family's terms;
- the status's honesty: `optimal` has objective = bound within the gap setting, `feasible`
  has a bound on the right side of the objective, no portfolio means no figures.

`CheckReport.verified` says what was checked beyond the figures, and how.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.model.rules.coverage import n1_coverage
from planner.results.audit_rules import check_changes, check_resources_by_year
from planner.results.evaluation import evaluate
from planner.io.runs import SCENARIO_FILE, read_run as read_run_folder, read_run_config
from planner.io.safety import neutralise
from planner.solver.outcome import Status

REL_TOL = 1e-6  # outputs are rounded to 9 decimals; sums of thousands of terms stay far inside this


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
    verified: list[str] = field(default_factory=list)  # what was checked beyond the figures, and how

    @property
    def ok(self) -> bool:
        return not self.discrepancies

    def to_dict(self) -> dict:
        return {"run_dir": str(self.run_dir), "scenario": self.scenario, "status": self.status, "ok": self.ok,
                "checked": self.checked, "verified": self.verified,
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
        ck.report.verified.append("portfolio.csv forced_by recomputed by planner.model.rules.forced_by")
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


def _targets(sc) -> dict[str, float | None]:
    """The effective target per gap (`Scenario.gap_targets`: own, else coverage_target × size), None if none."""
    return {str(g): (t if t > 0 else None) for g, t in zip(sc.gaps.index, sc.gap_targets().tolist())}


def _check_coverage(sc, header, rows, ev, has_portfolio: bool, ck: _Checker) -> None:
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
    n1_all = dict(zip(ids, n1_coverage(sc, ev.x)[0].tolist())) if "n1_covered" in header and has_portfolio else {}
    covered = dict(zip(ids, ev.covered.tolist()))
    weights = dict(zip(ids, sc.gap_weights().tolist()))
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
        if "objective_weight" in header:
            ck.number("coverage.csv", f"{where}, column objective_weight", row.get("objective_weight"),
                      float(weights[g]), f"objective weight of {g}")
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


def _check_summary(sc, summary: dict, ev, has_portfolio: bool, ck: _Checker) -> None:
    cfg = sc.config
    chosen = set(sc.options.index[ev.x.astype(bool)])
    ck.report.checked += 3
    if summary.get("scenario") != sc.name:
        ck.bad("summary.json", "key scenario", summary.get("scenario"), sc.name, "scenario name differs")
    if summary.get("sense") not in (None, cfg.objective.sense):
        ck.bad("summary.json", "key sense", summary.get("sense"), cfg.objective.sense, "objective sense differs")
    if summary.get("input_sha256") != sc.input_sha256:
        ck.bad("summary.json", "key input_sha256", summary.get("input_sha256"), sc.input_sha256,
               "the inputs or settings differ from those of the run (figures were checked against the current ones)")
    for r in sc.resources:
        rec = (summary.get("resources") or {}).get(r)
        if not isinstance(rec, dict):
            ck.bad("summary.json", f"key resources.{r}", rec, None, "resource missing from the summary")
            continue
        used = ev.resource_use[r] if has_portfolio else None
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
    objective = ev.objective
    _check_rows(sc, ev, ck)
    ck.number("summary.json", "key objective", summary.get("objective"), objective, "objective")

    status = Status.of(summary.get("status"))  # None: not a status the planner writes
    bound, gap = _num(summary.get("bound")), _num(summary.get("mip_gap"))
    maximize = cfg.objective.sense == "max_coverage"
    ck.report.checked += 1
    if status is Status.OPTIMAL:
        allowed = max(cfg.solver.mip_gap, 1e-6)
        if bound is None or math.isnan(bound):
            ck.bad("summary.json", "key bound", summary.get("bound"), objective, "an optimal run must report its bound")
        elif abs(bound - objective) > allowed * max(1.0, abs(objective)) + 1e-6:
            ck.bad("summary.json", "key status", summary.get("status"), Status.FEASIBLE.value,
                   f"objective {objective:g} and bound {bound:g} differ by more than the gap setting: not proven optimal")
    elif status is Status.FEASIBLE:
        if bound is not None and not math.isnan(bound):
            slack = 1e-6 * max(1.0, abs(objective))
            if (maximize and bound < objective - slack) or (not maximize and bound > objective + slack):
                ck.bad("summary.json", "key bound", bound, objective, "the bound is on the wrong side of the objective")
        if gap is not None and (math.isnan(gap) or gap < 0):
            ck.bad("summary.json", "key mip_gap", summary.get("mip_gap"), None, "a gap must be a number ≥ 0")
    elif status is not None:  # a status without a portfolio
        ck.bad("summary.json", "key status", summary.get("status"), "optimal or feasible", "a run without a portfolio reports selected options")
    else:
        ck.bad("summary.json", "key status", summary.get("status"), None, "unknown status")


def _check_rows(sc, ev, ck: _Checker) -> None:
    """Every row of the model (base and rule families) holds at the portfolio: its activity,
    from the model's numpy face (`Evaluation.faces`), lies within its bounds."""
    from planner.model.rules import active_parts

    rows, _ = ev.faces()
    ck.report.checked += len(rows)
    ck.report.verified.append(f"{len(rows)} rows of {', '.join(p.name for p in active_parts(sc))} "
                              "hold at the portfolio (activities from the model's numpy face)")
    for family, ident, row in ev.violations():
        bound = row.lower if row.activity < row.lower else row.upper
        ck.bad("summary.json", "key selected_ids", round(row.activity, 9), bound,
               f"the selection violates row {family}_{ident} of the model (activity {row.activity:g}, "
               f"bounds [{row.lower:g}, {row.upper:g}])")


def check_run(run_dir: str | Path, scenario: str | Path | None = None, overrides=()) -> CheckReport:
    """Recompute every figure of a run folder; return the discrepancies (empty when all hold).

    Raises InputError when the run folder or the scenario cannot be read.
    """
    run_dir = Path(run_dir)
    summary, (port_header, port_rows), (cov_header, cov_rows) = read_run(run_dir)
    sc = load_run_scenario(run_dir, scenario, overrides)
    report = CheckReport(run_dir=run_dir, scenario=sc.name, status=str(summary.get("status")))
    ck = _Checker(report)
    status = Status.of(summary.get("status"))
    has_portfolio = status is None or status.has_portfolio  # an unknown status is reported, its figures checked
    opts = set(map(str, sc.options.index))
    ids = _selected(summary, port_rows, opts, ck)
    if not has_portfolio and (ids or port_rows):
        ck.bad("summary.json", "key selected_ids", ids, [], f"status {summary.get('status')} must come without a portfolio")
    chosen = set(ids)
    starts = _check_portfolio(sc, port_header, port_rows, chosen, ck)
    phasing = sc.config.rules.phasing
    ev = evaluate(sc, {o: starts.get(o, phasing.start) for o in chosen} if phasing is not None else chosen)
    _check_coverage(sc, cov_header, cov_rows, ev, has_portfolio, ck)
    _check_summary(sc, summary, ev, has_portfolio, ck)
    check_resources_by_year(sc, run_dir, ev if has_portfolio else None, ck)
    check_changes(sc, run_dir, summary, ev if has_portfolio else None, ck)
    ck.report.verified.insert(0, "coverage, resource use and the objective recomputed from the portfolio and the "
                                 "inputs through the model's numpy face (planner.results.evaluation), not the solver")
    return report
