"""The /api endpoints. Each is a thin adapter over the library: `planner.web.sessions`
(solve in the session's live model), `planner.analysis` (explain, diagnose),
`planner.web.jobs` (the sensitivity library), `planner.report.export_run` (downloads)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from planner.errors import InputError, Problem
from planner.io.numbers import json_ready
from planner.web.jobs import JobRequest
from planner.web.payload import clean, result_payload
from planner.web.whatif import Edits, WhatIf, confined, list_scenarios

if TYPE_CHECKING:
    from planner.web.app import Context
    from planner.web.sessions import Session

router = APIRouter(prefix="/api")


class ExplainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    whatif: WhatIf = Field(default_factory=WhatIf)
    options: list[str] = Field(min_length=1, max_length=20)
    thresholds: bool = Field(True, description="also the entry thresholds (as without --no-thresholds)")
    max_steps: int = Field(3, ge=1, le=50)


class DiagnoseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    whatif: WhatIf = Field(default_factory=WhatIf)
    alternatives: bool = True


class SaveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    whatif: WhatIf
    name: str = Field(max_length=80, description="saved as models/<name>.yaml")
    description: str = Field("", max_length=500)
    replace: bool = False


def _ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def _sid(sid: str | None) -> str:
    return (sid or "api")[:64]


def _session(request: Request, sid: str | None) -> Session:
    return _ctx(request).sessions.get(_sid(sid))


def _point(request: Request, whatif: WhatIf) -> tuple[Path, Edits]:
    """The what-if's scenario file and its typed edits, every file they read checked to lie inside the project."""
    return confined(_ctx(request).root, whatif)


def _rel(request: Request, path: Path) -> str:
    return path.relative_to(_ctx(request).root).as_posix()


@router.get("/scenarios", summary="The scenario files of the project's models/ folder")
def scenarios(request: Request) -> dict[str, Any]:
    ctx = _ctx(request)
    return {"scenarios": list_scenarios(ctx.root), "default": ctx.default_scenario}


@router.post("/solve", summary="Solve a what-if (as `planner solve --set ... --json`, plus rows)")
def solve(whatif: WhatIf, request: Request, x_planner_session: str | None = Header(None)) -> dict[str, Any]:
    file, edits = _point(request, whatif)
    solved = _session(request, x_planner_session).solve(file, edits)
    return result_payload(solved, _rel(request, file))


@router.post("/explain", summary="Why an option is in or out (as `planner explain --json`)")
def explain(req: ExplainRequest, request: Request, x_planner_session: str | None = Header(None)) -> dict[str, Any]:
    from planner.analysis.explain import describe, explain as run_explain

    file, edits = _point(request, req.whatif)
    sc = _session(request, x_planner_session).point_scenario(file, edits).scenario
    explanations = run_explain(sc, list(req.options), entry=req.thresholds, max_steps=req.max_steps)
    answer: dict[str, Any] = clean(
        {
            "scenario": sc.name,
            "explanations": [e.to_dict() for e in explanations],
            "text": [describe(e, sc.cost_resource) for e in explanations],
        }
    )
    return answer


@router.post("/diagnose", summary="Why a what-if is infeasible and what fixes it (as `planner diagnose --json`)")
def diagnose(req: DiagnoseRequest, request: Request, x_planner_session: str | None = Header(None)) -> dict[str, Any]:
    from planner.analysis.diagnose import describe, diagnose as run_diagnose

    file, edits = _point(request, req.whatif)
    sc = _session(request, x_planner_session).point_scenario(file, edits).scenario
    diag = run_diagnose(sc, alternatives=req.alternatives)
    answer: dict[str, Any] = clean({**diag.to_dict(), "text": describe(diag)})
    return answer


@router.get(
    "/jobs/schema", summary="The job kinds and each one's fields (JSON schema): the page builds its forms from it"
)
def jobs_schema() -> dict[str, Any]:
    from planner.web.job_kinds import kinds_schema

    return {"kinds": kinds_schema()}


@router.post(
    "/jobs", summary="Start a job of one of the kinds /api/jobs/schema lists (frontier, robust, rival, Pareto …)"
)
def start_job(req: JobRequest, request: Request, x_planner_session: str | None = Header(None)) -> dict[str, Any]:
    file, edits = _point(request, req.whatif)
    # The job runs on the what-if's own Scenario, with the job's setting edits after the page's.
    scenario = _session(request, x_planner_session).point_scenario(file, edits.plus(req.settings())).scenario
    job = _ctx(request).jobs.start(req, scenario, _sid(x_planner_session), _ctx(request).root)
    return job.to_dict()


@router.get(
    "/jobs/{job_id}",
    summary="A job's progress and, when done, its result (only the session that started it)",
    response_model=None,
)
def get_job(
    job_id: str, request: Request, x_planner_session: str | None = Header(None)
) -> dict[str, Any] | JSONResponse:
    job = _ctx(request).jobs.get(job_id, _sid(x_planner_session))
    return job.to_dict() if job else _missing(job_id)


@router.delete(
    "/jobs/{job_id}",
    summary="Cancel a job (it stops at its next batch; only the session that started it)",
    response_model=None,
)
def cancel_job(
    job_id: str, request: Request, x_planner_session: str | None = Header(None)
) -> dict[str, Any] | JSONResponse:
    job = _ctx(request).jobs.cancel(job_id, _sid(x_planner_session))
    return job.to_dict() if job else _missing(job_id)


def _missing(job_id: str) -> JSONResponse:
    return JSONResponse(
        {
            "problems": [
                Problem(file="request", key="job", value=job_id, message="no such job in this session").to_dict()
            ]
        },
        status_code=404,
    )


@router.post("/save", summary="Save the what-if as models/<name>.yaml extending its scenario")
def save(req: SaveRequest, request: Request, x_planner_session: str | None = Header(None)) -> dict[str, Any]:
    from planner.web.save import save_whatif

    file, edits = _point(request, req.whatif)
    settings = _session(request, x_planner_session).point_scenario(file, edits).settings
    return save_whatif(_ctx(request).root, file, settings, req.name, req.description, req.replace)


@router.post("/report/{fmt}", summary="The xlsx or html report of the what-if (a download)")
def report(fmt: str, whatif: WhatIf, request: Request, x_planner_session: str | None = Header(None)) -> FileResponse:
    from planner.io.runfolder import write_run
    from planner.report import export_run

    if fmt not in ("xlsx", "html"):
        raise InputError(Problem(file="request", key="format", value=fmt, message="valid: xlsx, html"))
    file, edits = _point(request, whatif)
    solved = _session(request, x_planner_session).solve(file, edits)
    tmp = Path(tempfile.mkdtemp(prefix="planner-report-"))
    try:
        write_run(solved.result, tmp / "run")
        out = export_run(tmp / "run", fmt).path
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    media = "text/html" if fmt == "html" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"{solved.result.scenario.name}-whatif.{fmt}"
    return FileResponse(
        out, media_type=media, filename=name, background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True)
    )


def problems_response(exc: InputError) -> JSONResponse:
    return JSONResponse({"problems": json_ready([p.to_dict() for p in exc.problems])}, status_code=422)
