"""The `replan:` section of a scenario: re-planning from an incumbent portfolio.

The math lives in `planner.model.rules.replan`. `incumbent` is a list of option ids, or a
path to a run folder (or its portfolio.csv) whose selected ids are the incumbent; the path
is read when the scenario is loaded (`resolve_incumbent`), so the validated scenario (and a
run's scenario.json) holds the ids and `incumbent_from` says where they came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from planner.errors import InputError, Problem
from planner.inputs.config_numbers import Count, number_or_text
from planner.io.runs import read_csv

KEY = "replan"


def _ids_or_path(value: Any) -> Any:
    """A list of ids stays a list; one string is a path (a run folder or a portfolio.csv)."""
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return value


DropCost = Annotated[float | str, number_or_text(0)]  # a number ≥ 0 per option, or the name of an options column


class ReplanConfig(BaseModel):
    """Re-plan against `incumbent`: at most `max_changes` options dropped + added, at most
    `max_dropped` dropped, `max_added` added; each dropped incumbent uses `drop_cost[r]` of
    resource r (a number per option, or the name of an options column), counted against `limits.r`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    incumbent: Annotated[list[str] | str, BeforeValidator(_ids_or_path)]
    max_changes: Count | None = None
    max_dropped: Count | None = None
    max_added: Count | None = None
    drop_cost: dict[str, DropCost] = Field(default_factory=dict)
    incumbent_from: str | None = None  # the run folder or portfolio.csv the ids were read from

    @property
    def ids(self) -> list[str]:
        """The incumbent's option ids (after `resolve_incumbent`, always a list)."""
        return list(self.incumbent) if isinstance(self.incumbent, list) else []


def portfolio_ids(path: Path) -> list[str]:
    """The option ids of a run folder's portfolio.csv (or of that file itself)."""
    file = path / "portfolio.csv" if path.is_dir() else path
    if path.is_dir() and not file.is_file():
        raise InputError(
            Problem(
                file=str(path),
                key=f"{KEY}.incumbent",
                value=str(path),
                message="not a run folder: it holds no portfolio.csv; give a folder written by "
                "`planner solve --out`, its portfolio.csv, or a list of option ids",
            )
        )
    if not file.is_file():
        raise InputError(
            Problem(
                file=str(file),
                key=f"{KEY}.incumbent",
                value=str(path),
                message="no such run folder or portfolio.csv; give a folder written by "
                "`planner solve --out`, its portfolio.csv, or a list of option ids",
            )
        )
    table = read_csv(file)
    if "option_id" not in table.header:
        raise InputError(
            Problem(
                file=str(file),
                key=f"{KEY}.incumbent",
                column="option_id",
                message="not a portfolio table: it has no option_id column",
            )
        )
    return [row["option_id"] for row in table.rows if row.get("option_id")]


Config = TypeVar("Config", bound=BaseModel)  # a ScenarioConfig (planner.inputs.config imports this module)


def resolve_incumbent(config: Config, base: Path | None = None) -> Config:
    """The config with `replan.incumbent` as ids: a path (relative to `base`, else the working
    folder) is read as a run folder or portfolio.csv; `incumbent_from` records it."""
    rule = getattr(config, KEY, None)
    if rule is None or not isinstance(rule.incumbent, str):
        return config
    path = Path(rule.incumbent)
    if base is not None and not path.is_absolute():
        path = base / path
    ids = portfolio_ids(path)
    new = rule.model_copy(update={"incumbent": ids, "incumbent_from": str(path.absolute())})
    return config.model_copy(update={KEY: new})
