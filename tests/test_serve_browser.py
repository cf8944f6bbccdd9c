"""`planner serve` in a real browser: headless Chromium (Debian's package) driven by Playwright
against a real server the test starts on 127.0.0.1 and stops. Screenshots of each step go
to the test's tmp folder (PLANNER_SCREENSHOTS=DIR also copies the main views there)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import cli
from serve_helpers import Server, copy_project

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)"),
]
playwright = pytest.importorskip("playwright.sync_api")


def wait(page, expr: str, timeout: float = 60):
    """Poll a JS expression (the page's CSP forbids eval, which Playwright's wait_for_function uses)."""
    end = time.time() + timeout
    while time.time() < end:
        if page.evaluate(expr):
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {expr}")


def solved(page, n: int):
    wait(page, f"() => window.planner.solves >= {n} && !window.planner.busy")


def finished(page, kind: str, timeout: float = 180) -> str:
    """Wait for the kind's job to end; its JobState value."""
    wait(
        page,
        f"() => ['done', 'partial', 'failed', 'cancelled'].includes(document.getElementById('view-{kind}').dataset.state)"
        f" && document.querySelector('#view-{kind} .job-result').children.length + "
        f"!document.querySelector('#view-{kind} .job-error').hidden > 0",
        timeout,
    )
    return page.get_attribute(f"#view-{kind}", "data-state")


def objective(page) -> float:
    return float(page.get_attribute("#objective", "data-value"))


def cli_json(args) -> dict:
    return json.loads(CliRunner().invoke(cli, args).output)


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("browser-project"))
    server = Server(root)
    try:
        with playwright.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: errors.append(f"failed {r.url}"))
            page.on(
                "request",
                lambda r: (
                    None
                    if r.url.startswith((server.base, "data:", "blob:"))
                    else errors.append(f"outside request {r.url}")
                ),
            )
            yield page, root, server, errors
            browser.close()
    finally:
        server.stop()


def shot(page, tmp_path: Path, name: str) -> None:
    page.evaluate("() => document.querySelector('main').scrollTo(0, 0)")
    page.screenshot(path=str(tmp_path / f"{name}.png"))
    extra = os.environ.get("PLANNER_SCREENSHOTS")
    if extra:
        if name in ("result", "pinned-diff", "diagnosis"):  # the main views, for docs/serve.md
            shutil.copy(tmp_path / f"{name}.png", Path(extra) / f"serve-{name}.png")


