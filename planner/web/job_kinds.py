"""The kinds of job the page can run, one pydantic model each: its fields are the API's (and the
page's form, built from the JSON schema `/api/jobs/schema` serves), its methods say how it runs.

Each kind is a thin adapter over a public library call:

| kind | library call |
|---|---|
| frontier | `planner.sensitivity.frontier.run_frontier` |
| tranches | `planner.sensitivity.tranches.run_tranches` (`planner frontier --tranches`) |
| sweep | `planner.sensitivity.sweep.run_sweep` |
| montecarlo | `planner.sensitivity.montecarlo.run_montecarlo` |
| alternatives | `planner.sensitivity.alternatives.run_alternatives` |
| robust | `planner.robust.robust` (as `planner robust`) |
| value | `planner.analysis.value.value_bounds` (as `planner value`) |
| rival | `planner.rival.rival` (as `planner rival`) |
| pareto | `planner.pareto.pareto` (as `planner pareto`) |

A kind's model has: `settings()` (extra typed setting edits, (dotted key, value) pairs, applied
to the what-if's Scenario after the page's),
`call(scenario, root)` → `call(progress)` → an `Outcome` (summary + tables, computed in memory),
`partial(summary)` (why the result is incomplete, or None) and `view(outcome, scenario)`
(the charts, facts and tables the page draws, `planner.web.job_views`). Adding a model to
`KIND_MODELS` adds the kind to the API, its schema and the page, with no change to the page's code.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.errors import InputError, Problem
from planner.inputs.config import Perturbation
from planner.web.analysis_kinds import Interval, Objective, ParetoJob, RivalJob, RobustJob, ValueJob
from planner.web.kind_base import MAX_POINTS, Block, Kind, Outcome, Progress, Runner, frames
from planner.web.whatif import confine_value

if TYPE_CHECKING:
    from planner.inputs.scenario import Scenario

__all__ = [
    "KIND_MODELS",
    "MAX_POINTS",
    "Interval",
    "Kind",
    "Objective",
    "Outcome",
    "ParetoJob",
    "Progress",
    "RivalJob",
    "RobustJob",
    "ValueJob",
    "kinds_schema",
]


class FrontierJob(Kind):
    model_config = ConfigDict(
        extra="forbid", title="Frontier", json_schema_extra={"x-run": "Run frontier", "x-order": 1}
    )
    __doc__ = "The objective against one limit, exactly: where each option enters or leaves."
    kind: Literal["frontier"]
    resource: str | None = Field(
        None, description="the limit to walk (default: the cost resource)", json_schema_extra={"x-choices": "resources"}
    )
    lo: float | None = Field(None, ge=0, title="From", description="lowest limit (default 0)")
    hi: float | None = Field(None, ge=0, title="To", description="highest limit (default: the scenario's)")
    max_solves: int | None = Field(
        None,
        ge=1,
        le=MAX_POINTS,
        title="Solves at most",
        description="empty: until the frontier is complete; a number stops after that many solves "
        "(the frontier then covers the top of the range only, and says so)",
    )

    def call(self, scenario: Scenario, root: Path) -> Runner:
        from planner.sensitivity.frontier import FrontierOptions, run_frontier

        resource = self.resource or scenario.cost_resource
        return lambda progress: frames(
            run_frontier(
                scenario,
                FrontierOptions(resource, self.lo, self.hi, max_solves=self.max_solves, progress=progress),
            )
        )

    def partial(self, summary: dict[str, Any]) -> str | None:
        if summary.get("complete") is False:
            return (
                f"stopped after {summary.get('solves')} solves: the frontier covers "
                f"{summary.get('covered_from'):,.6g}–{summary.get('to'):,.6g} only, not down to the lowest limit asked"
            )
        return super().partial(summary)

    def view(self, outcome: Outcome, scenario: Scenario) -> list[Block]:
        from planner.web.job_views import frontier

        return frontier(outcome, scenario, self)


class TranchesJob(Kind):
    model_config = ConfigDict(
        extra="forbid", title="Tranches", json_schema_extra={"x-run": "Plan the tranches", "x-order": 2}
    )
    __doc__ = "Nested plans for a budget that arrives in tranches: each plan contains the one before."
    kind: Literal["tranches"]
    resource: str | None = Field(
        None,
        description="the limit the tranches raise (default: the cost resource)",
        json_schema_extra={"x-choices": "resources"},
    )
    limits: list[float] = Field(
        min_length=1,
        max_length=20,
        title="Tranche limits",
        description="increasing limits, one per tranche",
        json_schema_extra={"examples": [[2000, 3000, 4800]]},
    )
    nested: Literal["joint", "greedy"] = Field(
        "joint",
        description=("joint: the best sum over the tranches (one MILP); greedy: each tranche fixed before the next"),
    )

    def call(self, scenario: Scenario, root: Path) -> Runner:
        from planner.sensitivity.tranches import TranchesOptions, run_tranches

        resource = self.resource or scenario.cost_resource
        return lambda progress: frames(
            run_tranches(scenario, TranchesOptions(resource, tuple(self.limits), self.nested, progress=progress))
        )

    def partial(self, summary: dict[str, Any]) -> str | None:
        return super().partial(summary)

    def view(self, outcome: Outcome, scenario: Scenario) -> list[Block]:
        from planner.web.job_views import tranches

        return tranches(outcome, scenario, self)


class Axis(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(max_length=200, description="a --set key, e.g. limits.budget_musd")
    values: list[float | str] = Field(max_length=MAX_POINTS, description="its values")


class SweepJob(Kind):
    model_config = ConfigDict(extra="forbid", title="Sweep", json_schema_extra={"x-run": "Run sweep", "x-order": 3})
    __doc__ = "Solve the what-if for each value of one key (or each combination of several)."
    kind: Literal["sweep"]
    vary: list[Axis] = Field(
        default_factory=list,
        max_length=4,
        title="Vary",
        description="the keys and their values",
        json_schema_extra={"examples": [[{"key": "limits.budget_musd", "values": [3000, 3500, 4000, 4500, 5000]}]]},
    )

    def call(self, scenario: Scenario, root: Path) -> Runner:
        from planner.sensitivity.grid import Vary
        from planner.sensitivity.sweep import SweepOptions, run_sweep

        if not self.vary:
            raise InputError(
                Problem(
                    file="request",
                    key="vary",
                    value=None,
                    message=('a sweep needs axes, e.g. [{"key": "limits.budget_musd", "values": [3000, 4000]}]'),
                )
            )
        axes = [Vary(a.key, tuple(confine_value(root, a.key, v) for v in a.values)) for a in self.vary]
        points = 1
        for a in axes:
            points *= max(len(a.values), 1)
        if points > MAX_POINTS:
            raise InputError(Problem(file="request", key="vary", value=points, message=f"at most {MAX_POINTS} points"))
        return lambda progress: frames(run_sweep(scenario, SweepOptions(axes, workers=1, progress=progress)))

    def view(self, outcome: Outcome, scenario: Scenario) -> list[Block]:
        from planner.web.job_views import sweep

        return sweep(outcome, scenario, self)


class MonteCarloJob(Kind):
    model_config = ConfigDict(
        extra="forbid", title="Monte Carlo", json_schema_extra={"x-run": "Run Monte Carlo", "x-order": 4}
    )
    __doc__ = "Draw uncertain inputs, re-solve each sample: which options are core, borderline or exterior."
    kind: Literal["montecarlo"]
    samples: int | None = Field(50, ge=1, le=MAX_POINTS, description="samples (each a re-solve)")
    seed: int | None = Field(0, ge=0, description="random seed")
    perturb: list[Perturbation] = Field(
        default_factory=list,
        max_length=20,
        title="Perturb",
        description=("inputs to perturb, as the scenario's uncertainty.perturb (empty: the scenario's own)"),
        json_schema_extra={
            "examples": [
                [
                    {
                        "table": "contributions",
                        "column": "amount",
                        "dist": "uniform",
                        "low": 0.8,
                        "high": 1.2,
                        "scope": "cell",
                    }
                ]
            ]
        },
    )

    def call(self, scenario: Scenario, root: Path) -> Runner:
        from planner.sensitivity.montecarlo import MonteCarloOptions, resolve_settings, run_montecarlo

        perturb = list(self.perturb)
        if not perturb and not scenario.config.uncertainty.perturb:
            raise InputError(
                Problem(
                    file="request",
                    key="perturb",
                    value=None,
                    message=(
                        "nothing to perturb: the scenario has no uncertainty.perturb; give perturb, e.g. "
                        '[{"table": "contributions", "column": "amount", "low": 0.8, "high": 1.2}]'
                    ),
                )
            )
        resolve_settings(
            scenario, self.samples, self.seed, perturb, None, None
        )  # a column that cannot be perturbed: now
        return lambda progress: frames(
            run_montecarlo(
                scenario,
                MonteCarloOptions(self.samples, self.seed, tuple(perturb), workers=1, progress=progress),
            )
        )

    def partial(self, summary: dict[str, Any]) -> str | None:
        counts = summary.get("status_counts") or {}
        unproven = {k: v for k, v in counts.items() if k != "optimal" and v}
        if unproven:
            return "not every sample was solved to optimality: " + ", ".join(f"{v} {k}" for k, v in unproven.items())
        return None

    def view(self, outcome: Outcome, scenario: Scenario) -> list[Block]:
        from planner.web.risk_views import montecarlo

        return montecarlo(outcome, scenario, self)


class AlternativesJob(Kind):
    model_config = ConfigDict(
        extra="forbid", title="Alternatives", json_schema_extra={"x-run": "Find alternatives", "x-order": 5}
    )
    __doc__ = "Other portfolios nearly as good as the optimum, as different from it as possible."
    kind: Literal["alternatives"]
    within: float = Field(
        0.05, ge=0, le=1, title="Within (share of the optimum)", description="how far below the optimum"
    )
    count: int = Field(3, ge=1, le=20, description="how many")

    def call(self, scenario: Scenario, root: Path) -> Runner:
        from planner.sensitivity.alternatives import AlternativesOptions, run_alternatives

        return lambda progress: frames(
            run_alternatives(scenario, AlternativesOptions(self.within, self.count, progress=progress))
        )

    def view(self, outcome: Outcome, scenario: Scenario) -> list[Block]:
        from planner.web.job_views import alternatives

        return alternatives(outcome, scenario, self)


KIND_MODELS: tuple[type[Kind], ...] = (
    FrontierJob,
    TranchesJob,
    SweepJob,
    MonteCarloJob,
    AlternativesJob,
    RobustJob,
    ValueJob,
    RivalJob,
    ParetoJob,
)


def _order(model: type[Kind]) -> int:
    """The kind's place among the page's tabs (its schema's `x-order`)."""
    extra = model.model_config.get("json_schema_extra")
    order = extra.get("x-order", 99) if isinstance(extra, dict) else 99
    return order if isinstance(order, int) else 99


def kinds_schema() -> list[dict[str, Any]]:
    """Each kind's JSON schema (pydantic's), in page order: what the page builds its forms from."""
    out = []
    for model in sorted(KIND_MODELS, key=_order):
        schema = model.model_json_schema()
        kind = schema["properties"]["kind"]["const"]
        out.append(
            {
                "kind": kind,
                "title": schema.get("title", kind),
                "description": (model.__doc__ or "").strip(),
                "schema": schema,
            }
        )
    return out
