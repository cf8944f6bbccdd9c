"""Run batches of points: in this process, in spawned worker processes, or on Dask.

A `Job` carries what every worker needs (the run's `Source` — the validated scenario and its
raw tables — and the command's settings, or
whatever its `make` builds an engine from); a *task function* `fn(engine, job, batch) -> list[record]` solves one batch on a worker's
long-lived `Engine`. Each worker process (or Dask worker thread) builds its engine once,
on its first batch, and keeps it for every later batch of the same job.

- `workers=1` (and no scheduler): batches run here, in order.
- `workers=N>1`: a pool of N spawned processes (`multiprocessing` "spawn": no state
  inherited by fork, the same on every OS); HiGHS runs one thread per worker.
- `scheduler=ADDRESS` (or a `distributed.Client`): batches are Dask tasks; the job is
  scattered to every worker once.

Results are handed to `on_batch` as each batch finishes (in completion order); batches
never depend on which worker ran them, so results do not depend on the executor.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import signal
import tempfile
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any, Callable, Iterable, Sequence

from planner.errors import InputError, PlannerError, Problem
from planner.sensitivity.engine import Engine
from planner.sensitivity.points import Source

Record = dict[str, Any]
TaskFn = Callable[[Any, "Job", Any], list[Record]]
OnBatch = Callable[[list[Record]], None]
SigHandler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


@dataclass(frozen=True)
class Job:
    key: str  # identifies the job: a worker reuses its engine for batches with the same key
    raw: Source | Any  # what a worker builds its engine from (a `points.Source` for the sensitivity Engine)
    settings: dict[str, Any] = field(default_factory=dict)
    threads: int | None = None  # HiGHS threads for an in-process run (pool and Dask workers use 1)
    # `make(raw, threads)` -> the worker's engine; None: the sensitivity `Engine.of`. A module-level
    # function, so that the job pickles (e.g. `planner.analysis.parallel` hands out its scenario)
    make: Callable[[Any, int | None], Any] | None = None
    # Local workers as threads of this process, each on a fork of one engine (`Engine.fork`),
    # instead of spawned processes: for batches that spend their time in HiGHS (which releases
    # Python's lock), where a spawned worker's start-up (imports, its own build) is what costs.
    threads_local: bool = False


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


# --- worker side -------------------------------------------------------------------------

_LOCAL = threading.local()  # per thread: (job key, engine); Dask may run several threads per process


def _engine(job: Job, threads: int | None) -> Any:
    """This thread's engine for `job` (an `Engine`, or what `job.make` makes), built on first use."""
    cached = getattr(_LOCAL, "engine", None)
    if cached is None or cached[0] != job.key:
        _LOCAL.engine = (job.key, (job.make or Engine.of)(job.raw, threads))
    return _LOCAL.engine[1]


_POOL_JOB: Job | None = None


def _pool_init(job_file: str) -> None:
    global _POOL_JOB
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    with open(job_file, "rb") as f:
        _POOL_JOB = pickle.load(f)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a killed parent (SIGKILL) cannot stop us: leave as soon as it is gone,
        # rather than solve on as an orphan holding the terminal's or a caller's pipes open
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: BaseProcess) -> None:
    parent.join()
    os._exit(1)


def _pool_task(fn: TaskFn, batch: Any) -> list[Record]:
    job = _POOL_JOB
    assert job is not None  # set by `_pool_init` before any task runs
    return fn(_engine(job, 1), job, batch)


def _dask_task(fn: TaskFn, job: Job, batch: Any) -> list[Record]:
    return fn(_engine(job, 1), job, batch)


# --- caller side -------------------------------------------------------------------------


def run_batches(
    job: Job,
    fn: TaskFn,
    batches: Sequence[Any],
    on_batch: OnBatch,
    *,
    workers: int | None = None,
    scheduler: Any = None,
) -> None:
    """Run every batch and pass each one's records to `on_batch` as it finishes."""
    if not batches:
        return
    if scheduler is not None:
        _run_dask(job, fn, batches, on_batch, scheduler)
        return
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise InputError(Problem(file="--workers", value=workers, message="must be at least 1"))
    if workers == 1 or len(batches) == 1:
        engine = _engine(job, job.threads)
        for batch in batches:
            on_batch(fn(engine, job, batch))
        return
    if job.threads_local:
        _run_threads(job, fn, batches, on_batch, min(workers, len(batches)))
        return
    _run_pool(job, fn, batches, on_batch, min(workers, len(batches)))


def adopt(job: Job, engine: Any) -> None:
    """Use `engine` (already built for `job` in this thread) for the job's batches run here."""
    _LOCAL.engine = (job.key, engine)


