"""Neutralise spreadsheet formulas in text cells (OWASP CSV-injection guidance).

`neutralise` prefixes a formula-looking text with QUOTE. It is not reversible, so text that
must read back as itself — ids, which `planner check` and `replan.incumbent` read from the
outputs — is refused at validation unless `reads_back(text)`: neutralise leaves it alone and it
does not start with QUOTE (else `=x` and `'=x` would both be written `'=x`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import pandas as pd

_T = TypeVar("_T")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise(value: _T) -> _T | str:
    """Prefix a text cell that a spreadsheet would run as a formula with a quote.

    Numbers stay numbers; a text cell that is itself a plain number (e.g. "-3") is left as is.
    """
    if isinstance(value, str) and value.startswith(TRIGGERS):
        try:
            float(value)
            return value
        except ValueError:
            return QUOTE + value
    return value


def reads_back(text: str) -> bool:
    """True when `text` is written to the outputs unchanged and cannot be mistaken for a
    neutralised text: the outputs' text maps back to exactly one id."""
    return neutralise(text) == text and not text.startswith(QUOTE)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith(("str", "string")):
            out[col] = out[col].map(neutralise)
    return out
