"""The run folder's contract (`planner.results.manifest`) holds for every kind of run folder.

- Every field every command writes is declared (verified or unverifiable): each folder of
  `check_support.FOLDERS` — built by the CLI on tiny scenarios — is walked, every JSON key path
  and every CSV column of every file, and each must fall under a declared field.
- Check verifies each field it declares verified (no declared-but-unchecked): on an untouched
  folder every verified field present was compared, and every comparison names a declared field.
- Tampering with any verified field — one at a time, its first occurrence — makes check fail
  naming that file and field (or the file a digest's difference is blamed on); deleting any
  CSV column does too.
- `planner check --json` lists the kind's verified fields (with how) and unverifiable ones (why).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from check_support import FOLDERS, KINDS_BUILT, cleanup, copy, folder, get_json, read_rows, set_json, tamper, write_rows
from planner.cli import cli
from planner.io.runs import read_files
from planner.results.audit import base_vocabulary, check_run, load_run_scenario
from planner.results.manifest import KINDS, How, folder_fields, json_leaves, manifest_markdown, render, spec

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _remove_the_folders_afterwards():
    yield
    cleanup()


def _vocab(name: str):
    from planner.results.audit import Checker, CheckReport, Context

    out = folder(name)
    files = read_files(out)
    kind = spec(FOLDERS[name][0])
    sc = load_run_scenario(out)
    ctx = Context(files, sc, Checker(CheckReport(out, sc.name, "", kind.kind), kind))
    return files, kind, base_vocabulary(sc) | kind.vocabulary(ctx)


def test_every_registered_kind_has_a_test_folder():
    assert set(KINDS) <= set(KINDS_BUILT), f"no test folder for {set(KINDS) - set(KINDS_BUILT)}"


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_every_field_a_command_writes_is_declared(name):
    files, kind, vocab = _vocab(name)
    undeclared_files = [f for f in files.names if kind.file_spec(f) is None]
    assert not undeclared_files, f"{name}: files no manifest declares: {undeclared_files}"
    undeclared = [
        f"{file}: {render(path)}" for file, path in folder_fields(files) if kind.field_of(file, path, vocab) is None
    ]
    assert not undeclared, f"{name}: fields in neither list (declare them in {KINDS[kind.kind]}): {undeclared}"


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_check_verifies_every_verified_field_it_declares(name):
    files, kind, vocab = _vocab(name)
    report = check_run(folder(name))
    assert report.ok, [str(d) for d in report.discrepancies]
    assert not report.undeclared_checks, f"check compares fields no manifest declares: {report.undeclared_checks}"
    present = {
        (f.file, f.path)
        for file, path in folder_fields(files)
        if (f := kind.field_of(file, path, vocab)) is not None and f.how.checked
    }
    unchecked = present - report.fields_checked
    assert not unchecked, f"{name}: declared verified but not compared: {sorted(unchecked)}"


# ---------------------------------------------------------------- tampering, one field at a time


def _verified_fields():
    out = []
    for kind in KINDS:
        for f in spec(kind).fields:
            if f.how.checked:
                out.append(pytest.param(kind, f.file, f.path, id=f"{kind}:{f.file}:{f.path}"))
    return out


def _first_occurrence(kind: str, file: str, path: str):
    """(folder name, concrete path) of the first test folder of `kind` that holds the field."""
    for name, (k, _) in FOLDERS.items():
        if k != kind:
            continue
        files, spec_, vocab = _vocab(name)
        for f, concrete in folder_fields(files):
            declared = spec_.field_of(f, concrete, vocab)
            if f == file and declared is not None and declared.path == path:
                if file.endswith(".csv") and not files.csv[file].rows:
                    continue  # a header without rows: nothing to tamper with here
                return name, concrete
    return None, None


def _expected_blame(field, out: Path) -> str:
    if field.blame == "<inputs>":
        return str(load_run_scenario(out).inputs_path)
    return field.blame or field.file


def _caught(report, field, blame: str) -> bool:
    for d in report.discrepancies:
        if d.file != blame:
            continue
        if field.blame or field.file == "scenario.json" or d.field == field.path:
            return True
    return False


@pytest.mark.parametrize("kind, file, path", _verified_fields())
def test_a_tampered_verified_field_is_caught_and_named(kind, file, path, tmp_path):
    field = next(f for f in spec(kind).fields if f.file == file and f.path == path)
    name, concrete = _first_occurrence(kind, file, path)
    assert name is not None, f"no test folder of kind {kind} writes {file} {path}: add one to check_support.FOLDERS"
    out = copy(name, tmp_path)
    if file.endswith(".csv"):
        header, rows = read_rows(out / file)
        column = concrete[0]
        before = rows[0][column]
        rows[0][column] = tamper(before)
        write_rows(out / file, header, rows)
        what = f"row 2, column {column}: {before!r} → {rows[0][column]!r}"
    else:
        data = json.loads((out / file).read_text(encoding="utf-8"))
        before = get_json(data, concrete)
        set_json(data, concrete, tamper(before))
        (out / file).write_text(json.dumps(data), encoding="utf-8")
        what = f"key {render(concrete)}: {before!r} → {tamper(before)!r}"
    report = check_run(out)
    blame = _expected_blame(field, out)
    assert _caught(report, field, blame), (
        f"{name}: check missed {file} {what}; findings: {[(d.file, d.field, d.message) for d in report.discrepancies]}"
    )


def _csv_fields():
    out = []
    for kind in KINDS:
        for f in spec(kind).fields:
            if f.file.endswith(".csv") and f.how.checked:
                out.append(pytest.param(kind, f.file, f.path, id=f"{kind}:{f.file}:{f.path}"))
    return out


@pytest.mark.parametrize("kind, file, path", _csv_fields())
def test_a_deleted_column_is_caught_and_named(kind, file, path, tmp_path):
    name, concrete = _first_occurrence(kind, file, path)
    assert name is not None, f"no test folder of kind {kind} writes {file} {path}"
    out = copy(name, tmp_path)
    header, rows = read_rows(out / file)
    write_rows(out / file, [c for c in header if c != concrete[0]], rows)
    report = check_run(out)
    assert any(d.file == file and d.where == f"column {concrete[0]}" for d in report.discrepancies), (
        f"{name}: deleting {file} column {concrete[0]} passed: {[str(d) for d in report.discrepancies]}"
    )


# ---------------------------------------------------------------- the CLI and the docs


def test_check_json_lists_verified_and_unverifiable_fields():
    res = CliRunner().invoke(cli, ["check", str(folder("solve-tiny")), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    manifest = data["manifest"]
    assert data["kind"] == "solve" and manifest["kind"] == "solve"
    verified = {(f["file"], f["field"]): f for f in manifest["verified"]}
    unverifiable = {(f["file"], f["field"]): f for f in manifest["unverifiable"]}
    assert verified[("summary.json", "mip_gap")]["check"]
    assert verified[("summary.json", "replan.clean_sheet.objective")]["how"] == How.RESOLVED
    assert unverifiable[("summary.json", "solve_seconds")]["why"]
    declared = {(f.file, f.path) for f in spec("solve").fields}
    assert declared == set(verified) | set(unverifiable)


def test_an_undeclared_file_or_field_is_named(tmp_path):
    out = copy("solve-tiny", tmp_path)
    (out / "notes.csv").write_text("a\n1\n")
    summary = json.loads((out / "summary.json").read_text())
    summary["confidence"] = 0.99
    (out / "summary.json").write_text(json.dumps(summary))
    found = {(d.file, d.where) for d in check_run(out).discrepancies}
    assert ("notes.csv", "file") in found and ("summary.json", "key confidence") in found


def test_an_edited_scenario_json_is_blamed_on_scenario_json(tmp_path):
    # budget 11 → 10: the portfolio (cost 11) now breaks the limit, but the edit is scenario.json's
    out = copy("solve-tiny", tmp_path)
    record = json.loads((out / "scenario.json").read_text())
    record["limits"]["budget_musd"] = 10.0
    (out / "scenario.json").write_text(json.dumps(record))
    report = check_run(out)
    assert report.discrepancies[0].file == "scenario.json", [str(d) for d in report.discrepancies]


def test_a_marker_naming_another_kind_is_caught(tmp_path):
    out = copy("solve-tiny", tmp_path)
    (out / ".planner-run").write_text(json.dumps({"tool": "partnership-planner", "kind": "sweep", "version": "0"}))
    with pytest.raises(Exception):  # the marker says sweep: a sweep folder's files are missing (exit 2)
        check_run(out)


def test_docs_hold_the_manifest():
    text = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    assert manifest_markdown() in text, "docs/outputs.md: paste manifest_markdown() between the manifest markers"


def test_json_leaves_walks_lists_of_objects_and_keeps_lists_of_values():
    data = {"a": [{"b": 1}, {"b": 2, "c": [1, 2]}], "d": {}, "e": None}
    assert json_leaves(data) == [(("a", 0, "b"), 1), (("a", 1, "b"), 2), (("a", 1, "c"), [1, 2]), (("e",), None)]
