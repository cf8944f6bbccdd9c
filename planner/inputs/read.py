"""The only reader of inputs: scenario YAML (with `extends:` and `--set`) and the tables.

Override order, from weakest to strongest:
  1. the scenario named by `extends:` (recursively, its own `extends:` first),
  2. the scenario file itself,
  3. `--set KEY=VALUE` overrides, in the order given (not `extends`: the chain is read
     before overrides apply, so `--set extends=…` is refused rather than ignored).
Mappings merge key by key; lists and scalars replace. `inputs:` is resolved relative
to the file that states it.

Files cannot do harm: all YAML (scenario files, `--set` values, `--vary` values) is read by
`load_yaml_text`: `safe_load` (no object construction), at most MAX_YAML_BYTES, expanding
(through anchors and aliases) to at most MAX_YAML_NODES values.
Paths written in scenario files (`inputs:`, `extends:`, `replan.incumbent:`) must resolve,
symlinks followed, inside the project folder of the scenario file the user named: its nearest
ancestor that holds a `models/` folder, else the parent of its own folder (see `project_root`).
Paths the user types (`--set inputs=…`, relative to the working folder) are not restricted on
the command line, and table files inside an inputs folder may be symlinks (an analyst may link
shared tables into a project). The web server is stricter (`confine`): every path a request
names, and every file read through it, must resolve inside the project folder. Tables are
limited to MAX_TABLE_BYTES per file and MAX_ROWS data rows; workbooks to MAX_TABLE_BYTES on
disk and MAX_XLSX_UNPACKED_BYTES unpacked.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from planner.inputs.config import ScenarioConfig, input_digest, parse_config
from planner.errors import InputError, Problem
from planner.inputs.schema import TABLES
from planner.inputs.tables import decode, parse_csv, read_workbook

if TYPE_CHECKING:
    import pandas as pd

    from planner.inputs.scenario import Scenario
# Refuse larger inputs with a clear message rather than exhaust memory (documented in docs/inputs.md).
MAX_TABLE_BYTES = 100 * 1024 * 1024  # per CSV file, or per .xlsx workbook on disk
MAX_XLSX_UNPACKED_BYTES = 500 * 1024 * 1024  # a workbook is a zip: guard against zip bombs
MAX_ROWS = 1_000_000  # data rows per table
MAX_YAML_BYTES = 1024 * 1024  # per scenario file
MAX_YAML_NODES = 100_000  # values after expanding anchors/aliases ("billion laughs")
# Scenario keys whose text value names a file or folder that is read (dotted paths into the mapping).
PATH_KEYS = ("inputs", "replan.incumbent")


@dataclass(frozen=True)
class RawInputs:
    """The tables exactly as read: every cell a string, plus where each came from."""

    config: ScenarioConfig
    scenario_file: Path
    inputs_path: Path
    tables: dict[str, pd.DataFrame]  # name -> a frame of strings
    files: dict[str, str]  # name -> display path used in messages
    input_sha256: str
    tables_sha256: str = ""  # the tables' bytes alone, so a change of settings can re-derive input_sha256


def parse_set(items: list[str] | tuple[str, ...]) -> list[tuple[str, Any]]:
    """Parse `KEY=VALUE` strings; VALUE is read as YAML (numbers, lists, null …)."""
    parsed = []
    for item in items:
        if "=" not in item:
            raise InputError(
                Problem(file="--set", value=item, message="expected KEY=VALUE, e.g. limits.budget_musd=2000")
            )
        key, raw = item.split("=", 1)
        key = key.strip()
        if not key or any(not part for part in key.split(".")):
            raise InputError(
                Problem(file="--set", value=item, message="KEY must be a dotted path such as limits.budget_musd")
            )
        if key.split(".")[0] == "extends":  # read before any --set applies; a path typed here would be silently ignored
            raise InputError(
                Problem(
                    file="--set",
                    key=key,
                    value=raw,
                    message="extends: can only be set in a scenario file, not with --set "
                    "(write a scenario that extends the one you want, or pass that one)",
                )
            )
        value = load_yaml_text(raw, "--set", key=key, value=raw) if raw.strip() else ""
        parsed.append((key, value))
    return parsed


class _SafeLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` (nothing constructed, nothing run) that names an integer too long for
    Python to read (more than `sys.get_int_max_str_digits()` digits) instead of failing inside."""


