"""The random draws of a synthetic scenario (`planner.inputs.generate` writes them as files).

Every function takes the one `numpy.random.Generator` and draws from it in a fixed order;
`planner.inputs.generate._tables` calls them in that order, so a seed gives the same files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
RulesCfg = dict[str, Any]  # the scenario's `rules:` mapping

SECTORS = (
    ("ai", "Artificial intelligence"),
    ("semis", "Semiconductors"),
    ("quantum", "Quantum technologies"),
    ("robotics-drones", "Robotics and drones"),
    ("cyber", "Cybersecurity"),
    ("minerals", "Critical minerals and rare earths"),
    ("biotech", "Biotechnology"),
    ("space", "Space systems"),
    ("telecom", "Advanced telecommunications"),
    ("batteries", "Batteries and energy storage"),
    ("nuclear", "Advanced nuclear"),
    ("materials", "Advanced materials"),
    ("hypersonics", "Hypersonics"),
    ("undersea", "Undersea systems"),
    ("photonics", "Photonics"),
    ("pnt", "Positioning, navigation and timing"),
    ("cloud", "Cloud and compute infrastructure"),
    ("shipbuilding", "Shipbuilding"),
    ("munitions", "Munitions production"),
    ("pharma", "Pharmaceutical supply chains"),
)
REGIONS = ("Indo-Pacific", "Europe", "Middle East", "Americas", "Africa", "Central Asia")
BLOCS = ("NATO", "Quad", "AUKUS", "EU", "GCC", "G7", "")
# kind: (cost factor, diplomatic-capacity base, primary amount factor, P(1, 2, 3 gaps covered))
KINDS = {
    "co-development": (3.0, 3.0, 2.2, (0.55, 0.35, 0.10)),
    "buyer": (1.5, 2.0, 1.3, (0.70, 0.25, 0.05)),
    "supply-chain": (2.0, 2.0, 1.6, (0.45, 0.40, 0.15)),
    "standards": (0.3, 1.0, 0.5, (0.25, 0.40, 0.35)),
    "joint-rd": (1.0, 2.0, 1.0, (0.50, 0.35, 0.15)),
}
KIND_NAMES = list(KINDS)
# resource name, limit as a fraction of its total use over all options
RESOURCES = (("budget_musd", 0.10), ("diplomatic_capacity", 0.12), ("negotiators", 0.15), ("summit_slots", 0.20))
TARGET_SHARE = 0.05  # share of gaps that are critical and carry a target
COMMIT_SHARE = 0.5  # committed options (targets, requires) use at most this share of each limit


def resource_names(k: int) -> list[tuple[str, float]]:
    named = list(RESOURCES[:k])
    named += [(f"resource_{i + 1}", 0.15) for i in range(len(named), k)]
    return named


@dataclass(frozen=True)
class Layout:
    """Sectors, gaps and partners: who is there, before any option is drawn."""

    sectors: list[tuple[str, str]]  # (id, name)
    sector_w: FloatArray
    gap_sector: IntArray  # per gap: its sector's index (gaps listed sector by sector)
    gap_ids: list[str]
    gap_rows_of_sector: list[list[int]]
    part_ids: list[str]
    part_w: FloatArray  # Zipf-like: who offers many options
    part_cost: FloatArray
    part_dip: FloatArray
    part_risk: FloatArray
    strength: FloatArray  # (partner, sector)


@dataclass(frozen=True)
class Options:
    """The options drawn: partner, sector and kind index per option, and each resource's use."""

    part: IntArray
    sec: IntArray
    kind: IntArray
    budget: FloatArray
    use: dict[str, FloatArray]
    cols: list[str]  # the resource columns of options.csv, in order
    res_names: list[tuple[str, float]]  # (resource, limit as a share of its total use)


@dataclass(frozen=True)
class Contributions:
    """Per contribution (sorted by option, then gap): option index, gap index, amount."""

    opt: IntArray
    gap: IntArray
    amt: FloatArray


class Commitments:
    """Options committed (for targets and requires) within COMMIT_SHARE of every limit."""

    def __init__(self, use: dict[str, FloatArray], limits: dict[str, float]) -> None:
        self.use, self.limits = use, limits
        self.spent = {n: 0.0 for n in limits}
        self.committed: set[int] = set()

    def commit(self, i: int) -> bool:
        """Commit option i if it fits; True if it is (now) committed."""
        if i in self.committed:
            return True
        if any(self.spent[n] + self.use[n][i] > COMMIT_SHARE * self.limits[n] for n in self.limits):
            return False
        for n in self.limits:
            self.spent[n] += self.use[n][i]
        self.committed.add(i)
        return True


