"""Compare two run folders (as `planner solve --out` writes them): what changed and by how much.

Reads each folder's summary.json, portfolio.csv and coverage.csv (through `planner.io.runs`). Works for any two
runs — two scenarios, a run and a sweep point, two dates — and says when they were made
from different inputs. Differences are B − A.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, SupportsFloat, TypedDict, cast

import pandas as pd

from planner.io.numbers import fmt
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


class GapRow(TypedDict):
    gap_id: str
    sector_id: str
    size: float | None
    covered_a: float | None
    covered_b: float | None
    change: float | None
    fraction_a: float | None
    fraction_b: float | None


class SectorRow(TypedDict):
    sector_id: str
    size: float
    covered_a: float | None
    covered_b: float | None
    change: float | None
    fraction_a: float | None
    fraction_b: float | None


class ResourceRow(TypedDict):
    resource: str
    used_a: float | None
    used_b: float | None
    change: float | None
    limit_a: float | None
    limit_b: float | None


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
    gaps: list[GapRow]
    sectors: list[SectorRow]
    resources: list[ResourceRow]
    # Display only (not in compare.json): the names both run folders give each id, per kind
    # ("options", "partners", "sectors", "gaps"), from their portfolio.csv and coverage.csv
    names: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["names"]
        return data


def _num(v: object) -> float | None:
    if v is None:
        return None
    try:
        f = float(cast("SupportsFloat | str", v))  # any cell or JSON value; what is not a number is None
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 9)


def _options(frame: pd.DataFrame, ids: set[str]) -> list[OptionChange]:
    rows = frame.set_index("option_id")
    out = []
    for o in sorted(ids):
        r = rows.loc[o]
        out.append(OptionChange(o, str(r.get("partner_id", "")), str(r.get("sector_id", "")), str(r.get("kind", ""))))
    return out


# (kind, table, id column, name column) of the names a run folder records next to each id
NAME_COLUMNS = (
    ("options", "portfolio", "option_id", "name"),
    ("partners", "portfolio", "partner_id", "partner_name"),
    ("sectors", "portfolio", "sector_id", "sector_name"),
    ("gaps", "coverage", "gap_id", "name"),
)


def _names(*runs: RunFolder) -> dict[str, dict[str, str]]:
    """Each id's name as the runs' own tables give it (a later run's over an earlier's)."""
    names: dict[str, dict[str, str]] = {kind: {} for kind, *_ in NAME_COLUMNS}
    for run in runs:
        for kind, table, ident, name in NAME_COLUMNS:
            for row in getattr(run, table).rows:
                if row.get(ident) and row.get(name):
                    names[kind][row[ident]] = row[name]
    return names


def _gap_rows(ca: pd.DataFrame, cb: pd.DataFrame) -> list[GapRow]:
    """Coverage per gap in A and B (indexed by gap_id): A's gaps, then B's others."""
    gaps: list[GapRow] = []
    for g in list(ca.index) + [g for g in cb.index if g not in ca.index]:
        xa = ca.loc[g] if g in ca.index else None
        xb = cb.loc[g] if g in cb.index else None
        ref = xa if xa is not None else xb
        assert ref is not None  # g is a gap of A or of B
        cov_a = None if xa is None else _num(xa["covered"])
        cov_b = None if xb is None else _num(xb["covered"])
        size = _num(ref["size"])
        gaps.append(
            GapRow(
                gap_id=g,
                sector_id=str(ref["sector_id"]),
                size=size,
                covered_a=cov_a,
                covered_b=cov_b,
                change=_diff(cov_a, cov_b),
                fraction_a=None if cov_a is None or not size else round(cov_a / size, 9),
                fraction_b=None if cov_b is None or not size else round(cov_b / size, 9),
            )
        )
    return gaps


def _sector_rows(gaps: list[GapRow]) -> list[SectorRow]:
    """The gaps' coverage summed per sector (None on a side where some gap's coverage is unknown)."""
    sizes: dict[str, float] = {}
    covered: dict[str, dict[str, float | None]] = {}
    for row in gaps:
        sector = row["sector_id"]
        sizes[sector] = sizes.get(sector, 0.0) + (row["size"] or 0.0)
        acc = covered.setdefault(sector, {"a": 0.0, "b": 0.0})
        for side, v in (("a", row["covered_a"]), ("b", row["covered_b"])):
            total = acc[side]
            acc[side] = None if v is None or total is None else total + v
    out = []
    for sector, size in sizes.items():
        a, b = covered[sector]["a"], covered[sector]["b"]
        out.append(
            SectorRow(
                sector_id=sector,
                size=size,
                covered_a=None if a is None else round(a, 9),
                covered_b=None if b is None else round(b, 9),
                change=_diff(a, b),
                fraction_a=None if a is None or not size else round(a / size, 9),
                fraction_b=None if b is None or not size else round(b / size, 9),
            )
        )
    return out


def _resource_rows(sa: dict[str, Any], sb: dict[str, Any]) -> list[ResourceRow]:
    """Use and limit per resource from two summaries: A's resources, then B's others."""
    res_a, res_b = sa.get("resources", {}) or {}, sb.get("resources", {}) or {}
    out = []
    for r in list(res_a) + [r for r in res_b if r not in res_a]:
        ua, ub = _num((res_a.get(r) or {}).get("used")), _num((res_b.get(r) or {}).get("used"))
        out.append(
            ResourceRow(
                resource=r,
                used_a=ua,
                used_b=ub,
                change=_diff(ua, ub),
                limit_a=_num((res_a.get(r) or {}).get("limit")),
                limit_b=_num((res_b.get(r) or {}).get("limit")),
            )
        )
    return out


def compare_runs(a: str | Path, b: str | Path) -> Comparison:
    """B − A for portfolio, coverage per gap and sector, resource use and objective."""
    ra, rb = _read(a), _read(b)
    port_a, port_b = ra.portfolio.frame(), rb.portfolio.frame()
    ids_a, ids_b = set(port_a["option_id"]), set(port_b["option_id"])
    gaps = _gap_rows(ra.coverage.frame().set_index("gap_id"), rb.coverage.frame().set_index("gap_id"))
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
        sectors=_sector_rows(gaps),
        resources=_resource_rows(ra.summary, rb.summary),
        names=_names(ra, rb),
    )


def describe(c: Comparison) -> list[str]:
    """Plain-language summary of a comparison."""
    out = [f"A: {c.run_a} ({c.scenario_a}, {c.status_a}); B: {c.run_b} ({c.scenario_b}, {c.status_b})."]
    if c.objective_change is not None:
        out.append(
            f"Objective {fmt(c.objective_a)} → {fmt(c.objective_b)} ({'+' if c.objective_change >= 0 else ''}{fmt(c.objective_change)})."
        )
    out.append(f"{len(c.added)} option(s) added, {len(c.removed)} removed, {c.kept} kept.")
    if c.same_inputs:
        out.append("Both runs used the same inputs and settings (same input_sha256).")
    return out
