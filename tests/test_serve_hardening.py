"""Issue 18, the web server's and the inputs' edges (defects 2, 3, 4, 11, 12, 13): each test
here failed on the code before the fix (a save that broke an `extends:` chain, YAML aliases in a
`--set` value expanding without limit, `set: inputs=…` ignored by the page, files outside the
project read, 500s on odd input, jobs visible to other sessions, the URL printed before the
port accepted connections)."""

from __future__ import annotations

import csv
import json
import shutil
import socket
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from planner.cli import cli
from planner.errors import InputError
from serve_helpers import TOKEN, Server, client, copy_project

CUT = ["limits.budget_musd=3000"]
MC = {
    "kind": "montecarlo",
    "samples": 2,
    "seed": 1,
    "perturb": [{"table": "contributions", "column": "amount", "low": 0.9, "high": 1.1}],
}


def _problems(r, status=422):
    assert r.status_code == status, r.text
    problems = r.json()["problems"]
    assert problems and all({"file", "key", "row", "column", "value", "message"} <= set(p) for p in problems)
    return problems


def _cli_json(args):
    return json.loads(CliRunner().invoke(cli, args).output)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def api(project):
    c, app = client(project)
    c.app_ = app
    return c


def _bare(api):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(api.app_)


# -- 2: a save never breaks an extends: chain; every session sees what is on disk ----------------


def _save(c, name, scenario="models/baseline.yaml", sets=CUT, replace=True, session="s1"):
    return c.post(
        "/api/save",
        json={"whatif": {"scenario": scenario, "set": sets}, "name": name, "replace": replace},
        headers={"X-Planner-Session": session},
    )


def test_save_refuses_a_name_in_the_scenarios_own_extends_chain(tmp_path):
    root = copy_project(tmp_path)
    c, _ = client(root)
    before = {p.name: p.read_bytes() for p in (root / "models").glob("*.yaml")}
    for name in ("budget-cut-30", "baseline"):  # the file itself, and the file it extends
        (p,) = _problems(_save(c, name, "models/budget-cut-30.yaml"))
        assert p["key"] == "name" and p["value"] == name
        assert "extends chain" in p["message"] and "models/budget-cut-30.yaml → models/baseline.yaml" in p["message"]
    assert {p.name: p.read_bytes() for p in (root / "models").glob("*.yaml")} == before
    for scenario in before:  # every shipped scenario still loads
        assert CliRunner().invoke(cli, ["validate", str(root / "models" / scenario)]).exit_code == 0, scenario


def test_save_refuses_to_replace_a_scenario_others_extend(tmp_path):
    root = copy_project(tmp_path)
    c, _ = client(root)
    solo = yaml.safe_load((root / "models/baseline.yaml").read_text())
    (root / "models/solo.yaml").write_text(yaml.safe_dump({**solo, "name": "solo"}))  # extends nothing
    (p,) = _problems(_save(c, "baseline", "models/solo.yaml"))  # baseline is not in solo's chain, but others extend it
    assert (
        p["key"] == "name" and "models/budget-cut-30.yaml" in p["message"] and "change what they mean" in p["message"]
    )
    assert _save(c, "cut-a", sets=CUT).status_code == 200
    assert _save(c, "cut-b", "models/cut-a.yaml", sets=["objective.risk_penalty=0.5"]).status_code == 200
    (p,) = _problems(_save(c, "cut-a", sets=["limits.budget_musd=3500"]))  # cut-b extends cut-a
    assert "models/cut-b.yaml extends models/cut-a.yaml" in p["message"]
    assert _save(c, "cut-b", sets=["limits.budget_musd=3500"]).status_code == 200  # nothing extends cut-b


def test_every_session_sees_a_save_and_an_edit_on_disk(tmp_path):
    root = copy_project(tmp_path)
    c, _ = client(root)
    assert _save(c, "mine", sets=["limits.budget_musd=3000"], replace=False, session="B").status_code == 200
    mine = {"scenario": "models/mine.yaml"}
    first = c.post("/api/solve", json=mine, headers={"X-Planner-Session": "A"}).json()
    assert first["settings"]["limits"]["budget_musd"] == 3000
    assert _save(c, "mine", sets=["limits.budget_musd=4000"], session="B").status_code == 200  # another tab replaces it
    again = c.post("/api/solve", json=mine, headers={"X-Planner-Session": "A"}).json()
    want = _cli_json(["solve", str(root / "models/mine.yaml"), "--json", "--out", str(tmp_path / "r1")])
    assert again["settings"]["limits"]["budget_musd"] == 4000
    assert (again["objective"], again["input_sha256"]) == (want["objective"], want["input_sha256"])
    path = root / "models/mine.yaml"  # an edit in an editor: same size, same file
    path.write_text(path.read_text().replace("budget_musd: 4000", "budget_musd: 3500"))
    edited = c.post("/api/solve", json=mine, headers={"X-Planner-Session": "A"}).json()
    assert edited["settings"]["limits"]["budget_musd"] == 3500


