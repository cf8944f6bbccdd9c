"""Long work as background jobs: frontier, sweep, Monte Carlo, near-optimal alternatives.

Each job runs the sensitivity library's typed API (`run_frontier`, `run_sweep`,
`run_montecarlo`, `run_alternatives`) in a thread, in-process (`workers=1`), writing its run
folder into a temporary directory. The library's `progress(done, total)` callback reports
progress and is where a cancel or the job time limit stops it (the next batch boundary).
A job belongs to the session that started it: another session (another tab, another API
client's `X-Planner-Session`) neither sees nor cancels it (404, as for an unknown id).
"""
from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.errors import InputError, Problem
from planner.web.whatif import WhatIf, confine_value

KINDS = ("frontier", "sweep", "montecarlo", "alternatives")
MAX_ROWS = 2000  # rows of each table returned to the page
MAX_POINTS = 2000  # sweep points / Monte Carlo samples a job may ask for
MAX_RUNNING = 2


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["frontier", "sweep", "montecarlo", "alternatives"]
    whatif: WhatIf = Field(default_factory=WhatIf)
    resource: str | None = Field(None, description="frontier: the limit to walk (default: the cost resource)")
    lo: float | None = Field(None, ge=0, description="frontier: lowest value")
    hi: float | None = Field(None, ge=0, description="frontier: highest value")
    max_solves: int | None = Field(60, ge=1, le=MAX_POINTS, description="frontier: solves at most")
    vary: list[dict[str, Any]] = Field(default_factory=list, max_length=4,
                                       description='sweep: axes [{"key": "limits.budget_musd", "values": [...]}]')
    samples: int | None = Field(None, ge=1, le=MAX_POINTS, description="montecarlo: samples (default: the scenario's)")
    seed: int | None = Field(None, ge=0)
    perturb: list[dict[str, Any]] = Field(default_factory=list, max_length=20, description=(
        'montecarlo: perturbations as in the scenario\'s uncertainty.perturb, e.g. '
        '[{"table": "contributions", "column": "amount", "low": 0.8, "high": 1.2}]'))
    within: float = Field(0.05, ge=0, le=1, description="alternatives: share of the optimum")
    count: int = Field(3, ge=1, le=20, description="alternatives: how many")


class Cancelled(Exception):
    pass


@dataclass
class Job:
    id: str
    kind: str
    owner: str  # the session that started it
    state: str = "running"  # running, done, failed, cancelled
    done: int = 0
    total: int | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    result: dict | None = None
    error: dict | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "state": self.state, "done": self.done, "total": self.total,
                "seconds": round((self.finished or time.time()) - self.started, 3),
                **({"result": self.result} if self.result is not None else {}),
                **({"error": self.error} if self.error is not None else {})}


class Jobs:
    def __init__(self, time_limit_s: float = 300.0, keep: int = 50):
        self.time_limit_s = time_limit_s
        self.keep = keep
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str, owner: str) -> Job | None:
        """The job `job_id` if session `owner` started it, else None."""
        job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def start(self, req: JobRequest, scenario, owner: str, root: Path) -> Job:
        call = prepare(req, scenario, root)  # bad arguments answer now, as 422
        with self._lock:
            running = sum(j.state == "running" for j in self._jobs.values())
            if running >= MAX_RUNNING:
                raise InputError(Problem(file="request", key="kind", value=req.kind,
                                         message=f"{running} jobs are running; wait for one or cancel it"))
            job = Job(secrets.token_hex(8), req.kind, owner)
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-self.keep]:
                if self._jobs[old].state != "running":
                    del self._jobs[old]
        threading.Thread(target=self._run, args=(job, call), daemon=True, name=f"job-{job.id}").start()
        return job

    def _run(self, job: Job, call) -> None:
        deadline = time.monotonic() + self.time_limit_s

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total
            if job.cancel.is_set():
                raise Cancelled("cancelled")
            if time.monotonic() > deadline:
                raise Cancelled(f"stopped by the job time limit ({self.time_limit_s:g} s)")

        tmp = Path(tempfile.mkdtemp(prefix=f"planner-{job.kind}-"))
        try:
            outcome = call(tmp / "run", progress)
            job.result = {"summary": _clean(outcome.summary),
                          "tables": {name: _rows(frame) for name, frame in outcome.tables.items()}}
            job.state = "done"
        except Cancelled as exc:
            job.state, job.error = "cancelled", {"message": str(exc)}
        except InputError as exc:
            job.state, job.error = "failed", {"problems": [p.to_dict() for p in exc.problems]}
        except Exception as exc:  # noqa: BLE001 - a failed job is reported, never stops the server
            job.state, job.error = "failed", {"message": f"{type(exc).__name__}: {exc}"}
        finally:
            job.finished = time.time()
            shutil.rmtree(tmp, ignore_errors=True)

    def cancel(self, job_id: str, owner: str) -> Job | None:
        job = self.get(job_id, owner)
        if job is not None:
            job.cancel.set()
        return job


