"""Numbers as text: every formatter the planner's output uses, in one place.

Each function is one house format; they differ on purpose (a sentence drops trailing
zeros, a terminal table keeps fixed decimals, a `--set` value must paste back exactly),
so each keeps its own name rather than a flag:

    fmt(v)            sentences and explanations   1,234 · 0.1235 · inf · —
    fmt_num(v)        --set values to paste back   1234 · 0.123456789
    fmt_fixed(v)      terminal result tables        1,234.50 · —
    fmt_cell(v)       terminal tables of frames     fmt_fixed, NaN/NA → —, numpy scalars unwrapped
    fmt_number(v)     reports                       1,234 · 0.12 · yes/no · —
    fmt_percent(v)    shares, fractions             12.5% · —
    fmt_data(v)       generated input tables        fixed decimals, trailing zeros and "-0" dropped
    fmt_bound(v)      valid ranges in messages      0 · 0.5 · 1000000 · 1e12

and numbers as JSON: `json_text(data)` is every JSON document the planner writes or prints
(`--json`, summary.json …): strict JSON (RFC 8259), so any parser reads it. A figure that is
not a finite number (NaN: undefined, ±inf: unbounded or none) is written as null.

Light on import (no numpy or pandas at module top): the CLI's help must stay fast.
"""

from __future__ import annotations

import json
import math
from enum import Enum
from typing import Any

MISSING = "—"


def fmt(v: float | None, digits: int = 4) -> str:
    """A number in a sentence: whole numbers with thousands separators, else up to `digits`
    decimals without trailing zeros; non-finite values as Python spells them; None as —."""
    if v is None:
        return MISSING
    if not math.isfinite(v):
        return str(v)
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.{digits}f}".rstrip("0").rstrip(".")


def fmt_num(v: float) -> str:
    """A value for `--set KEY=VALUE`: an integer as such, else repr of the value rounded to 9 decimals."""
    return str(int(v)) if float(v).is_integer() else repr(round(v, 9))


def fmt_fixed(value: Any, digits: int = 2) -> str:
    """A float with exactly `digits` decimals and thousands separators; None as —; anything else as str."""
    if value is None:
        return MISSING
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def fmt_cell(value: Any, digits: int = 2) -> str:
    """`fmt_fixed` for a cell of a pandas frame: missing values (NaN, NA, NaT) as —, numpy scalars unwrapped."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple, str)) and pd.isna(value)):
        return MISSING
    if hasattr(value, "item"):  # numpy / pandas scalars
        value = value.item()
    return fmt_fixed(value, digits)


def fmt_number(value: Any, digits: int = 2) -> str:
    """A number for people: thousands separators, whole numbers without decimals, — for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if float(value).is_integer():
            return f"{value:,.0f}"
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return str(value)


def fmt_percent(value: Any) -> str:
    """A fraction as a percentage with one decimal (0.125 → 12.5%); None and NaN as —."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"{float(value):.1%}"


def fmt_data(value: float, decimals: int = 2) -> str:
    """Fixed-point text without trailing zeros, for data files: the same bytes on every platform."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_bound(value: float) -> str:
    """A bound of a valid range in a message: whole numbers below 10 million as digits, others
    as Python's shortest form without the exponent's plus sign (1e12, 1e-09)."""
    if float(value).is_integer() and abs(value) < 1e7:
        return str(int(value))
    return f"{value:g}".replace("e+", "e")


def json_ready(value: Any) -> Any:
    """`value` as plain JSON data: NaN and ±inf → None (null), numpy scalars → Python numbers,
    enums → their value, mapping keys → text, tuples → lists; anything else → its text."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, Enum):
        value = value.value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy / pandas scalars
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int)):
        return value
    return str(value)


def json_text(data: Any, indent: int | None = 2, sort_keys: bool = False) -> str:
    """Strict JSON text of `data` (after `json_ready`): never NaN or Infinity."""
    return json.dumps(json_ready(data), indent=indent, sort_keys=sort_keys, allow_nan=False)
