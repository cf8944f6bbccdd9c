"""The weight set W that the `robust:` section states over the tables' weights
(`planner.inputs.robust_checks` judges the section against the tables first).

The statements live in the space of *factors* x: one per sector or gap named in
`robust.sector_weights` / `robust.gap_weights` (a sector's weight in sectors.csv units, a gap's
own weight in gaps.csv units); every other weight keeps its nominal value (the tables', or
`objective.*_weights`). A gap's objective weight is gap weight × sector weight
(`Scenario.gap_weights`), linear in the factors as long as a gap and its sector do not both
vary (validation refuses that). The statements

    lo_k ≤ x_k ≤ hi_k     every interval
    x_a ≥ x_b             every order "a >= b" (an id without an interval is its nominal constant)

form a polytope P. Only ratios of weights change a ranking, so the statements admit every
positive multiple of a weight vector they allow; W is that cone cut by the normalisation that
the objective weights keep their nominal total (docs/robust.md):

    W = {y = (f, t) : t·lo ≤ f ≤ t·hi, the orders, α·f + β·t = T}

f the factors' weights, t the scale of every other weight, α·f + β·t = Σ_g w_g and T its
nominal value. W is the image of P under x ↦ T·(x, 1)/D(x), D(x) = α·x + β, so its vertices
are the images of P's, its points are reported as (x, t), and a linear function of y is
optimised over W as a linear-fractional one over P (Dinkelbach's method, exact at a vertex).

P is a box with orders. Its bounds propagate along the orders exactly (max and min of the
stated numbers: no tolerance, so no scale can let a weight slip outside a statement); it is
empty iff a propagated lower bound exceeds an upper one; and it is the product of the groups
of factors the orders join, so its vertices are the products of each group's vertices.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from planner.inputs.config import ScenarioConfig
from planner.inputs.scenario import FloatArray

if TYPE_CHECKING:
    import pandas as pd

GROUP_NODES = 1_000_000  # enumerating the vertices of a group of ordered factors stops here


class TooManyVertices(ValueError):
    """The orders join so many factors into one group that its vertices cannot be listed."""


@dataclass(frozen=True)
class Order:
    """x_heavy ≥ x_light; an index None is an id without an interval, at its nominal `const`."""

    heavy: int | None
    light: int | None
    heavy_const: float
    light_const: float
    statement: str


@dataclass(frozen=True)
class WeightSet:
    """W: the statements (intervals, orders) over the factors and the normalisation α·f + β·t = T.

    `factors[k]` = ("sector" | "gap", id); `alpha[k]` the objective weight per unit of factor k
    (Σ over the gaps it scales); `beta` the nominal objective weight of every gap no factor
    touches (`scaled_gaps`: those gaps with their nominal gap weight); `total` = α·nominal + β."""

    factors: tuple[tuple[str, str], ...]
    nominal: FloatArray
    lower: FloatArray
    upper: FloatArray
    orders: tuple[Order, ...]
    alpha: FloatArray
    beta: float
    scaled_gaps: tuple[tuple[str, float], ...]

    @property
    def size(self) -> int:
        return len(self.factors)

    @property
    def total(self) -> float:
        return float(self.alpha @ self.nominal + self.beta)

    @property
    def nominal_point(self) -> FloatArray:
        """y at the nominal weights: (nominal factors, t = 1)."""
        return np.append(self.nominal, 1.0)

    # ------------------------------------------------------------------ the statements: P

    @cached_property
    def bounds(self) -> tuple[FloatArray, FloatArray]:
        """The intervals tightened along the orders (exactly: max / min of stated numbers)."""
        lo, hi = self.lower.astype(float).copy(), self.upper.astype(float).copy()
        pairs = []
        for o in self.orders:
            if o.heavy is not None and o.light is not None:
                pairs.append((o.heavy, o.light))
            elif o.heavy is not None:
                lo[o.heavy] = max(lo[o.heavy], o.light_const)
            elif o.light is not None:
                hi[o.light] = min(hi[o.light], o.heavy_const)
        for _ in range(self.size + 1):  # a longest chain has at most `size` steps
            changed = False
            for a, b in pairs:
                if lo[b] > lo[a]:
                    lo[a], changed = lo[b], True
                if hi[a] < hi[b]:
                    hi[b], changed = hi[a], True
            if not changed:
                break
        return lo, hi

    @property
    def conflicting(self) -> bool:
        """No x satisfies the statements (P is empty), or they allow only all-zero weights."""
        lo, hi = self.bounds
        if np.any(lo > hi):
            return True
        if any(o.heavy is None and o.light is None and o.heavy_const < o.light_const for o in self.orders):
            return True
        return self.total > 0 and self.denominator(hi) <= 0  # D is largest at the greatest point of P

    def denominator(self, x: FloatArray) -> float:
        """D(x) = α·x + β: the objective weights' total at statement-scale weights x (t = 1)."""
        return float(self.alpha @ x + self.beta)

    def satisfies(self, x: FloatArray, rel: float = 1e-9) -> bool:
        """x meets every statement, each within `rel` of its own magnitude."""
        for k in range(self.size):
            if not (
                x[k] >= self.lower[k] - rel * abs(self.lower[k]) and x[k] <= self.upper[k] + rel * abs(self.upper[k])
            ):
                return False
        for o in self.orders:
            a = o.heavy_const if o.heavy is None else x[o.heavy]
            b = o.light_const if o.light is None else x[o.light]
            if a < b - rel * max(abs(a), abs(b)):
                return False
        return True

    # ------------------------------------------------------------------ W and its points

    def point(self, x: FloatArray) -> FloatArray:
        """y = (t·x, t) with t = T/D(x): statement-scale weights scaled to the nominal total."""
        t = self.total / self.denominator(x)
        return np.append(t * np.asarray(x, dtype=float), t)

    def scale(self, x: FloatArray) -> float:
        return self.total / self.denominator(x)

    def scale_range(self) -> tuple[float, float | None]:
        """t over W: [T/D(greatest), T/D(least)]; None when t is unbounded (D reaches 0)."""
        lo, hi = self.bounds
        d_lo = self.denominator(lo)
        return self.total / self.denominator(hi), (self.total / d_lo if d_lo > 0 else None)

    def rows(self) -> FloatArray:
        """W's inequalities as G y ≥ 0 (y = (f, t)): t·lo ≤ f ≤ t·hi (propagated), f_a ≥ f_b, t ≥ 0."""
        lo, hi = self.bounds
        n = self.size
        rows = []
        for k in range(n):
            r = np.zeros(n + 1)
            r[k], r[n] = 1.0, -lo[k]
            rows.append(r)
            r = np.zeros(n + 1)
            r[k], r[n] = -1.0, hi[k]
            rows.append(r)
        for o in self.orders:
            if o.heavy is not None and o.light is not None:
                r = np.zeros(n + 1)
                r[o.heavy], r[o.light] = 1.0, -1.0
                rows.append(r)
        rows.append(np.eye(n + 1)[n])
        return np.array(rows)

    @property
    def alpha_y(self) -> FloatArray:
        """Σ_g w_g = alpha_y · y."""
        return np.append(self.alpha, self.beta)

    # ------------------------------------------------------------------ vertices

    @cached_property
    def groups(self) -> list[list[int]]:
        """The factors joined by orders between two factors (union-find); singletons apart."""
        parent = list(range(self.size))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for o in self.orders:
            if o.heavy is not None and o.light is not None:
                parent[root(o.heavy)] = root(o.light)
        out: dict[int, list[int]] = {}
        for k in range(self.size):
            out.setdefault(root(k), []).append(k)
        return list(out.values())

    @cached_property
    def group_vertices(self) -> list[FloatArray]:
        """Per group, its vertices (rows, in the group's factor order); TooManyVertices if too many."""
        lo, hi = self.bounds
        out = []
        for group in self.groups:
            if len(group) == 1:
                k = group[0]
                out.append(np.array([[lo[k]]] if lo[k] == hi[k] else [[lo[k]], [hi[k]]]))
                continue
            local = {k: i for i, k in enumerate(group)}
            edges = [(local[o.heavy], local[o.light]) for o in self.orders if o.heavy in local and o.light in local]
            out.append(_group_vertices(lo[group], hi[group], edges, [self.factors[k][1] for k in group]))
        return out

    def vertex_count(self) -> int:
        """How many corners P has where some weight is not 0: W's vertices are among their images
        (all of them when some weight is not named, β > 0; else corners on one ray give one point)."""
        count = math.prod(len(v) for v in self.group_vertices)
        if self.beta > 0:
            return count
        zero = math.prod(int(np.sum(v @ self.alpha[g] == 0)) for g, v in zip(self.groups, self.group_vertices))
        return count - zero

    def iter_vertices(self) -> Iterator[FloatArray]:
        """The corners of P whose images include every vertex of W, lazily, as statement-scale x
        (map with `point`). With β = 0 (every weight named) corners on one ray give one weight
        vector: only the first is given."""
        seen: set[tuple[str, ...]] = set()
        for parts in itertools.product(*self.group_vertices):
            x = np.zeros(self.size)
            for g, part in zip(self.groups, parts):
                x[g] = part
            if self.denominator(x) <= 0:
                continue
            if self.beta == 0:
                key = tuple(f"{v:.12g}" for v in self.point(x)[:-1])
                if key in seen:
                    continue
                seen.add(key)
            yield x

    def neighbours(self, x: FloatArray) -> list[FloatArray]:
        """The corners one unordered factor away from the corner x (that factor at its other bound)."""
        lo, hi = self.bounds
        out = []
        for g in self.groups:
            k = g[0]
            if len(g) == 1 and lo[k] < hi[k]:
                near = np.array(x, dtype=float)
                near[k] = hi[k] if x[k] == lo[k] else lo[k]
                if self.denominator(near) > 0:
                    out.append(near)
        return out

    def centre(self) -> FloatArray:
        """A point of P's relative interior (the mean of each group's vertices); its image is in W's."""
        x = np.zeros(self.size)
        for g, verts in zip(self.groups, self.group_vertices):
            x[g] = verts.mean(axis=0)
        return x

    def _least(self, coef: FloatArray) -> FloatArray:
        """argmin over P of coef·x: per group, its best vertex."""
        x = np.zeros(self.size)
        for g, verts in zip(self.groups, self.group_vertices):
            x[g] = verts[int(np.argmin(verts @ coef[g]))]
        return x

    def minimise(self, a: FloatArray) -> tuple[float, FloatArray]:
        """min over W of a·y, and a vertex x of P (statement scale) where it is attained.

        a·y = T·N(x)/D(x) with N(x) = a_f·x + a_t: Dinkelbach's method, each step the least
        N − λ·D over P (a vertex), λ strictly falling; it stops at a vertex, exactly."""
        a = np.asarray(a, dtype=float)
        af, at = a[:-1], float(a[-1])
        x = self.bounds[1].copy()  # the greatest point: D > 0 there when W is not empty
        lam = float((af @ x + at) / self.denominator(x))
        for _ in range(1000):  # finitely many vertices, λ strictly falls: a safety stop only
            cand = self._least(af - lam * self.alpha)
            d = self.denominator(cand)
            n = float(af @ cand + at)
            if d <= 0 or n - lam * d >= -1e-12 * (abs(n) + abs(lam * d)):
                break
            new = n / d
            if new >= lam:
                break
            x, lam = cand, new
        return self.total * lam, x

    def maximise(self, a: FloatArray) -> tuple[float, FloatArray]:
        value, x = self.minimise(-np.asarray(a, dtype=float))
        return -value, x