def prepare(req: JobRequest, scenario, root: Path):
    """The sensitivity library call for one job, `call(out_dir, progress)`, its typed
    arguments checked now (InputError naming the request key); a sweep value that names a
    file must name one inside the project folder `root` (`whatif.confine_value`)."""
    if req.kind == "frontier":
        from planner.sensitivity.frontier import run_frontier

        resource = req.resource or scenario.cost_resource
        return lambda out_dir, progress: run_frontier(scenario, resource, lo=req.lo, hi=req.hi, out_dir=out_dir,
                                                      max_solves=req.max_solves, progress=progress)
    if req.kind == "sweep":
        from planner.sensitivity.grid import Vary
        from planner.sensitivity.sweep import run_sweep

        if not req.vary:
            raise InputError(Problem(file="request", key="vary", value=None,
                                     message='a sweep needs axes, e.g. [{"key": "limits.budget_musd", "values": [3000, 4000]}]'))
        axes = []
        for i, axis in enumerate(req.vary):
            if set(axis) != {"key", "values"} or not isinstance(axis["values"], list):
                raise InputError(Problem(file="request", key=f"vary[{i}]", value=str(axis),
                                         message='each axis is {"key": KEY, "values": [v1, v2, ...]}'))
            key = str(axis["key"])
            axes.append(Vary(key, tuple(confine_value(root, key, v) for v in axis["values"])))
        points = 1
        for a in axes:
            points *= max(len(a.values), 1)
        if points > MAX_POINTS:
            raise InputError(Problem(file="request", key="vary", value=points, message=f"at most {MAX_POINTS} points"))
        return lambda out_dir, progress: run_sweep(scenario, axes, out_dir=out_dir, workers=1, progress=progress)
    if req.kind == "montecarlo":
        from pydantic import ValidationError

        from planner.inputs.config import Perturbation
        from planner.sensitivity.montecarlo import resolve_settings, run_montecarlo

        try:
            perturb = [Perturbation(**p) for p in req.perturb]
        except (ValidationError, TypeError) as exc:
            raise InputError(Problem(file="request", key="perturb", value=str(req.perturb), message=str(exc))) from None
        if not perturb and not scenario.config.uncertainty.perturb:
            raise InputError(Problem(file="request", key="perturb", value=None, message=(
                "nothing to perturb: the scenario has no uncertainty.perturb; give perturb, e.g. "
                '[{"table": "contributions", "column": "amount", "low": 0.8, "high": 1.2}]')))
        resolve_settings(scenario, req.samples, req.seed, perturb, None, None)  # a column that cannot be perturbed: now
        return lambda out_dir, progress: run_montecarlo(scenario, samples=req.samples, seed=req.seed, perturb=perturb,
                                                        out_dir=out_dir, workers=1, progress=progress)
    from planner.sensitivity.alternatives import run_alternatives

    return lambda out_dir, progress: run_alternatives(scenario, within=req.within, count=req.count, out_dir=out_dir,
                                                      progress=progress)


def _clean(value):
    from planner.web.payload import clean

    return clean(value)


def _rows(frame) -> list[dict]:
    from planner.web.payload import records

    return records(frame.head(MAX_ROWS))
