"""Long work as background jobs: frontier, tranches, sweep, Monte Carlo, alternatives, robust, value.

Each job runs its kind's library call (`planner.web.job_kinds`) in a thread, in-process
(`workers=1`), writing any run folder into a temporary directory. The library's
`progress(done, total)` callback reports progress and is where a cancel or the job time
limit stops it (the next batch boundary; robust and value report none, so they run to their end).
A job ends DONE, PARTIAL (finished, but covering less than asked: `Job.partial` says why),
FAILED or CANCELLED (`JobState`).
A job belongs to the session that started it: another session (another tab, another API
client's `X-Planner-Session`) neither sees nor cancels it (404, as for an unknown id).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field

from planner.errors import InputError, Problem
from planner.web.job_kinds import KIND_MODELS, Kind

MAX_ROWS = 2000  # rows of each table returned to the page
MAX_RUNNING = 2

# The API's job request: one of the kinds (discriminated by `kind`); a new model in
# job_kinds.KIND_MODELS is a new kind here, in /api/jobs/schema and in the page.
if TYPE_CHECKING:
    from planner.inputs.scenario import Scenario
    import pandas as pd

    from planner.web.kind_base import Runner

    JobRequest = Kind  # to a type checker; at run time one of KIND_MODELS, below
else:
    JobRequest = Annotated[Union[KIND_MODELS], Field(discriminator="kind")]


class JobState(str, Enum):
    """Where a job is. PARTIAL: it finished, but its result covers less than was asked
    (a frontier stopped by max_solves, an unproven solve, a robust enumeration cut short):
    the page says so and never shows it as done."""

    RUNNING = "running"
    DONE = "done"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self is not JobState.RUNNING


class Cancelled(Exception):
    pass


@dataclass
class Job:
    id: str
    kind: str
    owner: str  # the session that started it
    state: JobState = JobState.RUNNING
    partial: str | None = None  # why a PARTIAL result is incomplete
    done: int = 0
    total: int | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state.value,
            "done": self.done,
            "total": self.total,
            **({"partial": self.partial} if self.partial else {}),
            "seconds": round((self.finished or time.time()) - self.started, 3),
            **({"result": self.result} if self.result is not None else {}),
            **({"error": self.error} if self.error is not None else {}),
        }


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

    def start(self, req: Kind, scenario: Scenario, owner: str, root: Path) -> Job:
        call = req.call(scenario, root)  # bad arguments answer now, as 422
        with self._lock:
            running = sum(j.state is JobState.RUNNING for j in self._jobs.values())
            if running >= MAX_RUNNING:
                raise InputError(
                    Problem(
                        file="request",
                        key="kind",
                        value=req.kind,
                        message=f"{running} jobs are running; wait for one or cancel it",
                    )
                )
            job = Job(secrets.token_hex(8), req.kind, owner)
            self._jobs[job.id] = job
            for old in list(self._jobs)[: -self.keep]:
                if self._jobs[old].state.finished:
                    del self._jobs[old]
        threading.Thread(target=self._run, args=(job, req, scenario, call), daemon=True, name=f"job-{job.id}").start()
        return job

    def _run(self, job: Job, req: Kind, scenario: Scenario, call: Runner) -> None:
        deadline = time.monotonic() + self.time_limit_s

        def progress(done: int, total: int | None) -> None:
            job.done, job.total = done, total
            if job.cancel.is_set():
                raise Cancelled("cancelled")
            if time.monotonic() > deadline:
                raise Cancelled(f"stopped by the job time limit ({self.time_limit_s:g} s)")

        try:  # on the what-if's Scenario in memory: nothing is written
            outcome = call(progress)
            job.partial = req.partial(outcome.summary)
            job.result = {
                "summary": _clean(outcome.summary),
                "tables": {name: _rows(frame) for name, frame in outcome.tables.items()},
                "view": _clean(req.view(outcome, scenario)),
            }
            job.state = JobState.PARTIAL if job.partial else JobState.DONE
        except Cancelled as exc:
            job.state, job.error = JobState.CANCELLED, {"message": str(exc)}
        except InputError as exc:
            job.state, job.error = JobState.FAILED, {"problems": [p.to_dict() for p in exc.problems]}
        except Exception as exc:  # noqa: BLE001 - a failed job is reported, never stops the server
            job.state, job.error = JobState.FAILED, {"message": f"{type(exc).__name__}: {exc}"}
        finally:
            job.finished = time.time()

    def cancel(self, job_id: str, owner: str) -> Job | None:
        job = self.get(job_id, owner)
        if job is not None:
            job.cancel.set()
        return job


def _clean(value: Any) -> Any:
    from planner.web.payload import clean

    return clean(value)


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    from planner.web.payload import records

    return records(frame.head(MAX_ROWS))
