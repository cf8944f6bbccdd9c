"""Save a what-if as `models/<name>.yaml`: a scenario that `extends:` the what-if's own with
only the page's changes, so `planner solve models/<name>.yaml` gives the page's result.

Nothing is lost or changes meaning silently:

- never over an existing file unless `replace` (and then atomically, `os.replace`);
- never over a file of the what-if's own `extends:` chain (itself or anything it extends,
  transitively): the saved file would extend itself and the original would be gone;
- never over a scenario that other scenarios of models/ extend: replacing `baseline.yaml`
  would change what `budget-cut-30.yaml` means without anyone editing it. Save under a new
  name instead (the refusal lists them).

The file is written to a temporary name, loaded as a scenario (refused if it does not load),
then linked into place. Sessions notice the change on disk themselves (`sessions.Session.engine`).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Sequence

import yaml

from planner.errors import InputError, Problem

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,80}$")
HEADER = "# Written by planner serve: the scenario it extends, with only the page's changes.\n"


def save_whatif(
    root: Path, file: Path, settings: Sequence[tuple[str, Any]], name: str, description: str, replace: bool
) -> dict[str, Any]:
    """Write `models/<name>.yaml` under `root`: `file` (the what-if's scenario) extended by the
    typed setting edits `settings` ((dotted key, value) pairs, applied as `--set` applies them). InputError (key `name`) for a bad or taken name, or one that would
    break an `extends:` chain."""
    from planner.api import load_scenario
    from planner.inputs.read import apply_overrides, paths_in

    if not NAME.match(name) or name.endswith((".yaml", ".yml")):
        raise InputError(
            Problem(
                file="request",
                key="name",
                value=name,
                message="a name of letters, digits, '-', '_' or '.', without .yaml, e.g. budget-cut",
            )
        )
    target = root / "models" / f"{name}.yaml"
    rel = target.relative_to(root).as_posix()
    if target.exists() and not replace:
        raise _taken(rel, name)
    _check_chains(root, file, target, name)
    changes = apply_overrides({}, list(settings))
    for _, node, field in paths_in(changes):  # absolute (web.whatif.confined) → relative to the saved file
        node[field] = os.path.relpath(node[field], target.parent)
    data = {
        "name": name,
        "description": description or f"{file.relative_to(root).as_posix()} with the changes made in planner serve",
        "extends": os.path.relpath(file, target.parent),
        **changes,
    }
    text = HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".yaml")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        load_scenario(tmp)  # refuse to write a scenario that does not load
        if replace:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # atomic, and never over a file that appeared meanwhile
            except FileExistsError:
                raise _taken(rel, name) from None
    finally:
        tmp.unlink(missing_ok=True)
    return {"saved": rel, "scenario": name, "text": text, "command": f"planner solve {rel}"}


def _taken(rel: str, name: str) -> InputError:
    return InputError(
        Problem(
            file=rel,
            key="name",
            value=name,
            message="a scenario of this name exists; pick another name or ask to replace it",
        )
    )


def _check_chains(root: Path, file: Path, target: Path, name: str) -> None:
    """Refuse a target in `file`'s own extends chain, or one that other scenarios extend."""
    from planner.inputs.read import extends_chain

    where = target.resolve()
    chain = extends_chain(file)
    shown = " → ".join(_rel(root, p) for p in chain)
    if where in chain:
        raise InputError(
            Problem(
                file=_rel(root, target),
                key="name",
                value=name,
                message=(
                    f"{_rel(root, where)} is in the extends chain of the scenario being saved ({shown}); saving over it "
                    "would make the new file extend itself and lose what it holds; pick a name outside the chain"
                ),
            )
        )
    if not where.is_file():
        return
    users = dependents(root, where)
    if users:
        raise InputError(
            Problem(
                file=_rel(root, target),
                key="name",
                value=name,
                message=(
                    f"{', '.join(users)} extend{'s' if len(users) == 1 else ''} {_rel(root, where)}; replacing it would "
                    "change what they mean; save under a new name"
                ),
            )
        )


def dependents(root: Path, target: Path) -> list[str]:
    """The scenario files under models/ (any depth) whose extends chain passes through
    `target` (resolved); a file that does not load cannot be judged and is skipped."""
    from planner.inputs.read import extends_chain

    found = []
    for path in sorted((root / "models").rglob("*.y*ml")):
        if path.name.startswith(".") or path.suffix not in (".yaml", ".yml") or path.resolve() == target:
            continue
        try:
            chain = extends_chain(path)
        except InputError:
            continue
        if target in chain[1:]:
            found.append(_rel(root, path))
    return found


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
