"""The model under construction: PuLP problem, variables, and every row with its tag.

The only modules that speak PuLP are `planner.model` (core, base, rules, assemble).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

import pulp

from planner.inputs.scenario import Scenario
from planner.model.faces import VarKey


_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


_UNSAFE_LINES = re.compile(r"[^A-Za-z0-9_\n]")


def lp_name(prefix: str, ident: str, taken: set[str]) -> str:
    """A readable LP-safe name from an id, unique within `taken`."""
    base = f"{prefix}_{_UNSAFE.sub('_', ident)}"[:200]
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    taken.add(name)
    return name


def lp_names(prefix: str, idents: list[str], taken: set[str]) -> list[str]:
    """`lp_name` for many ids at once: one regex pass when no name clashes (ids have no newlines)."""
    if not idents:
        return []
    bases = [f"{prefix}_{s}"[:200] for s in _UNSAFE_LINES.sub("_", "\n".join(idents)).split("\n")]
    if len(bases) == len(idents) and len(set(bases)) == len(bases) and taken.isdisjoint(bases):
        taken.update(bases)
        return bases
    return [lp_name(prefix, ident, taken) for ident in idents]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector. Building allocates ~10^5 objects that all stay
    alive, so collections triggered meanwhile rescan a growing heap and free nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Role(StrEnum):
    """What a row does: bound the plan (relaxing it is a decision an analyst can take), or
    define an auxiliary variable (coverage links, indicators, segments: relaxing means nothing)."""

    LIMIT = "limit"
    DEFINE = "define"


@dataclass(frozen=True)
class Cell:
    """A table cell a row's bound came from: `table` (gaps, partners …), the row's id, the column."""

    table: str
    row_id: str
    column: str


@dataclass(frozen=True)
class RowTag:
    """The meaning of one row, recorded when it is added (never read back from its name).

    `family` is the registry name (`link`, `limit`, `target` or a rule family); `ident` the
    name suffix the row was made for; `subject` the domain id it is about (a resource, gap,
    option, partner, bloc or sector); `key` the scenario key its bound came from (e.g.
    `limits.budget_musd`, `objective.coverage_target`) or `cell` the table cell; the bound
    equals `scale` × that value (1 for a limit; a gap's size for a coverage fraction); None
    where the bound is not that value times a constant.
    """

    family: str
    ident: str
    role: Role = Role.LIMIT
    subject: str | None = None
    key: str | None = None
    cell: Cell | None = None
    scale: float | None = 1.0


@dataclass(eq=False)
class Model:
    scenario: Scenario
    prob: pulp.LpProblem
    x: dict[str, pulp.LpVariable]
    cover: dict[str, pulp.LpVariable]
    maximize: bool
    primary: pulp.LpAffineExpression
    secondary: pulp.LpAffineExpression
    tags: dict[str, RowTag] = field(default_factory=dict)  # row name -> its tag, in row order
    # column name -> (family or prefix, *key): what each auxiliary variable stands for, e.g.
    # ("diversify_z", i, partner); x and cover are ("x", option) and ("cover", gap).
    var_keys: dict[str, VarKey] = field(default_factory=dict)
    extra_vars: dict[str, pulp.LpVariable] = field(default_factory=dict)
    # Time phasing (planner.model.rules.phasing): x_year[(o, y)] = option o starts in year y;
    # x[o] stays "selected in some year" (x[o] = Σ_y x_year[o, y]).
    x_year: dict[tuple[str, int], pulp.LpVariable] = field(default_factory=dict)
    # The coverage the objective values: (gap id, cover variable, factor). None means
    # [(g, cover[g], 1)]; rules may replace it (phasing) or value slots themselves
    # (diminishing returns), removing them from the list.
    valued: list[tuple[str, pulp.LpVariable, float]] | None = None
    _taken: set[str] = field(default_factory=set, repr=False)

    def add(
        self,
        family: str,
        constraint: pulp.LpConstraint,
        ident: str,
        *,
        role: Role = Role.LIMIT,
        subject: str | None = None,
        key: str | None = None,
        cell: Cell | None = None,
        scale: float | None = 1.0,
    ) -> str:
        """Add a constraint named `<family>_<ident>` and record its tag (see `RowTag`)."""
        name = lp_name(family, ident, self._taken)
        self.prob.addConstraint(constraint, name)
        self.tags[name] = RowTag(family, ident, role, subject, key, cell, scale)
        return name

    @property
    def constraint_names(self) -> dict[str, list[str]]:
        """family -> its row names, in row order (derived from the tags)."""
        out: dict[str, list[str]] = {}
        for name, tag in self.tags.items():
            out.setdefault(tag.family, []).append(name)
        return out

    def new_var(
        self,
        prefix: str,
        ident: str,
        low: float | None = 0,
        up: float | None = None,
        cat: str = pulp.LpContinuous,
        key: VarKey = (),
    ) -> pulp.LpVariable:
        """A new column named `<prefix>_<ident>`; `key` (default `(ident,)`) says what it stands for."""
        return self.new_vars(prefix, [ident], low, [up], cat, [key] if key else None)[0]

    def new_vars(
        self,
        prefix: str,
        idents: list[str],
        low: float | None = 0,
        up: float | None | Sequence[float | None] = None,
        cat: str = pulp.LpContinuous,
        keys: list[VarKey] | None = None,
    ) -> list[pulp.LpVariable]:
        """`new_var` for many ids at once (one naming pass); `up` may give one bound per id."""
        new = self.prob.add_variable
        ups = up if isinstance(up, Sequence) else [up] * len(idents)  # one bound per id, or one for all
        out = [
            new(name, lowBound=low, upBound=u, cat=cat) for name, u in zip(lp_names(prefix, idents, self._taken), ups)
        ]
        self.extra_vars.update((v.name, v) for v in out)
        keys = keys if keys is not None else [(i,) for i in idents]
        self.var_keys.update((v.name, (prefix, *k)) for v, k in zip(out, keys))
        return out


def expr(pairs: Iterable[tuple[pulp.LpVariable, float]]) -> pulp.LpAffineExpression:
    """An affine expression from (variable, coefficient) pairs, skipping zeros."""
    return pulp.LpAffineExpression([(v, c) for v, c in pairs if c != 0])
