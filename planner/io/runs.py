"""Read a run folder (as `planner solve --out` writes it): the one reader `check` and `compare` share.

`read_run(folder)` returns a `RunFolder`: `summary.json` as a dict, `portfolio.csv` and
`coverage.csv` as `CsvTable`s (the header and every cell as the string written), and
`read_run_config(folder)` reads `scenario.json` (the settings as run). Every problem is an `InputError`
(exit 2) naming the file: a folder that is not there, each missing file (all at once),
unreadable CSV, JSON that does not parse or is not an object.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from planner.errors import InputError, Problem

RUN_FILES = ("summary.json", "portfolio.csv", "coverage.csv")
SCENARIO_FILE = "scenario.json"


class CsvTable(NamedTuple):
    """One CSV of a run folder exactly as written: header and rows of strings."""

    header: list[str]
    rows: list[dict[str, str]]

    def frame(self):
        """The table as a pandas DataFrame of strings (blank cells stay "")."""
        import pandas as pd

        return pd.DataFrame([[row.get(c, "") for c in self.header] for row in self.rows], columns=self.header, dtype=str)


@dataclass(frozen=True)
class RunFolder:
    folder: Path
    summary: dict[str, Any]
    portfolio: CsvTable
    coverage: CsvTable

    def require_columns(self, columns: dict[str, tuple[str, ...]]) -> None:
        """Refuse (exit 2) a portfolio/coverage table lacking any of the named columns; all at once."""
        problems = []
        for name, cols in columns.items():
            table: CsvTable = getattr(self, name)
            missing = [c for c in cols if c not in table.header]
            if missing:
                problems.append(Problem(file=str(self.folder / f"{name}.csv"), column=missing[0],
                                        message=f"required column(s) missing: {', '.join(missing)}"))
        if problems:
            raise InputError(problems)


def read_run_config(folder: str | Path) -> Any:
    """scenario.json of a run folder: the merged settings the run was made with (InputError if absent or unreadable)."""
    record = Path(folder) / SCENARIO_FILE
    if not record.is_file():
        raise InputError(Problem(file=str(record), message="no scenario.json in the run folder; pass the scenario with --scenario"))
    return read_json(record)


def read_json(path: Path) -> Any:
    """A JSON file of a run folder; exit-2 InputError naming the file when it does not parse."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(Problem(file=str(path), message=f"not valid JSON: {exc}")) from None


def read_csv(path: Path) -> CsvTable:
    """A CSV of a run folder, every cell a string; exit-2 InputError naming the file when unreadable."""
    try:
        with Path(path).open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            return CsvTable(list(reader.fieldnames or []), rows)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(Problem(file=str(path), message=f"cannot read the run's CSV: {exc}")) from None


def read_run(folder: str | Path) -> RunFolder:
    """summary.json, portfolio.csv and coverage.csv of a run folder; every missing file is named at once."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(Problem(file=str(folder), message="run folder not found; give a folder written by `planner solve --out`"))
    missing = [f for f in RUN_FILES if not (folder / f).is_file()]
    if missing:
        raise InputError([Problem(file=str(folder / f), message=f"missing: a run folder must hold {', '.join(RUN_FILES)}")
                          for f in missing])
    summary = read_json(folder / "summary.json")
    if not isinstance(summary, dict):
        raise InputError(Problem(file=str(folder / "summary.json"), message="must be a JSON object"))
    return RunFolder(folder, summary, read_csv(folder / "portfolio.csv"), read_csv(folder / "coverage.csv"))
