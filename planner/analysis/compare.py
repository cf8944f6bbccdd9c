"""Compare two run folders (as `planner solve --out` writes them): what changed and by how much.

Reads each folder's summary.json, portfolio.csv and coverage.csv (through `planner.io.runs`). Works for any two
runs — two scenarios, a run and a sweep point, two dates — and says when they were made
from different inputs. Differences are B − A.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

from planner.io.runs import RunFolder, read_run

REQUIRED_COLUMNS = {"portfolio": ("option_id",), "coverage": ("gap_id", "sector_id", "size", "covered")}


def _read(folder: str | Path) -> RunFolder:
    """One run folder, with the columns a comparison reads (exit 2 naming each missing file or column)."""
    run = read_run(folder)
    run.require_columns(REQUIRED_COLUMNS)
    return run


@dataclass
class OptionChange:
    option_id: str
    partner_id: str
    sector_id: str
    kind: str


@dataclass
class Comparison:
    run_a: str
    run_b: str
    scenario_a: str
    scenario_b: str
    status_a: str
    status_b: str
    objective_a: float | None
    objective_b: float | None
    objective_change: float | None
    same_inputs: bool
    added: list[OptionChange]
    removed: list[OptionChange]
    kept: int
    gaps: list[dict]  # gap_id, sector_id, size, covered_a, covered_b, change, fraction_a, fraction_b
    sectors: list[dict]  # sector_id, size, covered_a, covered_b, change, fraction_a, fraction_b
    resources: list[dict]  # resource, used_a, used_b, change, limit_a, limit_b

    def to_dict(self) -> dict:
        return asdict(self)


def _num(v):
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _diff(a, b):
    return None if a is None or b is None else round(b - a, 9)


def _options(frame, ids) -> list[OptionChange]:
    rows = frame.set_index("option_id")
    out = []
    for o in sorted(ids):
        r = rows.loc[o]
        out.append(OptionChange(o, str(r.get("partner_id", "")), str(r.get("sector_id", "")), str(r.get("kind", ""))))
    return out


def compare_runs(a: str | Path, b: str | Path) -> Comparison:
    """B − A for portfolio, coverage per gap and sector, resource use and objective."""
    ra, rb = _read(a), _read(b)
    port_a, port_b = ra.portfolio.frame(), rb.portfolio.frame()
    ids_a, ids_b = set(port_a["option_id"]), set(port_b["option_id"])
    ca = ra.coverage.frame().set_index("gap_id")
    cb = rb.coverage.frame().set_index("gap_id")
    gaps = []
    for g in list(ca.index) + [g for g in cb.index if g not in ca.index]:
        xa = ca.loc[g] if g in ca.index else None
        xb = cb.loc[g] if g in cb.index else None
        ref = xa if xa is not None else xb
        cov_a = None if xa is None else _num(xa["covered"])
        cov_b = None if xb is None else _num(xb["covered"])
        size = _num(ref["size"])
        gaps.append(
            {
                "gap_id": g,
                "sector_id": str(ref["sector_id"]),
                "size": size,
                "covered_a": cov_a,
                "covered_b": cov_b,
                "change": _diff(cov_a, cov_b),
                "fraction_a": None if cov_a is None or not size else round(cov_a / size, 9),
                "fraction_b": None if cov_b is None or not size else round(cov_b / size, 9),
            }
        )
    sectors: dict[str, dict] = {}
    for row in gaps:
        s = sectors.setdefault(
            row["sector_id"], {"sector_id": row["sector_id"], "size": 0.0, "covered_a": 0.0, "covered_b": 0.0}
        )
        s["size"] += row["size"] or 0.0
        for side in ("a", "b"):
            v = row[f"covered_{side}"]
            s[f"covered_{side}"] = None if v is None or s[f"covered_{side}"] is None else s[f"covered_{side}"] + v
    for s in sectors.values():
        s["change"] = _diff(s["covered_a"], s["covered_b"])
        for side in ("a", "b"):
            v = s[f"covered_{side}"]
            s[f"fraction_{side}"] = None if v is None or not s["size"] else round(v / s["size"], 9)
            s[f"covered_{side}"] = None if v is None else round(v, 9)
    res_a, res_b = ra.summary.get("resources", {}) or {}, rb.summary.get("resources", {}) or {}
    resources = []
    for r in list(res_a) + [r for r in res_b if r not in res_a]:
        ua, ub = _num((res_a.get(r) or {}).get("used")), _num((res_b.get(r) or {}).get("used"))
        resources.append(
            {
                "resource": r,
                "used_a": ua,
                "used_b": ub,
                "change": _diff(ua, ub),
                "limit_a": _num((res_a.get(r) or {}).get("limit")),
                "limit_b": _num((res_b.get(r) or {}).get("limit")),
            }
        )
    oa, ob = _num(ra.summary.get("objective")), _num(rb.summary.get("objective"))
    return Comparison(
        run_a=str(ra.folder),
        run_b=str(rb.folder),
        scenario_a=str(ra.summary.get("scenario", "")),
        scenario_b=str(rb.summary.get("scenario", "")),
        status_a=str(ra.summary.get("status", "")),
        status_b=str(rb.summary.get("status", "")),
        objective_a=oa,
        objective_b=ob,
        objective_change=_diff(oa, ob),
        same_inputs=ra.summary.get("input_sha256") == rb.summary.get("input_sha256"),
        added=_options(port_b, ids_b - ids_a),
        removed=_options(port_a, ids_a - ids_b),
        kept=len(ids_a & ids_b),
        gaps=gaps,
        sectors=list(sectors.values()),
        resources=resources,
    )


def describe(c: Comparison) -> list[str]:
    """Plain-language summary of a comparison."""
    from planner.io.numbers import fmt

    out = [f"A: {c.run_a} ({c.scenario_a}, {c.status_a}); B: {c.run_b} ({c.scenario_b}, {c.status_b})."]
    if c.objective_change is not None:
        out.append(
            f"Objective {fmt(c.objective_a)} → {fmt(c.objective_b)} ({'+' if c.objective_change >= 0 else ''}{fmt(c.objective_change)})."
        )
    out.append(f"{len(c.added)} option(s) added, {len(c.removed)} removed, {c.kept} kept.")
    if c.same_inputs:
        out.append("Both runs used the same inputs and settings (same input_sha256).")
    return out
