"""The scenario file's schema: frozen pydantic models that reject unknown keys."""

from __future__ import annotations

import difflib
import hashlib
import json
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planner.inputs.config_rules import RulesConfig  # the rules: section has its own module
from planner.inputs.config_robust import RobustConfig  # the robust: section (planner robust)
from planner.inputs.config_replan import ReplanConfig, resolve_incumbent  # so has replan:
from planner.inputs.config_numbers import (
    Amount,
    Count,
    Fraction,
    Positive,
    PositiveCount,
    whole,
)  # every number bounded
from planner.inputs.config_rival import RivalConfig  # and rival: (planner rival)
from planner.errors import InputError, Problem


SampleCount = Annotated[int, whole(1, 1_000_000)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ObjectiveConfig(_Frozen):
    sense: Literal["max_coverage", "min_cost"] = "max_coverage"
    cost_resource: str = "budget_musd"
    risk_penalty: Amount = 0.0
    coverage_target: Fraction | None = None
    # Override the tables' weights by id (so a sweep can vary "a sector's weight").
    sector_weights: dict[str, Amount] = Field(default_factory=dict)
    gap_weights: dict[str, Amount] = Field(default_factory=dict)


class SolverConfig(_Frozen):
    backend: Literal["highs", "cbc", "auto"] = "highs"  # auto: both at once, first proof wins
    time_limit_s: Positive | None = 60.0
    mip_gap: Fraction = 0.0
    threads: PositiveCount | None = None
    tie_break: bool = True  # lexicographic second stage: least cost_resource among optima


class Perturbation(_Frozen):
    """One Monte Carlo perturbation: every cell of `table.column` is multiplied by a factor
    drawn from `dist` (per cell, or one factor per sample for the whole column)."""

    table: Literal["contributions", "options", "gaps", "sectors"]
    column: str = Field(min_length=1)
    dist: Literal["uniform", "triangular", "normal"] = "uniform"
    low: Amount | None = None  # uniform, triangular
    high: Amount | None = None  # uniform, triangular
    peak: Amount | None = None  # triangular (default: 1)
    sd: Positive | None = None  # normal: factor ~ N(1, sd) clipped at 0
    scope: Literal["cell", "column"] = "cell"

    @model_validator(mode="after")
    def _check(self) -> "Perturbation":
        if self.dist == "normal":
            if self.sd is None:
                raise ValueError("dist normal needs sd (the factor's standard deviation, e.g. 0.1)")
        else:
            if self.low is None or self.high is None:
                raise ValueError(f"dist {self.dist} needs low and high (factors, e.g. low: 0.7, high: 1.3)")
            peak = 1.0 if self.peak is None else self.peak
            if self.low > self.high or (self.dist == "triangular" and not self.low <= peak <= self.high):
                raise ValueError("need low <= high (and low <= peak <= high for triangular)")
        return self


class UncertaintyConfig(_Frozen):
    """What `planner montecarlo` perturbs, and its default sample count, seed and labels."""

    perturb: list[Perturbation] = Field(default_factory=list)
    samples: SampleCount = 200
    seed: Count = 0
    core: Fraction = 0.9
    exterior: Fraction = 0.1


class DiagnoseConfig(_Frozen):
    """How `planner diagnose` weighs relaxations: it minimises Σ weight·change/max(|bound|, 1).

    Keys of `weights` and entries of `keep` name a row (`limit_budget_musd`), an id (a
    resource, gap or option: `budget_musd`) or a row family (`limit`, `target`, `require` …);
    the most specific key wins, the default weight is 1. `keep` rows are never relaxed."""

    weights: dict[str, Positive] = Field(default_factory=dict)
    keep: list[str] = Field(default_factory=list)


class ScenarioConfig(_Frozen):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    inputs: str
    extends: str | None = None
    objective: ObjectiveConfig = ObjectiveConfig()
    limits: dict[str, Amount] = Field(default_factory=dict)
    rules: RulesConfig = RulesConfig()
    solver: SolverConfig = SolverConfig()
    uncertainty: UncertaintyConfig = UncertaintyConfig()
    diagnose: DiagnoseConfig = DiagnoseConfig()
    robust: RobustConfig | None = None
    replan: ReplanConfig | None = None
    rival: RivalConfig | None = None

    @field_validator("name")
    @classmethod
    def _not_a_path(cls, value: str) -> str:
        # The name becomes a folder under outputs/; '.' or '..' would write outside it.
        if set(value) == {"."}:
            raise ValueError("a name made only of dots would address a folder outside outputs/; use letters or digits")
        return value

    def to_plain(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as `X | None`, `list[X]`, `Annotated[X, ...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Valid field names of the model reached by following `loc` (minus its last part).

    List indices and dict keys along the way are skipped (`rules.groups.2.selct`)."""
    current: Any = model
    for part in loc[:-1]:
        fields = getattr(current, "model_fields", None)
        if not fields:
            return []
        if part not in fields:
            if isinstance(part, int) or part.startswith(("function-", "list[")):
                continue  # an index into a list of models
            return []
        current = _model_in(fields[part].annotation)
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def key_path(loc: tuple[int | str, ...]) -> str:
    """`('rules', 'excludes', 2, 'options')` → `rules.excludes[2].options`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_config(data: Any, file: str) -> ScenarioConfig:
    """Validate a merged scenario mapping; every problem is reported with its key path."""
    if not isinstance(data, dict):
        raise InputError(Problem(file=file, message=f"a scenario must be a YAML mapping, not {type(data).__name__}"))
    try:
        config = ScenarioConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = key_path(loc) or "(top level)"
            if err["type"] == "extra_forbidden":
                valid = _fields_at(ScenarioConfig, loc)
                close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                msg = f"unknown key{hint} Valid keys here: {', '.join(valid)}"
                problems.append(Problem(file=file, key=key, message=msg))
            else:
                problems.append(Problem(file=file, key=key, message=err["msg"], value=err.get("input")))
        raise InputError(problems) from None
    return resolve_incumbent(config)  # a run folder named as the incumbent: its selected ids


def input_digest(config: ScenarioConfig, tables_sha256: str) -> str:
    """input_sha256: the settings that decide a result (not where the inputs live, not the
    description, not solver threads) and the tables' bytes."""
    digest = hashlib.sha256()
    canonical = {k: v for k, v in config.to_plain().items() if k not in ("inputs", "extends", "description")}
    canonical["solver"] = {k: v for k, v in canonical.get("solver", {}).items() if k != "threads"}  # how, not what
    if canonical.get("rival") is None:  # no rival: the digest stays what it was before the section existed
        canonical.pop("rival", None)
    if canonical.get("replan"):  # the incumbent's ids decide, not the folder they were read from
        canonical["replan"] = {k: v for k, v in canonical["replan"].items() if k != "incumbent_from"}
    digest.update(json.dumps(canonical, sort_keys=True).encode())
    digest.update(tables_sha256.encode())
    return digest.hexdigest()
