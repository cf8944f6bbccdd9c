"""Interruption: killing a command at a random moment never leaves partial results.

Each trial starts `python -m planner …` in a subprocess, waits a random (seeded) time and
sends SIGINT to its process group (what Ctrl-C does) or SIGKILL to the planner process
(what `kill -9` does). Afterwards the output folder must hold either the complete previous
results or complete new ones — every file present and `planner check` holding — and
nothing visible besides; sweeps and Monte Carlo runs must resume to exactly the
uninterrupted tables.

PLANNER_INTERRUPT_TRIALS (default 12) sets the solve trials; PLANNER_INTERRUPT_SEED the seed.
The number of trials run is printed (`pytest -s`).
"""

from __future__ import annotations

import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planner.io.runfolder import MARKER, write_marker
from planner.results.audit import check_run

REPO = Path(__file__).resolve().parents[1]
TRIALS = int(os.environ.get("PLANNER_INTERRUPT_TRIALS", "12"))
SEED = int(os.environ.get("PLANNER_INTERRUPT_SEED", "0"))
RUN_FILES = {"summary.json", "portfolio.csv", "coverage.csv", "scenario.json"}
STATS: collections.Counter = collections.Counter()


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copytree(REPO / "models", tmp_path / "models")
    shutil.copytree(REPO / "inputs", tmp_path / "inputs")
    return tmp_path


