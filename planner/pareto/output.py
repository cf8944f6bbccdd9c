"""A Pareto run's folder: pareto.csv, summary.json, scenario.json (written whole, atomically).

pareto.csv, one row per non-dominated point, best first in the first objective:
`point` (1, 2, …), one column per objective (its label, user sense), `supported` (two
objectives: optimal for some positive weighting; blank for three), `options` (how many are
selected), `selected_ids`, `entered_ids` and `left_ids` (against the previous row), all ids
`;`-joined, and under time phasing `start_years` (`option:year;…`).
summary.json: `ParetoResult.to_dict()` without the points' portfolios (they are in the CSV),
plus the scenario's input digest and the planner version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from planner import __version__
from planner.io.numbers import json_text
from planner.io.runfolder import atomic_dir, safe_child, write_csv
from planner.pareto.run import ParetoResult

CSV, SUMMARY, SCENARIO = "pareto.csv", "summary.json", "scenario.json"
KIND = "pareto"


def pareto_table(result: ParetoResult) -> pd.DataFrame:
    """pareto.csv as a frame (see the module doc)."""
    labels = [o.label for o in result.objectives]
    phasing = any(p.start_year for p in result.points)
    rows = []
    for i, p in enumerate(result.points, start=1):
        row = {
            "point": i,
            **{label: p.values[label] for label in labels},
            "supported": "" if p.supported is None else p.supported,
            "options": len(p.selected),
            "selected_ids": ";".join(p.selected),
            "entered_ids": ";".join(p.entered),
            "left_ids": ";".join(p.left),
        }
        if phasing:
            row["start_years"] = ";".join(f"{o}:{y}" for o, y in (p.start_year or {}).items())
        rows.append(row)
    columns = ["point", *labels, "supported", "options", "selected_ids", "entered_ids", "left_ids"]
    return pd.DataFrame(rows, columns=columns + (["start_years"] if phasing else []))


def summary_of(result: ParetoResult) -> dict[str, Any]:
    data = result.to_dict()
    data.pop("points")
    data.update(
        {
            "scenario_file": str(result.scenario.scenario_file),
            "input_sha256": result.scenario.input_sha256,
            "planner_version": __version__,
            "files": [CSV, SUMMARY, SCENARIO],
        }
    )
    return data


def write_pareto(result: ParetoResult, out_dir: str | Path) -> Path:
    """Write the run folder (replacing `out_dir` in one step; see `planner.io.runfolder.atomic_dir`)."""
    with atomic_dir(out_dir, "pareto") as tmp:
        write_csv(pareto_table(result), safe_child(tmp, CSV))
        safe_child(tmp, SCENARIO).write_text(
            json_text(result.scenario.config.to_plain(), sort_keys=True) + "\n", encoding="utf-8"
        )
        safe_child(tmp, SUMMARY).write_text(json_text(summary_of(result)) + "\n", encoding="utf-8")
    return Path(out_dir)
