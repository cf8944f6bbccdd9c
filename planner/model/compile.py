"""The built model as arrays (row-wise CSR), read once from the PuLP problem."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp
from numpy.typing import NDArray

from planner.inputs.scenario import FloatArray, IndexArray
from planner.model.core import Model, RowTag
from planner.model.faces import VarKey


@dataclass
class Compiled:
    """The model as arrays (row-wise CSR), objective vectors in minimisation form."""

    col_names: list[str]
    col_lower: FloatArray
    col_upper: FloatArray
    integer: NDArray[np.bool_]
    row_names: list[str]
    row_lower: FloatArray
    row_upper: FloatArray
    start: NDArray[np.int32]
    index: NDArray[np.int32]
    value: FloatArray
    primary: FloatArray
    secondary: FloatArray
    maximize: bool
    x_cols: IndexArray  # column index of x[o] for each option, in scenario order
    years: list[int] = field(default_factory=list)  # phasing horizon (empty without phasing)
    year_cols: IndexArray | None = None  # column of x[o, y]: shape (options, years)
    tags: list[RowTag] = field(default_factory=list)  # per row: what it means (`planner.model.core.RowTag`)
    col_keys: list[VarKey] = field(default_factory=list)  # per column: what it stands for (`Model.var_keys`)

    def start_year(self, values: FloatArray) -> IndexArray | None:
        """Start year per option from a solution vector (0 where not started)."""
        return start_years(values[self.year_cols], self.years) if self.year_cols is not None else None

    def rows_of(self, family: str) -> list[int]:
        """Indices of the rows a family added, in row order."""
        return [i for i, tag in enumerate(self.tags) if tag.family == family]


def start_years(x_year: FloatArray, years: list[int]) -> IndexArray:
    """The year whose x[o, y] is 1, per option (0 where none is)."""
    on = x_year > 0.5
    return np.where(on.any(axis=1), np.asarray(years)[on.argmax(axis=1)], 0).astype(np.int64)


def _vector(expr: pulp.LpAffineExpression, col_of: dict[int, int], n: int) -> FloatArray:
    out = np.zeros(n)
    cols = np.fromiter(map(col_of.__getitem__, map(id, expr)), dtype=np.int64, count=len(expr))
    np.add.at(out, cols, np.fromiter(expr.values(), dtype=float, count=len(expr)))
    return out


def _columns(model: Model, term_ids: set[int]) -> list[pulp.LpVariable]:
    """Every variable of the model, ordered by name as PuLP orders them (`prob.variables()`,
    and so its LP/MPS writers): the arrays and a written model file list columns alike.
    `term_ids` are the ids of the variables the constraints use."""
    prob = model.prob
    seen = {id(v): v for v in model.x.values()}
    for group in (model.cover.values(), model.extra_vars.values(), prob.objective.keys() if prob.objective else ()):
        for v in group:
            seen.setdefault(id(v), v)
    if not term_ids.issubset(seen.keys()):  # variables only a constraint knows (rare): find them
        for con in prob.constraints():
            for v in con.expr:
                seen.setdefault(id(v), v)
    variables = list(seen.values())
    names = [v.name for v in variables]
    return [variables[i] for i in sorted(range(len(variables)), key=names.__getitem__)]


def compile_model(model: Model) -> Compiled:
    """Read the PuLP problem into arrays once (far faster than per-column solver calls).

    Columns: every variable, by name (see `_columns`); rows: constraints in insertion
    order, zero coefficients dropped. Bulk list operations per row, not per term.
    """
    prob = model.prob
    cons = prob.constraints()  # PuLP's public list, in insertion order
    ids: list[int] = []
    value: list[float] = []
    lengths: list[int] = []
    rhs: list[float] = []
    sense: list[int] = []
    for con in cons:
        terms = con.expr
        ids.extend(map(id, terms))
        value.extend(terms.values())
        lengths.append(len(terms))
        rhs.append(-con.constant)
        sense.append(con.sense)
    variables = _columns(model, set(ids))
    col_of = {id(v): i for i, v in enumerate(variables)}
    n = len(variables)
    inf = np.inf
    col_lower = np.array([-inf if v.lowBound is None else v.lowBound for v in variables], dtype=float)
    col_upper = np.array([inf if v.upBound is None else v.upBound for v in variables], dtype=float)
    integer = np.array([v.cat == "Integer" for v in variables], dtype=bool)
    index_a = np.fromiter(map(col_of.__getitem__, ids), dtype=np.int32, count=len(ids))
    value_a = np.array(value, dtype=float)
    row_of_term = np.repeat(np.arange(len(lengths)), lengths)
    keep = value_a != 0
    counts = np.bincount(row_of_term[keep], minlength=len(lengths))
    start = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(counts, out=start[1:])
    rhs_a, sense_a = np.array(rhs, dtype=float), np.array(sense, dtype=int)
    sign = -1.0 if model.maximize else 1.0
    years = sorted({y for _, y in model.x_year})
    year_cols = None
    if model.x_year:
        year_cols = np.array([[col_of[id(model.x_year[(o, y)])] for y in years] for o in model.x], dtype=np.int64)
    return Compiled(
        col_names=[v.name for v in variables],
        col_lower=col_lower,
        col_upper=col_upper,
        integer=integer,
        row_names=[con.name for con in cons],
        row_lower=np.where(sense_a >= 0, rhs_a, -inf),
        row_upper=np.where(sense_a <= 0, rhs_a, inf),
        start=start,
        index=index_a[keep],
        value=value_a[keep],
        primary=sign * _vector(model.primary, col_of, n),
        secondary=_vector(model.secondary, col_of, n),
        maximize=model.maximize,
        x_cols=np.array([col_of[id(v)] for v in model.x.values()], dtype=np.int64),
        years=years,
        year_cols=year_cols,
        tags=[model.tags[con.name] for con in cons],
        col_keys=[model.var_keys.get(v.name, ("?", v.name)) for v in variables],
    )
