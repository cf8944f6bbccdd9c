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

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.errors import InputError, Problem
from planner.inputs.config import Perturbation
from planner.web.whatif import Setting, WhatIf, confine_value

MAX_POINTS = 2000  # sweep points / Monte Carlo samples a job may ask for
Progress = Callable[[int, int | None], None]


@dataclass
class Outcome:
    """What a job returns: its summary (JSON) and its tables (pandas frames by file name)."""

    summary: dict
    tables: dict = field(default_factory=dict)


def _frames(outcome) -> Outcome:
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
        60,
        ge=1,
        le=MAX_POINTS,
        title="Solves at most",
        description="stop after this many solves (the frontier then covers the top of the range only)",
    )

    def call(self, scenario, root):
        from planner.sensitivity.frontier import FrontierOptions, run_frontier

        resource = self.resource or scenario.cost_resource
        return lambda progress: _frames(
            run_frontier(
                scenario,
                FrontierOptions(resource, self.lo, self.hi, max_solves=self.max_solves, progress=progress),
            )
        )

    def partial(self, summary):
        if summary.get("complete") is False:
            return (
                f"stopped after {summary.get('solves')} solves: the frontier covers "
                f"{summary.get('covered_from'):,.6g}–{summary.get('to'):,.6g} only, not down to the lowest limit asked"
            )
        return super().partial(summary)

    def view(self, outcome, scenario):
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

    def call(self, scenario, root):
        from planner.sensitivity.tranches import TranchesOptions, run_tranches

        resource = self.resource or scenario.cost_resource
        return lambda progress: _frames(
            run_tranches(scenario, TranchesOptions(resource, tuple(self.limits), self.nested, progress=progress))
        )

    def partial(self, summary):
        return super().partial(summary)

    def view(self, outcome, scenario):
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

    def call(self, scenario, root):
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
        return lambda progress: _frames(run_sweep(scenario, SweepOptions(axes, workers=1, progress=progress)))

    def view(self, outcome, scenario):
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

    def call(self, scenario, root):
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
        return lambda progress: _frames(
            run_montecarlo(
                scenario,
                MonteCarloOptions(self.samples, self.seed, tuple(perturb), workers=1, progress=progress),
            )
        )

    def partial(self, summary):
        counts = summary.get("status_counts") or {}
        unproven = {k: v for k, v in counts.items() if k != "optimal" and v}
        if unproven:
            return "not every sample was solved to optimality: " + ", ".join(f"{v} {k}" for k, v in unproven.items())
        return None

    def view(self, outcome, scenario):
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

    def call(self, scenario, root):
        from planner.sensitivity.alternatives import AlternativesOptions, run_alternatives

        return lambda progress: _frames(
            run_alternatives(scenario, AlternativesOptions(self.within, self.count, progress=progress))
        )

    def view(self, outcome, scenario):
        from planner.web.job_views import alternatives

        return alternatives(outcome, scenario, self)


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
        50, ge=1, le=MAX_POINTS, title="Portfolios at most", description="stop listing non-dominated portfolios here"
    )
    samples: int | None = Field(0, ge=0, le=MAX_POINTS, description="Monte Carlo draws from the weight set (0: none)")
    seed: int | None = Field(None, ge=0, description="random seed of the draws")

    def settings(self) -> list[Setting]:
        out: list[Setting] = [(f"robust.sector_weights.{i.id}", [i.low, i.high]) for i in self.sector_weights]
        out += [(f"robust.gap_weights.{i.id}", [i.low, i.high]) for i in self.gap_weights]
        if self.order is not None:
            out.append(("robust.order", list(self.order)))
        return out

    def call(self, scenario, root):
        from planner.robust import robust

        def run(progress):
            report = robust(scenario, max_portfolios=self.max_portfolios, samples=self.samples, seed=self.seed)
            return robust_outcome(report)

        return run

    def partial(self, summary):
        core = summary.get("core_index") or {}
        if summary.get("weights_matter") and core.get("complete") is False:
            return (
                f"the non-dominated portfolios were listed up to {core.get('portfolios')} "
                "(Portfolios at most): the core index may change with more"
            )
        return None

    def view(self, outcome, scenario):
        from planner.web.risk_views import robust

        return robust(outcome, scenario, self)


def robust_outcome(report) -> Outcome:
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

    def call(self, scenario, root):
        from planner.analysis.value import value_bounds

        def run(progress):
            import pandas as pd

            report = value_bounds(scenario, None, tuple(self.families) or None)
            data = report.to_dict()
            return Outcome(
                {k: v for k, v in data.items() if k != "bounds"}, {"value.csv": pd.DataFrame(data["bounds"])}
            )

        return run

    def view(self, outcome, scenario):
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

    def call(self, scenario, root):
        from planner.rival import RivalOptions, rival

        def run(progress):
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

    def call(self, scenario, root):
        from planner.pareto import ParetoOptions, pareto
        from planner.pareto.objectives import Kind as ObjectiveKind, ObjectiveSpec

        specs = tuple(ObjectiveSpec(ObjectiveKind(o.kind), o.id) for o in self.objectives)

        def run(progress):
            import pandas as pd

            result = pareto(scenario, ParetoOptions(specs, self.max_points, None))
            data = result.to_dict()
            rows = [{**p["values"], "selected": p["selected"], "supported": p.get("supported")} for p in data["points"]]
            return Outcome({k: v for k, v in data.items() if k != "points"}, {"pareto.csv": pd.DataFrame(rows)})

        return run

    def partial(self, summary):
        if summary.get("complete") is False:
            return f"stopped before the whole front was found (covered: {summary.get('covered')})"
        return super().partial(summary)


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


def kinds_schema() -> list[dict[str, Any]]:
    """Each kind's JSON schema (pydantic's), in page order: what the page builds its forms from."""
    out = []
    for model in sorted(KIND_MODELS, key=lambda m: m.model_config.get("json_schema_extra", {}).get("x-order", 99)):
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
