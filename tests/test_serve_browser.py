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
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)")]
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
            page.on("request", lambda r: None if r.url.startswith((server.base, "data:", "blob:")) else
                    errors.append(f"outside request {r.url}"))
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
    assert first in page.text_content("#diff .out")
    assert first in page.text_content("#locks")
    shot(page, tmp_path, "pinned-diff")

    # explain an option
    other = page.get_attribute("#portfolio tbody tr", "data-option")
    page.click(f"button[aria-label='Explain {other}']")
    wait(page, "() => document.querySelector('#explain li') !== null")
    assert f"Why is {other} in?" in page.text_content("#explain")
    shot(page, tmp_path, "explain")

    # a small Monte Carlo with progress
    page.click("#tab-montecarlo")
    page.fill("#view-montecarlo input[name=samples]", "10")
    page.click("#view-montecarlo button[type=submit]")
    wait(page, "() => /done/.test(document.getElementById('job-state').textContent)")
    assert page.get_attribute("#job-progress", "value") == "10"
    assert page.locator("#job-result tr.core").count() > 0
    shot(page, tmp_path, "montecarlo")

    # a sweep from its tab (keyboard: arrow keys move between tabs)
    page.focus("#tab-montecarlo")
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("#tab-sweep", "aria-selected") == "true"
    page.fill("#view-sweep input[name=values]", "3000, 4000")
    page.click("#view-sweep button[type=submit]")
    wait(page, "() => /sweep: done/.test(document.getElementById('job-state').textContent)")
    assert page.locator("#job-result table[aria-label='sweep.csv'] tbody tr").count() == 2
    page.click("#tab-result")

    # make it infeasible, then apply a suggested fix
    page.fill("input[name='limits.budget_musd']", "500")
    page.press("input[name='limits.budget_musd']", "Enter")
    solved(page, 4)
    assert page.text_content("#status") == "infeasible"
    wait(page, "() => document.querySelector('#diagnosis button.fix') !== null")
    shot(page, tmp_path, "diagnosis")
    page.click("#diagnosis button.fix")
    solved(page, 5)
    assert page.text_content("#status") == "optimal"

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
