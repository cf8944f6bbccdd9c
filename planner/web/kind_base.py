"""What every job kind shares: the `Outcome` a job returns, the `Kind` base model (the what-if
it runs on, how it says a result is partial, how the page draws it) and the limits on size.
The kinds themselves are in `planner.web.job_kinds` and `planner.web.analysis_kinds`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, ConfigDict, Field

from planner.web.whatif import Setting, WhatIf

MAX_POINTS = 2000  # sweep points / Monte Carlo samples a job may ask for
Progress = Callable[[int, int | None], None]


@dataclass
class Outcome:
    """What a job returns: its summary (JSON) and its tables (pandas frames by file name)."""

    summary: dict
    tables: dict = field(default_factory=dict)


def frames(outcome) -> Outcome:
    """A library run's outcome (its summary and tables) as a job's."""
    return Outcome(outcome.summary, dict(outcome.tables))


class Kind(BaseModel):
    """Common to every job: the what-if it runs on."""

    model_config = ConfigDict(extra="forbid")
    whatif: WhatIf = Field(default_factory=WhatIf, description="the what-if the job runs on (the page sends its own)")

    def settings(self) -> list[Setting]:
        return []

    def call(self, scenario, root: Path) -> Callable[[Progress], Outcome]:  # pragma: no cover - abstract
        raise NotImplementedError

    def partial(self, summary: dict) -> str | None:
        """Why this result is incomplete (said on the page as "partial"), or None."""
        if summary.get("exact") is False:
            return "some solves stopped at their time limit: their figures are not proven optimal"
        return None

    def view(self, outcome: Outcome, scenario) -> list[dict]:
        from planner.web.job_views import tables_only

        return tables_only(outcome)
