"""A result as the JSON the page draws: `Result.summary()` (what `planner solve --json`
prints, same keys and figures) plus the portfolio, coverage, per-sector and partner × sector rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planner.io.numbers import json_ready
from planner.report.words import resource_words

if TYPE_CHECKING:
    import pandas as pd

    from planner.inputs.scenario import Scenario
    from planner.results.result import Result
    from planner.web.sessions import Solved

Json = dict[str, Any]


def clean(value: Any) -> Any:
    """JSON-safe: NaN/inf → None, numpy scalars → Python, enums → their value (`planner.io.numbers.json_ready`)."""
    return json_ready(value)


def records(frame: pd.DataFrame) -> list[Json]:
    rows: list[Json] = clean(frame.to_dict(orient="records"))
    return rows


def benefits(result: Result) -> dict[str, float]:
    """Per selected option: the objective this plan loses if that option alone is dropped
    (nothing re-chosen), by the model's own evaluation (`planner.results.evaluation.evaluate`)."""
    from planner.results.evaluation import evaluate

    ev = result.evaluation
    if ev is None or result.objective is None or result.scenario.config.rules.phasing is not None:
        return {}
    sc, x = result.scenario, ev.x
    sign = 1.0 if sc.config.objective.sense == "max_coverage" else -1.0
    out = {}
    for i, o in enumerate(sc.options.index):
        if x[i] > 0.5:
            without = x.copy()
            without[i] = 0
            out[o] = round(sign * (result.objective - evaluate(sc, without).objective), 6)
    return out


def gaps_served(scenario: Scenario) -> dict[str, list[str]]:
    """Per option: the names of the gaps it contributes to (the contributions table)."""
    names = scenario.gaps["name"].to_dict()
    out: dict[str, list[str]] = {}
    for o, g in zip(scenario.contributions["option_id"], scenario.contributions["gap_id"]):
        out.setdefault(o, []).append(names.get(g, g))
    return out


def result_payload(solved: Solved, scenario_file: str) -> Json:
    r = solved.result
    sc = r.scenario
    portfolio = r.portfolio
    sectors = r.sector_coverage().reset_index().rename(columns={"index": "sector_id"})
    matrix: dict[str, dict[str, int]] = {}
    for partner, sector in zip(portfolio["partner_id"].astype(str), portfolio["sector_id"].astype(str)):
        cell = matrix.setdefault(partner, {})
        cell[sector] = cell.get(sector, 0) + 1
    options = sc.options
    chosen = set(r.selected)
    served, gain = gaps_served(sc), benefits(r)
    changes = r.changes
    payload: Json = clean(
        {
            **r.summary(),
            "scenario_file": scenario_file,
            "overrides": solved.overrides,
            "resolve_path": solved.path,
            "server_seconds": round(solved.seconds, 4),
            "portfolio": [
                {**row, "benefit": gain.get(row["option_id"]), "gaps": served.get(row["option_id"], [])}
                for row in records(portfolio)
            ],
            "cost_resource": sc.cost_resource,
            "resource_words": {r: resource_words(r) for r in sc.resources},
            "changes_table": None if changes is None else records(changes),
            "coverage": records(r.coverage) if r.has_portfolio else [],
            "sectors": records(sectors) if r.has_portfolio else [],
            "matrix": matrix,
            "partners": {p: n for p, n in sc.partners["name"].items()},
            "sector_names": {s: n for s, n in sc.sectors["name"].items()},
            "options": [
                {"option_id": o, "name": n, "partner_id": p, "sector_id": s, "selected": o in chosen}
                for o, n, p, s in zip(options.index, options["name"], options["partner_id"], options["sector_id"])
            ],
            "settings": {
                "limits": dict(sc.config.limits),
                "risk_penalty": sc.config.objective.risk_penalty,
                "sense": sc.config.objective.sense,
                "sector_weights": dict(sc.config.objective.sector_weights),
                "gap_weights": dict(sc.config.objective.gap_weights),
                "require": list(sc.config.rules.require),
                "forbid": list(sc.config.rules.forbid),
            },
        }
    )
    return payload
