"""Judge the raw tables: every problem at once, each with file, row, column and value.

`validate(raw)` returns a frozen `Scenario` or raises `InputError` listing all problems.
Rows are spreadsheet rows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from planner.errors import InputError, Problem
from planner.io.numbers import fmt_bound
from planner.io.safety import reads_back
from planner.inputs.config import ScenarioConfig
from planner.inputs.read import RawInputs
from planner.inputs.scenario import Scenario
from planner.inputs.schema import FALSE, MAX_ABS, RESOURCE, SCHEMA, TRUE, number_problem
from planner.inputs.validate_rival import check_rival
from planner.inputs.robust_checks import check_robust
from planner.inputs.validate_rules import check_rules, replan_columns, rule_resources

MAX_COVER_VALUE = 1e15  # the objective's coefficients stay in the solver's range (HiGHS: costs ≥ 1e20 are infinite)


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 1-based column index: 1 → A, 27 → AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_CONTROL = re.compile(r"[\x00-\x1f]")
_FORMULA_START = re.compile(r"^[=+\-@']", re.MULTILINE)  # ids that may not read back (`safety.reads_back`)


def _all_valid_numbers(
    cells: list[Any], default: float | None, lo: float | None, hi: float | None, lo_open: bool, integer: bool
) -> list[float | None] | None:
    """The parsed column if every cell passes `_Checker.number`'s checks, else None.

    Bulk numpy parsing for the common all-valid case (numpy parses with Python's float());
    any doubtful cell — blank where a number is required, '_', unparsable, out of range —
    sends the caller to its cell-by-cell path, which words every problem.
    """
    texts = [str(c).strip() for c in cells]
    if "_" in "".join(texts):
        return None
    blank = np.array([t == "" for t in texts], dtype=bool)
    if default is None and blank.any():
        return None
    try:
        values = np.array(texts, dtype=object)[~blank].astype(float)
    except (ValueError, TypeError):
        return None
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(values) & (np.abs(values) <= MAX_ABS)
        if integer:
            ok &= values == np.trunc(values)
        if lo is not None:
            ok &= values > lo if lo_open else values >= lo
        if hi is not None:
            ok &= values <= hi
    if not ok.all():
        return None
    out = np.full(len(texts), math.nan if default is None else default, dtype=float)
    out[~blank] = values
    return out.tolist()


class _Checker:
    def __init__(self, raw: RawInputs) -> None:
        self.raw = raw
        self.problems: list[Problem] = []

    def add(
        self, table: str, message: str, row: int | None = None, column: str | None = None, value: Any = None
    ) -> None:
        self.problems.append(Problem(file=self.raw.files[table], row=row, column=column, value=value, message=message))

    def number(
        self,
        table: str,
        frame: pd.DataFrame,
        column: str,
        *,
        default: float | None = None,
        lo: float | None = None,
        hi: float | None = None,
        lo_open: bool = False,
        integer: bool = False,
        what: str = "",
    ) -> list[float | None]:
        """Parse a numeric column; report each bad cell (its value: `default`). Missing column →
        `default` for all rows."""
        if column not in frame.columns:
            return [default] * len(frame)
        cells = frame[column].tolist()
        fast = _all_valid_numbers(cells, default, lo, hi, lo_open, integer)
        if fast is not None:
            return fast
        out: list[float | None] = []
        for i, cell in enumerate(cells):
            row = i + 2
            text = str(cell).strip()
            if text == "":
                if default is None:
                    self.add(table, f"a number is required{what}", row, column, cell)
                out.append(default)
                continue
            try:
                value = float(text.replace("_", ""))
            except ValueError:
                self.add(table, f"not a number{what}", row, column, cell)
                out.append(default)
                continue
            bad = number_problem(value, lo, hi, lo_open, integer)
            if bad:
                self.add(table, bad + what, row, column, cell)
                out.append(default)
            else:
                out.append(value)
        return out

    def column(self, table: str, frame: pd.DataFrame, column: str, what: str = "") -> list[float | None]:
        """`number` with the column's bounds and default from `planner.inputs.schema`."""
        return self.number(table, frame, column, what=what, **SCHEMA[table].column(column).number_rules())

    def ids(self, table: str, frame: pd.DataFrame, column: str) -> list[str]:
        seen: dict[str, int] = {}
        values = [str(v).strip() for v in frame[column].tolist()]
        if (
            "" not in values
            and len(set(values)) == len(values)
            and not _CONTROL.search("".join(values))
            and not _FORMULA_START.search("\n".join(values))
        ):
            return values  # the common case, checked in bulk; otherwise every problem cell by cell
        for i, value in enumerate(values):
            row = i + 2
            if value == "":
                self.add(table, "an id is required", row, column, value)
            elif any(ord(ch) < 32 for ch in value):
                self.add(table, "ids may not contain control characters", row, column, value)
            elif not reads_back(value):
                self.add(
                    table,
                    "an id may not start with = + - @ or ' (unless it is a plain number): outputs put a ' "
                    "before text a spreadsheet would run as a formula, so the id would not read back as "
                    "itself; start it with a letter, a digit or _",
                    row,
                    column,
                    value,
                )
            elif value in seen:
                self.add(table, f"duplicate id; first used in row {seen[value]}", row, column, value)
            else:
                seen[value] = row
        return values

    def refs(self, table: str, frame: pd.DataFrame, column: str, valid: set[str], target: str) -> list[str]:
        values = [str(v).strip() for v in frame[column].tolist()]
        valid = {v for v in valid if v}  # a blank id (reported where it is) is never a valid reference
        if valid.issuperset(values):
            return values
        for i, value in enumerate(values):
            if value not in valid:
                sample = ", ".join(sorted(valid)[:6]) + (" …" if len(valid) > 6 else "")
                self.add(table, f"unknown {column}; it must be an id from {target} ({sample})", i + 2, column, value)
        return values


def validate(raw: RawInputs) -> Scenario:
    """Return the frozen Scenario, or raise InputError with every problem found."""
    ck = _Checker(raw)
    tables = _read_headers(ck, raw)
    cfg = raw.config
    partners, sectors, gaps, options, contribs = (tables[n] for n in SCHEMA)
    partner_ids = _check_partners(ck, partners)
    sector_ids = ck.ids("sectors", sectors, "sector_id")
    sectors["weight"] = ck.column("sectors", sectors, "weight")
    gap_ids = _check_gaps(ck, gaps, sector_ids)
    option_ids = _check_option_ids(ck, options, partner_ids, sector_ids)
    resources = _check_resources(ck, cfg, options)
    _check_option_risk(ck, options, partners, partner_ids)
    _check_contributions(ck, contribs, option_ids, gap_ids)
    _check_durations(ck, cfg, options)
    ck.problems.extend(check_rules(cfg, str(raw.scenario_file), partners, sectors, gaps, options, contribs))
    _check_weight_keys(ck, cfg, sector_ids, gap_ids)
    rival_problems, rival_costs = check_rival(cfg, str(raw.scenario_file), raw.files["partners"], partners)
    ck.problems.extend(rival_problems)
    if rival_costs is not None and cfg.rival is not None and cfg.rival.cost:
        partners[cfg.rival.cost] = rival_costs
    if not ck.problems:  # the weight set reads valid weights
        ck.problems.extend(check_robust(cfg, str(raw.scenario_file), sectors, gaps))
    if ck.problems:
        raise InputError(ck.problems)

    partners["max_options"] = partners["max_options"].astype(float)
    scenario = Scenario(
        config=cfg,
        scenario_file=raw.scenario_file,
        inputs_path=raw.inputs_path,
        input_sha256=raw.input_sha256,
        files=raw.files,
        resources=tuple(resources),
        partners=partners.set_index("partner_id", drop=False),
        sectors=sectors.set_index("sector_id", drop=False),
        gaps=gaps.set_index("gap_id", drop=False),
        options=options.set_index("option_id", drop=False),
        contributions=contribs.reset_index(drop=True),
        tables_sha256=raw.tables_sha256,
    )
    problems = cover_value_problems(scenario)
    if problems:
        raise InputError(problems)
    return scenario


def _stripped(column: pd.Series) -> pd.Series:
    """A text column with every cell trimmed; other columns as they are."""
    if column.dtype == object or str(column.dtype).startswith("str"):
        return pd.Series([str(v).strip() for v in column.tolist()], index=column.index, name=column.name)
    return column


def _read_headers(ck: _Checker, raw: RawInputs) -> dict[str, pd.DataFrame]:
    """Each table with trimmed header names and cells; raises InputError when a header names a
    column twice, leaves one blank, or misses a required one (nothing else can be judged then)."""
    tables: dict[str, pd.DataFrame] = {}
    broken = False
    for name, table in SCHEMA.items():
        required = table.required
        frame = raw.tables[name].copy()
        frame.columns = [str(c).strip() for c in frame.columns]
        blank = [i + 1 for i, c in enumerate(frame.columns) if c == "" or c.startswith("Unnamed:")]
        for index in blank:
            letter = column_letter(index)
            ck.add(
                name,
                f"header cell {letter}1 (column {index}) is blank or part of a merged cell; "
                "every column needs its own name in row 1 (unmerge merged header cells)",
                1,
                letter,
            )
        dup = sorted({c for c in frame.columns if c and list(frame.columns).count(c) > 1})  # blanks are reported above
        for col in dup:
            ck.add(name, "column name appears more than once", 1, col)
        missing = [c for c in required if c not in frame.columns]
        for col in missing:
            ck.add(name, f"required column is missing; the table needs {', '.join(required)}", 1, col)
        if len(frame) == 0:
            ck.add(name, "the table has no data rows")
        tables[name] = frame.apply(_stripped)
        broken = broken or bool(missing or dup)
    if broken:
        raise InputError(ck.problems)
    return tables


def _check_partners(ck: _Checker, partners: pd.DataFrame) -> list[str]:
    """Partner ids, risk and max_options numbers, region and bloc defaults; returns the ids."""
    partner_ids = ck.ids("partners", partners, "partner_id")
    partners["risk"] = ck.column("partners", partners, "risk")
    partners["max_options"] = (
        ck.column("partners", partners, "max_options")
        if "max_options" in partners.columns
        else SCHEMA["partners"].column("max_options").default
    )
    for col in ("region", "bloc"):
        if col not in partners.columns:
            partners[col] = SCHEMA["partners"].column(col).default
    return partner_ids


def _check_gaps(ck: _Checker, gaps: pd.DataFrame, sector_ids: list[str]) -> list[str]:
    """Gap ids, sectors, size, weight, target (≤ size) and critical flags; returns the ids."""
    gap_ids = ck.ids("gaps", gaps, "gap_id")
    ck.refs("gaps", gaps, "sector_id", set(sector_ids), "sectors.sector_id")
    gaps["size"] = ck.column("gaps", gaps, "size")
    gaps["weight"] = ck.column("gaps", gaps, "weight")
    raw_target = gaps["target"].tolist() if "target" in gaps.columns else []  # cells as written, for messages
    gaps["target"] = ck.column("gaps", gaps, "target")
    for i, (size, target) in enumerate(zip(gaps["size"].tolist(), gaps["target"].tolist())):
        if size is not None and target is not None and not math.isnan(target) and target > size:
            ck.add("gaps", f"target must be ≤ size ({size:g})", i + 2, "target", raw_target[i])
    if "critical" in gaps.columns:
        crit = []
        for i, cell in enumerate(gaps["critical"].tolist()):
            text = str(cell).strip().lower()
            if text not in TRUE | FALSE:
                ck.add("gaps", "must be true or false (also yes/no, 1/0)", i + 2, "critical", cell)
            crit.append(text in TRUE)
        gaps["critical"] = crit
    else:
        gaps["critical"] = SCHEMA["gaps"].column("critical").default
    return gap_ids


def _check_option_ids(ck: _Checker, options: pd.DataFrame, partner_ids: list[str], sector_ids: list[str]) -> list[str]:
    """Option ids, their partners and sectors, and a kind for each; returns the ids."""
    option_ids = ck.ids("options", options, "option_id")
    ck.refs("options", options, "partner_id", set(partner_ids), "partners.partner_id")
    ck.refs("options", options, "sector_id", set(sector_ids), "sectors.sector_id")
    for i, kind in enumerate(options["kind"].tolist()):
        if kind == "":
            ck.add(
                "options",
                "a kind is required (e.g. buyer, co-development, supply-chain, standards, joint-rd)",
                i + 2,
                "kind",
                kind,
            )
    return option_ids


def _check_resources(ck: _Checker, cfg: ScenarioConfig, options: pd.DataFrame) -> list[str]:
    """Each resource the scenario reads (limits, the cost resource, rules) is a numeric options
    column, and so is each drop-cost column of `replan:`; returns the resources in key order."""
    raw = ck.raw
    rule_keys = rule_resources(cfg)
    resources = list(dict.fromkeys([*cfg.limits, cfg.objective.cost_resource, *rule_keys]))
    for res in resources:
        if res not in options.columns:
            key = (
                f"limits.{res}"
                if res in cfg.limits
                else ("objective.cost_resource" if res == cfg.objective.cost_resource else rule_keys[res])
            )
            numeric = [
                c for c in options.columns if c not in SCHEMA["options"].names and c and not c.startswith("Unnamed:")
            ]
            ck.problems.append(
                Problem(
                    file=str(raw.scenario_file),
                    key=key,
                    value=res,
                    message=f"resource is not a column of {raw.files['options']}; columns that could be resources: {', '.join(numeric) or 'none'}",
                )
            )
        else:
            options[res] = ck.number(
                "options", options, res, what=f" (use of resource '{res}')", **RESOURCE.number_rules()
            )
    for col, key in replan_columns(cfg).items():  # per-option drop costs: numbers ≥ 0
        if col not in options.columns:
            ck.problems.append(
                Problem(
                    file=str(raw.scenario_file),
                    key=key,
                    value=col,
                    message=f"neither a number nor a column of {raw.files['options']}; give the drop "
                    "cost per option as a number, or name a numeric options column",
                )
            )
        elif col not in resources:
            options[col] = ck.number(
                "options", options, col, default=0.0, lo=0, what=" (cost of dropping the option; blank: 0)"
            )
    return resources


def _check_option_risk(ck: _Checker, options: pd.DataFrame, partners: pd.DataFrame, partner_ids: list[str]) -> None:
    """Each option's risk: its own, else its partner's, else 0; and a name (default: its id)."""
    partner_risk = dict(zip(partner_ids, partners["risk"]))
    if "risk" in options.columns:
        own = ck.column("options", options, "risk")
        options["risk"] = [
            partner_risk.get(p, 0.0) if (r is None or math.isnan(r)) else r
            for r, p in zip(own, options["partner_id"].tolist())
        ]
    else:
        options["risk"] = [partner_risk.get(p, 0.0) for p in options["partner_id"].tolist()]
    options["risk"] = [0.0 if r is None else r for r in options["risk"].tolist()]
    if "name" not in options.columns:
        options["name"] = options["option_id"]


def _check_contributions(ck: _Checker, contribs: pd.DataFrame, option_ids: list[str], gap_ids: list[str]) -> None:
    """Known options and gaps, amounts, and each (option, gap) pair once."""
    ck.refs("contributions", contribs, "option_id", set(option_ids), "options.option_id")
    ck.refs("contributions", contribs, "gap_id", set(gap_ids), "gaps.gap_id")
    contribs["amount"] = ck.column("contributions", contribs, "amount")
    seen: dict[tuple[str, str], int] = {}
    for i, pair in enumerate(zip(contribs["option_id"].tolist(), contribs["gap_id"].tolist())):
        if pair in seen:
            ck.add(
                "contributions",
                f"duplicate (option_id, gap_id) pair; first in row {seen[pair]}",
                i + 2,
                "gap_id",
                f"{pair[0]} → {pair[1]}",
            )
        else:
            seen[pair] = i + 2


def _check_durations(ck: _Checker, cfg: ScenarioConfig, options: pd.DataFrame) -> None:
    """Under time phasing, the duration column's years (whole, ≥ 1); required to spread spending."""
    phasing = cfg.rules.phasing
    if phasing is None:
        return
    col = phasing.duration_column
    if col in options.columns:
        options[col] = ck.number("options", options, col, lo=1, integer=True, what=" (years an option runs)")
    elif phasing.spread:
        ck.problems.append(
            Problem(
                file=str(ck.raw.scenario_file),
                key="rules.phasing.spread",
                value=phasing.spread,
                message=f"spreading spending needs each option's duration, but {ck.raw.files['options']} "
                f"has no '{col}' column (rules.phasing.duration_column)",
            )
        )


def _check_weight_keys(ck: _Checker, cfg: ScenarioConfig, sector_ids: list[str], gap_ids: list[str]) -> None:
    """`objective.sector_weights` / `objective.gap_weights` name known ids."""
    for family, ids in (("sector_weights", set(sector_ids)), ("gap_weights", set(gap_ids))):
        for key in getattr(cfg.objective, family):
            if key not in ids:
                table = "sectors" if family == "sector_weights" else "gaps"
                ck.problems.append(
                    Problem(
                        file=str(ck.raw.scenario_file),
                        key=f"objective.{family}.{key}",
                        value=key,
                        message=f"unknown id; it must be an id from the {table} table",
                    )
                )


def cover_value_problems(scenario: Scenario) -> list[Problem]:
    """Gaps whose value per unit covered (`Scenario.cover_values`, the objective's coefficient)
    is not finite or above MAX_COVER_VALUE: a product or quotient of valid numbers (weight 1e12
    × sector weight 1e12, or a size of 1e-320) the solver would read as infinite. Max coverage only."""
    if scenario.config.objective.sense != "max_coverage":
        return []
    values = scenario.cover_values()
    weights, sizes = scenario.gap_weights(), scenario.gaps["size"].to_numpy(dtype=float)
    problems = []
    for i in np.flatnonzero(~(np.abs(values) <= MAX_COVER_VALUE)).tolist():
        problems.append(
            Problem(
                file=scenario.files["gaps"],
                row=i + 2,
                column="size",
                value=f"{sizes[i]:g}",
                message=f"gap {scenario.gaps.index[i]}: its value per unit covered, objective weight {weights[i]:g} / "
                f"size {sizes[i]:g} = {values[i]:g}, must be at most {fmt_bound(MAX_COVER_VALUE)} (the solver reads larger "
                "coefficients as infinite); raise the size or lower the weights (the gap's and its sector's "
                "weight, or objective.gap_weights / objective.sector_weights)",
            )
        )
    return problems
