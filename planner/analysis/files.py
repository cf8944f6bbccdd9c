"""Write analysis results atomically (`planner.io.runfolder.atomic_dir`): JSON plus flat CSV tables."""
from __future__ import annotations

from pathlib import Path

from planner.io.numbers import json_text
from planner.io.runfolder import atomic_dir, safe_child, write_csv


def write_analysis(out_dir: str | Path, json_files: dict[str, object], csv_files: dict[str, list[dict]],
                   kind: str) -> Path:
    """Replace out_dir (a run folder of `kind`: explain, value, diagnose, compare) with the given
    files: {name.json: data}, {name.csv: rows}; all or nothing."""
    import pandas as pd

    with atomic_dir(out_dir, kind=kind) as tmp:
        for name, data in json_files.items():
            safe_child(tmp, name).write_text(json_text(data) + "\n", encoding="utf-8")
        for name, rows in csv_files.items():
            write_csv(pd.DataFrame(rows), safe_child(tmp, name))
    return Path(out_dir)
