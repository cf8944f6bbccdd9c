"""Independent re-solves of one scenario side by side: on threads within one process
(`run_threads`: explain's thresholds), or on worker processes (`run_split`: `explain` and
`value` with `workers > 1`).

`run_threads` runs tasks — each a function of a `Workbench` — on threads, each with a
workbench of its own (the given one and forks of it, `Workbench.fork`): HiGHS releases the
GIL while it solves, so the solves run on both cores. A task's result depends on the task
alone (every re-solve is exact), and results come back in the tasks' order.

The items (options to explain, bounds to price) are split round-robin into one batch per
worker, by their order alone. Each batch is solved on a `Workbench` of its own, built in the
worker from the scenario (which pickles small and fast), with HiGHS on one thread. A
batch's figures therefore depend on the batch only — never on which process ran it, when,
or what it solved before — and the results come back in the items' order.

The processes are `planner.sensitivity.executors`' pool: spawned, Ctrl-C left to the parent,
and gone as soon as the parent is.
"""

from __future__ import annotations

import functools
import queue
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from planner.analysis.workbench import Workbench
from planner.errors import InputError, Problem
from planner.inputs.scenario import Scenario
from planner.sensitivity.executors import Job, Record, run_batches

# task(workbench, items, **settings) -> one result per item; a module-level function (it pickles by name)
Task = Callable[..., list[Any]]
T = TypeVar("T")
Batch = list[tuple[int, Any]]  # (position in the items, item)


def run_threads(wb: Workbench, tasks: Sequence[Callable[[Workbench], T]], threads: int) -> list[T]:
    """Every task on up to `threads` threads, each thread with a workbench of its own (see the
    module doc); results in the tasks' order. The threads are daemons: a Ctrl-C here is raised
    at once, and an exiting process does not wait for a solve still running."""
    n = min(threads, len(tasks))
    if n <= 1:
        return [task(wb) for task in tasks]
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(len(tasks)):
        todo.put(i)
    out: dict[int, T] = {}
    errors: list[BaseException] = []

    def work(bench: Workbench) -> None:
        while not errors:
            try:
                i = todo.get_nowait()
            except queue.Empty:
                return
            try:
                out[i] = tasks[i](bench)
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                errors.append(exc)

    workers = [
        threading.Thread(target=work, args=(bench,), daemon=True, name=f"workbench-{k}")
        for k, bench in enumerate([wb] + [wb.fork() for _ in range(n - 1)])
    ]
    for t in workers:
        t.start()
    try:
        for t in workers:
            while t.is_alive():
                t.join(0.25)
    except BaseException as exc:  # Ctrl-C: the threads take no further task
        errors.append(exc)
        raise
    if errors:
        raise errors[0]
    return [out[i] for i in range(len(tasks))]


def check_workers(workers: int) -> int:
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InputError(
            Problem(
                file="--workers",
                value=workers,
                message="must be a whole number of at least 1 (1: solve here, serially)",
            )
        )
    return workers


def split(items: Sequence[Any], workers: int) -> list[Batch]:
    """Round-robin batches of (position, item): batch k holds items k, k+n, k+2n, … (n batches)."""
    n = min(workers, len(items))
    return [[(i, items[i]) for i in range(k, len(items), n)] for k in range(n)]


def _make(scenario: Scenario, threads: int | None) -> Callable[[], Workbench]:
    """A worker's engine: a maker of fresh Workbenches (one per batch) for the job's scenario."""
    return functools.partial(Workbench, scenario, threads=threads)


def _run_batch(new_workbench: Callable[[], Workbench], job: Job, batch: Batch) -> list[Record]:
    """One batch on a fresh Workbench: a record per item, with its position in the items."""
    task, settings = job.settings["task"], job.settings["kwargs"]
    results = task(new_workbench(), [item for _, item in batch], **settings)
    return [{"position": i, "result": r} for (i, _), r in zip(batch, results)]


def run_split(scenario: Scenario, task: Task, items: Sequence[Any], workers: int, **settings: Any) -> list[Any]:
    """`task` over `items` on `workers` processes (see the module doc); results in the items' order."""
    batches = split(list(items), check_workers(workers))
    out: list[Any] = [None] * len(items)

    def collect(records: list[Record]) -> None:
        for record in records:
            out[record["position"]] = record["result"]

    job = Job(f"analysis-{uuid.uuid4().hex}", scenario, {"task": task, "kwargs": settings}, make=_make)
    run_batches(job, _run_batch, batches, collect, workers=len(batches))
    return out