def test_workbench_in_a_browser(browser_page, tmp_path):
    page, root, server, errors = browser_page
    scenario = str(root / "models/baseline.yaml")
    t0 = time.perf_counter()
    page.goto(server.url)
    solved(page, 1)
    assert time.perf_counter() - t0 < 10
    assert page.url.endswith("/") and "token" not in page.url  # the token leaves the address bar
    assert objective(page) == cli_json(["solve", scenario, "--json", "--out", str(tmp_path / "base")])["objective"]
    shot(page, tmp_path, "result")

    # change the budget: the objective the CLI gives
    page.fill("input[name='limits.budget_musd']", "3000")
    page.press("input[name='limits.budget_musd']", "Enter")
    solved(page, 2)
    want = cli_json(["solve", scenario, "--set", "limits.budget_musd=3000", "--json", "--out", str(tmp_path / "cut")])
    assert objective(page) == want["objective"]
    shot(page, tmp_path, "budget")

    # pin, then lock an option out: it leaves, and the difference names it
    page.click("#pin")
    first = page.get_attribute("#portfolio tbody tr", "data-option")
    page.click(f"button[aria-label='Lock {first} out']")
    solved(page, 3)
    assert page.locator(f"#portfolio tr[data-option='{first}']").count() == 0
    name = page.evaluate("o => window.planner.result.options.find(x => x.option_id === o).name", first)
    assert name in page.text_content("#diff .out")  # names, not codes
    assert name in page.text_content("#locks")
    shot(page, tmp_path, "pinned-diff")

    # explain an option
    other = page.get_attribute("#portfolio tbody tr", "data-option")
    page.click(f"button[aria-label='Explain {other}']")
    wait(page, "() => document.querySelector('#explain li') !== null")
    other_name = page.evaluate("o => window.planner.result.options.find(x => x.option_id === o).name", other)
    assert f"Why is {other_name} in?" in page.text_content("#explain")
    shot(page, tmp_path, "explain")

    # a small Monte Carlo with progress
    wait(page, "() => window.planner.jobsReady === true")
    page.click("#tab-montecarlo")
    page.fill("#view-montecarlo input[name=samples]", "10")
    page.click("#view-montecarlo button[type=submit]")
    finished(page, "montecarlo")
    assert page.get_attribute("#view-montecarlo progress", "value") == "10"
    assert page.locator("#view-montecarlo .job-result tr.core").count() > 0
    text = page.text_content("#view-montecarlo .job-result")
    assert "Re-optimised per sample, mean" in text and "Unperturbed plan under the perturbations" in text
    docs_shot(page, tmp_path, "montecarlo")

    # a sweep from its tab (keyboard: arrow keys move between tabs)
    page.focus("#tab-montecarlo")
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("#tab-sweep", "aria-selected") == "true"
    page.fill("#view-sweep input[name=values]", "3000, 4000")
    page.click("#view-sweep button[type=submit]")
    finished(page, "sweep")
    assert page.locator("#view-sweep table[data-title='Each point'] tbody tr").count() == 2
    page.click("#tab-result")

    # make it infeasible, then apply a suggested fix
    page.fill("input[name='limits.budget_musd']", "500")
    page.press("input[name='limits.budget_musd']", "Enter")
    solved(page, 4)
    assert page.text_content("#status") == "infeasible"
    # the last good result stays on screen, said to be the last feasible plan (issue 22, trust)
    assert page.is_visible("#kept") and "last feasible plan" in page.text_content("#kept")
    assert page.locator("#portfolio tbody tr").count() > 0
    wait(page, "() => document.querySelector('#diagnosis button.fix') !== null")
    shot(page, tmp_path, "diagnosis")
    page.click("#diagnosis button.fix >> nth=0")
    solved(page, 5)
    assert page.text_content("#status") == "optimal" and page.is_hidden("#kept")

    # a bad edit keeps the last good result and says why
    kept = objective(page)
    page.fill("input[name='objective.risk_penalty']", "-1")
    page.press("input[name='objective.risk_penalty']", "Enter")
    wait(page, "() => !document.getElementById('problems').hidden")
    assert objective(page) == kept and "objective.risk_penalty" in page.text_content("#problems")
    page.click("button[aria-label='Undo objective.risk_penalty']")
    solved(page, 6)

    # save the what-if and solve it with the CLI
    page.fill("#save-name", "from-the-page")
    page.click("#save")
    wait(page, "() => /Saved/.test(document.getElementById('save-result').textContent)")
    saved = cli_json(["solve", str(root / "models/from-the-page.yaml"), "--json", "--out", str(tmp_path / "saved")])
    assert saved["objective"] == objective(page)

    # a second tab keeps its own what-if
    second = page.context.new_page()
    second.goto(f"{server.base}/")
    solved(second, 1)
    assert second.input_value("input[name='limits.budget_musd']") == "4800"
    assert page.input_value("input[name='limits.budget_musd']") != "4800"
    second.close()
    assert errors == []


# -- issue 22: trust, the new panels, the keyboard, screenshots of every tab ----------------------

SCREENSHOT_SET = (
    "result",
    "explain-refreshed",
    "frontier-partial",
    "tranches",
    "robust",
    "value",
    "replan",
    "montecarlo",
    "rival",
    "pareto",
)


def fresh(page, server) -> None:
    """The page opened again (by the printed link): a clean what-if, its job tabs built from the schema."""
    page.goto(server.url)
    solved(page, 1)
    wait(page, "() => window.planner.jobsReady === true")


def keyboard_run(page, kind: str) -> None:
    """Only the keyboard: arrow keys to the kind's tab, Tab to its run button, Enter."""
    page.focus("#tab-result")
    for _ in range(12):
        if page.get_attribute(f"#tab-{kind}", "aria-selected") == "true":
            break
        page.keyboard.press("ArrowRight")
    assert page.get_attribute(f"#tab-{kind}", "aria-selected") == "true"
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"() => document.activeElement === document.querySelector('#view-{kind} button[type=submit]')"
        ):
            break
    else:
        raise AssertionError(f"Tab never reached the {kind} run button")
    page.keyboard.press("Enter")


def job(page, kind: str) -> dict:
    return page.evaluate(f"() => window.planner.jobs['{kind}']")


