"""Nothing the planner did not write is ever replaced (issue 18, defects 1, 14 and 7).

- every command that writes a folder refuses (exit 2, naming the folder and why) an `--out`
  that is not one of its run folders — a folder of notes, a run folder written before the
  `.planner-run` marker, the working folder, a symbolic link — and leaves it as it was;
- every run folder carries the marker (tool, kind, version) and is replaced whole by the next
  run, of any kind; an empty folder may be used;
- the library refuses too (`OutputRefused`), so the API and the web server get the same answer,
  and an interrupted batch run's journal still resumes once the folder is cleared;
- `export --force` replaces only the planner's own reports;
- an infeasible tranche is exit 3 and named, the other tranches are still planned.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner import __version__
from planner.api import load_scenario, solve
from planner.cli import cli
from planner.errors import InputError, OutputRefused, Refusal
from planner.io import runfolder
from planner.io.runfolder import MARKER, atomic_dir, read_marker, write_marker, write_run
from sens_helpers import resume_into, sweep_into

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny.yaml"
NOTES = "the analyst's notes\n"

# command line (the folder goes last, after --out) and the kind its run folder is marked with
WRITERS = {
    "solve": (["solve", TINY], "solve"),
    "sweep": (["sweep", TINY, "--vary", "limits.budget_musd=10,11", "--workers", "1"], "sweep"),
    "frontier": (["frontier", TINY, "--resource", "budget_musd"], "frontier"),
    "tranches": (["frontier", TINY, "--resource", "budget_musd", "--tranches", "6,11"], "tranches"),
    "montecarlo": (
        ["montecarlo", TINY, "--samples", "2", "--perturb", "contributions.amount=uniform:0.9:1.1", "--workers", "1"],
        "montecarlo",
    ),
    "alternatives": (["alternatives", TINY], "alternatives"),
    "robust": (["robust", TINY, "--set", "robust.sector_weights.semis=[1,2]", "--samples", "0"], "robust"),
    "explain": (["explain", TINY, "a"], "explain"),
    "value": (["value", TINY], "value"),
    "diagnose": (["diagnose", TINY], "diagnose"),
    "compare": (["compare", "{run}", "{run}"], "compare"),
    "rival": (["rival", TINY, "--set", "rival.budget=1"], "rival"),
    "pareto": (["pareto", TINY, "--objectives", "coverage,cost:budget_musd"], "pareto"),
}


def invoke(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    return res


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A solve's run folder (for compare and export)."""
    out = tmp_path_factory.mktemp("base") / "run"
    write_run(solve(load_scenario(TINY)), out)
    return out


def writer_args(name: str, run: Path) -> list:
    return [str(run) if a == "{run}" else a for a in WRITERS[name][0]]


def notes_folder(parent: Path) -> Path:
    folder = parent / "thesis"
    (folder / "chapters").mkdir(parents=True)
    (folder / "notes.md").write_text(NOTES)
    (folder / "chapters" / "one.md").write_text(NOTES)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- defect 1: never replace what is not ours


@pytest.mark.parametrize("name", WRITERS)
def test_every_writer_refuses_a_folder_that_is_not_a_run_folder(name, tmp_path, run_dir):
    folder = notes_folder(tmp_path)
    before = snapshot(folder)
    res = invoke(*writer_args(name, run_dir), "--out", folder)
    assert res.exit_code == 2, res.output
    assert str(folder) in res.output and "is not a Partnership Planner run folder" in res.output
    assert "no .planner-run marker" in res.output and "remove it yourself" in res.output
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # no temporary folder or journal left


@pytest.mark.parametrize("name", WRITERS)
def test_every_writer_marks_its_folder_and_replaces_its_own(name, tmp_path, run_dir):
    out = tmp_path / "out"
    out.mkdir()  # an existing empty folder may be used
    for _ in range(2):  # the second run replaces the first run's folder
        res = invoke(*writer_args(name, run_dir), "--out", out)
        assert res.exit_code in (0, 3), res.output
        assert read_marker(out) == {"tool": "partnership-planner", "kind": WRITERS[name][1], "version": __version__}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_export_refuses_to_overwrite_a_file_it_did_not_write_even_with_force(tmp_path, run_dir):
    folder = notes_folder(tmp_path)
    (folder / "report.html").write_text("<p>my own page</p>")
    before = snapshot(folder)
    res = invoke("export", run_dir, "--to", "html", "--out", folder, "--force")
    assert res.exit_code == 2, res.output
    assert str(folder / "report.html") in res.output and "did not write" in res.output
    mine = tmp_path / "briefing.md"
    mine.write_text(NOTES)
    res = invoke("export", run_dir, "--to", "md", "--out", mine, "--force", "--json")
    assert res.exit_code == 2 and json.loads(res.output)["problems"][0]["file"] == str(mine)
    assert snapshot(folder) == before and mine.read_text() == NOTES
    # a new report beside the notes is fine, and the planner's own report is replaced with --force
    assert invoke("export", run_dir, "--to", "xlsx", "--out", folder).exit_code == 0
    assert invoke("export", run_dir, "--to", "xlsx", "--out", folder, "--force").exit_code == 0
    assert snapshot(folder).keys() == before.keys() | {"report.xlsx"}


