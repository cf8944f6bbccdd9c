"""Sensitivity at scale: sweeps, exact frontiers, Monte Carlo core index, alternatives.

    >>> from planner.sensitivity import run_sweep, run_frontier, run_montecarlo, run_alternatives
    >>> out = run_sweep("models/baseline.yaml", ["limits.budget_musd=2000:5000:500"], workers=1)
    >>> out.tables["sweep.csv"], out.summary, out.out_dir

All four share one engine (`engine.Engine`: build once, change numbers in place, rebuild
only when the structure changes) and write their tables atomically into a run folder
(`runner`). Sweeps and Monte Carlo runs stream finished batches to a journal and resume
(`journal`), on local processes or Dask (`executors`). Loaded lazily: importing this
package costs nothing until a function is used.
"""
from __future__ import annotations

__all__ = ["run_sweep", "run_frontier", "run_montecarlo", "run_alternatives", "Engine"]

_WHERE = {"run_sweep": "sweep", "run_frontier": "frontier", "run_montecarlo": "montecarlo",
          "run_alternatives": "alternatives", "Engine": "engine"}


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(name)
