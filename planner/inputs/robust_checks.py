"""The `robust:` section judged against the tables: every problem at once, and when the
statements conflict, a minimal set of them (the weight set itself: `planner.inputs.validate_robust`)."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from planner.errors import Problem
from planner.inputs.config import ScenarioConfig
from planner.inputs.config_robust import RobustConfig
from planner.inputs.validate_robust import TooManyVertices, weight_set

if TYPE_CHECKING:
    import pandas as pd


def _unknown(ident: str, valid: list[str], what: str) -> str:
    close = difflib.get_close_matches(ident, valid, n=1)
    sample = ", ".join(sorted(valid)[:8]) + (" …" if len(valid) > 8 else "")
    return f"unknown {what}{f'; did you mean {close[0]!r}?' if close else '.'} Valid: {sample}"


def check_robust(cfg: ScenarioConfig, file: str, sectors: pd.DataFrame, gaps: pd.DataFrame) -> list[Problem]:
    """Every problem of the `robust:` section; when the statements conflict, a minimal set of them."""
    rob = cfg.robust
    if rob is None:
        return []
    sector_ids, gap_ids = sectors["sector_id"].tolist(), gaps["gap_id"].tolist()
    gap_sector = dict(zip(gap_ids, gaps["sector_id"].tolist()))
    problems = _interval_problems(rob, file, sector_ids, gap_ids, gap_sector)
    problems += _order_problems(rob, file, sector_ids, gap_ids)
    if problems:
        return problems
    ws = weight_set(cfg, sectors, gaps)
    if ws.conflicting:
        return [conflict_problem(cfg, file, sectors, gaps)]
    try:
        ws.group_vertices
    except TooManyVertices as exc:
        return [Problem(file=file, key="robust.order", message=f"{exc}; drop an order or an interval among them")]
    return []


def _interval_problems(
    rob: RobustConfig, file: str, sector_ids: list[str], gap_ids: list[str], gap_sector: dict[str, str]
) -> list[Problem]:
    """Unknown ids, reversed intervals, and a gap varying with its sector."""
    problems: list[Problem] = []
    for kind, table, valid in (("sector", rob.sector_weights, sector_ids), ("gap", rob.gap_weights, gap_ids)):
        for ident, (a, b) in table.items():
            key = f"robust.{kind}_weights.{ident}"
            if ident not in valid:
                problems.append(Problem(file=file, key=key, value=ident, message=_unknown(ident, valid, f"{kind} id")))
            if a > b:
                problems.append(
                    Problem(
                        file=file,
                        key=key,
                        value=[a, b],
                        message=f"the interval is reversed; write it [low, high], e.g. [{b:g}, {a:g}]",
                    )
                )
    for gid in rob.gap_weights:
        if gap_sector.get(gid) in rob.sector_weights:
            problems.append(
                Problem(
                    file=file,
                    key=f"robust.gap_weights.{gid}",
                    value=gid,
                    message=f"its sector '{gap_sector[gid]}' also has an interval (robust.sector_weights); "
                    "a gap's objective weight is gap × sector weight, so let only one of them vary",
                )
            )
    return problems


def _order_problems(rob: RobustConfig, file: str, sector_ids: list[str], gap_ids: list[str]) -> list[Problem]:
    """Unknown ids in an order, a sector ordered with a gap, an id ordered with itself."""
    problems: list[Problem] = []
    for i, (heavy, light) in enumerate(rob.pairs()):
        key = f"robust.order[{i}]"
        kinds = []
        for ident in (heavy, light):
            if ident in sector_ids:
                kinds.append("sector")
            elif ident in gap_ids:
                kinds.append("gap")
            else:
                problems.append(
                    Problem(
                        file=file,
                        key=key,
                        value=rob.order[i],
                        message=_unknown(ident, sector_ids + gap_ids, "sector or gap id"),
                    )
                )
        if len(kinds) == 2 and kinds[0] != kinds[1]:
            problems.append(
                Problem(
                    file=file,
                    key=key,
                    value=rob.order[i],
                    message="an order compares two sectors or two gaps, not a sector with a gap",
                )
            )
        if heavy == light:
            problems.append(Problem(file=file, key=key, value=rob.order[i], message="an order needs two different ids"))
    return problems


def statement_keys(rob: RobustConfig) -> list[str]:
    return (
        [f"robust.sector_weights.{s}" for s in rob.sector_weights]
        + [f"robust.gap_weights.{g}" for g in rob.gap_weights]
        + [f"robust.order[{i}]" for i in range(len(rob.order))]
    )


def conflict_problem(cfg: ScenarioConfig, file: str, sectors: pd.DataFrame, gaps: pd.DataFrame) -> Problem:
    """The statements conflict: a minimal set of them that still does (deletion filter).

    A dropped interval leaves its weight at its nominal value; a dropped order is gone."""
    if cfg.robust is None:
        raise ValueError("a conflict needs a robust: section")
    keys = statement_keys(cfg.robust)
    dropped: set[str] = set()
    for key in keys:
        if weight_set(cfg, sectors, gaps, frozenset(dropped | {key})).conflicting:
            dropped.add(key)
    conflict = [k for k in keys if k not in dropped]
    if not conflict:  # nothing stated: the weights' nominal values themselves break an order between fixed ids
        conflict = keys
    return Problem(
        file=file,
        key="robust",
        value=", ".join(conflict),
        message="no weights satisfy these statements together (at any common scale); widen an interval "
        "or drop an order among: " + "; ".join(conflict),
    )
