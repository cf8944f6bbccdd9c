"""The scenario file's schema: frozen pydantic models that reject unknown keys."""
from __future__ import annotations

import difflib
import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .config_rules import RulesConfig  # the rules: section has its own module
from .errors import InputError, Problem


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ObjectiveConfig(_Frozen):
    sense: Literal["max_coverage", "min_cost"] = "max_coverage"
    cost_resource: str = "budget_musd"
    risk_penalty: float = Field(0.0, ge=0, allow_inf_nan=False)
    coverage_target: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)


class SolverConfig(_Frozen):
    backend: Literal["highs", "cbc"] = "highs"
    time_limit_s: float | None = Field(60.0, gt=0, allow_inf_nan=False)
    mip_gap: float = Field(0.0, ge=0, le=1, allow_inf_nan=False)
    threads: int | None = Field(None, ge=1)
    tie_break: bool = True  # lexicographic second stage: least cost_resource among optima



class ScenarioConfig(_Frozen):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    inputs: str
    extends: str | None = None
    objective: ObjectiveConfig = ObjectiveConfig()
    limits: dict[str, float] = Field(default_factory=dict)
    rules: RulesConfig = RulesConfig()
    solver: SolverConfig = SolverConfig()

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


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
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


def key_path(loc: tuple) -> str:
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
        return ScenarioConfig.model_validate(data)
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
