"""Read a run folder: the one reader `check` and `compare` share.

`read_run(folder)` returns a `RunFolder` of a `planner solve --out` folder: `summary.json` as a
dict, `portfolio.csv` and `coverage.csv` as `CsvTable`s (the header and every cell as the
string written), and `read_run_config(folder)` reads `scenario.json` (the settings as run).
`read_files(folder)` reads a run folder of any kind (`RunFiles`: every JSON file parsed, every
CSV file as a `CsvTable`, the names of the other files), for `planner check`.

Every problem is an `InputError` (exit 2) naming the file: a folder that is not there, each
missing file (all at once), unreadable CSV, JSON that does not parse or is not an object. A
cell may be as long as its file (Python's csv module refuses cells over 131,072 characters
by default; a portfolio of thousands of options joined by `;` is longer).
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from planner.errors import InputError, Problem
from planner.io.numbers import json_text

RUN_FILES = ("summary.json", "portfolio.csv", "coverage.csv")
SCENARIO_FILE = "scenario.json"
MARKER_FILE = ".planner-run"  # written by planner.io.runfolder into every run folder: {tool, kind, version}
_C_LONG_MAX = 2**31 - 1  # csv.field_size_limit takes a C long (32 bits on some platforms)


class CsvTable(NamedTuple):
    """One CSV of a run folder exactly as written: header and rows of strings."""

    header: list[str]
    rows: list[dict[str, str]]

    def frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame of strings (blank cells stay "")."""
        return pd.DataFrame(
            [[row.get(c, "") for c in self.header] for row in self.rows], columns=self.header, dtype=str
        )


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
                problems.append(
                    Problem(
                        file=str(self.folder / f"{name}.csv"),
                        column=missing[0],
                        message=f"required column(s) missing: {', '.join(missing)}",
                    )
                )
        if problems:
            raise InputError(problems)


def scenario_record(config: Any) -> str:
    """The text of a run's scenario.json: the merged settings as run (a `ScenarioConfig` or its
    plain form), so `planner check` re-reads them; written by every command's run folder."""
    plain = config.to_plain() if hasattr(config, "to_plain") else config
    return json_text(plain, sort_keys=True) + "\n"


def read_run_config(folder: str | Path) -> Any:
    """scenario.json of a run folder: the merged settings the run was made with (InputError if absent or unreadable)."""
    record = Path(folder) / SCENARIO_FILE
    if not record.is_file():
        raise InputError(
            Problem(file=str(record), message="no scenario.json in the run folder; pass the scenario with --scenario")
        )
    return read_json(record)


def read_json(path: Path) -> Any:
    """A JSON file of a run folder; exit-2 InputError naming the file when it does not parse."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(Problem(file=str(path), message=f"not valid JSON: {exc}")) from None


def _allow_cells_up_to(chars: int) -> None:
    """Let the csv module read cells of up to `chars` characters (the limit only ever rises, so
    concurrent readers never see it lowered under them)."""
    wanted = min(max(chars, 0) + 1, _C_LONG_MAX, sys.maxsize)
    if csv.field_size_limit() < wanted:
        csv.field_size_limit(wanted)


def read_csv(path: Path) -> CsvTable:
    """A CSV of a run folder, every cell a string; exit-2 InputError naming the file when unreadable.

    A cell may be as long as the file itself (no cell of a file is longer)."""
    try:
        _allow_cells_up_to(Path(path).stat().st_size)
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
        raise InputError(
            Problem(file=str(folder), message="run folder not found; give a folder written by `planner solve --out`")
        )
    missing = [f for f in RUN_FILES if not (folder / f).is_file()]
    if missing:
        raise InputError(
            [
                Problem(file=str(folder / f), message=f"missing: a run folder must hold {', '.join(RUN_FILES)}")
                for f in missing
            ]
        )
    summary = read_json(folder / "summary.json")
    if not isinstance(summary, dict):
        raise InputError(Problem(file=str(folder / "summary.json"), message="must be a JSON object"))
    return RunFolder(folder, summary, read_csv(folder / "portfolio.csv"), read_csv(folder / "coverage.csv"))


@dataclass(frozen=True)
class RunFiles:
    """Every file of a run folder: JSON files parsed (the marker `.planner-run` too), CSV files as
    tables, the relative paths of the rest (reports, their chart folders)."""

    folder: Path
    json: dict[str, Any]
    csv: dict[str, CsvTable]
    other: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return sorted([*self.json, *self.csv, *self.other])


def read_files(folder: str | Path) -> RunFiles:
    """Every file of a run folder of any kind (hidden files other than the marker are skipped:
    they are the tool's temporary and journal files). InputError (exit 2) naming the file when
    the folder is not there or a JSON or CSV file cannot be read."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(
            Problem(file=str(folder), message="run folder not found; give a folder a planner command wrote with --out")
        )
    json_files: dict[str, Any] = {}
    csv_files: dict[str, CsvTable] = {}
    other: list[str] = []
    problems: list[Problem] = []
    for path in sorted(folder.iterdir()):
        name = path.name
        if name.startswith(".") and name != MARKER_FILE:
            continue
        try:
            if path.is_dir():
                other.extend(str(p.relative_to(folder)) for p in sorted(path.rglob("*")) if p.is_file())
            elif name.endswith(".json") or name == MARKER_FILE:
                json_files[name] = read_json(path)
            elif name.endswith(".csv"):
                csv_files[name] = read_csv(path)
            else:
                other.append(name)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return RunFiles(folder, json_files, csv_files, tuple(other))
