"""Building blocks of the bad-input fuzz test: a valid base scenario, mutations, writers.

A case is (format, mutation): the base scenario's tables written as CSV (comma or
semicolon, optional BOM, CRLF, quote-all) or as an .xlsx workbook, after one mutation of
the YAML or of one table. `materialise(case, folder)` writes the project layout
(`models/s.yaml`, `inputs/base/` or `inputs/base.xlsx`) and returns what was mutated.
"""

from __future__ import annotations

import copy
import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

# A small valid scenario with every optional column, so mutations reach every check.
# Hand-solved: budget 11, capacity 2 (each option uses 1). a (5) closes g1, b (6) closes g2 (w 2).
BASE: dict[str, list[list[str]]] = {
    "partners": [
        ["partner_id", "name", "region", "bloc", "risk", "max_options"],
        ["jpn", "Japan", "Indo-Pacific", "Quad", "0.1", "2"],
        ["aus", "Australia", "Indo-Pacific", "Quad|AUKUS", "0.2", "2"],
        ["uae", "UAE", "Middle East", "GCC", "0.5", ""],
    ],
    "sectors": [
        ["sector_id", "name", "weight"],
        ["semis", "Semiconductors", "1"],
        ["minerals", "Critical minerals", "1"],
    ],
    "gaps": [
        ["gap_id", "sector_id", "name", "size", "weight", "target", "critical"],
        ["g1", "semis", "Packaging", "10", "1", "", "false"],
        ["g2", "minerals", "Rare earths", "10", "2", "2", "true"],
    ],
    "options": [
        [
            "option_id",
            "partner_id",
            "sector_id",
            "kind",
            "name",
            "budget_musd",
            "diplomatic_capacity",
            "risk",
            "rationale",
        ],
        ["a", "jpn", "semis", "supply-chain", "Japan packaging", "5", "1", "0.1", "fills the OSAT gap"],
        ["b", "aus", "minerals", "supply-chain", "Australia REE", "6", "1", "0.2", "Lynas, Iluka"],
        ["c", "uae", "minerals", "buyer", "UAE minerals", "3", "1", "", ""],
        ["d", "jpn", "minerals", "joint-rd", "Japan REE R&D", "4", "1", "0.1", "magnet recycling"],
    ],
    "contributions": [
        ["option_id", "gap_id", "amount", "rationale"],
        ["a", "g1", "10", ""],
        ["b", "g2", "10", ""],
        ["c", "g2", "5", ""],
        ["d", "g2", "5", ""],
        ["d", "g1", "2", "spill-over"],
    ],
}
TABLES = tuple(BASE)
YAML = {
    "name": "s",
    "description": "fuzz base",
    "inputs": "../inputs/base",
    "objective": {"sense": "max_coverage", "cost_resource": "budget_musd", "risk_penalty": 0.0},
    "limits": {"budget_musd": 11, "diplomatic_capacity": 2},
    "solver": {"backend": "highs", "time_limit_s": 20, "mip_gap": 0.0},
}
NUMERIC = {
    "partners": ("risk", "max_options"),
    "sectors": ("weight",),
    "gaps": ("size", "weight", "target"),
    "options": ("budget_musd", "diplomatic_capacity", "risk"),
    "contributions": ("amount",),
}
IDS = {"partners": "partner_id", "sectors": "sector_id", "gaps": "gap_id", "options": "option_id"}
REFS = {"gaps": ("sector_id",), "options": ("partner_id", "sector_id"), "contributions": ("option_id", "gap_id")}

# Values that are bad in a numeric column (each must be reported at its row and column).
BAD_NUMBERS = [
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e400",
    "1e13",
    "-5",
    "-0.5",
    "abc",
    "1,5",
    "0x10",
    "1e",
    "--1",
    "5 musd",
    "\u221e",
    "\x00",
    "1.2.3",
    "١٢٣x",
    "=1+1",
]
ODD_TEXT = [
    "",
    " ",
    "abc",
    "Ærø–Ünïcödé",
    "日本",
    "🚀 drones",
    '=HYPERLINK("http://x")',
    "+cmd",
    "@SUM(A1)",
    "a\nb",
    'quote " inside',
    "semi;colon",
    "comma, inside",
    "\t",
    "x" * 5000,
    "\ufeffbom",
    "\x07bell",
    "\u202eright-to-left",
    "NULL",
    "None",
    "#N/A",
    "True",
    "0",
    "1e3",
    "1_000",
    " padded ",
]


