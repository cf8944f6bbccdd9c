"""The job kinds that analyse one plan against uncertainty, value and rivals: robust, value of
limits, rival and Pareto (the others are in `planner.web.job_kinds`, which lists them all in
`KIND_MODELS`). Each is a thin adapter over the public library call its CLI command uses."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.errors import InputError, Problem
from planner.report.words import value_words
from planner.web.kind_base import MAX_POINTS, Block, Kind, Outcome, Progress, Runner
from planner.web.whatif import Setting

if TYPE_CHECKING:
    from planner.inputs.scenario import Scenario
    from planner.robust.outcome import RobustReport


class Interval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=100, description="a sector id (or a gap id for gap weights)")
    low: float = Field(ge=0)
    high: float = Field(ge=0)


class RobustJob(Kind):
    model_config = ConfigDict(
        extra="forbid", title="Robust", json_schema_extra={"x-run": "Run robust analysis", "x-order": 6}
    )
    __doc__ = (
        "Portfolios that hold up when the weights are contested: maximin, minimax regret and the core index "
        "over the weight set (the scenario's robust: section, with the intervals and orders given here)."
    )
    kind: Literal["robust"]
    sector_weights: list[Interval] = Field(
        default_factory=list,
        max_length=50,
        title="Sector weight intervals",
        description="each replaces the scenario's robust.sector_weights for that sector",
        json_schema_extra={
            "examples": [[{"id": "ai", "low": 1.0, "high": 2.0}, {"id": "semis", "low": 1.2, "high": 1.8}]]
        },
    )
    gap_weights: list[Interval] = Field(
        default_factory=list,
        max_length=50,
        title="Gap weight intervals",
        description="each replaces the scenario's robust.gap_weights for that gap",
    )
    order: list[str] | None = Field(
        None,
        max_length=50,
        title="Orders",
        description='e.g. "semis >= ai" (given: replaces the scenario\'s robust.order)',
    )
    max_portfolios: int | None = Field(
        5,
        ge=1,
        le=MAX_POINTS,
        title="Portfolios at most",
        description="stop listing non-dominated portfolios here (each one more is a search over the weight set: "
        "on the baseline with two intervals, 5 take about half a minute, 50 many minutes)",
    )
    samples: int | None = Field(0, ge=0, le=MAX_POINTS, description="Monte Carlo draws from the weight set (0: none)")
    seed: int | None = Field(None, ge=0, description="random seed of the draws")

    def settings(self) -> list[Setting]:
        out: list[Setting] = [(f"robust.sector_weights.{i.id}", [i.low, i.high]) for i in self.sector_weights]
        out += [(f"robust.gap_weights.{i.id}", [i.low, i.high]) for i in self.gap_weights]
        if self.order is not None:
            out.append(("robust.order", list(self.order)))
        return out

    def call(self, scenario: Scenario, root: Path) -> Runner:
        from planner.robust import robust

        def run(progress: Progress) -> Outcome:
            report = robust(scenario, max_portfolios=self.max_portfolios, samples=self.samples, seed=self.seed)
            return robust_outcome(report)

        return run

    def partial(self, summary: dict[str, Any]) -> str | None:
        core = summary.get("core_index") or {}
        if summary.get("weights_matter") and core.get("complete") is False:
            return (
                f"the non-dominated portfolios were listed up to {core.get('portfolios')} "
                "(Portfolios at most): the core index may change with more"
            )
        return None

    def view(self, outcome: Outcome, scenario: Scenario) -> list[Block]:
        from planner.web.risk_views import robust

        return robust(outcome, scenario, self)


def robust_outcome(report: RobustReport) -> Outcome:
    import pandas as pd

    summary = {k: v for k, v in report.to_dict().items() if k not in ("options", "portfolios")}
    portfolios = [{k: v for k, v in p.items() if k != "vertex_values"} for p in report.portfolios]
    return Outcome(
        summary, {"robust_options.csv": pd.DataFrame(report.options), "robust_portfolios.csv": pd.DataFrame(portfolios)}
    )


class ValueJob(Kind):
    model_config = ConfigDict(
        extra="forbid", title="Value of limits", json_schema_extra={"x-run": "Price the limits", "x-order": 7}
    )
    __doc__ = "What one more unit of each limit buys (and one less costs), by exact re-solves."
    kind: Literal["value"]
    families: list[str] = Field(
        default_factory=lambda: ["limit"],
        max_length=20,
        title="Row families",
        description="limit, target, max_options, groups, … (empty: every bound)",
        json_schema_extra={"examples": [["limit"]]},
    )

    def call(self, scenario: Scenario, root: Path) -> Runner:
        from planner.analysis.value import value_bounds

        def run(progress: Progress) -> Outcome:
            import pandas as pd

            report = value_bounds(scenario, None, tuple(self.families) or None)
            data = report.to_dict()
            return Outcome(
                {k: v for k, v in data.items() if k != "bounds"}, {"value.csv": pd.DataFrame(data["bounds"])}
            )

        return run

    def view(self, outcome: Outcome, scenario: Scenario) -> list[Block]:
        from planner.web.risk_views import value

        return value(outcome, scenario, self)


class RivalJob(Kind):
    model_config = ConfigDict(
        extra="forbid", title="Rival", json_schema_extra={"x-run": "Plan against the rival", "x-order": 8}
    )
    __doc__ = (
        "Plan against a rival who pulls partners away (the scenario's rival: section): the nominal plan's "
        "worst case, the exact hedged plan, the price of hedging beside its gain, and a ladder of rival budgets."
    )
    kind: Literal["rival"]
    budget: float | None = Field(
        None,
        ge=0,
        le=1e12,
        title="Rival budget",
        description="what the rival can spend pulling partners away (empty: the scenario's)",
    )
    budgets: list[float] = Field(
        default_factory=list,
        max_length=20,
        title="Ladder of rival budgets",
        description="each rung re-plans against that budget",
        json_schema_extra={"examples": [[0, 1, 2, 3]]},
    )

    def settings(self) -> list[Setting]:
        # the form's budget is the scenario's rival.budget (a scenario without a rival: section gets one)
        return [] if self.budget is None else [("rival.budget", self.budget)]

    def call(self, scenario: Scenario, root: Path) -> Runner:
        from planner.rival import RivalOptions, rival

        if scenario.config.rival is None:
            raise InputError(
                Problem(
                    file="request",
                    key="budget",
                    value=None,
                    message="this scenario has no rival: section: enter a rival budget (what the rival can "
                    "spend pulling partners away), or pick a scenario with one such as models/rival.yaml",
                )
            )

        def run(progress: Progress) -> Outcome:
            import pandas as pd

            result = rival(scenario, RivalOptions(budget=self.budget, budgets=tuple(self.budgets)))
            data = result.to_dict()
            summary = {k: v for k, v in data.items() if k not in ("partners", "ladder")}
            return Outcome(
                summary,
                {
                    "rival_partners.csv": pd.DataFrame(data["partners"]),
                    "rival_ladder.csv": pd.DataFrame(data["ladder"]),
                },
            )

        return run

    def view(self, outcome: Outcome, scenario: Scenario) -> list[Block]:
        from planner.web.rival_views import rival

        return rival(outcome, scenario, self)


class Objective(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["coverage", "sector", "gap", "cost", "risk", "partners"] = Field(
        description="coverage, risk, partners; sector / gap / cost need an id"
    )
    id: str | None = Field(None, max_length=100, description="the sector, gap or resource id")


class ParetoJob(Kind):
    model_config = ConfigDict(
        extra="forbid", title="Pareto", json_schema_extra={"x-run": "Trace the trade-off", "x-order": 9}
    )
    __doc__ = (
        "Every non-dominated trade-off between two or three objectives (no weights), each point with its "
        "least-cost portfolio."
    )
    kind: Literal["pareto"]
    objectives: list[Objective] = Field(
        min_length=2,
        max_length=3,
        title="Objectives",
        json_schema_extra={"examples": [[{"kind": "coverage"}, {"kind": "risk"}]]},
    )
    max_points: int | None = Field(
        100, ge=1, le=MAX_POINTS, title="Points at most", description="stop here (the front is then partial)"
    )

    def call(self, scenario: Scenario, root: Path) -> Runner:
        from planner.pareto import ParetoOptions, pareto
        from planner.pareto.objectives import Kind as ObjectiveKind, ObjectiveSpec

        specs = tuple(ObjectiveSpec(ObjectiveKind(o.kind), o.id) for o in self.objectives)

        def run(progress: Progress) -> Outcome:
            import pandas as pd

            result = pareto(scenario, ParetoOptions(specs, self.max_points, None))
            data = result.to_dict()
            rows = [{**p["values"], "selected": p["selected"], "supported": p.get("supported")} for p in data["points"]]
            return Outcome({k: v for k, v in data.items() if k != "points"}, {"pareto.csv": pd.DataFrame(rows)})

        return run

    def partial(self, summary: dict[str, Any]) -> str | None:
        if summary.get("complete") is False:
            covered = summary.get("covered") or {}
            return (
                f"stopped at its point limit before the whole front was found: it covers the points where "
                f"{covered.get('objective')} is {value_words(covered.get('side'))} {covered.get('value')}"
            )
        return super().partial(summary)

    def view(self, outcome: Outcome, scenario: Scenario) -> list[Block]:
        from planner.web.rival_views import pareto

        return pareto(outcome, scenario, self)
