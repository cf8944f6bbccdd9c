"""The `robust:` section judged against the tables, and the weight set W it states.

W lives in the space of *factors*: one variable per sector or gap named in
`robust.sector_weights` / `robust.gap_weights` (a sector's weight, in sectors.csv units; a
gap's own weight, in gaps.csv units). Every other weight stays at its nominal value
(the tables' weight, or `objective.*_weights`). A gap's objective weight is gap weight ×
sector weight (`Scenario.gap_weights`), so it is linear in the factors as long as a gap and
its sector do not both vary — validation refuses that. W is

    lo_k ≤ f_k ≤ hi_k                     every interval
    f_a − f_b ≥ 0                         every order "a >= b" (a fixed id is a constant)
    Σ_g w_g(f) = Σ_g w_g(nominal)         the objective weights keep their nominal total

Bounded (every factor has an interval), so it is the convex hull of its vertices, which
`WeightSet.vertices` enumerates exactly (a vertex is where F − 1 inequalities and the total
are tight). Emptiness is found the same way; the conflicting statements are a minimal
subset found by deleting statements one at a time while W stays empty.
"""
from __future__ import annotations

import difflib
import itertools
from dataclasses import dataclass

import numpy as np

from planner.errors import Problem

MAX_COMBINATIONS = 2_000_000  # vertex enumeration by tight sets; beyond this, name fewer factors
TOL = 1e-9


@dataclass(frozen=True)
class WeightSet:
    """W in factor space. `factors[k]` = ("sector" | "gap", id); `alpha[k]` = Σ of the
    objective weight per unit of factor k over the gaps it scales (for the total)."""

    factors: tuple[tuple[str, str], ...]
    nominal: np.ndarray  # the factors' nominal values
    lower: np.ndarray
    upper: np.ndarray
    orders: tuple[tuple[int | None, int | None, float, str], ...]  # (a, b, const, statement): f_a − f_b ≥ const
    alpha: np.ndarray
    total: float  # Σ_k alpha_k·f_k must equal this

    @property
    def size(self) -> int:
        return len(self.factors)

    def inequalities(self) -> tuple[np.ndarray, np.ndarray]:
        """All inequalities as G f ≥ h (bounds first: lower, then upper; then orders)."""
        n = self.size
        eye = np.eye(n)
        rows, rhs = [eye, -eye], [self.lower, -self.upper]
        for a, b, const, _ in self.orders:
            r = np.zeros(n)
            if a is not None:
                r[a] += 1
            if b is not None:
                r[b] -= 1
            rows.append(r[None, :])
            rhs.append(np.array([const]))
        return np.vstack(rows) if rows else np.zeros((0, n)), np.concatenate(rhs)

    def contains(self, f: np.ndarray, tol: float = 1e-7) -> bool:
        g, h = self.inequalities()
        return bool(np.all(g @ f >= h - tol) and abs(self.alpha @ f - self.total) <= tol * max(1.0, abs(self.total)))

    def vertices(self) -> np.ndarray:
        """Every vertex of W (rows), deduplicated; empty (0 × F) when W is empty."""
        return _vertices(*self.inequalities(), self.alpha, self.total)


def _vertices(g: np.ndarray, h: np.ndarray, alpha: np.ndarray, total: float) -> np.ndarray:
    n = g.shape[1]
    if n == 0:
        return np.zeros((1, 0)) if np.all(h <= TOL) else np.zeros((0, 0))
    from math import comb

    if comb(len(g), n - 1) > MAX_COMBINATIONS:
        raise ValueError(f"{n} weight factors are too many to enumerate W's vertices exactly")
    found: dict[tuple, np.ndarray] = {}
    scale = max(1.0, float(np.abs(h).max(initial=0.0)), abs(total))
    for tight in itertools.combinations(range(len(g)), n - 1):
        a = np.vstack([g[list(tight)], alpha[None, :]])
        if abs(np.linalg.det(a)) < 1e-12:
            continue
        f = np.linalg.solve(a, np.concatenate([h[list(tight)], [total]]))
        if np.all(g @ f >= h - 1e-9 * scale):
            found.setdefault(tuple(np.round(f, 9)), f)
    return np.array(list(found.values())) if found else np.zeros((0, n))


def nominal_weights(cfg, sectors, gaps) -> tuple[dict[str, float], dict[str, float]]:
    """Sector and gap weights as the scenario states them (tables, then objective overrides)."""
    obj = cfg.objective
    sector_w = {**dict(zip(sectors["sector_id"].tolist(), sectors["weight"].tolist())), **obj.sector_weights}
    gap_w = {**dict(zip(gaps["gap_id"].tolist(), gaps["weight"].tolist())), **obj.gap_weights}
    return sector_w, gap_w


