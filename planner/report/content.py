"""Gather what every report shows from a run folder, once, as typed tables.

A run folder (`planner solve --out DIR`) holds `summary.json`, `portfolio.csv`,
`coverage.csv` and `scenario.json`. Sensitivity and explain commands add more files
(`frontier.csv`, `sweep.csv`, `montecarlo_*.csv`, `explain.json` …); every extra CSV
or JSON table found becomes its own `Table` so each report format gives it a sheet
or section. Nothing here re-solves or reads the scenario's input tables: a report is
built from the folder alone.

CSV cells are read as text and typed per column: id/name/text columns stay text, a
column whose every non-blank cell is `True`/`False` becomes bool, one whose every
non-blank cell parses as a finite number becomes float (blank → None), anything else
stays text. Text cells keep the formula neutralisation the CSV writer applied.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import InputError, Problem
from planner.solver.outcome import Status
from planner.io.numbers import fmt_number, fmt_percent

if TYPE_CHECKING:
    import pandas as pd

from planner.report.core_tables import flatten, inputs_table, matrix_table, resources_table, rules_table, sectors_table
from planner.report.headlines import (
    montecarlo_figures,
    pareto_figures,
    replan_figures,
    rival_figures,
    robust_figures,
    tranches_figures,
)
from planner.report.words import RIVAL_NAME_COLUMN, column_words, resource_words, value_words

CORE_FILES = frozenset({"summary.json", "portfolio.csv", "coverage.csv", "scenario.json"})
TEXT_SUFFIXES = ("_id", "_ids", "name", "kind", "rationale", "region", "bloc", "status", "message", "key", "label")
PERCENT_COLUMNS = {"fraction", "share", "core_index", "frequency", "chosen_share", "selected_share", "mip_gap"}
MAX_EXTRA_BYTES = 50 * 1024 * 1024
SIDE_FILES = {"manifest.json"}  # run bookkeeping: shown with the inputs, not as a table of results
KIND_TITLES = {
    "sweep": "Sweep",
    "frontier": "Frontier",
    "montecarlo": "Monte Carlo",
    "alternatives": "Alternatives",
    "ladder": "Budget ladder",
    "explain": "Explanation",
    "diagnose": "Diagnosis",
    "value": "Resource values",
    "compare": "Comparison",
    "tranches": "Nested tranches",
    "robust": "Robust portfolios",
    "rival": "Plans against a rival",
    "pareto": "Pareto front",
}
HEADLINE_SKIP = {
    "scenario",
    "kind",
    "axes",
    "scenario_file",
    "input_sha256",
    "tables_sha256",
    "planner_version",
    "paths",
    "block_size",
    "workers",
    "scheduler",
    "out_dir",
    "timings_seconds",
    "selected_ids",
    "resources",
}


@dataclass(frozen=True)
class Table:
    """One titled table of a report. `percent` names columns holding fractions (0–1)."""

    key: str  # stable identifier: file stem, e.g. "frontier", "montecarlo_core"
    title: str
    frame: Any  # pandas.DataFrame, typed
    percent: tuple[str, ...] = ()
    source: str = ""  # file it came from, relative to the run folder
    note: str = ""


@dataclass(frozen=True)
class RunContent:
    """Everything a report shows, typed and ready to render."""

    run_dir: Path
    summary: dict[str, Any]
    scenario: dict[str, Any]  # scenario.json (the settings as run); {} when absent
    portfolio: Any  # DataFrame, one row per selected option
    coverage: Any  # DataFrame, one row per gap
    resources: Any  # DataFrame: resource, used, limit, share, remaining
    sectors: Any  # DataFrame: sector_id, sector, size, covered, remaining, fraction, gaps, options
    matrix: Any  # DataFrame: partners × sectors, number of selected options
    rules: Any  # DataFrame: rule, setting, value
    inputs: Any  # DataFrame: setting, value (scenario.json flattened)
    extras: list[Table] = field(default_factory=list)
    kind: str = "solve"  # summary.json `kind` (sweep, frontier, montecarlo …), else inferred from the files
    present: frozenset[str] = frozenset()  # which of the core files the folder holds
    figures: list[tuple[str, Any]] = field(default_factory=list)  # worded headline (planner.report.headlines)

    @property
    def is_solve(self) -> bool:
        """A single solve's folder (portfolio.csv and coverage.csv), not a sensitivity or explain run."""
        return {"portfolio.csv", "coverage.csv"} <= self.present

    @property
    def status(self) -> Status | None:
        """summary.json's status; None when it names none the planner writes."""
        return Status.of(self.summary.get("status"))

    @property
    def has_portfolio(self) -> bool:
        return (
            self.is_solve
            and self.status is not None
            and self.status.has_portfolio
            and self.summary.get("objective") is not None
        )

    @property
    def resource_names(self) -> tuple[str, ...]:
        """The scenario's resources as run: its limits and cost resource (scenario.json)."""
        limits, objective = self.scenario.get("limits"), self.scenario.get("objective")
        cost = objective.get("cost_resource") if isinstance(objective, dict) else None
        names = [str(r) for r in limits] if isinstance(limits, dict) else []
        return tuple(names + ([str(cost)] if cost and cost not in names else []))

    @property
    def title(self) -> str:
        name = self.summary.get("scenario", self.run_dir.name)
        return f"{KIND_TITLES.get(self.kind, 'Partnership Planner run') if not self.is_solve else 'Partnership portfolio'}: {name}"

    def headline(self) -> list[tuple[str, str]]:
        """(label, value) pairs for the top of a report: status, objective, options, coverage, resources."""
        if not self.is_solve:
            return self._run_headline()
        s = self.summary
        rows = [("Scenario", str(s.get("scenario", "?"))), ("Status", str(s.get("status", "?")))]
        if self.has_portfolio:
            rows.append(("Objective", f"{fmt_number(s.get('objective'), 4)} ({s.get('sense', '?')})"))
            if self.status is not Status.OPTIMAL:
                rows.append(("Bound / gap", f"{fmt_number(s.get('bound'), 4)} / {fmt_percent(s.get('mip_gap'))}"))
            rows.append(("Options selected", str(s.get("selected", len(self.portfolio)))))
            size, covered = float(self.coverage["size"].sum()), float(self.coverage["covered"].fillna(0).sum())
            closed = int((self.coverage["fraction"].fillna(0) >= 1 - 1e-9).sum())
            rows.append(
                (
                    "Gap coverage",
                    f"{fmt_percent(covered / size if size else None)} of total gap size "
                    f"({fmt_number(covered, 1)} of {fmt_number(size, 1)})",
                )
            )
            rows.append(("Gaps fully closed", f"{closed} of {len(self.coverage)}"))
            for _, r in self.resources.iterrows():
                limit = "no limit" if r["limit"] is None else fmt_number(r["limit"], 1)
                rows.append(
                    (
                        str(r["resource"]),
                        f"{fmt_number(r['used'], 1)} used of {limit}"
                        + (f" ({fmt_percent(r['share'])})" if r["share"] is not None else ""),
                    )
                )
            rows.extend(replan_figures(s))
        if s.get("message") and self.status is not Status.OPTIMAL:
            rows.append(("Solver message", str(s["message"])))
        return rows

    def _run_headline(self) -> list[tuple[str, str]]:
        """A sensitivity or explain run: its scalar summary fields, axes written as ranges."""
        s = self.summary
        rows = [("Scenario", str(s.get("scenario", "?"))), ("Run", KIND_TITLES.get(self.kind, self.kind))]
        if self.figures:
            return rows + [(k, fmt_number(v, 4) if not isinstance(v, str) else v or "—") for k, v in self.figures]
        for axis in s.get("axes") or []:
            if isinstance(axis, dict) and isinstance(axis.get("values"), list) and axis["values"]:
                vals = axis["values"]
                rows.append(
                    (
                        f"varied: {axis.get('key', '?')}",
                        f"{fmt_number(vals[0])} … {fmt_number(vals[-1])} ({len(vals)} values)",
                    )
                )
        for key, value in flatten({k: v for k, v in s.items() if k not in HEADLINE_SKIP}):
            if len(rows) >= 16:
                break
            if isinstance(value, str) and len(value) > 120:
                value = value[:117] + "…"
            value = resource_words(value) if key == "resource" and isinstance(value, str) else value_words(value)
            rows.append((key.replace("_", " "), fmt_number(value, 4) if not isinstance(value, str) else value or "—"))
        return rows


