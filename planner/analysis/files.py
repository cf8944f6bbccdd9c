"""Write analysis results atomically (`planner.io.runfolder.atomic_dir`): JSON plus flat CSV tables.

Given the scenario, the folder also records the settings as run (scenario.json) and each JSON
file the inputs' digests (`input_sha256`, `tables_sha256`), so `planner check` recomputes the
figures from them and tells an edited scenario.json from changed tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from planner.inputs.scenario import Scenario
from planner.io.numbers import json_text
from planner.io.runfolder import atomic_dir, safe_child, write_csv
from planner.io.runs import SCENARIO_FILE, scenario_record


def write_analysis(
    out_dir: str | Path,
    json_files: Mapping[str, object],
    csv_files: Mapping[str, Sequence[Mapping[str, object]]],
    kind: str,
    scenario: Scenario | None = None,
) -> Path:
    """Replace out_dir (a run folder of `kind`: explain, value, diagnose, compare) with the given files: {name.json: data}, {name.csv: rows}; all or nothing.
    With `scenario` (the scenario analysed): scenario.json and the digests too (see the module doc)."""
    with atomic_dir(out_dir, kind=kind) as tmp:
        if scenario is not None:
            safe_child(tmp, SCENARIO_FILE).write_text(scenario_record(scenario.config), encoding="utf-8")
            digests = {"input_sha256": scenario.input_sha256, "tables_sha256": scenario.tables_sha256}
            json_files = {
                name: {**data, **digests} if isinstance(data, dict) else data for name, data in json_files.items()
            }
        for name, data in json_files.items():
            safe_child(tmp, name).write_text(json_text(data) + "\n", encoding="utf-8")
        for name, rows in csv_files.items():
            write_csv(pd.DataFrame(rows), safe_child(tmp, name))
    return Path(out_dir)
