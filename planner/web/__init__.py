"""`planner serve`: the planning workbench in the browser, on a JSON API.

- app.py:      `create_app(settings)`, the FastAPI application (routes mounted, errors mapped)
- security.py: the ASGI guard: Host header, session token (bearer or cookie), CSRF, body size
- whatif.py:   a page's what-if (scenario, --set edits, locks, rules off) → `--set` overrides
- sessions.py: one live model (`planner.sensitivity.engine.Engine`) per browser session
- payload.py:  a `Result` as the JSON the page draws (the `planner solve --json` summary + rows)
- jobs.py:     frontier, sweep, Monte Carlo and alternatives as cancellable background jobs
- save.py:     a what-if saved as models/<name>.yaml, never breaking an `extends:` chain
- routes.py:   the /api endpoints; static/: the page (plain HTML/JS/CSS, no network fetches)

FastAPI is imported only here, never by `planner --help` (see planner/cli/serve_cmd.py).
"""