def _is_text_column(name: str) -> bool:
    low = name.lower()
    return low.endswith(TEXT_SUFFIXES) or low in ("option", "partner", "sector", "gap", "resource", "vary", "varied")


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def type_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Type a frame of strings column by column (see the module docstring)."""
    out = frame.copy()
    for col in out.columns:
        cells = [str(v) for v in out[col].tolist()]
        filled = [c.strip() for c in cells if c.strip() != ""]
        if _is_text_column(str(col)) or not filled:
            out[col] = cells if filled else [None] * len(cells)
            continue
        if all(c in ("True", "False", "true", "false") for c in filled):
            out[col] = pd_series([None if c.strip() == "" else c.strip().lower() == "true" for c in cells])
        elif all(_number(c) is not None for c in filled):
            out[col] = pd_series([None if c.strip() == "" else _number(c.strip()) for c in cells])
    return out


def pd_series(values: list[Any]) -> pd.Series:
    import pandas as pd

    return pd.Series(values, dtype=object)


def read_table(path: Path, display: str) -> pd.DataFrame:
    """Read a CSV the planner wrote into a typed frame; a clear InputError if it cannot."""
    import pandas as pd

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(file=display, message=f"cannot read the file: {exc}")) from None
    if not text.strip():
        return pd.DataFrame()
    import io

    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(Problem(file=display, message=f"cannot parse CSV: {exc}")) from None
    return type_frame(frame)


def _read_json(path: Path, display: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(Problem(file=display, message=f"cannot read JSON: {exc}")) from None


# A solve's changes.csv is a re-plan's change table (a sweep's is KNOWN_EXTRAS["changes"]).
REPLAN_CHANGES = (
    "Re-plan: changes against the incumbent",
    "Each incumbent and each selected option, kept, dropped or added, and what its change uses.",
)
# Known extra tables: file stem prefix -> (title, percent columns, note).
KNOWN_EXTRAS = {
    "frontier": ("Frontier: objective versus resource", "Exact objective at each level of the varied resource."),
    "pareto": (
        "Pareto front: every non-dominated point",
        "Each point's objective values and its least-cost portfolio; what enters and leaves from the previous point.",
    ),
    "sweep": ("Sweep: grid of re-solves", "One row per grid point."),
    "changes": ("Sweep: portfolio changes", "Where the chosen portfolio changes along the sweep."),
    "tranches": (
        "Nested tranches",
        "One portfolio per tranche, each containing the one before, beside the "
        "unconstrained optimum at its limit (the price of nesting).",
    ),
    "ladder": ("Budget ladder", "Options added or dropped as the resource grows."),
    "montecarlo": ("Monte Carlo", "Perturbed re-solves."),
    "alternatives": ("Near-optimal alternatives", "Different portfolios within the stated tolerance."),
    "value": ("Option values", "What each option is worth to the objective."),
    "explain": ("Explanation: forced in / out", "Objective when each option is forced in or out."),
    "diagnose": ("Diagnosis", "Why the scenario is infeasible, and the smallest relaxations."),
    "compare": ("Comparison of two runs", "What differs between the two run folders."),
    "rival_ladder": (
        "Rival: ladder of rival budgets",
        "At each rival budget: the nominal plan's and the hedged plan's "
        "worst cases, the price of hedging and its gain, and how the "
        "hedged plan differs from the nominal one.",
    ),
    "rival_partners": (
        "Rival: per partner",
        "What pulling each partner away costs the rival before and after "
        "shielding (each signed option adds the shield), what losing it alone "
        "costs us, and whether the rival pulls it against each plan.",
    ),
    "robust_portfolios": (
        "Robust: non-dominated portfolios",
        "Each portfolio no other beats for every admissible weighting, "
        "with its objective's range (min–max) over the weight set W.",
    ),
    "robust_options": (
        "Robust: per option",
        "Chosen (1) or not by the nominal, maximin and minimax-regret portfolios; "
        "core (in every non-dominated portfolio), borderline or exterior; "
        "Monte Carlo frequency over W.",
    ),
    "robust": (
        "Robust: vertices of the weight set W",
        "Factor values at each vertex of W (worst cases and largest regrets are attained at vertices).",
    ),
}
ROBUST_JSON = "robust.json"
RIVAL_JSON = "rival.json"  # its headline goes to the summary; its lists are in the two CSVs, columns in words below


def _extra_title(stem: str) -> tuple[str, str]:
    for prefix, (title, note) in KNOWN_EXTRAS.items():
        if stem == prefix or stem.startswith(prefix + "_"):
            rest = stem[len(prefix) + 1 :].replace("_", " ")
            return (f"{title} ({rest})" if rest else title), note
    return stem.replace("_", " ").capitalize(), ""


def _json_table(data: Any) -> pd.DataFrame:
    """A JSON file as a table: a list of records as rows, else its flattened keys."""
    import pandas as pd

    if isinstance(data, dict):  # the first list of records inside an object is its table
        for value in data.values():
            if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
                data = value
                break
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        frame = pd.DataFrame(
            [{k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in r.items()} for r in data]
        )
        return frame.astype(object).where(frame.notna(), None)
    return pd.DataFrame(flatten(data), columns=["key", "value"])


def _priority(stem: str) -> int:
    """Main result tables first (in KNOWN_EXTRAS order), then anything unrecognised."""
    for i, prefix in enumerate(KNOWN_EXTRAS):
        if stem == prefix or stem.startswith(prefix + "_"):
            return i
    return len(KNOWN_EXTRAS)


def _extras(run_dir: Path) -> list[Table]:
    tables = []
    files = [p for p in run_dir.iterdir() if p.is_file() and not p.name.startswith(".")]
    csv_stems = {p.stem for p in files if p.suffix.lower() == ".csv"}
    for path in sorted(files, key=lambda p: (_priority(p.stem), p.name)):
        if path.name in CORE_FILES or path.name in SIDE_FILES:
            continue
        if path.suffix.lower() not in (".csv", ".json") or path.stat().st_size > MAX_EXTRA_BYTES:
            continue
        if path.suffix.lower() == ".json" and path.stem in csv_stems:
            continue  # explain.json beside explain.csv: the CSV is its table
        display = path.name
        if path.name == RIVAL_JSON:
            continue
        if path.name == ROBUST_JSON:  # its headline figures go to the summary; its vertices are the table
            import pandas as pd

            vertices = _read_json(path, display)
            vertices = vertices.get("vertices") if isinstance(vertices, dict) else None
            if vertices:
                title, note = KNOWN_EXTRAS["robust"]
                frame = type_frame(
                    pd.DataFrame(
                        [{"vertex": i + 1, **{k: str(v) for k, v in w.items()}} for i, w in enumerate(vertices)]
                    ).astype(str)
                )
                tables.append(Table(path.stem, title, frame, (), display, note))
            continue
        if path.suffix.lower() == ".csv":
            frame = read_table(path, display)
        else:
            raw = _json_table(_read_json(path, display))
            frame = type_frame(raw.map(lambda v: "" if v is None else str(v)) if len(raw) else raw)
        title, note = (
            REPLAN_CHANGES
            if path.name == "changes.csv" and "change" in frame.columns and "from_point" not in frame.columns
            else _extra_title(path.stem)
        )
        if path.stem in ("rival_partners", "rival_ladder"):  # the charts read these in words
            frame = frame.rename(columns=lambda c: RIVAL_NAME_COLUMN.get(c) or column_words(c))
        percent = tuple(c for c in frame.columns if str(c).lower() in PERCENT_COLUMNS)
        tables.append(Table(path.stem, title, frame, percent, display, note))
    return tables


def _optional_table(run_dir: Path, name: str, required: tuple[str, ...]) -> pd.DataFrame:
    """A core table, typed; an empty frame with its required columns when the file is absent or empty."""
    import pandas as pd

    path = run_dir / name
    frame = read_table(path, str(path)) if path.is_file() else pd.DataFrame(columns=list(required))
    if len(frame.columns) == 0:
        frame = pd.DataFrame(columns=list(required))
    for col in required:
        if col not in frame.columns:
            raise InputError(
                Problem(
                    file=str(path),
                    row=1,
                    column=col,
                    message=f"required column is missing; {name} needs {', '.join(required)}",
                )
            )
    return frame


def gather(run_dir: str | Path) -> RunContent:
    """Read a run folder into a `RunContent`; InputError naming the folder if it is not a run."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(
            Problem(
                file=str(run_dir), message="run folder not found; pass a folder written by `planner solve --out DIR`"
            )
        )
    present = frozenset(f for f in CORE_FILES | SIDE_FILES if (run_dir / f).is_file())
    extras = _extras(run_dir)
    if "summary.json" not in present and not extras:
        raise InputError(
            Problem(
                file=str(run_dir),
                message="not a run folder: no summary.json and no result tables "
                "(expected the files `planner solve --out DIR` writes)",
            )
        )
    summary = _read_json(run_dir / "summary.json", "summary.json") if "summary.json" in present else {}
    if not isinstance(summary, dict):
        raise InputError(Problem(file=str(run_dir / "summary.json"), message="must be a JSON object"))
    figures: list[tuple[str, Any]] = []
    for name, kind_of, words in ((RIVAL_JSON, "rival", rival_figures), (ROBUST_JSON, "robust", robust_figures)):
        if "summary.json" not in present and (run_dir / name).is_file():
            data = _read_json(run_dir / name, name)
            data = data if isinstance(data, dict) else {}
            summary = {"scenario": data.get("scenario"), "kind": kind_of}
            figures = words(data)
            break
    if "scenario" not in summary:  # explain/compare folders carry no summary.json; their JSON names the scenario
        for path in sorted(run_dir.glob("*.json")):
            data = _read_json(path, path.name) if path.name not in CORE_FILES else None
            if isinstance(data, dict) and isinstance(data.get("scenario"), str):
                summary = {**summary, "scenario": data["scenario"]}
                break
    kind = str(
        summary.get("kind")
        or (
            "solve"
            if {"portfolio.csv", "coverage.csv"} <= present
            else next((t.key.split("_")[0] for t in extras), "run")
        )
    )
    scenario = _read_json(run_dir / "scenario.json", "scenario.json") if "scenario.json" in present else {}
    scenario = scenario if isinstance(scenario, dict) else {}
    manifest = _read_json(run_dir / "manifest.json", "manifest.json") if "manifest.json" in present else {}
    if kind == "pareto":
        figures = pareto_figures(summary)
    elif kind == "montecarlo":
        figures = montecarlo_figures(summary)
    elif kind == "tranches":
        frame = next((t.frame for t in extras if t.key == "tranches"), None)
        limits: dict[str, Any] = scenario["limits"] if isinstance(scenario.get("limits"), dict) else {}
        figures = tranches_figures(summary, frame, limits)
    # Sensitivity runs may hold no single portfolio; their tables come in as extras.
    portfolio = _optional_table(run_dir, "portfolio.csv", ("option_id", "partner_id", "sector_id", "kind"))
    coverage = _optional_table(run_dir, "coverage.csv", ("gap_id", "sector_id", "size", "covered", "fraction"))
    sectors = sectors_table(portfolio, coverage)
    inputs = inputs_table(summary, scenario)
    if isinstance(manifest, dict) and manifest:
        import pandas as pd

        rows = [{"setting": f"manifest.{k}", "value": v} for k, v in flatten(manifest)]
        inputs = pd.concat([inputs, pd.DataFrame(rows, columns=["setting", "value"])], ignore_index=True)
    return RunContent(
        run_dir=run_dir,
        summary=summary,
        scenario=scenario,
        portfolio=portfolio,
        coverage=coverage,
        resources=resources_table(summary),
        sectors=sectors,
        matrix=matrix_table(portfolio, sectors),
        rules=rules_table(summary, scenario),
        inputs=inputs,
        extras=extras,
        kind=kind,
        present=present,
        figures=figures,
    )
