"""The tables every solve folder's report shows, computed from its summary, scenario and frames:
resources (use against limit), sectors (coverage per sector), the partner × sector matrix, the
rules and the scenario's settings as run; and `flatten`, which writes a JSON value as dotted rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted-key rows of a JSON value; lists of scalars become one comma-separated cell."""
    if isinstance(value, dict):
        rows: list[tuple[str, Any]] = []
        for k, v in value.items():
            rows.extend(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return rows or ([(prefix, "")] if prefix else [])
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return [(prefix, ", ".join("" if v is None else str(v) for v in value))]
        rows = []
        for i, v in enumerate(value):
            rows.extend(flatten(v, f"{prefix}[{i}]"))
        return rows or ([(prefix, "")] if prefix else [])
    return [(prefix, value)]


def resources_table(summary: dict[str, Any]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for name, r in (summary.get("resources") or {}).items():
        used, limit = r.get("used"), r.get("limit")
        share = used / limit if used is not None and limit else None
        remaining = limit - used if used is not None and limit is not None else None
        rows.append({"resource": name, "used": used, "limit": limit, "share": share, "remaining": remaining})
    return pd.DataFrame(rows, columns=["resource", "used", "limit", "share", "remaining"])


def sectors_table(portfolio: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """Per sector (coverage.csv order): total gap size, covered, remaining, covered fraction, options."""
    import pandas as pd

    names = {}
    if len(portfolio) and "sector_name" in portfolio.columns:
        names = dict(zip(portfolio["sector_id"], portfolio["sector_name"]))
    rows = []
    if len(coverage):
        cov = coverage.assign(
            covered=coverage["covered"].map(lambda v: 0.0 if v is None else float(v)),
            size=coverage["size"].astype(float),
        )
        for sid, grp in cov.groupby("sector_id", sort=False):
            size, covered = float(grp["size"].sum()), float(grp["covered"].sum())
            n_opts = int((portfolio["sector_id"] == sid).sum()) if len(portfolio) else 0
            rows.append(
                {
                    "sector_id": sid,
                    "sector": names.get(sid, sid),
                    "size": size,
                    "covered": covered,
                    "remaining": size - covered,
                    "fraction": covered / size if size else None,
                    "gaps": len(grp),
                    "options": n_opts,
                }
            )
    return pd.DataFrame(
        rows, columns=["sector_id", "sector", "size", "covered", "remaining", "fraction", "gaps", "options"]
    )


def matrix_table(portfolio: pd.DataFrame, sectors: pd.DataFrame) -> pd.DataFrame:
    """partners × sectors: how many selected options each pair has (all coverage sectors as columns)."""
    import pandas as pd

    cols = list(sectors["sector_id"]) if len(sectors) else []
    if not len(portfolio):
        return pd.DataFrame(columns=cols)
    counts = portfolio.groupby(["partner_id", "sector_id"]).size().unstack(fill_value=0)
    for extra in counts.columns:
        if extra not in cols:
            cols.append(extra)
    counts = counts.reindex(columns=cols, fill_value=0)
    totals = counts.sum(axis=1).to_dict()
    counts = counts.loc[sorted(counts.index, key=lambda p: (-int(totals[p]), p))]
    counts.index.name = "partner_id"
    return counts.astype(int)


def rules_table(summary: dict[str, Any], scenario: dict[str, Any]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for key, value in flatten(scenario.get("rules") or {}):
        if value in ("", None):
            continue
        rule, _, setting = key.partition(".")
        rows.append({"rule": rule, "setting": setting, "value": value})
    active = ", ".join(summary.get("rules_active") or []) or "none"
    rows.insert(0, {"rule": "(families active)", "setting": "", "value": active})
    return pd.DataFrame(rows, columns=["rule", "setting", "value"])


def inputs_table(summary: dict[str, Any], scenario: dict[str, Any]) -> pd.DataFrame:
    import pandas as pd

    rows = [{"setting": k, "value": v} for k, v in flatten(scenario)]
    for key in ("input_sha256", "planner_version", "backend"):
        if key in summary:
            rows.append({"setting": f"run.{key}", "value": summary[key]})
    return pd.DataFrame(rows, columns=["setting", "value"])
