"""The input tables' schema, said once: tables, columns, types, bounds, defaults, meanings.

Numbers, in table cells and in the scenario file alike, obey one rule (`number_problem`):
finite, of magnitude at most MAX_ABS, within the column's or key's own bounds.

`read` takes the table names from here, `validate` the required columns and each numeric
column's bounds and default, `scaffold` (`planner init`) the headers, the column guide and
the example row. Besides the columns listed, `options` has one numeric column per limited
resource (`limits:`, `objective.cost_resource`, resources named by rules), placed after
`RESOURCES_AFTER` in a new table; extra columns are allowed and carried through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from planner.io.numbers import fmt_bound

MAX_ABS = 1e12  # larger magnitudes are refused (cells and scenario numbers): they wreck solver numerics
TRUE = frozenset({"true", "yes", "1", "y", "t"})  # how a boolean cell may say yes …
FALSE = frozenset({"false", "no", "0", "n", "f", ""})  # … and no (blank is no)


@dataclass(frozen=True)
class Column:
    """One column. `type`: id (unique in its table), ref (an id from `ref`), text, number, integer, bool.

    Numbers must be finite; `lo`/`hi` bound them (`lo_open`: strictly above `lo`). `default`
    stands in for a blank cell or a missing optional column (None: required, no default;
    NaN: "none", e.g. no target)."""

    name: str
    type: str
    required: bool
    meaning: str
    example: Any = None  # the value in the example row `planner init` writes
    ref: str | None = None  # "table.column" a ref column points into
    default: Any = None
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False

    def number_rules(self) -> dict[str, Any]:
        """The keyword arguments of validate's number check for this column."""
        return {
            "default": self.default,
            "lo": self.lo,
            "hi": self.hi,
            "lo_open": self.lo_open,
            "integer": self.type == "integer",
        }


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


NAN = math.nan


def valid_numbers(
    lo: float | None = None, hi: float | None = None, lo_open: bool = False, integer: bool = False
) -> str:
    """What is valid, in words, the magnitude bound included: "a finite number ≥ 0 and ≤ 1e12"."""
    low = f"{'>' if lo_open else '≥'} {fmt_bound(-MAX_ABS if lo is None else lo)}"
    high = f"≤ {fmt_bound(MAX_ABS if hi is None else min(hi, MAX_ABS))}"
    return f"{'a whole number' if integer else 'a finite number'} {low} and {high}"


def number_problem(
    value: float, lo: float | None = None, hi: float | None = None, lo_open: bool = False, integer: bool = False
) -> str | None:
    """Why `value` is not a valid number within these bounds (None when it is): the one rule for
    table cells and scenario numbers. NaN, ±inf and magnitudes above MAX_ABS are never valid."""
    if isinstance(value, float) and not math.isfinite(value):
        why = ""
    elif abs(value) > MAX_ABS:
        why = f" (magnitudes above {fmt_bound(MAX_ABS)} are not supported: they wreck solver numerics)"
    elif (
        (integer and value != int(value))
        or (lo is not None and (value <= lo if lo_open else value < lo))
        or (hi is not None and value > hi)
    ):
        why = ""
    else:
        return None
    return f"must be {valid_numbers(lo, hi, lo_open, integer)}{why}"


# options has one such column per limited resource, named after it; in a new table they follow RESOURCES_AFTER
RESOURCE = Column("{resource}", "number", True, "use of the resource {resource}", lo=0)
RESOURCE_NOTE = "one numeric column per limited resource"
RESOURCES_AFTER = "name"

SCHEMA: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "partners",
            (
                Column("partner_id", "id", True, "unique id of the country or bloc", "jpn"),
                Column("name", "text", True, "display name", "Japan"),
                Column("region", "text", False, "free text, used for grouping", "Indo-Pacific", default=""),
                Column("bloc", "text", False, "memberships separated by |, e.g. NATO|AUKUS", "Quad", default=""),
                Column(
                    "risk",
                    "number",
                    False,
                    "0–1; an option's risk defaults to its partner's",
                    0.1,
                    default=0.0,
                    lo=0,
                    hi=1,
                ),
                Column(
                    "max_options",
                    "integer",
                    False,
                    "at most this many options with this partner (blank: no cap)",
                    None,
                    default=NAN,
                    lo=0,
                ),
            ),
        ),
        Table(
            "sectors",
            (
                Column("sector_id", "id", True, "unique id of the technology area", "semis"),
                Column("name", "text", True, "display name", "Semiconductors"),
                Column(
                    "weight",
                    "number",
                    False,
                    "≥ 0, default 1; multiplies the weight of the sector's gaps",
                    1,
                    default=1.0,
                    lo=0,
                ),
            ),
        ),
        Table(
            "gaps",
            (
                Column("gap_id", "id", True, "unique id of the shortfall", "semis-packaging"),
                Column(
                    "sector_id",
                    "ref",
                    True,
                    "the sector it belongs to (an id from sectors)",
                    "semis",
                    ref="sectors.sector_id",
                ),
                Column("name", "text", True, "display name", "Advanced packaging capacity"),
                Column("size", "number", True, "> 0, how much there is to close, in any unit", 100, lo=0, lo_open=True),
                Column("weight", "number", False, "≥ 0, default 1; worth of closing all of it", 1, default=1.0, lo=0),
                Column(
                    "target",
                    "number",
                    False,
                    "0 ≤ target ≤ size: amount that must be covered (blank: none)",
                    None,
                    default=NAN,
                    lo=0,
                ),
                Column("critical", "bool", False, "true/false", False, default=False),
            ),
        ),
        Table(
            "options",
            (
                Column("option_id", "id", True, "unique id of the candidate partnership", "jpn-semis-packaging"),
                Column("partner_id", "ref", True, "an id from partners", "jpn", ref="partners.partner_id"),
                Column("sector_id", "ref", True, "an id from sectors", "semis", ref="sectors.sector_id"),
                Column(
                    "kind", "text", True, "co-development, buyer, supply-chain, standards, joint-rd, …", "supply-chain"
                ),
                Column(
                    "name", "text", False, "display name", "Japan advanced-packaging supply pact"
                ),  # default: the option_id
                Column("risk", "number", False, "0–1 (blank: the partner's risk)", None, default=NAN, lo=0, hi=1),
                Column(
                    "rationale",
                    "text",
                    False,
                    "why it is a candidate; carried through to the outputs",
                    "Example row: replace with your own",
                ),
            ),
        ),
        Table(
            "contributions",
            (
                Column("option_id", "ref", True, "an id from options", "jpn-semis-packaging", ref="options.option_id"),
                Column("gap_id", "ref", True, "an id from gaps", "semis-packaging", ref="gaps.gap_id"),
                Column(
                    "amount",
                    "number",
                    True,
                    "≥ 0, how much of the gap the option closes (coverage is capped at the gap's size)",
                    40,
                    lo=0,
                ),
                Column("rationale", "text", False, "why", "Example: closes 40 of the gap's 100 units"),
            ),
        ),
    )
}

TABLES: tuple[str, ...] = tuple(SCHEMA)
