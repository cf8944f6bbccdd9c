"""`planner serve`: the 20-edit p95 in a real browser, and the API's overhead over planner.api.

1. **browser**: starts `planner serve --no-browser` in a copy of the project, opens the page
   in headless Chromium (Debian's /usr/bin/chromium, Playwright), waits for the first
   result, then makes EDITS successive budget edits (typed into the budget field, Enter)
   and times each from the keypress to the page's new objective (performance.now() inside
   the page: `window.planner.latencies`), plus the page load (navigation to first result and to
   the job tabs built from the schema). With the panels loaded (the default), four job panels
   hold a result (alternatives, value of limits, a 5-solve frontier, a 3-point Pareto front)
   while the edits run, so each edit also re-labels them as belonging to an older what-if.
2. **api**: the same what-ifs (`limits.budget_musd=B`) as POST /api/solve through the ASGI
   client vs the same work in-process (`Session.solve`, the live model) vs `planner.api.solve`
   (load + build + solve from scratch, what a script would call): median and p95 of each.

    python benchmarks/bench_serve.py                 # both
    python benchmarks/bench_serve.py --edits 20 --skip-browser
    python benchmarks/bench_serve.py --no-panels     # the edits with every job panel empty
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]


def p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def budgets(n):
    return [4800 - 60 * (i + 1) if i % 2 == 0 else 3000 + 70 * i for i in range(n)]


PANELS = (  # kind, the form's fields set before running it
    ("alternatives", {"count": "1"}),
    ("value", {}),
    ("frontier", {"max_solves": "5"}),
    ("pareto", {"max_points": "3"}),
)


def load_panels(page) -> float:
    """Run each of PANELS from its tab and wait for its result; the seconds it took."""
    from test_serve_browser import finished, wait

    t0 = time.perf_counter()
    wait(page, "() => window.planner.jobsReady === true")
    for kind, fields in PANELS:
        page.click(f"#tab-{kind}")
        for name, value in fields.items():
            page.fill(f"#view-{kind} input[name={name}]", value)
        page.click(f"#view-{kind} button[type=submit]")
        finished(page, kind, timeout=300)
    page.click("#tab-result")
    return time.perf_counter() - t0


def browser(root: Path, edits: int, panels: bool = True) -> dict:
    from playwright.sync_api import sync_playwright

    from serve_helpers import Server
    from test_serve_browser import ARGS, CHROMIUM, solved, wait

    server = Server(root)
    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = b.new_page(viewport={"width": 1280, "height": 800})
            t0 = time.perf_counter()
            page.goto(server.url)
            solved(page, 1)
            load = time.perf_counter() - t0
            wait(page, "() => window.planner.jobsReady === true")
            tabs = time.perf_counter() - t0
            panels_s = load_panels(page) if panels else 0.0
            for i, budget in enumerate(budgets(edits)):
                page.fill("input[name='limits.budget_musd']", str(budget))
                page.press("input[name='limits.budget_musd']", "Enter")
                solved(page, i + 2)
            lat = page.evaluate("() => window.planner.latencies.slice(1)")
            b.close()
    finally:
        server.stop()
    return {
        "page_load_s": round(load, 3),
        "page_with_job_tabs_s": round(tabs, 3),
        "panels_loaded": [k for k, _ in PANELS] if panels else [],
        "panels_seconds": round(panels_s, 1),
        "edit_median_ms": round(statistics.median(lat), 1),
        "edit_p95_ms": round(p95(lat), 1),
        "edits": len(lat),
    }


def api(root: Path, edits: int) -> dict:
    from planner.api import load_scenario, solve
    from planner.web.sessions import Session
    from planner.web.whatif import WhatIf, confined
    from serve_helpers import client

    c, _ = client(root)
    scenario = root / "models/baseline.yaml"
    c.post("/api/solve", json={})  # warm: the session's live model
    session = Session()
    session.solve(*confined(root, WhatIf()))
    out = {"http": [], "session": [], "planner.api": []}
    for budget in budgets(edits):
        body = {"set": [f"limits.budget_musd={budget}"]}
        for key, call in (
            ("http", lambda: c.post("/api/solve", json=body)),
            ("session", lambda: session.solve(*confined(root, WhatIf(**body)))),
            ("planner.api", lambda: solve(load_scenario(scenario, body["set"]))),
        ):
            t = time.perf_counter()
            call()
            out[key].append(time.perf_counter() - t)
    ms = {
        k: {"median_ms": round(1000 * statistics.median(v), 1), "p95_ms": round(1000 * p95(v), 1)}
        for k, v in out.items()
    }
    ms["http_overhead_over_session_median_ms"] = round(ms["http"]["median_ms"] - ms["session"]["median_ms"], 1)
    ms["http_minus_planner_api_median_ms"] = round(ms["http"]["median_ms"] - ms["planner.api"]["median_ms"], 1)
    return ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--no-panels", action="store_true", help="edit with every job panel empty")
    args = ap.parse_args()
    from serve_helpers import copy_project

    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp))
        print("api:", api(root, args.edits))
        if not args.skip_browser:
            print("browser:", browser(root, args.edits, panels=not args.no_panels))


if __name__ == "__main__":
    main()