def _construct_int(loader: _SafeLoader, node: yaml.ScalarNode) -> int:
    digits, limit = sum(c.isdigit() for c in node.value), sys.get_int_max_str_digits()
    if limit and digits > limit:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"a number of {digits:,} digits; at most {limit:,} can be read (scenario numbers are far smaller)",
            node.start_mark,
        )
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_SafeLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_yaml_text(text: str, file: str, *, key: str | None = None, value: str | None = None) -> Any:
    """The one YAML reader (scenario files, `--set` and `--vary` values): YAML's safe loader (no
    object is constructed, no code runs), at most MAX_YAML_BYTES, expanding through anchors and
    aliases to at most MAX_YAML_NODES values, never referring to itself. InputError naming
    `file` (and `key`, `value`) otherwise; nothing it can be given raises anything else."""
    shown = None if value is None else (value if len(value) <= 200 else value[:200] + "…")
    size = len(text.encode("utf-8", "surrogatepass"))

    def refuse(message: str, size_value: str | None = None) -> InputError:
        return InputError(Problem(file=file, key=key, value=size_value or shown, message=message))

    if size > MAX_YAML_BYTES:
        raise refuse(f"YAML may not exceed {_size(MAX_YAML_BYTES)} here; tables belong in inputs:", _size(size))
    try:
        data = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise refuse(f"{'value is ' if key else ''}not valid YAML: {exc}") from None
    except RecursionError:
        raise refuse("YAML nested too deeply to read") from None
    except (ValueError, OverflowError) as exc:  # e.g. a date that does not exist: 2024-13-45
        raise refuse(f"a value cannot be read ({exc}); quote it to keep it as text") from None
    _count_nodes(data, file, key, shown)
    return data


def apply_overrides(data: dict[str, Any], overrides: list[tuple[str, Any]]) -> dict[str, Any]:
    """Return a copy of `data` with each dotted key set; intermediate mappings are created."""
    data = copy.deepcopy(data)
    for key, value in overrides:
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise InputError(
                    Problem(file="--set", key=key, message=f"'{part}' is not a mapping, cannot set a key inside it")
                )
            node = child
        node[parts[-1]] = value
    return data


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _size(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n:,} bytes"


def _count_nodes(data: Any, name: str, key: str | None = None, value: str | None = None) -> None:
    """Refuse YAML that expands (through aliases) past MAX_YAML_NODES values, or refers to itself."""
    count = 0
    stack: list[tuple[Any, tuple[int, ...]]] = [(data, ())]
    what = "the value" if key else "the scenario"
    while stack:
        node, path_ids = stack.pop()
        count += 1
        if count > MAX_YAML_NODES:
            raise InputError(
                Problem(
                    file=name,
                    key=key,
                    value=value,
                    message=f"{what} expands to more than {MAX_YAML_NODES:,} values (deeply nested "
                    "anchors and aliases?); a scenario is a short settings file",
                )
            )
        if isinstance(node, (dict, list)):
            if id(node) in path_ids:
                raise InputError(
                    Problem(
                        file=name,
                        key=key,
                        value=value,
                        message="a YAML anchor refers to itself (a recursive structure); "
                        "scenario values must be plain settings",
                    )
                )
            inner = (*path_ids, id(node))
            children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
            stack.extend((child, inner) for child in children)


def _read_yaml(path: Path) -> dict[str, Any]:
    name = str(path)
    if not path.is_file():
        raise InputError(Problem(file=name, message="scenario file not found"))
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise InputError(
            Problem(
                file=name,
                value=_size(size),
                message=f"a scenario file may not exceed {_size(MAX_YAML_BYTES)}; tables belong in inputs:",
            )
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(file=name, message=f"not UTF-8 text: {exc}")) from None
    data = load_yaml_text(text, name)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(Problem(file=name, message=f"a scenario must be a YAML mapping, not {type(data).__name__}"))
    return data


