"""`planner explain` and `planner value` with `--workers N`: the same bytes as serial, in `--json`
and in the files `--out` writes; the split of the work is fixed by the items' order alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.analysis.explain import explain
from planner.analysis.parallel import split
from planner.analysis.value import value_bounds
from planner.api import load_scenario
from planner.cli import cli
from planner.errors import InputError

DATA = Path(__file__).parent / "data"
BASELINE = Path(__file__).parent.parent / "models" / "baseline.yaml"
# two selected and two unselected options of the baseline (asserted below)
OPTIONS = ["jpn-semis-supply-chain", "kor-semis-memory-supply", "gbr-cyber-codev", "jpn-semis-logic-codev"]


def _run(tmp_path: Path, name: str, args: list[str], files: tuple[str, ...]) -> tuple[str, dict[str, bytes]]:
    """--json stdout (its out_dir replaced by "OUT") and the bytes of each file --out wrote."""
    out = tmp_path / name
    res = CliRunner().invoke(cli, [*args, "--json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["out_dir"] == str(out)
    return res.output.replace(json.dumps(str(out)), '"OUT"'), {f: (out / f).read_bytes() for f in files}


def test_split_is_round_robin_and_fixed():
    assert split(list("abcde"), 2) == [[(0, "a"), (2, "c"), (4, "e")], [(1, "b"), (3, "d")]]
    assert split(list("ab"), 4) == [[(0, "a")], [(1, "b")]]


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_workers_must_be_a_whole_number_of_at_least_one(workers):
    sc = load_scenario(DATA / "tiny.yaml")
    with pytest.raises(InputError, match="--workers"):
        explain(sc, ["a", "b"], workers=workers)
    with pytest.raises(InputError, match="--workers"):
        value_bounds(sc, workers=workers)


def test_cli_rejects_zero_workers():
    res = CliRunner().invoke(cli, ["value", str(DATA / "tiny.yaml"), "--workers", "0"])
    assert res.exit_code == 2 and "--workers" in res.output


@pytest.mark.slow
def test_explain_workers_2_is_byte_identical(tmp_path):
    args = ["explain", str(BASELINE), *OPTIONS, "--max-steps", "1"]
    serial, serial_files = _run(tmp_path, "w1", args, ("explain.json", "explain.csv"))
    picked = {e["option_id"]: e["selected"] for e in json.loads(serial)["explanations"]}
    assert sorted(picked.values()) == [False, False, True, True], picked
    assert any(e["entry"] for e in json.loads(serial)["explanations"])  # thresholds were searched
    parallel, parallel_files = _run(tmp_path, "w2", [*args, "--workers", "2"], ("explain.json", "explain.csv"))
    assert parallel == serial
    assert parallel_files == serial_files


def test_explain_workers_on_the_rules_case_every_option(tmp_path):
    sc = load_scenario(DATA / "rules.yaml")
    ids = list(sc.options.index)
    serial = [e.to_dict() for e in explain(sc, ids)]
    assert [e.to_dict() for e in explain(sc, ids, workers=2)] == serial


@pytest.mark.slow
def test_value_workers_2_is_byte_identical(tmp_path):
    for path, extra in ((DATA / "rules.yaml", []), (BASELINE, ["--family", "limit", "--family", "target"])):
        args = ["value", str(path), *extra]
        serial, serial_files = _run(tmp_path, f"{path.stem}-1", args, ("value.json", "value.csv"))
        assert json.loads(serial)["bounds"]
        parallel, parallel_files = _run(
            tmp_path, f"{path.stem}-2", [*args, "--workers", "2"], ("value.json", "value.csv")
        )
        assert parallel == serial, path
        assert parallel_files == serial_files, path


@pytest.mark.slow
def test_explain_threads_give_the_serial_answers():
    # One process, the flip and each way in (both limits, contributions, cost) of an unselected
    # option on 1 and on 3 threads (workbenches forked per thread): the same explanation.
    sc = load_scenario(BASELINE)
    one = [e.to_dict() for e in explain(sc, ["kor-semis-memory-supply"], threads=1)]
    three = [e.to_dict() for e in explain(sc, ["kor-semis-memory-supply"], threads=3)]
    assert not one[0]["selected"] and len(one[0]["entry"]) == 4
    assert three == one