# -- 3: YAML in a --set / --vary value has the limits of a scenario file --------------------------


def _flow_bomb(levels: int) -> str:
    """9**levels strings once expanded, in a few hundred bytes."""
    parts = ["&a0 [" + ",".join(["lol"] * 9) + "]"]
    parts += [f"&a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "[" + ", ".join(parts) + "]"


def _block_bomb(levels: int) -> str:
    """The same without commas (a --vary list splits at commas)."""
    lines = ["- &a0"] + ["  - lol"] * 9
    for i in range(1, levels):
        lines += [f"- &a{i}"] + [f"  - *a{i - 1}"] * 9
    return "\n".join(lines)


def test_aliases_in_a_set_or_vary_value_are_refused_quickly():
    from planner.inputs.read import parse_set
    from planner.sensitivity.grid import parse_vary

    bomb = _flow_bomb(9)  # 9**9 ≈ 3.9e8 values: the issue's 381-byte value is of this kind
    t0 = time.perf_counter()
    with pytest.raises(InputError) as err:
        parse_set([f"description={bomb}"])
    assert "expands to more than 100,000 values" in err.value.problems[0].message
    assert err.value.problems[0].key == "description"
    with pytest.raises(InputError) as err:
        parse_vary(f"description={_block_bomb(9)}")
    assert "expands to more than 100,000 values" in err.value.problems[0].message
    with pytest.raises(InputError) as err:
        parse_set(["description=&r [*r]"])
    assert "refers to itself" in err.value.problems[0].message
    with pytest.raises(InputError):
        parse_set(["description=" + "x" * (1024 * 1024 + 1)])
    assert time.perf_counter() - t0 < 5


def test_aliases_through_the_api_and_the_cli(api, project):
    (p,) = _problems(api.post("/api/solve", json={"set": [f"description={_flow_bomb(6)}"]}))
    assert p["key"] == "description" and "expands to more than 100,000 values" in p["message"]
    res = CliRunner().invoke(
        cli, ["validate", str(project / "models/baseline.yaml"), "--set", f"description={_flow_bomb(6)}"]
    )
    assert res.exit_code == 2 and "expands to more than 100,000 values" in res.output


# -- 4: set inputs=… in the page reads those tables, as the CLI does ------------------------------


def _other_tables(src: Path, dest: Path) -> Path:
    """The baseline's tables with every option's budget doubled."""
    shutil.copytree(src, dest)
    with open(dest / "options.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["budget_musd"] = str(2 * float(row["budget_musd"]))
    with open(dest / "options.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return dest


def test_set_inputs_reads_those_tables_as_the_cli_does(tmp_path):
    root = copy_project(tmp_path / "p")
    other = _other_tables(root / "inputs/baseline", root / "inputs/dear")
    c, _ = client(root)
    base = c.post("/api/solve", json={}).json()
    got = c.post("/api/solve", json={"set": ["inputs=inputs/dear"]})  # relative to the project folder
    assert got.status_code == 200, got.text
    got = got.json()
    want = _cli_json(
        [
            "solve",
            str(root / "models/baseline.yaml"),
            "--set",
            f"inputs={other}",
            "--json",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    assert (got["objective"], got["selected_ids"], got["input_sha256"]) == (
        want["objective"],
        want["selected_ids"],
        want["input_sha256"],
    )
    assert got["input_sha256"] != base["input_sha256"] and got["objective"] < base["objective"]
    assert (
        c.post("/api/solve", json={}).json()["objective"] == base["objective"]
    )  # the next what-if: the baseline again
    saved = c.post("/api/save", json={"whatif": {"set": ["inputs=inputs/dear"]}, "name": "dear"})
    assert saved.status_code == 200 and "inputs: ../inputs/dear" in saved.json()["text"]
    elsewhere = _other_tables(root / "inputs/baseline", tmp_path / "elsewhere")  # outside the project: refused
    (p,) = _problems(c.post("/api/solve", json={"set": [f"inputs={elsewhere}"]}))
    assert p["key"] == "inputs" and "outside the project folder" in p["message"]


# -- 11: the web server reads nothing outside the project ---------------------------------------


def _run_folder(path: Path, ids: list[str]) -> Path:
    path.mkdir(parents=True)
    (path / "portfolio.csv").write_text("option_id\n" + "".join(f"{i}\n" for i in ids), encoding="utf-8")
    return path


def test_incumbents_outside_the_project_are_refused_unread(tmp_path, monkeypatch):
    import planner.inputs.config_replan as replan

    root = copy_project(tmp_path / "p")
    c, _ = client(root)
    read = []
    real = replan.portfolio_ids
    monkeypatch.setattr(replan, "portfolio_ids", lambda path: read.append(Path(path)) or real(path))
    outside = _run_folder(tmp_path / "run", ["jpn-semis-supply-chain"])
    for value in ("/etc/passwd", str(outside), "../run", str(outside / "portfolio.csv")):
        (p,) = _problems(c.post("/api/solve", json={"set": [f"replan.incumbent={value}"]}))
        assert p["key"] == "replan.incumbent" and "outside the project folder" in p["message"], value
    (p,) = _problems(c.post("/api/solve", json={"set": [f"replan={{incumbent: {outside}}}"]}))
    assert p["key"] == "replan.incumbent"
    for key, value in (("replan.incumbent", "/etc/passwd"), ("inputs", str(tmp_path))):  # a sweep axis too
        sweep = {"kind": "sweep", "vary": [{"key": key, "values": [value]}]}
        assert _problems(c.post("/api/jobs", json=sweep))[0]["key"] == key
    assert read == []  # refused before anything was opened
    inside = _run_folder(root / "runs/r1", ["jpn-semis-supply-chain"])
    ok = c.post("/api/solve", json={"set": ["replan.incumbent=runs/r1", "replan.max_changes=30"]})
    assert ok.status_code == 200 and set(read) == {inside}
    (root / "runs/r2").mkdir()
    (root / "runs/r2/portfolio.csv").symlink_to(outside / "portfolio.csv")  # a run inside, its table a link out
    (p,) = _problems(c.post("/api/solve", json={"set": ["replan.incumbent=runs/r2"]}))
    assert "a link to a file elsewhere" in p["message"]


def test_a_symlinked_table_is_refused_by_the_server_and_followed_by_the_cli(tmp_path):
    root = copy_project(tmp_path / "p")
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.move(root / "inputs/baseline/partners.csv", shared / "partners.csv")
    (root / "inputs/baseline/partners.csv").symlink_to(shared / "partners.csv")
    c, _ = client(root)
    (p,) = _problems(c.post("/api/solve", json={}))
    assert p["key"] == "inputs" and "partners.csv" in p["message"] and "outside the project folder" in p["message"]
    res = CliRunner().invoke(cli, ["validate", str(root / "models/baseline.yaml")])
    assert res.exit_code == 0, res.output  # the analyst's own link: the command line follows it (docs/inputs.md)


def test_scenarios_lists_only_what_it_accepts(tmp_path):
    root = copy_project(tmp_path / "p")
    (tmp_path / "out.yaml").write_text((root / "models/baseline.yaml").read_text())
    (root / "models/link-out.yaml").symlink_to(tmp_path / "out.yaml")
    (root / "models/link-in.yaml").symlink_to(root / "models/budget-cut-30.yaml")
    c, _ = client(root)
    listed = c.get("/api/scenarios").json()["scenarios"]
    assert "models/link-out.yaml" not in listed and "models/link-in.yaml" in listed
    assert _problems(c.post("/api/solve", json={"scenario": "models/link-out.yaml"}))[0]["key"] == "scenario"
    for name in listed:  # nothing listed is refused
        assert c.post("/api/diagnose", json={"whatif": {"scenario": name}}).status_code == 200, name


# -- 12: odd input is a 4xx, never a 500 ---------------------------------------------------------


def test_non_ascii_token_and_csrf_values(api):
    bare = _bare(api)
    assert bare.get("/api/scenarios", headers={"Authorization": "Bearer é".encode()}).status_code == 401
    assert bare.get("/?token=%C3%A9", follow_redirects=False).status_code == 401
    assert bare.get("/api/scenarios", headers={"Cookie": "planner_token=é".encode()}).status_code == 401
    cookie = {"Cookie": f"planner_token={TOKEN}"}
    r = bare.post("/api/solve", json={}, headers={**cookie, "X-Planner-CSRF": "é".encode()})
    assert r.status_code == 403


def test_nul_and_control_characters(api):
    for scenario in ("models/base\x00line.yaml", "models/\nbaseline.yaml"):
        assert _problems(api.post("/api/solve", json={"scenario": scenario}))[0]["key"] == "scenario"
    assert _problems(api.post("/api/solve", json={"set": ["inputs=inputs/\x00x"]}))[0]["key"] == "inputs"


def test_a_5000_digit_number(api, project):
    digits = "1" * 5000
    (p,) = _problems(api.post("/api/solve", json={"set": [f"limits.budget_musd={digits}"]}))
    assert p["key"] == "limits.budget_musd" and "5,000 digits" in p["message"]
    body = b'{"kind": "montecarlo", "samples": ' + digits.encode() + b"}"
    assert (
        _problems(api.post("/api/jobs", content=body, headers={"Content-Type": "application/json"}))[0]["key"] == "body"
    )
    res = CliRunner().invoke(
        cli, ["solve", str(project / "models/baseline.yaml"), "--set", f"limits.budget_musd={digits}"]
    )
    assert res.exit_code == 2 and "5,000 digits" in res.output


def test_a_chunked_body_over_the_limit_is_413(api):
    def chunks():
        for _ in range(40):
            yield b"x" * 10_000

    r = api.post("/api/solve", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["problems"][0]["key"] == "body"


def _wait(c, job_id, session, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        j = c.get(f"/api/jobs/{job_id}", headers={"X-Planner-Session": session}).json()
        if j["state"] != "running":
            return j
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_a_job_belongs_to_the_session_that_started_it(api):
    job = api.post(
        "/api/jobs",
        json={"kind": "sweep", "vary": [{"key": "limits.budget_musd", "values": [3000]}]},
        headers={"X-Planner-Session": "tab-a"},
    ).json()
    for call in (api.get, api.delete):
        assert call(f"/api/jobs/{job['id']}", headers={"X-Planner-Session": "tab-b"}).status_code == 404
        assert call(f"/api/jobs/{job['id']}").status_code == 404  # nor an API client without a session
    assert _wait(api, job["id"], "tab-a")["state"] == "done"  # tab-b's cancel did nothing


def test_a_monte_carlo_job_needs_something_to_perturb_up_front(api):
    (p,) = _problems(api.post("/api/jobs", json={"kind": "montecarlo", "samples": 2}))
    assert p["key"] == "perturb" and "nothing to perturb" in p["message"]
    bad = {**MC, "perturb": [{"table": "contributions", "column": "rationale", "low": 0.9, "high": 1.1}]}
    assert _problems(api.post("/api/jobs", json=bad))


def test_every_response_carries_the_csp(api):
    bare = _bare(api)
    for r in (
        api.get("/api/scenarios"),
        api.post("/api/solve", json={"set": ["x"]}),
        api.get("/api/jobs/nope"),
        bare.get("/api/scenarios"),
        api.get("/openapi.json"),
        api.get("/"),
        api.get("/static/app.js"),
    ):
        assert "default-src 'none'" in r.headers.get("content-security-policy", ""), r.request.url
        assert r.headers["x-content-type-options"] == "nosniff"


# -- 13: the printed URL accepts connections at once ---------------------------------------------


@pytest.mark.slow
def test_the_printed_url_accepts_a_connection_at_once(project):
    for _ in range(3):
        server = Server(project)
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=10):
                pass  # refused before the fix: the line came about 35 ms before uvicorn listened
        finally:
            assert server.stop() in (0, 130)


def test_serve_listens_before_it_prints(project, monkeypatch):
    """The same, without a subprocess: when the line is printed the socket is listening."""
    import uvicorn

    from planner.cli import serve_cmd

    seen = {}

    def run(self, sockets=None):
        seen["listening"] = sockets[0].getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)

    def echo(message, err=False):
        if message.startswith("Partnership Planner at"):
            port = int(message.rsplit(":", 1)[1].split("/")[0])
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                seen["connected"] = True

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setattr(serve_cmd.click, "echo", echo)
    monkeypatch.chdir(project)
    res = CliRunner().invoke(cli, ["serve", "--no-browser"])
    assert res.exit_code == 0, res.output
    assert seen == {"listening": 1, "connected": True}
