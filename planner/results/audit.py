"""Audit a run folder of any kind: recompute every figure it reports, or say why it cannot.

`check_run(run_dir)` reads every file of the folder (`planner.io.runs.read_files`), recognises
its kind (the marker `.planner-run` names it; else the contents do), and checks it against the
kind's declaration in the run-folder manifest (`planner.results.manifest`):

- every file the kind requires is there (else exit 2: the folder cannot be read as a run);
  a file or a field that no declaration names is a finding — check cannot vouch for it;
- the scenario is the run's own `scenario.json` (or `--scenario` plus `--set`), and its
  settings with the input tables reproduce the run's `input_sha256`; when they do not, check
  says which file changed (`scenario.json`, the tables, or — with no way to tell — both named);
- the kind's check (`KindSpec.check`) recomputes every VERIFIED field through the model's one
  definition — its numpy face, `planner.results.evaluation.evaluate` — never the solver, and
  re-solves only the RESOLVED ones (figures that are themselves optima).

`CheckReport.discrepancies` names the file and the field of each figure that does not hold;
`CheckReport.fields_checked` lists the declared fields compared; `CheckReport.to_dict()` adds
the kind's manifest: verified fields (how) and unverifiable ones (why).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.api import load_scenario
from planner.errors import InputError, Problem
from planner.inputs.config import parse_config
from planner.inputs.read import apply_overrides, parse_set, raw_from_config
from planner.inputs.scenario import Scenario
from planner.inputs.validate import validate
from planner.io.runs import (
    MARKER_FILE,
    SCENARIO_FILE,
    CsvTable,
    RunFiles,
    read_files,
    read_run as read_run_folder,
    read_run_config,
)
from planner.io.safety import neutralise
from planner.results.manifest import (
    KINDS,
    KeyPath,
    KindSpec,
    folder_fields,
    manifest_dict,
    recognise,
    render,
    spec,
)
from planner.solver.outcome import Status

REL_TOL = 1e-6  # outputs are rounded to 9 decimals; sums of thousands of terms stay far inside this
TOOL = "partnership-planner"  # the marker's `tool`

# A JSON object of a run folder as read: its values are whatever the file holds, checked where compared.
JsonObject = dict[str, Any]
CsvRow = dict[str, str]  # one row of a run folder's CSV, every cell the string written
Path_ = str | KeyPath  # a JSON key path ("objective", ("resources", r, "used")) or a CSV column


@dataclass(frozen=True)
class Discrepancy:
    """One reported figure that does not recompute (or a file or field check cannot vouch for)."""

    file: str  # the file blamed: summary.json, portfolio.csv, scenario.json, …
    where: str  # "key objective", "row 3, column covered", "file" …
    reported: Any
    recomputed: Any
    message: str
    field: str = ""  # the manifest field it concerns (`resources.<resource>.used`, `covered`)

    def __str__(self) -> str:
        return f"{self.file}, {self.where}: {self.message} (reported {self.reported!r}, recomputed {self.recomputed!r})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "where": self.where,
            "field": self.field,
            "reported": _plain(self.reported),
            "recomputed": _plain(self.recomputed),
            "message": self.message,
        }


@dataclass
class CheckReport:
    run_dir: Path
    scenario: str
    status: str
    kind: str = "solve"
    discrepancies: list[Discrepancy] = field(default_factory=list)
    checked: int = 0  # figures compared
    verified: list[str] = field(default_factory=list)  # what was checked beyond the figures, and how
    fields_checked: set[tuple[str, str]] = field(default_factory=set)  # (file, declared field) compared
    undeclared_checks: set[tuple[str, str]] = field(default_factory=set)  # compared but declared nowhere (a bug)

    @property
    def ok(self) -> bool:
        return not self.discrepancies

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_dir": str(self.run_dir),
            "kind": self.kind,
            "scenario": self.scenario,
            "status": self.status,
            "ok": self.ok,
            "checked": self.checked,
            "verified": self.verified,
            "discrepancies": [d.to_dict() for d in self.discrepancies],
            "fields_checked": [{"file": f, "field": p} for f, p in sorted(self.fields_checked)],
            "manifest": manifest_dict(self.kind),
        }


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float, bool)) or v is None for v in value):
        return [_plain(v) for v in value]
    return str(value)


def as_object(value: object) -> JsonObject:
    """`value` if it is a JSON object, else {} (its fields then fail their checks as missing)."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """`value` if it is a JSON list, else []."""
    return value if isinstance(value, list) else []


def close(a: float, b: float, tol: float = REL_TOL) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def num(text: Any) -> float | None:
    """A CSV/JSON cell as a number; '' and None are None; anything else unparsable is NaN."""
    if text is None:
        return None
    if isinstance(text, (bool, int, float)):
        return float(text)
    text = str(text).strip()
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        return math.nan


def as_path(path: Path_) -> KeyPath:
    return path if isinstance(path, tuple) else tuple(path.split(".")) if path else ()


class Checker:
    """Collects findings; every comparison names the declared field it checks."""

    def __init__(self, report: CheckReport, kind: KindSpec, vocab: dict[str, set[str]] | None = None) -> None:
        self.report, self.kind, self.vocab = report, kind, vocab or {}

    def _field(self, file: str, path: Path_) -> str:
        if not path:
            return ""  # the file or its rows as a whole
        concrete: KeyPath = (path,) if isinstance(path, str) and file.endswith(".csv") else as_path(path)
        declared = self.kind.field_of(file, concrete, self.vocab) if concrete else None
        if declared is None:
            if concrete:
                self.report.undeclared_checks.add((file, render(concrete)))
            return render(concrete)
        self.report.fields_checked.add((declared.file, declared.path))
        return declared.path

    @staticmethod
    def where(file: str, path: Path_, row: int | None = None) -> str:
        if file.endswith(".csv"):
            if not path:
                return "rows" if row is None else f"row {row}"
            return f"column {path}" if row is None else f"row {row}, column {path}"
        return f"key {render(as_path(path))}" if path else "file"

    def bad(
        self,
        file: str,
        path: Path_,
        reported: Any,
        recomputed: Any,
        message: str,
        row: int | None = None,
        blame: str | None = None,
    ) -> None:
        name = self._field(file, path)
        self.report.discrepancies.append(
            Discrepancy(blame or file, self.where(file, path, row), reported, recomputed, message, name)
        )

    def mark(self, file: str, path: Path_, n: int = 1) -> None:
        """Count a structural comparison that found nothing wrong."""
        self._field(file, path)
        self.report.checked += n

    def number(
        self,
        file: str,
        path: Path_,
        reported: Any,
        expected: float | None,
        what: str = "",
        row: int | None = None,
        tol: float = REL_TOL,
    ) -> bool:
        """Compare a reported figure with its recomputation (None: there should be no figure)."""
        self.mark(file, path)
        got = num(reported)
        if expected is None or (isinstance(expected, float) and math.isnan(expected)):
            if got is not None and not math.isnan(got):
                self.bad(file, path, reported, None, f"{what or 'figure'} should be empty", row)
                return False
            return True
        if got is None or math.isnan(got) or not close(got, float(expected), tol):
            self.bad(file, path, reported, expected, f"{what or 'figure'} does not recompute", row)
            return False
        return True

    def text(
        self,
        file: str,
        path: Path_,
        reported: Any,
        expected: Any,
        row: int | None = None,
        message: str = "cell differs from the input table",
    ) -> bool:
        self.mark(file, path)
        expected = "" if expected is None else str(expected)
        if str("" if reported is None else reported) not in (neutralise(expected), expected):
            self.bad(file, path, reported, expected, message, row)
            return False
        return True

    def equal(self, file: str, path: Path_, reported: Any, expected: Any, message: str, row: int | None = None) -> bool:
        """Exact comparison of plain values (ids, counts, flags, lists)."""
        self.mark(file, path)
        if reported != expected:
            self.bad(file, path, reported, expected, message, row)
            return False
        return True

    def flag(self, file: str, path: Path_, reported: Any, expected: bool, what: str, row: int | None = None) -> bool:
        """A true/false cell (CSV 'True'/'False' or a JSON bool)."""
        self.mark(file, path)
        got = (
            reported
            if isinstance(reported, bool)
            else str(reported).strip().lower() == "true"
            if str(reported).strip().lower() in ("true", "false")
            else None
        )
        if got is not expected:
            self.bad(file, path, reported, expected, f"{what} does not recompute", row)
            return False
        return True


@dataclass
class Context:
    """What a kind's check works with: the folder's files, the scenario, the checker."""

    files: RunFiles
    scenario: Scenario
    ck: Checker
    given_scenario: bool = False  # checked against --scenario (not the run's scenario.json)
    cache: dict[str, Any] = field(default_factory=dict)  # what a kind's check computes once (e.g. row names)

    @property
    def report(self) -> CheckReport:
        return self.ck.report

    def json(self, name: str) -> JsonObject:
        return as_object(self.files.json.get(name))

    def rows(self, name: str) -> list[CsvRow]:
        table = self.files.csv.get(name)
        return table.rows if table is not None else []

    def header(self, name: str) -> list[str]:
        table = self.files.csv.get(name)
        return table.header if table is not None else []

    def require_columns(self, name: str, columns: Iterable[str]) -> None:
        header = self.header(name)
        for col in columns:
            if col not in header:
                self.ck.bad(name, col, None, col, "required column is missing")
            else:
                self.ck.mark(name, col)


# ---------------------------------------------------------------- reading the run folder


def read_run(run_dir: str | Path) -> tuple[JsonObject, CsvTable, CsvTable]:
    """summary.json, (header, rows) of portfolio.csv and of coverage.csv of a solve folder."""
    run = read_run_folder(run_dir)
    return run.summary, run.portfolio, run.coverage


def load_run_scenario(
    run_dir: str | Path, scenario: str | Path | None = None, overrides: Iterable[str] = ()
) -> Scenario:
    """The scenario to check against: the given file (+ overrides), else the run's scenario.json."""
    if scenario is not None:
        return load_scenario(scenario, tuple(overrides))
    record = Path(run_dir) / SCENARIO_FILE
    data = read_run_config(run_dir)
    if isinstance(data, dict):
        data = apply_overrides({**data, "extends": None}, parse_set(tuple(overrides)))  # already merged when written
    return validate(raw_from_config(parse_config(data, str(record)), record))


