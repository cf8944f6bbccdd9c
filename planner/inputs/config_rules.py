"""The `rules:` section of a scenario: frozen pydantic models that reject unknown keys.

Each model mirrors one rule family of `planner.model.rules`; the math lives there. Option
groups are written as a `Select` mapping (options matching every stated criterion, each
criterion matching any of its values) or, where a rule takes "options", as one option
id or a list of ids.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from planner.inputs.config_numbers import Amount, Count, Fraction, Positive, PositiveCount, number, whole


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: Any) -> Any:
    """One scalar where a list is expected means a list of that one value."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return [str(value)]
    return value


Names = Annotated[list[str], BeforeValidator(_as_list)]
Share = Annotated[float, number(0, 1, lo_open=True)]  # 0 < share ≤ 1
Year = Annotated[int, whole(1900, 2200)]


class Select(_Frozen):
    """Options matching every stated criterion; within one criterion, any listed value.

    `bloc` matches a partner's `|`-separated memberships (e.g. `NATO|AUKUS`).
    """

    options: Names | None = None
    partner: Names | None = None
    sector: Names | None = None
    kind: Names | None = None
    bloc: Names | None = None
    region: Names | None = None

    @model_validator(mode="after")
    def _some_criterion(self) -> "Select":
        if all(getattr(self, f) is None for f in type(self).model_fields):
            raise ValueError("a group needs at least one of: options, partner, sector, kind, bloc, region")
        return self

    def describe(self) -> str:
        return ", ".join(f"{f}={'|'.join(v)}" for f in type(self).model_fields if (v := getattr(self, f)) is not None)


def _as_select(value: Any) -> Any:
    """An option id or a list of ids is shorthand for `{options: [...]}`."""
    if isinstance(value, (str, list, tuple)):
        return {"options": _as_list(value) if isinstance(value, str) else list(value)}
    return value


OptionSet = Annotated[Select, BeforeValidator(_as_select)]


class RequiresRule(_Frozen):
    """Each option of `option` only together with all of `needs` / at least one of `needs_any`."""

    option: OptionSet
    needs: OptionSet | None = None
    needs_any: OptionSet | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "RequiresRule":
        if (self.needs is None) == (self.needs_any is None):
            raise ValueError("state exactly one of 'needs' (all of them) or 'needs_any' (at least one)")
        return self


def _as_excludes(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return {"options": list(value)}
    return value


class ExcludesRule(_Frozen):
    """At most `at_most` (default 1) of these options together; `[a, b]` is the pairwise form."""

    options: OptionSet
    at_most: PositiveCount = 1


class GroupRule(_Frozen):
    """Bounds on how many options of a group, or how much of a resource they use."""

    name: str | None = Field(None, min_length=1)
    select: OptionSet
    min_options: Count | None = None
    max_options: Count | None = None
    min_use: dict[str, Amount] = Field(default_factory=dict)
    max_use: dict[str, Amount] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _some_bound(self) -> "GroupRule":
        if self.min_options is None and self.max_options is None and not self.min_use and not self.max_use:
            raise ValueError("a group rule needs at least one of min_options, max_options, min_use, max_use")
        return self


class MaxOptionsRule(_Frozen):
    """Partner absorptive capacity: the `max_options` column, a default, per-partner overrides."""

    use_column: bool = True
    default: Count | None = None
    partners: dict[str, Count] = Field(default_factory=dict)


class MinFractionRule(_Frozen):
    """Minimum covered fraction of a sector's total gap size, or of one gap's size."""

    sectors: dict[str, Fraction] = Field(default_factory=dict)
    gaps: dict[str, Fraction] = Field(default_factory=dict)


class DiversifyRule(_Frozen):
    """No single point of failure for one sector or one gap."""

    sector: str | None = None
    gap: str | None = None
    min_partners: PositiveCount | None = None
    max_partner_share: Share | None = None

    @model_validator(mode="after")
    def _shape(self) -> "DiversifyRule":
        if (self.sector is None) == (self.gap is None):
            raise ValueError("state exactly one of 'sector' or 'gap'")
        if self.min_partners is None and self.max_partner_share is None:
            raise ValueError("state min_partners, max_partner_share, or both")
        return self


class RiskRule(_Frozen):
    """Caps on Σ risk[o]·x[o]: in total, per bloc, per partner."""

    max_total: Amount | None = None
    max_per_bloc: dict[str, Amount] = Field(default_factory=dict)
    max_per_partner: dict[str, Amount] = Field(default_factory=dict)


class Segment(_Frozen):
    upto: Share  # covered fraction where the segment ends
    value: Amount  # share of the gap's weight this segment is worth


class DiminishingRule(_Frozen):
    """Concave piecewise-linear value of a gap's covered fraction (segments in order)."""

    gaps: Names | None = None
    sectors: Names | None = None
    segments: list[Segment] = Field(min_length=1)


class StandardsRule(_Frozen):
    """A bonus when at least `min_partners` partners select a sector's `kind` option."""

    sector: str
    min_partners: PositiveCount
    bonus: Positive
    kind: str = "standards"


class PhasingRule(_Frozen):
    """A horizon of years; each option starts in one of them or not at all."""

    start: Year
    end: Year
    per_year: dict[str, Amount] = Field(default_factory=dict)
    spread: Names = Field(default_factory=list)
    duration_column: str = "duration_years"
    value: Literal["end", "horizon"] = "end"

    @model_validator(mode="after")
    def _order(self) -> "PhasingRule":
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) must not be before start ({self.start})")
        if self.end - self.start >= 50:
            raise ValueError("a horizon of at most 50 years is supported")
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.start, self.end + 1))


class ResilienceRule(_Frozen):
    """N-1: critical gaps keep `fraction` of their size covered if any one partner is lost."""

    fraction: Share
    gaps: Names | None = None  # default: the gaps marked critical


class RulesConfig(_Frozen):
    require: Names = Field(default_factory=list)
    forbid: Names = Field(default_factory=list)
    requires: list[RequiresRule] = Field(default_factory=list)
    excludes: list[Annotated[ExcludesRule, BeforeValidator(_as_excludes)]] = Field(default_factory=list)
    groups: list[GroupRule] = Field(default_factory=list)
    max_options: MaxOptionsRule = MaxOptionsRule()
    min_fraction: MinFractionRule = MinFractionRule()
    diversify: list[DiversifyRule] = Field(default_factory=list)
    risk: RiskRule = RiskRule()
    diminishing_returns: list[DiminishingRule] = Field(default_factory=list)
    standards_bonus: list[StandardsRule] = Field(default_factory=list)
    phasing: PhasingRule | None = None
    resilience: ResilienceRule | None = None
