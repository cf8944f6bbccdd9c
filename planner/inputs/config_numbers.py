"""Bounded numbers for the scenario file's models: the table cells' rule, said once.

Every number of a scenario (limits, weights, targets, rule parameters, intervals, solver,
re-plan and Monte Carlo settings) is declared `Annotated[float, number(...)]` or `Annotated[int, whole(...)]`, so it obeys
`planner.inputs.schema.number_problem` like a table cell: finite, magnitude at most
`schema.MAX_ABS` (1e12), within its own bounds. A bad value is refused naming the key path,
the value and the valid range (`planner.inputs.config.parse_config`).
"""

from __future__ import annotations

from typing import Annotated, Any, Callable

from pydantic import WrapValidator
from pydantic_core import PydanticCustomError

from planner.inputs.schema import number_problem, valid_numbers

ERROR_TYPE = "number_out_of_range"


def _as_number(text: str) -> float | None:
    """The number a text spells (None if none: pydantic then says what is wrong)."""
    try:
        return float(text)
    except ValueError:
        return None


def _checker(lo: float | None, hi: float | None, lo_open: bool, integer: bool) -> Callable[[Any, Any], Any]:
    def check(value: Any) -> None:
        problem = number_problem(value, lo, hi, lo_open, integer)
        if problem:
            raise PydanticCustomError(ERROR_TYPE, problem)

    def validate(value: Any, handler: Any) -> Any:
        # Judged before pydantic converts it: 10**400 never fits a float, 1e308 would make a
        # 309-digit int, and `--set k=1e13` is the text '1e13' (YAML 1.1 floats need a dot).
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            check(value)
        elif isinstance(value, str) and (number := _as_number(value)) is not None:
            check(number)
        parsed = handler(value)
        check(parsed)
        return parsed

    return validate


def number(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False) -> WrapValidator:
    """The check of a float key (`Annotated[float, number(...)]`): finite, |value| ≤ MAX_ABS,
    ≥ lo (> lo with lo_open), ≤ hi."""
    return WrapValidator(_checker(lo, hi, lo_open, False))


def whole(lo: float | None = None, hi: float | None = None) -> WrapValidator:
    """The check of an int key (`Annotated[int, whole(...)]`): a whole number, |value| ≤ MAX_ABS, ≥ lo, ≤ hi."""
    return WrapValidator(_checker(lo, hi, False, True))


def number_or_text(lo: float | None = None) -> WrapValidator:
    """The check of a key that is a bounded number or a non-empty name (`Annotated[float | str,
    number_or_text(...)]`, e.g. a drop cost or an options column)."""
    check_number = _checker(lo, None, False, False)

    def validate(value: Any, handler: Any) -> Any:
        if isinstance(value, str) and value:
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return check_number(value, handler)
        raise PydanticCustomError(
            "number_or_name", "give a number ({valid}) or the name of a column", {"valid": valid_numbers(lo)}
        )

    return WrapValidator(validate)


# The shapes most keys take.
Amount = Annotated[float, number(0)]  # ≥ 0: a limit, a weight, a use of a resource
Positive = Annotated[float, number(0, lo_open=True)]  # > 0
Fraction = Annotated[float, number(0, 1)]  # 0 … 1
Count = Annotated[int, whole(0)]  # 0, 1, 2, …
PositiveCount = Annotated[int, whole(1)]  # 1, 2, …