def weight_set(cfg, sectors, gaps, drop: frozenset[str] = frozenset()) -> WeightSet:
    """W from a checked `robust:` section; `drop` leaves statements out (keys, for conflict search)."""
    rob = cfg.robust
    sector_w, gap_w = nominal_weights(cfg, sectors, gaps)
    gap_sector = dict(zip(gaps["gap_id"].tolist(), gaps["sector_id"].tolist()))
    factors, lo, hi, nom = [], [], [], []
    for kind, table, nominal in (("sector", rob.sector_weights, sector_w), ("gap", rob.gap_weights, gap_w)):
        for ident, (a, b) in table.items():
            if f"robust.{kind}_weights.{ident}" in drop:
                continue
            factors.append((kind, ident))
            lo.append(a), hi.append(b), nom.append(float(nominal[ident]))
    index = {f: k for k, f in enumerate(factors)}
    orders = []
    for i, (heavy, light) in enumerate(rob.pairs()):
        if f"robust.order[{i}]" in drop:
            continue
        kind = "sector" if heavy in sector_w else "gap"
        table = sector_w if kind == "sector" else gap_w
        a, b = index.get((kind, heavy)), index.get((kind, light))
        const = (0.0 if b is not None else float(table[light])) - (0.0 if a is not None else float(table[heavy]))
        orders.append((a, b, const, rob.order[i]))
    alpha = np.zeros(len(factors))
    for k, (kind, ident) in enumerate(factors):
        if kind == "sector":
            alpha[k] = sum(float(gap_w[g]) for g, s in gap_sector.items() if s == ident)
        else:
            alpha[k] = float(sector_w[gap_sector[ident]])
    nom_a = np.array(nom, dtype=float)
    return WeightSet(tuple(factors), nom_a, np.array(lo, dtype=float), np.array(hi, dtype=float), tuple(orders),
                     alpha, float(alpha @ nom_a))


def _unknown(ident: str, valid: list[str], what: str) -> str:
    close = difflib.get_close_matches(ident, valid, n=1)
    sample = ", ".join(sorted(valid)[:8]) + (" …" if len(valid) > 8 else "")
    return f"unknown {what}{f'; did you mean {close[0]!r}?' if close else '.'} Valid: {sample}"


def check_robust(cfg, file: str, sectors, gaps) -> list[Problem]:
    """Every problem of the `robust:` section; W's emptiness with the statements that conflict."""
    rob = cfg.robust
    if rob is None:
        return []
    problems: list[Problem] = []
    sector_ids, gap_ids = sectors["sector_id"].tolist(), gaps["gap_id"].tolist()
    gap_sector = dict(zip(gap_ids, gaps["sector_id"].tolist()))
    for kind, table, valid in (("sector", rob.sector_weights, sector_ids), ("gap", rob.gap_weights, gap_ids)):
        for ident, (a, b) in table.items():
            key = f"robust.{kind}_weights.{ident}"
            if ident not in valid:
                problems.append(Problem(file=file, key=key, value=ident, message=_unknown(ident, valid, f"{kind} id")))
            if a > b:
                problems.append(Problem(file=file, key=key, value=[a, b],
                                        message=f"the interval is reversed; write it [low, high], e.g. [{b:g}, {a:g}]"))
    for gid in rob.gap_weights:
        if gap_sector.get(gid) in rob.sector_weights:
            problems.append(Problem(file=file, key=f"robust.gap_weights.{gid}", value=gid,
                                    message=f"its sector '{gap_sector[gid]}' also has an interval (robust.sector_weights); "
                                            "a gap's objective weight is gap × sector weight, so let only one of them vary"))
    for i, (heavy, light) in enumerate(rob.pairs()):
        key = f"robust.order[{i}]"
        kinds = []
        for ident in (heavy, light):
            if ident in sector_ids:
                kinds.append("sector")
            elif ident in gap_ids:
                kinds.append("gap")
            else:
                problems.append(Problem(file=file, key=key, value=rob.order[i],
                                        message=_unknown(ident, sector_ids + gap_ids, "sector or gap id")))
        if len(kinds) == 2 and kinds[0] != kinds[1]:
            problems.append(Problem(file=file, key=key, value=rob.order[i],
                                    message="an order compares two sectors or two gaps, not a sector with a gap"))
        if heavy == light:
            problems.append(Problem(file=file, key=key, value=rob.order[i], message="an order needs two different ids"))
    if problems:
        return problems
    try:
        if len(weight_set(cfg, sectors, gaps).vertices()):
            return []
    except ValueError as exc:
        return [Problem(file=file, key="robust", message=f"{exc}; give at most about 12 intervals")]
    return [conflict_problem(cfg, file, sectors, gaps)]


def statement_keys(cfg) -> list[str]:
    rob = cfg.robust
    return ([f"robust.sector_weights.{s}" for s in rob.sector_weights] + [f"robust.gap_weights.{g}" for g in rob.gap_weights]
            + [f"robust.order[{i}]" for i in range(len(rob.order))])


def conflict_problem(cfg, file: str, sectors, gaps) -> Problem:
    """W is empty: a minimal set of statements that conflict (with the kept total), by deletion."""
    keys = statement_keys(cfg)
    dropped: set[str] = set()
    for key in keys:
        trial = frozenset(dropped | {key})
        if len(weight_set(cfg, sectors, gaps, trial).vertices()) == 0:
            dropped.add(key)
    conflict = [k for k in keys if k not in dropped]
    return Problem(file=file, key="robust", value=", ".join(conflict),
                   message="no weights satisfy these statements together while keeping the objective weights' nominal "
                           "total; widen an interval or drop an order among: " + "; ".join(conflict))