def _run_threads(job: Job, fn: TaskFn, batches: Sequence[Any], on_batch: OnBatch, workers: int) -> None:
    """The batches on `workers` threads, each with its own fork of this thread's engine (HiGHS on
    one thread each); a batch's records are handed over in this thread, as each batch finishes."""
    base = _engine(job, job.threads)
    todo = list(reversed(batches))  # popped from the end: in order
    finished: queue.Queue[list[Record] | BaseException] = queue.Queue()
    stop = threading.Event()

    def work(engine: Any) -> None:
        while not stop.is_set():
            try:
                batch = todo.pop()
            except IndexError:
                return
            try:
                finished.put(fn(engine, job, batch))
            except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                finished.put(exc)
                return

    threads = [
        threading.Thread(target=work, args=(base.fork(threads=1),), name=f"batch-worker-{i}", daemon=True)
        for i in range(workers)
    ]
    for t in threads:
        t.start()
    try:
        for _ in range(len(batches)):
            while True:
                try:  # with a timeout, so that a Ctrl-C is raised here at once
                    records = finished.get(timeout=0.25)
                    break
                except queue.Empty:
                    continue
            if isinstance(records, BaseException):
                raise records
            on_batch(records)
    finally:  # Ctrl-C or a failed batch: the threads stop after the batch they are in (daemons:
        stop.set()  # an exiting process does not wait for them)


MAIN_GUARD = (
    "spawned workers re-import the main module: in a script, put the call under "
    '`if __name__ == "__main__":`, or pass workers=1'
)


def _run_pool(job: Job, fn: TaskFn, batches: Sequence[Any], on_batch: OnBatch, workers: int) -> None:
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # This is a spawned worker re-importing a script that starts a pool at import: fail
        # at once (starting the pool here would leave this worker hanging at exit)
        raise PlannerError(f"a worker process tried to start its own workers; {MAIN_GUARD}")
    # The job goes to the workers through a file, not the spawn pipe: a worker that dies at
    # start-up (a script without the guard) stops reading that pipe, and a job larger than the
    # pipe's buffer would then block this process in `submit` for ever instead of breaking the pool
    try:
        with tempfile.TemporaryDirectory(prefix="planner-job-") as tmp:
            job_file = os.path.join(tmp, "job.pickle")
            with open(job_file, "wb") as f:
                pickle.dump(job, f, protocol=pickle.HIGHEST_PROTOCOL)
            _run_pool_in(job_file, fn, batches, on_batch, workers)
    except BrokenProcessPool as exc:
        raise PlannerError(f"a worker process died ({exc}); if it died at start-up, {MAIN_GUARD}") from None


def _run_pool_in(job_file: str, fn: TaskFn, batches: Sequence[Any], on_batch: OnBatch, workers: int) -> None:
    # Workers are spawned (by submit) with SIGINT ignored, which an exec'd child inherits: a
    # Ctrl-C sent to the whole process group must not reach a worker before its initializer
    # runs (it would print a KeyboardInterrupt traceback from the middle of its imports). The
    # parent blocks SIGINT meanwhile, so a Ctrl-C then stays pending (Linux keeps a blocked
    # signal pending even while it is ignored) and is raised as soon as both are restored.
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    old_handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    pool = None
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_pool_init,
            initargs=(job_file,),
        )
        pending = {pool.submit(_pool_task, fn, b) for b in batches}
        _restore_sigint(old_handler, old_mask)  # a Ctrl-C that came meanwhile is raised here
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                on_batch(fut.result())
    except BaseException:
        # Ctrl-C or a failed batch: stop at once; finished batches were already handed over.
        _restore_sigint(old_handler, old_mask)
        if pool is None:
            raise
        procs = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.terminate()
        raise
    pool.shutdown(wait=True)


def _restore_sigint(handler: SigHandler, mask: Iterable[int]) -> None:
    if signal.getsignal(signal.SIGINT) is not handler:
        signal.signal(signal.SIGINT, handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _run_dask(job: Job, fn: TaskFn, batches: Sequence[Any], on_batch: OnBatch, scheduler: Any) -> None:
    try:  # an optional extra: imported only when a run asks for a scheduler
        from distributed import Client, as_completed
    except ImportError:
        raise PlannerError("--scheduler needs Dask: pip install 'partnership-planner[dask]'") from None
    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout=30, set_as_default=False)  # type: ignore[no-untyped-call]  # distributed ships no hints
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                Problem(
                    file="--scheduler",
                    value=scheduler,
                    message=f"cannot reach a Dask scheduler there ({exc}); expected e.g. tcp://127.0.0.1:8786",
                )
            ) from None
    else:
        client = scheduler
    futures = []
    try:
        [job_future] = client.scatter([job], broadcast=True, hash=False)  # type: ignore[no-untyped-call]  # as above
        futures = [client.submit(_dask_task, fn, job_future, b, pure=False) for b in batches]
        for fut in as_completed(futures, loop=client.loop):  # type: ignore[no-untyped-call]  # no default client needed
            on_batch(fut.result())
    except BaseException:
        client.cancel(futures)  # type: ignore[no-untyped-call]  # distributed ships no hints
        raise
    finally:
        if own:
            client.close()  # type: ignore[no-untyped-call]  # distributed ships no hints
