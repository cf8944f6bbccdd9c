"""What every job kind shares: the `Outcome` a job returns, the `Kind` base model (the what-if
it runs on, how it says a result is partial, how the page draws it) and the limits on size.
The kinds themselves are in `planner.web.job_kinds` and `planner.web.analysis_kinds`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol

from pydantic import BaseModel, ConfigDict, Field

from planner.web.whatif import Setting, WhatIf

if TYPE_CHECKING:
    import pandas as pd

    from planner.inputs.scenario import Scenario

MAX_POINTS = 2000  # sweep points / Monte Carlo samples a job may ask for
Progress = Callable[[int, int | None], None]
Block = dict[str, Any]  # one block of a panel (planner.web.job_views documents them)


@dataclass
class Outcome:
    """What a job returns: its summary (JSON) and its tables (pandas frames by file name)."""

    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


Runner = Callable[[Progress], Outcome]  # (progress) -> the outcome, computed in memory


class HasTables(Protocol):
    """A library run's result: its summary and its tables."""

    @property
    def summary(self) -> dict[str, Any]: ...

    @property
    def tables(self) -> dict[str, pd.DataFrame]: ...


def frames(outcome: HasTables) -> Outcome:
    """A library run's outcome (its summary and tables) as a job's."""
    return Outcome(outcome.summary, dict(outcome.tables))


class Kind(BaseModel):
    """Common to every job: the what-if it runs on."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="the kind of job (each kind narrows it to its own name)")
    whatif: WhatIf = Field(default_factory=WhatIf, description="the what-if the job runs on (the page sends its own)")

    def settings(self) -> list[Setting]:
        return []

    def call(self, scenario: Scenario, root: Path) -> Runner:  # pragma: no cover - abstract
        raise NotImplementedError

    def partial(self, summary: dict[str, Any]) -> str | None:
        """Why this result is incomplete (said on the page as "partial"), or None."""
        if summary.get("exact") is False:
            return "some solves stopped at their time limit: their figures are not proven optimal"
        return None

    def view(self, outcome: Outcome, scenario: Scenario) -> list[Block]:
        from planner.web.job_views import tables_only

        return tables_only(outcome)
