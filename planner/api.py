"""The Python API a notebook uses: load a scenario, solve it, get frames back.

>>> from planner import SolveOptions, load_scenario, solve
>>> result = solve(load_scenario("models/baseline.yaml", ["limits.budget_musd=2000"]), SolveOptions(mip_gap=0.01))
>>> result.portfolio.head()
>>> result.timings.solve          # seconds (planner.results.timings.Timings)

Solving imports PuLP and highspy, which `planner validate` and `planner --help` must not pay
for: `solve` imports the solver stack on first call (the one documented lazy import here).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.inputs.read import load_raw, with_solver_settings
from planner.inputs.scenario import Scenario
from planner.inputs.validate import validate
from planner.results.timings import Timings

if TYPE_CHECKING:
    from planner.results.result import Result

DEFAULT_SCENARIO = Path("models") / "baseline.yaml"


@dataclass(frozen=True)
class SolveOptions:
    """How to solve, beyond what the scenario says.

    `time_limit_s`, `mip_gap` and `backend` (None: the scenario's own) become the scenario's
    solver settings, so the Result's scenario (hence `write_run`'s scenario.json and
    input_sha256) records what was run, exactly as `planner solve --time-limit/--mip-gap/--solver`
    does. `write_model`: also write the model as an .lp or .mps file there. `clean_sheet`: a
    re-plan (`replan:`) is also solved without its `replan:` section, so the result states
    the price of stability (False skips that second solve)."""

    time_limit_s: float | None = None
    mip_gap: float | None = None
    backend: str | None = None
    write_model: str | Path | None = None
    clean_sheet: bool = True


def load_scenario(
    path: str | Path = DEFAULT_SCENARIO,
    overrides: list[str] | tuple[str, ...] = (),
    timings: dict[str, float] | None = None,
) -> Scenario:
    """Read and validate a scenario; raises InputError listing every problem. `timings`, if
    given, receives the seconds of "load" and "validate" (see `Timings`)."""
    t0 = time.perf_counter()
    raw = load_raw(path, overrides)
    t1 = time.perf_counter()
    scenario = validate(raw)
    if timings is not None:
        timings["load"] = t1 - t0
        timings["validate"] = time.perf_counter() - t1
    return scenario


def solve(scenario: Scenario, options: SolveOptions | None = None) -> Result:
    """Build and solve; non-optimal outcomes (infeasible, time limit) are results, not errors.

    The Result carries the seconds of each step (`result.timings`: build, compile, solve and,
    for a re-plan, clean_sheet)."""
    from planner.model.assemble import build  # the solver stack: loaded on first solve
    from planner.model.lpfile import write_model_file
    from planner.model.rules import active_rules
    from planner.results.result import make_result
    from planner.solver import solve_model

    opts = SolveOptions() if options is None else options
    scenario = with_solver_settings(
        scenario, time_limit_s=opts.time_limit_s, mip_gap=opts.mip_gap, backend=opts.backend
    )
    t0 = time.perf_counter()
    model = build(scenario)
    built = time.perf_counter() - t0
    if opts.write_model is not None:
        write_model_file(model, opts.write_model)
    outcome = solve_model(model)  # with the scenario's solver settings, now including the options
    timings = Timings(build=built, compile=outcome.prepare_seconds or None, solve=outcome.solve_seconds)
    result = make_result(scenario, outcome, timings, active_rules(scenario))
    if opts.clean_sheet and scenario.config.replan is not None:
        t0 = time.perf_counter()
        free = solve(
            scenario.with_config(scenario.config.model_copy(update={"replan": None})), SolveOptions(clean_sheet=False)
        )
        timings = dataclasses.replace(timings, clean_sheet=time.perf_counter() - t0)
        result = dataclasses.replace(result, timings=timings, clean_sheet=_clean_sheet(scenario, free))
    return result


def _clean_sheet(scenario: Scenario, free: Result) -> dict[str, Any]:
    """The plan without `replan:`: its status, objective and changes against the incumbent."""
    from planner.model.rules.replan import changes_of

    return {
        "status": free.status,
        "objective": None if free.objective is None else round(free.objective, 9),
        "selected": len(free.selected),
        "changes": changes_of(scenario, free.evaluation.x).counts() if free.evaluation is not None else None,
    }