@dataclass
class Case:
    fmt: dict
    mutation: dict
    extra: tuple = ()  # further commands run on this case (see test_fuzz_inputs.SCENARIO_COMMANDS)


# ------------------------------------------------------------------ strategies


def _cell(draw, table: str) -> tuple[int, str]:
    rows = len(BASE[table]) - 1
    row = draw(st.integers(1, rows))
    col = draw(st.sampled_from(BASE[table][0]))
    return row, col


@st.composite
def mutations(draw) -> dict:
    kind = draw(
        st.sampled_from(
            [
                "none",
                "bad_number",
                "odd_text",
                "drop_column",
                "add_column",
                "rename_column",
                "empty_file",
                "header_only",
                "whitespace_file",
                "duplicate_row",
                "dangling_ref",
                "delete_row",
                "blank_line",
                "ragged_row",
                "unbalanced_quote",
                "latin1",
                "missing_table",
                "huge_number",
                "negative_amount",
                "yaml_value",
                "yaml_text",
                "yaml_tag",
                "yaml_nesting",
                "yaml_anchor",
                "set_override",
                "blank_then_bad",
            ]
        )
    )
    table = draw(st.sampled_from(TABLES))
    m: dict = {"kind": kind, "table": table}
    if kind == "bad_number":
        m["table"] = table = draw(st.sampled_from([t for t in TABLES if NUMERIC[t]]))
        m["row"] = draw(st.integers(1, len(BASE[table]) - 1))
        m["col"] = draw(st.sampled_from(NUMERIC[table]))
        m["value"] = draw(st.sampled_from(BAD_NUMBERS))
    elif kind == "blank_then_bad":  # a blank line (or row of empty cells) above a bad cell must not shift its row
        m["table"] = table = draw(st.sampled_from([t for t in TABLES if NUMERIC[t]]))
        m["row"] = draw(st.integers(1, len(BASE[table]) - 1))
        m["blank"] = draw(st.integers(1, m["row"]))
        m["extra"] = draw(st.booleans())
        m["col"] = draw(st.sampled_from(NUMERIC[table]))
        m["value"] = draw(st.sampled_from(BAD_NUMBERS))
    elif kind == "huge_number":
        m["table"] = table = draw(st.sampled_from([t for t in TABLES if NUMERIC[t]]))
        m["row"] = draw(st.integers(1, len(BASE[table]) - 1))
        m["col"] = draw(st.sampled_from(NUMERIC[table]))
        m["value"] = draw(st.sampled_from(["1e12", "1e300", "9" * 400, "1e-320", "0", "1e-9", "999999999999"]))
    elif kind == "negative_amount":
        m["table"], m["col"] = "contributions", "amount"
        m["row"] = draw(st.integers(1, len(BASE["contributions"]) - 1))
        m["value"] = draw(st.sampled_from(["-1", "-10", "-0", "-1e-12"]))
    elif kind == "odd_text":
        m["row"], m["col"] = _cell(draw, table)
        m["value"] = draw(st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=12)))
    elif kind in ("drop_column", "rename_column"):
        m["col"] = draw(st.sampled_from(BASE[table][0]))
        m["value"] = draw(
            st.sampled_from(
                ["", " ", "GAP_ID", "Option ID", "amount ", "\ufeffname", "名前", "risk", "name", "Unnamed: 3"]
            )
        )
    elif kind == "add_column":
        m["value"] = draw(st.sampled_from(["notes", "", "name", "Unnamed: 9", "🙂", "=1+1", "partner_id"]))
        m["fill"] = draw(st.sampled_from(["", "x", "=cmd()", "1e400"]))
    elif kind in ("duplicate_row", "delete_row", "blank_line", "ragged_row", "unbalanced_quote"):
        m["row"] = draw(st.integers(1, len(BASE[table]) - 1))
        m["extra"] = draw(st.booleans())
    elif kind == "dangling_ref":
        m["table"] = table = draw(st.sampled_from(tuple(REFS)))
        m["row"] = draw(st.integers(1, len(BASE[table]) - 1))
        m["col"] = draw(st.sampled_from(REFS[table]))
        m["value"] = draw(st.sampled_from(["nowhere", "JPN", " jpn", "g3", "", "a "]))
    elif kind == "yaml_value":
        m["key"] = draw(
            st.sampled_from(
                [
                    "name",
                    "description",
                    "inputs",
                    "extends",
                    "objective",
                    "objective.sense",
                    "objective.cost_resource",
                    "objective.risk_penalty",
                    "objective.coverage_target",
                    "limits",
                    "limits.budget_musd",
                    "limits.new_resource",
                    "rules",
                    "rules.require",
                    "rules.forbid",
                    "solver",
                    "solver.backend",
                    "solver.time_limit_s",
                    "solver.mip_gap",
                    "solver.threads",
                    "solver.tie_break",
                    "unknown_key",
                    "objective.unknown",
                ]
            )
        )
        m["value"] = draw(
            st.sampled_from(
                [
                    None,
                    "",
                    "abc",
                    -1,
                    0,
                    1,
                    0.5,
                    2,
                    1e400,
                    float("nan"),
                    float("inf"),
                    -float("inf"),
                    True,
                    [],
                    ["a"],
                    ["zzz"],
                    {},
                    {"a": 1},
                    "min_cost",
                    "budget_musd",
                    "diplomatic_capacity",
                    "risk",
                    "option_id",
                    "name",
                    10**30,
                    "../inputs/base",
                    "s.yaml",
                    "..",
                    "ünï",
                    ["a", "a"],
                    [["a"]],
                    "cbc",
                ]
            )
        )
    elif kind == "yaml_text":
        m["value"] = draw(
            st.sampled_from(
                [
                    "",
                    "   \n",
                    "- a\n- b\n",
                    "just a string\n",
                    "42\n",
                    "name: s\n\tinputs: x\n",
                    "name: [unclosed\n",
                    "name: s\ninputs: ../inputs/base\nname: t\n",
                    "\ufeffname: s\ninputs: ../inputs/base\n",
                    "name: s\ninputs: ../inputs/base\nlimits: {budget_musd: 11, diplomatic_capacity: 2}\n...\n---\nname: t\n",
                    "%YAML 1.1\n---\nname: s\ninputs: ../inputs/base\n",
                    "name: s\ninputs: ../inputs/base\r\nlimits: {}\r\n",
                    "\x00\x01binary",
                    "{{{{",
                    "name: 's\ninputs: x\n",
                    "? [a, b]\n: c\nname: s\ninputs: ../inputs/base\n",
                    "name: s\ninputs: ../inputs/base\nlimits:\n  budget_musd: 11\n   diplomatic_capacity: 2\n",
                ]
            )
        )
    elif kind == "yaml_tag":
        m["key"] = draw(st.sampled_from(["description", "limits.budget_musd", "name", "inputs"]))
        m["value"] = draw(
            st.sampled_from(
                [
                    "!!python/object/apply:os.system ['echo pwned']",
                    "!!python/name:os.system",
                    "!!binary aGVsbG8=",
                    "!!set {a, b}",
                    "!!timestamp 2001-12-14",
                    "!custom thing",
                    "!!float 11",
                    "!!str 11",
                    "!!int '11'",
                    "!!python/tuple [1, 2]",
                    "!!omap [a: 1]",
                    "!!null ''",
                ]
            )
        )
    elif kind == "yaml_nesting":
        m["value"] = draw(
            st.sampled_from(
                [
                    "name: s\ninputs: ../inputs/base\nbudget_musd: 11\n",
                    "name: s\ninputs: ../inputs/base\nlimits:\n  - budget_musd: 11\n",
                    "name: s\ninputs: ../inputs/base\nobjective:\n  sense:\n    max_coverage: true\n",
                    "name: s\ninputs: ../inputs/base\nlimits:\n  limits:\n    budget_musd: 11\n",
                    "s:\n  name: s\n  inputs: ../inputs/base\n",
                    "name: s\ninputs:\n  path: ../inputs/base\n",
                    "name: s\ninputs: ../inputs/base\nsolver: highs\n",
                    "name: s\ninputs: ../inputs/base\nrules:\n  require: a\n",
                    "name: s\ninputs: ../inputs/base\nlimits: {budget_musd: {value: 11}}\n",
                    "name: s\ninputs: ../inputs/base\nobjective: [max_coverage]\n",
                ]
            )
        )
    elif kind == "yaml_anchor":
        m["value"] = draw(
            st.sampled_from(
                [
                    "base: &b {budget_musd: 11, diplomatic_capacity: 2}\nname: s\ninputs: ../inputs/base\nlimits: *b\n",
                    "name: s\ninputs: ../inputs/base\nlimits: &l {budget_musd: 11}\nsolver: *l\n",
                    "name: &n s\ninputs: ../inputs/base\ndescription: *n\nlimits: {budget_musd: 11, diplomatic_capacity: 2}\n",
                    "name: s\ninputs: ../inputs/base\nlimits:\n  <<: {budget_musd: 11}\n  diplomatic_capacity: 2\n",
                    "name: s\ninputs: ../inputs/base\nlimits: *undefined\n",
                    "name: s\ninputs: ../inputs/base\ndescription: &r [*r]\n",
                    "name: s\ninputs: ../inputs/base\nrules: {require: &x [a], forbid: *x}\n",
                ]
            )
        )
    elif kind == "set_override":
        m["value"] = draw(
            st.sampled_from(
                [
                    "limits.budget_musd=abc",
                    "limits.budget_musd=-1",
                    "limits.budget_musd=.nan",
                    "limits.budget_musd=.inf",
                    "limits=5",
                    "limits.budget_musd.x=1",
                    "noequals",
                    "=5",
                    "a..b=1",
                    "objective.sense=[",
                    "name=..",
                    "solver.time_limit_s=0",
                    "rules.require=[zzz]",
                    "inputs=/nonexistent",
                    "limits.budget_musd=1e400",
                    "objective.coverage_target=1.5",
                    "limits.budget_musd=0",
                    "objective.sense=min_cost",
                    "objective.coverage_target=1",
                    "limits.budget_musd=!!python/object/apply:os.system [ls]",
                    "description=x=y",
                    "limits.budget_musd= 11",
                    "objective.cost_resource=risk",
                ]
            )
        )
    return m