def _kind_of(files: RunFiles) -> str:
    marker = files.json.get(MARKER_FILE)
    named = marker.get("kind") if isinstance(marker, dict) else None
    if isinstance(named, str) and named in KINDS:
        return named
    found = recognise(files)
    if found is None:
        raise InputError(
            Problem(
                file=str(files.folder),
                message=(
                    "not a run folder of this tool: it holds none of the files a planner command writes "
                    f"({', '.join(KINDS)}); give a folder written with --out"
                ),
            )
        )
    return found


def _require_files(files: RunFiles, kind: KindSpec) -> None:
    present = set(files.names)
    missing = [f.name for f in kind.files if f.required and f.name not in present]
    if missing:
        raise InputError(
            [
                Problem(
                    file=str(files.folder / name),
                    message=f"missing: a {kind.kind} run folder holds "
                    f"{', '.join(f.name for f in kind.files if f.required)}",
                )
                for name in missing
            ]
        )


def check_run(run_dir: str | Path, scenario: str | Path | None = None, overrides: Iterable[str] = ()) -> CheckReport:
    """Recompute every figure of a run folder of any kind; return the findings (none when all hold).

    Raises InputError (exit 2) when the folder, a file of it or the scenario cannot be read."""
    run_dir = Path(run_dir)
    files = read_files(run_dir)
    kind = spec(_kind_of(files))
    _require_files(files, kind)
    sc = load_run_scenario(run_dir, scenario, overrides)
    report = CheckReport(run_dir=run_dir, scenario=sc.name, status="", kind=kind.kind)
    ctx = Context(files, sc, Checker(report, kind), given_scenario=scenario is not None)
    ctx.ck.vocab = base_vocabulary(sc) | kind.vocabulary(ctx)
    check_marker(ctx)
    check_declared(ctx)
    kind.check(ctx)
    return report


