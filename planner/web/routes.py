"""The /api endpoints. Each is a thin adapter over the library: `planner.web.sessions`
(solve in the session's live model), `planner.analysis` (explain, diagnose),
`planner.web.jobs` (the sensitivity library), `planner.report.export_run` (downloads)."""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import yaml
from fastapi import APIRouter, Header, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from planner.errors import InputError, Problem
from planner.web.jobs import JobRequest
from planner.web.payload import clean, result_payload
from planner.web.whatif import WhatIf, list_scenarios, resolve_scenario

router = APIRouter(prefix="/api")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,80}$")


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


def _ctx(request: Request):
    return request.app.state.ctx


def _session(request: Request, sid: str | None):
    return _ctx(request).sessions.get((sid or "api")[:64])


def _file(request: Request, whatif: WhatIf) -> Path:
    return resolve_scenario(_ctx(request).root, whatif.scenario)


def _rel(request: Request, path: Path) -> str:
    return path.relative_to(_ctx(request).root).as_posix()


@router.get("/scenarios", summary="The scenario files of the project's models/ folder")
def scenarios(request: Request) -> dict:
    ctx = _ctx(request)
    return {"scenarios": list_scenarios(ctx.root), "default": ctx.default_scenario}


@router.post("/solve", summary="Solve a what-if (as `planner solve --set ... --json`, plus rows)")
def solve(whatif: WhatIf, request: Request, x_planner_session: str | None = Header(None)) -> dict:
    file = _file(request, whatif)
    solved = _session(request, x_planner_session).solve(file, whatif)
    return result_payload(solved, _rel(request, file))


@router.post("/explain", summary="Why an option is in or out (as `planner explain --json`)")
def explain(req: ExplainRequest, request: Request, x_planner_session: str | None = Header(None)) -> dict:
    from planner.analysis.explain import describe, explain as run_explain

    file = _file(request, req.whatif)
    sc, _, _ = _session(request, x_planner_session).point_scenario(file, req.whatif)
    explanations = run_explain(sc, list(req.options), entry=req.thresholds, max_steps=req.max_steps)
    return clean({"scenario": sc.name, "explanations": [e.to_dict() for e in explanations],
                  "text": [describe(e, sc.cost_resource) for e in explanations]})


@router.post("/diagnose", summary="Why a what-if is infeasible and what fixes it (as `planner diagnose --json`)")
def diagnose(req: DiagnoseRequest, request: Request, x_planner_session: str | None = Header(None)) -> dict:
    from planner.analysis.diagnose import describe, diagnose as run_diagnose

    file = _file(request, req.whatif)
    sc, _, _ = _session(request, x_planner_session).point_scenario(file, req.whatif)
    diag = run_diagnose(sc, alternatives=req.alternatives)
    return clean({**diag.to_dict(), "text": describe(diag)})


@router.post("/jobs", summary="Start a frontier, sweep, Monte Carlo or alternatives job")
def start_job(req: JobRequest, request: Request, x_planner_session: str | None = Header(None)) -> dict:
    from planner.api import load_scenario

    file = _file(request, req.whatif)
    _, _, sets = _session(request, x_planner_session).point_scenario(file, req.whatif)
    scenario = load_scenario(file, sets)  # from its files + overrides: what the sensitivity library re-reads
    return _ctx(request).jobs.start(req, scenario).to_dict()


@router.get("/jobs/{job_id}", summary="A job's progress and, when done, its result")
def get_job(job_id: str, request: Request):
    job = _ctx(request).jobs.get(job_id)
    return job.to_dict() if job else _missing(job_id)


@router.delete("/jobs/{job_id}", summary="Cancel a job (it stops at its next batch)")
def cancel_job(job_id: str, request: Request):
    job = _ctx(request).jobs.cancel(job_id)
    return job.to_dict() if job else _missing(job_id)


def _missing(job_id: str) -> JSONResponse:
    return JSONResponse({"problems": [Problem(file="request", key="job", value=job_id, message="no such job").to_dict()]},
                        status_code=404)


@router.post("/save", summary="Save the what-if as models/<name>.yaml extending its scenario")
def save(req: SaveRequest, request: Request, x_planner_session: str | None = Header(None)) -> dict:
    from planner.api import load_scenario
    from planner.inputs.read import apply_overrides, parse_set

    ctx = _ctx(request)
    file = _file(request, req.whatif)
    if not NAME.match(req.name) or req.name.endswith((".yaml", ".yml")):
        raise InputError(Problem(file="request", key="name", value=req.name,
                                 message="a name of letters, digits, '-', '_' or '.', without .yaml, e.g. budget-cut"))
    target = ctx.root / "models" / f"{req.name}.yaml"
    if target.exists() and not req.replace:
        raise InputError(Problem(file=_rel(request, target), key="name", value=req.name,
                                 message="a scenario of this name exists; pick another name or ask to replace it"))
    _, _, sets = _session(request, x_planner_session).point_scenario(file, req.whatif)
    changes = apply_overrides({}, parse_set(sets))
    data = {"name": req.name, "description": req.description or f"{req.whatif.scenario} with the changes made in planner serve",
            "extends": os.path.relpath(file, target.parent), **changes}
    text = "# Written by planner serve: the scenario it extends, with only the page's changes.\n" + \
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{req.name}.", suffix=".yaml")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        load_scenario(tmp)  # refuse to write a scenario that does not load
        if req.replace:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # atomic, and never over a file that appeared meanwhile
            except FileExistsError:
                raise InputError(Problem(file=_rel(request, target), key="name", value=req.name,
                                         message="a scenario of this name exists; pick another name or ask to replace it")) from None
    finally:
        tmp.unlink(missing_ok=True)
    return {"saved": _rel(request, target), "scenario": req.name, "text": text,
            "command": f"planner solve {_rel(request, target)}"}


@router.post("/report/{fmt}", summary="The xlsx or html report of the what-if (a download)")
def report(fmt: str, whatif: WhatIf, request: Request, x_planner_session: str | None = Header(None)):
    from planner.io.runfolder import write_run
    from planner.report import export_run

    if fmt not in ("xlsx", "html"):
        raise InputError(Problem(file="request", key="format", value=fmt, message="valid: xlsx, html"))
    file = _file(request, whatif)
    solved = _session(request, x_planner_session).solve(file, whatif)
    tmp = Path(tempfile.mkdtemp(prefix="planner-report-"))
    try:
        write_run(solved.result, tmp / "run")
        out = export_run(tmp / "run", fmt).path
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    media = "text/html" if fmt == "html" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"{solved.result.scenario.name}-whatif.{fmt}"
    return FileResponse(out, media_type=media, filename=name,
                        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True))


def problems_response(exc: InputError) -> JSONResponse:
    return JSONResponse({"problems": json.loads(json.dumps([p.to_dict() for p in exc.problems], default=str))},
                        status_code=422)