def _group_vertices(lo: FloatArray, hi: FloatArray, edges: list[tuple[int, int]], names: list[str]) -> FloatArray:
    """Vertices of {lo ≤ x ≤ hi, x_a ≥ x_b for (a, b) in edges} (one connected group).

    At a vertex the factors tied by tight orders share one value, a bound of one of them; so
    every coordinate is one of the bounds, and x is a vertex iff each tied block holds a factor
    at its own bound. Depth-first over the bounds, pruned by the orders."""
    n = len(lo)
    values = sorted(set(lo.tolist()) | set(hi.tolist()))
    adjacent: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        adjacent[a].append(b)
        adjacent[b].append(a)
    order, seen = [], set()
    for start in range(n):  # breadth-first: each factor after one it is ordered with
        if start in seen:
            continue
        queue = [start]
        seen.add(start)
        while queue:
            i = queue.pop(0)
            order.append(i)
            for j in adjacent[i]:
                if j not in seen:
                    seen.add(j)
                    queue.append(j)
    position = {i: p for p, i in enumerate(order)}
    above = [[a for a, b in edges if b == i and position[a] < position[i]] for i in range(n)]
    below = [[b for a, b in edges if a == i and position[b] < position[i]] for i in range(n)]
    cand = [[v for v in values if lo[i] <= v <= hi[i]] for i in range(n)]
    x = [0.0] * n
    out: list[list[float]] = []
    nodes = 0

    def supported() -> bool:
        parent = list(range(n))

        def root(i: int) -> int:
            while parent[i] != i:
                i = parent[i]
            return i

        for a, b in edges:
            if x[a] == x[b]:
                parent[root(a)] = root(b)
        held = {root(i) for i in range(n) if x[i] == lo[i] or x[i] == hi[i]}
        return all(root(i) in held for i in range(n))

    def visit(p: int) -> None:
        nonlocal nodes
        if p == n:
            if supported():
                out.append(list(x))
            return
        i = order[p]
        for v in cand[i]:
            nodes += 1
            if nodes > GROUP_NODES:
                raise TooManyVertices(
                    f"the orders join {n} factors ({', '.join(names)}) into one group whose "
                    "vertices are too many to list"
                )
            if all(x[a] >= v for a in above[i]) and all(x[b] <= v for b in below[i]):
                x[i] = v
                visit(p + 1)

    visit(0)
    return np.array(out)


