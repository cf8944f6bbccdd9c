"""Independent recomputation of the run-folder figures that rule families add.

Used by `planner.results.audit` (plain Python sums, not `planner.model.rules`):
- `n1_coverage`: coverage.csv's `n1_covered`, the worst coverage of each gap when any one
  partner's selected options are all lost;
- `check_resources_by_year`: resources_by_year.csv under time phasing — each selected
  option's use of r spent in its start year, or (r in `phasing.spread`) use/d in each of
  the d = duration years from the start; per-year limits respected.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path


def n1_coverage(sc, chosen: set[str]) -> dict[str, float]:
    """n1[g] = min over partners p of min(size, Σ amount of selected options not of p)."""
    partner = {str(o): str(p) for o, p in zip(sc.options.index, sc.options["partner_id"])}
    partners = {partner[o] for o in chosen}
    sizes = {str(g): float(s) for g, s in zip(sc.gaps.index, sc.gaps["size"])}
    rows_by_gap: dict[str, list[tuple[str, float]]] = {g: [] for g in sizes}
    for o, gid, a in zip(sc.contributions["option_id"], sc.contributions["gap_id"], sc.contributions["amount"]):
        if o in chosen:
            rows_by_gap[str(gid)].append((str(o), float(a)))
    out = {}
    for g, rows in rows_by_gap.items():
        full = min(sizes[g], math.fsum(a for _, a in rows))
        out[g] = min([full] + [min(sizes[g], math.fsum(a for o, a in rows if partner[o] != p)) for p in partners])
    return out


def check_resources_by_year(sc, run_dir: Path, chosen: set[str], starts: dict[str, int], ck) -> None:
    """Compare resources_by_year.csv with spending recomputed from the portfolio's start years."""
    phasing = sc.config.rules.phasing
    path = Path(run_dir) / "resources_by_year.csv"
    if phasing is None:
        return
    ck.report.checked += 1
    if not path.is_file():
        if chosen:
            ck.bad("resources_by_year.csv", "file", None, "resources_by_year.csv",
                   "a run with rules.phasing must write its per-year resource table")
        return
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    duration = {}
    col = phasing.duration_column
    for o in chosen:
        duration[o] = int(round(float(sc.options.loc[o, col]))) if col in sc.options.columns else 1
    seen = set()
    for i, row in enumerate(rows):
        where = f"row {i + 2}"
        res, year = row.get("resource", ""), int(float(row.get("year") or 0))
        if res not in sc.resources or year not in phasing.years:
            ck.bad("resources_by_year.csv", f"{where}, column resource", f"{res} {year}", None,
                   "not a resource of the scenario in a year of the horizon")
            continue
        seen.add((year, res))
        spent = []
        for o in chosen:
            s, use = starts.get(o), float(sc.options.loc[o, res])
            if s is None:
                continue
            if res in phasing.spread:
                spent.append(use / duration[o] if s <= year < s + duration[o] else 0.0)
            else:
                spent.append(use if s == year else 0.0)
        used = math.fsum(spent)
        ck.number("resources_by_year.csv", f"{where}, column used", row.get("used"), used, f"{res} spent in {year}")
        limit = phasing.per_year.get(res)
        ck.number("resources_by_year.csv", f"{where}, column limit", row.get("limit"), limit, f"per-year limit of {res}")
        if limit is not None:
            ck.report.checked += 1
            if used > limit + 1e-6 * max(1.0, limit):
                ck.bad("resources_by_year.csv", f"{where}, column used", used, limit, f"{res} exceeds its {year} limit")
    missing = {(y, r) for y in phasing.years for r in sc.resources} - seen
    if missing and chosen:
        ck.bad("resources_by_year.csv", "rows", None, sorted(missing), "every (year, resource) pair needs a row")
