"""Neutralise spreadsheet formulas in text cells (OWASP CSV-injection guidance)."""
from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Prefix a text cell that a spreadsheet would run as a formula with a quote.

    Numbers stay numbers; a text cell that is itself a plain number (e.g. "-3") is left as is.
    """
    if isinstance(value, str) and value.startswith(TRIGGERS):
        try:
            float(value)
            return value
        except ValueError:
            return "'" + value
    return value


def neutralise_frame(frame):
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith(("str", "string")):
            out[col] = out[col].map(neutralise)
    return out