def planner(args: list, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(
        [sys.executable, "-m", "planner", *map(str, args)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def interrupt(proc: subprocess.Popen, delay: float, sig: int) -> tuple[bool, int, str]:
    """Wait `delay` s, then signal; returns (finished before the signal, exit code, stderr)."""
    try:
        try:
            proc.wait(timeout=delay)
            finished = True
        except subprocess.TimeoutExpired:
            finished = False
            if sig == signal.SIGINT:
                os.killpg(proc.pid, signal.SIGINT)
            else:
                os.kill(proc.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=180)
        return finished, proc.returncode, err
    finally:
        try:  # worker processes a SIGKILLed parent left behind (started by this test)
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def snapshot(folder: Path) -> dict[str, bytes] | None:
    if not folder.exists():
        return None
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def assert_clean_parent(parent: Path, names: set[str]) -> int:
    """Nothing visible but the result folders; returns the number of hidden leftovers."""
    entries = list(parent.iterdir())
    visible = {p.name for p in entries if not p.name.startswith(".")}
    assert visible <= names, f"stray visible entries: {visible - names}"
    return len([p for p in entries if p.name.startswith(".")])


def timed(args: list, cwd: Path) -> float:
    t0 = time.perf_counter()
    proc = planner(args, cwd)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode in (0, 4), err
    return time.perf_counter() - t0


@pytest.mark.slow
def test_solve_killed_at_random_moments_leaves_old_or_new_results(project):
    rng = random.Random(SEED)
    out = project / "out" / "run"
    budgets = [3000, 3500, 4000, 4400, 4800]
    base = ["solve", "models/baseline.yaml", "--out", out, "--json"]
    duration = timed([*base, "--set", "limits.budget_musd=4800"], project)
    previous = snapshot(out)
    assert set(previous) == RUN_FILES | {MARKER}
    hidden = 0
    for trial in range(TRIALS):
        budget = rng.choice(budgets)
        sig = signal.SIGINT if trial % 2 == 0 else signal.SIGKILL
        # SIGINT from 0.15 s: in Python's own first ~50 ms, before any planner code runs, Ctrl-C is
        # Python's (a KeyboardInterrupt traceback); SIGKILL may land at any moment.
        delay = rng.uniform(0.15 if sig == signal.SIGINT else 0.0, 1.3 * duration)
        finished, code, err = interrupt(planner([*base, "--set", f"limits.budget_musd={budget}"], project), delay, sig)
        STATS["solve trials"] += 1
        STATS[f"solve {'finished' if finished else signal.Signals(sig).name}"] += 1
        if sig == signal.SIGINT and not finished:
            # -2: the signal arrived while Python was starting or finalising (default action, no traceback)
            assert code in (130, 0, 4, -2), f"SIGINT after {delay:.2f}s: exit {code}\n{err}"
            assert "Traceback" not in err, err
        now = snapshot(out)
        if now != previous:  # then it must be a complete new run, for this budget
            assert set(now) == RUN_FILES | {MARKER}, (
                f"trial {trial} ({signal.Signals(sig).name} at {delay:.2f}s): {sorted(now)}"
            )
            assert json.loads(now["scenario.json"])["limits"]["budget_musd"] == budget
            report = check_run(out)
            assert report.ok, report.discrepancies
            STATS["solve new results"] += 1
            previous = now
        hidden = assert_clean_parent(out.parent, {"run"})
        STATS["solve hidden leftovers (max)"] = max(STATS["solve hidden leftovers (max)"], hidden)
    # The next complete write clears whatever killed writers left.
    timed([*base, "--set", "limits.budget_musd=4800"], project)
    assert assert_clean_parent(out.parent, {"run"}) == 0
    assert check_run(out).ok


@pytest.mark.slow
def test_export_killed_at_random_moments_leaves_old_or_new_report(project):
    from openpyxl import load_workbook

    rng = random.Random(SEED + 1)
    run = project / "run"
    timed(["solve", "models/baseline.yaml", "--out", run], project)
    report = run / "report.xlsx"
    args = ["export", run, "--to", "xlsx", "--force"]
    duration = timed(args, project)
    seen = {report.read_bytes()}
    for trial in range(max(4, TRIALS // 2)):
        sig = signal.SIGINT if trial % 2 == 0 else signal.SIGKILL
        finished, code, err = interrupt(planner(args, project), rng.uniform(0.15, 1.3 * duration), sig)
        STATS["export trials"] += 1
        if sig == signal.SIGINT and not finished:
            assert code in (130, 0, -2), err
            assert "Traceback" not in err, err
        data = report.read_bytes()
        if data not in seen:
            assert "Summary" in load_workbook(report, read_only=True).sheetnames  # complete, readable
            seen.add(data)
            STATS["export new reports"] += 1
        visible = {p.name for p in run.iterdir() if not p.name.startswith(".")}
        assert visible == RUN_FILES | {"report.xlsx"}, visible
        STATS["export hidden leftovers (max)"] = max(
            STATS["export hidden leftovers (max)"], len([p for p in run.iterdir() if p.name.startswith(".")])
        )
    assert check_run(run).ok


BATCH = {  # command, its settings, the tables it writes, the column that numbers its points
    "sweep": (["--vary", "limits.budget_musd=3000:4800:300"], ("sweep.csv", "changes.csv"), "sweep.csv", 7),
    "montecarlo": (
        ["--samples", "8", "--seed", "3", "--perturb", "contributions.amount=uniform:0.7:1.3"],
        ("montecarlo_objective.csv", "montecarlo_options.csv", "montecarlo_coverage.csv"),
        "montecarlo_objective.csv",
        8,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("command, workers", [("sweep", 1), ("sweep", 2), ("montecarlo", 1), ("montecarlo", 2)])
def test_batch_killed_and_resumed_loses_and_repeats_no_point(project, command, workers):
    settings, tables, numbered, points = BATCH[command]
    rng = random.Random(SEED + 2 + workers + len(command))
    ref, out = project / "ref", project / "out" / command
    duration = timed(
        [command, "models/baseline.yaml", *settings, "--out", ref, "--workers", workers, "--json"], project
    )
    expected = {name: (ref / name).read_bytes() for name in tables}
    fresh = [command, "models/baseline.yaml", *settings, "--out", out, "--workers", workers, "--json"]
    args = fresh
    out.parent.mkdir()
    kills = 0
    for attempt in range(6):
        sig = signal.SIGINT if attempt % 2 == 0 else signal.SIGKILL
        finished, code, err = interrupt(planner(args, project), rng.uniform(0.3, duration), sig)
        STATS[f"{command} trials"] += 1
        if (out / "summary.json").exists():
            break  # finished (before or despite the signal): the results are complete
        assert not out.exists(), f"an unfinished {command} left a visible result folder"
        kills += 1
        if sig == signal.SIGINT:
            assert code in (130, -2) and "Traceback" not in err, err
        assert_clean_parent(out.parent, {command})
        # Killed before its journal was written, a run has nothing to resume: start it again.
        journaled = (out.parent / f".{command}.journal" / "manifest.json").is_file()
        args = [command, "--resume", out, "--workers", workers, "--json"] if journaled else fresh
        STATS[f"{command} resumed"] += journaled
    else:
        proc = planner(args, project)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode in (0, 4), err
    STATS[f"{command} interrupted runs"] += kills
    for name, data in expected.items():
        assert (out / name).read_bytes() == data, f"{name} differs from the uninterrupted {command}"
    index = [line.split(",", 1)[0] for line in (out / numbered).read_text().splitlines()[1:]]
    assert index == [str(i) for i in range(points)]  # every point once, in order
    assert_clean_parent(out.parent, {command})
    assert not any(p.name.endswith(".journal") for p in out.parent.iterdir())


def test_swap_is_not_torn_by_ctrl_c_in_the_fallback(tmp_path, monkeypatch):
    """Where the atomic exchange is unavailable, a SIGINT between the two renames waits
    until both are done: the folder is the complete new one, never missing."""
    import planner.io.runfolder as outputs

    target = tmp_path / "run"
    target.mkdir()
    write_marker(target, "solve")
    (target / "old.txt").write_text("old")
    monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    real_replace = os.replace
    calls = []

    def replace_then_ctrl_c(src, dst):
        calls.append(dst)
        real_replace(src, dst)
        if len(calls) == 1:  # target moved aside, new folder not yet in place
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(outputs.os, "replace", replace_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        with outputs.atomic_dir(target, kind="solve") as tmp:
            (tmp / "new.txt").write_text("new")
    assert len(calls) == 2 and sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "new.txt"]


def test_leftovers_of_a_killed_writer_are_recovered(tmp_path):
    """A SIGKILL between the fallback's two renames leaves the previous folder moved aside;
    the next write puts it back (and drops the dead writer's temporary folder) first."""
    import planner.io.runfolder as outputs

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "run"
    moved = tmp_path / f".run.old-{dead.pid}"
    moved.mkdir()
    (moved / "summary.json").write_text("{}")
    (tmp_path / f".run.tmp-{dead.pid}-abc").mkdir()
    (tmp_path / f".run.tmp-{os.getpid()}-live").mkdir()  # a live writer's folder is left alone
    outputs._recover(target)
    assert (target / "summary.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".run.tmp-{os.getpid()}-live", "run"]


def test_zz_report_interrupt_count():
    if STATS:
        print(f"\ninterruption: {dict(STATS)}")


def _children(pid: int) -> set[int]:
    """Every descendant of `pid` (from /proc), recursively."""
    out, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                child = int(stat.parent.name)
                if child not in out:
                    out.add(child)
                    frontier.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_no_worker_outlives_a_sigkilled_parent(project):
    proc = planner(
        [
            "sweep",
            "models/baseline.yaml",
            "--vary",
            "limits.budget_musd=2000:5000:25",
            "--workers",
            "2",
            "--out",
            project / "out" / "sweep",
            "--json",
        ],
        project,
    )
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.2)
            workers = _children(proc.pid)  # the spawned pool workers (and the resource tracker)
        assert len(workers) >= 2, "the sweep did not start its workers"
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)  # returns once no worker holds the pipes open
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.2)
        assert not [w for w in workers if _alive(w)], "workers outlived their SIGKILLed parent"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
