"""`--solver auto`: HiGHS and CBC on the same model at once; the first proof wins.

HiGHS and CBC differ by several times either way on the same instance, and which one is
faster is not predictable from the data. On a machine with two cores, running both costs
no wall time: HiGHS runs in a thread of this process (highspy releases the GIL while it
solves), CBC in a child process (forked, so it solves the very same PuLP model; where
fork is unavailable the child rebuilds the model from the scenario). The first outcome
that is a proof — `optimal`, `infeasible` or `unbounded` — is taken and the other solver
is stopped (HiGHS through its interrupt callback, CBC by killing its process group). If
neither proves anything, the better portfolio found is taken — but once the time limit
has passed and one solver has stopped, the other is not waited for.
Each solver runs its own two stages (see `planner.solver`), so the winner's portfolio has
had the same tie-break it would have had alone.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.context import DefaultContext, ForkContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any

from planner.inputs.scenario import Scenario
from planner.model.assemble import build
from planner.model.core import Model
from planner.solver.outcome import SolveOutcome, Status
from planner.model.compile import compile_model
from planner.solver.highs import HighsSession
from planner.solver.cbc import solve_cbc


def _failed(backend: str, message: str) -> SolveOutcome:
    """The outcome of a solver that failed or gave no answer."""
    return SolveOutcome(Status.ERROR, None, None, None, None, 0.0, backend, message)


def _context() -> ForkContext | SpawnContext | DefaultContext:
    """fork where it is safe (Linux): the child inherits the built model without pickling."""
    if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context("spawn")


def _cbc_child(
    conn: Connection,
    payload: Model | Scenario,
    time_limit: float | None,
    mip_gap: float,
    tie_break: bool,
    tmp_dir: str,
) -> None:
    """Child process: own process group (so CBC dies with it), solve, send the outcome."""
    try:
        os.setpgid(0, 0)
    except (AttributeError, OSError):  # not POSIX: killing the child is all we can do
        pass
    try:
        if isinstance(payload, Model):
            model = payload
        else:
            model = build(payload)
        conn.send(solve_cbc(model, time_limit, mip_gap, tie_break, tmp_dir=tmp_dir))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as data
        conn.send(_failed("cbc", f"CBC failed: {exc}"))
    finally:
        conn.close()


def _stop_child(proc: BaseProcess) -> None:
    if not proc.is_alive():
        proc.join()
        return
    try:
        assert proc.pid is not None  # a started process
        os.killpg(proc.pid, signal.SIGKILL)  # the child and the cbc binary it started
    except (AttributeError, OSError):
        proc.kill()
    proc.join()


def _better(a: SolveOutcome, b: SolveOutcome, maximize: bool) -> SolveOutcome:
    """The outcome with a portfolio and the better objective (a wins ties)."""
    if a.x is None or b.x is None:
        return a if a.x is not None or b.x is None else b
    if a.objective_solver is None or b.objective_solver is None:
        return a
    return (
        b if (b.objective_solver > a.objective_solver if maximize else b.objective_solver < a.objective_solver) else a
    )


def solve_auto(
    model: Model, time_limit: float | None, mip_gap: float, tie_break: bool = True, threads: int | None = None
) -> SolveOutcome:
    """Race HiGHS (thread) against CBC (child process); see the module doc.

    The returned outcome is the winner's, with `backend` set to the winner and
    `race` = {"winner", "highs": {status, seconds}, "cbc": {status, seconds}}.
    """
    t0 = time.perf_counter()
    ctx = _context()
    tmp_dir = tempfile.mkdtemp(prefix="planner-cbc-")
    receive, send = ctx.Pipe(duplex=False)
    payload = model if ctx.get_start_method() == "fork" else model.scenario
    proc = ctx.Process(target=_cbc_child, args=(send, payload, time_limit, mip_gap, tie_break, tmp_dir), daemon=True)
    try:
        proc.start()
    except (AssertionError, OSError) as exc:  # e.g. inside a daemonic worker, which may not have children
        shutil.rmtree(tmp_dir, ignore_errors=True)
        return _highs_alone(model, time_limit, mip_gap, tie_break, threads, exc)
    send.close()
    done: dict[str, SolveOutcome] = {}
    finished: dict[str, float] = {}
    try:
        session = HighsSession(compile_model(model), threads)
        session.allow_interrupt()  # lets cancel() stop a running MIP

        def run_highs() -> None:
            try:
                done["highs"] = session.solve(time_limit, mip_gap, tie_break)
            except BaseException as exc:  # noqa: BLE001
                done["highs"] = _failed("highs", f"HiGHS failed: {exc}")
            finished["highs"] = time.perf_counter() - t0

        worker = threading.Thread(target=run_highs, name="planner-highs", daemon=True)
        worker.start()
        winner = _first_home(done, finished, receive, proc, worker, t0, time_limit, model.maximize)
        stopped = None
        if winner == "cbc" and "highs" not in done:
            stopped = "highs"
            session.cancel()
            worker.join()
            finished["highs"] = time.perf_counter() - t0
        if winner == "highs" and "cbc" not in done:
            stopped = "cbc"
            _stop_child(proc)
            finished["cbc"] = time.perf_counter() - t0
    finally:
        if proc.is_alive():
            _stop_child(proc)
        receive.close()
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return _race_outcome(done, finished, winner, stopped)


def _highs_alone(
    model: Model, time_limit: float | None, mip_gap: float, tie_break: bool, threads: int | None, why: BaseException
) -> SolveOutcome:
    """HiGHS alone, when CBC's process could not start."""
    session = HighsSession(compile_model(model), threads)
    outcome = session.solve(time_limit, mip_gap, tie_break)
    outcome.message = f"{outcome.message} (auto: CBC could not start: {why}; HiGHS alone)"
    outcome.race = {
        "winner": "highs",
        "highs": {"status": outcome.status, "seconds": outcome.solve_seconds},
        "cbc": {"status": "not started", "seconds": 0.0},
    }
    return outcome