def project_root(scenario_file: str | Path) -> Path:
    """The folder every path written in a scenario file must stay inside: the project folder,
    i.e. the nearest ancestor of the scenario file that holds a `models/` folder (the spec's
    layout: scenarios under models/, tables under inputs/); failing that, the parent of the
    folder holding the scenario file."""
    path = Path(scenario_file).resolve()
    for folder in path.parents:
        if (folder / "models").is_dir():
            return folder
    return path.parent.parent


def resolve_path(path: Path, file: str, key: str | None, value: Any) -> Path:
    """`path` made absolute, symlinks followed; InputError (not ValueError) for a NUL or a loop."""
    try:
        return path.resolve()
    except (ValueError, OSError, RuntimeError) as exc:
        raise InputError(
            Problem(file=file, key=key, value=str(value)[:200], message=f"not a usable path ({exc})")
        ) from None


def _inside(path: Path, root: Path, file: Path, key: str, value: str) -> Path:
    resolved = resolve_path(path, str(file), key, value)
    if not resolved.is_relative_to(root):
        hint = {
            "inputs": "to use data elsewhere, pass --set inputs=PATH",
            "replan.incumbent": "to re-plan from a run elsewhere, pass --set replan.incumbent=RUN_DIR",
        }.get(key, "copy the scenario it extends into the project")
        raise InputError(
            Problem(
                file=str(file),
                key=key,
                value=value,
                message=f"resolves to {resolved}, outside the project folder {root}; paths in scenario files must stay "
                f"inside the project (the nearest folder above the scenario that holds models/; {hint})",
            )
        )
    return resolved


def paths_in(data: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """(dotted key, the mapping holding it, its field) for each PATH_KEYS value `data` states as text."""
    found = []
    for key in PATH_KEYS:
        *parents, last = key.split(".")
        node: Any = data
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(last), str):
            found.append((key, node, last))
    return found


