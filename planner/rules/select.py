"""Resolve rule groups (`Select`) to option ids, from plain tables.

Works on the validated scenario frames and on the raw frames validation sees: it needs
only `options` (option_id, partner_id, sector_id, kind) and `partners` (partner_id,
region, bloc, where bloc is `|`-separated memberships).
"""
from __future__ import annotations

from ..config_rules import Select


def memberships(cell) -> list[str]:
    """`'NATO| AUKUS'` → `['NATO', 'AUKUS']` (blank parts dropped)."""
    return [part.strip() for part in str(cell or "").split("|") if part.strip()]


def partner_blocs(partners) -> dict[str, list[str]]:
    return {str(p): memberships(b) for p, b in zip(partners["partner_id"], partners["bloc"])}


def bloc_partners(partners, bloc: str) -> list[str]:
    """Partners that are members of `bloc`, in table order."""
    return [p for p, blocs in partner_blocs(partners).items() if bloc in blocs]


def select_mask(sel: Select, options, partners):
    """Boolean numpy mask over `options` rows: every stated criterion holds."""
    import numpy as np

    mask = np.ones(len(options), dtype=bool)
    if sel.options is not None:
        mask &= options["option_id"].isin(sel.options).to_numpy()
    if sel.partner is not None:
        mask &= options["partner_id"].isin(sel.partner).to_numpy()
    if sel.sector is not None:
        mask &= options["sector_id"].isin(sel.sector).to_numpy()
    if sel.kind is not None:
        mask &= options["kind"].isin(sel.kind).to_numpy()
    if sel.bloc is not None:
        wanted = set(sel.bloc)
        members = {p for p, blocs in partner_blocs(partners).items() if wanted & set(blocs)}
        mask &= options["partner_id"].isin(members).to_numpy()
    if sel.region is not None:
        regions = dict(zip(partners["partner_id"], partners["region"]))
        members = {p for p, r in regions.items() if str(r).strip() in sel.region}
        mask &= options["partner_id"].isin(members).to_numpy()
    return mask


def select_ids(sel: Select, options, partners) -> list[str]:
    """Ids of the options in the group, in table order."""
    return [str(o) for o in options["option_id"].to_numpy()[select_mask(sel, options, partners)]]
