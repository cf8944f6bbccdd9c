"""Small generated scenarios for the sensitivity tests (written as real CSV + YAML files)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import yaml


def write_scenario(
    folder: Path,
    seed: int,
    n_options: int = 8,
    n_gaps: int = 4,
    *,
    sense: str = "max_coverage",
    budget: float | None = None,
    extra: dict | None = None,
    name: str = "gen",
) -> Path:
    """A random scenario: two sectors, three partners, integer data so optima are exact."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"{name}-data"
    data.mkdir(exist_ok=True)
    (data / "partners.csv").write_text("partner_id,name,risk\np1,One,0.1\np2,Two,0.3\np3,Three,0.5\n")
    (data / "sectors.csv").write_text("sector_id,name,weight\ns1,First,1\ns2,Second,2\n")
    gaps = ["gap_id,sector_id,name,size,weight"]
    for g in range(n_gaps):
        gaps.append(f"g{g},s{1 + g % 2},Gap {g},{int(rng.integers(5, 20))},{int(rng.integers(1, 4))}")
    (data / "gaps.csv").write_text("\n".join(gaps) + "\n")
    opts = ["option_id,partner_id,sector_id,kind,budget_musd,diplomatic_capacity"]
    contribs = ["option_id,gap_id,amount"]
    for o in range(n_options):
        opts.append(f"o{o},p{1 + o % 3},s{1 + o % 2},joint-rd,{int(rng.integers(1, 10))},{int(rng.integers(1, 3))}")
        for g in rng.choice(n_gaps, size=int(rng.integers(1, 3)), replace=False):
            contribs.append(f"o{o},g{g},{int(rng.integers(1, 12))}")
    (data / "options.csv").write_text("\n".join(opts) + "\n")
    (data / "contributions.csv").write_text("\n".join(contribs) + "\n")
    cfg = {
        "name": name,
        "inputs": f"{name}-data",
        "objective": {"sense": sense, "cost_resource": "budget_musd"},
        "limits": {
            "budget_musd": budget if budget is not None else 4 * n_options // 2,
            "diplomatic_capacity": n_options,
        },
    }
    if sense == "min_cost":
        cfg["objective"]["coverage_target"] = 0.3
        cfg["limits"] = {"diplomatic_capacity": n_options}
    for key, value in (extra or {}).items():
        cfg[key] = value
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def brute_force(scenario) -> tuple[float | None, list[tuple[str, ...]]]:
    """Optimal objective and every optimal portfolio, by enumerating all subsets (≤ 12 options)."""
    ids, X, ok, value = feasible_subsets(scenario)
    obj = scenario.config.objective
    if not ok.any():
        return None, []
    best = value[ok].max()
    winners = [tuple(o for o, v in zip(ids, X[k]) if v) for k in np.flatnonzero(ok & (value >= best - 1e-9))]
    return (best if obj.sense == "max_coverage" else -best), winners


def feasible_subsets(scenario):
    """(ids, every subset as 0/1 rows, feasible mask, objective in max form) — vectorised, with the
    model's meaning written out independently of the solver."""
    ids = list(scenario.options.index)
    n = len(ids)
    X = np.array(list(itertools.product((0, 1), repeat=n)), dtype=float)
    ok = np.ones(len(X), dtype=bool)
    for res, limit in scenario.config.limits.items():
        ok &= X @ scenario.options[res].to_numpy(dtype=float) <= limit + 1e-9
    oi, gi, amt = scenario.contribution_arrays()
    A = np.zeros((n, len(scenario.gaps)))
    A[oi, gi] = amt
    size = scenario.gaps["size"].to_numpy(dtype=float)
    covered = np.minimum(X @ A, size)
    ok &= np.all(covered >= scenario.gap_targets() - 1e-9, axis=1)
    for oid in scenario.config.rules.require:
        ok &= X[:, ids.index(oid)] == 1
    for oid in scenario.config.rules.forbid:
        ok &= X[:, ids.index(oid)] == 0
    obj = scenario.config.objective
    if obj.sense == "max_coverage":
        value = covered @ (scenario.gap_weights() / size) - obj.risk_penalty * (
            X @ scenario.options["risk"].to_numpy(dtype=float)
        )
    else:
        value = -(X @ scenario.options[scenario.cost_resource].to_numpy(dtype=float))
    return ids, X, ok, value


# The library runs a sensitivity analysis on data and returns its tables; writing the run folder is
# a separate call. These helpers do both, as the CLI does (the journal streams to the folder to be).


def sweep_into(out_dir, scenario, vary, **options):
    from planner.sensitivity.sweep import SweepOptions, run_sweep
    from planner.sensitivity.write import write_sweep

    result = run_sweep(scenario, SweepOptions(vary, journal=out_dir, **options))
    write_sweep(result, out_dir)
    return result


def montecarlo_into(out_dir, scenario, **options):
    from planner.sensitivity.montecarlo import MonteCarloOptions, run_montecarlo
    from planner.sensitivity.write import write_montecarlo

    if "perturb" in options:
        options["perturb"] = tuple(options["perturb"])
    result = run_montecarlo(scenario, MonteCarloOptions(journal=out_dir, **options))
    write_montecarlo(result, out_dir)
    return result


def frontier_into(out_dir, scenario, resource, **options):
    from planner.sensitivity.frontier import FrontierOptions, run_frontier
    from planner.sensitivity.write import write_frontier

    result = run_frontier(scenario, FrontierOptions(resource, **options))
    write_frontier(result, out_dir)
    return result


def alternatives_into(out_dir, scenario, **options):
    from planner.sensitivity.alternatives import AlternativesOptions, run_alternatives
    from planner.sensitivity.write import write_alternatives

    result = run_alternatives(scenario, AlternativesOptions(**options))
    write_alternatives(result, out_dir)
    return result


def resume_into(run_dir, resume, write, **options):
    """`resume(run_dir)` (resume_sweep / resume_montecarlo), then `write(result, run_dir)`."""
    result = resume(run_dir, **options)
    write(result, run_dir)
    return result