def test_export_md_refuses_a_chart_folder_it_did_not_write(tmp_path, run_dir):
    (tmp_path / "b_charts").mkdir()
    (tmp_path / "b_charts" / "figure.png").write_bytes(b"mine")
    res = invoke("export", run_dir, "--to", "md", "--out", tmp_path / "b.md", "--force")
    assert res.exit_code == 2 and "b_charts" in res.output and ".planner-run" in res.output
    assert (tmp_path / "b_charts" / "figure.png").read_bytes() == b"mine" and not (tmp_path / "b.md").exists()


def test_a_run_folder_written_before_the_marker_is_refused_too(tmp_path, run_dir):
    old = tmp_path / "old-run"
    old.mkdir()
    for f in run_dir.iterdir():
        if f.name != MARKER:
            (old / f.name).write_bytes(f.read_bytes())
    res = invoke("solve", TINY, "--out", old, "--json")
    assert res.exit_code == 2
    (problem,) = json.loads(res.output)["problems"]
    assert problem["file"] == str(old) and "written before the marker was introduced" in problem["message"]
    assert (old / "summary.json").is_file() and not (old / MARKER).exists()


@pytest.mark.parametrize("content", ["not json", '{"tool": "someone-else"}', '["partnership-planner"]'])
def test_a_marker_that_is_not_ours_does_not_count(tmp_path, content):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / MARKER).write_text(content)
    (folder / "data.csv").write_text("x\n1\n")
    with pytest.raises(OutputRefused, match="not this tool's marker") as refused:
        runfolder.check_replaceable(folder)
    assert refused.value.reason is Refusal.NOT_A_RUN_FOLDER and refused.value.path == folder


def test_the_library_refuses_too_and_cleans_up(tmp_path):
    """write_run (the API's and the web server's writer) refuses after the solve; nothing is left."""
    folder = notes_folder(tmp_path)
    before = snapshot(folder)
    result = solve(load_scenario(TINY))
    with pytest.raises(OutputRefused) as refused:
        write_run(result, folder)
    assert isinstance(refused.value, InputError) and refused.value.reason is Refusal.NOT_A_RUN_FOLDER
    assert snapshot(folder) == before and sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]
    file = tmp_path / "results"
    file.write_text(NOTES)
    with pytest.raises(OutputRefused) as refused:
        write_run(result, file)
    assert refused.value.reason is Refusal.NOT_A_FOLDER and file.read_text() == NOTES


