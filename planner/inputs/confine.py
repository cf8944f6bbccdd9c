"""Files a scenario reads, and the web server's rule that they all lie inside the project.

The command line reads what its user names (`--set inputs=/shared/drive/tables`) and follows
a symlinked table file (an analyst may link shared tables into a project); only paths written
in scenario files are held to the project folder (`planner.inputs.read`). `planner serve`
answers requests from a browser, so it is stricter: every path a request names or a scenario
states (`inputs`, `replan.incumbent`; see `read.PATH_KEYS`) and every file read through it
(the tables of an inputs folder, a run folder's portfolio.csv) must resolve, symlinks
followed, inside the project folder (`confine`). `source_files` lists what a loaded scenario
was read from, so a server can tell when its copy is stale.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

from planner.errors import InputError, Problem
from planner.inputs.read import PATH_KEYS, extends_chain, paths_in, resolve_path, table_files


def _run_files(path: Path) -> list[Path]:
    """A run folder is read through its portfolio.csv (`config_replan.portfolio_ids`)."""
    return [path / "portfolio.csv"] if path.is_dir() else []


def _table_files(path: Path) -> list[Path]:
    return table_files(path) if path.is_dir() else []


# What is read through each path key, besides the path itself.
READ_THROUGH: dict[str, Callable[[Path], list[Path]]] = {"inputs": _table_files, "replan.incumbent": _run_files}
assert set(READ_THROUGH) == set(PATH_KEYS)


def confine(data: dict[str, Any], root: Path, base: Path, file: str) -> dict[str, Any]:
    """A copy of the scenario mapping `data` with each path it states (PATH_KEYS) made absolute
    against `base`, once it and every file read through it resolve, symlinks followed, inside
    `root`. InputError naming the key and each file outside otherwise."""
    data = copy.deepcopy(data)
    problems: list[Problem] = []
    for key, node, field in paths_in(data):
        text = node[field]
        path = resolve_path(base / text, file, key, text)
        for item in [path, *READ_THROUGH[key](path)]:
            real = resolve_path(item, file, key, text)
            if not real.is_relative_to(root):
                via = "" if item == path else f" (through {item}, a link to a file elsewhere)"
                problems.append(
                    Problem(
                        file=file,
                        key=key,
                        value=text,
                        message=f"resolves to {real}{via}, outside the project folder {root}; the web "
                        "server reads files only inside the project folder",
                    )
                )
                break  # the folder itself outside: its files need no saying
        node[field] = str(path)
    if problems:
        raise InputError(problems)
    return data


def source_files(scenario_file: str | Path, data: dict[str, Any]) -> list[Path]:
    """Every file a scenario is read from, given its merged mapping `data`
    (`read.read_scenario_data`): the scenario file and those it extends, and each path it
    states (its inputs folder, its incumbent run) with the files read through it."""
    files = list(extends_chain(scenario_file))
    for key, node, field in paths_in(data):
        path = Path(node[field])
        files += [path, *READ_THROUGH[key](path)]
    return files