@st.composite
def formats(draw) -> dict:
    if draw(st.integers(0, 4)) == 0:
        return {
            "format": "xlsx",
            "numeric": draw(st.booleans()),
            "merged": draw(st.integers(0, 3)) == 0,
            "sheet_case": draw(st.sampled_from(["lower", "Title", " padded "])),
        }
    return {
        "format": "csv",
        "sep": draw(st.sampled_from([",", ";"])),
        "bom": draw(st.booleans()),
        "crlf": draw(st.booleans()),
        "quote_all": draw(st.booleans()),
    }


# Commands run on every case besides validate/solve/check: two scenario commands and one
# run-folder command per case, so each is exercised on many cases within the time bound.
SCENARIO_EXTRA = ("explain", "value", "diagnose", "frontier", "sweep", "montecarlo", "alternatives")
RUN_EXTRA = ("export", "compare")
cases = st.builds(
    Case,
    fmt=formats(),
    mutation=mutations(),
    extra=st.tuples(
        st.lists(st.sampled_from(SCENARIO_EXTRA), min_size=2, max_size=2, unique=True).map(tuple),
        st.sampled_from(RUN_EXTRA),
    ),
)


# ------------------------------------------------------------------ applying and writing


def _yaml_dump(data: dict) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _set_key(data: dict, key: str, value) -> None:
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value