def docs_shot(page, tmp_path: Path, name: str) -> None:
    shot(page, tmp_path, name)
    extra = os.environ.get("PLANNER_SCREENSHOTS")
    if extra and name in SCREENSHOT_SET:
        shutil.copy(tmp_path / f"{name}.png", Path(extra) / f"serve-{name}.png")


def test_the_explanation_follows_the_whatif(browser_page, tmp_path):
    """Issue 22: Why? on can-ai-datacenter, then budget 3,360: the panel must not keep saying it
    is selected (23.965 → 23.9325); during an infeasible what-if it is closed, saying why."""
    page, root, server, errors = browser_page
    fresh(page, server)
    page.click("button[aria-label='Explain can-ai-datacenter']")
    wait(page, "() => document.querySelector('#explain li') !== null")
    assert "is selected" in page.text_content("#explain") and "23.965 → 23.9325" in page.text_content("#explain")
    page.fill("input[name='limits.budget_musd']", "3360")
    page.press("input[name='limits.budget_musd']", "Enter")
    solved(page, 2)
    wait(page, "() => /3360/.test(document.querySelector('#explain .belongs')?.textContent || '')")
    text = page.text_content("#explain")
    assert "can-ai-datacenter" not in page.evaluate("() => window.planner.result.selected_ids")
    assert "is selected" not in text and "23.965 → 23.9325" not in text and "out?" in text
    docs_shot(page, tmp_path, "explain-refreshed")
    page.fill("input[name='limits.budget_musd']", "500")
    page.press("input[name='limits.budget_musd']", "Enter")
    solved(page, 3)
    assert page.text_content("#status") == "infeasible"
    wait(page, "() => /was closed/.test(document.getElementById('explain').textContent)")
    assert "is selected" not in page.text_content("#explain") and page.locator("#explain li").count() == 0
    wait(page, "() => document.querySelector('#diagnosis button.fix') !== null")  # let the diagnosis answer
    assert errors == []


def test_a_partial_frontier_says_partial(browser_page, tmp_path):
    """Issue 22: a frontier stopped by max_solves is a partial result, never "done"."""
    page, root, server, errors = browser_page
    fresh(page, server)
    page.click("#tab-frontier")
    page.fill("#view-frontier input[name=max_solves]", "5")
    keyboard_run(page, "frontier")
    assert finished(page, "frontier") == "partial"
    state = page.text_content("#view-frontier .job-state")
    assert "partial" in state and "done" not in state
    assert page.is_visible("#view-frontier .partial") and "covers" in page.text_content("#view-frontier .partial")
    want = cli_json(
        [
            "frontier",
            str(root / "models/baseline.yaml"),
            "--resource",
            "budget_musd",
            "--max-solves",
            "5",
            "--json",
            "--out",
            str(tmp_path / "f"),
        ]
    )
    got = job(page, "frontier")["result"]["summary"]
    assert (
        (got["complete"], got["covered_from"])
        == (want["complete"], want["covered_from"])
        == (False, want["covered_from"])
    )
    assert f"{want['covered_from']:,.0f}" in page.text_content("#view-frontier .partial")
    assert page.locator("#view-frontier canvas").count() == 1  # the staircase, drawn by the vendored Chart.js
    assert "Binding:" in page.text_content("#view-frontier .job-result")
    docs_shot(page, tmp_path, "frontier-partial")
    assert errors == [] and page.evaluate("() => window.planner.csp") == []


def test_tranches_panel_equals_the_cli(browser_page, tmp_path):
    page, root, server, errors = browser_page
    fresh(page, server)
    page.click("#tab-tranches")
    page.fill("#view-tranches input[name=limits]", "2000, 4800")
    keyboard_run(page, "tranches")
    assert finished(page, "tranches") == "done"
    want = cli_json(
        [
            "frontier",
            str(root / "models/baseline.yaml"),
            "--resource",
            "budget_musd",
            "--tranches",
            "2000,4800",
            "--json",
            "--out",
            str(tmp_path / "t"),
        ]
    )
    shown = [
        float(v)
        for v in page.eval_on_selector_all(
            "#view-tranches table[data-title='The tranches'] td[data-key=objective]",
            "cells => cells.map(c => c.dataset.value)",
        )
    ]
    assert sum(shown) == pytest.approx(want["objective_sum"])
    docs_shot(page, tmp_path, "tranches")
    assert errors == []


