"""A page's what-if: a scenario file of the project plus edits, as `--set` overrides.

Every edit the page makes is a `--set KEY=VALUE` string (the CLI's own syntax, parsed by
`planner.inputs.read.parse_set`), so a what-if solves, explains, diagnoses and saves exactly
as the same `planner ... --set` would. Locks become `rules.require` / `rules.forbid`
(added to the scenario's own lists) and a rule family switched off becomes its key set to
the empty default (`rules.groups=[]`). `confined` holds a what-if to the project folder: a
path a `set` item names is read relative to it, and nothing outside it is read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from planner.errors import InputError, Problem

MAX_EDITS = 200
# Families a what-if may switch off: each is one key of the scenario's `rules:` section.
SWITCHABLE = (
    "require",
    "forbid",
    "requires",
    "excludes",
    "groups",
    "max_options",
    "min_fraction",
    "diversify",
    "risk",
    "diminishing_returns",
    "standards_bonus",
    "phasing",
    "resilience",
)


class WhatIf(BaseModel):
    """The page's state: which scenario, and what the analyst changed."""

    model_config = ConfigDict(extra="forbid")
    scenario: str = Field(
        "models/baseline.yaml", max_length=500, description="a scenario file inside the project folder, relative to it"
    )
    set: list[str] = Field(default_factory=list, max_length=MAX_EDITS, description="`--set KEY=VALUE` edits")
    lock_in: list[str] = Field(default_factory=list, max_length=MAX_EDITS, description="options to require")
    lock_out: list[str] = Field(default_factory=list, max_length=MAX_EDITS, description="options to forbid")
    rules_off: list[str] = Field(
        default_factory=list,
        max_length=len(SWITCHABLE),
        description=f"rule families switched off: {', '.join(SWITCHABLE)}",
    )


def resolve_scenario(root: Path, text: str) -> Path:
    """The scenario file `text` names, refused unless it is a .yaml file inside `root`
    (symlinks followed)."""
    problem = _scenario_problem(root, text)
    if problem is None and not (root / text).resolve().is_file():
        problem = f"no such scenario file in the project; valid: {', '.join(list_scenarios(root)) or '(none)'}"
    if problem:
        raise InputError(Problem(file="request", key="scenario", value=text, message=problem))
    return (root / text).resolve()


def _scenario_problem(root: Path, text: str) -> str | None:
    """Why `text` cannot name a scenario of the project (None: it can, if the file exists)."""
    if not text.strip():
        return "name a scenario file, e.g. models/baseline.yaml"
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return "a file name has no control characters (NUL, newline, …)"
    try:
        candidate = (root / text).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop
        return f"not a usable path ({exc})"
    if not candidate.is_relative_to(root):
        return f"resolves outside the project folder {root}; name a scenario inside it, e.g. models/baseline.yaml"
    if candidate.suffix not in (".yaml", ".yml"):
        return "a scenario is a .yaml file, e.g. models/baseline.yaml"
    return None


def list_scenarios(root: Path) -> list[str]:
    """The scenario files of models/ that `resolve_scenario` accepts (a link out of the project is not listed)."""
    models = root / "models"
    if not models.is_dir():
        return []
    names = (p.relative_to(root).as_posix() for p in models.glob("*.y*ml") if not p.name.startswith("."))
    return sorted(n for n in names if _scenario_problem(root, n) is None and (root / n).resolve().is_file())


def confined(root: Path, whatif: WhatIf) -> tuple[Path, WhatIf]:
    """(the scenario file, the what-if) once every file they read is inside `root`
    (`planner.inputs.confine`): the scenario's chain, its tables and incumbent, and each path a
    `set` item names, which is read relative to `root` and rewritten as an absolute path."""
    from planner.inputs.confine import confine
    from planner.inputs.read import parse_set, read_scenario_data

    file = resolve_scenario(root, whatif.scenario)
    confine(read_scenario_data(file), root, root, _rel(root, file))
    sets = []
    for item, (key, value) in zip(whatif.set, parse_set(whatif.set)):
        inside = confine_value(root, key, value)
        sets.append(item if inside == value else f"{key}={flow_yaml(inside)}")
    return file, whatif.model_copy(update={"set": sets})


def confine_value(root: Path, key: str, value: Any) -> Any:
    """`value` for scenario key `key` (a `set` item's, a sweep axis's) with any path it states
    (`inputs`, `replan.incumbent`, also inside a mapping) read relative to `root`, made
    absolute, and refused unless it and the files read through it lie inside `root`."""
    from planner.inputs.confine import confine
    from planner.inputs.read import apply_overrides

    return _at(confine(apply_overrides({}, [(key, value)]), root, root, "request"), key)


def flow_yaml(value: Any) -> str:
    """`value` as a one-line YAML text that `parse_set` reads back as `value`."""
    return yaml.safe_dump(value, default_flow_style=True, width=2**31 - 1).strip().removesuffix("...").strip()


def _at(data: dict, key: str) -> Any:
    for part in key.split("."):
        data = data[part]
    return data


def _rel(root: Path, file: Path) -> str:
    return file.relative_to(root).as_posix()


def _rule_default(family: str) -> Any:
    from planner.inputs.config_rules import RulesConfig

    value = RulesConfig.model_fields[family].get_default(call_default_factory=True)
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def overrides(whatif: WhatIf, base_rules: Any) -> list[str]:
    """The what-if as `--set` strings, in the order they apply; `base_rules` is the
    `RulesConfig` after `whatif.set` (its require/forbid lists are kept and extended)."""
    unknown = [f for f in whatif.rules_off if f not in SWITCHABLE]
    if unknown:
        raise InputError(
            [
                Problem(
                    file="request",
                    key="rules_off",
                    value=f,
                    message=f"not a rule family a what-if can switch off; valid: {', '.join(SWITCHABLE)}",
                )
                for f in unknown
            ]
        )
    both = sorted(set(whatif.lock_in) & set(whatif.lock_out))
    if both:
        raise InputError(
            [Problem(file="request", key="lock_in", value=o, message="locked both in and out; pick one") for o in both]
        )
    out = list(whatif.set)
    out += [f"rules.{f}={json.dumps(_rule_default(f))}" for f in whatif.rules_off]
    off = set(whatif.rules_off)
    if whatif.lock_in:
        keep = [o for o in ([] if "require" in off else base_rules.require) if o not in whatif.lock_out]
        out.append(f"rules.require={json.dumps(keep + [o for o in whatif.lock_in if o not in keep])}")
    if whatif.lock_out:
        keep = [o for o in ([] if "forbid" in off else base_rules.forbid) if o not in whatif.lock_in]
        out.append(f"rules.forbid={json.dumps(keep + [o for o in whatif.lock_out if o not in keep])}")
    if whatif.lock_in and not whatif.lock_out and base_rules.forbid:
        clash = [o for o in base_rules.forbid if o in whatif.lock_in]
        if clash:
            out.append(f"rules.forbid={json.dumps([o for o in base_rules.forbid if o not in whatif.lock_in])}")
    if whatif.lock_out and not whatif.lock_in and base_rules.require:
        clash = [o for o in base_rules.require if o in whatif.lock_out]
        if clash:
            out.append(f"rules.require={json.dumps([o for o in base_rules.require if o not in whatif.lock_out])}")
    return out