def draw_layout(rng: np.random.Generator, options: int, gaps: int) -> Layout:
    """Sectors and their weights, gaps by sector, partners with their weights and strengths."""
    n_sec = max(1, min(len(SECTORS), gaps, max(2, gaps // 8)))
    n_part = int(min(80, max(3, round(math.sqrt(options) / 2))))
    sectors = [SECTORS[i] if i < len(SECTORS) else (f"sector-{i + 1}", f"Sector {i + 1}") for i in range(n_sec)]
    sector_w = np.round(rng.uniform(0.8, 1.6, n_sec), 2)

    # Gaps: every sector gets at least one; gaps listed sector by sector.
    gap_sector = np.sort(np.concatenate([np.arange(n_sec), rng.integers(0, n_sec, gaps - n_sec)]))
    gap_ids: list[str] = []
    gap_rows_of_sector: list[list[int]] = [[] for _ in range(n_sec)]
    for j, s in enumerate(gap_sector.tolist()):
        gap_rows_of_sector[s].append(j)
        gap_ids.append(f"{sectors[s][0]}-gap-{len(gap_rows_of_sector[s]):03d}")

    # Partners: Zipf-like weight (who offers many options), cost factor, per-sector strength.
    part_ids = [f"p{i + 1:03d}" for i in range(n_part)]
    zipf = 1.0 / np.arange(1, n_part + 1) ** 0.8
    part_w = np.asarray(rng.permutation(zipf / zipf.sum()), dtype=np.float64)
    part_cost = rng.lognormal(0.0, 0.3, n_part)
    part_dip = rng.uniform(0.7, 1.5, n_part)
    part_risk = np.round(rng.beta(2, 6, n_part), 2)
    strength = rng.lognormal(0.0, 0.5, (n_part, n_sec))
    return Layout(
        sectors,
        sector_w,
        gap_sector,
        gap_ids,
        gap_rows_of_sector,
        part_ids,
        part_w,
        part_cost,
        part_dip,
        part_risk,
        strength,
    )


def draw_options(rng: np.random.Generator, lay: Layout, options: int, resources: int) -> Options:
    """Each option's partner, sector and kind, and its use of every resource."""
    n_part, n_sec = len(lay.part_ids), len(lay.sectors)
    o_part = rng.choice(n_part, options, p=lay.part_w)
    o_sec = rng.choice(n_sec, options, p=lay.sector_w / lay.sector_w.sum())
    o_kind = rng.integers(0, len(KIND_NAMES), options)
    k_cost, k_dip = (np.array([KINDS[k][i] for k in KIND_NAMES]) for i in range(2))
    budget = np.maximum(1.0, np.round(100 * k_cost[o_kind] * lay.part_cost[o_part] * rng.lognormal(0, 0.5, options), 1))
    dip = np.clip(np.round(k_dip[o_kind] * lay.part_dip[o_part] + rng.normal(0, 0.5, options)), 1, 6)
    res_names = resource_names(resources)
    use = {"budget_musd": budget, "diplomatic_capacity": dip}
    for name, _ in res_names:
        if name == "negotiators":
            use[name] = rng.integers(0, 4, options).astype(float)
        elif name == "summit_slots":
            use[name] = (rng.random(options) < 0.3).astype(float)
        elif name not in use:
            use[name] = np.round(10 * rng.lognormal(0, 0.6, options), 1)
    cols = [n for n, _ in res_names] + (["budget_musd"] if "budget_musd" not in dict(res_names) else [])
    return Options(o_part, o_sec, o_kind, budget, use, cols, res_names)


def draw_contributions(rng: np.random.Generator, lay: Layout, opt: Options, options: int, gaps: int) -> Contributions:
    """1–3 distinct gaps per option, the first in its own sector; then a contributor for every
    gap nobody offered anything (while gaps ≤ 3 × options)."""
    k_amt, k_cover = (np.array([KINDS[k][i] for k in KIND_NAMES]) for i in (2, 3))
    own_rows = lay.gap_rows_of_sector
    n_cover = np.array([rng.choice(3, p=k_cover[k]) + 1 for k in opt.kind.tolist()])
    primary = (rng.random(options) * np.array([len(own_rows[s]) for s in opt.sec.tolist()])).astype(int)
    base_amt = 10 * k_amt[opt.kind] * lay.strength[opt.part, opt.sec] * rng.lognormal(0, 0.4, options)
    c_opt: list[int] = []
    c_gap: list[int] = []
    c_amt: list[float] = []
    for i in range(options):
        own = own_rows[opt.sec[i]]
        chosen = [own[primary[i]]]
        for _ in range(n_cover[i] - 1):
            pool: Sequence[int] = own if (rng.random() < 0.8 and len(own) > len(chosen)) else range(gaps)
            g = int(pool[int(rng.integers(0, len(pool)))])
            if g not in chosen:
                chosen.append(g)
        for r, g in enumerate(chosen):
            c_opt.append(i)
            c_gap.append(g)
            c_amt.append(base_amt[i] * (1.0 if r == 0 else rng.uniform(0.2, 0.6)))
    covered_by = np.bincount(np.array(c_gap), minlength=gaps)
    n_made = np.bincount(np.array(c_opt), minlength=options)
    for g in np.flatnonzero(covered_by == 0).tolist():  # nobody offered anything: an option of its sector does
        free = n_made < 3
        same = np.flatnonzero((opt.sec == lay.gap_sector[g]) & free)
        spare = same if len(same) else np.flatnonzero(free)
        if not len(spare):  # more gaps than 3 × options: these gaps stay out of reach
            continue
        i = int(spare[rng.integers(0, len(spare))])
        n_made[i] += 1
        c_opt.append(i)
        c_gap.append(g)
        c_amt.append(base_amt[i] * rng.uniform(0.2, 0.6))
    c_opt_a, c_gap_a = np.array(c_opt), np.array(c_gap)
    c_amt_a = np.maximum(0.01, np.round(np.array(c_amt), 2))
    order = np.lexsort((c_gap_a, c_opt_a))
    return Contributions(c_opt_a[order], c_gap_a[order], c_amt_a[order])


def draw_targets(
    rng: np.random.Generator,
    commitments: Commitments,
    opt: Options,
    con: Contributions,
    size: FloatArray,
    gaps: int,
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """About TARGET_SHARE of gaps are critical; each gets a target that its best option per
    budget, committed, meets. Returns (target per gap, NaN where none; critical per gap)."""
    target = np.full(gaps, np.nan)
    critical = np.zeros(gaps, dtype=bool)
    critical[rng.choice(gaps, max(1, int(round(TARGET_SHARE * gaps))), replace=False)] = True
    best: dict[int, tuple[float, int, float]] = {}  # gap -> (amount per budget, option, amount)
    for i, g, a in zip(con.opt.tolist(), con.gap.tolist(), con.amt.tolist()):
        if critical[g] and (g not in best or a / opt.budget[i] > best[g][0]):
            best[g] = (a / opt.budget[i], i, a)
    for g in np.flatnonzero(critical).tolist():
        if g in best and commitments.commit(best[g][1]):
            target[g] = math.floor(10 * min(best[g][2], size[g]) * 0.8) / 10
    return target, critical


def draw_more_rules(
    rng: np.random.Generator,
    taken: set[int],
    committed: set[int],
    opt_ids: list[str],
    o_part: IntArray,
    o_sec: IntArray,
    o_kind: IntArray,
    o_risk: FloatArray,
    kinds: list[str],
    sectors: list[tuple[str, str]],
) -> RulesCfg:
    """requires, excludes, a group cap, a risk cap, diminishing returns and a standards bonus.

    All hold for the committed options (none of which is in a requires or excludes rule; the
    group and risk caps are at least what they use), so the scenario stays feasible.
    """
    n = len(opt_ids)
    free = np.setdiff1d(np.arange(n), np.array(sorted(taken), dtype=int))
    k = min(len(free) // 4, max(1, n // 250))
    picks = rng.choice(free, 4 * k, replace=False).tolist() if k else []
    requires = [{"option": opt_ids[a], "needs": opt_ids[b]} for a, b in zip(picks[0:k], picks[k : 2 * k])]
    excludes = [[opt_ids[a], opt_ids[b]] for a, b in zip(picks[2 * k : 3 * k], picks[3 * k : 4 * k])]
    codev = kinds.index("co-development")
    in_codev = o_kind == codev
    need = sum(1 for i in committed if in_codev[i])
    committed_risk = float(sum(o_risk[i] for i in committed))
    sector = sectors[int(rng.integers(0, len(sectors)))][0]
    standards = o_kind == kinds.index("standards")
    aligners = [len(set(o_part[standards & (o_sec == j)].tolist())) for j in range(len(sectors))]
    best = int(np.argmax(aligners))
    out: RulesCfg = {
        "requires": requires,
        "excludes": excludes,
        "groups": [
            {
                "name": "co-development-cap",
                "select": {"kind": "co-development"},
                "max_options": int(max(need, math.ceil(0.08 * in_codev.sum()))),
            }
        ]
        if in_codev.any()
        else [],
        "risk": {"max_total": round(max(2 * committed_risk, 0.04 * float(o_risk.sum())), 2)},
        "diminishing_returns": [
            {"sectors": [sector], "segments": [{"upto": 0.5, "value": 0.7}, {"upto": 1.0, "value": 0.3}]}
        ],
        "standards_bonus": [{"sector": sectors[best][0], "min_partners": min(3, aligners[best]), "bonus": 1.0}]
        if aligners[best]
        else [],
    }
    return {key: value for key, value in out.items() if value}
