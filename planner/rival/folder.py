"""The run folder of `planner rival`: rival.json, rival_partners.csv, rival_ladder.csv, scenario.json.

Written as one atomic folder (`planner.io.runfolder.atomic_dir`). rival.json is strict JSON
(no NaN or infinity: `planner.io.numbers.json_text`). What `planner check`
recomputes from it is listed in `planner.results.audit_rival`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.io.numbers import json_text
from planner.io.runfolder import atomic_dir, safe_child, write_csv

from planner.rival.run import RivalResult

PARTNER_COLUMNS = [
    "partner_id",
    "name",
    "rival_cost",
    "options_nominal",
    "cost_nominal",
    "loss_alone_nominal",
    "pulled_nominal",
    "options_hedged",
    "cost_hedged",
    "loss_alone_hedged",
    "pulled_hedged",
    "shore_up",
]
LADDER_COLUMNS = [
    "budget",
    "nominal_worst_case",
    "nominal_response",
    "hedged_worst_case",
    "hedged_objective",
    "hedged_response",
    "price_of_hedging",
    "gain",
    "added",
    "dropped",
    "gap",
    "iterations",
    "exact",
]
RIVAL_JSON, PARTNERS_CSV, LADDER_CSV = "rival.json", "rival_partners.csv", "rival_ladder.csv"


def rival_json(result: RivalResult) -> str:
    """rival.json's text: the result's dict (`RivalResult.to_dict`), strict JSON."""
    return json_text(result.to_dict()) + "\n"


def write_rival(result: RivalResult, out_dir: str | Path) -> Path:
    """Write the run folder; replaces `out_dir` atomically (all files or none)."""
    out = Path(out_dir)
    text = rival_json(result)
    with atomic_dir(out, "rival") as tmp:
        safe_child(tmp, RIVAL_JSON).write_text(text, encoding="utf-8")
        write_csv(pd.DataFrame(result.partners, columns=PARTNER_COLUMNS), safe_child(tmp, PARTNERS_CSV))
        write_csv(pd.DataFrame(result.ladder, columns=LADDER_COLUMNS), safe_child(tmp, LADDER_CSV))
        safe_child(tmp, "scenario.json").write_text(
            json_text(result.scenario.config.to_plain(), sort_keys=True) + "\n", encoding="utf-8"
        )
    return out