def base_vocabulary(sc: Scenario) -> dict[str, set[str]]:
    """The ids a field path may name (`<resource>`, `<partner>`, …), from the scenario."""
    return {
        "resource": set(sc.resources),
        "partner": set(map(str, sc.partners.index)),
        "option": set(map(str, sc.options.index)),
        "gap": set(map(str, sc.gaps.index)),
        "sector": set(map(str, sc.sectors.index)),
        "status": {s.value for s in Status},
    }


def check_marker(ctx: Context) -> None:
    """`.planner-run`, when present: the tool's name and the kind its contents are."""
    marker = ctx.files.json.get(MARKER_FILE)
    if marker is None:
        return  # folders written before the marker: nothing to check
    ck = ctx.ck
    if not isinstance(marker, dict):
        ck.bad(MARKER_FILE, "kind", marker, ctx.report.kind, "the marker must be a JSON object")
        return
    ck.equal(MARKER_FILE, "tool", marker.get("tool"), TOOL, "the marker names another tool")
    found = recognise(ctx.files)
    ck.equal(MARKER_FILE, "kind", marker.get("kind"), found, "the marker's kind differs from the folder's contents")


def check_declared(ctx: Context) -> None:
    """Every file and every field of the folder is one the kind declares (else check cannot vouch for it)."""
    kind, ck = ctx.ck.kind, ctx.ck
    for name in ctx.files.names:
        if kind.file_spec(name) is None:
            ck.report.discrepancies.append(
                Discrepancy(name, "file", name, None, f"not a file a {kind.kind} run writes: check cannot vouch for it")
            )
    for file, path in folder_fields(ctx.files):
        if kind.file_spec(file) is not None and kind.field_of(file, path, ck.vocab) is None:
            where = Checker.where(file, str(path[0]) if file.endswith(".csv") else path)
            ck.report.discrepancies.append(
                Discrepancy(
                    file,
                    where,
                    render(path),
                    None,
                    f"not a field a {kind.kind} run writes: check cannot vouch for it",
                    render(path),
                )
            )


