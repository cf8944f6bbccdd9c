"""How long each step of a solve took, in seconds: typed, on the `Result`.

A step that did not run is None and is left out of `to_dict()` (summary.json's
`timings_seconds`), which lists the steps in the order they run.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Timings:
    """Seconds per step: reading files, validating, building the model, compiling it for
    HiGHS, solving, the clean-sheet re-solve of a re-plan, writing the run folder."""

    load: float | None = None
    validate: float | None = None
    build: float | None = None
    compile: float | None = None
    solve: float | None = None
    clean_sheet: float | None = None
    export: float | None = None

    def to_dict(self) -> dict[str, float]:
        """The steps that ran, in the order they run: {step: seconds}."""
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not None}

    def merged(self, other: Timings) -> Timings:
        """These timings with every step `other` states replaced by its figure."""
        return replace(self, **other.to_dict())
