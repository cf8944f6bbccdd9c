"""The FastAPI application: routes, the guard, error mapping, the page and a self-served /docs.

Every response gets its security headers (CSP, nosniff, no referrer, no-store) from the guard
(`planner.web.security.SECURITY_HEADERS`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response

from planner.errors import InputError, Problem
from planner.web.jobs import Jobs
from planner.web.security import SECURITY_HEADERS, Guard, GuardMiddleware
from planner.web.sessions import Sessions

STATIC = Path(__file__).with_name("static")
MAX_BODY = 256 * 1024
ASSETS = {
    "app.js": "text/javascript",
    "jobs.js": "text/javascript",
    "forms.js": "text/javascript",
    "charts.js": "text/javascript",
    "app.css": "text/css",
    "docs.js": "text/javascript",
    "vendor/chart.umd.min.js": "text/javascript",
}  # vendor/: Chart.js 4 (MIT, vendor/chart.js-LICENSE.md)


@dataclass
class Context:
    root: Path
    default_scenario: str
    sessions: Sessions = field(default_factory=Sessions)
    jobs: Jobs = field(default_factory=Jobs)


def allowed_hosts(host: str, port: int) -> frozenset[str] | None:
    """The Host header values the server answers: its address (and localhost for loopback)."""
    if host in ("0.0.0.0", "::", ""):
        return None
    names = {host}
    if host in ("127.0.0.1", "::1", "localhost"):
        names |= {"127.0.0.1", "localhost", "[::1]"}
    if ":" in host and not host.startswith("["):
        names.add(f"[{host}]")
    return frozenset({*(f"{n}:{port}" for n in names), *(names if port == 80 else ())})


def create_app(
    root: str | Path,
    default_scenario: str = "models/baseline.yaml",
    *,
    token: str | None = None,
    hosts: frozenset[str] | None = frozenset({"testserver"}),
    max_body: int = MAX_BODY,
    job_time_limit_s: float = 300.0,
) -> FastAPI:
    """The app for the project folder `root`; `token` (default: a fresh random one) is in
    `app.state.token`, the page's CSRF value in `app.state.csrf`."""
    from planner.web.routes import problems_response, router

    token = token or secrets.token_urlsafe(24)
    csrf = secrets.token_urlsafe(24)
    app = FastAPI(
        title="Partnership Planner",
        version=_version(),
        docs_url=None,
        redoc_url=None,
        description="The JSON API of `planner serve`: every request needs `Authorization: Bearer TOKEN` "
        "(the token `planner serve` prints). Bad input answers 422 with "
        '`{"problems": [...]}`, the problems the CLI lists.',
    )
    app.state.token, app.state.csrf = token, csrf
    app.state.ctx = Context(Path(root).resolve(), default_scenario, jobs=Jobs(job_time_limit_s))
    app.include_router(router)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> JSONResponse:
        return problems_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            Problem(
                file="request",
                key=".".join(str(p) for p in e.get("loc", ()) if p != "body") or None,
                value=None if e.get("input") is None else str(e.get("input"))[:200],
                message=e.get("msg", ""),
            )
            for e in exc.errors()
        ]
        return problems_response(InputError(problems))

    @app.exception_handler(Exception)
    async def _fault(request: Request, exc: Exception) -> JSONResponse:  # a failing solve never stops the server
        # Answered outside the guard (Starlette's outermost layer), so the headers are set here.
        return JSONResponse(
            {"error": f"internal error ({type(exc).__name__})", "message": str(exc)},
            status_code=500,
            headers={k.decode(): v.decode() for k, v in SECURITY_HEADERS},
        )

    @app.get("/", include_in_schema=False)
    def page() -> HTMLResponse:
        html = (STATIC / "index.html").read_text(encoding="utf-8").replace("{{CSRF}}", csrf)
        return HTMLResponse(html)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse((STATIC / "docs.html").read_text(encoding="utf-8"))

    @app.get("/static/{name:path}", include_in_schema=False)
    def asset(name: str) -> Response:
        if name not in ASSETS:
            return JSONResponse(
                {"problems": [Problem(file="request", key="static", value=name, message="no such asset").to_dict()]},
                status_code=404,
            )
        return Response((STATIC / name).read_bytes(), media_type=ASSETS[name])

    app.add_middleware(GuardMiddleware, guard=Guard(token, csrf, hosts, max_body))
    return app


def _version() -> str:
    from planner import __version__

    return __version__