def apply(m: dict) -> tuple[dict[str, list[list[str]] | None], str, list[str], dict[str, str]]:
    """The mutated tables (None = file absent), YAML text, --set overrides, and raw-text edits."""
    tables = copy.deepcopy(BASE)
    data = copy.deepcopy(YAML)
    yaml_text = None
    overrides: list[str] = []
    raw: dict[str, str] = {}  # table -> "empty" | "whitespace" | "latin1" | "quote:<row>"
    kind, t = m["kind"], m["table"]
    head = tables[t][0]
    if kind in ("bad_number", "huge_number", "negative_amount", "odd_text", "dangling_ref"):
        tables[t][m["row"]][head.index(m["col"])] = m["value"]
    elif kind == "drop_column":
        i = head.index(m["col"])
        for r in tables[t]:
            del r[i]
    elif kind == "rename_column":
        head[head.index(m["col"])] = m["value"]
    elif kind == "add_column":
        head.append(m["value"])
        for r in tables[t][1:]:
            r.append(m["fill"])
    elif kind in ("empty_file", "whitespace_file", "latin1"):
        raw[t] = {"empty_file": "empty", "whitespace_file": "whitespace", "latin1": "latin1"}[kind]
    elif kind == "header_only":
        tables[t] = [head]
    elif kind == "duplicate_row":
        tables[t].insert(m["row"] + 1, list(tables[t][m["row"]]))
    elif kind == "delete_row":
        del tables[t][m["row"]]
    elif kind == "blank_line":
        raw[t] = f"blank:{m['row']}:{'cells' if m['extra'] else 'line'}"
    elif kind == "blank_then_bad":
        tables[t][m["row"]][head.index(m["col"])] = m["value"]
        raw[t] = f"blank:{m['blank']}:{'cells' if m['extra'] else 'line'}"
    elif kind == "ragged_row":
        r = tables[t][m["row"]]
        if m["extra"]:
            r.append("surplus")
        else:
            r.pop()
    elif kind == "unbalanced_quote":
        raw[t] = f"quote:{m['row']}"
    elif kind == "missing_table":
        tables[t] = None
    elif kind == "yaml_value":
        _set_key(data, m["key"], m["value"])
    elif kind in ("yaml_text", "yaml_nesting", "yaml_anchor"):
        yaml_text = m["value"]
    elif kind == "yaml_tag":
        text = _yaml_dump(data)
        key = m["key"].split(".")[-1]
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.strip().startswith(f"{key}:"):
                indent = line[: len(line) - len(line.lstrip())]
                lines[i] = f"{indent}{key}: {m['value']}"
                break
        yaml_text = "\n".join(lines) + "\n"
    elif kind == "set_override":
        overrides.append(m["value"])
    return tables, yaml_text if yaml_text is not None else _yaml_dump(data), overrides, raw