def nominal_weights(
    cfg: ScenarioConfig, sectors: pd.DataFrame, gaps: pd.DataFrame
) -> tuple[dict[str, float], dict[str, float]]:
    """Sector and gap weights as the scenario states them (tables, then objective overrides)."""
    obj = cfg.objective
    sector_w = {**dict(zip(sectors["sector_id"].tolist(), sectors["weight"].tolist())), **obj.sector_weights}
    gap_w = {**dict(zip(gaps["gap_id"].tolist(), gaps["weight"].tolist())), **obj.gap_weights}
    return sector_w, gap_w


def weight_set(
    cfg: ScenarioConfig, sectors: pd.DataFrame, gaps: pd.DataFrame, drop: frozenset[str] = frozenset()
) -> WeightSet:
    """W from a checked `robust:` section; `drop` leaves statements out (keys, for conflict search)."""
    rob = cfg.robust
    sector_w, gap_w = nominal_weights(cfg, sectors, gaps)
    gap_sector = dict(zip(gaps["gap_id"].tolist(), gaps["sector_id"].tolist()))
    factors: list[tuple[str, str]] = []
    lo: list[float] = []
    hi: list[float] = []
    nom: list[float] = []
    for kind, table, nominal in (
        ("sector", rob.sector_weights if rob else {}, sector_w),
        ("gap", rob.gap_weights if rob else {}, gap_w),
    ):
        for ident, (a, b) in table.items():
            if f"robust.{kind}_weights.{ident}" in drop:
                continue
            factors.append((kind, ident))
            lo.append(float(a))
            hi.append(float(b))
            nom.append(float(nominal[ident]))
    index = {f: k for k, f in enumerate(factors)}
    orders = []
    statements = rob.order if rob else []
    for i, (heavy, light) in enumerate(rob.pairs() if rob else []):
        if f"robust.order[{i}]" in drop:
            continue
        kind = "sector" if heavy in sector_w else "gap"
        weights = sector_w if kind == "sector" else gap_w
        orders.append(
            Order(
                index.get((kind, heavy)),
                index.get((kind, light)),
                float(weights[heavy]),
                float(weights[light]),
                statements[i],
            )
        )
    alpha = np.zeros(len(factors))
    for k, (kind, ident) in enumerate(factors):
        if kind == "sector":
            alpha[k] = sum(float(gap_w[g]) for g, s in gap_sector.items() if s == ident)
        else:
            alpha[k] = float(sector_w[gap_sector[ident]])
    touched = {ident for kind, ident in factors if kind == "gap"} | {
        g for g, s in gap_sector.items() if ("sector", s) in index
    }
    scaled = tuple((g, float(gap_w[g])) for g in gap_sector if g not in touched)
    beta = float(sum(w * float(sector_w[gap_sector[g]]) for g, w in scaled))
    return WeightSet(
        tuple(factors),
        np.array(nom, dtype=float),
        np.array(lo, dtype=float),
        np.array(hi, dtype=float),
        tuple(orders),
        alpha,
        beta,
        scaled,
    )
