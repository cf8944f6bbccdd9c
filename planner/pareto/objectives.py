"""The objectives a Pareto front trades off, each read from the model's one definition.

An `ObjectiveSpec` is typed data (the CLI alone parses `sector:ai`). `resolve` turns specs
into `Objective`s over one compiled model, each with its two faces:

- the numpy face: `value(x, start)`, the figure of a portfolio;
- the MILP face: `vector`, its coefficients on the compiled model's columns, so that
  vector·v equals value(x) at the numpy face's column values v (and is at most value(x)
  at any other feasible v of the same portfolio, for a maximised objective; at least,
  for a minimised one — the auxiliary columns sit below or above what they stand for).

Both faces come from the scenario's own objective, evaluated on a *variant* of the
scenario (the way `planner.robust.weights` reads weight factors): `coverage` is the
max-coverage objective itself; `sector:<s>` / `gap:<g>` the same objective with every other
gap's weight 0 (`objective.gap_weights`), no risk penalty and no standards bonus;
`cost:<r>` the min-cost objective with cost_resource r; `risk` −1 × the max-coverage
objective with every weight 0 and risk_penalty 1, i.e. Σ_o risk[o]·x[o]; `partners` the
engagement indicators of `planner.model.engaged`. No formula is written here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from math import gcd, lcm
from typing import Any

import numpy as np

from planner.errors import InputError, PlannerError, Problem
from planner.inputs.scenario import Scenario
from planner.model.assemble import build
from planner.model.compile import Compiled, compile_model
from planner.model.engaged import FAMILY, add_engaged, partners_engaged
from planner.model.faces import State
from planner.results.evaluation import evaluate

# An objective's numpy face: (x, start years) -> its value
ValueFn = Callable[[np.ndarray, np.ndarray | None], float]


class Kind(StrEnum):
    COVERAGE = "coverage"
    SECTOR = "sector"
    GAP = "gap"
    COST = "cost"
    RISK = "risk"
    PARTNERS = "partners"
    WORST_CASE = "worst_case"  # rival-aware value: needs issue 20's rival section, not built yet


class Sense(StrEnum):
    MAX = "max"
    MIN = "min"


SENSE = {
    Kind.COVERAGE: Sense.MAX,
    Kind.SECTOR: Sense.MAX,
    Kind.GAP: Sense.MAX,
    Kind.COST: Sense.MIN,
    Kind.RISK: Sense.MIN,
    Kind.PARTNERS: Sense.MIN,
    Kind.WORST_CASE: Sense.MAX,
}
NEEDS_ID = {Kind.SECTOR, Kind.GAP, Kind.COST}
SUPPORTED = (Kind.COVERAGE, Kind.SECTOR, Kind.GAP, Kind.COST, Kind.RISK, Kind.PARTNERS)
VALID_TEXT = "coverage, sector:<sector_id>, gap:<gap_id>, cost:<resource>, risk, partners"


@dataclass(frozen=True)
class ObjectiveSpec:
    """One objective: its kind and, for sector/gap/cost, the id it is about."""

    kind: Kind
    ident: str | None = None

    @property
    def label(self) -> str:
        return self.kind.value if self.ident is None else f"{self.kind.value}:{self.ident}"

    @property
    def sense(self) -> Sense:
        return SENSE[self.kind]

    def to_dict(self) -> dict[str, str | None]:
        return {"label": self.label, "kind": self.kind.value, "id": self.ident, "sense": self.sense.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ObjectiveSpec:
        """The spec `to_dict` wrote (from its `kind` and `id` fields; ValueError for an unknown kind)."""
        return cls(Kind(data["kind"]), data.get("id"))


@dataclass
class Objective:
    """A resolved objective: its spec, its MILP face (`vector`, user sense) and numpy face (`value`)."""

    spec: ObjectiveSpec
    vector: np.ndarray  # per compiled column; the objective = vector·v (user sense)
    value: ValueFn  # (x, start index) -> figure
    resolution: Fraction  # every achievable value is a whole multiple of it
    resolution_exact: bool  # False: the data's resolution is below what the solver can tell apart

    @property
    def sign(self) -> float:
        """+1 for a maximised objective, −1 for a minimised one (h = sign·f is maximised)."""
        return 1.0 if self.spec.sense is Sense.MAX else -1.0


def check_specs(scenario: Scenario, specs: list[ObjectiveSpec]) -> None:
    """InputError naming each bad objective and what is valid."""
    problems = []
    key = "--objectives"
    if not 2 <= len(specs) <= 3:
        problems.append(
            Problem(
                file=key,
                value=",".join(s.label for s in specs),
                message="give two or three objectives, e.g. coverage,risk",
            )
        )
    if len({s.label for s in specs}) != len(specs):
        problems.append(
            Problem(file=key, value=",".join(s.label for s in specs), message="an objective is named twice")
        )
    known = {
        Kind.SECTOR: (scenario.sectors.index.tolist(), "sectors"),
        Kind.GAP: (scenario.gap_ids(), "gaps"),
        Kind.COST: (list(scenario.resources), "resources"),
    }
    for spec in specs:
        if spec.kind is Kind.WORST_CASE:
            problems.append(
                Problem(
                    file=key,
                    value=spec.label,
                    message="worst_case (rival-aware) is not available yet: "
                    "it needs the scenario's rival: section (issue 20); valid: " + VALID_TEXT,
                )
            )
        elif spec.kind in NEEDS_ID:
            ids, what = known[spec.kind]
            if spec.ident not in ids:
                problems.append(
                    Problem(
                        file=key,
                        value=spec.label,
                        message=f"unknown {spec.kind.value} id; valid {what}: {', '.join(map(str, ids))}",
                    )
                )
        elif spec.ident is not None:
            problems.append(
                Problem(file=key, value=spec.label, message=f"{spec.kind.value} takes no id; valid: {VALID_TEXT}")
            )
    if problems:
        raise InputError(problems)


def base_scenario(scenario: Scenario) -> Scenario:
    """The scenario under the max-coverage objective (same rows: only the objective differs)."""
    obj = scenario.config.objective
    if obj.sense == "max_coverage":
        return scenario
    return _with_objective(scenario, sense="max_coverage")


def _with_objective(scenario: Scenario, rules: dict[str, Any] | None = None, **objective: Any) -> Scenario:
    cfg = scenario.config
    update: dict[str, object] = {"objective": cfg.objective.model_copy(update=objective)}
    if rules is not None:
        update["rules"] = cfg.rules.model_copy(update=rules)
    return scenario.with_config(cfg.model_copy(update=update))


def variant(scenario: Scenario, spec: ObjectiveSpec) -> Scenario:
    """The scenario whose own objective is `spec` (up to sign for risk); see the module doc."""
    base = base_scenario(scenario)
    if spec.kind is Kind.COVERAGE:
        return base
    if spec.kind is Kind.COST:
        return _with_objective(base, sense="min_cost", cost_resource=spec.ident)
    gaps = base.gap_ids()
    if spec.kind is Kind.SECTOR:
        keep = {g for g, s in zip(gaps, base.gaps["sector_id"].tolist()) if s == spec.ident}
    elif spec.kind is Kind.GAP:
        keep = set() if spec.ident is None else {spec.ident}
    else:  # RISK: no gap is worth anything, risk costs 1 per unit
        keep = set()
    weights = dict(base.config.objective.gap_weights)
    weights.update({g: 0.0 for g in gaps if g not in keep})
    return _with_objective(
        base, rules={"standards_bonus": []}, gap_weights=weights, risk_penalty=1.0 if spec.kind is Kind.RISK else 0.0
    )


# ---------------------------------------------------------------- resolution of the values

MAX_DENOMINATOR = 10**6
SOLVER_RESOLUTION = 1e-7  # relative to an objective's scale: below this, solver tolerances blur values


def as_fraction(value: float) -> Fraction | None:
    """The rational a float stands for (denominator ≤ 10^6), None when none is that close."""
    f = Fraction(value).limit_denominator(MAX_DENOMINATOR)
    return f if abs(float(f) - value) <= 1e-12 * max(1.0, abs(value)) else None


def fraction_gcd(values: Iterable[float]) -> Fraction | None:
    """The largest rational of which every value is a whole multiple (None if one is not rational)."""
    fracs = []
    for v in set(abs(float(v)) for v in values if v != 0):
        f = as_fraction(v)
        if f is None:
            return None
        fracs.append(f)
    if not fracs:
        return Fraction(1)
    den = lcm(*(f.denominator for f in fracs))
    return Fraction(gcd(*(f.numerator * (den // f.denominator) for f in fracs)), den)


def _finite(a: np.ndarray) -> np.ndarray:
    return np.asarray(a[np.isfinite(a)])


def model_quantum(comp: Compiled) -> Fraction | None:
    """Q: a rational dividing 1, every matrix value and every finite column bound.

    Every column's value at the numpy face is a whole multiple of Q: x and indicators are 0/1,
    cover[g] = min(size, Σ a·x) with size a column bound and a a matrix value, a diminishing-
    returns segment's fill = min(max(cover − Σ earlier widths, 0), width) with widths column
    bounds; so an objective Σ_k c_k·v_k takes only whole multiples of Q·gcd_k(c_k). Row bounds
    (limits, targets) decide which portfolios are feasible, not what a column is worth."""
    return fraction_gcd(
        [
            1.0,
            *np.unique(np.abs(comp.value)).tolist(),
            *np.unique(_finite(comp.col_upper)).tolist(),
            *np.unique(_finite(comp.col_lower)).tolist(),
        ]
    )


def resolution(vector: np.ndarray, comp: Compiled, quantum: Fraction | None) -> tuple[Fraction, bool]:
    """(δ, exact): values of vector·v lie on δ·ℤ; exact False when δ had to be raised to what the
    solver can resolve (SOLVER_RESOLUTION × the objective's scale), or the data is not rational."""
    coef = vector[vector != 0]
    upper = np.where(np.isfinite(comp.col_upper), np.abs(comp.col_upper), 1.0)[vector != 0]
    scale = max(1.0, float(np.abs(coef) @ upper))
    floor = Fraction(SOLVER_RESOLUTION * scale).limit_denominator(10**12)
    step = fraction_gcd(coef.tolist())
    if step is None or quantum is None:
        return floor, False
    delta = step * quantum
    return (delta, True) if delta >= floor else (floor, False)


# ---------------------------------------------------------------- both faces over one model


@dataclass
class Setup:
    """The model a front is computed on (the scenario under max coverage, plus engagement
    indicators when `partners` is an objective) and the objectives over its columns."""

    scenario: Scenario  # as given (its own objective may be min_cost)
    base: Scenario  # the scenario under max coverage: the rows every front point satisfies
    comp: Compiled
    objectives: list[Objective]


def resolve(scenario: Scenario, specs: list[ObjectiveSpec]) -> Setup:
    """Build the model once and read every objective's two faces from the model's definition."""
    check_specs(scenario, specs)
    base = base_scenario(scenario)
    model = build(base)
    if any(s.kind is Kind.PARTNERS for s in specs):
        add_engaged(model)
    comp = compile_model(model)
    quantum = model_quantum(comp)
    objectives = []
    for spec in specs:
        if spec.kind is Kind.PARTNERS:
            vector = np.array([1.0 if key[0] == FAMILY else 0.0 for key in comp.col_keys])
            value = _partners_value(base)
        else:
            vector, value = _variant_faces(scenario, spec, comp)
        delta, exact = resolution(vector, comp, quantum)
        objectives.append(Objective(spec, vector, value, delta, exact))
    return Setup(scenario, base, comp, objectives)


def _partners_value(base: Scenario) -> ValueFn:
    def value(x: np.ndarray, start: np.ndarray | None = None) -> float:
        return float(partners_engaged(State.of(base, x)))

    return value


def _variant_faces(scenario: Scenario, spec: ObjectiveSpec, comp: Compiled) -> tuple[np.ndarray, ValueFn]:
    """(vector on `comp`'s columns, numpy value) of the variant scenario's own objective."""
    sv = variant(scenario, spec)
    own = compile_model(build(sv))
    user = -own.primary if own.maximize else own.primary
    sign = -1.0 if spec.kind is Kind.RISK else 1.0  # risk = −(objective with only the risk penalty, at 1)
    where = {name: i for i, name in enumerate(comp.col_names)}
    vector = np.zeros(len(comp.col_names))
    for name, c in zip(own.col_names, user.tolist()):
        if c == 0:
            continue
        if name not in where:
            raise PlannerError(
                f"objective {spec.label}: its column {name} is not in the model; "
                "the objective's variant changed the model's columns"
            )
        vector[where[name]] = sign * c

    return vector, numpy_value(scenario, spec)


def numpy_value(scenario: Scenario, spec: ObjectiveSpec) -> ValueFn:
    """The objective's numpy face alone: (x, start years) → its value (no model is built)."""
    if spec.kind is Kind.PARTNERS:
        return _partners_value(base_scenario(scenario))
    sv = variant(scenario, spec)
    sign = -1.0 if spec.kind is Kind.RISK else 1.0
    phasing = sv.config.rules.phasing is not None

    def value(x: np.ndarray, start: np.ndarray | None = None) -> float:
        return sign * evaluate(sv, x, start if phasing else None).objective

    return value