def test_value_panel_equals_the_cli(browser_page, tmp_path):
    page, root, server, errors = browser_page
    fresh(page, server)
    keyboard_run(page, "value")
    assert finished(page, "value") == "done"
    want = cli_json(["value", str(root / "models/baseline.yaml"), "--family", "limit", "--json"])
    got = {r["ident"]: r["gain_if_relaxed"] for r in job(page, "value")["result"]["tables"]["value.csv"]}
    assert got == {b["ident"]: b["gain_if_relaxed"] for b in want["bounds"]}
    assert "What one more step of each limit buys" in page.text_content("#view-value .job-result")
    docs_shot(page, tmp_path, "value")
    assert errors == []


def test_robust_panel_equals_the_cli(browser_page, tmp_path):
    page, root, server, errors = browser_page
    fresh(page, server)
    page.click("#tab-robust")
    page.fill("#view-robust input[name=max_portfolios]", "2")
    keyboard_run(page, "robust")  # the form holds the schema's example intervals: ai 1–2, semis 1.2–1.8
    state = finished(page, "robust", timeout=300)
    assert state in ("done", "partial")
    want = cli_json(
        [
            "robust",
            str(root / "models/baseline.yaml"),
            "--set",
            "robust.sector_weights.ai=[1.0, 2.0]",
            "--set",
            "robust.sector_weights.semis=[1.2, 1.8]",
            "--max-portfolios",
            "2",
            "--samples",
            "0",
            "--json",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    got = job(page, "robust")["result"]["summary"]
    assert got["maximin"]["worst_case"] == pytest.approx(want["maximin"]["worst_case"])
    assert got["minimax_regret"]["max_regret"] == pytest.approx(want["minimax_regret"]["max_regret"])
    assert (state == "partial") == (want["core_index"]["complete"] is False)
    assert page.locator("#view-robust tr.core").count() > 0  # the stoplights
    docs_shot(page, tmp_path, "robust")
    assert errors == []


def test_replan_from_the_pinned_result(browser_page, tmp_path):
    page, root, server, errors = browser_page
    fresh(page, server)
    pinned = page.evaluate("() => window.planner.result.selected_ids")
    page.click("#pin")
    page.fill("#replan-max_changes", "2")
    page.select_option("#replan-from", "pinned")
    solved(page, 2)
    page.fill("input[name='limits.budget_musd']", "4000")
    page.press("input[name='limits.budget_musd']", "Enter")
    solved(page, 3)
    wait(page, "() => !document.getElementById('replan-result').hidden")
    sets = [f"replan.incumbent={json.dumps(pinned)}", "replan.max_changes=2", "limits.budget_musd=4000"]
    args = ["solve", str(root / "models/baseline.yaml"), "--json", "--out", str(tmp_path / "rp")]
    for s in sets:
        args += ["--set", s]
    want = cli_json(args)
    got = page.evaluate("() => window.planner.result")
    assert got["objective"] == want["objective"] and got["changes"] == want["changes"]
    price = want["replan"]["clean_sheet"]["price_of_stability"]
    assert got["replan"]["clean_sheet"]["price_of_stability"] == price
    assert "Price of stability" in page.text_content("#replan-result")
    docs_shot(page, tmp_path, "replan")
    assert errors == []


def test_every_tab_by_keyboard_and_its_screenshot(browser_page, tmp_path):
    """Each tab is reached with the arrow keys and its run button with Tab; the quickest job
    (alternatives) is run with Enter. A screenshot of every tab at 1280×800."""
    page, root, server, errors = browser_page
    fresh(page, server)
    docs_shot(page, tmp_path, "result")
    kinds = [
        k["kind"]
        for k in page.evaluate(
            "() => fetch('/api/jobs/schema', {credentials: 'same-origin', headers: "
            "{'X-Planner-Session': 'x'}}).then(r => r.json()).then(d => d.kinds)"
        )
    ]
    tabs = page.eval_on_selector_all("[role=tab]", "ts => ts.map(t => t.id)")
    assert tabs == ["tab-result", *(f"tab-{k}" for k in kinds)]  # one tab per kind the schema lists
    page.click("#tab-alternatives")
    page.fill("#view-alternatives input[name=count]", "1")
    keyboard_run(page, "alternatives")
    assert finished(page, "alternatives") == "done"
    for kind in kinds:
        page.focus("#tab-result")
        for _ in range(12):
            if page.get_attribute(f"#tab-{kind}", "aria-selected") == "true":
                break
            page.keyboard.press("ArrowRight")
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate(
                f"() => document.activeElement === document.querySelector('#view-{kind} button[type=submit]')"
            ):
                break
        else:
            raise AssertionError(f"Tab never reached the {kind} run button")
        shot(page, tmp_path, f"tab-{kind}")
    assert len(list(tmp_path.glob("tab-*.png"))) == len(kinds)
    assert errors == []


def cells(page, kind: str, title: str, key: str) -> list[float]:
    """The figures a table of the kind's panel shows in a column (its cells' data-value)."""
    return [
        float(v)
        for v in page.eval_on_selector_all(
            f"#view-{kind} table[data-title='{title}'] td[data-key={key}]", "cs => cs.map(c => c.dataset.value)"
        )
    ]


def test_rival_panel_equals_the_cli(browser_page, tmp_path):
    """The rival tab on models/rival.yaml (rival budget 3, ladder 2, 3), only the keyboard to run it:
    both plans' worst cases and the ladder read from the page equal `planner rival --json`."""
    page, root, server, errors = browser_page
    fresh(page, server)
    page.select_option("#scenario", "models/rival.yaml")
    solved(page, 2)
    page.click("#tab-rival")
    page.fill("#view-rival input[name=budget]", "3")
    page.fill("#view-rival input[name=budgets]", "2, 3")
    keyboard_run(page, "rival")
    assert finished(page, "rival", timeout=300) == "done"
    want = cli_json(
        [
            "rival",
            str(root / "models/rival.yaml"),
            "--budget",
            "3",
            "--budgets",
            "2:3:1",
            "--json",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    shown = page.text_content("#view-rival .job-result")
    for plan in ("nominal", "hedged"):
        figures = f"{want[plan]['objective']:,.4f}".rstrip("0").rstrip(".")
        assert figures in shown, (plan, figures)
    ladder = "The ladder of rival budgets"
    assert cells(page, "rival", ladder, "hedged") == pytest.approx([r["hedged_worst_case"] for r in want["ladder"]])
    assert cells(page, "rival", ladder, "nominal") == pytest.approx([r["nominal_worst_case"] for r in want["ladder"]])
    got = job(page, "rival")["result"]["summary"]
    assert got["price_of_hedging"] == want["price_of_hedging"] and got["gain"] == want["gain"]
    assert (
        "China pulls Singapore" in shown
    )  # partners by name, not code: at budget 3 it pulls sgp from the nominal plan
    assert page.locator("#view-rival canvas").count() == 2  # both plans, and the ladder
    docs_shot(page, tmp_path, "rival")
    assert errors == []


def test_pareto_panel_equals_the_cli(browser_page, tmp_path):
    """The Pareto tab (coverage against risk, the schema's example; at most 3 points), only the keyboard
    to run it: a partial front, its points read from the page equal `planner pareto --json`."""
    page, root, server, errors = browser_page
    fresh(page, server)
    page.click("#tab-pareto")
    page.fill("#view-pareto input[name=max_points]", "3")
    keyboard_run(page, "pareto")
    assert finished(page, "pareto", timeout=300) == "partial"
    want = cli_json(
        [
            "pareto",
            str(root / "models/baseline.yaml"),
            "--objectives",
            "coverage,risk",
            "--max-points",
            "3",
            "--json",
            "--out",
            str(tmp_path / "p"),
        ]
    )
    title = "The points: each with its least-cost portfolio, and what enters and leaves from the one before"
    assert cells(page, "pareto", title, "v0") == pytest.approx([p["values"]["coverage"] for p in want["points"]])
    assert cells(page, "pareto", title, "v1") == pytest.approx([p["values"]["risk"] for p in want["points"]])
    assert "partial" in page.text_content("#view-pareto .job-state")
    assert "total risk (min)" in page.text_content("#view-pareto .job-result")
    assert page.locator("#view-pareto canvas").count() == 1
    docs_shot(page, tmp_path, "pareto")
    # a point's portfolio loads as the what-if (issue 22): the page then solves exactly that portfolio
    before = page.evaluate("() => window.planner.solves")
    page.click("#view-pareto button.load >> nth=1")
    solved(page, before + 1)
    assert sorted(page.evaluate("() => window.planner.result.selected_ids")) == sorted(want["points"][1]["selected"])
    assert page.text_content("#status") == "optimal"
    assert errors == []
