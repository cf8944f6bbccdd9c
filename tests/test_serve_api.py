"""`planner serve`'s JSON API through the ASGI test client: every endpoint, each error class,
and figures equal to the CLI's `--json` on the same inputs."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import yaml
from click.testing import CliRunner

from planner.cli import cli
from serve_helpers import REPO, TOKEN, Server, client, copy_project

CUT = ["limits.budget_musd=3000"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def api(project):
    c, app = client(project)
    c.app_ = app
    return c


def _cli_json(args):
    res = CliRunner().invoke(cli, args)
    return json.loads(res.output)


def test_scenarios(api):
    data = api.get("/api/scenarios").json()
    assert "models/baseline.yaml" in data["scenarios"] and data["default"] == "models/baseline.yaml"


VOLATILE = {"solve_seconds", "timings_seconds", "stages", "out_dir"}


def test_solve_equals_cli(api, project, tmp_path):
    r = api.post("/api/solve", json={"scenario": "models/baseline.yaml", "set": CUT})
    assert r.status_code == 200
    got = r.json()
    want = _cli_json(
        ["solve", str(project / "models/baseline.yaml"), "--set", CUT[0], "--json", "--out", str(tmp_path / "r")]
    )
    assert set(want) - {"out_dir"} <= set(got)
    for key in set(want) - VOLATILE:
        assert got[key] == want[key], key
    assert [s["status"] for s in got["stages"]] == [s["status"] for s in want["stages"]]
    assert [p["option_id"] for p in got["portfolio"]] == want["selected_ids"]
    assert len(got["coverage"]) > 0 and got["sectors"] and got["matrix"]
    again = api.post("/api/solve", json={"set": ["limits.budget_musd=3500"]}).json()
    assert again["resolve_path"] == "fast"  # a numeric edit re-solves the live model in place


def test_locks_and_rules_off(api, project):
    base = api.post("/api/solve", json={}).json()
    out = base["selected_ids"][0]
    locked = api.post("/api/solve", json={"lock_out": [out]}).json()
    assert out not in locked["selected_ids"] and locked["settings"]["forbid"] == [out]
    assert locked["resolve_path"] == "fast+locks"  # column bounds on the live model, no rebuild
    want = _cli_json(
        [
            "solve",
            str(project / "models/baseline.yaml"),
            "--set",
            f"rules.forbid=[{out}]",
            "--json",
            "--out",
            str(project / "outputs/lock"),
        ]
    )
    for key in ("status", "objective", "bound", "selected_ids", "resources", "rules_active", "input_sha256"):
        assert locked[key] == want[key], key
    unlocked = api.post("/api/solve", json={}).json()  # the bounds go back
    assert unlocked["selected_ids"] == base["selected_ids"] and unlocked["objective"] == base["objective"]
    others = [o["option_id"] for o in base["options"] if not o["selected"]]
    forced = api.post("/api/solve", json={"lock_in": [others[0]]}).json()
    assert others[0] in forced["selected_ids"]
    want = _cli_json(
        [
            "solve",
            str(project / "models/baseline.yaml"),
            "--set",
            f"rules.require=[{others[0]}]",
            "--json",
            "--out",
            str(project / "outputs/lock-in"),
        ]
    )
    assert (forced["objective"], forced["selected_ids"]) == (want["objective"], want["selected_ids"])
    full = api.post("/api/solve", json={"scenario": "models/all-rules.yaml"}).json()
    assert "groups" in full["rules_active"]
    off = api.post("/api/solve", json={"scenario": "models/all-rules.yaml", "rules_off": ["groups"]}).json()
    assert "groups" not in off["rules_active"]


def _problems(r, status=422):
    assert r.status_code == status, r.text
    problems = r.json()["problems"]
    assert problems and all({"file", "key", "row", "column", "value", "message"} <= set(p) for p in problems)
    return problems


def test_bad_set_is_the_cli_problem(api, project):
    got = _problems(api.post("/api/solve", json={"set": ["limits.budget_musd"]}))
    want = _cli_json(["solve", str(project / "models/baseline.yaml"), "--set", "limits.budget_musd", "--json"])[
        "problems"
    ]
    assert got == want
    got = _problems(api.post("/api/solve", json={"set": ["objective.sense=maximum"]}))
    assert got[0]["key"] == "objective.sense"


def test_unknown_option(api):
    assert _problems(api.post("/api/solve", json={"lock_in": ["no-such-option"]}))[0]["value"] == "no-such-option"
    assert _problems(api.post("/api/explain", json={"options": ["no-such-option"]}))
    assert _problems(api.post("/api/solve", json={"rules_off": ["nonsense"]}))[0]["key"] == "rules_off"


@pytest.mark.parametrize(
    "path",
    ["../../etc/passwd", "/etc/passwd", "models/../../x.yaml", "inputs/baseline/options.csv", "models/nope.yaml", ""],
)
def test_paths_outside_or_missing_are_refused(api, path):
    assert _problems(api.post("/api/solve", json={"scenario": path}))[0]["key"] == "scenario"


def test_oversized_body(api):
    r = api.post(
        "/api/solve", content=b'{"set": ["' + b"x" * 300_000 + b'"]}', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["problems"]


def test_token_host_and_csrf(api, project):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    bare = TestClient(api.app_)
    assert bare.get("/api/scenarios").status_code == 401
    assert bare.get("/api/scenarios", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert bare.get("/?token=wrong", follow_redirects=False).status_code == 401
    assert api.get("/api/scenarios", headers={"Host": "evil.example:80"}).status_code == 400
    r = bare.get(f"/?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/" and "HttpOnly" in r.headers["set-cookie"]
    page = bare.get("/")  # the cookie now authenticates
    assert page.status_code == 200 and "default-src 'none'" in page.headers["content-security-policy"]
    assert bare.post("/api/solve", json={}).status_code == 403  # cookie alone: no cross-site changes
    csrf = api.app_.state.csrf
    assert csrf in page.text
    assert bare.post("/api/solve", json={}, headers={"X-Planner-CSRF": csrf}).status_code == 200


def test_page_and_docs_fetch_nothing_from_the_network(api):
    for path in ("/", "/docs", "/static/app.js", "/static/app.css", "/static/docs.js"):
        r = api.get(path)
        assert r.status_code == 200, path
        text = r.text.replace("http://www.w3.org/2000/svg", "")  # the SVG namespace name, never fetched
        assert "http://" not in text and "https://" not in text, path
    spec = api.get("/openapi.json").json()
    assert {
        "/api/solve",
        "/api/explain",
        "/api/diagnose",
        "/api/jobs",
        "/api/jobs/{job_id}",
        "/api/save",
        "/api/scenarios",
        "/api/report/{fmt}",
    } <= set(spec["paths"])
    assert api.get("/static/../app.py").status_code in (404, 422)


def test_explain_equals_cli(api, project):
    r = api.post(
        "/api/explain", json={"whatif": {"set": CUT}, "options": ["jpn-semis-supply-chain"], "thresholds": False}
    )
    assert r.status_code == 200
    want = _cli_json(
        [
            "explain",
            str(project / "models/baseline.yaml"),
            "jpn-semis-supply-chain",
            "--set",
            CUT[0],
            "--no-thresholds",
            "--json",
        ]
    )
    got = r.json()
    assert got["explanations"] == want["explanations"] and got["text"][0]


def test_infeasible_then_diagnose_then_fix(api, project):
    cut = ["limits.budget_musd=500"]
    r = api.post("/api/solve", json={"set": cut})
    assert r.status_code == 200 and r.json()["status"] == "infeasible"
    d = api.post("/api/diagnose", json={"whatif": {"set": cut}})
    assert d.status_code == 200
    got = d.json()
    want = _cli_json(["diagnose", str(project / "models/baseline.yaml"), "--set", cut[0], "--json"])
    for key in ("status", "combined", "alternatives", "penalty", "feasible_after"):
        assert got[key] == want[key], key
    fix = next(x["override"] for x in got["alternatives"] if x["override"])
    fixed = api.post("/api/solve", json={"set": [*cut, fix]})
    assert fixed.json()["status"] == "optimal"
    assert api.post("/api/solve", json={}).json()["status"] == "optimal"  # the server carries on


def _wait(api, job_id, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        j = api.get(f"/api/jobs/{job_id}").json()
        if j["state"] != "running":
            return j
        time.sleep(0.1)
    raise AssertionError("job did not finish")


@pytest.mark.slow
def test_jobs(api):
    mc = api.post(
        "/api/jobs",
        json={
            "kind": "montecarlo",
            "samples": 10,
            "seed": 1,
            "perturb": [{"table": "contributions", "column": "amount", "low": 0.8, "high": 1.2}],
        },
    ).json()
    j = _wait(api, mc["id"])
    assert j["state"] == "done" and j["done"] == j["total"] == 10
    labels = {r["label"] for r in j["result"]["tables"]["montecarlo_options.csv"]}
    assert labels <= {"core", "borderline", "exterior"}
    sw = _wait(
        api,
        api.post(
            "/api/jobs", json={"kind": "sweep", "vary": [{"key": "limits.budget_musd", "values": [3000, 4000]}]}
        ).json()["id"],
    )
    objectives = [r["objective"] for r in sw["result"]["tables"]["sweep.csv"]]
    assert sw["state"] == "done" and objectives[0] == pytest.approx(20.0075)
    said = [b.get("chart", {}).get("title", "") for b in sw["result"]["view"]] + [
        c["label"] for b in sw["result"]["view"] if b["type"] == "table" for c in b["columns"]
    ]
    assert (
        any("against the budget (M$) limit" in t for t in said) and "limits.budget_musd" not in said
    )  # words, not keys
    alt = _wait(api, api.post("/api/jobs", json={"kind": "alternatives", "count": 1}).json()["id"])
    assert alt["state"] == "done" and alt["result"]["tables"]["alternatives.csv"]
    fr = _wait(api, api.post("/api/jobs", json={"kind": "frontier", "max_solves": 4}).json()["id"])
    # 4 solves cannot walk the baseline's budget down to 0: partial, never "done" (issue 22)
    assert fr["state"] == "partial" and fr["result"]["tables"]["frontier.csv"]
    assert fr["result"]["summary"]["complete"] is False and "covers" in fr["partial"]
    big = api.post(
        "/api/jobs",
        json={
            "kind": "montecarlo",
            "samples": 2000,
            "perturb": [{"table": "contributions", "column": "amount", "low": 0.8, "high": 1.2}],
        },
    ).json()
    assert api.delete(f"/api/jobs/{big['id']}").status_code == 200
    assert _wait(api, big["id"])["state"] == "cancelled"
    assert api.get("/api/jobs/nope").status_code == 404
    assert _problems(api.post("/api/jobs", json={"kind": "sweep"}))[0]["key"] == "vary"
    assert _problems(api.post("/api/jobs", json={"kind": "bogus"}))


def test_job_time_limit(project):
    c, app = client(project)
    app.state.ctx.jobs.time_limit_s = 0.0
    job = c.post(
        "/api/jobs",
        json={
            "kind": "montecarlo",
            "samples": 40,
            "perturb": [{"table": "contributions", "column": "amount", "low": 0.8, "high": 1.2}],
        },
    ).json()
    j = _wait(c, job["id"])
    assert j["state"] == "cancelled" and "time limit" in j["error"]["message"]


def test_save_extends_with_only_the_changes(api, project, tmp_path):
    body = {"whatif": {"set": CUT, "lock_out": ["jpn-semis-supply-chain"]}, "name": "cut-no-jpn"}
    r = api.post("/api/save", json=body)
    assert r.status_code == 200 and r.json()["saved"] == "models/cut-no-jpn.yaml"
    data = yaml.safe_load((project / "models/cut-no-jpn.yaml").read_text())
    assert data == {
        "name": "cut-no-jpn",
        "description": data["description"],
        "extends": "baseline.yaml",
        "limits": {"budget_musd": 3000},
        "rules": {"forbid": ["jpn-semis-supply-chain"]},
    }
    page = api.post("/api/solve", json=body["whatif"]).json()
    cli_run = _cli_json(["solve", str(project / "models/cut-no-jpn.yaml"), "--json", "--out", str(tmp_path / "s")])
    assert cli_run["objective"] == page["objective"] and cli_run["selected_ids"] == page["selected_ids"]
    assert _problems(api.post("/api/save", json=body))[0]["key"] == "name"  # exists
    assert api.post("/api/save", json={**body, "replace": True}).status_code == 200
    assert _problems(api.post("/api/save", json={**body, "name": "../evil"}))[0]["key"] == "name"
    assert not list((project / "models").glob(".*"))  # no temporary file left


@pytest.mark.parametrize("fmt, magic", [("xlsx", b"PK"), ("html", b"<!")])
def test_reports(api, fmt, magic):
    r = api.post(f"/api/report/{fmt}", json={"set": CUT})
    assert r.status_code == 200 and r.content[:2] == magic
    assert "attachment" in r.headers["content-disposition"]
    assert _problems(api.post("/api/report/pdf", json={}))[0]["key"] == "format"


def test_help_stays_fast():
    code = "import sys; from planner.cli import cli; cli.get_command(None, 'serve'); print('fastapi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(REPO)})
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_serve_command_prints_one_line_and_stops_on_ctrl_c(project):
    import httpx

    server = Server(project)
    try:
        r = httpx.get(f"{server.base}/api/scenarios", headers={"Authorization": f"Bearer {server.token}"})
        assert r.status_code == 200
        assert httpx.get(f"{server.base}/api/scenarios").status_code == 401
    finally:
        code = server.stop()
    assert code in (0, 130)
    assert server.proc.stdout.read() == ""  # exactly one line on stdout
