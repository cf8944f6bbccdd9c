"""Resolve rule groups (`Select`) to option ids, from plain tables.

Works on the validated scenario frames and on the raw frames validation sees: it needs
only `options` (option_id, partner_id, sector_id, kind) and `partners` (partner_id,
region, bloc, where bloc is `|`-separated memberships).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from planner.inputs.config_rules import Select

if TYPE_CHECKING:
    import pandas as pd

    from planner.inputs.scenario import Scenario


class SelectionColumns(TypedDict):
    """The columns selection reads, as plain lists and mappings (pandas element access is slow)."""

    option_id: list[str]
    partner_id: list[str]
    sector_id: list[str]
    kind: list[str]
    blocs: dict[str, list[str]]  # partner → its bloc memberships
    region: dict[str, str]  # partner → its region


def memberships(cell: object) -> list[str]:
    """`'NATO| AUKUS'` → `['NATO', 'AUKUS']` (blank parts dropped)."""
    return [part.strip() for part in str(cell or "").split("|") if part.strip()]


def partner_blocs(partners: pd.DataFrame) -> dict[str, list[str]]:
    return {str(p): memberships(b) for p, b in zip(partners["partner_id"].tolist(), partners["bloc"].tolist())}


def bloc_partners(partners: pd.DataFrame, bloc: str) -> list[str]:
    """Partners that are members of `bloc`, in table order."""
    return [p for p, blocs in partner_blocs(partners).items() if bloc in blocs]


def selection_columns(options: pd.DataFrame, partners: pd.DataFrame) -> SelectionColumns:
    """Plain lists of the columns selection reads (pandas element access is slow)."""
    return {
        "option_id": [str(o) for o in options["option_id"].tolist()],
        "partner_id": options["partner_id"].tolist(),
        "sector_id": options["sector_id"].tolist(),
        "kind": options["kind"].tolist(),
        "blocs": partner_blocs(partners),
        "region": {p: str(r).strip() for p, r in zip(partners["partner_id"].tolist(), partners["region"].tolist())},
    }


def _select(sel: Select, cols: SelectionColumns) -> list[bool]:
    partner_col = cols["partner_id"]
    tests: list[tuple[list[str], set[str]]] = []
    if sel.options is not None:
        tests.append((cols["option_id"], set(sel.options)))
    if sel.partner is not None:
        tests.append((partner_col, set(sel.partner)))
    if sel.sector is not None:
        tests.append((cols["sector_id"], set(sel.sector)))
    if sel.kind is not None:
        tests.append((cols["kind"], set(sel.kind)))
    if sel.bloc is not None:
        wanted = set(sel.bloc)
        tests.append((partner_col, {p for p, blocs in cols["blocs"].items() if wanted & set(blocs)}))
    if sel.region is not None:
        tests.append((partner_col, {p for p, r in cols["region"].items() if r in sel.region}))
    keep = [True] * len(partner_col)
    for column, allowed in tests:
        keep = [k and v in allowed for k, v in zip(keep, column)]
    return keep


def select_ids(sel: Select, options: pd.DataFrame, partners: pd.DataFrame) -> list[str]:
    """Ids of the options in the group, in table order."""
    cols = selection_columns(options, partners)
    return [o for o, k in zip(cols["option_id"], _select(sel, cols)) if k]


def group_ids(scenario: Scenario, sel: Select) -> list[str]:
    """`select_ids` on a validated scenario, with its columns read once and cached."""
    cols = scenario.select_columns
    return [o for o, k in zip(cols["option_id"], _select(sel, cols)) if k]