def check_inputs(ctx: Context, file: str, record: JsonObject) -> None:
    """The run's `input_sha256` (in `file`'s `record`) against the scenario's settings and tables.

    Against the run's own scenario.json, a difference is blamed on the file that changed:
    the tables when their digest (`tables_sha256`, recorded since) differs, else scenario.json
    (or the recorded digest: check cannot tell which of the two was edited)."""
    sc, ck = ctx.scenario, ctx.ck
    reported = record.get("input_sha256")
    ck.mark(file, "input_sha256")
    if SCENARIO_FILE in ctx.files.json and not ctx.given_scenario:
        ck.mark(SCENARIO_FILE, "name")  # scenario.json's settings: vouched for by the digest
    tables = record.get("tables_sha256")
    if "tables_sha256" in record:
        ck.mark(file, "tables_sha256")
    if reported == sc.input_sha256 and (tables is None or tables == sc.tables_sha256):
        return
    if ctx.given_scenario:
        ck.bad(
            file,
            "input_sha256",
            reported,
            sc.input_sha256,
            "the inputs or settings differ from those of the run (figures were checked against the current ones)",
        )
        return
    if tables is not None and tables != sc.tables_sha256:
        ck.bad(
            file,
            "tables_sha256",
            tables,
            sc.tables_sha256,
            f"the input tables ({sc.inputs_path}) changed since the run: figures were checked against the current ones",
            blame=str(sc.inputs_path),
        )
        return
    ck.bad(
        file,
        "input_sha256",
        reported,
        sc.input_sha256,
        f"scenario.json's settings {'and the input tables ' if tables is None else ''}do not give the run's "
        f"input_sha256 ({file}): scenario.json (or the recorded digest) was edited after the run; figures were "
        "checked against scenario.json as it is",
        blame=SCENARIO_FILE,
    )
