"""`robust(scenario)`: every robust figure of a scenario over its weight set, and its run folder.

Every figure is recomputed from the portfolios with the model's numpy face
(`planner.robust.weights.Linear.portfolio`), never read from a solver: a portfolio's value at
a point y of W is V(P)·y + c(P), its worst case the exact minimum over W, its regret
max over W of z*(y) − value(P, y) with z*(w_v) the optimum at a vertex (`planner.robust.figures`).

W has 2^F vertices for F intervals without orders. Maximin needs none (one MILP); minimax
regret, the non-dominated portfolios and the Monte Carlo draws use W's vertices: all of them
when there are at most `max_vertices`, else the vertices examined by the lazy minimax regret,
and then the report says so (`weight_set.complete: false`) and gives bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from planner.api import solve
from planner.inputs.scenario import Scenario
from planner.io.numbers import json_text
from planner.io.runfolder import atomic_dir, write_csv
from planner.io.runs import SCENARIO_FILE, scenario_record
from planner.robust.analysis import Settings, analyse
from planner.robust.outcome import (  # noqa: F401 (the names robust's callers import from here)
    BORDERLINE,
    CORE,
    EXTERIOR,
    PortfolioFigures,
    Progress,
    RobustReport,
    Stage,
    Stop,
    labels,
)
from planner.robust.weights import weight_set_of


def _weights_ignored(scenario: Scenario, message: str) -> RobustReport:
    result = solve(scenario)
    return RobustReport(
        scenario.name,
        False,
        nominal=PortfolioFigures(objective=result.objective, selected=list(result.selected), status=result.status),
        message=message,
        status=result.status,
    )


def robust(
    scenario: Scenario,
    *,
    max_portfolios: int | None = None,
    samples: int | None = None,
    seed: int | None = None,
    max_vertices: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> RobustReport:
    """Nominal, maximin, minimax regret, non-dominated portfolios + core index, Monte Carlo over W.

    `progress` is called with a `Progress` up front (W's vertex count) and as each solve ends."""
    rob = scenario.config.robust
    settings: Settings = {
        "max_portfolios": max_portfolios or (rob.max_portfolios if rob else 200),
        "samples": (rob.samples if rob else 100) if samples is None else samples,
        "seed": (rob.seed if rob else 0) if seed is None else seed,
        "max_vertices": max_vertices or (rob.max_vertices if rob else 64),
    }
    if scenario.config.objective.sense != "max_coverage":
        return _weights_ignored(
            scenario,
            "objective.sense is min_cost: the weights do not enter the objective, so every "
            "robust portfolio is the nominal one",
        )
    ws = weight_set_of(scenario)
    if ws.total <= 0:
        return _weights_ignored(
            scenario,
            "every objective weight is 0 at its nominal value: the weights do not enter "
            "the objective, so every robust portfolio is the nominal one",
        )
    return analyse(scenario, ws, settings, progress or (lambda p: None))


def write_robust(report: RobustReport, out_dir: str | Path, scenario: Scenario | None = None) -> Path:
    """robust.json, robust_options.csv and robust_portfolios.csv, written as one atomic folder; given the
    scenario, also scenario.json and the inputs' digests in robust.json (so `planner check` recomputes)."""
    out = Path(out_dir)
    data = report.to_dict()
    if scenario is not None:
        data.update(input_sha256=scenario.input_sha256, tables_sha256=scenario.tables_sha256)
    with atomic_dir(out, kind="robust") as tmp:
        if scenario is not None:
            (tmp / SCENARIO_FILE).write_text(scenario_record(scenario.config), encoding="utf-8")
        (tmp / "robust.json").write_text(json_text(data) + "\n", encoding="utf-8")
        write_csv(
            pd.DataFrame(
                report.options,
                columns=[
                    "option_id",
                    "nominal",
                    "maximin",
                    "minimax_regret",
                    "core",
                    "nondominated_share",
                    "mc_frequency",
                ],
            ),
            tmp / "robust_options.csv",
        )
        rows = [
            {
                k: (";".join(map(str, v)) if k == "selected" and isinstance(v, list) else v)
                for k, v in p.items()
                if k != "vertex_values"
            }
            for p in report.portfolios
        ]
        write_csv(
            pd.DataFrame(rows, columns=None if rows else ["rank", "selected", "min", "max"]),
            tmp / "robust_portfolios.csv",
        )
    return out
