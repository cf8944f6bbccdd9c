"""The fields every kind of run folder declares alike: the marker, scenario.json and the input digests.

Each kind's manifest (`planner.results.manifest`) lists these among its own fields, so a change
to how `planner check` stands behind them is made once, here.
"""

from __future__ import annotations

from planner.io.runs import MARKER_FILE, SCENARIO_FILE
from planner.results.manifest import Field, How

V, U = How.VERIFIED, How.UNVERIFIABLE


def marker_fields() -> tuple[Field, ...]:
    """`.planner-run`, the same in every kind (absent in folders written before it)."""
    return (
        Field(MARKER_FILE, "tool", V, "the tool's name, partnership-planner"),
        Field(MARKER_FILE, "kind", V, "the kind the folder's contents are (their files and summary)"),
        Field(MARKER_FILE, "version", U, "the planner version that wrote the folder: a fact of the run, not a result"),
    )


def scenario_fields() -> tuple[Field, ...]:
    """`scenario.json`, the settings as run (the same in every kind)."""
    return (
        Field(SCENARIO_FILE, "description", U, "free text; no figure depends on it (not in input_sha256)"),
        Field(SCENARIO_FILE, "inputs", U, "where the tables were read; their bytes are in input_sha256"),
        Field(SCENARIO_FILE, "extends", U, "always null: the settings are written merged"),
        Field(SCENARIO_FILE, "solver.threads", U, "how many threads solved it: not part of the result"),
        Field(SCENARIO_FILE, "replan.incumbent_from", U, "where the incumbent's ids were read; the ids are verified"),
        Field(
            SCENARIO_FILE,
            "**",
            V,
            "every other setting: with the input tables it reproduces the run's "
            "input_sha256 (planner.inputs.config.input_digest); an edit is blamed on scenario.json",
        ),
    )


def digest_fields(file: str) -> tuple[Field, ...]:
    return (
        Field(
            file,
            "input_sha256",
            V,
            "recomputed from scenario.json's settings and the input tables' bytes",
            blame=SCENARIO_FILE,
        ),
        Field(file, "tables_sha256", V, "recomputed from the input tables' bytes", blame="<inputs>"),
    )
