"""A page's what-if: a scenario file of the project plus typed edits of its settings.

The request states setting edits as `KEY=VALUE` texts (the CLI's `--set` syntax); they are
parsed once, at the boundary (`confined`, with `planner.inputs.read.parse_set`), into `Edits`:
typed `(dotted key, value)` pairs, the analyst's locks and the rule families switched off.
`overrides` turns those into the typed pairs applied, in order, by the same override function
`--set` uses after parsing (`planner.inputs.read.apply_overrides` + the config's checks), so a
what-if solves, explains, diagnoses and saves exactly as the same `planner ... --set` would.
Locks become `rules.require` / `rules.forbid` (added to the scenario's own lists) and a rule
family switched off becomes its key set to the empty default (`rules.groups` = []). `confined`
holds a what-if to the project folder: a path an edit names is read relative to it, and
nothing outside it is read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

import yaml
from pydantic import BaseModel, ConfigDict, Field

from planner.errors import InputError, Problem
from planner.inputs.confine import confine
from planner.inputs.config_rules import RulesConfig
from planner.inputs.read import apply_overrides, parse_set, read_scenario_data

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


Setting = tuple[str, Any]  # one typed edit of the settings: (dotted scenario key, value)


@dataclass(frozen=True)
class Edits:
    """A what-if as typed changes: setting edits applied in order (as `--set` pairs after
    parsing), options locked in and out, rule families switched off."""

    settings: tuple[Setting, ...] = ()
    lock_in: tuple[str, ...] = ()
    lock_out: tuple[str, ...] = ()
    rules_off: tuple[str, ...] = ()

    def plus(self, settings: Sequence[Setting]) -> Edits:
        """These edits with more setting edits after the page's (a job's own, e.g. robust intervals)."""
        return replace(self, settings=(*self.settings, *settings))

    def unlocked(self) -> Edits:
        return replace(self, lock_in=(), lock_out=())


def confined(root: Path, whatif: WhatIf) -> tuple[Path, Edits]:
    """(the scenario file, the what-if's typed edits) once every file they read is inside `root`
    (`planner.inputs.confine`): the scenario's chain, its tables and incumbent, and each path a
    `set` item names, which is read relative to `root` and made absolute. The request's
    `KEY=VALUE` texts are parsed here, once."""
    file = resolve_scenario(root, whatif.scenario)
    confine(read_scenario_data(file), root, root, _rel(root, file))
    settings = tuple((key, confine_value(root, key, value)) for key, value in parse_set(whatif.set))
    edits = Edits(settings, tuple(whatif.lock_in), tuple(whatif.lock_out), tuple(whatif.rules_off))
    return file, edits


def confine_value(root: Path, key: str, value: Any) -> Any:
    """`value` for scenario key `key` (a `set` item's, a sweep axis's) with any path it states
    (`inputs`, `replan.incumbent`, also inside a mapping) read relative to `root`, made
    absolute, and refused unless it and the files read through it lie inside `root`."""
    return _at(confine(apply_overrides({}, [(key, value)]), root, root, "request"), key)


def set_text(setting: Setting) -> str:
    """A setting edit as the `--set KEY=VALUE` text that states it (what the page shows)."""
    key, value = setting
    return f"{key}={flow_yaml(value)}"


def flow_yaml(value: Any) -> str:
    """`value` as a one-line YAML text that `parse_set` reads back as `value`."""
    return yaml.safe_dump(value, default_flow_style=True, width=2**31 - 1).strip().removesuffix("...").strip()


def _at(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        node = node[part]
    return node


def _rel(root: Path, file: Path) -> str:
    return file.relative_to(root).as_posix()


def _rule_default(family: str) -> Any:
    value = RulesConfig.model_fields[family].get_default(call_default_factory=True)
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def _check(edits: Edits) -> None:
    unknown = [f for f in edits.rules_off if f not in SWITCHABLE]
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
    both = sorted(set(edits.lock_in) & set(edits.lock_out))
    if both:
        raise InputError(
            [Problem(file="request", key="lock_in", value=o, message="locked both in and out; pick one") for o in both]
        )


def overrides(edits: Edits, base_rules: RulesConfig) -> list[Setting]:
    """The what-if as typed setting edits, in the order they apply; `base_rules` is the
    `RulesConfig` after `edits.settings` (its require/forbid lists are kept and extended)."""
    _check(edits)
    out = list(edits.settings)
    out += [(f"rules.{f}", _rule_default(f)) for f in edits.rules_off]
    off, lock_in, lock_out = set(edits.rules_off), list(edits.lock_in), list(edits.lock_out)
    if lock_in:
        keep = [o for o in ([] if "require" in off else base_rules.require) if o not in lock_out]
        out.append(("rules.require", keep + [o for o in lock_in if o not in keep]))
    if lock_out:
        keep = [o for o in ([] if "forbid" in off else base_rules.forbid) if o not in lock_in]
        out.append(("rules.forbid", keep + [o for o in lock_out if o not in keep]))
    if lock_in and not lock_out and base_rules.forbid:
        if any(o in lock_in for o in base_rules.forbid):
            out.append(("rules.forbid", [o for o in base_rules.forbid if o not in lock_in]))
    if lock_out and not lock_in and base_rules.require:
        if any(o in lock_out for o in base_rules.require):
            out.append(("rules.require", [o for o in base_rules.require if o not in lock_out]))
    return out
