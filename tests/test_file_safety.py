"""Files cannot do harm: safe YAML, paths confined to the project, bounded sizes, safe outputs."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.inputs import read as load
from planner.cli import cli
from planner.io.runfolder import safe_child

TINY = Path(__file__).resolve().parent / "data" / "tiny"


@pytest.fixture
def project(tmp_path):
    """tmp/models/s.yaml on tmp/inputs/tiny: the shipped layout in miniature."""
    (tmp_path / "models").mkdir()
    shutil.copytree(TINY, tmp_path / "inputs" / "tiny")
    write(
        tmp_path / "models" / "s.yaml",
        "name: s\ninputs: ../inputs/tiny\nlimits: {budget_musd: 11, diplomatic_capacity: 2}\n",
    )
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def problems(res) -> list[dict]:
    assert res.exit_code == 2, res.output
    return json.loads(res.output)["problems"]


def test_python_tags_are_refused_and_nothing_runs(project):
    marker = project / "pwned"
    write(project / "models" / "evil.yaml", f"name: evil\ninputs: !!python/object/apply:os.system ['touch {marker}']\n")
    probs = problems(invoke("validate", project / "models" / "evil.yaml", "--json"))
    assert probs[0]["file"].endswith("evil.yaml") and "python/object/apply:os.system" in probs[0]["message"]
    res = invoke(
        "solve",
        project / "models" / "s.yaml",
        "--json",
        "--set",
        f"description=!!python/object/apply:os.system ['touch {marker}']",
    )
    assert problems(res)[0]["file"] == "--set"
    assert not marker.exists()


@pytest.mark.parametrize(
    "key, value",
    [
        ("inputs", "../../elsewhere"),
        ("inputs", "/etc"),
        ("extends", "../../other.yaml"),
        ("extends", "/etc/passwd"),
    ],
)
def test_paths_outside_the_project_are_refused(project, key, value):
    write(project.parent / "other.yaml", "name: other\ninputs: elsewhere\n")
    text = "name: s\nlimits: {budget_musd: 11}\n" + ("inputs: ../inputs/tiny\n" if key == "extends" else "")
    write(project / "models" / "bad.yaml", text + f"{key}: {value}\n")
    (p,) = problems(invoke("validate", project / "models" / "bad.yaml", "--json"))
    assert p["key"] == key and p["value"] == value and p["file"].endswith("bad.yaml")
    resolved = (project / "models" / value).resolve()
    assert f"resolves to {resolved}, outside the project folder {project.resolve()}" in p["message"]


def test_a_symlink_out_of_the_project_is_refused(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    shutil.copytree(TINY, outside / "tiny")
    os.symlink(outside / "tiny", project / "inputs" / "linked")
    write(project / "models" / "link.yaml", "name: l\ninputs: ../inputs/linked\n")
    (p,) = problems(invoke("validate", project / "models" / "link.yaml", "--json"))
    assert p["key"] == "inputs" and str(outside.resolve()) in p["message"]


def test_extends_inside_the_project_and_paths_typed_by_the_user_are_allowed(project, tmp_path_factory):
    write(project / "models" / "cut" / "c.yaml", "name: c\nextends: ../s.yaml\nlimits: {budget_musd: 6}\n")
    assert invoke("validate", project / "models" / "cut" / "c.yaml").exit_code == 0
    elsewhere = tmp_path_factory.mktemp("shared") / "tiny"
    shutil.copytree(TINY, elsewhere)
    res = invoke("validate", project / "models" / "s.yaml", "--set", f"inputs={elsewhere}", "--json")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(
    "files",
    [
        {"a.yaml": "name: a\ninputs: ../inputs/tiny\nextends: a.yaml\n"},
        {
            "a.yaml": "name: a\ninputs: ../inputs/tiny\nextends: b.yaml\n",
            "b.yaml": "name: b\nextends: c.yaml\n",
            "c.yaml": "name: c\nextends: a.yaml\n",
        },
    ],
)
def test_extends_cycles_are_reported(project, files):
    for name, text in files.items():
        write(project / "models" / name, text)
    (p,) = problems(invoke("validate", project / "models" / "a.yaml", "--json"))
    assert p["key"] == "extends" and "extends cycle: a.yaml -> " in p["message"] and p["message"].endswith("a.yaml")


def test_alias_bombs_and_recursive_anchors_are_refused_quickly(project):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):  # 9^10 ≈ 3.5e9 strings if expanded
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    write(
        project / "models" / "bomb.yaml",
        "name: b\ninputs: ../inputs/tiny\nx:\n" + "\n".join("  " + ln for ln in lines) + "\ndescription: *a9\n",
    )
    (p,) = problems(invoke("validate", project / "models" / "bomb.yaml", "--json"))
    assert "expands to more than 100,000 values" in p["message"]
    write(project / "models" / "rec.yaml", "name: r\ninputs: ../inputs/tiny\ndescription: &r [*r]\n")
    (p,) = problems(invoke("validate", project / "models" / "rec.yaml", "--json"))
    assert "refers to itself" in p["message"]


def test_oversized_inputs_fail_with_a_clear_message(project, monkeypatch):
    scen = project / "models" / "s.yaml"
    write(
        project / "models" / "big.yaml",
        "name: big\ninputs: ../inputs/tiny\n# " + "x" * (load.MAX_YAML_BYTES + 10) + "\n",
    )
    (p,) = problems(invoke("validate", project / "models" / "big.yaml", "--json"))
    assert "may not exceed 1 MiB" in p["message"]
    monkeypatch.setattr(load, "MAX_ROWS", 3)  # options has 4 data rows, contributions 5
    probs = problems(invoke("validate", scen, "--json"))
    assert sorted(Path(p["file"]).name for p in probs) == ["contributions.csv", "options.csv"]
    assert all("more than 3 data rows" in p["message"] for p in probs)
    monkeypatch.setattr(load, "MAX_ROWS", 1000)
    monkeypatch.setattr(load, "MAX_TABLE_BYTES", 130)  # options.csv is 265 bytes, partners.csv 135
    probs = problems(invoke("validate", scen, "--json"))
    assert {Path(p["file"]).name: p["value"] for p in probs} == {
        "options.csv": "265 bytes",
        "partners.csv": "135 bytes",
    }
    assert all("larger than the 130 bytes limit per table" in p["message"] for p in probs)


def test_workbooks_that_unpack_too_large_are_refused(project, monkeypatch):
    import pandas as pd

    book = project / "inputs" / "tiny.xlsx"
    with pd.ExcelWriter(book) as xw:
        for name in load.TABLES:
            pd.read_csv(TINY / f"{name}.csv", dtype=str).to_excel(xw, sheet_name=name, index=False)
    res = invoke("validate", project / "models" / "s.yaml", "--set", f"inputs={book}")
    assert res.exit_code == 0, res.output
    monkeypatch.setattr(load, "MAX_XLSX_UNPACKED_BYTES", 1000)
    (p,) = problems(invoke("validate", project / "models" / "s.yaml", "--set", f"inputs={book}", "--json"))
    assert p["file"] == str(book) and "unpacks to more than" in p["message"]
    book.write_bytes(b"PK\x03\x04 not really a zip")
    (p,) = problems(invoke("validate", project / "models" / "s.yaml", "--set", f"inputs={book}", "--json"))
    assert p["file"] == str(book) and "cannot read workbook" in p["message"]


def test_scenario_names_cannot_lead_outside_outputs(project, monkeypatch):
    monkeypatch.chdir(project)
    (p,) = problems(invoke("solve", "models/s.yaml", "--set", "name=..", "--json"))
    assert p["key"] == "name"
    res = invoke("solve", "models/s.yaml", "--json")
    assert res.exit_code == 0
    out = Path(json.loads(res.output)["out_dir"])
    assert out.parent == Path("outputs") / "s" and (project / out / "summary.json").is_file()
    with pytest.raises(ValueError):
        safe_child(project, "../x")


def test_formula_cells_are_neutralised_in_outputs(project, tmp_path):
    opts = project / "inputs" / "tiny" / "options.csv"
    opts.write_text(opts.read_text().replace("Japan packaging", '"=HYPERLINK(""http://x"",""y"")"'))
    out = tmp_path / "run"
    assert invoke("solve", project / "models" / "s.yaml", "--out", out).exit_code == 0
    assert "'=HYPERLINK" in (out / "portfolio.csv").read_text()
    assert invoke("check", out).exit_code == 0
