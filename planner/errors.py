"""Domain errors. The library raises these; the CLI maps them to exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


MAX_VALUE_CHARS = 200  # a bad value is quoted in messages up to this length


def _short(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + f"… ({len(text):,} characters)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is, what it is, what would be valid."""

    file: str
    message: str
    row: int | None = None  # spreadsheet row: header is row 1, first data row is row 2
    column: str | None = None
    value: object = None
    key: str | None = None  # dotted YAML key path, for scenario problems

    def __str__(self) -> str:
        where = [self.file]
        if self.key:
            where.append(f"key {self.key}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        text = ", ".join(where) + ": " + self.message
        if self.value is not None and self.value != "":
            text += f" (got {_short(repr(self.value))})"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "key": self.key,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else _short(str(self.value)),
            "message": self.message,
        }


class PlannerError(Exception):
    """A fault in the tool or the solver (exit 1)."""


class InputError(PlannerError):
    """Bad input or usage (exit 2). Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str, file: str = "scenario"):
        if isinstance(problems, str):
            problems = [Problem(file=file, message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self, limit: int | None = None) -> str:
        shown = self.problems if limit is None else self.problems[:limit]
        lines = [f"{len(self.problems)} input problem(s):"] + [f"  - {p}" for p in shown]
        if limit is not None and len(self.problems) > limit:
            lines.append(f"  … and {len(self.problems) - limit} more")
        return "\n".join(lines)


class Refusal(StrEnum):
    """Why the planner will not replace or overwrite a path (`OutputRefused.reason`)."""

    NOT_A_RUN_FOLDER = "not_a_run_folder"  # a folder without this tool's .planner-run marker
    NOT_A_FOLDER = "not_a_folder"  # a file (or other non-folder) where a run folder would go
    SYMLINK = "symlink"  # the path itself is a symbolic link
    WORKING_FOLDER = "working_folder"  # the working folder, or a folder above it
    NOT_OUR_FILE = "not_our_file"  # a file this tool did not write (export's --force stops here)


class OutputRefused(InputError):
    """The planner refuses to replace `path`: it did not write it (exit 2, like bad input).

    Raised by `planner.io.runfolder` before anything is written or removed, so the library,
    the CLI and the web server all refuse the same way; `reason` says why, as a type."""

    def __init__(self, path: str | Path, reason: Refusal, message: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(Problem(file=str(path), message=message))
