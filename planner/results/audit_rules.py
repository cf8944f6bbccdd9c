"""The run-folder figures that rule families add: resources_by_year.csv under time phasing,
changes.csv (and summary.json `changes`, `replan.drop_use`) for a re-plan.

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


def check_changes(sc, run_dir: Path, summary: dict, ev, ck) -> None:
    """A re-plan: changes.csv and summary.json's `changes` and `replan.drop_use` against the change
    table and counts recomputed from the incumbent and the portfolio (`planner.model.rules.replan`)."""
    from planner.io.runs import read_csv
    from planner.io.safety import neutralise
    from planner.model.rules.replan import change_table, changes_of, drop_use

    if sc.config.replan is None:
        return
    path = Path(run_dir) / "changes.csv"
    x = ev.x if ev is not None else None  # no portfolio: a header without rows
    ck.report.checked += 1
    if not path.is_file():
        ck.bad("changes.csv", "file", None, "changes.csv", "a re-plan (replan:) must write its change table")
        return
    header, rows = read_csv(path)
    expected = change_table(sc, x)
    want = expected.to_dict("records")
    reported_ids = [r.get("option_id", "") for r in rows]
    if reported_ids != [neutralise(str(r["option_id"])) for r in want]:
        ck.bad("changes.csv", "column option_id", reported_ids, [r["option_id"] for r in want],
               "must list each incumbent and each selected option once, in the options table's order")
    for col in expected.columns:
        if col not in header:
            ck.bad("changes.csv", f"column {col}", None, col, "required column is missing")
    numeric = set(sc.resources)
    for i, (row, exp) in enumerate(zip(rows, want)):
        if row.get("option_id") != neutralise(str(exp["option_id"])):
            continue
        for col in expected.columns:
            if col not in header:
                continue
            where = f"row {i + 2}, column {col}"
            if col in numeric:
                ck.number("changes.csv", where, row.get(col), float(exp[col]), f"{col} used by the change of {exp['option_id']}")
            else:
                ck.text("changes.csv", where, row.get(col), str(exp[col]))
    ck.report.verified.append("changes.csv recomputed from the incumbent (replan.incumbent) and the portfolio "
                              "by planner.model.rules.replan")
    if ev is None:
        return
    counts = changes_of(sc, x).counts()
    got = summary.get("changes") if isinstance(summary.get("changes"), dict) else {}
    for key, value in counts.items():
        ck.number("summary.json", f"key changes.{key}", got.get(key), float(value), f"{key} count")
    reported = ((summary.get("replan") or {}).get("drop_use")) or {}
    for res, value in drop_use(sc, x).items():
        ck.number("summary.json", f"key replan.drop_use.{res}", reported.get(res), value, f"{res} used by dropping")