def _csv_text(rows: list[list[str]], fmt: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(
        buf,
        delimiter=fmt["sep"],
        quoting=csv.QUOTE_ALL if fmt["quote_all"] else csv.QUOTE_MINIMAL,
        lineterminator="\r\n" if fmt["crlf"] else "\n",
    )
    w.writerows(rows)
    return buf.getvalue()


def _write_csvs(folder: Path, tables, raw, fmt: dict) -> None:
    folder.mkdir(parents=True)
    eol = "\r\n" if fmt["crlf"] else "\n"
    for name, rows in tables.items():
        if rows is None:
            continue
        text = _csv_text(rows, fmt)
        edit = raw.get(name, "")
        if edit == "empty":
            text = ""
        elif edit == "whitespace":
            text = " \n\t\n"
        elif edit.startswith("blank:"):
            _, row, how = edit.split(":")
            lines = text.split(eol)
            blank = fmt["sep"] * (len(rows[0]) - 1) if how == "cells" else ""
            lines.insert(int(row), blank)
            text = eol.join(lines)
        elif edit.startswith("quote:"):
            lines = text.split(eol)
            row = int(edit.split(":")[1])
            lines[row] = '"' + lines[row]
            text = eol.join(lines)
        data = (("\ufeff" if fmt["bom"] else "") + text).encode("utf-8")
        if edit == "latin1":  # what a spreadsheet saving as "CSV (Windows-1252)" writes
            data = text.replace("a", "á").encode("latin-1", errors="replace")
        (folder / f"{name}.csv").write_bytes(data)


def _write_xlsx(path: Path, tables, raw, fmt: dict) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        if rows is None:
            continue
        title = {"lower": name, "Title": name.title(), " padded ": f" {name} "}[fmt["sheet_case"]]
        ws = wb.create_sheet(title)
        if raw.get(name) in ("empty", "whitespace"):
            continue
        for r, row in enumerate(rows):
            if raw.get(name, "").startswith("blank:") and r == int(raw[name].split(":")[1]):
                ws.append([])
            cells = []
            for c in row:
                c = "".join(ch for ch in c if ch in "\t\n\r" or ord(ch) >= 32)  # openpyxl refuses control chars
                if fmt["numeric"] and r > 0:  # numbers stored as numbers, as a spreadsheet user types them
                    try:
                        number = float(c)
                        c = number if math.isfinite(number) else c
                    except ValueError:
                        pass
                cells.append(c)
            ws.append(cells)
        if fmt["merged"] and len(rows[0]) > 2:
            ws.merge_cells(start_row=1, start_column=2, end_row=1, end_column=3)  # a merged header: C1 blank
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def materialise(case: Case, folder: Path) -> tuple[Path, list[str]]:
    """Write the case under `folder`; return the scenario path and the --set overrides."""
    tables, yaml_text, overrides, raw = apply(case.mutation)
    if case.fmt["format"] == "xlsx":
        _write_xlsx(folder / "inputs" / "base.xlsx", tables, raw, case.fmt)
        yaml_text = yaml_text.replace("../inputs/base\n", "../inputs/base.xlsx\n")
    else:
        _write_csvs(folder / "inputs" / "base", tables, raw, case.fmt)
    scen = folder / "models" / "s.yaml"
    scen.parent.mkdir(parents=True)
    scen.write_bytes(yaml_text.encode("utf-8", errors="surrogatepass"))
    return scen, overrides
