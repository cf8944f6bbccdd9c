"""A result as the JSON the page draws: `Result.summary()` (what `planner solve --json`
prints, same keys and figures) plus the portfolio, coverage, per-sector and partner × sector rows."""
from __future__ import annotations

from typing import Any

from planner.io.numbers import json_ready


def clean(value: Any) -> Any:
    """JSON-safe: NaN/inf → None, numpy scalars → Python, enums → their value (`planner.io.numbers.json_ready`)."""
    return json_ready(value)


def records(frame) -> list[dict]:
    return clean(frame.to_dict(orient="records"))


def result_payload(solved, scenario_file: str) -> dict:
    r = solved.result
    sc = r.scenario
    portfolio = r.portfolio
    sectors = r.sector_coverage().reset_index().rename(columns={"index": "sector_id"})
    matrix: dict[str, dict[str, int]] = {}
    for row in portfolio.itertuples():
        matrix.setdefault(row.partner_id, {}).setdefault(row.sector_id, 0)
        matrix[row.partner_id][row.sector_id] += 1
    options = sc.options
    chosen = set(r.selected)
    return clean({
        **r.summary(),
        "scenario_file": scenario_file,
        "overrides": solved.overrides,
        "resolve_path": solved.path,
        "server_seconds": round(solved.seconds, 4),
        "portfolio": records(portfolio),
        "coverage": records(r.coverage) if r.has_portfolio else [],
        "sectors": records(sectors) if r.has_portfolio else [],
        "matrix": matrix,
        "partners": {p: n for p, n in sc.partners["name"].items()},
        "sector_names": {s: n for s, n in sc.sectors["name"].items()},
        "options": [{"option_id": o, "name": n, "partner_id": p, "sector_id": s, "selected": o in chosen}
                    for o, n, p, s in zip(options.index, options["name"], options["partner_id"], options["sector_id"])],
        "settings": {"limits": dict(sc.config.limits), "risk_penalty": sc.config.objective.risk_penalty,
                     "sense": sc.config.objective.sense, "sector_weights": dict(sc.config.objective.sector_weights),
                     "gap_weights": dict(sc.config.objective.gap_weights),
                     "require": list(sc.config.rules.require), "forbid": list(sc.config.rules.forbid)},
    })