def test_a_folder_that_appears_during_the_run_is_not_replaced(tmp_path):
    target = tmp_path / "run"
    with pytest.raises(OutputRefused):
        with atomic_dir(target, kind="solve") as tmp:
            (tmp / "summary.json").write_text("{}")
            target.mkdir()  # meanwhile, someone puts their own files there
            (target / "notes.md").write_text(NOTES)
    assert [p.name for p in target.iterdir()] == ["notes.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_refused_sweep_keeps_its_journal_and_resumes_once_the_folder_is_cleared(tmp_path):
    from planner.sensitivity.grid import parse_axes
    from planner.sensitivity.sweep import resume_sweep
    from planner.sensitivity.write import write_sweep

    folder = notes_folder(tmp_path)
    with pytest.raises(OutputRefused):
        sweep_into(folder, load_scenario(TINY), parse_axes(["limits.budget_musd=9,10,11"]), workers=1)
    assert (folder / "notes.md").read_text() == NOTES and (tmp_path / ".thesis.journal").is_dir()
    (folder / "notes.md").rename(tmp_path / "notes.md")
    (folder / "chapters" / "one.md").unlink()
    (folder / "chapters").rmdir()  # now empty: the run may use it
    outcome = resume_into(folder, resume_sweep, write_sweep, workers=1)
    assert outcome.summary["points_resumed"] == 3 and outcome.summary["points_solved_now"] == 0
    assert read_marker(folder)["kind"] == "sweep" and (folder / "sweep.csv").is_file()
    assert not (tmp_path / ".thesis.journal").exists()


@pytest.mark.parametrize("where", [".", ".."])
def test_the_working_folder_and_those_above_it_are_refused(where, tmp_path, monkeypatch):
    here = tmp_path / "proj" / "run"
    here.mkdir(parents=True)
    write_marker(here, "solve")  # even a run folder: it would be pulled from under the shell
    monkeypatch.chdir(here)
    res = invoke("solve", TINY, "--out", where)
    assert res.exit_code == 2 and "working folder" in res.output, res.output
    assert [p.name for p in here.iterdir()] == [MARKER]


# ---------------------------------------------------------------- defect 14: symbolic links


@pytest.mark.parametrize("points_to", ["run folder", "nothing"])
def test_out_as_a_symlink_is_refused_and_nothing_is_left_behind(points_to, tmp_path):
    real = tmp_path / "real"
    if points_to == "run folder":
        assert invoke("solve", TINY, "--out", real).exit_code == 0
    before = snapshot(real) if real.exists() else None
    link = tmp_path / "latest"
    link.symlink_to(real)
    res = invoke("solve", TINY, "--out", link)
    assert res.exit_code == 2 and "symbolic link" in res.output and str(link) in res.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert (snapshot(real) if real.exists() else None) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == (["latest", "real"] if before else ["latest"])


def test_a_killed_writers_moved_aside_link_is_removed_not_kept(tmp_path):
    """Before the fix, a link moved aside as `.name.old-PID` survived (rmtree refuses links)."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "run"
    target.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text(NOTES)
    (tmp_path / f".run.old-{dead.pid}").symlink_to(elsewhere)
    runfolder._recover(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "run"]
    assert (elsewhere / "keep.txt").read_text() == NOTES  # the link went, not what it pointed to


def test_export_does_not_write_through_a_symlinked_report(tmp_path, run_dir):
    mine = tmp_path / "mine.html"
    mine.write_text(NOTES)
    (tmp_path / "report.html").symlink_to(mine)
    for extra in ([], ["--force"]):
        res = invoke("export", run_dir, "--to", "html", "--out", tmp_path / "report.html", *extra)
        assert res.exit_code == 2 and "symbolic link" in res.output, res.output
    assert mine.read_text() == NOTES and (tmp_path / "report.html").is_symlink()


# ---------------------------------------------------------------- defect 7: an infeasible tranche


@pytest.mark.parametrize("nested", ["joint", "greedy"])
def test_an_infeasible_tranche_is_exit_3_and_named(nested, tmp_path):
    """tiny with objective.coverage_target=1 covers both gaps fully only with a + b (budget 5 + 6
    = 11; a is the only real cover of g1, c + d would be a third option beyond diplomatic
    capacity 2). So the tranche at 6 has no portfolio at all (infeasible, proven), and the one
    at 11 is {a, b} with objective 1·1 + 2·1 = 3. Before the fix: exit 4, "a solve hit its time
    limit", and in joint mode tranche 2 was infeasible too."""
    args = [
        "frontier",
        TINY,
        "--resource",
        "budget_musd",
        "--tranches",
        "6,11",
        "--nested",
        nested,
        "--set",
        "objective.coverage_target=1",
    ]
    res = invoke(*args, "--out", tmp_path / "t")
    assert res.exit_code == 3, res.output
    assert (
        "tranche 1 (limits.budget_musd = 6) is infeasible: no portfolio meets the scenario at that limit" in res.output
    )
    assert "time limit" not in res.output
    res = invoke(*args, "--out", tmp_path / "t", "--json")
    assert res.exit_code == 3
    data = json.loads(res.output)
    assert data["infeasible_tranches"] == [{"tranche": 1, "limit": 6.0, "alone": True}]
    assert data["exact"] is True and data["objective_sum"] == pytest.approx(3.0)
    rows = (tmp_path / "t" / "tranches.csv").read_text().splitlines()
    assert rows[1].split(",")[:3] == ["1", "6.0", "infeasible"]
    assert rows[2].split(",")[:4] == ["2", "11.0", "optimal", "3.0"] and rows[2].endswith("a;b,a;b")


def test_feasible_tranches_still_exit_0(tmp_path):
    res = invoke("frontier", TINY, "--resource", "budget_musd", "--tranches", "6,11", "--out", tmp_path / "t", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["infeasible_tranches"] == []


def test_every_command_with_out_is_a_writer_here():
    """A new command that writes a folder must be added to WRITERS (and so refuse foreign folders)."""
    import click

    from planner.cli import COMMANDS

    ctx = click.Context(cli)
    with_out = {
        name
        for name in COMMANDS
        if any("--out" in p.opts for p in cli.get_command(ctx, name).params if hasattr(p, "opts"))
    }
    assert with_out - {"export", "generate", "init"} <= {args[0][0] for args in WRITERS.values()}
