"""`planner check` of a Pareto run folder (`planner pareto --out DIR`).

Recomputes, for every row of pareto.csv, each objective's value from the listed portfolio
and the inputs through the numpy face (`planner.pareto.objectives.numpy_value`, the same
definition the run used), never the solver; checks that the portfolio obeys every row of
the model (`Evaluation.violations`), that no listed point dominates or repeats another,
that `entered_ids` / `left_ids` are the differences from the previous row, that
`supported` (two objectives) is what the listed points' convex hull says, and that
summary.json agrees with the table (`points_count`, objectives).

What a check cannot verify without solving again is listed in `UNVERIFIABLE` and in the
report: that no non-dominated point is missing (the method's exactness, docs/pareto.md),
that each point's portfolio is the least-cost one with its values, and that a point is
non-dominated by portfolios the run did not list.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from planner.errors import InputError, Problem
from planner.results.audit import CheckReport, Discrepancy, close, load_run_scenario

CSV, SUMMARY = "pareto.csv", "summary.json"
KIND = "pareto"
VERIFIED = (
    "pareto.csv: each objective's value per point, recomputed from its portfolio and the inputs (numpy face)",
    "pareto.csv: each portfolio obeys every row of the model (rules, limits, targets)",
    "pareto.csv: no point dominates or repeats another",
    "pareto.csv: entered_ids / left_ids against the previous point; options = number selected",
    "pareto.csv: supported (two objectives) from the listed points' convex hull",
    "summary.json: points_count and objectives match pareto.csv",
)
UNVERIFIABLE = (
    "that no non-dominated point is missing (needs the solver; see docs/pareto.md for the proof)",
    "that each point's portfolio is the least-cost one among those with its values",
    "lexicographic optimality of each point against portfolios the run did not list",
)


def is_pareto_run(run_dir: str | Path) -> bool:
    """Does summary.json say this folder is a Pareto run?"""
    try:
        data = json.loads((Path(run_dir) / SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("kind") == KIND


def _read(run_dir: Path) -> tuple[dict, list[str], list[dict]]:
    try:
        summary = json.loads((run_dir / SUMMARY).read_text(encoding="utf-8"))
        with open(run_dir / CSV, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = list(reader.fieldnames or [])
    except (OSError, ValueError) as exc:
        raise InputError(Problem(file=str(run_dir), message=f"not a readable Pareto run folder: {exc}")) from None
    return summary, header, rows


def check_pareto(run_dir: str | Path, scenario: str | Path | None = None, overrides=()) -> CheckReport:
    """Every checkable figure of a Pareto run folder (see the module doc)."""
    from planner.pareto.objectives import ObjectiveSpec, Sense, numpy_value
    from planner.pareto.run import supported_flags
    from planner.results.evaluation import evaluate

    run_dir = Path(run_dir)
    summary, header, rows = _read(run_dir)
    sc = load_run_scenario(run_dir, scenario, overrides)
    report = CheckReport(
        run_dir=run_dir, scenario=sc.name, status="complete" if summary.get("complete") else "incomplete"
    )
    bad = lambda file, where, rep, rec, msg: report.discrepancies.append(Discrepancy(file, where, rep, rec, msg))  # noqa: E731
    try:
        specs = [ObjectiveSpec.from_dict(o) for o in summary.get("objectives", [])]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            Problem(
                file=str(run_dir / SUMMARY),
                value=summary.get("objectives"),
                message=f"objectives cannot be read: {exc}",
            )
        ) from None
    labels = [s.label for s in specs]
    missing = [label for label in labels if label not in header]
    if missing:
        bad(CSV, "header", header, labels, f"objective columns missing: {missing}")
        return report
    values = [numpy_value(sc, s) for s in specs]
    ids = sc.option_ids()
    known = set(ids)
    hs, previous = [], None
    for n, row in enumerate(rows, start=1):
        chosen = [o for o in (row.get("selected_ids") or "").split(";") if o]
        unknown = [o for o in chosen if o not in known]
        if unknown:
            bad(CSV, f"row {n}, column selected_ids", unknown, None, "options not in the scenario")
            continue
        starts = dict(item.split(":") for item in (row.get("start_years") or "").split(";") if ":" in item)
        x = np.array([1 if o in set(chosen) else 0 for o in ids], dtype=np.int8)
        start = np.array([int(starts.get(o, 0)) for o in ids]) if starts else None
        ev = evaluate(sc, {o: int(starts[o]) for o in chosen} if starts else chosen)
        for family, ident, rv in ev.violations():
            bad(CSV, f"row {n}", f"{family} {ident}", rv, "the portfolio breaks a row of the model")
        h = []
        for spec, value in zip(specs, values):
            got = value(x, start)
            report.checked += 1
            reported = _number(row.get(spec.label))
            if reported is None or not close(reported, got):
                bad(
                    CSV, f"row {n}, column {spec.label}", row.get(spec.label), round(got, 9), "value does not recompute"
                )
            h.append(got if spec.sense is Sense.MAX else -got)
        hs.append(tuple(h))
        report.checked += 2
        if _number(row.get("options")) != len(chosen):
            bad(CSV, f"row {n}, column options", row.get("options"), len(chosen), "not the number of selected options")
        if previous is not None:
            for column, expect in (
                ("entered_ids", [o for o in chosen if o not in previous]),
                ("left_ids", [o for o in previous if o not in set(chosen)]),
            ):
                got_ids = [o for o in (row.get(column) or "").split(";") if o]
                if sorted(got_ids) != sorted(expect):
                    bad(CSV, f"row {n}, column {column}", got_ids, expect, "not the change from the previous point")
        previous = chosen
    _check_front(hs, rows, len(specs), supported_flags, bad, report)
    if summary.get("points_count") != len(rows):
        bad(SUMMARY, "key points_count", summary.get("points_count"), len(rows), "not the number of rows in pareto.csv")
    report.verified.extend(VERIFIED)
    report.verified.extend(f"not verifiable without solving: {u}" for u in UNVERIFIABLE)
    return report


def _check_front(hs, rows, dims, supported_flags, bad, report) -> None:
    """No point dominates or repeats another; `supported` as the hull says (two objectives)."""
    tol = lambda a, b: 1e-9 * max(1.0, abs(a), abs(b))  # noqa: E731
    for i, a in enumerate(hs):
        for j, b in enumerate(hs):
            if i != j and all(p >= q - tol(p, q) for p, q in zip(a, b)):
                report.checked += 1
                same = all(abs(p - q) <= tol(p, q) for p, q in zip(a, b))
                if same and i < j:
                    bad(CSV, f"rows {i + 1} and {j + 1}", "distinct points", "equal values", "a point is listed twice")
                elif not same:
                    bad(CSV, f"row {i + 1}", "non-dominated", f"dominates row {j + 1}", "a listed point is dominated")
    if dims == 2 and len(hs) == len(rows) and hs:
        order = sorted(range(len(hs)), key=lambda k: tuple(-v for v in hs[k]))
        flags = supported_flags([hs[k] for k in order])
        for k, flag in zip(order, flags):
            report.checked += 1
            if str(rows[k].get("supported")).strip().lower() != str(flag).lower():
                bad(
                    CSV,
                    f"row {k + 1}, column supported",
                    rows[k].get("supported"),
                    flag,
                    "not what the convex hull says",
                )


def _number(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None
