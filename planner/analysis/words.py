"""A resource in an analyst's words: the name and unit a sentence uses for a resource key.

The scenario names a resource by its key (`budget_musd`, `diplomatic_capacity`): a column of
options.csv and a key of `limits:`. Its unit is part of the key, by the house convention of
units in names (docs/explain.md): a last part `musd` reads "M$". The rest of the key,
its underscores as spaces, is the resource's name: `budget_musd` reads "budget" in "M$",
`diplomatic_capacity` "diplomatic capacity" without a unit. These words only word sentences;
no decision is taken on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.io.numbers import fmt

# The unit a resource key's last part names (`budget_musd`: M$).
UNITS: dict[str, str] = {
    "musd": "M$",
    "busd": "bn$",
    "kusd": "k$",
    "usd": "$",
    "meur": "M€",
    "beur": "bn€",
    "keur": "k€",
    "eur": "€",
    "mgbp": "M£",
    "gbp": "£",
    "fte": "FTE",
    "days": "days",
    "hours": "hours",
    "weeks": "weeks",
    "months": "months",
    "years": "years",
    "pct": "%",
}


@dataclass(frozen=True)
class ResourceWords:
    """How a sentence names a resource and states an amount of it."""

    key: str  # the scenario's key, e.g. budget_musd
    name: str  # e.g. budget
    unit: str  # e.g. M$; "" when the key names none

    def amount(self, value: float | None) -> str:
        """`value` with the unit: 5,310 M$ (a bare number when the resource has no unit)."""
        return f"{fmt(value)} {self.unit}" if self.unit else fmt(value)


def resource_words(key: str) -> ResourceWords:
    """The words for resource `key` (see the module doc)."""
    head, _, last = key.rpartition("_")
    if head and last.lower() in UNITS:
        return ResourceWords(key, head.replace("_", " "), UNITS[last.lower()])
    return ResourceWords(key, key.replace("_", " "), "")