def _read_chain(path: Path, root: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The scenario file and every file it extends, nearest first, each read with its paths
    (PATH_KEYS) made absolute; every path must resolve inside `root`, a cycle is refused."""
    chain: list[tuple[Path, dict[str, Any]]] = []
    path = resolve_path(path, str(path), None, path)
    while True:
        seen = [p for p, _ in chain]
        if path in seen:
            cycle = " -> ".join(p.name for p in (*seen, path))
            raise InputError(
                Problem(file=str(seen[-1]), key="extends", value=str(path), message=f"extends cycle: {cycle}")
            )
        data = _read_yaml(path)
        for key, node, field in paths_in(data):  # a run folder (replan.incumbent) like inputs:
            node[field] = str(_inside(path.parent / node[field], root, path, key, node[field]))
        chain.append((path, data))
        parent = data.get("extends")
        if parent is None:
            return chain
        if not isinstance(parent, str) or not parent.strip():
            raise InputError(
                Problem(file=str(path), key="extends", value=parent, message="must be a path to another scenario file")
            )
        path = _inside(path.parent / parent, root, path, "extends", parent)


def read_scenario_data(path: Path) -> dict[str, Any]:
    """Read a scenario file and everything it extends, merged; `inputs` made absolute.

    Every `inputs:` and `extends:` path must resolve inside `project_root(path)` of the
    scenario the user named; an `extends:` cycle is reported with the whole chain.
    """
    merged: dict[str, Any] = {}
    for _, data in reversed(_read_chain(Path(path), project_root(path))):
        merged = _merge(merged, data)
    return merged


def extends_chain(path: str | Path) -> list[Path]:
    """The scenario file and every file it extends, nearest first (resolved), as `read_scenario_data` follows them."""
    return [p for p, _ in _read_chain(Path(path), project_root(path))]


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> tuple[ScenarioConfig, Path]:
    path = Path(path)
    data = read_scenario_data(path)
    data = apply_overrides(data, parse_set(overrides))
    return parse_config(data, str(path)), path.resolve()


def read_csv_text(text: str, name: str) -> pd.DataFrame:
    """Read a CSV (comma, semicolon or tab; optional BOM) into a DataFrame of strings (see planner.inputs.tables)."""
    return parse_csv(text, name, MAX_ROWS)


def _check_workbook(raw: bytes, name: str) -> None:
    """Refuse workbooks that would unpack to more than MAX_XLSX_UNPACKED_BYTES (zip bombs)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(Problem(file=name, message=f"cannot read workbook: not an .xlsx (zip) file ({exc})")) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise InputError(
            Problem(
                file=name,
                value=f"{_size(unpacked)} unpacked",
                message=f"the workbook unpacks to more than {_size(MAX_XLSX_UNPACKED_BYTES)}; "
                "save the tables as CSV files in a folder instead",
            )
        )


def table_files(inputs: Path) -> list[Path]:
    """The files a folder of tables is read from, in TABLES order; a workbook is its own one file."""
    return [inputs / f"{name}.csv" for name in TABLES] if inputs.is_dir() else [inputs]


def _read_tables(inputs: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str], str]:
    digest = hashlib.sha256()
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    problems: list[Problem] = []
    if inputs.is_dir():
        for name, file in zip(TABLES, table_files(inputs)):
            files[name] = str(file)
            if not file.is_file():
                problems.append(
                    Problem(
                        file=str(file), message=f"required table '{name}' is missing (expected {name}.csv in {inputs})"
                    )
                )
                continue
            if file.stat().st_size > MAX_TABLE_BYTES:
                problems.append(
                    Problem(
                        file=str(file),
                        value=_size(file.stat().st_size),
                        message=f"file is larger than the {_size(MAX_TABLE_BYTES)} limit per table",
                    )
                )
                continue
            raw = file.read_bytes()
            digest.update(name.encode() + b"\0" + raw + b"\0")
            try:
                tables[name] = read_csv_text(decode(raw, str(file)), str(file))
            except InputError as exc:
                problems.extend(exc.problems)
    elif inputs.is_file() and inputs.suffix.lower() == ".xlsx":
        if inputs.stat().st_size > MAX_TABLE_BYTES:
            raise InputError(
                Problem(
                    file=str(inputs),
                    value=_size(inputs.stat().st_size),
                    message=f"workbook is larger than the {_size(MAX_TABLE_BYTES)} limit",
                )
            )
        raw = inputs.read_bytes()
        _check_workbook(raw, str(inputs))
        digest.update(raw)
        tables, files, found = read_workbook(raw, str(inputs), TABLES, MAX_ROWS)
        problems.extend(found)
    else:
        raise InputError(
            Problem(
                file=str(inputs),
                key="inputs",
                message="inputs must be a folder of CSV files or an .xlsx workbook, and it was not found",
            )
        )
    if problems:
        raise InputError(problems)
    return tables, files, digest.hexdigest()


def load_raw(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> RawInputs:
    """Read a scenario and its tables without judging the table contents."""
    config, file = load_config(path, overrides)
    return raw_from_config(config, file)


def raw_from_config(config: ScenarioConfig, file: Path) -> RawInputs:
    """Read the tables of an already-merged config (e.g. a run's scenario.json)."""
    inputs = Path(config.inputs)
    tables, files, tables_sha = _read_tables(inputs)
    return RawInputs(config, file, inputs, tables, files, input_digest(config, tables_sha), tables_sha)


def with_solver_settings(
    scenario: Scenario, *, time_limit_s: float | None = None, mip_gap: float | None = None, backend: str | None = None
) -> Scenario:
    """The scenario with the given solver settings (None: keep the scenario's) written into its
    config, hence into the run's scenario.json and input_sha256, as if set with `--set solver.…`.

    Solver settings do not change what the tables mean, so the tables stay as validated;
    a bad value raises InputError naming the key (e.g. solver.mip_gap must be ≤ 1)."""
    changes = [
        (f"solver.{key}", value)
        for key, value in (("time_limit_s", time_limit_s), ("mip_gap", mip_gap), ("backend", backend))
        if value is not None
    ]
    if not changes:
        return scenario
    config = parse_config(apply_overrides(scenario.config.to_plain(), changes), str(scenario.scenario_file))
    if config == scenario.config:
        return scenario
    tables_sha = scenario.tables_sha256
    if not tables_sha:  # a scenario made without one: read the tables' digest again
        tables_sha = _read_tables(Path(config.inputs))[2]
    return dataclasses.replace(scenario, config=config, input_sha256=input_digest(config, tables_sha))
