"""The job kinds of `planner serve` through the ASGI client: the schema the page builds its forms
from, a kind added to the API appearing in it, and each new kind's figures equal to the CLI's
`--json` (robust, tranches, value) or the library's."""

from __future__ import annotations

import json
import time
from typing import Literal

import pytest
from click.testing import CliRunner

from planner.cli import cli
from serve_helpers import client, copy_project


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("jobs-project"))


@pytest.fixture(scope="module")
def api(project):
    return client(project)[0]


def _wait(api, job_id, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        j = api.get(f"/api/jobs/{job_id}").json()
        if j["state"] != "running":
            return j
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def _cli_json(args):
    res = CliRunner().invoke(cli, args)
    return json.loads(res.output)


def test_the_schema_lists_every_kind_with_its_fields(api):
    from planner.web.job_kinds import KIND_MODELS

    kinds = api.get("/api/jobs/schema").json()["kinds"]
    assert [k["kind"] for k in kinds] == [
        "frontier",
        "tranches",
        "sweep",
        "montecarlo",
        "alternatives",
        "robust",
        "value",
        "rival",
        "pareto",
    ]
    assert len(kinds) == len(KIND_MODELS)
    frontier = kinds[0]["schema"]
    solves = frontier["properties"]["max_solves"]
    assert solves["default"] is None and solves["anyOf"][0]["maximum"] == 2000 and solves["title"] == "Solves at most"
    assert frontier["properties"]["resource"]["x-choices"] == "resources"
    sweep = kinds[2]["schema"]
    assert sweep["properties"]["vary"]["examples"][0][0]["key"] == "limits.budget_musd"
    assert "Axis" in sweep["$defs"]  # the items' own fields, for the page's repeated fieldsets
    # the same union is what POST /api/jobs validates, as the OpenAPI document says
    spec = api.get("/openapi.json").json()
    body = spec["paths"]["/api/jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert len(body.get("oneOf", [])) == len(KIND_MODELS)


def test_a_new_kind_appears_in_the_schema_and_the_api_without_page_changes(project, monkeypatch):
    """A kind added to KIND_MODELS is served (schema) and runnable (POST) with no JS change:
    the page draws its tab and form from the schema (test_serve_browser checks the tab)."""
    from pydantic import ConfigDict, Field

    import planner.web.job_kinds as kinds
    from planner.web.job_kinds import Kind, Outcome

    class EchoJob(Kind):
        model_config = ConfigDict(extra="forbid", title="Echo")
        kind: Literal["echo"]
        times: int = Field(2, ge=1, le=5, description="how many")

        def call(self, scenario, root):
            return lambda progress: Outcome({"scenario": scenario.name, "times": self.times})

    monkeypatch.setattr(kinds, "KIND_MODELS", (*kinds.KIND_MODELS, EchoJob))
    import importlib

    import planner.web.app
    import planner.web.jobs
    import planner.web.routes

    try:
        importlib.reload(planner.web.jobs)
        importlib.reload(planner.web.routes)
        c, _ = client(project)
        listed = {k["kind"]: k for k in c.get("/api/jobs/schema").json()["kinds"]}
        assert listed["echo"]["title"] == "Echo" and listed["echo"]["schema"]["properties"]["times"]["default"] == 2
        j = _wait(c, c.post("/api/jobs", json={"kind": "echo", "times": 3}).json()["id"])
        assert j["state"] == "done" and j["result"]["summary"] == {"scenario": "baseline", "times": 3}
    finally:
        monkeypatch.undo()
        importlib.reload(planner.web.jobs)
        importlib.reload(planner.web.routes)


def test_job_states_are_an_enum():
    from planner.web.jobs import JobState

    assert [s.value for s in JobState] == ["running", "done", "partial", "failed", "cancelled"]
    assert not JobState.RUNNING.finished and JobState.PARTIAL.finished


@pytest.mark.slow
def test_tranches_job_equals_the_cli(api, project, tmp_path):
    j = _wait(api, api.post("/api/jobs", json={"kind": "tranches", "limits": [2000, 4800]}).json()["id"])
    assert j["state"] == "done", j
    want = _cli_json(
        [
            "frontier",
            str(project / "models/baseline.yaml"),
            "--resource",
            "budget_musd",
            "--tranches",
            "2000,4800",
            "--json",
            "--out",
            str(tmp_path / "t"),
        ]
    )
    for key in ("objective_sum", "unconstrained_sum", "price_of_nesting", "tranches", "nested"):
        assert j["result"]["summary"][key] == want[key], key
    table = next(b for b in j["result"]["view"] if b["type"] == "table")
    assert [r["objective"] for r in table["rows"]] == [r["objective"] for r in j["result"]["tables"]["tranches.csv"]]


@pytest.mark.slow
def test_value_job_equals_the_cli(api, project):
    j = _wait(api, api.post("/api/jobs", json={"kind": "value"}).json()["id"])
    assert j["state"] == "done", j
    want = _cli_json(["value", str(project / "models/baseline.yaml"), "--family", "limit", "--json"])
    got = {r["ident"]: r["gain_if_relaxed"] for r in j["result"]["tables"]["value.csv"]}
    assert got == {b["ident"]: b["gain_if_relaxed"] for b in want["bounds"]}


@pytest.mark.slow
def test_robust_job_with_intervals_from_the_request_equals_the_cli(api, project, tmp_path):
    """The page's intervals and orders become robust.* edits: the same figures as
    `planner robust --set ...` on the same edits."""
    body = {
        "kind": "robust",
        "sector_weights": [{"id": "ai", "low": 1.0, "high": 2.0}, {"id": "semis", "low": 1.2, "high": 1.8}],
        "order": ["semis >= ai"],
        "max_portfolios": 2,
        "samples": 0,
    }
    j = _wait(api, api.post("/api/jobs", json=body).json()["id"], timeout=300)
    assert j["state"] in ("done", "partial"), j
    want = _cli_json(
        [
            "robust",
            str(project / "models/baseline.yaml"),
            "--set",
            "robust.sector_weights.ai=[1.0, 2.0]",
            "--set",
            "robust.sector_weights.semis=[1.2, 1.8]",
            "--set",
            'robust.order=["semis >= ai"]',
            "--max-portfolios",
            "2",
            "--samples",
            "0",
            "--json",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    s = j["result"]["summary"]
    assert s["maximin"]["worst_case"] == pytest.approx(want["maximin"]["worst_case"])
    assert s["minimax_regret"]["max_regret"] == pytest.approx(want["minimax_regret"]["max_regret"])
    assert s["core_index"]["complete"] == want["core_index"]["complete"]
    assert (j["state"] == "partial") == (want["core_index"]["complete"] is False)


def test_replan_from_a_list_gives_the_change_table_and_price_of_stability(api, project, tmp_path):
    base = api.post("/api/solve", json={}).json()
    # last quarter's plan: today's optimum without its first option (a feasible subset of it)
    incumbent = base["selected_ids"][1:]
    sets = [f"replan.incumbent={json.dumps(incumbent)}", "replan.max_changes=1"]
    got = api.post("/api/solve", json={"set": sets}).json()
    want = _cli_json(
        [
            "solve",
            str(project / "models/baseline.yaml"),
            "--set",
            sets[0],
            "--set",
            sets[1],
            "--json",
            "--out",
            str(tmp_path / "rp"),
        ]
    )
    assert got["changes"] == want["changes"] and got["objective"] == want["objective"]
    assert got["replan"]["clean_sheet"]["price_of_stability"] == want["replan"]["clean_sheet"]["price_of_stability"]
    assert got["status"] == "optimal" and got["changes"]["total"] <= 1
    assert got["replan"]["clean_sheet"]["price_of_stability"] >= 0
    assert {r["change"] for r in got["changes_table"]} <= {"kept", "dropped", "added"}


def test_portfolio_rows_carry_benefit_cost_and_gaps(api):
    d = api.post("/api/solve", json={}).json()
    row = next(p for p in d["portfolio"] if p["option_id"] == "can-ai-datacenter")
    # explain says forbidding it costs 0.0325 after re-optimising; dropping it alone (nothing
    # re-chosen) costs at least that much
    assert row["benefit"] >= 0.0325 - 1e-9 and row["gaps"] and d["cost_resource"] == "budget_musd"


@pytest.mark.slow
def test_rival_job_equals_the_cli(api, project, tmp_path):
    """The rival tab runs `planner rival`: the same plans, worst cases and price of hedging."""
    j = _wait(
        api,
        api.post(
            "/api/jobs",
            json={"kind": "rival", "budget": 2, "budgets": [0, 1], "whatif": {"scenario": "models/rival.yaml"}},
        ).json()["id"],
        timeout=300,
    )
    assert j["state"] == "done", j
    want = _cli_json(
        [
            "rival",
            str(project / "models/rival.yaml"),
            "--budget",
            "2",
            "--budgets",
            "0:1:1",
            "--json",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    got = j["result"]["summary"]
    for plan in ("nominal", "hedged"):
        for key in ("objective", "worst_case", "selected", "response"):
            assert got[plan][key] == want[plan][key], (plan, key)
    assert got["price_of_hedging"] == want["price_of_hedging"] and got["gain"] == want["gain"]
    assert [r["hedged_worst_case"] for r in j["result"]["tables"]["rival_ladder.csv"]] == [
        r["hedged_worst_case"] for r in want["ladder"]
    ]
    view = j["result"]["view"]  # its own panel, in words: both plans, the ladder, the partners by name
    titles = [b.get("title") or b.get("chart", {}).get("title", "") for b in view]
    assert any(t.startswith("Both plans") for t in titles) and "The ladder of rival budgets" in titles
    partners = next(b for b in view if b["type"] == "table" and b["title"].startswith("Partners in either plan"))
    assert "Japan" in [r["partner"] for r in partners["rows"]]


@pytest.mark.slow
def test_pareto_job_equals_the_cli_and_says_partial(api, project, tmp_path):
    """The Pareto tab runs `planner pareto`; a front stopped by its point limit is partial, not done."""
    j = _wait(
        api,
        api.post(
            "/api/jobs",
            json={"kind": "pareto", "max_points": 3, "objectives": [{"kind": "coverage"}, {"kind": "risk"}]},
        ).json()["id"],
        timeout=300,
    )
    want = _cli_json(
        [
            "pareto",
            str(project / "models/baseline.yaml"),
            "--objectives",
            "coverage,risk",
            "--max-points",
            "3",
            "--json",
            "--out",
            str(tmp_path / "p"),
        ]
    )
    assert want["complete"] is False and j["state"] == "partial", j
    rows = j["result"]["tables"]["pareto.csv"]
    assert [[r["coverage"], r["risk"]] for r in rows] == [
        [p["values"]["coverage"], p["values"]["risk"]] for p in want["points"]
    ]
    view = j["result"]["view"]
    points = next(b for b in view if b["type"] == "table")
    assert [c["label"] for c in points["columns"]][1:3] == [
        "coverage (weighted share of gaps closed) (max)",
        "total risk (min)",
    ]
    assert [[r["v0"], r["v1"]] for r in points["rows"]] == [[r["coverage"], r["risk"]] for r in rows]


@pytest.mark.slow
def test_rival_form_budget_works_on_a_scenario_without_a_rival_section(api, project, tmp_path):
    """The baseline has no rival: section: the form's budget is its rival.budget (as `--set
    rival.budget=1` on the CLI), and without a budget the page is told, in words, what to enter."""
    refused = api.post("/api/jobs", json={"kind": "rival", "whatif": {"scenario": "models/baseline.yaml"}})
    assert refused.status_code == 422 and "enter a rival budget" in refused.text
    j = _wait(
        api,
        api.post(
            "/api/jobs", json={"kind": "rival", "budget": 1, "whatif": {"scenario": "models/baseline.yaml"}}
        ).json()["id"],
        timeout=300,
    )
    assert j["state"] == "done", j
    want = _cli_json(
        [
            "rival",
            str(project / "models/baseline.yaml"),
            "--set",
            "rival.budget=1",
            "--json",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    got = j["result"]["summary"]
    for plan in ("nominal", "hedged"):
        assert got[plan]["objective"] == want[plan]["objective"] and got[plan]["selected"] == want[plan]["selected"]