def _first_home(
    done: dict[str, SolveOutcome],
    finished: dict[str, float],
    receive: Connection,
    proc: BaseProcess,
    worker: threading.Thread,
    t0: float,
    time_limit: float | None,
    maximize: bool,
) -> str:
    """Wait for the race's winner: the first proof, else the better of both, else (time limit
    spent) the one that found something."""
    winner: str | None = None
    while winner is None:
        if "cbc" not in done and receive.poll(0.02):
            try:
                done["cbc"] = receive.recv()
            except EOFError:  # the child died without an answer
                done["cbc"] = _failed("cbc", "CBC process ended without a result")
            finished["cbc"] = time.perf_counter() - t0
        elif "cbc" not in done and not proc.is_alive() and not receive.poll(0):
            done["cbc"] = _failed("cbc", "CBC process ended without a result")
            finished["cbc"] = time.perf_counter() - t0
        if "highs" not in done:
            worker.join(0.02)
        for name in ("highs", "cbc"):  # HiGHS first on a simultaneous finish: it reports a bound
            if name in done and Status(done[name].status).is_proof:
                winner = name
                break
        if winner is None and len(done) == 2:
            winner = "cbc" if _better(done["highs"], done["cbc"], maximize) is done["cbc"] else "highs"
        elif winner is None and len(done) == 1 and time_limit and time.perf_counter() - t0 >= time_limit:
            winner = next(iter(done))  # the time limit is spent: keep what one solver found, stop the other
    return winner


def _race_outcome(
    done: dict[str, SolveOutcome], finished: dict[str, float], winner: str, stopped: str | None
) -> SolveOutcome:
    """The winner's outcome with `race` and the message saying how the race went."""
    outcome = done[winner]
    loser = "cbc" if winner == "highs" else "highs"
    race: dict[str, Any] = {
        "winner": winner,
        winner: {"status": outcome.status, "seconds": round(finished[winner], 4)},
        loser: {"status": "stopped" if stopped == loser else done[loser].status, "seconds": round(finished[loser], 4)},
    }
    outcome.race = race
    outcome.message = f"{outcome.message} (auto: {winner} first; {loser} {race[loser]['status']})"
    return outcome
