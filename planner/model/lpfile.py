"""Write the exact model that is solved as an LP or MPS file (names from ids).

The file holds stage 1 of the solve: every variable, bound and constraint of the built
model and the primary objective, in the model's own sense. Names are the model's:
`x_<option_id>`, `cover_<gap_id>`, constraint families `link_<gap>`, `limit_<resource>`,
`target_<gap>` and the rule families (characters other than letters, digits and `_`
become `_`). Another solver reading the file reproduces the tool's objective; the
tool's second, tie-breaking stage (least cost among optimal portfolios) is a separate
solve and is described in the file's header comment, not included in it.

MPS has no portable objective sense: the file states `OBJSENSE MAX` for maximising
scenarios (HiGHS, Gurobi, CPLEX and SCIP read it; CBC's reader ignores it, so give
CBC `-max`). The LP format carries the sense itself (`Maximize`).
"""

from __future__ import annotations

from pathlib import Path

from planner.model.core import Model
from planner.errors import InputError, Problem
from planner.io.runfolder import atomic_file

MAX_NAME = 255  # the LP format's limit; build.lp_name keeps names well under it


def header_lines(model: Model) -> list[str]:
    """What the file is, in words: scenario, sense, stage, sizes, and how to re-solve it."""
    sc = model.scenario
    obj = sc.config.objective
    sense = "maximise" if model.maximize else "minimise"
    families = ", ".join(f"{k} ({len(v)})" for k, v in model.constraint_names.items()) or "none"
    return [
        f"Partnership Planner model for scenario '{sc.name}' (input sha256 {sc.input_sha256[:16]}...)",
        f"Stage 1 of the solve: {sense} the {obj.sense} objective; x_<option_id> binary = option selected,",
        "cover_<gap_id> = amount of the gap covered. Constraint families (rows): " + families + ".",
        f"The tool then breaks ties with a second solve (least {sc.cost_resource} among optimal portfolios)",
        "that keeps this objective within 1e-6 relative; that stage is not in this file.",
        "Re-solve: highspy Highs().readModel(FILE); cbc FILE -solve"
        + (" (MPS: cbc FILE -max -solve)" if model.maximize else ""),
    ]


def _write_with_header(model: Model, tmp: str, suffix: str) -> None:
    if suffix == ".lp":
        model.prob.writeLP(tmp, max_length=MAX_NAME)
        comment = "\\ "
    else:
        model.prob.writeMPS(tmp, with_objsense=True)
        comment = "* "
    with open(tmp, encoding="utf-8") as fh:
        body = fh.read()
    if suffix == ".mps":
        # PuLP puts OBJSENSE before NAME; NAME first is the order every reader accepts.
        lines = body.split("\n")
        if lines[:2] and lines[0] == "OBJSENSE" and len(lines) > 2 and lines[2].startswith("NAME"):
            lines = [lines[2], lines[0], lines[1], *lines[3:]]
        body = "\n".join(lines)
    head = "".join(f"{comment}{line}\n" for line in header_lines(model))
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(head + body)


def write_model_file(model: Model, path: str | Path) -> Path:
    """Write `.lp` or `.mps` (chosen by suffix) atomically: a temporary sibling renamed into place."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".lp", ".mps"):
        raise InputError(Problem(file="--write-model", value=str(path), message="the file must end in .lp or .mps"))
    if path.is_dir():
        raise InputError(
            Problem(
                file="--write-model", value=str(path), message="is a folder; give a file name ending in .lp or .mps"
            )
        )
    return atomic_file(path, lambda tmp: _write_with_header(model, str(tmp), suffix))
