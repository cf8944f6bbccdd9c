"""A run's result as plain data and pandas frames."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner import __version__
from planner.inputs.scenario import Scenario
from planner.model.rules import forced_by
from planner.model.rules.coverage import n1_coverage, resilience_gaps
from planner.model.rules.replan import change_table, changes_of, drop_use
from planner.results.evaluation import Evaluation, evaluate
from planner.results.timings import Timings
from planner.solver.outcome import reported_gap

if TYPE_CHECKING:
    from planner.solver.outcome import SolveOutcome, Stage, Status

ROUND = 9  # decimals written to outputs; figures recompute to this precision


@dataclass(frozen=True, eq=False)
class Result:
    scenario: Scenario
    status: Status
    objective: float | None  # recomputed from the portfolio and the inputs
    bound: float | None
    mip_gap: float | None
    selected: tuple[str, ...]
    solve_seconds: float
    backend: str
    message: str
    timings: Timings
    evaluation: Evaluation | None
    rules_active: tuple[str, ...] = ()
    stages: list[Stage] = field(default_factory=list)
    race: dict[str, Any] | None = None  # --solver auto: which solver won, each one's status and seconds
    clean_sheet: dict[str, Any] | None = None  # a re-plan: the plan without `replan:` (objective, status, changes)

    @property
    def has_portfolio(self) -> bool:
        return self.evaluation is not None

    @property
    def portfolio(self) -> pd.DataFrame:
        """One row per selected option: ids, partner and sector names, resource uses, extra columns."""
        sc, ev = self.scenario, self.evaluation
        # No portfolio: zero rows under the same header, so readers of portfolio.csv need no special case.
        x = ev.x if ev is not None else np.zeros(len(sc.options), dtype=np.int8)
        chosen = x.astype(bool)
        opts = sc.options[chosen]
        phased = sc.config.rules.phasing is not None
        first = [
            "option_id",
            "partner_id",
            "partner_name",
            "sector_id",
            "sector_name",
            "kind",
            *(["start_year"] if phased else []),
            "name",
            *sc.resources,
            "risk",
        ]
        frame = opts.reset_index(drop=True).copy()
        frame["partner_name"] = frame["partner_id"].map(sc.partners["name"].to_dict())
        frame["sector_name"] = frame["sector_id"].map(sc.sectors["name"].to_dict())
        if phased:
            frame["start_year"] = ev.start_year[chosen] if ev is not None and ev.start_year is not None else []
        # which rules force each option in (require, requires[i], groups[name]); '' if none
        frame["forced_by"] = np.array(forced_by(sc, x), dtype=object)[chosen]
        rest = [c for c in frame.columns if c not in first and c != "forced_by"]
        out: pd.DataFrame = frame[first + rest + ["forced_by"]].round({r: ROUND for r in (*sc.resources, "risk")})
        return out

    @property
    def coverage(self) -> pd.DataFrame:
        """One row per gap: gap_id, sector_id, size, covered, fraction, target (and name, weight)."""
        sc, ev = self.scenario, self.evaluation
        g = sc.gaps
        covered = ev.covered if ev is not None else np.full(len(g), np.nan)
        target = sc.gap_targets()
        size = g["size"].to_numpy(dtype=float)
        frame = pd.DataFrame(
            {
                "gap_id": g.index,
                "sector_id": g["sector_id"].to_numpy(),
                "name": g["name"].to_numpy(),
                "size": size,
                "covered": np.round(covered, ROUND),
                "fraction": np.round(covered / size, ROUND),
                "target": [t if t > 0 else None for t in target.tolist()],
                # the gaps table's weight, and the weight the objective used (× sector weight, after overrides)
                "weight": g["weight"].to_numpy(dtype=float),
                "objective_weight": np.round(sc.gap_weights(), ROUND),
                "critical": g["critical"].to_numpy(dtype=bool),
            }
        )
        if sc.config.rules.resilience is not None:
            # N-1: the worst coverage of each gap if any one partner's options are all lost
            worst: list[str | None]
            if ev is not None:
                n1, worst, _ = n1_coverage(sc, ev.x)
            else:
                n1, worst = np.full(len(g), np.nan), [None] * len(g)
            frame["n1_covered"] = np.round(n1, ROUND)
            frame["n1_fraction"] = np.round(n1 / size, ROUND)
            frame["n1_worst_partner"] = worst
            frame["n1_protected"] = g.index.isin(resilience_gaps(sc))
        return frame

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        sc, ev = self.scenario, self.evaluation
        out = {}
        for r in sc.resources:
            used = round(ev.resource_use[r], ROUND) if ev is not None else None
            out[r] = {"used": used, "limit": sc.config.limits.get(r)}
        return out

    @property
    def resources_by_year(self) -> pd.DataFrame:
        """Phasing: one row per (year, resource): spending that year and the per-year limit."""
        phasing, ev = self.scenario.config.rules.phasing, self.evaluation
        cols = ["year", "resource", "used", "limit"]
        if phasing is None or ev is None or ev.use_by_year is None:
            return pd.DataFrame(columns=cols)
        rows = [
            (y, r, round(float(used[t]), ROUND), phasing.per_year.get(r))
            for r, used in ev.use_by_year.items()
            for t, y in enumerate(phasing.years)
        ]
        return pd.DataFrame(rows, columns=cols).sort_values(["year", "resource"], kind="stable").reset_index(drop=True)

    @property
    def changes(self) -> pd.DataFrame | None:
        """A re-plan: each incumbent and each selected option, kept / dropped / added, with what its
        change uses (`planner.model.rules.replan.change_table`); None without `replan:`."""
        if self.scenario.config.replan is None:
            return None
        table: pd.DataFrame = change_table(self.scenario, None if self.evaluation is None else self.evaluation.x)
        return table

    def replan(self) -> dict[str, Any] | None:
        """A re-plan's figures: the limits, the change counts, what dropping used, and the price of
        stability (the clean-sheet plan's objective and changes beside this one's)."""
        rule = self.scenario.config.replan
        if rule is None:
            return None
        out: dict[str, Any] = {
            "incumbent": len(rule.ids),
            "incumbent_from": rule.incumbent_from,
            "max_changes": rule.max_changes,
            "max_dropped": rule.max_dropped,
            "max_added": rule.max_added,
        }
        if self.evaluation is not None:
            out["drop_use"] = {r: round(v, ROUND) for r, v in drop_use(self.scenario, self.evaluation.x).items()}
        if self.clean_sheet is not None:
            clean = dict(self.clean_sheet)
            if self.objective is not None and clean.get("objective") is not None:
                sign = 1.0 if self.scenario.config.objective.sense == "max_coverage" else -1.0
                clean["price_of_stability"] = round(sign * (clean["objective"] - self.objective), ROUND)
            out["clean_sheet"] = clean
        return out

    def resilience(self) -> dict[str, Any] | None:
        """N-1 summary: the partner whose loss costs the most weighted coverage of the protected gaps."""
        rule = self.scenario.config.rules.resilience
        if rule is None or self.evaluation is None:
            return None
        _, _, loss = n1_coverage(self.scenario, self.evaluation.x)
        worst = max(loss, key=lambda p: loss[p], default=None)  # first partner wins ties
        return {
            "fraction": rule.fraction,
            "worst_partner": worst,
            "worst_partner_loss": None if worst is None else round(loss[worst], ROUND),
            "loss_by_partner": {p: round(v, ROUND) for p, v in loss.items()},
        }

    def sector_coverage(self) -> pd.DataFrame:
        """Per sector: size-weighted covered fraction and the number of selected options."""
        cov = self.coverage
        grouped = cov.groupby("sector_id", sort=False)[["size", "covered"]].sum()
        grouped["fraction"] = grouped["covered"] / grouped["size"]
        counts: pd.Series[int] | dict[str, int] = (
            self.portfolio.groupby("sector_id").size() if self.has_portfolio else {}
        )
        grouped["options"] = [int(counts.get(s, 0)) for s in grouped.index]
        names = self.scenario.sectors["name"].to_dict()
        grouped.insert(0, "name", [names.get(s, s) for s in grouped.index])
        return grouped

    def summary(self) -> dict[str, Any]:
        sc = self.scenario
        return {
            "scenario": sc.name,
            "status": self.status,
            "objective": None if self.objective is None else round(self.objective, ROUND),
            "bound": None if self.bound is None else round(self.bound, ROUND),
            "mip_gap": self.mip_gap,
            "sense": sc.config.objective.sense,
            "selected": len(self.selected),
            "selected_ids": list(self.selected),
            "resources": self.resources,
            "solve_seconds": round(self.solve_seconds, 4),
            "timings_seconds": {k: round(v, 4) for k, v in self.timings.to_dict().items()},
            "stages": [st.to_dict() for st in self.stages],
            "backend": self.backend,
            **({"auto": self.race} if self.race else {}),
            "message": self.message,
            "rules_active": list(self.rules_active),
            **({"resilience": self.resilience()} if sc.config.rules.resilience is not None else {}),
            **({"changes": self.change_counts(), "replan": self.replan()} if sc.config.replan is not None else {}),
            "input_sha256": sc.input_sha256,
            **(
                {"tables_sha256": sc.tables_sha256} if sc.tables_sha256 else {}
            ),  # so check can tell tables from settings
            "planner_version": __version__,
        }

    def change_counts(self) -> dict[str, int] | None:
        """A re-plan: {kept, dropped, added, total} (None without a portfolio)."""
        if self.evaluation is None:
            return None
        counts: dict[str, int] = changes_of(self.scenario, self.evaluation.x).counts()
        return counts


def make_result(
    scenario: Scenario, outcome: SolveOutcome, timings: Timings, rules_active: Iterable[str] = ()
) -> Result:
    evaluation = evaluate(scenario, outcome.x, outcome.start_year) if outcome.x is not None else None
    selected = tuple(scenario.options.index[evaluation.x.astype(bool)]) if evaluation else ()
    return Result(
        scenario=scenario,
        status=outcome.status,
        objective=None if evaluation is None else evaluation.objective,
        bound=outcome.bound,
        mip_gap=reported_gap(outcome, None if evaluation is None else evaluation.objective),
        selected=selected,
        solve_seconds=outcome.solve_seconds,
        backend=outcome.backend,
        message=outcome.message,
        timings=timings,
        evaluation=evaluation,
        rules_active=tuple(rules_active),
        stages=outcome.stages,
        race=outcome.race,
    )
