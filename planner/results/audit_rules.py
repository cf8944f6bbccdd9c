"""The run-folder figures that rule families add: resources_by_year.csv under time phasing.

Spending per (year, resource) is the evaluation's (`Evaluation.use_by_year`, from
`planner.model.rules.phasing`): each selected option's use of r spent in its start year, or
(r in `phasing.spread`) use/d in each of the d = duration years from the start; per-year
limits respected.
"""
from __future__ import annotations

from pathlib import Path


def check_resources_by_year(sc, run_dir: Path, ev, ck) -> None:
    """Compare resources_by_year.csv with spending recomputed from the portfolio's start years
    (`ev` is the portfolio's Evaluation, None for a run without a portfolio)."""
    import csv

    phasing = sc.config.rules.phasing
    path = Path(run_dir) / "resources_by_year.csv"
    if phasing is None:
        return
    ck.report.checked += 1
    has_portfolio = ev is not None and bool(ev.x.any())
    if not path.is_file():
        if has_portfolio:
            ck.bad("resources_by_year.csv", "file", None, "resources_by_year.csv",
                   "a run with rules.phasing must write its per-year resource table")
        return
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    seen = set()
    for i, row in enumerate(rows):
        where = f"row {i + 2}"
        res, year = row.get("resource", ""), int(float(row.get("year") or 0))
        if res not in sc.resources or year not in phasing.years:
            ck.bad("resources_by_year.csv", f"{where}, column resource", f"{res} {year}", None,
                   "not a resource of the scenario in a year of the horizon")
            continue
        seen.add((year, res))
        used = float(ev.use_by_year[res][phasing.years.index(year)]) if ev is not None else 0.0
        ck.number("resources_by_year.csv", f"{where}, column used", row.get("used"), used, f"{res} spent in {year}")
        limit = phasing.per_year.get(res)
        ck.number("resources_by_year.csv", f"{where}, column limit", row.get("limit"), limit, f"per-year limit of {res}")
        if limit is not None:
            ck.report.checked += 1
            if used > limit + 1e-6 * max(1.0, limit):
                ck.bad("resources_by_year.csv", f"{where}, column used", used, limit, f"{res} exceeds its {year} limit")
    missing = {(y, r) for y in phasing.years for r in sc.resources} - seen
    if missing and has_portfolio:
        ck.bad("resources_by_year.csv", "rows", None, sorted(missing), "every (year, resource) pair needs a row")
